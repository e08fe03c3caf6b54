//! Motion quality's drawing: a frame drawn into part of an intermediate
//! texture at a fraction of the target's resolution, then scaled up to the
//! whole target (bilinear, `shaders/upscale.wgsl`). The window draws moving
//! views this way ([`crate::viewer::quality`] chooses the fraction), and
//! `qtvr render --motion-scale` draws the same picture offscreen.
//!
//! An object's frame is already a small picture: while its view moves it is
//! drawn as one bilinear rectangle straight onto the target ([`Blit`],
//! `shaders/blit.wgsl`), with no intermediate texture — software
//! rasterisers draw such a rectangle several times faster than the object
//! shader's per-pixel sampling with mip selection.

use super::{DrawTarget, Gpu, cached_pipeline, full_screen_pipeline, target_texture};

/// The WGSL source.
const SHADER: &str = include_str!("../../shaders/upscale.wgsl");

/// The WGSL source of [`Blit`].
const BLIT_SHADER: &str = include_str!("../../shaders/blit.wgsl");

/// The intermediate texture and its bind group, for one size and format.
struct Scratch {
    size: [u32; 2],
    format: wgpu::TextureFormat,
    view: wgpu::TextureView,
    bind_group: wgpu::BindGroup,
}

/// Scales a part of an intermediate texture up to a target.
pub struct Upscaler {
    layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    shader: wgpu::ShaderModule,
    pipelines: Vec<(wgpu::TextureFormat, wgpu::RenderPipeline)>,
    sampler: wgpu::Sampler,
    scratch: Option<Scratch>,
}

/// The size a `full` target is drawn at for `scale` (each side at least 1
/// pixel and at most the target's).
pub fn reduced_size(full: [u32; 2], scale: f32) -> [u32; 2] {
    let scale = if scale.is_finite() {
        scale.clamp(0.0, 1.0)
    } else {
        1.0
    };
    full.map(|n| ((n as f32 * scale).round() as u32).clamp(1, n.max(1)))
}

impl Upscaler {
    pub fn new(gpu: &Gpu) -> Upscaler {
        let device = &gpu.device;
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("upscale.wgsl"),
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });
        let entry = |binding, ty| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty,
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("upscale"),
            entries: &[
                entry(
                    0,
                    wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                ),
                entry(
                    1,
                    wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                ),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("upscale"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("bilinear"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        Upscaler {
            layout,
            pipeline_layout,
            shader,
            pipelines: Vec::new(),
            sampler,
            scratch: None,
        }
    }

    /// The intermediate texture's view: `size` (the reduced size drawn) of
    /// `format` (made again when either changes).
    pub fn scratch(
        &mut self,
        gpu: &Gpu,
        size: [u32; 2],
        format: wgpu::TextureFormat,
    ) -> &wgpu::TextureView {
        let full = size;
        let fits = self
            .scratch
            .as_ref()
            .is_some_and(|s| s.size == full && s.format == format);
        if !fits {
            self.scratch = None;
        }
        let (layout, sampler) = (&self.layout, &self.sampler);
        let scratch = self.scratch.get_or_insert_with(|| {
            let texture = target_texture(gpu, full, format, wgpu::TextureUsages::TEXTURE_BINDING);
            let view = texture.create_view(&Default::default());
            let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("upscale"),
                layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::TextureView(&view),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: wgpu::BindingResource::Sampler(sampler),
                    },
                ],
            });
            Scratch {
                size: full,
                format,
                view,
                bind_group,
            }
        });
        &scratch.view
    }

    /// Records scaling the whole scratch texture (made by [`Self::scratch`])
    /// up to the whole of `target`, a texture of the scratch's format.
    pub fn upscale(
        &mut self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
    ) {
        let Some(format) = self.scratch.as_ref().map(|s| s.format) else {
            return;
        };
        let i = cached_pipeline(&mut self.pipelines, format, || {
            full_screen_pipeline(
                gpu,
                "upscale",
                &self.pipeline_layout,
                &self.shader,
                wgpu::PrimitiveTopology::TriangleStrip,
                format,
                None,
                &[],
            )
        });
        let Some(scratch) = &self.scratch else {
            return;
        };
        let mut pass = super::colour_pass(encoder, "upscale", target, wgpu::Color::BLACK);
        pass.set_pipeline(&self.pipelines[i].1);
        pass.set_bind_group(0, &scratch.bind_group, &[]);
        pass.draw(0..4, 0..1);
    }
}

/// Draws one layer of a texture as a rectangle onto a target cleared to a
/// colour ([`FlatFrame`]s: object frames while their view moves).
pub struct Blit {
    layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    shader: wgpu::ShaderModule,
    pipelines: Vec<(wgpu::TextureFormat, wgpu::RenderPipeline)>,
    sampler: wgpu::Sampler,
}

/// One layer of a node's pages, ready for [`Blit::draw`].
pub struct FlatFrame {
    bind_group: wgpu::BindGroup,
    quad: wgpu::Buffer,
}

/// Where [`Blit::draw`] puts a frame: the rectangle's left, top, right and
/// bottom in clip space (x right, y up) and the texture coordinates (0 to 1
/// across the layer) at those edges.
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct Quad {
    pub pos: [f32; 4],
    pub uv: [f32; 4],
}

impl Blit {
    pub fn new(gpu: &Gpu) -> Blit {
        let device = &gpu.device;
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("blit.wgsl"),
            source: wgpu::ShaderSource::Wgsl(BLIT_SHADER.into()),
        });
        let entry = |binding, visibility, ty| wgpu::BindGroupLayoutEntry {
            binding,
            visibility,
            ty,
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("blit"),
            entries: &[
                entry(
                    0,
                    wgpu::ShaderStages::FRAGMENT,
                    wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                ),
                entry(
                    1,
                    wgpu::ShaderStages::FRAGMENT,
                    wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                ),
                // A storage buffer, as the panorama shader's view: lavapipe
                // specialises shaders to uniform values.
                entry(
                    2,
                    wgpu::ShaderStages::VERTEX,
                    wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Storage { read_only: true },
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                ),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("blit"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("bilinear"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        Blit {
            layout,
            pipeline_layout,
            shader,
            pipelines: Vec::new(),
            sampler,
        }
    }

    /// Layer `layer` of `texture` (its base level) as a frame to draw.
    pub fn frame(&self, gpu: &Gpu, texture: &wgpu::Texture, layer: u32) -> FlatFrame {
        let view = texture.create_view(&wgpu::TextureViewDescriptor {
            label: Some("flat frame"),
            dimension: Some(wgpu::TextureViewDimension::D2),
            base_mip_level: 0,
            mip_level_count: Some(1),
            base_array_layer: layer,
            array_layer_count: Some(1),
            ..Default::default()
        });
        let quad = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("blit quad"),
            size: std::mem::size_of::<Quad>() as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("blit"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::TextureView(&view),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::Sampler(&self.sampler),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: quad.as_entire_binding(),
                },
            ],
        });
        FlatFrame { bind_group, quad }
    }

    /// Records clearing the whole of `target` to `clear` and drawing `frame`
    /// at `quad` on it. The quad is written to the queue: one draw per frame
    /// per submission.
    pub fn draw(
        &mut self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        target: &DrawTarget<'_>,
        frame: &FlatFrame,
        quad: &Quad,
        clear: wgpu::Color,
    ) {
        gpu.queue
            .write_buffer(&frame.quad, 0, bytemuck::bytes_of(quad));
        let format = target.format;
        let i = cached_pipeline(&mut self.pipelines, format, || {
            full_screen_pipeline(
                gpu,
                "blit",
                &self.pipeline_layout,
                &self.shader,
                wgpu::PrimitiveTopology::TriangleStrip,
                format,
                None,
                &[],
            )
        });
        let mut pass = super::colour_pass(encoder, "blit", target.view, clear);
        pass.set_pipeline(&self.pipelines[i].1);
        pass.set_bind_group(0, &frame.bind_group, &[]);
        pass.draw(0..4, 0..1);
    }
}

#[cfg(test)]
mod tests {
    use super::reduced_size;

    #[test]
    fn reduced_sizes_stay_within_the_target() {
        assert_eq!(reduced_size([1920, 1080], 0.5), [960, 540]);
        assert_eq!(reduced_size([1920, 1080], 1.0), [1920, 1080]);
        assert_eq!(reduced_size([3, 3], 0.01), [1, 1]);
        assert_eq!(reduced_size([640, 480], f32::NAN), [640, 480]);
        assert_eq!(reduced_size([640, 480], 7.0), [640, 480]);
        assert_eq!(reduced_size([0, 5], 0.5), [1, 3]);
    }
}
