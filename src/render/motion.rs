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

/// A shader that draws one textured rectangle (`vs_main` making a
/// triangle strip of four vertices, `fs_main` sampling binding 0 with the
/// bilinear sampler at binding 1; with a [`Quad`], binding 2 places it),
/// its layouts, and its pipelines by target format.
struct Textured {
    label: &'static str,
    layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    shader: wgpu::ShaderModule,
    pipelines: Vec<(wgpu::TextureFormat, wgpu::RenderPipeline)>,
    sampler: wgpu::Sampler,
}

impl Textured {
    fn new(gpu: &Gpu, label: &'static str, source: &'static str, quad: bool) -> Textured {
        let device = &gpu.device;
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(label),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let entry = |binding, visibility, ty| wgpu::BindGroupLayoutEntry {
            binding,
            visibility,
            ty,
            count: None,
        };
        let mut entries = vec![
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
        ];
        if quad {
            // A storage buffer, as the panorama shader's view: lavapipe
            // specialises shaders to uniform values.
            entries.push(entry(
                2,
                wgpu::ShaderStages::VERTEX,
                wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Storage { read_only: true },
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
            ));
        }
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(label),
            entries: &entries,
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(label),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("bilinear"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        Textured {
            label,
            layout,
            pipeline_layout,
            shader,
            pipelines: Vec::new(),
            sampler,
        }
    }

    /// The bind group of `view` (and the quad's buffer, for a shader that
    /// places its rectangle).
    fn bind_group(
        &self,
        gpu: &Gpu,
        view: &wgpu::TextureView,
        quad: Option<&wgpu::Buffer>,
    ) -> wgpu::BindGroup {
        let mut entries = vec![
            wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(view),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::Sampler(&self.sampler),
            },
        ];
        if let Some(q) = quad {
            entries.push(wgpu::BindGroupEntry {
                binding: 2,
                resource: q.as_entire_binding(),
            });
        }
        gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(self.label),
            layout: &self.layout,
            entries: &entries,
        })
    }

    /// Records clearing `target` (a texture of `format`) to `clear`, then
    /// drawing the rectangle with `bind_group`.
    fn draw(
        &mut self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        (target, format): (&wgpu::TextureView, wgpu::TextureFormat),
        bind_group: &wgpu::BindGroup,
        clear: wgpu::Color,
    ) {
        let i = cached_pipeline(&mut self.pipelines, format, || {
            full_screen_pipeline(
                gpu,
                self.label,
                &self.pipeline_layout,
                &self.shader,
                wgpu::PrimitiveTopology::TriangleStrip,
                format,
                None,
                &[],
            )
        });
        let mut pass = super::colour_pass(encoder, self.label, target, clear);
        pass.set_pipeline(&self.pipelines[i].1);
        pass.set_bind_group(0, bind_group, &[]);
        pass.draw(0..4, 0..1);
    }
}

/// The intermediate texture and its bind group, for one size and format.
struct Scratch {
    size: [u32; 2],
    format: wgpu::TextureFormat,
    view: wgpu::TextureView,
    bind_group: wgpu::BindGroup,
}

/// Scales a part of an intermediate texture up to a target.
pub struct Upscaler {
    textured: Textured,
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
        Upscaler {
            textured: Textured::new(gpu, "upscale", SHADER, false),
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
        let fits = self
            .scratch
            .as_ref()
            .is_some_and(|s| s.size == size && s.format == format);
        if !fits {
            self.scratch = None;
        }
        let textured = &self.textured;
        let scratch = self.scratch.get_or_insert_with(|| {
            let texture = target_texture(gpu, size, format, wgpu::TextureUsages::TEXTURE_BINDING);
            let view = texture.create_view(&Default::default());
            let bind_group = textured.bind_group(gpu, &view, None);
            Scratch {
                size,
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
        let Some(scratch) = &self.scratch else {
            return;
        };
        let to = (target, scratch.format);
        self.textured
            .draw(gpu, encoder, to, &scratch.bind_group, wgpu::Color::BLACK);
    }
}

/// Draws one layer of a texture as a rectangle onto a target cleared to a
/// colour ([`FlatFrame`]s: object frames while their view moves).
pub struct Blit {
    textured: Textured,
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
        Blit {
            textured: Textured::new(gpu, "blit", BLIT_SHADER, true),
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
        let bind_group = self.textured.bind_group(gpu, &view, Some(&quad));
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
        let to = (target.view, target.format);
        self.textured
            .draw(gpu, encoder, to, &frame.bind_group, clear);
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
