// One full-screen triangle; every pixel casts its own ray (exact perspective).
//
// World axes: X left, Y down, Z front (pan 0 looks along +Z, pan grows toward
// +X). Surfaces are data: a cylinder (pan range, wrap), a plane (orientation
// quaternion, focal length, centre, aspect, skew) or a flat object frame. Their
// pictures live in `img` as pages (layers) with a gutter of neighbouring texels,
// so filtering is seamless across pages, tiles, faces and the 360° wrap.
// Texture gradients are computed analytically from the ray's derivatives, so
// mip selection does not jump at seams either.
//
// What the fragment shader reads per pixel is kept cheap for software
// rasterisers (src/render/mod.rs): the view arrives from the vertex shader
// as flat (per-triangle) values, and the
// surfaces are texels of a small float texture. Storage buffer loads cost
// lavapipe a loop over the pixels of a block for every value, and uniform
// buffers make it compile a copy of the shader per draw; the vertex shader
// reads the view's storage buffer three times a frame, the fragment shader
// only reads it for the hot spot overlay's mask. Cubes whose faces look along
// the axes test only the three faces a ray's signs point to (the face table)
// instead of all six in turn; standard cubes only the one its largest
// component points to. Each surface tested costs five texel fetches, which
// lavapipe makes lane by lane: most of a cube pixel's time.
//
// Software rasterisers run every branch of a shader under a mask, taken or
// not, so each pipeline is specialised with override constants to what it
// draws (projection, the node's kinds of surface, the face table, the hot
// spot overlay) and the rest compiles away.

struct Globals {
    fwd: vec4f,
    right: vec4f,
    up: vec4f,
    // full target width, height; this tile's offset x, y
    dest: vec4f,
    // x: mode (0 perspective, 1 equirect, 2 flat); y: surfaces; z: show hot
    // spots (outlined); w: the face table is used
    mode: vec4u,
    // flat: scale (target px per frame px), centre x, y
    obj: vec4f,
    neutral: vec4f,
    // image layer width, height (texels), gutter
    layer: vec4f,
    // the face table: byte d (of x, then y) is 1 + the surface whose plane
    // faces direction d (+X, -X, +Y, -Y, +Z, -Z), 0 for none; every surface
    // is in it
    faces: vec4u,
    // bit i set: hot spot id i exists
    hs_mask: array<vec4u, 2>,
};

struct Surface {
    // x: kind (0 cylinder, 1 plane, 2 flat); y: first layer; z, w: pages across, down
    kind: vec4u,
    // picture width, height; page width, height
    size: vec4f,
    // plane: rotation quaternion (w, x, y, z)
    q: vec4f,
    // plane: focal, aspect, skew; cylinder: pan max, pan range, wraps (1/0)
    p: vec4f,
    // plane: centre x, y (pixels, +y up)
    c: vec4f,
};

// 0 perspective, 1 equirect, 2 flat (object views).
override PROJECTION: u32 = 0u;
// Bits: 1 the node has cylinders, 2 it has planes.
override KINDS: u32 = 3u;
// Every surface is a plane in the face table.
override FACES: bool = false;
// Every direction has a face in the table, and each covers the whole
// quarter of the sphere its direction points to and at most about a texel
// more (standard and tiled cubes): a ray meets the face its largest
// component points to, the only one tested. Where two faces' extra texels
// overlap at an edge, that face is the one shown.
override CUBE: bool = false;
// The node has one surface (most cylinders): read at a constant place,
// without the loop over surfaces (40% of a cylinder pixel's time on lavapipe).
override ONE: bool = false;
// The hot spot overlay is drawn.
override HOTSPOTS: bool = false;

const MAX_SURFACES: u32 = 64u;
const PI: f32 = 3.14159265358979;

// A storage buffer, not a uniform buffer: lavapipe recompiles shaders
// specialised to the uniform values their branches test at every draw.
@group(0) @binding(0) var<storage, read> g: Globals;
// One row per surface: kind, size, q, p, c, hot spot pages, hot spot sizes.
@group(0) @binding(1) var surf: texture_2d<f32>;
@group(0) @binding(2) var img: texture_2d_array<f32>;
@group(0) @binding(3) var smp: sampler;
@group(0) @binding(4) var hsm: texture_2d_array<u32>;

struct Frag {
    @builtin(position) pos: vec4f,
    @location(0) @interpolate(flat) fwd: vec3f,
    @location(1) @interpolate(flat) right: vec3f,
    @location(2) @interpolate(flat) up: vec3f,
    @location(3) @interpolate(flat) dest: vec4f,
    @location(4) @interpolate(flat) mode: vec4u,
    @location(5) @interpolate(flat) obj: vec4f,
    @location(6) @interpolate(flat) layer: vec4f,
    @location(7) @interpolate(flat) neutral: vec4f,
    @location(8) @interpolate(flat) faces: vec4u,
};

@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> Frag {
    let x = f32(i32(i & 1u) * 4 - 1);
    let y = f32(i32(i >> 1u) * 4 - 1);
    var o: Frag;
    o.pos = vec4f(x, y, 0.0, 1.0);
    o.fwd = g.fwd.xyz;
    o.right = g.right.xyz;
    o.up = g.up.xyz;
    o.dest = g.dest;
    o.mode = g.mode;
    o.obj = g.obj;
    o.layer = g.layer;
    o.neutral = g.neutral;
    o.faces = g.faces;
    return o;
}

fn surface(i: u32) -> Surface {
    let y = i32(i);
    var s: Surface;
    s.kind = vec4u(textureLoad(surf, vec2i(0, y), 0));
    s.size = textureLoad(surf, vec2i(1, y), 0);
    s.q = textureLoad(surf, vec2i(2, y), 0);
    s.p = textureLoad(surf, vec2i(3, y), 0);
    s.c = textureLoad(surf, vec2i(4, y), 0);
    return s;
}

// Rotates v by the conjugate of the unit quaternion q (world → surface).
fn unrotate(q: vec4f, v: vec3f) -> vec3f {
    let u = -q.yzw;
    let t = 2.0 * cross(u, v);
    return v + q.x * t + cross(u, t);
}

struct Hit {
    ok: bool,
    uv: vec2f,
    dx: vec2f,
    dy: vec2f,
};

// Texel position of a ray on a surface, with its derivatives across the target.
fn hit(s: Surface, r: vec3f, rx: vec3f, ry: vec3f) -> Hit {
    var h: Hit;
    h.ok = false;
    let w = s.size.x;
    let ht = s.size.y;
    let cylinder = (KINDS & 1u) != 0u && ((KINDS & 2u) == 0u || s.kind.x == 0u);
    if (cylinder) {
        let rho2 = max(r.x * r.x + r.z * r.z, 1e-30);
        let rho = sqrt(rho2);
        let range = max(s.p.y, 1e-3);
        var d = s.p.x - degrees(atan2(r.x, r.z));
        if (s.p.z > 0.5) {
            d = d - 360.0 * floor(d / 360.0);
        } else {
            let lo = -(360.0 - range) * 0.5;
            d = d - lo;
            d = d - 360.0 * floor(d / 360.0) + lo;
        }
        let radius = w * 360.0 / (2.0 * PI * range);
        let u = d / range * w;
        let v = ht * 0.5 + r.y * radius / rho;
        // d(theta) = (z dx - x dz) / rho^2 ; d(rho) = (x dx + z dz) / rho
        let k = -degrees(1.0) / range * w;
        let dthx = (r.z * rx.x - r.x * rx.z) / rho2;
        let dthy = (r.z * ry.x - r.x * ry.z) / rho2;
        let drx = (r.x * rx.x + r.z * rx.z) / rho;
        let dry = (r.x * ry.x + r.z * ry.z) / rho;
        h.dx = vec2f(k * dthx, radius * (rx.y * rho - r.y * drx) / rho2);
        h.dy = vec2f(k * dthy, radius * (ry.y * rho - r.y * dry) / rho2);
        h.uv = vec2f(u, v);
        h.ok = u >= 0.0 && u <= w && v >= 0.0 && v <= ht;
        return h;
    }
    let l = unrotate(s.q, r);
    if (l.z <= 1e-6) {
        return h;
    }
    let lx = unrotate(s.q, rx);
    let ly = unrotate(s.q, ry);
    let sv = l.xy / l.z;
    let sx = (lx.xy * l.z - l.xy * lx.z) / (l.z * l.z);
    let sy = (ly.xy * l.z - l.xy * ly.z) / (l.z * l.z);
    let f = s.p.x;
    let a = s.p.y;
    let k = s.p.z;
    let u = -(f / a) * sv.x - (k * f / a) * sv.y + (w - 1.0) * 0.5 - s.c.x + 0.5;
    let v = f * sv.y + (ht - 1.0) * 0.5 + s.c.y + 0.5;
    h.dx = vec2f(-(f / a) * sx.x - (k * f / a) * sx.y, f * sx.y);
    h.dy = vec2f(-(f / a) * sy.x - (k * f / a) * sy.y, f * sy.y);
    h.uv = vec2f(u, v);
    h.ok = u >= 0.0 && u <= w && v >= 0.0 && v <= ht;
    return h;
}

fn sample_surface(s: Surface, h: Hit, layers: vec4f) -> vec4f {
    let pages = vec2f(f32(s.kind.z), f32(s.kind.w));
    let page = clamp(floor(h.uv / s.size.zw), vec2f(0.0), pages - 1.0);
    let local = h.uv - page * s.size.zw + layers.z;
    let layer = s.kind.y + u32(page.y) * s.kind.z + u32(page.x);
    let inv = 1.0 / layers.xy;
    // Non-finite or absurd gradients (rays grazing a plane): use the base level.
    let big = vec2f(1e5);
    let sane = all(abs(h.dx) < big) && all(abs(h.dy) < big);
    let dx = select(vec2f(0.0), h.dx * inv, sane);
    let dy = select(vec2f(0.0), h.dy * inv, sane);
    return textureSampleGrad(img, smp, local * inv, layer, dx, dy);
}

// The hot spot under a hit on surface `i` (0: none, or not shown).
fn hotspot_id(i: u32, s: Surface, h: Hit) -> u32 {
    let hs = vec4u(textureLoad(surf, vec2i(5, i32(i)), 0));
    if (hs.x == 0u) {
        return 0u;
    }
    let hs_size = textureLoad(surf, vec2i(6, i32(i)), 0);
    let t = clamp(floor(h.uv / s.size.xy * hs_size.xy), vec2f(0.0), hs_size.xy - 1.0);
    let pages = vec2f(f32(hs.z), f32(hs.w));
    let page = clamp(floor(t / hs_size.zw), vec2f(0.0), pages - 1.0);
    let local = vec2i(t - page * hs_size.zw);
    let layer = hs.y + u32(page.y) * hs.z + u32(page.x);
    let id = textureLoad(hsm, local, layer, 0).r;
    let bits = g.hs_mask[id / 128u];
    let word = bits[(id / 32u) % 4u];
    if ((word >> (id % 32u)) & 1u) == 0u {
        return 0u;
    }
    return id;
}

// A distinct, saturated colour per hot spot id (golden-ratio hues).
fn id_colour(id: u32) -> vec3f {
    let hue = fract(f32(id) * 0.618034 + 0.1);
    let k = vec3f(5.0, 3.0, 1.0);
    let p = abs(fract(vec3f(hue) + k / 6.0) * 6.0 - 3.0);
    return mix(vec3f(1.0), clamp(p - 1.0, vec3f(0.0), vec3f(1.0)), 0.85);
}

// Whether a hot spot pixel lies on its region's edge: a pixel two target
// pixels away (along the ray's texel derivatives) shows another id.
fn on_edge(i: u32, s: Surface, h: Hit, id: u32) -> bool {
    let offsets = array<vec2f, 4>(vec2f(2.0, 0.0), vec2f(-2.0, 0.0), vec2f(0.0, 2.0), vec2f(0.0, -2.0));
    for (var k = 0u; k < 4u; k = k + 1u) {
        var n = h;
        n.uv = h.uv + h.dx * offsets[k].x + h.dy * offsets[k].y;
        if (hotspot_id(i, s, n) != id) {
            return true;
        }
    }
    return false;
}

fn shade(f: Frag, i: u32, s: Surface, h: Hit) -> vec4f {
    var c = sample_surface(s, h, f.layer);
    if (HOTSPOTS) {
        let id = hotspot_id(i, s, h);
        if (id != 0u) {
            // Outlined in the hot spot's colour, lightly tinted inside.
            if (on_edge(i, s, h, id)) {
                c = vec4f(id_colour(id), 1.0);
            } else {
                c = vec4f(mix(c.rgb, id_colour(id), 0.3), 1.0);
            }
        }
    }
    return vec4f(c.rgb, 1.0);
}

// The face table's entry for direction d: 1 + a surface, 0 for none.
fn face(f: Frag, d: u32) -> u32 {
    let word = select(f.faces.y, f.faces.x, d < 4u);
    return (word >> (8u * (d % 4u))) & 255u;
}

@fragment
fn fs_main(f: Frag) -> @location(0) vec4f {
    let p = f.pos.xy + f.dest.zw;
    let size = f.dest.xy;
    let n = min(f.mode.y, MAX_SURFACES);
    if (PROJECTION == 2u) {
        if (n == 0u) {
            return f.neutral;
        }
        let s = surface(0u);
        var h: Hit;
        let inv = 1.0 / f.obj.x;
        h.uv = (p - size * 0.5) * inv + s.size.xy * 0.5 + f.obj.yz;
        h.dx = vec2f(inv, 0.0);
        h.dy = vec2f(0.0, inv);
        if (h.uv.x < 0.0 || h.uv.y < 0.0 || h.uv.x > s.size.x || h.uv.y > s.size.y) {
            return f.neutral;
        }
        return shade(f, 0u, s, h);
    }
    var r: vec3f;
    var rx: vec3f;
    var ry: vec3f;
    if (PROJECTION == 1u) {
        let pan = PI - 2.0 * PI * p.x / size.x;
        let tilt = 0.5 * PI - PI * p.y / size.y;
        let sp = sin(pan);
        let cp = cos(pan);
        let st = sin(tilt);
        let ct = cos(tilt);
        r = vec3f(sp * ct, -st, cp * ct);
        rx = vec3f(cp * ct, 0.0, -sp * ct) * (-2.0 * PI / size.x);
        ry = vec3f(-sp * st, -ct, -cp * st) * (-PI / size.y);
    } else {
        let ndc = vec2f(2.0 * p.x / size.x - 1.0, 1.0 - 2.0 * p.y / size.y);
        r = f.fwd + ndc.x * f.right + ndc.y * f.up;
        rx = f.right * (2.0 / size.x);
        ry = -f.up * (2.0 / size.y);
    }
    // The surface the ray meets (the face its largest component points to,
    // else the first in turn), then shaded once.
    var found = false;
    var at = 0u;
    var h: Hit;
    if (FACES && CUBE) {
        // The face the ray's largest component points to (ties: x, then y).
        let dirs = vec3u(select(1u, 0u, r.x > 0.0), select(3u, 2u, r.y > 0.0), select(5u, 4u, r.z > 0.0));
        let m = abs(r);
        let d = select(select(dirs.z, dirs.y, m.y >= m.z), select(dirs.z, dirs.x, m.x >= m.z), m.x >= m.y);
        let k = face(f, d);
        if (k != 0u && k <= n) {
            h = hit(surface(k - 1u), r, rx, ry);
            found = h.ok;
            at = k - 1u;
        }
    } else if (FACES) {
        // The faces the ray's signs point to: of those it meets, the first
        // in the node's order (what testing every surface in turn finds).
        let dirs = vec3u(select(1u, 0u, r.x > 0.0), select(3u, 2u, r.y > 0.0), select(5u, 4u, r.z > 0.0));
        for (var a = 0u; a < 3u; a = a + 1u) {
            let k = face(f, dirs[a]);
            if (k != 0u && k <= n && (!found || k - 1u < at)) {
                let t = hit(surface(k - 1u), r, rx, ry);
                if (t.ok) {
                    h = t;
                    found = true;
                    at = k - 1u;
                }
            }
        }
    } else if (ONE) {
        h = hit(surface(0u), r, rx, ry);
        found = n == 1u && h.ok;
    } else {
        for (var i = 0u; i < n && !found; i = i + 1u) {
            h = hit(surface(i), r, rx, ry);
            found = h.ok;
            at = i;
        }
    }
    if (!found) {
        return f.neutral;
    }
    return shade(f, at, surface(at), h);
}
