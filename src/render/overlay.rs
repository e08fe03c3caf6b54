//! The overlay pass: premultiplied-alpha pictures ([`crate::ui::Canvas`])
//! blended over a frame at pixel positions, texel for pixel
//! (`shaders/overlay.wgsl`). Each slot keeps its texture and only rewrites it
//! when its picture changes. A slot can also be a render target
//! ([`Overlay::target`]) drawn with an opacity: the viewer's cross-fade shows
//! the old node's last frame that way over the new node.

use super::Gpu;
use crate::ui::Canvas;

/// The WGSL source.
pub const SHADER: &str = include_str!("../../shaders/overlay.wgsl");

/// The format of the overlay's slots (what [`Overlay::target`] views are
/// drawn in).
pub const TARGET_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

struct Slot {
    size: [u32; 2],
    texture: wgpu::Texture,
    rect: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    /// Where to draw, in target pixels; None: hidden.
    at: Option<[i32; 2]>,
    /// Multiplies the (premultiplied) picture.
    opacity: f32,
}

/// A slot of `size` pixels (its texture, place buffer and bind group), hidden.
fn new_slot(gpu: &Gpu, layout: &wgpu::BindGroupLayout, size: [u32; 2]) -> Slot {
    let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("overlay"),
        size: wgpu::Extent3d {
            width: size[0].max(1),
            height: size[1].max(1),
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: TARGET_FORMAT,
        usage: wgpu::TextureUsages::TEXTURE_BINDING
            | wgpu::TextureUsages::COPY_DST
            | wgpu::TextureUsages::RENDER_ATTACHMENT,
        view_formats: &[],
    });
    let rect = gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("overlay rect"),
        size: 32,
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let view = texture.create_view(&Default::default());
    let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("overlay"),
        layout,
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: rect.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::TextureView(&view),
            },
        ],
    });
    Slot {
        size,
        texture,
        rect,
        bind_group,
        at: None,
        opacity: 1.0,
    }
}

/// Pictures drawn over the view.
pub struct Overlay {
    layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    shader: wgpu::ShaderModule,
    pipelines: Vec<(wgpu::TextureFormat, wgpu::RenderPipeline)>,
    slots: Vec<Option<Slot>>,
}

impl Overlay {
    /// The pass with `slots` picture slots (drawn in slot order).
    pub fn new(gpu: &Gpu, slots: usize) -> Overlay {
        let device = &gpu.device;
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("overlay.wgsl"),
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("overlay"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: false },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("overlay"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        Overlay {
            layout,
            pipeline_layout,
            shader,
            pipelines: Vec::new(),
            slots: (0..slots).map(|_| None).collect(),
        }
    }

    fn pipeline(&mut self, gpu: &Gpu, format: wgpu::TextureFormat) -> usize {
        super::cached_pipeline(&mut self.pipelines, format, || {
            super::full_screen_pipeline(
                gpu,
                "overlay",
                &self.pipeline_layout,
                &self.shader,
                wgpu::PrimitiveTopology::TriangleStrip,
                format,
                Some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING),
                &[],
            )
        })
    }

    /// Slot `i` with a texture of `size` (made anew when the size changes).
    fn slot(&mut self, gpu: &Gpu, i: usize, size: [u32; 2]) -> Option<&mut Slot> {
        let entry = self.slots.get_mut(i)?;
        if entry.as_ref().is_none_or(|s| s.size != size) {
            *entry = Some(new_slot(gpu, &self.layout, size));
        }
        entry.as_mut()
    }

    /// Prepares the pass for `format` ahead of the first frame that shows a
    /// slot, by drawing a 1×1 transparent picture into a 1×1 target:
    /// software rasterisers (lavapipe) compile a pipeline's shader at its
    /// first draw, some 4 ms that the first frame would wait for.
    pub fn warm_up(&mut self, gpu: &Gpu, format: wgpu::TextureFormat) {
        let mut slot = new_slot(gpu, &self.layout, [1, 1]);
        slot.at = Some([0, 0]);
        let saved = std::mem::replace(&mut self.slots, vec![Some(slot)]);
        let target = super::target_texture(gpu, [1, 1], format, wgpu::TextureUsages::empty());
        let view = target.create_view(&Default::default());
        let mut enc = gpu.device.create_command_encoder(&Default::default());
        self.draw(gpu, &mut enc, &view, format, [1, 1]);
        gpu.queue.submit([enc.finish()]);
        let _ = gpu.device.poll(wgpu::PollType::wait_indefinitely());
        self.slots = saved;
    }

    /// Shows `canvas` in slot `i` with its top-left at `at` (target pixels).
    pub fn set(&mut self, gpu: &Gpu, i: usize, canvas: &Canvas, at: [i32; 2]) {
        let size = [canvas.width, canvas.height];
        if let Some(slot) = self.slot(gpu, i, size) {
            gpu.queue.write_texture(
                wgpu::TexelCopyTextureInfo {
                    texture: &slot.texture,
                    mip_level: 0,
                    origin: wgpu::Origin3d::ZERO,
                    aspect: wgpu::TextureAspect::All,
                },
                &canvas.data,
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(size[0] * 4),
                    rows_per_image: Some(size[1]),
                },
                wgpu::Extent3d {
                    width: size[0],
                    height: size[1],
                    depth_or_array_layers: 1,
                },
            );
            slot.at = Some(at);
            slot.opacity = 1.0;
        }
    }

    /// Renders `shot` with `renderer` into render-target slot `i` at
    /// `size`, shown fully opaque (the old node during a cross-fade, until
    /// the fade begins); hides the slot when nothing could be drawn.
    pub fn snapshot(
        &mut self,
        gpu: &Gpu,
        renderer: &mut super::Renderer,
        i: usize,
        size: [u32; 2],
        shot: &crate::view::Shot,
        hotspots: bool,
    ) {
        if renderer.node().is_none() {
            return;
        }
        let Some(view) = self.target(gpu, i, size) else {
            return;
        };
        let mut enc = gpu.device.create_command_encoder(&Default::default());
        let target = super::DrawTarget::whole(&view, TARGET_FORMAT, size);
        let drawn = renderer
            .draw_into(gpu, &mut enc, &target, shot, hotspots)
            .is_ok();
        gpu.queue.submit([enc.finish()]);
        if drawn {
            self.set_opacity(i, 1.0);
        } else {
            self.hide(i);
        }
    }

    /// Slot `i` as a [`TARGET_FORMAT`] render target of `size`, shown at the
    /// top-left corner; draw into the returned view (opaque pixels).
    pub fn target(&mut self, gpu: &Gpu, i: usize, size: [u32; 2]) -> Option<wgpu::TextureView> {
        let slot = self.slot(gpu, i, size)?;
        slot.at = Some([0, 0]);
        slot.opacity = 1.0;
        Some(slot.texture.create_view(&Default::default()))
    }

    /// Draws slot `i` at `opacity` (0–1).
    pub fn set_opacity(&mut self, i: usize, opacity: f32) {
        if let Some(Some(s)) = self.slots.get_mut(i) {
            s.opacity = if opacity.is_finite() {
                opacity.clamp(0.0, 1.0)
            } else {
                1.0
            };
        }
    }

    /// Whether slot `i` is shown.
    pub fn shown(&self, i: usize) -> bool {
        matches!(self.slots.get(i), Some(Some(s)) if s.at.is_some())
    }

    /// Hides slot `i`.
    pub fn hide(&mut self, i: usize) {
        if let Some(Some(s)) = self.slots.get_mut(i) {
            s.at = None;
        }
    }

    /// Records blending the shown slots over `target` (`size` pixels).
    pub fn draw(
        &mut self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        format: wgpu::TextureFormat,
        size: [u32; 2],
    ) {
        let shown: Vec<usize> = (0..self.slots.len())
            .filter(|&i| matches!(&self.slots[i], Some(s) if s.at.is_some()))
            .collect();
        if shown.is_empty() {
            return;
        }
        for &i in &shown {
            if let Some(Some(s)) = self.slots.get(i)
                && let Some(at) = s.at
            {
                let data: [f32; 8] = [
                    at[0] as f32,
                    at[1] as f32,
                    s.size[0] as f32,
                    s.size[1] as f32,
                    size[0] as f32,
                    size[1] as f32,
                    s.opacity,
                    0.0,
                ];
                gpu.queue
                    .write_buffer(&s.rect, 0, bytemuck::cast_slice(&data));
            }
        }
        let p = self.pipeline(gpu, format);
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("overlay"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: target,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Load,
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_pipeline(&self.pipelines[p].1);
        for i in shown {
            if let Some(Some(s)) = self.slots.get(i) {
                pass.set_bind_group(0, &s.bind_group, &[]);
                pass.draw(0..4, 0..1);
            }
        }
    }
}
