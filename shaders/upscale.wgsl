// Scales a frame drawn at a fraction of the window's resolution (motion
// quality) up to the whole target: one screen-filling quad whose texture
// coordinates run over the whole (exactly drawn-size) texture, sampled
// bilinearly. Kept to a plain textured rectangle, which software
// rasterisers (llvmpipe) can draw on their fast path for blits.

struct Out {
    @builtin(position) pos: vec4f,
    @location(0) uv: vec2f,
};

@group(0) @binding(0) var src: texture_2d<f32>;
@group(0) @binding(1) var smp: sampler;

@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> Out {
    let corner = vec2f(f32(i & 1u), f32((i >> 1u) & 1u));
    var o: Out;
    o.pos = vec4f(corner.x * 2.0 - 1.0, 1.0 - corner.y * 2.0, 0.0, 1.0);
    o.uv = corner;
    return o;
}

@fragment
fn fs_main(o: Out) -> @location(0) vec4f {
    return textureSample(src, smp, o.uv);
}
