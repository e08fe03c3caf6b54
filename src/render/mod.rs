//! Stage 6 — the GPU renderer (the only module that knows wgpu).
//!
//! One [`Renderer`] draws a node's assembled pictures into any texture view:
//! the window's surface or an offscreen texture ([`Renderer::render_image`]),
//! so every picture the window shows can be produced and tested headless. The
//! projection is per pixel in WGSL (`shaders/panorama.wgsl`): each pixel casts
//! a ray from pan, tilt, vertical field of view and the target's aspect, and
//! looks it up on the node's surfaces, which the shader gets as data
//! (cylinder pan range; each cube face's orientation quaternion, focal length
//! and centre). Pictures are uploaded as pages of a texture array with full
//! mip chains and gutters ([`pages`]), sampled trilinearly and anisotropically
//! with analytic gradients. Hot spot maps go into a second (integer) array,
//! read nearest, for the overlay; [`Renderer::hotspot_at`] answers which hot
//! spot lies under a pixel on the CPU through the same projection ([`crate::view`]).

pub mod image_file;
mod motion;
pub mod overlay;
pub mod pages;
pub mod shared;
mod surface;
mod upload;

pub use motion::reduced_size;
pub use surface::{Acquired, EarlyDevice, Frame, LIKELY_FORMAT, WindowSurface, clear};

use std::sync::mpsc;

use bytemuck::{Pod, Zeroable};

use crate::view::{Rays, Shot, flat_scale};
use qtvr_format::assemble::{Geometry, IdImage, NodePicture, RgbaImage};
use qtvr_format::limits::{LimitError, Limits};
use qtvr_format::qtvr::{HotspotId, NodeId};

/// The WGSL source.
pub const SHADER: &str = include_str!("../../shaders/panorama.wgsl");

/// Most surfaces one node may have (the shader's surface array).
pub const MAX_SURFACES: usize = 64;

/// The colour shown where no picture is (above and below a cylinder, around an
/// object): a neutral dark grey.
pub const NEUTRAL: [u8; 4] = [64, 64, 64, 255];

/// IDs of the node's hot spots (what the overlay shows).
pub fn hotspot_ids(node: &qtvr_format::qtvr::Node) -> Vec<HotspotId> {
    node.hotspots.iter().map(|h| h.id).collect()
}

/// Why rendering failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("no graphics adapter: {0}")]
    NoAdapter(String),
    #[error("cannot open the graphics device: {0}")]
    Device(String),
    #[error("{0}")]
    TooLarge(String),
    /// A node's textures are over one of the [`Limits`] ([`Limits::upload_max_bytes`]).
    #[error("node {node}: {limit}")]
    OverLimit { node: u32, limit: LimitError },
    #[error("reading the picture back failed: {0}")]
    Readback(String),
    #[error("nothing to draw: no node picture was set")]
    NoPicture,
}

/// What the first node of a movie shows, so that its pipeline is prepared
/// first ([`Renderer::warm_up_next`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstDraw {
    Cylinder = 0,
    Cube = 1,
    Object = 2,
}

impl FirstDraw {
    /// What `node` of a movie shows.
    pub fn of(node: &qtvr_format::qtvr::Node) -> FirstDraw {
        use qtvr_format::qtvr::{NodeContent, Projection};
        match &node.content {
            NodeContent::Object(_) => FirstDraw::Object,
            NodeContent::Panorama(p) => match p.projection {
                Projection::Cube { .. } => FirstDraw::Cube,
                _ => FirstDraw::Cylinder,
            },
        }
    }
}

/// An adapter, device and queue.
pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter: wgpu::Adapter,
    /// "name (backend, device type)".
    pub description: String,
    /// The sampler's anisotropy: 16, or 1 (trilinear only) on software
    /// rasterisers, whose anisotropic sampler (lavapipe in Mesa 22.3) was seen
    /// to stall on some views of cube panoramas. `QTVR_ANISOTROPY` overrides it.
    pub anisotropy: u16,
}

impl Gpu {
    /// Configures a window surface, returning the validation error instead of
    /// printing it (a surface whose window is gone cannot be configured).
    pub fn configure_surface(
        &self,
        surface: &wgpu::Surface<'_>,
        config: &wgpu::SurfaceConfiguration,
    ) -> Result<(), String> {
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        surface.configure(&self.device, config);
        match pollster::block_on(scope.pop()) {
            Some(e) => Err(e.to_string()),
            None => Ok(()),
        }
    }

    /// A device for offscreen rendering (no window): a real GPU when there is
    /// one, else a software one (lavapipe/llvmpipe). `WGPU_BACKEND` and
    /// `WGPU_ADAPTER_NAME` choose, as wgpu reads them.
    pub fn headless() -> Result<Gpu, RenderError> {
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        Self::from_instance(&instance, None)
    }

    /// A device on an instance, able to draw to `surface` when given.
    pub fn from_instance(
        instance: &wgpu::Instance,
        surface: Option<&wgpu::Surface<'_>>,
    ) -> Result<Gpu, RenderError> {
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            force_fallback_adapter: false,
            compatible_surface: surface,
            apply_limit_buckets: false,
        }))
        .map_err(|e| RenderError::NoAdapter(e.to_string()))?;
        let info = adapter.get_info();
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("qtvr"),
            required_features: wgpu::Features::empty(),
            required_limits: wgpu::Limits {
                max_texture_dimension_2d: limits.max_texture_dimension_2d,
                max_texture_array_layers: limits.max_texture_array_layers,
                ..wgpu::Limits::downlevel_defaults().using_resolution(limits.clone())
            },
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }))
        .map_err(|e| RenderError::Device(e.to_string()))?;
        // wgpu's default handler panics; uploads and draws check their own
        // errors through error scopes, anything else is reported.
        device.on_uncaptured_error(std::sync::Arc::new(|e| {
            eprintln!("qtvr: graphics error: {e}");
        }));
        let anisotropy = std::env::var("QTVR_ANISOTROPY")
            .ok()
            .and_then(|v| v.parse::<u16>().ok())
            .map(|a| a.clamp(1, 16))
            .unwrap_or(if info.device_type == wgpu::DeviceType::Cpu {
                1
            } else {
                16
            });
        Ok(Gpu {
            device,
            queue,
            anisotropy,
            description: format!("{} ({:?}, {:?})", info.name, info.backend, info.device_type),
            adapter,
        })
    }
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct Globals {
    fwd: [f32; 4],
    right: [f32; 4],
    up: [f32; 4],
    dest: [f32; 4],
    mode: [u32; 4],
    obj: [f32; 4],
    neutral: [f32; 4],
    layer: [f32; 4],
    faces: [u32; 4],
    hs_mask: [u32; 8],
}

/// Texels per surface in the surface texture (one row each): kind and
/// pages, size, rotation, plane or cylinder parameters, centre, hot spot
/// pages, hot spot sizes. Whole numbers are stored as floats (exact: they are
/// far below 2^24).
const SURFACE_TEXELS: u32 = 7;
type SurfaceRow = [[f32; 4]; SURFACE_TEXELS as usize];

struct Uploaded {
    bind_group: wgpu::BindGroup,
    /// The face table ([`face_table`]), if the node's planes face the axes.
    faces: Option<FaceTable>,
    /// Bits: 1 the node has cylinders, 2 planes (the shader's `KINDS`).
    kinds: u32,
    layer: [u32; 3],
    hs_mask: [u32; 8],
    /// Bytes of the image and hot spot textures, mip levels included.
    texture_bytes: u64,
    /// What stays on the CPU for hot spot picking: the node's geometry and
    /// hot spot maps (picture data dropped).
    pick: NodePicture,
    /// An object's frame on one page: its layer, drawn by [`motion::Blit`]
    /// while the view moves.
    flat: Option<motion::FlatFrame>,
}

/// Options for uploading a node's pictures.
#[derive(Debug, Clone, Copy, Default)]
pub struct UploadOptions {
    /// Split pictures into pages no larger than this (default: the adapter's
    /// texture limit). Tests use it to check that split panoramas are seamless.
    pub max_texture_side: Option<u32>,
    /// The view drawn first and its target's size: when given (and the
    /// node's textures are 32 MiB or more), only the layers it shows are
    /// made before [`Renderer::set_picture`] returns (for a cube seen face
    /// on, one to three of six); the others are made by
    /// [`Renderer::finish_upload`], or by the first draw that shows them.
    pub first_view: Option<(Shot, [u32; 2])>,
}

/// Where [`Renderer::draw_into`] draws: a view of a texture of `format`
/// that shows the part at `offset` of a picture of size `full` (for
/// ordinary frames, the whole picture: `full` is the target's size, `offset`
/// zero).
#[derive(Debug, Clone, Copy)]
pub struct DrawTarget<'a> {
    pub view: &'a wgpu::TextureView,
    pub format: wgpu::TextureFormat,
    pub full: [u32; 2],
    pub offset: [u32; 2],
}

impl<'a> DrawTarget<'a> {
    /// The whole of a `size` texture (`full` = `size`, `offset` zero): an
    /// ordinary frame.
    pub fn whole(view: &'a wgpu::TextureView, format: wgpu::TextureFormat, size: [u32; 2]) -> Self {
        DrawTarget {
            view,
            format,
            full: size,
            offset: [0, 0],
        }
    }
}

/// Draws node pictures with the panorama shader.
pub struct Renderer {
    layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    shader: wgpu::ShaderModule,
    /// Pipelines made so far, by target format and shader specialisation.
    pipelines: Vec<((wgpu::TextureFormat, Variant), wgpu::RenderPipeline)>,
    sampler: wgpu::Sampler,
    globals: wgpu::Buffer,
    /// The surfaces' data, one row of [`SURFACE_TEXELS`] each.
    surface_tex: wgpu::Texture,
    scene: Option<Uploaded>,
    /// The scene's image layers not made yet ([`UploadOptions::first_view`]).
    pending: Option<Pending>,
    /// Scales frames drawn at a fraction of the resolution up (motion quality).
    upscaler: motion::Upscaler,
    /// Draws object frames while their view moves.
    blit: motion::Blit,
    /// The upload limits ([`Limits::upload_max_bytes`], [`Limits::upload_max_layers`])
    /// and the largest picture [`Renderer::render_image`] makes
    /// ([`Limits::picture_max_bytes`]).
    limits: Limits,
}

impl Renderer {
    /// Creates the shader, layouts and buffers (no pictures yet).
    pub fn new(gpu: &Gpu) -> Renderer {
        let device = &gpu.device;
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("panorama.wgsl"),
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });
        let entry = |binding, ty| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty,
            count: None,
        };
        // The view and surface data are read-only storage buffers, not
        // uniform buffers: lavapipe (Mesa 22) specialises a shader to the
        // uniform values its branches and loops test, compiling a new copy
        // with LLVM (~0.3 s on 2 cores) at every draw, so the window showed
        // 2-3 frames a second. Storage buffer loads are never specialised
        // (docs/benchmarks.md, "Frames shown in the window").
        let data = wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only: true },
            has_dynamic_offset: false,
            min_binding_size: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("panorama"),
            entries: &[
                // The view: read by the vertex shader (and the fragment
                // shader's hot spot overlay).
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                    ty: data,
                    count: None,
                },
                entry(
                    1,
                    wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: false },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                ),
                entry(
                    2,
                    wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2Array,
                        multisampled: false,
                    },
                ),
                entry(
                    3,
                    wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                ),
                entry(
                    4,
                    wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Uint,
                        view_dimension: wgpu::TextureViewDimension::D2Array,
                        multisampled: false,
                    },
                ),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("panorama"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("trilinear"),
            address_mode_u: wgpu::AddressMode::ClampToEdge,
            address_mode_v: wgpu::AddressMode::ClampToEdge,
            address_mode_w: wgpu::AddressMode::ClampToEdge,
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            mipmap_filter: wgpu::MipmapFilterMode::Linear,
            anisotropy_clamp: gpu.anisotropy,
            ..Default::default()
        });
        let globals = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("globals"),
            size: std::mem::size_of::<Globals>() as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let surface_tex = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("surfaces"),
            size: wgpu::Extent3d {
                width: SURFACE_TEXELS,
                height: MAX_SURFACES as u32,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba32Float,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        Renderer {
            layout,
            pipeline_layout,
            shader,
            pipelines: Vec::new(),
            sampler,
            globals,
            surface_tex,
            scene: None,
            pending: None,
            upscaler: motion::Upscaler::new(gpu),
            blit: motion::Blit::new(gpu),
            limits: crate::budget::limits(),
        }
    }

    /// The limits uploads and pictures are held to (default: the program's,
    /// [`crate::budget::limits`]).
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Holds later uploads and pictures to `limits`.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The index of the render pipeline for a target format and shader
    /// specialisation (made on first use).
    fn pipeline(&mut self, gpu: &Gpu, format: wgpu::TextureFormat, variant: Variant) -> usize {
        cached_pipeline(&mut self.pipelines, (format, variant), || {
            full_screen_pipeline(
                gpu,
                "panorama",
                &self.pipeline_layout,
                &self.shader,
                wgpu::PrimitiveTopology::TriangleList,
                format,
                None,
                &variant.constants(),
            )
        })
    }

    /// The specialisation that draws `shot` of the uploaded node.
    fn variant(&self, shot: &Shot, hotspots: bool) -> Result<Variant, RenderError> {
        let scene = self.scene.as_ref().ok_or(RenderError::NoPicture)?;
        Ok(Variant {
            projection: match shot {
                Shot::Perspective(_) => 0,
                Shot::Equirect => 1,
                Shot::Flat { .. } => 2,
            },
            kinds: scene.kinds,
            faces: scene.faces.is_some(),
            cube: scene.faces.is_some_and(|f| f.cube),
            one: scene.pick.surfaces.len() == 1,
            hotspots,
        })
    }

    /// Prepares the pipelines for a format ahead of the first frame, drawing
    /// one pixel with a stand-in picture for each: software rasterisers
    /// (lavapipe) compile a shader at its first draw, which takes longer than
    /// decoding most movies, so the viewer does this while it decodes.
    pub fn warm_up(&mut self, gpu: &Gpu, format: wgpu::TextureFormat) {
        while self.warm_up_next(gpu, format, None) {}
    }

    /// Prepares the next of the pipelines the window draws first (a
    /// cylinder, a cube, an object), most common first; false when all are
    /// ready or a node is shown (its pipeline is made at its first draw).
    /// The viewer calls it once per turn of its event loop while nothing is
    /// shown, so that a picture decoded meanwhile waits for one at most.
    /// `first`, when the movie's first node is known, is the only one
    /// prepared: a picture waiting for it would wait for the others too.
    pub fn warm_up_next(
        &mut self,
        gpu: &Gpu,
        format: wgpu::TextureFormat,
        first: Option<FirstDraw>,
    ) -> bool {
        const FIRST: [Variant; 3] = [
            Variant {
                projection: 0,
                kinds: 1,
                faces: false,
                cube: false,
                one: true,
                hotspots: false,
            },
            Variant {
                projection: 0,
                kinds: 2,
                faces: true,
                cube: true,
                one: false,
                hotspots: false,
            },
            Variant {
                projection: 2,
                kinds: 0,
                faces: false,
                cube: false,
                one: true,
                hotspots: false,
            },
        ];
        if self.scene.is_some() {
            return false;
        }
        let ready = |v: &Variant| self.pipelines.iter().any(|(k, _)| *k == (format, *v));
        let order = match first {
            Some(f) => &FIRST[f as usize..=f as usize],
            None => &FIRST[..],
        };
        let Some(variant) = order.iter().copied().find(|v| !ready(v)) else {
            return false;
        };
        let grey = qtvr_format::assemble::RgbaImage::new(1, 1, NEUTRAL.to_vec());
        let stand_in = NodePicture {
            node: NodeId(0),
            surfaces: vec![qtvr_format::assemble::Surface {
                geometry: Geometry::Flat,
                image: grey,
                hotspots: None,
            }],
            warnings: Vec::new(),
        };
        if self
            .set_picture(gpu, stand_in, &[], UploadOptions::default())
            .is_err()
        {
            return false;
        }
        let target = target_texture(gpu, [1, 1], format, wgpu::TextureUsages::empty());
        let view = target.create_view(&Default::default());
        let mut enc = gpu.device.create_command_encoder(&Default::default());
        let to = DrawTarget::whole(&view, format, [1, 1]);
        let shot = Shot::Flat {
            zoom: 1.0,
            centre: [0.0, 0.0],
        };
        let _ = self.draw_variant(gpu, &mut enc, &to, &shot, false, variant);
        gpu.queue.submit([enc.finish()]);
        let _ = gpu.device.poll(wgpu::PollType::wait_indefinitely());
        self.scene = None;
        true
    }

    /// Uploads a node's pictures (replacing the previous node's). `hotspot_ids`
    /// are the IDs the overlay shows (empty: every non-zero value of the map).
    pub fn set_picture(
        &mut self,
        gpu: &Gpu,
        mut picture: NodePicture,
        hotspot_ids: &[HotspotId],
        opts: UploadOptions,
    ) -> Result<(), RenderError> {
        self.pending = None;
        let (mut layout, hs_layout) = plan_pages(gpu, &picture, opts, &self.limits)?;
        let maps: Vec<Option<&IdImage>> = picture
            .surfaces
            .iter()
            .map(|s| s.hotspots.as_ref())
            .collect();
        let id_layers = pages::id_layers(&maps, &hs_layout);

        // The device may refuse textures this large (or run out of memory):
        // that is an error for this picture, not a crash.
        let oom = gpu.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let invalid = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let img = pages_texture(gpu, &layout);
        // The layers the first view shows, or all. Small nodes are made
        // whole: leaving layers for later saves them little time, and their
        // pictures, kept until then, would weigh more beside their textures.
        let large = texture_bytes(&layout, 4, true) >= DEFER_MIN_BYTES;
        let mut first: Vec<bool> = match opts.first_view {
            Some((Shot::Perspective(v), [w, h])) if large => {
                let basis = Rays::new(Shot::Perspective(v), w, h).perspective_basis();
                pages::shown_layers(&picture, &layout, basis)
            }
            _ => vec![true; layout.layers as usize],
        };
        // The shown surfaces' layers numbered first, and the first frames
        // bound to a view of those alone: a texture view that reaches layers
        // not yet written would have wgpu clear them before the first draw
        // (its lazy zeroing; 25–30 ms for the 1800² cube's three on
        // lavapipe), only for them to be written right after. Not on GL,
        // whose texture views cannot start or end inside an array.
        let mut made_layers = None;
        if first.iter().any(|shown| !shown) && !is_gl(gpu) {
            let mut shown = vec![false; picture.surfaces.len()];
            for ((s, _, _), _) in pages::layer_jobs(&layout)
                .into_iter()
                .zip(&first)
                .filter(|(_, f)| **f)
            {
                if let Some(v) = shown.get_mut(s) {
                    *v = true;
                }
            }
            let front = pages::put_first(&mut layout, &shown);
            first = (0..layout.layers).map(|z| z < front).collect();
            // (None shown, which no view gives: all made now.)
            made_layers = (front > 0).then_some(front);
            if front == 0 {
                first = vec![true; first.len()];
            }
        }
        let rest = first.iter().any(|shown| !shown);
        write_layers(gpu, &img, &mut picture, &layout, &first, !rest);
        let hs = upload_hotspot_pages(gpu, &hs_layout, &id_layers);
        let data = surface_data(&picture, &layout, &hs_layout);
        let row_bytes = std::mem::size_of::<SurfaceRow>() as u32;
        gpu.queue.write_texture(
            self.surface_tex.as_image_copy(),
            bytemuck::cast_slice(&data),
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(row_bytes),
                rows_per_image: None,
            },
            wgpu::Extent3d {
                width: SURFACE_TEXELS,
                height: MAX_SURFACES as u32,
                depth_or_array_layers: 1,
            },
        );
        let faces = face_table(&picture);
        let kinds = picture.surfaces.iter().fold(0, |k, s| {
            k | match s.geometry {
                Geometry::Cylinder { .. } => 1,
                Geometry::Plane(_) => 2,
                Geometry::Flat => 0,
            }
        });
        let bind_group = self.bind_group(gpu, &img, &hs, made_layers.filter(|_| rest));

        let failed = [
            pollster::block_on(invalid.pop()),
            pollster::block_on(oom.pop()),
        ];
        if let Some(e) = failed.into_iter().flatten().next() {
            return Err(RenderError::TooLarge(format!(
                "node {}: the graphics device cannot hold its pictures: {e}",
                picture.node
            )));
        }
        let hs_mask = hotspot_mask(hotspot_ids);
        // The pictures the layers still to make need, moved out.
        if rest {
            let surfaces = picture
                .surfaces
                .iter_mut()
                .map(|s| {
                    let empty = RgbaImage::new(s.image.width, s.image.height, Vec::new());
                    qtvr_format::assemble::Surface {
                        geometry: s.geometry,
                        image: std::mem::replace(&mut s.image, empty),
                        hotspots: None,
                    }
                })
                .collect();
            self.pending = Some(Pending {
                texture: img.clone(),
                hotspots: made_layers.map(|_| hs.clone()),
                layout: layout.clone(),
                picture: NodePicture {
                    node: picture.node,
                    surfaces,
                    warnings: Vec::new(),
                },
                made: first,
            });
        }
        // Keep only what picking needs.
        let mut pick = picture;
        for s in &mut pick.surfaces {
            s.image.release();
        }
        let texture_bytes = texture_bytes(&layout, 4, true) + texture_bytes(&hs_layout, 1, false);
        // An object's frame on one page (not on GL, whose views cannot
        // pick one layer of an array).
        let flat = match (&pick.surfaces[..], &layout.surfaces[..]) {
            ([s], [p]) if s.geometry == Geometry::Flat && p.pages == [1, 1] && !is_gl(gpu) => {
                Some(self.blit.frame(gpu, &img, p.first_layer))
            }
            _ => None,
        };
        self.scene = Some(Uploaded {
            bind_group,
            faces,
            kinds,
            layer: [layout.layer[0], layout.layer[1], layout.gutter],
            hs_mask,
            texture_bytes,
            pick,
            flat,
        });
        Ok(())
    }

    /// Whether some of the node's layers are still to be made
    /// ([`UploadOptions::first_view`]).
    pub fn upload_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Makes the layers [`Self::set_picture`] left for later (after the
    /// device has finished drawing what it was given: the first frame is
    /// not slowed by them), and frees the pictures.
    pub fn finish_upload(&mut self, gpu: &Gpu) {
        let Some(mut p) = self.pending.take() else {
            return;
        };
        let _ = gpu.device.poll(wgpu::PollType::wait_indefinitely());
        let rest: Vec<bool> = p.made.iter().map(|made| !made).collect();
        write_layers(gpu, &p.texture, &mut p.picture, &p.layout, &rest, true);
        // Every layer is written: bound whole from now on.
        if let Some(hs) = &p.hotspots {
            let whole = self.bind_group(gpu, &p.texture, hs, None);
            if let Some(scene) = &mut self.scene {
                scene.bind_group = whole;
            }
        }
    }

    /// Makes the layers left for later first if `shot` on a target of
    /// `size` shows any of them.
    fn upload_for(&mut self, gpu: &Gpu, shot: &Shot, size: [u32; 2]) {
        let Some(p) = &self.pending else { return };
        let covered = match shot {
            Shot::Perspective(_) => {
                let basis = Rays::new(*shot, size[0], size[1]).perspective_basis();
                let shown = pages::shown_layers(&p.picture, &p.layout, basis);
                shown.iter().zip(&p.made).all(|(s, m)| *m || !s)
            }
            _ => false,
        };
        if !covered {
            self.finish_upload(gpu);
        }
    }

    /// Bytes of the node's textures on the device (image pages with their
    /// mip chains, hot spot pages); 0 before a picture is set.
    pub fn texture_bytes(&self) -> u64 {
        self.scene.as_ref().map_or(0, |s| s.texture_bytes)
    }

    /// The bind group of a node's image and hot spot pages (with the
    /// renderer's buffers and sampler): the image pages' first `img_layers`
    /// layers, or all.
    fn bind_group(
        &self,
        gpu: &Gpu,
        img: &wgpu::Texture,
        hs: &wgpu::Texture,
        img_layers: Option<u32>,
    ) -> wgpu::BindGroup {
        let view = |t: &wgpu::Texture, layers: Option<u32>| {
            t.create_view(&wgpu::TextureViewDescriptor {
                dimension: Some(wgpu::TextureViewDimension::D2Array),
                array_layer_count: layers,
                ..Default::default()
            })
        };
        let (img_view, hs_view) = (view(img, img_layers), view(hs, None));
        let surfaces = self.surface_tex.create_view(&Default::default());
        gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("panorama"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: self.globals.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&surfaces),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::TextureView(&img_view),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: wgpu::BindingResource::Sampler(&self.sampler),
                },
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: wgpu::BindingResource::TextureView(&hs_view),
                },
            ],
        })
    }

    /// The node whose pictures are uploaded.
    pub fn node(&self) -> Option<NodeId> {
        self.scene.as_ref().map(|s| s.pick.node)
    }

    /// Records drawing `shot` into `target`, with the hot spot overlay when
    /// `hotspots` is set.
    pub fn draw_into(
        &mut self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        target: &DrawTarget<'_>,
        shot: &Shot,
        hotspots: bool,
    ) -> Result<(), RenderError> {
        let variant = self.variant(shot, hotspots)?;
        self.draw_variant(gpu, encoder, target, shot, hotspots, variant)
    }

    /// [`Self::draw_into`] with the shader specialised as `variant` says.
    fn draw_variant(
        &mut self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        target: &DrawTarget<'_>,
        shot: &Shot,
        hotspots: bool,
        variant: Variant,
    ) -> Result<(), RenderError> {
        self.upload_for(gpu, shot, target.full);
        let globals = self.globals_for(shot, target, hotspots)?;
        gpu.queue
            .write_buffer(&self.globals, 0, bytemuck::bytes_of(&globals));
        let i = self.pipeline(gpu, target.format, variant);
        let pipeline = &self.pipelines[i].1;
        let scene = self.scene.as_ref().ok_or(RenderError::NoPicture)?;
        let mut pass = colour_pass(encoder, "panorama", target.view, wgpu::Color::BLACK);
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &scene.bind_group, &[]);
        pass.draw(0..3, 0..1);
        Ok(())
    }

    /// Records drawing `shot` into `target` at `scale` of its resolution
    /// (motion quality, [`crate::viewer::quality`]): drawn at
    /// [`reduced_size`] into an intermediate texture, then scaled up to the
    /// whole target. At a scale of 1 (or for a part of a larger picture) this
    /// is [`Self::draw_into`]. An object's frame, magnified at least 1:1 on
    /// one page with hot spots not shown, is drawn straight onto the target
    /// at any scale under 1 (`motion::Blit`: the frame is already the
    /// small picture); otherwise at [`crate::view::MOVING_FULL_SIZE`] or
    /// above, in full.
    pub fn draw_scaled_into(
        &mut self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        target: &DrawTarget<'_>,
        shot: &Shot,
        hotspots: bool,
        scale: f32,
    ) -> Result<(), RenderError> {
        let small = reduced_size(target.full, scale);
        if small == target.full || target.offset != [0, 0] {
            return self.draw_into(gpu, encoder, target, shot, hotspots);
        }
        let flat = matches!(shot, Shot::Flat { .. });
        if flat
            && !hotspots
            && let Some(quad) = self.flat_quad(shot, target.full)
        {
            let scene = self.scene.as_ref().ok_or(RenderError::NoPicture)?;
            if let Some(frame) = &scene.flat {
                let n = |c: u8| f64::from(c) / 255.0;
                let clear = wgpu::Color {
                    r: n(NEUTRAL[0]),
                    g: n(NEUTRAL[1]),
                    b: n(NEUTRAL[2]),
                    a: 1.0,
                };
                self.blit.draw(gpu, encoder, target, frame, &quad, clear);
                return Ok(());
            }
        }
        // An object's frame marked moving that cannot be drawn straight:
        // in full, unless the frames are slow enough to draw it smaller.
        if flat && scale >= crate::view::MOVING_FULL_SIZE {
            return self.draw_into(gpu, encoder, target, shot, hotspots);
        }
        let scratch = self.upscaler.scratch(gpu, small, target.format).clone();
        let reduced = DrawTarget::whole(&scratch, target.format, small);
        self.draw_into(gpu, encoder, &reduced, shot, hotspots)?;
        self.upscaler.upscale(gpu, encoder, target.view);
        Ok(())
    }

    /// Where an object's frame lies on a target of size `full` for `shot`,
    /// when it is drawn at least 1:1 (magnified: no mip level needed) and on
    /// one page: the rectangle whose pixels the object shader maps inside
    /// the frame, with the same texture coordinates at each pixel centre.
    fn flat_quad(&self, shot: &Shot, full: [u32; 2]) -> Option<motion::Quad> {
        let Shot::Flat { zoom, centre } = *shot else {
            return None;
        };
        let scene = self.scene.as_ref()?;
        scene.flat.as_ref()?;
        let image = &scene.pick.surfaces.first()?.image;
        let (fw, fh) = (f64::from(image.width), f64::from(image.height));
        let (tw, th) = (f64::from(full[0]), f64::from(full[1]));
        let scale = flat_scale(zoom, tw, th, image.width, image.height);
        if !(scale >= 1.0 && scale.is_finite()) {
            return None;
        }
        // Target pixel x of frame texel coordinate u (the shader's inverse).
        let x = |u: f64| tw / 2.0 + (u - fw / 2.0 - f64::from(centre[0])) * scale;
        let y = |v: f64| th / 2.0 + (v - fh / 2.0 - f64::from(centre[1])) * scale;
        let [lw, lh] = scene.layer[..2].try_into().ok()?;
        let [lw, lh, g] = [f64::from(lw), f64::from(lh), f64::from(scene.layer[2])];
        let quad = motion::Quad {
            pos: [
                2.0 * x(0.0) / tw - 1.0,
                1.0 - 2.0 * y(0.0) / th,
                2.0 * x(fw) / tw - 1.0,
                1.0 - 2.0 * y(fh) / th,
            ]
            .map(|c| c as f32),
            uv: [g / lw, g / lh, (g + fw) / lw, (g + fh) / lh].map(|c| c as f32),
        };
        quad.pos.iter().all(|c| c.is_finite()).then_some(quad)
    }

    fn globals_for(
        &self,
        shot: &Shot,
        target: &DrawTarget<'_>,
        hotspots: bool,
    ) -> Result<Globals, RenderError> {
        let (full, offset) = (target.full, target.offset);
        let scene = self.scene.as_ref().ok_or(RenderError::NoPicture)?;
        let rays = Rays::new(*shot, full[0], full[1]);
        let [fwd, right, up] = rays
            .perspective_basis()
            .map(|v| [v[0] as f32, v[1] as f32, v[2] as f32, 0.0]);
        let (mode, flat) = match *shot {
            Shot::Perspective(_) => (0, [1.0, 0.0, 0.0, 0.0]),
            Shot::Equirect => (1, [1.0, 0.0, 0.0, 0.0]),
            Shot::Flat { zoom, centre } => {
                let s = &scene.pick.surfaces;
                let (fw, fh) = s
                    .first()
                    .map_or((1, 1), |s| (s.image.width, s.image.height));
                let scale = flat_scale(zoom, f64::from(full[0]), f64::from(full[1]), fw, fh);
                (2, [scale as f32, centre[0], centre[1], 0.0])
            }
        };
        let n = |c: u8| f32::from(c) / 255.0;
        Ok(Globals {
            fwd,
            right,
            up,
            dest: [
                full[0] as f32,
                full[1] as f32,
                offset[0] as f32,
                offset[1] as f32,
            ],
            mode: [
                mode,
                scene.pick.surfaces.len() as u32,
                u32::from(hotspots),
                u32::from(scene.faces.is_some()),
            ],
            obj: flat,
            neutral: [n(NEUTRAL[0]), n(NEUTRAL[1]), n(NEUTRAL[2]), 1.0],
            layer: [
                scene.layer[0] as f32,
                scene.layer[1] as f32,
                scene.layer[2] as f32,
                0.0,
            ],
            faces: {
                let [a, b] = scene.faces.map_or([0, 0], |f| f.words);
                [a, b, 0, 0]
            },
            hs_mask: scene.hs_mask,
        })
    }

    /// Renders `shot` offscreen into a `width`×`height` RGBA picture (in tiles
    /// when it is larger than the adapter allows one target to be).
    pub fn render_image(
        &mut self,
        gpu: &Gpu,
        shot: &Shot,
        width: u32,
        height: u32,
        hotspots: bool,
    ) -> Result<RgbaImage, RenderError> {
        self.render_image_scaled(gpu, shot, width, height, hotspots, 1.0)
    }

    /// [`Self::render_image`] as a moving window frame draws it: at `scale`
    /// of the resolution, scaled up ([`Self::draw_scaled_into`]; pictures
    /// larger than one target are drawn at full resolution).
    pub fn render_image_scaled(
        &mut self,
        gpu: &Gpu,
        shot: &Shot,
        width: u32,
        height: u32,
        hotspots: bool,
        scale: f32,
    ) -> Result<RgbaImage, RenderError> {
        if width == 0 || height == 0 {
            return Err(RenderError::TooLarge(
                "the picture size must not be zero".into(),
            ));
        }
        let bytes = u64::from(width) * u64::from(height) * 4;
        if bytes > self.limits.picture_max_bytes {
            return Err(RenderError::TooLarge(format!(
                "a {width}x{height} picture is too large"
            )));
        }
        let tile = gpu.device.limits().max_texture_dimension_2d.min(4096);
        let mut out = vec![0u8; bytes as usize];
        let mut y0 = 0;
        while y0 < height {
            let th = tile.min(height - y0);
            let mut x0 = 0;
            while x0 < width {
                let tw = tile.min(width - x0);
                let px = self.render_tile(
                    gpu,
                    shot,
                    [width, height],
                    [x0, y0],
                    [tw, th],
                    hotspots,
                    scale,
                )?;
                for row in 0..th as usize {
                    let d = ((y0 as usize + row) * width as usize + x0 as usize) * 4;
                    out[d..d + tw as usize * 4]
                        .copy_from_slice(&px[row * tw as usize * 4..(row + 1) * tw as usize * 4]);
                }
                x0 += tw;
            }
            y0 += th;
        }
        Ok(RgbaImage::new(width, height, out))
    }

    #[allow(clippy::too_many_arguments)] // the tile's place and the drawing's options
    fn render_tile(
        &mut self,
        gpu: &Gpu,
        shot: &Shot,
        full: [u32; 2],
        offset: [u32; 2],
        size: [u32; 2],
        hotspots: bool,
        scale: f32,
    ) -> Result<Vec<u8>, RenderError> {
        let format = wgpu::TextureFormat::Rgba8Unorm;
        let texture = target_texture(gpu, size, format, wgpu::TextureUsages::COPY_SRC);
        let view = texture.create_view(&Default::default());
        let row = 4 * size[0];
        let padded =
            row.div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: u64::from(padded) * u64::from(size[1]),
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("offscreen"),
            });
        let target = DrawTarget {
            view: &view,
            format,
            full,
            offset,
        };
        if size == full {
            self.draw_scaled_into(gpu, &mut encoder, &target, shot, hotspots, scale)?;
        } else {
            self.draw_into(gpu, &mut encoder, &target, shot, hotspots)?;
        }
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(padded),
                    rows_per_image: Some(size[1]),
                },
            },
            wgpu::Extent3d {
                width: size[0],
                height: size[1],
                depth_or_array_layers: 1,
            },
        );
        gpu.queue.submit([encoder.finish()]);
        let slice = buffer.slice(..);
        let (tx, rx) = mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        gpu.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| RenderError::Readback(e.to_string()))?;
        rx.recv()
            .map_err(|e| RenderError::Readback(e.to_string()))?
            .map_err(|e| RenderError::Readback(e.to_string()))?;
        let mapped = slice
            .get_mapped_range()
            .map_err(|e| RenderError::Readback(e.to_string()))?;
        let mut out = Vec::with_capacity((row * size[1]) as usize);
        for r in 0..size[1] as usize {
            out.extend_from_slice(&mapped[r * padded as usize..r * padded as usize + row as usize]);
        }
        drop(mapped);
        buffer.unmap();
        Ok(out)
    }

    /// The hot spot ID under pixel (x, y) of a `width`×`height` target showing
    /// `shot`, through the same projection as the shader (on the CPU). `None`
    /// when no hot spot (of those the overlay shows) is there.
    pub fn hotspot_at(
        &self,
        shot: &Shot,
        width: u32,
        height: u32,
        x: f64,
        y: f64,
    ) -> Option<HotspotId> {
        let scene = self.scene.as_ref()?;
        let id = pick(&scene.pick, shot, width, height, x, y)?;
        let bit = scene.hs_mask[(id.0 / 32) as usize] >> (id.0 % 32) & 1;
        (bit == 1).then_some(id)
    }
}

/// The page layouts of a node's pictures and of its hot spot maps, or why
/// they cannot be uploaded (too many surfaces, more than the budget).
fn plan_pages(
    gpu: &Gpu,
    picture: &NodePicture,
    opts: UploadOptions,
    budget: &Limits,
) -> Result<(pages::PageLayout, pages::PageLayout), RenderError> {
    if picture.surfaces.len() > MAX_SURFACES {
        return Err(RenderError::TooLarge(format!(
            "node {} has {} separate pictures; at most {MAX_SURFACES} can be drawn",
            picture.node,
            picture.surfaces.len()
        )));
    }
    let limits = gpu.device.limits();
    let max_side = opts
        .max_texture_side
        .unwrap_or(u32::MAX)
        .min(limits.max_texture_dimension_2d);
    let sizes: Vec<[u32; 2]> = picture
        .surfaces
        .iter()
        .map(|s| [s.image.width, s.image.height])
        .collect();
    // GL may need a layer more than the pages ([`array_layers`]).
    let max_layers = limits
        .max_texture_array_layers
        .saturating_sub(u32::from(is_gl(gpu)))
        .min(budget.upload_max_layers);
    let layout =
        pages::plan(&sizes, max_side, max_layers, pages::GUTTER).map_err(RenderError::TooLarge)?;
    // Refuse what cannot fit before building the layers on the CPU.
    budget
        .check_upload(layout.layers, layout.layer[0], layout.layer[1])
        .map_err(|limit| RenderError::OverLimit {
            node: picture.node.into(),
            limit,
        })?;
    let hs_sizes: Vec<[u32; 2]> = picture
        .surfaces
        .iter()
        .map(|s| s.hotspots.as_ref().map_or([1, 1], |m| [m.width, m.height]))
        .collect();
    let hs_layout =
        pages::plan(&hs_sizes, max_side, max_layers, 0).map_err(RenderError::TooLarge)?;
    Ok((layout, hs_layout))
}

/// Makes a node's image pages (gutters, mip chains) and uploads them one
/// layer at a time (its rows made in parallel), each dropped once written;
/// the bands of rows go through one reused staging buffer
/// ([`upload::Stager`]). Each surface's picture is freed once its last page
/// is made, so the pictures shrink as the textures grow: the pictures, the
/// pages and their staging copies never exist all at once.
///
/// Only the layers `which` says are made (in [`pages::layer_jobs`]' order);
/// with `free`, every surface's picture is freed once its last layer is
/// made (without, the pictures are kept for the layers still to make).
fn write_layers(
    gpu: &Gpu,
    img: &wgpu::Texture,
    picture: &mut NodePicture,
    layout: &pages::PageLayout,
    which: &[bool],
    free: bool,
) {
    let [lw, lh] = layout.layer;
    let levels = img.mip_level_count();
    // Through reused staging buffers sized to the upload (`upload`), a band
    // of rows at a time.
    let count = which.iter().filter(|w| **w).count() as u64;
    let need = texture_bytes(layout, 4, true) / u64::from(layout.layers.max(1)) * count;
    let mut stager = upload::Stager::new(gpu, need);
    let parallel = need >= pages::PARALLEL_MIN_BYTES;
    // Each layer's level 0 is made a band of rows at a time (rows in
    // parallel) into one reused buffer, written, and halved into level 1,
    // from which the smaller levels are made: a layer is never held whole,
    // and no fresh memory is touched for it. Each surface's picture is freed
    // once its last layer is made (cube faces' gutters come from rings taken
    // from their neighbours first).
    let (w, h) = (lw as usize, lh as usize);
    // Even, so that each band holds both source rows of its level-1 rows.
    let band_rows = ((upload::STAGING_BYTES as usize / (w * 4)).max(2) & !1).min(h.max(2));
    let mut band = vec![0u8; band_rows * w * 4];
    let (w1, h1) = pages::halved(w, h);
    let mut level1 = if levels > 1 {
        vec![0u8; w1 * h1 * 4]
    } else {
        Vec::new()
    };
    let jobs = pages::layer_jobs(layout);
    // Rings of the faces with layers to make.
    let mut wanted = vec![false; picture.surfaces.len()];
    for (&(s, _, _), _) in jobs.iter().zip(which).filter(|(_, w)| **w) {
        if let Some(w) = wanted.get_mut(s) {
            *w = true;
        }
    }
    let rings = pages::gutter_rings_of(picture, layout, &wanted);
    let last_job = |s: usize| jobs.iter().zip(which).rposition(|(j, w)| *w && j.0 == s);
    if free {
        // Pictures with nothing left to make (their rings are taken).
        for (s, surface) in picture.surfaces.iter_mut().enumerate() {
            if last_job(s).is_none() {
                surface.image.release();
            }
        }
    }
    for (z, &(s, px, py)) in jobs.iter().enumerate() {
        if which.get(z) != Some(&true) {
            continue;
        }
        let (Some(surface), Some(sp)) = (picture.surfaces.get(s), layout.surfaces.get(s)) else {
            continue;
        };
        let mut first = 0;
        while first < h {
            let n = band_rows.min(h - first);
            let rows = &mut band[..n * w * 4];
            let ring = rings[s].as_ref();
            pages::image_rows(surface, ring, layout, sp, (px, py), first, rows, parallel);
            stager.write(img, z as u32, 0, lw, first as u32, rows);
            if levels > 1 {
                let out = pages::halved_rows(first, n, h);
                if let Some(dst) = level1.get_mut(out.start * w1 * 4..out.end * w1 * 4) {
                    pages::halve_rows(rows, first, w, h, out.start, dst, parallel);
                }
            }
            first += n;
        }
        if free
            && last_job(s) == Some(z)
            && let Some(surface) = picture.surfaces.get_mut(s)
        {
            surface.image.release();
        }
        if levels > 1 {
            stager.write(img, z as u32, 1, w1 as u32, 0, &level1);
            let chain = pages::mip_chain(&level1, w1 as u32, h1 as u32);
            for (level, (cw, _, d)) in chain.into_iter().enumerate() {
                stager.write(img, z as u32, level as u32 + 2, cw, 0, &d);
            }
        }
    }
    stager.finish();
}

/// The texture array of a node's image pages: `layout`'s layers (with
/// [`array_layers`]' extra one on GL), mip levels down to 1×1 as
/// `pages::mip_chain` makes them.
fn pages_texture(gpu: &Gpu, layout: &pages::PageLayout) -> wgpu::Texture {
    let [lw, lh] = layout.layer;
    let levels = 32 - lw.max(lh).max(1).leading_zeros();
    gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("panorama pages"),
        size: wgpu::Extent3d {
            width: lw,
            height: lh,
            depth_or_array_layers: array_layers(gpu, layout.layers, layout.layer),
        },
        mip_level_count: levels,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba8Unorm,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    })
}

/// The texture bytes from which a node's layers that its first view does
/// not show are left for later ([`UploadOptions::first_view`]).
const DEFER_MIN_BYTES: u64 = 32 << 20;

/// A node's image layers left for later ([`UploadOptions::first_view`]).
struct Pending {
    texture: wgpu::Texture,
    /// The hot spot pages, where the node is bound to its made layers alone
    /// until the rest are made (then bound whole).
    hotspots: Option<wgpu::Texture>,
    layout: pages::PageLayout,
    /// The surfaces' geometry and pictures (no hot spots).
    picture: NodePicture,
    /// Which layers are made.
    made: Vec<bool>,
}

/// Whether `gpu` draws through GL (wgpu's GLES backend).
fn is_gl(gpu: &Gpu) -> bool {
    gpu.adapter.get_info().backend == wgpu::Backend::Gl
}

/// The layers to make a texture array of `layers` pages of `size` with.
/// GL textures have no separate array kind: wgpu's GL backend guesses it
/// from the shape (one layer: a plain 2D texture; 6·n square layers: a cube
/// map), and a 2D-array view of a texture guessed otherwise samples as
/// black. So on GL such arrays get one layer more, never written or read
/// (on a software adapter never touched either); elsewhere, as many as the
/// pages.
fn array_layers(gpu: &Gpu, layers: u32, [w, h]: [u32; 2]) -> u32 {
    let guessed_otherwise = layers == 1 || (layers.is_multiple_of(6) && w == h);
    if is_gl(gpu) && guessed_otherwise {
        layers + 1
    } else {
        layers
    }
}

/// Bytes of a texture array of `layout`'s layers, `bpp` bytes a texel, with
/// or without mip levels down to 1×1.
fn texture_bytes(layout: &pages::PageLayout, bpp: u64, mips: bool) -> u64 {
    let [mut w, mut h] = layout.layer.map(u64::from);
    let mut bytes = 0u64;
    loop {
        bytes = bytes.saturating_add(w * h * bpp * u64::from(layout.layers));
        if !mips || (w == 1 && h == 1) {
            return bytes;
        }
        (w, h) = ((w / 2).max(1), (h / 2).max(1));
    }
}

fn upload_hotspot_pages(
    gpu: &Gpu,
    hs_layout: &pages::PageLayout,
    id_layers: &[Vec<u8>],
) -> wgpu::Texture {
    let hs = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("hot spot pages"),
        size: wgpu::Extent3d {
            width: hs_layout.layer[0],
            height: hs_layout.layer[1],
            depth_or_array_layers: array_layers(gpu, hs_layout.layers, hs_layout.layer),
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::R8Uint,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    for (i, l) in id_layers.iter().enumerate() {
        gpu.queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &hs,
                mip_level: 0,
                origin: wgpu::Origin3d {
                    x: 0,
                    y: 0,
                    z: i as u32,
                },
                aspect: wgpu::TextureAspect::All,
            },
            l,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(hs_layout.layer[0]),
                rows_per_image: Some(hs_layout.layer[1]),
            },
            wgpu::Extent3d {
                width: hs_layout.layer[0],
                height: hs_layout.layer[1],
                depth_or_array_layers: 1,
            },
        );
    }
    hs
}

/// The shader's surface texture: a row per surface with its geometry and
/// where its image and hot spot pages lie (the rest zeroed).
fn surface_data(
    picture: &NodePicture,
    layout: &pages::PageLayout,
    hs_layout: &pages::PageLayout,
) -> Vec<SurfaceRow> {
    let mut data = vec![[[0.0f32; 4]; SURFACE_TEXELS as usize]; MAX_SURFACES];
    let f = |v: [u32; 4]| v.map(|x| x as f32);
    for (i, s) in picture.surfaces.iter().enumerate() {
        let sp = layout.surfaces[i];
        let hp = hs_layout.surfaces[i];
        let (kind, q, p, c) = match s.geometry {
            Geometry::Cylinder { pan, wraps } => (
                0,
                [0.0; 4],
                [pan[1], pan[1] - pan[0], if wraps { 1.0 } else { 0.0 }, 0.0],
                [0.0; 4],
            ),
            Geometry::Plane(pl) => (
                1,
                pl.rotation,
                [pl.focal, pl.aspect, pl.skew, 0.0],
                [pl.centre[0], pl.centre[1], 0.0, 0.0],
            ),
            Geometry::Flat => (2, [0.0; 4], [0.0; 4], [0.0; 4]),
        };
        let m = s.hotspots.as_ref();
        data[i] = [
            f([kind, sp.first_layer, sp.pages[0], sp.pages[1]]),
            [
                s.image.width as f32,
                s.image.height as f32,
                sp.page_size[0] as f32,
                sp.page_size[1] as f32,
            ],
            q,
            p,
            c,
            f([
                u32::from(m.is_some()),
                hp.first_layer,
                hp.pages[0],
                hp.pages[1],
            ]),
            [
                m.map_or(1.0, |m| m.width as f32),
                m.map_or(1.0, |m| m.height as f32),
                hp.page_size[0] as f32,
                hp.page_size[1] as f32,
            ],
        ];
    }
    data
}

/// The direction (0..6: +X, −X, +Y, −Y, +Z, −Z) a plane faces, when it faces
/// along an axis (within about 0.3°): where a ray along that axis meets it.
fn axis_of(rotation: [f32; 4]) -> Option<usize> {
    // The plane's forward axis: its local +Z rotated into the world
    // (the shader tests rays by rotating them the other way).
    let [w, x, y, z] = rotation.map(f64::from);
    let n = (w * w + x * x + y * y + z * z).sqrt();
    if n.is_nan() || n <= 1e-9 {
        return None;
    }
    let (w, x, y, z) = (w / n, x / n, y / n, z / n);
    let fwd = [
        2.0 * (x * z + w * y),
        2.0 * (y * z - w * x),
        1.0 - 2.0 * (x * x + y * y),
    ];
    let (axis, v) = fwd
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
    (v.abs() > 0.99998).then_some(2 * axis + usize::from(*v < 0.0))
}

/// The face table of a cube whose every surface is a plane facing its own
/// axis direction (standard cubes, and tiled ones whose tiles were joined
/// into faces): for each direction, 1 + the surface facing it (0 for none),
/// a byte each, as the shader reads it. `None` otherwise: the shader then
/// tests the surfaces in turn. A ray can only meet the faces its components'
/// signs point to, so the shader tests those three and keeps the first in
/// the node's order that it meets: the surface testing them all in turn
/// would find; for a [`FaceTable::cube`], only the one its largest
/// component points to.
fn face_table(picture: &NodePicture) -> Option<FaceTable> {
    let mut first = [0u32; 6];
    let mut cube = true;
    for (i, s) in picture.surfaces.iter().enumerate() {
        let Geometry::Plane(pl) = s.geometry else {
            return None;
        };
        let d = axis_of(pl.rotation)?;
        if first[d] != 0 {
            return None;
        }
        first[d] = u32::try_from(i + 1).ok()?;
        cube &= covers_its_quarter(&pl, d, s.image.width, s.image.height);
    }
    if first.iter().all(|&k| k == 0) {
        return None;
    }
    let word = |ks: &[u32]| {
        ks.iter()
            .enumerate()
            .fold(0u32, |w, (b, &k)| w | k << (8 * b))
    };
    Some(FaceTable {
        words: [word(&first[..4]), word(&first[4..])],
        cube: cube && first.iter().all(|&k| k != 0),
    })
}

/// [`face_table`]'s answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FaceTable {
    /// The shader's `faces`: byte d is 1 + the surface facing direction d.
    words: [u32; 2],
    /// Every direction has a face and each [`covers_its_quarter`]: a ray
    /// meets the face its largest component points to (the shader's `CUBE`).
    cube: bool,
}

/// Whether a plane facing direction `d` (+X, −X, +Y, −Y, +Z, −Z), showing a
/// `w`×`h` picture, covers the whole quarter of the sphere whose rays have
/// their largest component along `d`, and at most 1.5 texels more on each
/// side: a standard cube's face (whose edge texels' centres lie on the
/// quarter's edges, so that its picture reaches half a texel beyond). The
/// shader then takes the face a ray's largest component points to; where
/// two faces' extra texels overlap (a texel wide at most) it shows that
/// face rather than the first in the node's order.
fn covers_its_quarter(plane: &qtvr_format::assemble::Plane, d: usize, w: u32, h: u32) -> bool {
    if w < 2 || h < 2 {
        return false;
    }
    let p = plane.projector(w, h);
    let (axis, sign) = (d / 2, if d.is_multiple_of(2) { 1.0 } else { -1.0 });
    let (a, b) = ((axis + 1) % 3, (axis + 2) % 3);
    let (fw, fh) = (f64::from(w), f64::from(h));
    let corners = [[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]];
    // The quarter's corners land on the picture.
    let covered = corners.iter().all(|&[s, t]| {
        let mut ray = [0.0; 3];
        ray[axis] = sign;
        ray[a] = s;
        ray[b] = t;
        p.texel_of_ray(ray)
            .is_some_and(|[u, v]| (0.0..=fw).contains(&u) && (0.0..=fh).contains(&v))
    });
    // The picture's corners lie within 1.5 texels of the quarter.
    let slack = 1.0 + 3.0 / fw.min(fh);
    let tight = corners.iter().all(|&[s, t]| {
        let r = p.ray_of_texel([(s + 1.0) / 2.0 * fw, (t + 1.0) / 2.0 * fh]);
        r[axis] * sign > 0.0 && r[a].abs().max(r[b].abs()) <= slack * r[axis].abs()
    });
    covered && tight
}

/// What a panorama pipeline's shader is specialised to (its override
/// constants): software rasterisers run every branch of a shader, taken or
/// not, so each pipeline leaves out what it does not draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Variant {
    /// 0 perspective, 1 equirect, 2 flat.
    projection: u32,
    /// Bits: 1 cylinders, 2 planes.
    kinds: u32,
    /// The face table is used.
    faces: bool,
    /// Only the face a ray's largest component points to is tested
    /// ([`FaceTable::cube`]).
    cube: bool,
    /// The node has one surface: no loop over surfaces.
    one: bool,
    /// The hot spot overlay is drawn.
    hotspots: bool,
}

impl Variant {
    fn constants(&self) -> [(&'static str, f64); 6] {
        [
            ("PROJECTION", f64::from(self.projection)),
            ("KINDS", f64::from(self.kinds)),
            ("FACES", f64::from(u8::from(self.faces))),
            ("CUBE", f64::from(u8::from(self.cube))),
            ("ONE", f64::from(u8::from(self.one))),
            ("HOTSPOTS", f64::from(u8::from(self.hotspots))),
        ]
    }
}

/// The index in `cache` of the pipeline for `key`, made by `make` on first use.
fn cached_pipeline<K: PartialEq>(
    cache: &mut Vec<(K, wgpu::RenderPipeline)>,
    key: K,
    make: impl FnOnce() -> wgpu::RenderPipeline,
) -> usize {
    match cache.iter().position(|(k, _)| *k == key) {
        Some(i) => i,
        None => {
            cache.push((key, make()));
            cache.len() - 1
        }
    }
}

/// A pipeline whose vertex shader makes its own vertices (`vs_main`, no
/// buffers) and whose fragment shader (`fs_main`) writes one colour target.
#[allow(clippy::too_many_arguments)] // a pipeline descriptor's parts
fn full_screen_pipeline(
    gpu: &Gpu,
    label: &str,
    layout: &wgpu::PipelineLayout,
    shader: &wgpu::ShaderModule,
    topology: wgpu::PrimitiveTopology,
    format: wgpu::TextureFormat,
    blend: Option<wgpu::BlendState>,
    constants: &[(&str, f64)],
) -> wgpu::RenderPipeline {
    gpu.device
        .create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some(label),
            layout: Some(layout),
            vertex: wgpu::VertexState {
                module: shader,
                entry_point: Some("vs_main"),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants,
                    ..Default::default()
                },
                buffers: &[],
            },
            primitive: wgpu::PrimitiveState {
                topology,
                ..Default::default()
            },
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: shader,
                entry_point: Some("fs_main"),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants,
                    ..Default::default()
                },
                targets: &[Some(wgpu::ColorTargetState {
                    format,
                    blend,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        })
}

/// A render pass into one colour target, cleared to `clear` first.
fn colour_pass<'e>(
    encoder: &'e mut wgpu::CommandEncoder,
    label: &str,
    view: &wgpu::TextureView,
    clear: wgpu::Color,
) -> wgpu::RenderPass<'e> {
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some(label),
        color_attachments: &[Some(wgpu::RenderPassColorAttachment {
            view,
            depth_slice: None,
            resolve_target: None,
            ops: wgpu::Operations {
                load: wgpu::LoadOp::Clear(clear),
                store: wgpu::StoreOp::Store,
            },
        })],
        depth_stencil_attachment: None,
        timestamp_writes: None,
        occlusion_query_set: None,
        multiview_mask: None,
    })
}

/// A 2D texture to draw into (`RENDER_ATTACHMENT` plus `usage`).
pub fn target_texture(
    gpu: &Gpu,
    size: [u32; 2],
    format: wgpu::TextureFormat,
    usage: wgpu::TextureUsages,
) -> wgpu::Texture {
    gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("target"),
        size: wgpu::Extent3d {
            width: size[0],
            height: size[1],
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | usage,
        view_formats: &[],
    })
}

/// The hot spot ID (non-zero) under a target position, whatever the overlay shows.
pub fn pick(
    picture: &NodePicture,
    shot: &Shot,
    width: u32,
    height: u32,
    x: f64,
    y: f64,
) -> Option<HotspotId> {
    let rays = Rays::new(*shot, width, height);
    let id = match rays.ray(x, y) {
        Some(ray) => picture.hotspot_at_ray(ray),
        None => {
            let s = picture.surfaces.first()?;
            let t = rays.flat_texel(x, y, s.image.width, s.image.height)?;
            if !s.contains(t) {
                return None;
            }
            s.hotspots.as_ref().map_or(0, |m| {
                m.at_normalized(
                    t[0] / f64::from(s.image.width),
                    t[1] / f64::from(s.image.height),
                )
            })
        }
    };
    (id != 0).then_some(HotspotId(u32::from(id)))
}

/// The overlay's ID bit mask: the given IDs, or every non-zero one.
fn hotspot_mask(ids: &[HotspotId]) -> [u32; 8] {
    let mut m = [0u32; 8];
    if ids.is_empty() {
        m = [u32::MAX; 8];
        m[0] &= !1;
    } else {
        for id in ids.iter().map(|id| id.0).filter(|id| (1..256).contains(id)) {
            m[(id / 32) as usize] |= 1 << (id % 32);
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use qtvr_format::assemble::{Plane, Surface};
    use qtvr_format::qtvr::scene::CubeFace;

    fn cube(faces: &[CubeFace], size: u32) -> NodePicture {
        NodePicture {
            node: NodeId(1),
            surfaces: faces
                .iter()
                .map(|f| Surface {
                    geometry: Geometry::Plane(Plane::from_cufa(f, size).expect("a plane")),
                    image: RgbaImage::new(size, size, Vec::new()),
                    hotspots: None,
                })
                .collect(),
            warnings: Vec::new(),
        }
    }

    /// The face the shader's `CUBE` path tests for a ray: the table's entry
    /// for the direction of its largest component (ties: x, then y).
    fn dominant_face(table: &FaceTable, r: [f64; 3]) -> Option<usize> {
        let m = r.map(f64::abs);
        let axis = if m[0] >= m[1] {
            if m[0] >= m[2] { 0 } else { 2 }
        } else if m[1] >= m[2] {
            1
        } else {
            2
        };
        let d = 2 * axis + usize::from(r[axis] <= 0.0);
        let word = table.words[d / 4];
        let k = (word >> (8 * (d % 4))) & 255;
        (k != 0).then(|| k as usize - 1)
    }

    #[test]
    fn standard_cubes_show_each_ray_on_the_face_its_largest_component_points_to() {
        for size in [2, 3, 64, 513, 1800] {
            let pic = cube(&CubeFace::standard(), size);
            let table = face_table(&pic).expect("a face table");
            assert!(table.cube, "{size}");
            // Every ray meets the one face the shader tests: rays spread
            // over the sphere, and rays along the faces' edges and corners.
            let mut rays: Vec<[f64; 3]> = Vec::new();
            for i in 0..4000 {
                let z = 1.0 - 2.0 * (i as f64 + 0.5) / 4000.0;
                let (rho, phi) = ((1.0 - z * z).sqrt(), i as f64 * 2.399_963);
                rays.push([rho * phi.cos(), z, rho * phi.sin()]);
            }
            for a in [-1.0, 1.0] {
                for b in [-1.0, 1.0] {
                    for t in [-1.0, -0.3, 0.0, 0.7, 1.0] {
                        rays.push([a, b, t]);
                        rays.push([a, t, b]);
                        rays.push([t, a, b]);
                    }
                }
            }
            for r in rays {
                let i = dominant_face(&table, r).expect("a face");
                let (s, [w, h]) = (&pic.surfaces[i], [size, size].map(f64::from));
                let Geometry::Plane(p) = s.geometry else {
                    unreachable!()
                };
                let [u, v] = p.texel_of_ray(r, size, size).expect("facing the ray");
                assert!(
                    (0.0..=w).contains(&u) && (0.0..=h).contains(&v),
                    "{size}: {r:?} on face {i} at {u}, {v}"
                );
            }
        }
    }

    #[test]
    fn cubes_whose_faces_do_not_fit_their_quarter_test_three_faces() {
        let standard = CubeFace::standard();
        let with = |i: usize, f: &dyn Fn(&mut CubeFace)| {
            let mut faces = standard;
            f(&mut faces[i]);
            face_table(&cube(&faces, 256))
        };
        // Wider than a quarter (focal 0.9 of a standard face's): overlaps.
        let wide = with(2, &|f| {
            f.orientation = f.orientation.map(|c| c * 0.9f32.sqrt())
        });
        // Narrower (focal 1.1×): gaps, which another face may fill.
        let narrow = with(2, &|f| {
            f.orientation = f.orientation.map(|c| c * 1.1f32.sqrt())
        });
        // Off centre by a tenth of a face.
        let shifted = with(4, &|f| f.center = [0.1, 0.0]);
        let skewed = with(0, &|f| f.skew = 0.05);
        let stretched = with(1, &|f| f.aspect = 1.1);
        for (name, t) in [
            ("wide", wide),
            ("narrow", narrow),
            ("shifted", shifted),
            ("skewed", skewed),
            ("stretched", stretched),
        ] {
            let t = t.expect("the faces still face the axes");
            assert!(!t.cube, "{name}");
        }
        // Five faces: a direction without one.
        let five = face_table(&cube(&standard[..5], 256)).expect("a table");
        assert!(!five.cube);
        // Within the slack (half a texel more on each side) still counts.
        let near = with(3, &|f| {
            let k = 127.0f32 / 127.5;
            f.orientation = f.orientation.map(|c| c * k.sqrt());
        });
        assert!(near.expect("a table").cube);
    }
}
