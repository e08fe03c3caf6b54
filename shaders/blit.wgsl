// An object's frame while the view moves (motion quality): one rectangle,
// placed where the object shader would put the frame, whose texture
// coordinates run over the frame's texels, sampled bilinearly from one
// layer of its pages. The rest of the target is the clear colour. Kept to
// a plain textured rectangle, as `upscale.wgsl` is, which software
// rasterisers (llvmpipe) draw on their fast path.

// pos: the rectangle's left, top, right and bottom in clip space;
// uv: the texture coordinates at those edges.
struct Quad {
    pos: vec4f,
    uv: vec4f,
};

@group(0) @binding(0) var src: texture_2d<f32>;
@group(0) @binding(1) var smp: sampler;
@group(0) @binding(2) var<storage, read> quad: Quad;

struct Out {
    @builtin(position) pos: vec4f,
    @location(0) uv: vec2f,
};

@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> Out {
    let corner = vec2f(f32(i & 1u), f32((i >> 1u) & 1u));
    var o: Out;
    o.pos = vec4f(mix(quad.pos.xy, quad.pos.zw, corner), 0.0, 1.0);
    o.uv = mix(quad.uv.xy, quad.uv.zw, corner);
    return o;
}

@fragment
fn fs_main(o: Out) -> @location(0) vec4f {
    return vec4f(textureSample(src, smp, o.uv).rgb, 1.0);
}
