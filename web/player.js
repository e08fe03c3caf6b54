// QTVR web player: loading, drawing, controls and tours.
//
// Written for `qtvr export --to web`; reads the movie from `tour.js`
// (`QTVR.tour({...})`, see docs/web.md for its fields) and navigates with
// `QTVR.nav` (nav.js, the desktop viewer's navigation ported). A classic
// script: pages opened from file:// cannot load modules.
//
// Drawing follows shaders/panorama.wgsl: every pixel casts its own ray and
// meets the node's surfaces (cylinders, cube faces and tiles as planes,
// object frames drawn flat), the first surface hit wins, texture gradients
// come from the ray's derivatives so mip levels match the desktop's. Each
// surface is cut into pages (at most 2048 texels, with a gutter of
// neighbouring texels); each page is one full-screen pass that discards the
// pixels outside it. Without WebGL 2, a 2D canvas still shows the picture.
//
// Pictures load through `<script src="….js">` twins when the page comes from
// file:// (browsers refuse to read pixels of other file:// addresses), and as
// plain images from a web server.
(function (root) {
  'use strict';
  const QTVR = (root.QTVR = root.QTVR || {});
  const nav = QTVR.nav;
  const NEUTRAL = [64 / 255, 64 / 255, 64 / 255];
  const BAR = 28; // controller bar height, CSS pixels (the desktop's, at scale 1)
  const HASH_EVERY = 0.25; // seconds between address updates while moving
  // Texture bytes of an object's frames kept at once: 256 MB, or
  // index.html?framebudget=MB (for devices with little memory).
  const FRAME_BUDGET = (() => {
    const m = /[?&]framebudget=(\d+)/.exec((root.location && root.location.search) || '');
    return m ? Math.max(1, Number(m[1])) << 20 : 256 << 20;
  })();
  const FROM_FILE = root.location && root.location.protocol === 'file:';

  // ------------------------------------------------------------ loading

  const pending = new Map(); // path → {resolve, reject, promise}

  /** Called by the `.js` twins of pictures. */
  QTVR.file = function (path, mime, b64) {
    const p = pending.get(path);
    if (p) p.resolve('data:' + mime + ';base64,' + b64);
  };

  function dataUrl(path) {
    let p = pending.get(path);
    if (p) return p.promise;
    p = {};
    p.promise = new Promise((resolve, reject) => {
      p.resolve = resolve;
      p.reject = reject;
    });
    pending.set(path, p);
    const s = document.createElement('script');
    s.src = path + '.js';
    s.onerror = () => p.reject(new Error('cannot load ' + path));
    s.onload = () => s.remove();
    document.head.appendChild(s);
    return p.promise.finally(() => pending.delete(path));
  }

  /** A decoded picture. */
  async function loadImage(path) {
    const src = FROM_FILE ? await dataUrl(path) : path;
    const img = new Image();
    img.src = src;
    await img.decode().catch(() => {
      throw new Error('cannot decode ' + path);
    });
    return img;
  }

  /** A hot spot map: {width, height, ids: Uint8Array}. */
  async function loadMap(path) {
    const img = await loadImage(path);
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(img, 0, 0);
    const rgba = g.getImageData(0, 0, c.width, c.height).data;
    const ids = new Uint8Array(c.width * c.height);
    for (let i = 0; i < ids.length; i++) ids[i] = rgba[i * 4];
    return { width: c.width, height: c.height, ids };
  }

  /** Runs `jobs` (functions returning promises) at most `n` at a time. */
  async function inParallel(jobs, n) {
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) await jobs[next++]();
    };
    await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, worker));
  }

  // ------------------------------------------------------------ geometry (CPU)

  /** Rotates v by the conjugate of unit quaternion q = [w, x, y, z]. */
  function unrotate(q, v) {
    const u = [-q[1], -q[2], -q[3]];
    const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    const t = cross(u, v).map((x) => 2 * x);
    const c = cross(u, t);
    return [0, 1, 2].map((i) => v[i] + q[0] * t[i] + c[i]);
  }

  /** The texel position where world ray r meets surface s (as the shader's `hit`), or null. */
  function hitSurface(s, r) {
    const [w, h] = s.size;
    let u, v;
    if (s.kind === 'cylinder') {
      const rho = Math.max(Math.hypot(r[0], r[2]), 1e-30);
      const range = Math.max(s.pan[1] - s.pan[0], 1e-3);
      let d = s.pan[1] - (Math.atan2(r[0], r[2]) * 180) / Math.PI;
      if (s.wraps) d -= 360 * Math.floor(d / 360);
      else {
        const lo = -(360 - range) / 2;
        d -= lo;
        d = d - 360 * Math.floor(d / 360) + lo;
      }
      const radius = (w * 360) / (2 * Math.PI * range);
      u = (d / range) * w;
      v = h / 2 + (r[1] * radius) / rho;
    } else if (s.kind === 'plane') {
      const l = unrotate(s.q, r);
      if (l[2] <= 1e-6) return null;
      const sx = l[0] / l[2];
      const sy = l[1] / l[2];
      const f = s.focal;
      const a = s.aspect;
      const k = s.skew;
      u = -(f / a) * sx - ((k * f) / a) * sy + (w - 1) / 2 - s.centre[0] + 0.5;
      v = f * sy + (h - 1) / 2 + s.centre[1] + 0.5;
    } else return null;
    return u >= 0 && u <= w && v >= 0 && v <= h ? [u, v] : null;
  }

  /** The hot spot ID of map m at texel t of a w×h picture (0: none). */
  function mapAt(m, t, w, h) {
    if (!m) return 0;
    const x = Math.min(Math.max(Math.floor((t[0] / w) * m.width), 0), m.width - 1);
    const y = Math.min(Math.max(Math.floor((t[1] / h) * m.height), 0), m.height - 1);
    return m.ids[y * m.width + x];
  }

  /**
   * Where on a w×h target each page of a surface can show: rays cast on a
   * grid (every STEP pixels, edges included) find the cells that meet the
   * page; their bounding box, grown by one cell, bounds the page's pixels
   * (a surface seen in perspective is convex on screen). Drawing each page
   * only there keeps a cube's six passes near one screenful of pixels.
   */
  class ScreenBoxes {
    constructor(shot, w, h) {
      const STEP = 16;
      this.w = w;
      this.h = h;
      this.xs = [];
      this.ys = [];
      for (let x = 0; x < w; x += STEP) this.xs.push(x);
      this.xs.push(w);
      for (let y = 0; y < h; y += STEP) this.ys.push(y);
      this.ys.push(h);
      const rays = new nav.Rays(shot, w, h);
      this.rays = [];
      for (const y of this.ys) for (const x of this.xs) this.rays.push(rays.ray(x, y));
      this.hits = new Map();
    }
    of(surface, rect) {
      let hits = this.hits.get(surface);
      if (!hits) {
        hits = this.rays.map((r) => hitSurface(surface, r));
        this.hits.set(surface, hits);
      }
      const [rx, ry, rw, rh] = rect;
      const nx = this.xs.length;
      let x0 = Infinity;
      let y0 = Infinity;
      let x1 = -1;
      let y1 = -1;
      hits.forEach((t, i) => {
        if (!t || t[0] < rx || t[1] < ry || t[0] > rx + rw || t[1] > ry + rh) return;
        const ix = i % nx;
        const iy = (i - ix) / nx;
        x0 = Math.min(x0, ix);
        x1 = Math.max(x1, ix);
        y0 = Math.min(y0, iy);
        y1 = Math.max(y1, iy);
      });
      if (x1 < 0) return null;
      const at = (a, i) => a[Math.min(Math.max(i, 0), a.length - 1)];
      return [at(this.xs, x0 - 1), at(this.ys, y0 - 1), at(this.xs, x1 + 1), at(this.ys, y1 + 1)];
    }
  }

  // ------------------------------------------------------------ WebGL 2

  const VERTEX = `#version 300 es
void main() {
  float x = float((gl_VertexID & 1) * 4 - 1);
  float y = float((gl_VertexID >> 1) * 4 - 1);
  gl_Position = vec4(x, y, 0.0, 1.0);
}`;

  // The fragment shader: shaders/panorama.wgsl's hit(), sample and hot spot
  // outline for one page of one surface.
  const FRAGMENT = `#version 300 es
precision highp float;
precision highp int;
// KIND (0 cylinder, 1 plane, 2 flat object frame) and HOT (outline hot
// spots) are #defined per program: each variant compiles quickly.
uniform vec2 uSize;      // target size (pixels)
uniform vec3 uFwd, uRight, uUp;
uniform vec3 uFlat;      // flat: scale, centre x, y
uniform vec2 uImg;       // picture width, height
uniform vec3 uCyl;       // pan max, pan range, wraps
uniform vec4 uQ;         // plane rotation (w, x, y, z)
uniform vec3 uPlane;     // focal, aspect, skew
uniform vec2 uCentre;    // plane centre
uniform vec4 uRect;      // this page on the picture: x, y, w, h
uniform vec4 uTexel;     // picture → page texture: offset x, y; scale x, y (page texels per picture texel)
uniform vec2 uPage;      // page texture size
uniform sampler2D uTex;
uniform sampler2D uHs;
uniform vec2 uHsSize;
out vec4 outColour;
const float PI = 3.14159265358979;

struct Hit { bool ok; vec2 uv; vec2 dx; vec2 dy; };

vec3 unrotate(vec4 q, vec3 v) {
  vec3 u = -q.yzw;
  vec3 t = 2.0 * cross(u, v);
  return v + q.x * t + cross(u, t);
}

Hit hit(vec3 r, vec3 rx, vec3 ry) {
  Hit h;
  h.ok = false;
  float w = uImg.x;
  float ht = uImg.y;
#if KIND == 0
  {
    float rho2 = max(r.x * r.x + r.z * r.z, 1e-30);
    float rho = sqrt(rho2);
    float range = max(uCyl.y, 1e-3);
    float d = uCyl.x - degrees(atan(r.x, r.z));
    if (uCyl.z > 0.5) {
      d = d - 360.0 * floor(d / 360.0);
    } else {
      float lo = -(360.0 - range) * 0.5;
      d = d - lo;
      d = d - 360.0 * floor(d / 360.0) + lo;
    }
    float radius = w * 360.0 / (2.0 * PI * range);
    float u = d / range * w;
    float v = ht * 0.5 + r.y * radius / rho;
    float k = -degrees(1.0) / range * w;
    float dthx = (r.z * rx.x - r.x * rx.z) / rho2;
    float dthy = (r.z * ry.x - r.x * ry.z) / rho2;
    float drx = (r.x * rx.x + r.z * rx.z) / rho;
    float dry = (r.x * ry.x + r.z * ry.z) / rho;
    h.dx = vec2(k * dthx, radius * (rx.y * rho - r.y * drx) / rho2);
    h.dy = vec2(k * dthy, radius * (ry.y * rho - r.y * dry) / rho2);
    h.uv = vec2(u, v);
    h.ok = u >= 0.0 && u <= w && v >= 0.0 && v <= ht;
    return h;
  }
#else
  vec3 l = unrotate(uQ, r);
  if (l.z <= 1e-6) return h;
  vec3 lx = unrotate(uQ, rx);
  vec3 ly = unrotate(uQ, ry);
  vec2 sv = l.xy / l.z;
  vec2 sx = (lx.xy * l.z - l.xy * lx.z) / (l.z * l.z);
  vec2 sy = (ly.xy * l.z - l.xy * ly.z) / (l.z * l.z);
  float f = uPlane.x;
  float a = uPlane.y;
  float k = uPlane.z;
  float u = -(f / a) * sv.x - (k * f / a) * sv.y + (w - 1.0) * 0.5 - uCentre.x + 0.5;
  float v = f * sv.y + (ht - 1.0) * 0.5 + uCentre.y + 0.5;
  h.dx = vec2(-(f / a) * sx.x - (k * f / a) * sx.y, f * sx.y);
  h.dy = vec2(-(f / a) * sy.x - (k * f / a) * sy.y, f * sy.y);
  h.uv = vec2(u, v);
  h.ok = u >= 0.0 && u <= w && v >= 0.0 && v <= ht;
  return h;
#endif
}

#if HOT
uint hotspotId(vec2 uv) {
  vec2 t = clamp(floor(uv / uImg * uHsSize), vec2(0.0), uHsSize - 1.0);
  return uint(texelFetch(uHs, ivec2(t), 0).r * 255.0 + 0.5);
}

vec3 idColour(uint id) {
  float hue = fract(float(id) * 0.618034 + 0.1);
  vec3 k = vec3(5.0, 3.0, 1.0);
  vec3 p = abs(fract(vec3(hue) + k / 6.0) * 6.0 - 3.0);
  return mix(vec3(1.0), clamp(p - 1.0, vec3(0.0), vec3(1.0)), 0.85);
}

bool onEdge(Hit h, uint id) {
  vec2 o[4] = vec2[4](vec2(2.0, 0.0), vec2(-2.0, 0.0), vec2(0.0, 2.0), vec2(0.0, -2.0));
  for (int i = 0; i < 4; i++) {
    if (hotspotId(h.uv + h.dx * o[i].x + h.dy * o[i].y) != id) return true;
  }
  return false;
}
#endif

void main() {
  // Pixel position, y down, centres at +0.5 (as WGSL's @builtin(position)).
  vec2 p = vec2(gl_FragCoord.x, uSize.y - gl_FragCoord.y);
  Hit h;
#if KIND == 2
  {
    float inv = 1.0 / uFlat.x;
    h.uv = (p - uSize * 0.5) * inv + uImg * 0.5 + uFlat.yz;
    h.dx = vec2(inv, 0.0);
    h.dy = vec2(0.0, inv);
    h.ok = !(h.uv.x < 0.0 || h.uv.y < 0.0 || h.uv.x > uImg.x || h.uv.y > uImg.y);
  }
#else
  vec2 ndc = vec2(2.0 * p.x / uSize.x - 1.0, 1.0 - 2.0 * p.y / uSize.y);
  vec3 r = uFwd + ndc.x * uRight + ndc.y * uUp;
  vec3 rx = uRight * (2.0 / uSize.x);
  vec3 ry = -uUp * (2.0 / uSize.y);
  h = hit(r, rx, ry);
#endif
  if (!h.ok) discard;
  // Only this page's part of the picture.
  if (h.uv.x < uRect.x || h.uv.y < uRect.y || h.uv.x > uRect.x + uRect.z || h.uv.y > uRect.y + uRect.w) discard;
  vec2 local = (h.uv - uRect.xy) * uTexel.zw + uTexel.xy;
  vec2 inv = 1.0 / uPage;
  vec2 dx = h.dx * uTexel.zw * inv;
  vec2 dy = h.dy * uTexel.zw * inv;
  bool sane = all(lessThan(abs(h.dx), vec2(1e5))) && all(lessThan(abs(h.dy), vec2(1e5)));
  vec4 c = textureGrad(uTex, local * inv, sane ? dx : vec2(0.0), sane ? dy : vec2(0.0));
#if HOT
  uint id = hotspotId(h.uv);
  if (id != 0u) {
    c = onEdge(h, id) ? vec4(idColour(id), 1.0) : vec4(mix(c.rgb, idColour(id), 0.3), 1.0);
  }
#endif
  outColour = vec4(c.rgb, 1.0);
}`;

  // The old picture over the new one during a cross-fade.
  const FADE_FRAGMENT = `#version 300 es
precision highp float;
uniform sampler2D uOld;
uniform vec2 uSize;
uniform float uAlpha;
out vec4 outColour;
void main() {
  outColour = vec4(texture(uOld, gl_FragCoord.xy / uSize).rgb, uAlpha);
}`;

  class GlRenderer {
    constructor(canvas) {
      const gl = canvas.getContext('webgl2', { antialias: false, alpha: false, preserveDrawingBuffer: !!root.QTVR_PRESERVE });
      if (!gl) throw new Error('no WebGL 2');
      this.gl = gl;
      this.kind = 'webgl2';
      this.programs = new Map(); // 'kind/hot' → {program, u}
      this.fadeProgram = null;
      this.vao = gl.createVertexArray();
      // Anisotropic filtering as the desktop renderer has it: 16× on a GPU,
      // none on software rasterisers (SwiftShader, llvmpipe), where it is slow.
      const info = gl.getExtension('WEBGL_debug_renderer_info');
      const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
      this.software = /swiftshader|llvmpipe|lavapipe|software/i.test(name);
      this.aniso = this.software ? null : gl.getExtension('EXT_texture_filter_anisotropic');
      this.maxSize = gl.getParameter(gl.MAX_TEXTURE_SIZE);
      gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.NONE);
      gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
      this.empty = this.texture(null, 1, 1);
      this.old = null; // the picture being faded out
    }

    /** The program for a surface kind (0 cylinder, 1 plane, 2 flat), with or without hot spot outlines. */
    variant(kind, hot) {
      const key = kind + '/' + (hot ? 1 : 0);
      let v = this.programs.get(key);
      if (v) return v;
      const defs = '#define KIND ' + kind + '\n#define HOT ' + (hot ? 1 : 0) + '\n';
      const program = this.link(VERTEX, FRAGMENT.replace('\n', '\n' + defs));
      const u = {};
      const gl = this.gl;
      const n = gl.getProgramParameter(program, gl.ACTIVE_UNIFORMS);
      for (let i = 0; i < n; i++) {
        const name = gl.getActiveUniform(program, i).name;
        u[name] = gl.getUniformLocation(program, name);
      }
      v = { program, u };
      this.programs.set(key, v);
      return v;
    }

    /** Compiles the programs a node needs before its first frame (see warmUp). */
    prepare(kinds, hotspots) {
      const want = new Set(kinds.map((k) => (k === 'cylinder' ? 0 : k === 'plane' ? 1 : 2)));
      const fresh = [...want].filter((k) => !this.programs.has(k + '/0'));
      if (!fresh.length) return;
      for (const k of fresh) this.warmUp(this.variant(k, false));
    }

    /**
     * One tiny draw with each program, so that the driver compiles them
     * while the pictures load (software rasterisers take a few hundred
     * milliseconds for this at the first draw).
     */
    warmUp(v) {
      const gl = this.gl;
      const u = v.u;
      gl.enable(gl.SCISSOR_TEST);
      gl.scissor(0, 0, 1, 1);
      gl.bindVertexArray(this.vao);
      gl.useProgram(v.program);
      gl.uniform2f(u.uSize, 1, 1);
      if (u.uQ) gl.uniform4f(u.uQ, 1, 0, 0, 0);
      if (u.uPlane) gl.uniform3f(u.uPlane, 1, 1, 0);
      if (u.uFwd) gl.uniform3f(u.uFwd, 0, 0, 1);
      if (u.uFlat) gl.uniform3f(u.uFlat, 1, 0, 0);
      gl.uniform4f(u.uRect, 0, 0, 1, 1);
      gl.uniform4f(u.uTexel, 0, 0, 1, 1);
      gl.uniform2f(u.uPage, 1, 1);
      gl.uniform2f(u.uImg, 1, 1);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, this.empty);
      gl.uniform1i(u.uTex, 0);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
      gl.disable(gl.SCISSOR_TEST);
      gl.flush();
    }

    link(vs, fs) {
      const gl = this.gl;
      const p = gl.createProgram();
      for (const [type, src] of [
        [gl.VERTEX_SHADER, vs],
        [gl.FRAGMENT_SHADER, fs],
      ]) {
        const s = gl.createShader(type);
        gl.shaderSource(s, src);
        gl.compileShader(s);
        if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s));
        gl.attachShader(p, s);
      }
      gl.linkProgram(p);
      if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(p));
      return p;
    }

    /** A mipmapped RGBA texture of an image (null: a 1×1 placeholder). */
    texture(img, w, h) {
      const gl = this.gl;
      const t = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D, t);
      if (img) gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, gl.RGBA, gl.UNSIGNED_BYTE, img);
      else gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, w, h, 0, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array([64, 64, 64, 255]));
      gl.generateMipmap(gl.TEXTURE_2D);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR_MIPMAP_LINEAR);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      if (this.aniso) {
        const max = gl.getParameter(this.aniso.MAX_TEXTURE_MAX_ANISOTROPY_EXT);
        gl.texParameterf(gl.TEXTURE_2D, this.aniso.TEXTURE_MAX_ANISOTROPY_EXT, Math.min(16, max));
      }
      return t;
    }

    /** An R8 texture of a hot spot map (nearest), or null when too large. */
    mapTexture(m) {
      if (!m || m.width > this.maxSize || m.height > this.maxSize) return null;
      const gl = this.gl;
      const t = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D, t);
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.R8, m.width, m.height, 0, gl.RED, gl.UNSIGNED_BYTE, m.ids);
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      return t;
    }

    release(t) {
      if (t) this.gl.deleteTexture(t);
    }

    /** Keeps the picture now shown, to fade it out over the next frames. */
    snapshot() {
      const gl = this.gl;
      const [w, h] = [gl.drawingBufferWidth, gl.drawingBufferHeight];
      if (!this.old) this.old = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D, this.old);
      gl.copyTexImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, 0, 0, w, h, 0);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      this.oldSize = [w, h];
    }

    /**
     * Draws `layers` (each {surface, page: {texture, rect, texel, size}, map})
     * for `shot` on a w×h target; `fade` is the old picture's opacity or null.
     */
    draw(shot, layers, w, h, hotspots, fade) {
      const gl = this.gl;
      gl.viewport(0, 0, w, h);
      gl.clearColor(NEUTRAL[0], NEUTRAL[1], NEUTRAL[2], 1);
      gl.clear(gl.COLOR_BUFFER_BIT);
      gl.bindVertexArray(this.vao);
      const basis = shot.mode === 'flat' ? null : new nav.Rays(shot, w, h).perspectiveBasis();
      const boxes = shot.mode === 'flat' ? null : new ScreenBoxes(shot, w, h);
      gl.enable(gl.SCISSOR_TEST);
      for (const l of layers) {
        const s = l.surface;
        // Only the part of the target where this page can show.
        if (boxes) {
          const b = boxes.of(s, l.page.rect);
          if (!b) continue;
          gl.scissor(b[0], h - b[3], b[2] - b[0], b[3] - b[1]);
        } else gl.scissor(0, 0, w, h);
        const kind = s.kind === 'cylinder' ? 0 : s.kind === 'plane' ? 1 : 2;
        const hot = hotspots && !!l.mapTexture;
        const v = this.variant(kind, hot);
        const u = v.u;
        gl.useProgram(v.program);
        gl.uniform2f(u.uSize, w, h);
        if (basis) {
          gl.uniform3fv(u.uFwd, basis[0]);
          gl.uniform3fv(u.uRight, basis[1]);
          gl.uniform3fv(u.uUp, basis[2]);
        }
        gl.uniform1i(u.uTex, 0);
        gl.uniform2f(u.uImg, s.size[0], s.size[1]);
        if (kind === 0) {
          gl.uniform3f(u.uCyl, s.pan[1], s.pan[1] - s.pan[0], s.wraps ? 1 : 0);
        } else if (kind === 1) {
          gl.uniform4fv(u.uQ, s.q);
          gl.uniform3f(u.uPlane, s.focal, s.aspect, s.skew);
          gl.uniform2fv(u.uCentre, s.centre);
        } else {
          const scale = nav.flatScale(shot.zoom, w, h, s.size[0], s.size[1]);
          gl.uniform3f(u.uFlat, scale, shot.centre[0], shot.centre[1]);
        }
        const p = l.page;
        gl.uniform4fv(u.uRect, p.rect);
        gl.uniform4fv(u.uTexel, p.texel);
        gl.uniform2fv(u.uPage, p.size);
        gl.activeTexture(gl.TEXTURE0);
        gl.bindTexture(gl.TEXTURE_2D, p.texture);
        if (hot) {
          gl.activeTexture(gl.TEXTURE1);
          gl.bindTexture(gl.TEXTURE_2D, l.mapTexture);
          gl.uniform1i(u.uHs, 1);
          gl.uniform2f(u.uHsSize, l.map.width, l.map.height);
        }
        gl.drawArrays(gl.TRIANGLES, 0, 3);
      }
      gl.disable(gl.SCISSOR_TEST);
      if (fade !== null && fade !== undefined && this.old) {
        if (!this.fadeProgram) this.fadeProgram = this.link(VERTEX, FADE_FRAGMENT);
        gl.useProgram(this.fadeProgram);
        gl.enable(gl.BLEND);
        gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
        gl.activeTexture(gl.TEXTURE0);
        gl.bindTexture(gl.TEXTURE_2D, this.old);
        gl.uniform1i(gl.getUniformLocation(this.fadeProgram, 'uOld'), 0);
        gl.uniform2f(gl.getUniformLocation(this.fadeProgram, 'uSize'), this.oldSize[0], this.oldSize[1]);
        gl.uniform1f(gl.getUniformLocation(this.fadeProgram, 'uAlpha'), fade);
        gl.drawArrays(gl.TRIANGLES, 0, 3);
        gl.disable(gl.BLEND);
      }
    }
  }

  /**
   * Without WebGL 2: a 2D canvas showing the picture (the cube face or the
   * part of the cylinder ahead, an object's frame), without perspective.
   */
  class CanvasRenderer {
    constructor(canvas) {
      this.g = canvas.getContext('2d');
      this.kind = '2d';
      this.maxSize = 1 << 14;
      this.oldImage = null;
    }
    texture(img) {
      return img;
    }
    mapTexture() {
      return null;
    }
    prepare() {}
    release() {}
    snapshot() {}
    draw(shot, layers, w, h) {
      const g = this.g;
      g.fillStyle = 'rgb(64,64,64)';
      g.fillRect(0, 0, w, h);
      g.imageSmoothingQuality = 'high';
      if (shot.mode === 'flat') {
        for (const l of layers) {
          const s = l.surface;
          const k = nav.flatScale(shot.zoom, w, h, s.size[0], s.size[1]);
          const x0 = w / 2 - (s.size[0] / 2 + shot.centre[0]) * k;
          const y0 = h / 2 - (s.size[1] / 2 + shot.centre[1]) * k;
          this.page(l, x0, y0, k, k);
        }
        return;
      }
      const v = shot.view;
      const fwd = nav.basis(v.pan, v.tilt)[0];
      // The surface straight ahead, and how many texels a pixel spans there.
      const ahead = layers.find((l) => hitSurface(l.surface, fwd));
      if (!ahead) return;
      const s = ahead.surface;
      const centre = hitSurface(s, fwd);
      let perTexel;
      if (s.kind === 'cylinder') {
        const radius = (s.size[0] * 360) / (2 * Math.PI * (s.pan[1] - s.pan[0]));
        perTexel = h / 2 / (radius * Math.tan((v.fov * Math.PI) / 360));
      } else perTexel = h / 2 / (s.focal * Math.tan((v.fov * Math.PI) / 360));
      for (const l of layers.filter((x) => x.surface === s)) {
        const x0 = w / 2 - centre[0] * perTexel;
        const y0 = h / 2 - centre[1] * perTexel;
        this.page(l, x0, y0, perTexel, perTexel);
        if (s.kind === 'cylinder' && s.wraps) {
          this.page(l, x0 - s.size[0] * perTexel, y0, perTexel, perTexel);
          this.page(l, x0 + s.size[0] * perTexel, y0, perTexel, perTexel);
        }
      }
    }
    page(l, x0, y0, kx, ky) {
      const p = l.page;
      const [ox, oy, sx, sy] = p.texel;
      const [rx, ry, rw, rh] = p.rect;
      this.g.drawImage(p.texture, ox, oy, rw * sx, rh * sy, x0 + rx * kx, y0 + ry * ky, rw * kx, rh * ky);
    }
  }

  // ------------------------------------------------------------ the player

  const el = (tag, cls, parent, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  };

  // ------------------------------------------------------------ sound

  /**
   * The movie's sound (src/web/sound.rs wrote it): HTML audio elements,
   * which play from file:// pages too. Nothing plays before the first click
   * or key (browsers require a gesture); then a node's loop fades in as the
   * node shows and the last node's fades out over the picture's cross-fade,
   * an object view's part plays as the view shows, and the movie's sound
   * loops across nodes. S mutes, [ and ] set the volume; a hidden page is
   * silent.
   */
  class SoundPlayer {
    constructor(tour) {
      this.movie = tour.sound && tour.sound.movie ? tour.sound.movie : null;
      this.available = !!this.movie || tour.nodes.some((n) => n.sound);
      this.unlocked = false;
      this.muted = false;
      this.volume = 0.8;
      this.hidden = false;
      this.loops = new Map(); // file → {audio, gain, target, step}
      this.viewEl = null; // {audio, file, end}
    }

    element(file, loop) {
      const a = new Audio(file);
      a.loop = loop;
      a.preload = 'auto';
      a.volume = 0;
      return a;
    }

    loop(file) {
      let l = this.loops.get(file);
      if (!l) {
        l = { audio: this.element(file, true), gain: 0, target: 0, step: 100 };
        this.loops.set(file, l);
      }
      return l;
    }

    fadeTo(l, target, seconds) {
      l.target = target;
      l.step = 1 / Math.max(seconds, 0.01);
      if (target > 0) this.start(l.audio);
    }

    start(a) {
      if (this.unlocked && !this.hidden && a.paused) a.play().catch(() => {});
    }

    showNode(node, fade) {
      const want = node.sound && node.sound.loop;
      for (const [file, l] of this.loops) if (file !== want && file !== this.movie) this.fadeTo(l, 0, fade);
      if (want) this.fadeTo(this.loop(want), 1, fade);
      if (this.movie) this.fadeTo(this.loop(this.movie), 1, 0.01);
      if (this.viewEl) this.viewEl.audio.pause();
    }

    showView(node, view) {
      if (this.viewEl) this.viewEl.audio.pause();
      const v = node.sound && node.sound.views;
      const part = v && v.parts.find((p) => p[0] === view.row && p[1] === view.column);
      if (!part) return;
      if (!this.viewEl || this.viewEl.file !== v.file) this.viewEl = { audio: this.element(v.file, false), file: v.file };
      this.viewEl.end = part[3];
      if (!this.unlocked || this.hidden) return;
      const a = this.viewEl.audio;
      a.currentTime = part[2];
      a.volume = this.master();
      a.play().catch(() => {});
    }

    master() {
      return this.muted ? 0 : this.volume;
    }

    /** The first gesture: start what should be playing. */
    unlock() {
      if (this.unlocked) return;
      this.unlocked = true;
      for (const l of this.loops.values()) if (l.target > 0) this.start(l.audio);
    }

    setHidden(hidden) {
      this.hidden = hidden;
      for (const l of this.loops.values()) {
        if (hidden) l.audio.pause();
        else if (l.target > 0) this.start(l.audio);
      }
      if (hidden && this.viewEl) this.viewEl.audio.pause();
    }

    toggleMute() {
      this.muted = !this.muted;
    }

    changeVolume(delta) {
      this.muted = false;
      this.volume = Math.min(1, Math.max(0, Math.round((this.volume + delta) * 10) / 10));
    }

    /** Fades and volumes, once a frame. */
    tick(dt) {
      const master = this.master();
      for (const l of this.loops.values()) {
        if (l.gain < l.target) l.gain = Math.min(l.target, l.gain + l.step * dt);
        else if (l.gain > l.target) l.gain = Math.max(l.target, l.gain - l.step * dt);
        l.audio.volume = Math.max(0, Math.min(1, l.gain * master));
        if (l.gain === 0 && l.target === 0 && !l.audio.paused) l.audio.pause();
      }
      const v = this.viewEl;
      if (v && !v.audio.paused) {
        v.audio.volume = master;
        if (v.audio.currentTime >= v.end) v.audio.pause();
      }
    }

    /** For tests and scripts: what plays and how loud. */
    state() {
      const playing = [];
      for (const [file, l] of this.loops) if (!l.audio.paused) playing.push({ file, gain: l.gain, volume: l.audio.volume });
      if (this.viewEl && !this.viewEl.audio.paused) playing.push({ file: this.viewEl.file, at: this.viewEl.audio.currentTime, volume: this.viewEl.audio.volume });
      return { available: this.available, unlocked: this.unlocked, muted: this.muted, volume: this.volume, playing };
    }
  }

  // ------------------------------------------------------------ player

  class Player {
    constructor(rootEl, tour) {
      this.root = rootEl;
      this.tour = tour;
      this.nodes = tour.nodes;
      this.canvas = el('canvas', null, rootEl);
      this.canvas.id = 'qtvr-canvas';
      try {
        // index.html?renderer=2d asks for the fallback (to compare, or on a
        // machine whose WebGL misbehaves).
        if (/[?&]renderer=2d(&|$)/.test(root.location.search)) throw new Error('asked for in the address');
        this.gfx = new GlRenderer(this.canvas);
      } catch (e) {
        this.canvas.remove();
        this.canvas = el('canvas', null, rootEl);
        this.canvas.id = 'qtvr-canvas';
        this.gfx = new CanvasRenderer(this.canvas);
        this.fallbackReason = String(e.message || e);
      }
      this.sound = new SoundPlayer(tour);
      this.buildControls();
      this.history = new nav.Tour(tour.defaultNode);
      this.urlClicks = new nav.UrlClicks();
      this.hotspots = false;
      this.shown = null; // {node, nav, layers, ...}
      this.loading = new Map(); // node id → promise of its scene
      this.transition = null;
      this.pointers = new Map();
      this.hover = 0;
      this.lastHash = '';
      this.hashAt = 0;
      this.frames = 0;
      this.ready = 'loading';
      this.dirty = true;
      this.bindEvents();
      this.resize();
      const link = this.parseHash(root.location.hash);
      const start = link && this.node(link.node) ? link.node : tour.defaultNode;
      this.history.restart(start);
      this.show(start, link).catch((e) => this.fail(e));
      this.loop = this.loop.bind(this);
      this.last = performance.now();
      requestAnimationFrame(this.loop);
    }

    node(id) {
      return this.nodes.find((n) => n.id === id) || null;
    }

    // ---- controls

    buildControls() {
      const bar = el('div', 'qtvr-bar', this.root);
      bar.id = 'qtvr-bar';
      const button = (id, text, title, action) => {
        const b = el('button', null, bar, text);
        b.id = id;
        b.title = title;
        b.type = 'button';
        b.addEventListener('click', (e) => {
          e.stopPropagation();
          action();
          this.root.focus();
        });
        return b;
      };
      this.backButton = button('qtvr-back', '\u25C0', 'Back (Backspace)', () => this.back());
      button('qtvr-zoom-out', '\u2212', 'Zoom out (Ctrl, \u2212)', () => this.zoomButton(-1));
      button('qtvr-zoom-in', '+', 'Zoom in (Shift, +)', () => this.zoomButton(1));
      this.hotspotButton = button('qtvr-hotspots', '\u25CE', 'Show hot spots (T)', () => this.toggleHotspots());
      if (this.sound.available) {
        this.soundButton = button('qtvr-sound', '\u266A', 'Sound on/off (S); volume: [ and ], or the wheel here', () => this.toggleSound());
        this.soundButton.addEventListener(
          'wheel',
          (e) => {
            e.preventDefault();
            this.sound.unlock();
            this.sound.changeVolume(-Math.sign(e.deltaY) * 0.1);
            this.updateBar();
          },
          { passive: false }
        );
      }
      this.label = el('span', 'qtvr-label', bar);
      this.label.id = 'qtvr-label';
      this.status = el('span', 'qtvr-status', this.label);
      button('qtvr-info', 'i', 'Information and keys (H)', () => this.togglePanel());
      button('qtvr-fullscreen', '\u26F6', 'Full screen (F, double-click)', () => this.toggleFullscreen());
      this.bar = bar;
      this.spinner = el('div', 'qtvr-loading', this.root, 'Loading\u2026');
      this.spinner.id = 'qtvr-loading';
      this.message = el('div', 'qtvr-message', this.root);
      this.message.hidden = true;
      this.panel = el('div', 'qtvr-panel', this.root);
      this.panel.id = 'qtvr-panel';
      this.panel.hidden = true;
    }

    say(text, seconds) {
      this.message.textContent = text;
      this.message.hidden = !text;
      clearTimeout(this.messageTimer);
      if (text && seconds) this.messageTimer = setTimeout(() => (this.message.hidden = true), seconds * 1000);
    }

    updateBar() {
      const n = this.shown && this.shown.node;
      const name = n ? n.name || 'Node ' + n.id : '';
      const hs = this.hover && n ? (n.hotspots || []).find((h) => h.id === this.hover) : null;
      // The label: the node's name, then the hot spot's (in its own colour).
      if (!this.labelName) {
        this.labelName = document.createTextNode('');
        this.label.insertBefore(this.labelName, this.status);
      }
      this.labelName.data = name + (hs ? ' \u2014 ' : '');
      this.status.textContent = hs ? nav.hotspotName(hs) + (hs.url ? ' (' + hs.url + ')' : '') : '';
      this.backButton.disabled = this.history.depth() === 0;
      this.hotspotButton.setAttribute('aria-pressed', String(this.hotspots));
      if (this.soundButton) {
        this.soundButton.classList.toggle('qtvr-muted', this.sound.muted);
        this.soundButton.title = (this.sound.muted ? 'Sound off' : 'Sound ' + Math.round(this.sound.volume * 100) + '%') + ': S mutes, [ and ] or the wheel here set the volume';
      }
    }

    toggleSound() {
      this.sound.unlock();
      this.sound.toggleMute();
      this.updateBar();
    }

    togglePanel() {
      if (!this.panel.hidden) {
        this.panel.hidden = true;
        return;
      }
      const t = this.tour;
      const p = this.panel;
      p.textContent = '';
      el('h2', null, p, t.title);
      const facts = el('ul', null, p);
      if (t.source) el('li', null, facts, 'Movie: ' + t.source);
      el('li', null, facts, 'QuickTime VR ' + (t.qtvrVersion || '') + ', ' + this.nodes.length + ' node' + (this.nodes.length === 1 ? '' : 's'));
      const n = this.shown && this.shown.node;
      if (n) {
        el('li', null, facts, 'Showing: ' + (n.name || 'node ' + n.id) + ' (' + n.kind + ', node ' + n.id + ')');
        if (n.comment) el('li', null, facts, n.comment);
      }
      el('li', null, facts, 'Drawing: ' + (this.gfx.kind === 'webgl2' ? 'WebGL 2' : '2D canvas (' + (this.fallbackReason || 'no WebGL') + ')'));
      const warnings = (t.warnings || []).concat(...this.nodes.map((x) => x.warnings || []));
      const unique = [...new Set(warnings)];
      if (unique.length) {
        el('h3', null, p, 'What the movie lacked or had damaged');
        const ul = el('ul', 'qtvr-warn', p);
        for (const w of unique) el('li', null, ul, w);
      }
      if ((t.notes || []).length) {
        const ul = el('ul', null, p);
        for (const w of t.notes) el('li', null, ul, w);
      }
      el('h3', null, p, 'Controls');
      const keys = el('ul', null, p);
      for (const k of [
        'Drag: look around (the farther from where you pressed, the faster); G: grab the picture instead',
        'Arrow keys: turn \u00b7 Shift or +: zoom in \u00b7 Ctrl or \u2212: zoom out \u00b7 wheel or pinch: zoom',
        'Click a hot spot: follow it \u00b7 T: show hot spots \u00b7 Backspace: back',
        'Objects: drag to turn \u00b7 M: move the view (when the object allows) \u00b7 0: default view',
        'F or double-click: full screen \u00b7 H: this panel \u00b7 Esc: close',
        'S: sound on/off \u00b7 [ and ]: volume (sound starts at the first click or key)',
      ])
        el('li', null, keys, k);
      p.hidden = false;
    }

    toggleHotspots() {
      this.hotspots = !this.hotspots;
      this.dirty = true;
      this.updateBar();
    }

    toggleFullscreen() {
      if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
      else if (this.root.requestFullscreen) this.root.requestFullscreen().catch(() => {});
    }

    zoomButton(dir) {
      if (!this.shown) return;
      this.shown.nav.zoomSteps(dir * 2);
      this.dirty = true;
    }

    // ---- size

    resize() {
      const dpr = root.devicePixelRatio || 1;
      const w = Math.max(1, this.root.clientWidth);
      const h = Math.max(1, this.root.clientHeight);
      this.size = [w, h];
      this.canvas.width = Math.max(1, Math.round(w * dpr));
      this.canvas.height = Math.max(1, Math.round(h * dpr));
      if (this.shown) {
        this.shown.nav.resize(w, h);
        this.shown.nav.setBarHeight(BAR);
      }
      this.dirty = true;
    }

    // ---- nodes

    /**
     * Loads a node's pictures: previews first (resolving when they are in),
     * then the full pages and hot spot maps, those `shot` shows first.
     */
    scene(id, shot) {
      let s = this.loading.get(id);
      if (s) return s.ready;
      const node = this.node(id);
      s = { node, layers: [], maps: [], mapTextures: [], frames: new Map(), full: false, failed: [] };
      this.loading.set(id, s);
      if (node.error) {
        s.ready = Promise.resolve(s);
        s.full = true;
        return s.ready;
      }
      if (node.kind === 'object') {
        s.ready = Promise.resolve(s);
        return s.ready;
      }
      const surfaces = node.surfaces || [];
      s.previewLayers = surfaces.map(() => null);
      s.pageLayers = surfaces.map((x) => (x.pages || []).map(() => null));
      s.maps = surfaces.map(() => null);
      const previews = surfaces.map((surf, i) =>
        surf.preview
          ? loadImage(surf.preview.file).then((img) => {
              s.previewLayers[i] = {
                surface: surf,
                page: {
                  texture: this.gfx.texture(img),
                  rect: [0, 0, surf.size[0], surf.size[1]],
                  texel: [0, 0, surf.preview.size[0] / surf.size[0], surf.preview.size[1] / surf.size[1]],
                  size: surf.preview.size,
                },
              };
            })
          : Promise.resolve()
      );
      // The full pictures and hot spot maps, a few at a time, what the first
      // view shows first: their files are asked for now, with the previews,
      // so that they arrive while the first picture is drawn.
      const boxes = shot && shot.mode !== 'flat' ? new ScreenBoxes(shot, this.canvas.width, this.canvas.height) : null;
      const seen = (surf, rect) => !boxes || !!boxes.of(surf, rect);
      const first = [];
      const later = [];
      surfaces.forEach((surf, i) => {
        let visible = false;
        (surf.pages || []).forEach((p, k) => {
          if (!p) return;
          const show = seen(surf, p.rect);
          visible = visible || show;
          (show ? first : later).push(() =>
            loadImage(p.file)
              .then((img) => {
                s.pageLayers[i][k] = {
                  surface: surf,
                  page: {
                    texture: this.gfx.texture(img),
                    rect: p.rect,
                    texel: [p.gutter[0], p.gutter[1], 1, 1],
                    size: p.size,
                  },
                };
              })
              .catch((e) => s.failed.push(String(e.message || e)))
              .then(() => this.progress(s))
          );
        });
        if (surf.hotspots) {
          (visible ? first : later).push(() =>
            loadMap(surf.hotspots.file)
              .then((m) => {
                s.maps[i] = m;
                s.mapTextures[i] = this.gfx.mapTexture(m);
              })
              .catch((e) => s.failed.push(String(e.message || e)))
              .then(() => this.progress(s))
          );
        }
      });
      s.complete = inParallel(first, 6)
        .then(() => inParallel(later, 2))
        .then(() => {
          s.full = true;
          this.rebuild(s);
          this.dirty = true;
          if (s.failed.length) this.say('Some pictures could not be loaded: ' + s.failed[0], 8);
        });
      // The drawing programs this node needs, compiled while the files come.
      this.gfx.prepare(surfaces.map((x) => x.kind), surfaces.some((x) => x.hotspots));
      s.ready = Promise.allSettled(previews).then(() => {
        this.rebuild(s);
        return s;
      });
      return s.ready;
    }

    /**
     * A page or map arrived: redraw when the view is now sharp, or at most
     * every 300 ms while it is not (each redraw competes with decoding on a
     * slow machine).
     */
    progress(s) {
      this.rebuild(s);
      const sh = this.shown;
      if (!sh || sh.scene !== s) return;
      const now = performance.now();
      const sharp = this.sharp(s, new ScreenBoxes(sh.nav.shot(), this.canvas.width, this.canvas.height));
      if (sharp || now - (s.drawnAt || 0) > 300) {
        s.drawnAt = now;
        this.dirty = true;
      }
    }

    /** Whether every page and hot spot map `boxes` (the view) shows is loaded. */
    sharp(s, boxes) {
      if (s.full) return true;
      const surfaces = s.node.surfaces || [];
      return surfaces.every((surf, i) => {
        let visible = false;
        const pages = (surf.pages || []).every((p, k) => {
          if (!p || (boxes && !boxes.of(surf, p.rect))) return true;
          visible = true;
          return !!s.pageLayers[i][k];
        });
        return pages && (!visible || !surf.hotspots || !!s.maps[i]);
      });
    }

    /** A panorama's draw list: each surface's preview, then its loaded pages (last surface first). */
    rebuild(s) {
      const layers = [];
      const surfaces = s.node.surfaces || [];
      for (let i = surfaces.length - 1; i >= 0; i--) {
        const map = s.maps[i];
        const mapTexture = s.mapTextures ? s.mapTextures[i] : null;
        const pages = s.pageLayers[i].filter(Boolean);
        const all = pages.length === s.pageLayers[i].length;
        if (!all && s.previewLayers[i]) layers.push(Object.assign({ map, mapTexture }, s.previewLayers[i]));
        for (const p of pages) layers.push(Object.assign({ map, mapTexture }, p));
      }
      s.layers = layers;
    }

    /** Index of an object view in the node's frame list. */
    frameIndex(o, v) {
      return ((v.state * o.rows + v.row) * o.columns + v.column) * o.framesPerView + v.frame;
    }

    /** Loads (or finds) the frame an object view shows. */
    objectFrame(s, view) {
      const o = s.node.object;
      const v = view || nav.objectDefaultView(o);
      const k = this.frameIndex(o, v);
      const entry = (s.node.frames || [])[k];
      if (!entry) return Promise.resolve(null);
      let f = s.frames.get(entry.file);
      if (f) return f.promise;
      f = { entry, layer: null };
      f.promise = Promise.all([loadImage(entry.file), entry.hotspots ? loadMap(entry.hotspots).catch(() => null) : null])
        .then(([img, map]) => {
          const surface = { kind: 'flat', size: entry.size };
          // Texture bytes with mip levels; the oldest frames go past the budget.
          f.bytes = Math.ceil((entry.size[0] * entry.size[1] * 4 * 4) / 3);
          f.used = performance.now();
          s.frameBytes = (s.frameBytes || 0) + f.bytes;
          f.layer = {
            surface,
            map,
            mapTexture: this.gfx.mapTexture(map),
            page: { texture: this.gfx.texture(img), rect: [0, 0, entry.size[0], entry.size[1]], texel: [0, 0, 1, 1], size: entry.size },
          };
          this.dirty = true;
          this.evictFrames(s);
          return f;
        })
        .catch((e) => {
          s.failed.push(String(e.message || e));
          return null;
        });
      s.frames.set(entry.file, f);
      return f.promise;
    }

    /** Drops the least recently shown object frames while their textures exceed the budget. */
    evictFrames(s) {
      if ((s.frameBytes || 0) <= FRAME_BUDGET) return;
      const current = this.currentFrame();
      const shown = this.lastObject && this.lastObject[1];
      const loaded = [...s.frames.entries()]
        .filter(([, f]) => f.layer && f !== current && f.layer !== shown)
        .sort((a, b) => a[1].used - b[1].used);
      for (const [file, f] of loaded) {
        if (s.frameBytes <= FRAME_BUDGET) break;
        this.gfx.release(f.layer.page.texture);
        this.gfx.release(f.layer.mapTexture);
        s.frames.delete(file);
        s.frameBytes -= f.bytes;
      }
    }

    /**
     * Loads every frame of an object in the background, a few at a time,
     * when they all fit the frame budget (else frames load as they are shown).
     */
    preloadFrames(s) {
      if (s.preloading) return;
      const o = s.node.object;
      const size = (s.node.frames || []).find(Boolean);
      const distinct = new Set((s.node.frames || []).filter(Boolean).map((f) => f.file)).size;
      if (size && ((size.size[0] * size.size[1] * 16) / 3) * distinct > FRAME_BUDGET) {
        s.full = true;
        return;
      }
      const jobs = [];
      const seen = new Set();
      (s.node.frames || []).forEach((entry, k) => {
        if (!entry || seen.has(entry.file)) return;
        seen.add(entry.file);
        let i = k;
        const frame = i % o.framesPerView;
        i = Math.floor(i / o.framesPerView);
        const column = i % o.columns;
        i = Math.floor(i / o.columns);
        const row = i % o.rows;
        const state = Math.floor(i / o.rows);
        jobs.push(() => this.objectFrame(s, { row, column, state, frame }));
      });
      s.preloading = inParallel(jobs, 4).then(() => {
        s.full = true;
        this.dirty = true;
      });
    }

    /** Shows node `id` at `link` (deep link or destination view), or its default view. */
    async show(id, link, transition) {
      const token = (this.showToken = (this.showToken || 0) + 1);
      this.spinner.hidden = false;
      const node = this.node(id);
      const n = this.navigatorFor(node, link);
      const s = await this.scene(id, n.shot());
      if (token !== this.showToken) return;
      if (node.kind === 'object') {
        await this.objectFrame(s, n.objectView());
        if (token !== this.showToken) return;
      }
      if (transition) {
        // The old picture stays on the canvas (preserveDrawingBuffer) until
        // the new node's first frame: keep it to fade out.
        this.gfx.snapshot();
        transition.switched();
      }
      this.shown = { node, nav: n, scene: s };
      this.sound.showNode(node, transition ? nav.FADE_SECONDS : 0.01);
      this.soundView = null;
      this.transition = transition || null;
      this.hover = 0;
      this.urlClicks.reset();
      document.title = this.tour.title + (node.name ? ' \u2014 ' + node.name : '');
      if (node.error) this.say('Node ' + node.id + ' cannot be shown: ' + node.error);
      else this.say('');
      if (node.kind === 'object') this.preloadFrames(s);
      this.dirty = true;
      this.updateBar();
    }

    /** A navigator for `node` at `link` (deep link or destination view; null: the default view). */
    navigatorFor(node, link) {
      const n = nav.Navigator.ofNode(node, this.size);
      n.setBarHeight(BAR);
      if (link) {
        if (node.kind === 'object') {
          const v = n.objectView();
          const pick = (x, d) => (Number.isFinite(x) ? x : d);
          let ov = {
            row: pick(link.row, v.row),
            column: pick(link.column, v.column),
            state: pick(link.state, v.state),
            frame: pick(link.frame, v.frame),
            fov: pick(link.fov, v.fov),
            centre: v.centre,
          };
          if (!Number.isFinite(link.row) && Number.isFinite(link.tilt)) ov.row = nav.rowForTilt(node.object, link.tilt);
          if (!Number.isFinite(link.column) && Number.isFinite(link.pan)) ov.column = nav.columnForPan(node.object, link.pan);
          n.setObjectView(ov);
        } else {
          const d = n.view();
          const pick = (x, dflt) => (Number.isFinite(x) ? x : dflt);
          n.setView({ pan: pick(link.pan, d.pan), tilt: pick(link.tilt, d.tilt), fov: pick(link.fov, d.fov) });
        }
      }
      return n;
    }

    fail(e) {
      this.spinner.hidden = true;
      this.say('The movie cannot be shown: ' + (e && e.message ? e.message : e));
      console.error(e);
    }

    // ---- tours

    /** Clicks hot spot `id`. */
    follow(id) {
      const sh = this.shown;
      if (!sh || this.transition) return;
      const here = sh.nav.view();
      const a = nav.action(this.nodes, sh.node.id, id);
      if (!a) return;
      if (a.kind === 'go') {
        const target = this.node(a.to);
        const h = (sh.node.hotspots || []).find((x) => x.id === id);
        if (h && h.link && h.link.exported === false) {
          this.say('This link leads to node ' + a.to + ', which this export does not include', 4);
          return;
        }
        this.history.jump(a.to, here);
        const best = sh.node.kind === 'panorama' && h ? h.bestView : null;
        const t = new nav.Transition(here, best);
        this.scene(a.to, this.navigatorFor(target, a.view).shot()); // loads during the swing
        this.pendingLink = { to: a.to, view: a.view, target };
        this.transition = t;
        this.dirty = true;
      } else if (a.kind === 'broken') {
        this.say('This link leads to node ' + a.to + ', which the movie does not have', 4);
      } else if (a.kind === 'url') {
        if (this.urlClicks.click(sh.node.id, id)) {
          root.open(a.url, '_blank', 'noopener');
          this.say('');
        } else this.say(a.url + ' \u2014 click again to open it', 6);
      } else {
        this.say(a.name + ' (' + a.type + ')', 3);
      }
      this.updateBar();
    }

    back() {
      if (this.transition) return;
      const l = this.history.back();
      if (!l) return;
      const [node, view] = l;
      this.show(node, view, nav.Transition.fadeOnly()).catch((e) => this.fail(e));
      this.updateBar();
    }

    // ---- deep links

    parseHash(hash) {
      const q = new URLSearchParams(String(hash || '').replace(/^#/, ''));
      if (![...q.keys()].length) return null;
      const num = (k) => (q.has(k) && q.get(k) !== '' ? Number(q.get(k)) : NaN);
      const out = {};
      for (const k of ['node', 'pan', 'tilt', 'fov', 'row', 'column', 'state', 'frame']) out[k] = num(k);
      if (!Number.isFinite(out.node)) out.node = this.tour.defaultNode;
      return out;
    }

    hashFor() {
      const sh = this.shown;
      if (!sh) return '';
      const r = (x) => String(Math.round(x * 100) / 100);
      if (sh.node.kind === 'object') {
        const v = sh.nav.objectView();
        return '#node=' + sh.node.id + '&row=' + v.row + '&column=' + v.column + '&state=' + v.state + '&frame=' + v.frame + '&fov=' + r(v.fov);
      }
      const v = sh.nav.view();
      return '#node=' + sh.node.id + '&pan=' + r(v.pan) + '&tilt=' + r(v.tilt) + '&fov=' + r(v.fov);
    }

    /** Keeps the address showing the view (replacing, not adding, history entries). */
    updateHash(now, force) {
      if (!force && now - this.hashAt < HASH_EVERY * 1000) return;
      const h = this.hashFor();
      if (h && h !== this.lastHash) {
        this.lastHash = h;
        this.hashAt = now;
        try {
          root.history.replaceState(null, '', h);
        } catch (e) {
          // Some browsers refuse replaceState on file://: leave the address.
        }
      }
    }

    // ---- input

    bindEvents() {
      const c = this.root;
      root.addEventListener('resize', () => this.resize());
      c.addEventListener('contextmenu', (e) => e.preventDefault());
      this.canvas.addEventListener('pointerdown', (e) => this.pointerDown(e));
      root.addEventListener('pointermove', (e) => this.pointerMove(e));
      root.addEventListener('pointerup', (e) => this.pointerUp(e));
      root.addEventListener('pointercancel', (e) => this.pointerUp(e, true));
      this.canvas.addEventListener('dblclick', () => this.toggleFullscreen());
      this.canvas.addEventListener(
        'wheel',
        (e) => {
          e.preventDefault();
          if (!this.shown) return;
          if (e.ctrlKey) this.shown.nav.zoomBy(Math.exp(e.deltaY * 0.01));
          else this.shown.nav.zoomSteps(-Math.sign(e.deltaY) * Math.min(Math.abs(e.deltaY) / 100, 3));
          this.dirty = true;
        },
        { passive: false }
      );
      // The first gesture lets sound play (browsers allow nothing before).
      const unlock = () => this.sound.unlock();
      root.addEventListener('pointerdown', unlock, true);
      root.addEventListener('keydown', unlock, true);
      document.addEventListener('visibilitychange', () => this.sound.setHidden(document.hidden));
      root.addEventListener('keydown', (e) => this.keyDown(e));
      root.addEventListener('keyup', (e) => this.keyUp(e));
      root.addEventListener('blur', () => this.shown && this.shown.nav.releaseKeys());
      root.addEventListener('hashchange', () => {
        if (root.location.hash === this.lastHash) return;
        const l = this.parseHash(root.location.hash);
        if (l && this.node(l.node)) {
          this.history.jump(l.node, this.shown ? this.shown.nav.view() : { pan: 0, tilt: 0, fov: 0 });
          this.show(l.node, l, nav.Transition.fadeOnly()).catch((e) => this.fail(e));
        }
      });
    }

    local(e) {
      const r = this.canvas.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    }

    pointerDown(e) {
      if (!this.shown) return;
      this.root.focus({ preventScroll: true });
      this.panel.hidden = true;
      this.canvas.setPointerCapture && this.canvas.setPointerCapture(e.pointerId);
      const at = this.local(e);
      this.pointers.set(e.pointerId, at);
      if (this.pointers.size === 2) {
        // A pinch: stop turning, zoom by the change of distance.
        this.shown.nav.release();
        const [a, b] = [...this.pointers.values()];
        this.pinch = Math.hypot(a[0] - b[0], a[1] - b[1]);
        this.press = null;
        return;
      }
      if (this.pointers.size > 2) return;
      this.press = { at, moved: false };
      this.shown.nav.pressWith(at[0], at[1], e.altKey);
      this.dirty = true;
      this.updateCursor();
    }

    pointerMove(e) {
      if (!this.shown) return;
      const at = this.local(e);
      if (this.pointers.has(e.pointerId)) this.pointers.set(e.pointerId, at);
      if (this.pinch && this.pointers.size === 2) {
        const [a, b] = [...this.pointers.values()];
        const d = Math.hypot(a[0] - b[0], a[1] - b[1]);
        if (d > 0 && this.pinch > 0) this.shown.nav.zoomBy(this.pinch / d);
        this.pinch = d;
        this.dirty = true;
        return;
      }
      if (this.press && Math.hypot(at[0] - this.press.at[0], at[1] - this.press.at[1]) > 4) this.press.moved = true;
      if (this.shown.nav.pointer(at[0], at[1])) this.dirty = true;
      this.pointerAt = at;
      this.pickHover();
      this.updateCursor();
    }

    pointerUp(e, cancelled) {
      if (!this.pointers.has(e.pointerId)) return;
      this.pointers.delete(e.pointerId);
      if (this.pinch) {
        if (this.pointers.size < 2) this.pinch = null;
        return;
      }
      const press = this.press;
      this.press = null;
      if (this.shown && this.shown.nav.release()) this.dirty = true;
      if (!cancelled && press && !press.moved) {
        const id = this.hotspotAt(this.local(e));
        if (id) this.follow(id);
      }
      this.updateCursor();
    }

    keyName(e) {
      switch (e.key) {
        case 'ArrowLeft':
          return 'left';
        case 'ArrowRight':
          return 'right';
        case 'ArrowUp':
          return 'up';
        case 'ArrowDown':
          return 'down';
        case 'Shift':
        case '+':
        case '=':
          return 'zoomIn';
        case 'Control':
        case '-':
        case '_':
          return 'zoomOut';
      }
      return null;
    }

    keyDown(e) {
      if (!this.shown) return;
      const k = this.keyName(e);
      if (k) {
        e.preventDefault();
        const object = this.shown.node.kind === 'object';
        if (!e.repeat || object) this.shown.nav.key(k, true);
        this.dirty = true;
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      switch (e.key) {
        case 'Backspace':
          e.preventDefault();
          this.back();
          break;
        case 'Escape':
          if (!this.panel.hidden) this.panel.hidden = true;
          else this.say('');
          break;
        case 'h':
        case 'H':
        case '?':
          this.togglePanel();
          break;
        case 't':
        case 'T':
          this.toggleHotspots();
          break;
        case 's':
        case 'S':
          if (this.sound.available) this.toggleSound();
          break;
        case '[':
        case ']':
          if (this.sound.available) {
            this.sound.changeVolume(e.key === ']' ? 0.1 : -0.1);
            this.updateBar();
          }
          break;
        case 'f':
        case 'F':
          this.toggleFullscreen();
          break;
        case 'g':
        case 'G': {
          const s = this.shown.nav.settings;
          s.drag = s.drag === 'grab' ? 'continuous' : 'grab';
          this.say(s.drag === 'grab' ? 'Drag grabs the picture' : 'Drag turns continuously (QuickTime VR)', 3);
          break;
        }
        case 'm':
        case 'M': {
          const r = this.shown.nav.toggleTranslate();
          this.say(r === null || r === undefined ? 'This node cannot be moved (no translation)' : r ? 'Drag moves the view (translate)' : 'Drag turns the object', 3);
          break;
        }
        case '0':
          this.shown.nav.setView(nav.defaultView(this.shown.node));
          this.dirty = true;
          break;
      }
    }

    keyUp(e) {
      if (!this.shown) return;
      const k = this.keyName(e);
      if (k) {
        this.shown.nav.key(k, false);
        this.dirty = true;
      }
    }

    /** The hot spot under a point of the page (0: none). */
    hotspotAt(at) {
      const sh = this.shown;
      if (!sh || at[1] >= this.size[1] - BAR) return 0;
      const shot = sh.nav.shot();
      const [w, h] = this.size;
      if (shot.mode === 'flat') {
        const f = this.currentFrame();
        if (!f || !f.layer || !f.layer.map) return 0;
        const size = f.entry.size;
        const t = nav.flatTexel(shot, w, h, at[0], at[1], size[0], size[1]);
        if (!t || t[0] < 0 || t[1] < 0 || t[0] > size[0] || t[1] > size[1]) return 0;
        return mapAt(f.layer.map, t, size[0], size[1]);
      }
      const r = nav.rayAt(shot, w, h, at[0], at[1]);
      const surfaces = sh.node.surfaces || [];
      for (let i = 0; i < surfaces.length; i++) {
        const t = hitSurface(surfaces[i], r);
        if (t) return mapAt(sh.scene.maps[i], t, surfaces[i].size[0], surfaces[i].size[1]);
      }
      return 0;
    }

    pickHover() {
      const id = this.pointerAt && !this.pointers.size ? this.hotspotAt(this.pointerAt) : this.pointers.size ? this.hover : 0;
      if (id !== this.hover) {
        this.hover = id;
        this.updateBar();
      }
    }

    updateCursor() {
      const sh = this.shown;
      if (!sh) return;
      let c = 'grab';
      if (this.hover && !this.pointers.size) c = 'pointer';
      else {
        const k = sh.nav.cursor();
        if (k === 'grabbing') c = 'grabbing';
        else if (k === 'finger') c = 'pointer';
        else if (k === 'move') c = 'move';
        else if (k === 'joystick' || k === 'old-joystick') c = 'crosshair';
        else if (k && k.turn) {
          const [x, y] = k.turn;
          const names = { '-1,-1': 'nw', '0,-1': 'n', '1,-1': 'ne', '-1,0': 'w', '1,0': 'e', '-1,1': 'sw', '0,1': 's', '1,1': 'se' };
          c = names[x + ',' + y] ? names[x + ',' + y] + '-resize' : 'grabbing';
        }
      }
      this.canvas.style.cursor = c;
    }

    currentFrame() {
      const sh = this.shown;
      if (!sh || sh.node.kind !== 'object') return null;
      const v = sh.nav.objectView();
      const entry = (sh.node.frames || [])[this.frameIndex(sh.node.object, v)];
      return entry ? sh.scene.frames.get(entry.file) || null : null;
    }

    // ---- frames

    loop(now) {
      const dt = Math.min(Math.max((now - this.last) / 1000, 0), 0.1);
      this.last = now;
      this.sound.tick(dt);
      const sh = this.shown;
      if (sh) {
        if (sh.nav.tick(dt)) this.dirty = true;
        if (sh.nav.animating()) this.dirty = true;
        const t = this.transition;
        if (t) {
          const v = t.tick(dt);
          if (v && sh.node.kind === 'panorama') sh.nav.setView(v);
          if (t.ready() && this.pendingLink) {
            const l = this.pendingLink;
            this.pendingLink = null;
            this.show(l.to, l.view, t).catch((e) => this.fail(e));
          }
          if (t.done()) this.transition = null;
          this.dirty = true;
        }
        if (sh.node.kind === 'object') {
          const ov = sh.nav.objectView();
          const key = sh.node.id + ':' + ov.row + ':' + ov.column;
          if (key !== this.soundView) {
            this.soundView = key;
            this.sound.showView(sh.node, ov);
          }
          const f = this.currentFrame();
          if (!f) {
            // Load the frame this view needs; the last drawn stays until then.
            this.objectFrame(sh.scene, sh.nav.objectView());
          }
        }
      }
      if (this.dirty && sh) {
        this.dirty = false;
        this.render();
        this.frames++;
      }
      if (sh) {
        const moving = sh.nav.animating() || (this.transition && this.transition.moving());
        this.updateHash(now, !moving);
      }
      requestAnimationFrame(this.loop);
    }

    render() {
      const sh = this.shown;
      const [w, h] = [this.canvas.width, this.canvas.height];
      const shot = sh.nav.shot();
      let layers = [];
      let sharp;
      if (sh.node.kind === 'object') {
        const f = this.currentFrame();
        if (f && f.layer) {
          f.used = performance.now();
          layers = [f.layer];
          this.lastObject = [sh.node.id, f.layer];
        } else if (this.lastObject && this.lastObject[0] === sh.node.id) layers = [this.lastObject[1]];
        sharp = !!(f && f.layer);
      } else {
        layers = sh.scene.layers;
        sharp = sh.scene.full || this.sharp(sh.scene, new ScreenBoxes(shot, w, h));
      }
      const fade = this.transition ? this.transition.fade() : null;
      this.gfx.draw(shot, layers, w, h, this.hotspots, fade);
      // 'loading' until something shows, 'preview' while the view's full
      // pictures are on their way, 'full' once the view is drawn from them.
      const busy = !!this.pendingLink || !!(this.transition && this.transition.moving());
      this.ready = sh.node.error ? 'full' : layers.length === 0 ? 'loading' : sharp && !busy ? 'full' : 'preview';
      this.spinner.hidden = this.ready === 'full';
      document.documentElement.dataset.qtvrReady = this.ready;
      if (this.ready === 'full' && this.firstFull === undefined) {
        // Drawn now; shown by the time the next frame begins.
        this.firstFull = performance.now();
        requestAnimationFrame(() => (this.firstShown = performance.now()));
      }
    }

    /** What the page shows, for tests and scripts. */
    state() {
      const sh = this.shown;
      return {
        node: sh ? sh.node.id : null,
        kind: sh ? sh.node.kind : null,
        view: sh ? sh.nav.view() : null,
        objectView: sh ? sh.nav.objectView() : null,
        ready: this.ready,
        renderer: this.gfx.kind,
        transition: !!this.transition || !!this.pendingLink,
        history: this.history.depth(),
        hotspots: this.hotspots,
        hover: this.hover,
        frames: this.frames,
        firstFull: this.firstFull,
        firstShown: this.firstShown,
        framesHeld: sh && sh.scene.frames ? [...sh.scene.frames.values()].filter((f) => f.layer).length : 0,
        hash: this.lastHash,
        sound: this.sound.state(),
      };
    }
  }

  /** Called by tour.js: starts the player in #qtvr. */
  QTVR.tour = function (tour) {
    const start = () => {
      const rootEl = document.getElementById('qtvr') || document.body;
      try {
        root.qtvrPlayer = new Player(rootEl, tour);
      } catch (e) {
        rootEl.textContent = 'This movie cannot be shown: ' + (e && e.message ? e.message : e);
        throw e;
      }
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
    else start();
  };
})(typeof window !== 'undefined' ? window : globalThis);
