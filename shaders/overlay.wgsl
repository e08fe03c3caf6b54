// Blends a premultiplied-alpha picture (the controller bar, help, messages)
// over the frame at a pixel rectangle: one quad per picture, texels 1:1,
// times an opacity (the cross-fade between nodes).

struct Rect {
    // x, y, width, height of the picture in target pixels.
    rect: vec4<f32>,
    // target width, height; opacity.
    dest: vec4<f32>,
};

@group(0) @binding(0) var<uniform> r: Rect;
@group(0) @binding(1) var pic: texture_2d<f32>;

struct Out {
    @builtin(position) pos: vec4<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> Out {
    let corner = vec2<f32>(f32(i & 1u), f32((i >> 1u) & 1u));
    let px = r.rect.xy + corner * r.rect.zw;
    let ndc = vec2<f32>(px.x / r.dest.x * 2.0 - 1.0, 1.0 - px.y / r.dest.y * 2.0);
    var o: Out;
    o.pos = vec4<f32>(ndc, 0.0, 1.0);
    return o;
}

@fragment
fn fs_main(o: Out) -> @location(0) vec4<f32> {
    let t = vec2<i32>(floor(o.pos.xy - r.rect.xy));
    return textureLoad(pic, t, 0) * r.dest.z;
}
