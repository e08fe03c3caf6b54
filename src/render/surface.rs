//! A window's drawing surface: the wgpu instance, surface and configuration
//! behind the viewer's window, so that the window shell ([`crate::app`])
//! needs no wgpu of its own.

use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::shared::{Handles, SharedPresenter};
use super::{Gpu, NEUTRAL};

/// The surface format most windows take ([`WindowSurface::new`]'s first
/// choice): what an [`EarlyDevice`]'s first pipeline is prepared for.
pub const LIKELY_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Bgra8Unorm;

/// A device made before its window exists, so that the two start side by
/// side: the Vulkan instance and device take longer than the connection to
/// the display and the window together. Its instance has no display
/// handle, which Vulkan (Metal, DX12) surfaces do not need; GL's do, so
/// where only GL is asked for ([`EarlyDevice::possible`]) or the adapter
/// cannot draw in the window ([`EarlyDevice::into_window`]), the window
/// makes its device the usual way ([`WindowSurface::new`]).
pub struct EarlyDevice {
    instance: wgpu::Instance,
    gpu: Gpu,
}

impl EarlyDevice {
    /// Whether the backends asked for (`WGPU_BACKEND`, default all) include
    /// one whose surfaces need no display handle at instance creation.
    pub fn possible() -> bool {
        wgpu::Backends::from_env().is_none_or(|b| b.intersects(EARLY_BACKENDS))
    }

    /// The instance (without a display handle) and a device on the adapter
    /// a window would be given.
    pub fn new() -> Result<EarlyDevice, String> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
        // Only the backends whose surfaces this device can draw in: GL's
        // start (EGL and its driver: about 7 ms of a 2-core machine's launch)
        // would be wasted, since a GL window makes its own instance.
        desc.backends &= EARLY_BACKENDS;
        let instance = wgpu::Instance::new(desc);
        let gpu = Gpu::from_instance(&instance, None).map_err(|e| e.to_string())?;
        Ok(EarlyDevice { instance, gpu })
    }

    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    /// The window's surface on this device, configured at `size`; an error
    /// when the surface cannot be made or the adapter cannot present to it.
    pub fn into_window(
        self,
        window: impl Into<wgpu::SurfaceTarget<'static>>,
        size: [u32; 2],
        shared: Option<Arc<dyn Handles>>,
    ) -> Result<(WindowSurface, Gpu), String> {
        let surface = self
            .instance
            .create_surface(window)
            .map_err(|e| format!("cannot draw in the window: {e}"))?;
        if surface
            .get_capabilities(&self.gpu.adapter)
            .formats
            .is_empty()
        {
            return Err("the adapter cannot draw in this window".into());
        }
        WindowSurface::configured(surface, self.gpu, size, shared)
    }
}

/// The backends whose window surfaces need no display handle when the
/// instance is made ([`EarlyDevice`]).
const EARLY_BACKENDS: wgpu::Backends = wgpu::Backends::VULKAN
    .union(wgpu::Backends::METAL)
    .union(wgpu::Backends::DX12);

/// How one window's frames are shown, with the device that draws into it.
pub struct WindowSurface {
    presenter: Presenter,
    /// A software adapter's window: its frames go through shared memory
    /// once [`Self::share`] is called (after the first frame, whose launch
    /// the presenter's making would delay).
    share_later: Option<Arc<dyn Handles>>,
    /// How long the device worked on the frames drawn.
    device_time: Arc<Mutex<DeviceTime>>,
}

/// Where a window's frames go.
enum Presenter {
    /// wgpu's swap chain.
    Surface {
        surface: wgpu::Surface<'static>,
        config: wgpu::SurfaceConfiguration,
        /// The surface was reconfigured after a lost or outdated frame and
        /// has not given a frame since (a second failure is fatal).
        reconfigured: bool,
    },
    /// A software adapter's frames, through the window system's shared
    /// memory ([`super::shared`]).
    Shared(SharedPresenter),
}

/// `QTVR_PRESENT=surface` keeps a software adapter's frames on wgpu's swap
/// chain (tests of that path; a window system where shared memory fails).
fn shared_wanted(gpu: &Gpu) -> bool {
    gpu.adapter.get_info().device_type == wgpu::DeviceType::Cpu
        && std::env::var("QTVR_PRESENT").map_or(true, |v| v != "surface")
}

/// When the device finished the last frame, and how long it was busy with
/// the latest frame it finished.
#[derive(Debug, Default)]
struct DeviceTime {
    last_done: Option<Instant>,
    busy: Option<Duration>,
}

/// What [`WindowSurface::acquire`] got.
pub enum Acquired {
    /// A frame to draw into, then [`WindowSurface::present`].
    Frame(Frame),
    /// No frame this time (timeout, occluded window): skip drawing; the next
    /// event (exposure, input, resize) draws again.
    Skip,
    /// The surface was lost or outdated and has been configured again: ask
    /// for another redraw.
    Reconfigured,
    /// The window can no longer be drawn to (the reason, as shown to the
    /// user): the surface failed again after a reconfiguration, or could not
    /// be configured.
    Lost(String),
}

/// A window frame being drawn.
pub struct Frame {
    /// The swap chain's texture (none when presenting through shared memory).
    texture: Option<wgpu::SurfaceTexture>,
    /// The frame's texture view, to draw into.
    pub view: wgpu::TextureView,
}

impl WindowSurface {
    /// A device able to draw into `window`, and the window's surface
    /// configured at `size` (physical pixels). `display` is the display's
    /// handle (for the instance; `WGPU_BACKEND` and friends are read from the
    /// environment).
    pub fn new<D>(
        display: D,
        window: impl Into<wgpu::SurfaceTarget<'static>>,
        size: [u32; 2],
        shared: Option<Arc<dyn Handles>>,
    ) -> Result<(WindowSurface, Gpu), String>
    where
        D: wgpu::rwh::HasDisplayHandle + Debug + Send + Sync + 'static,
    {
        let instance = wgpu::Instance::new(
            wgpu::InstanceDescriptor::new_with_display_handle_from_env(Box::new(display)),
        );
        let surface = instance
            .create_surface(window)
            .map_err(|e| format!("cannot draw in the window: {e}"))?;
        let gpu = Gpu::from_instance(&instance, Some(&surface)).map_err(|e| e.to_string())?;
        Self::configured(surface, gpu, size, shared)
    }

    /// `surface` configured at `size` for `gpu`; for a software adapter
    /// with the window's handles in `shared`, frames are presented through
    /// shared memory from [`Self::share`] on.
    fn configured(
        surface: wgpu::Surface<'static>,
        gpu: Gpu,
        size: [u32; 2],
        shared: Option<Arc<dyn Handles>>,
    ) -> Result<(WindowSurface, Gpu), String> {
        let share_later = shared.filter(|_| shared_wanted(&gpu));
        let caps = surface.get_capabilities(&gpu.adapter);
        // Non-sRGB formats, like the offscreen renders: the shader writes
        // the movie's own (gamma-encoded) values.
        let format = [
            wgpu::TextureFormat::Bgra8Unorm,
            wgpu::TextureFormat::Rgba8Unorm,
        ]
        .into_iter()
        .find(|f| caps.formats.contains(f))
        .or_else(|| caps.formats.first().copied())
        .ok_or("the window cannot be drawn to (no surface format)")?;
        let config = wgpu::SurfaceConfiguration {
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            format,
            width: size[0].max(1),
            height: size[1].max(1),
            present_mode: wgpu::PresentMode::AutoVsync,
            desired_maximum_frame_latency: 2,
            alpha_mode: caps
                .alpha_modes
                .first()
                .copied()
                .unwrap_or(wgpu::CompositeAlphaMode::Auto),
            view_formats: vec![],
            color_space: wgpu::SurfaceColorSpace::Auto,
        };
        gpu.configure_surface(&surface, &config)
            .map_err(|e| format!("cannot draw in the window: {e}"))?;
        Ok((
            WindowSurface {
                presenter: Presenter::Surface {
                    surface,
                    config,
                    reconfigured: false,
                },
                share_later,
                device_time: Arc::default(),
            },
            gpu,
        ))
    }

    /// A software adapter's window: from now on its frames go through
    /// shared memory ([`super::shared`]) instead of wgpu's swap chain, which
    /// is dropped; true when that is new. Where the window system offers no
    /// such buffers, the swap chain stays. Called once the first frame is
    /// shown: making the presenter (a connection of its own to the display)
    /// takes a few milliseconds of a 2-core machine's launch.
    pub fn share(&mut self, gpu: &Gpu) -> bool {
        let Some(window) = self.share_later.take() else {
            return false;
        };
        match SharedPresenter::new(gpu, window, self.size()) {
            Ok(p) => {
                self.presenter = Presenter::Shared(p);
                true
            }
            Err(_) => false,
        }
    }

    /// The surface's size in physical pixels.
    pub fn size(&self) -> [u32; 2] {
        match &self.presenter {
            Presenter::Surface { config, .. } => [config.width, config.height],
            Presenter::Shared(p) => p.size(),
        }
    }

    /// The surface's texture format (what [`super::Renderer::draw_into`] and
    /// [`super::overlay::Overlay::draw`] are told).
    pub fn format(&self) -> wgpu::TextureFormat {
        match &self.presenter {
            Presenter::Surface { config, .. } => config.format,
            Presenter::Shared(_) => super::shared::FORMAT,
        }
    }

    /// Configures the surface for a new size (physical pixels, at least 1).
    pub fn resize(&mut self, gpu: &Gpu, size: [u32; 2]) -> Result<(), String> {
        let failed = |e: String| format!("the window can no longer be drawn to: {e}");
        match &mut self.presenter {
            Presenter::Surface {
                surface, config, ..
            } => {
                config.width = size[0].max(1);
                config.height = size[1].max(1);
                gpu.configure_surface(surface, config).map_err(failed)
            }
            Presenter::Shared(p) => {
                p.resize(gpu, size);
                Ok(())
            }
        }
    }

    /// The next frame. A lost or outdated surface is configured again once;
    /// failing again before it gives a frame is [`Acquired::Lost`].
    pub fn acquire(&mut self, gpu: &Gpu) -> Acquired {
        let (surface, config, reconfigured) = match &mut self.presenter {
            Presenter::Surface {
                surface,
                config,
                reconfigured,
            } => (surface, config, reconfigured),
            Presenter::Shared(p) => {
                let view = p.frame_view();
                return Acquired::Frame(Frame {
                    texture: None,
                    view,
                });
            }
        };
        let texture = match surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(f)
            | wgpu::CurrentSurfaceTexture::Suboptimal(f) => {
                *reconfigured = false;
                f
            }
            // Reconfigured once; a surface that still gives no frame (or
            // cannot be configured) ends the program rather than looping.
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost
                if !*reconfigured =>
            {
                *reconfigured = true;
                return match gpu.configure_surface(surface, config) {
                    Ok(()) => Acquired::Reconfigured,
                    Err(e) => Acquired::Lost(format!("the window can no longer be drawn to: {e}")),
                };
            }
            wgpu::CurrentSurfaceTexture::Outdated
            | wgpu::CurrentSurfaceTexture::Lost
            | wgpu::CurrentSurfaceTexture::Validation => {
                return Acquired::Lost(
                    "the window can no longer be drawn to (its surface was lost)".to_string(),
                );
            }
            wgpu::CurrentSurfaceTexture::Timeout | wgpu::CurrentSurfaceTexture::Occluded => {
                return Acquired::Skip;
            }
        };
        let view = texture.texture.create_view(&Default::default());
        Acquired::Frame(Frame {
            texture: Some(texture),
            view,
        })
    }

    /// Draws a window frame: `shot` with `renderer` at `scale` of the
    /// window's resolution (motion quality; 1 at rest), or the neutral colour
    /// when there is nothing to show or it cannot be drawn; then the controls
    /// of `overlay` at full resolution; submits the commands. Present it with
    /// [`Self::present`].
    #[allow(clippy::too_many_arguments)] // what is drawn, and how
    pub fn draw_frame(
        &self,
        gpu: &Gpu,
        frame: &Frame,
        renderer: &mut super::Renderer,
        overlay: &mut super::overlay::Overlay,
        shot: Option<&crate::view::Shot>,
        hotspots: bool,
        scale: f32,
    ) {
        let view = &frame.view;
        let mut enc = gpu.device.create_command_encoder(&Default::default());
        let (size, format) = (self.size(), self.format());
        let target = super::DrawTarget::whole(view, format, size);
        let drawn = match shot {
            Some(shot) if renderer.node().is_some() => renderer
                .draw_scaled_into(gpu, &mut enc, &target, shot, hotspots, scale)
                .is_ok(),
            _ => false,
        };
        if !drawn {
            clear(&mut enc, view);
        }
        overlay.draw(gpu, &mut enc, view, format, size);
        gpu.queue.submit([enc.finish()]);
        // The device's time for this frame: from when it could start (its
        // submission, or the previous frame's end) to its end.
        let submitted = Instant::now();
        let times = self.device_time.clone();
        gpu.queue.on_submitted_work_done(move || {
            let done = Instant::now();
            if let Ok(mut t) = times.lock() {
                let start = t.last_done.map_or(submitted, |d| d.max(submitted));
                t.busy = Some(done.saturating_duration_since(start));
                t.last_done = Some(done);
            }
        });
    }

    /// How long the device was busy with the latest frame it has finished
    /// (software rasterisers draw on their own threads after the frame is
    /// submitted and presented, so the time the shell waits is not it).
    pub fn device_busy(&self, gpu: &Gpu) -> Option<Duration> {
        let _ = gpu.device.poll(wgpu::PollType::Poll);
        self.device_time.lock().ok().and_then(|t| t.busy)
    }

    /// Shows a drawn frame (after the commands drawing it were submitted);
    /// an error when the window can no longer be drawn to. `at_rest`: the
    /// view will stay (presenting through shared memory then returns once
    /// it is on screen; moving frames go on their way while the next is
    /// drawn).
    pub fn present(&mut self, gpu: &Gpu, frame: Frame, at_rest: bool) -> Result<(), String> {
        let Frame { texture, view } = frame;
        drop(view);
        match (texture, &mut self.presenter) {
            (Some(t), _) => {
                gpu.queue.present(t);
                Ok(())
            }
            (None, Presenter::Shared(p)) => p
                .present(gpu, at_rest)
                .map_err(|e| format!("the window can no longer be drawn to: {e}")),
            (None, Presenter::Surface { .. }) => Ok(()),
        }
    }
}

/// Clears `view` to [`NEUTRAL`] (a window frame with nothing to show).
pub fn clear(enc: &mut wgpu::CommandEncoder, view: &wgpu::TextureView) {
    let n = |c: u8| f64::from(c) / 255.0;
    let [r, g, b, _] = NEUTRAL;
    let colour = wgpu::Color {
        r: n(r),
        g: n(g),
        b: n(b),
        a: 1.0,
    };
    let _ = super::colour_pass(enc, "clear", view, colour);
}
