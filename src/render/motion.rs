//! Motion quality's drawing: a frame drawn into part of an intermediate
//! texture at a fraction of the target's resolution, then scaled up to the
//! whole target (bilinear, `shaders/upscale.wgsl`). The window draws moving
//! views this way ([`crate::viewer::quality`] chooses the fraction), and
//! `qtvr render --motion-scale` draws the same picture offscreen.

use super::{Gpu, cached_pipeline, full_screen_pipeline, target_texture};

/// The WGSL source.
const SHADER: &str = include_str!("../../shaders/upscale.wgsl");

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
