//! The desktop viewer's window shell: the only module that knows winit. It
//! translates window events into the viewer core's [`Input`]s
//! ([`crate::viewer`]) and carries out the [`crate::viewer::Effect`]s it
//! answers with (`effects.rs`): loading on other threads ([`load`]),
//! drawing with the same [`Renderer`] as the headless renders plus the
//! controls overlay ([`crate::render::overlay`]), dialogs, clipboard,
//! browser, saving, cursors and fullscreen. It redraws only while something changes: an idle
//! viewer waits for events.
//!
//! `--report-state` prints the viewer's [`crate::viewer::Report`]s, one JSON
//! line each, so tests can drive the real window and compare screenshots with
//! `qtvr render` at the reported view.

mod effects;
mod sound;
pub use crate::viewer::load;
pub use crate::viewer::shell_quote;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use winit::application::ApplicationHandler;
use winit::dpi::{LogicalSize, PhysicalSize};
use winit::event::{ElementState, KeyEvent, MouseButton, MouseScrollDelta, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop, EventLoopProxy};
use winit::keyboard::{Key as WKey, KeyCode, NamedKey as WNamed, PhysicalKey};
use winit::window::{Fullscreen, Window, WindowId};

use crate::render::overlay::Overlay;
use crate::render::{
    Acquired, EarlyDevice, FirstDraw, Gpu, LIKELY_FORMAT, Renderer, WindowSurface,
};
use crate::view::Shot;
use crate::view::nav::DragMode;
use crate::viewer::{self, Host, Input, KeyName, KeyPress, NamedKey, Report, Viewer};
use qtvr_format::qtvr::{HotspotId, NodeId};

use load::{LoadEvent, Origin};

/// The bundled demo movie (`assets/demo.mov`, made by the `qtvr-demo` crate's
/// `make-demo`).
pub const DEMO: &[u8] = include_bytes!("../../assets/demo.mov");

/// How the viewer starts.
#[derive(Debug, Clone)]
pub struct Options {
    pub origin: Origin,
    pub node: Option<NodeId>,
    pub view: [Option<f32>; 3],
    /// Initial inner size in logical pixels.
    pub size: [u32; 2],
    pub fullscreen: bool,
    pub drag: DragMode,
    pub report_state: bool,
    /// Motion quality (`--motion-quality`).
    pub motion: crate::viewer::quality::MotionSetting,
}

/// Events from other threads.
enum UserEvent {
    Load(LoadEvent),
    Dialog(Option<PathBuf>),
    /// Print the state now (`--report-state` drivers).
    ReportState,
    /// A movie's sound is decoded.
    Sound(sound::Decoded),
}

/// Runs the viewer until its window closes.
pub fn run(opts: Options) -> Result<(), String> {
    if cfg!(target_os = "linux")
        && ["DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET"]
            .iter()
            .all(|v| std::env::var_os(v).is_none_or(|s| s.is_empty()))
    {
        return Err(
            "cannot open a window: no display (DISPLAY and WAYLAND_DISPLAY are unset); \
                    `qtvr render` and `qtvr export` work without one"
                .into(),
        );
    }
    // What takes longest before a first frame starts at once, beside the
    // connection to the display: the graphics device (with its first
    // pipeline) on a thread, and the movie's decoding, whose results wait in
    // the mailbox until the event loop exists.
    let first = FirstHint::default();
    let early = EarlyGfx::start(first.clone());
    let mailbox = Mailbox::default();
    let (origin, node) = (opts.origin.clone(), opts.node);
    let mut app = App::new(opts, mailbox.clone(), early, first);
    app.send(Input::Open { origin, node });
    let event_loop = EventLoop::<UserEvent>::with_user_event()
        .build()
        .map_err(|e| format!("cannot open a window: {e}"))?;
    let proxy = event_loop.create_proxy();
    crate::timeline::mark("event loop made");
    mailbox.connect(proxy.clone());
    if app.opts.report_state {
        // Test drivers may open movies as a drop or the Open dialog would
        // (a line `open PATH` on stdin), and ask for the state (`state`).
        let p = proxy;
        std::thread::spawn(move || {
            for line in std::io::stdin().lines().map_while(Result::ok) {
                if let Some(path) = line.strip_prefix("open ") {
                    let _ = p.send_event(UserEvent::Dialog(Some(PathBuf::from(path))));
                } else if line == "state" {
                    let _ = p.send_event(UserEvent::ReportState);
                }
            }
        });
    }
    let ran = event_loop
        .run_app(&mut app)
        .map_err(|e| format!("the window failed: {e}"));
    // Sound stops at once; a load still decoding stops; an ffmpeg it runs
    // would outlive the program, so its end is waited for (each run notices
    // within 20 ms).
    drop(std::mem::take(&mut app.sound));
    app.load_cancel.cancel();
    qtvr_format::tiles::external::wait_for_ended(std::time::Duration::from_millis(500));
    ran?;
    match app.fatal {
        // A window destroyed from outside also fails to draw: not an error.
        Some(e) if !app.destroyed => Err(e),
        _ => Ok(()),
    }
}

/// Events for the event loop from other threads (loaders, dialogs, sound),
/// held until the loop exists: a movie starts decoding before the
/// connection to the display is made.
#[derive(Clone, Default)]
struct Mailbox(Arc<std::sync::Mutex<Postbox>>);

enum Postbox {
    /// No event loop yet: events wait, in order.
    Held(Vec<UserEvent>),
    Open(EventLoopProxy<UserEvent>),
}

impl Default for Postbox {
    fn default() -> Postbox {
        Postbox::Held(Vec::new())
    }
}

impl Mailbox {
    /// Sends `e` to the event loop (dropped if it has ended), or holds it.
    fn send(&self, e: UserEvent) {
        let mut b = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match &mut *b {
            Postbox::Open(p) => {
                let _ = p.send_event(e);
            }
            Postbox::Held(v) => v.push(e),
        }
    }

    /// The event loop exists: what waited goes to it, in order, then the rest.
    fn connect(&self, proxy: EventLoopProxy<UserEvent>) {
        let mut b = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Postbox::Held(v) = std::mem::take(&mut *b) {
            for e in v {
                let _ = proxy.send_event(e);
            }
        }
        *b = Postbox::Open(proxy);
    }
}

/// What the movie's first node shows, once it is opened: its pipeline is
/// prepared first.
type FirstHint = Arc<std::sync::Mutex<Option<FirstDraw>>>;

fn hinted(h: &FirstHint) -> Option<FirstDraw> {
    *h.lock().unwrap_or_else(|p| p.into_inner())
}

/// The graphics device, renderer and overlay made on a thread while the
/// window opens ([`EarlyDevice`]); `None` where that cannot be (the window
/// then makes its own).
struct EarlyGfx(Option<std::thread::JoinHandle<Option<(EarlyDevice, Renderer, Overlay)>>>);

impl EarlyGfx {
    fn start(first: FirstHint) -> EarlyGfx {
        if !EarlyDevice::possible() {
            return EarlyGfx(None);
        }
        EarlyGfx(Some(std::thread::spawn(move || {
            let early = EarlyDevice::new().ok()?;
            crate::timeline::mark("device made (beside the window)");
            let gpu = early.gpu();
            // The first node's pipeline (the movie is usually open by now),
            // and beside it the overlay's (the first frame shows the
            // controller), in the format most windows take (another format's
            // are prepared once the window is known).
            let (renderer, overlay) = std::thread::scope(|s| {
                let overlay = s.spawn(|| {
                    let mut o = Overlay::new(gpu, viewer::SLOTS);
                    o.warm_up(gpu, LIKELY_FORMAT);
                    crate::timeline::mark("overlay pipeline ready");
                    o
                });
                let mut renderer = Renderer::new(gpu);
                renderer.warm_up_next(gpu, LIKELY_FORMAT, hinted(&first));
                crate::timeline::mark("first node's pipeline ready");
                (renderer, overlay.join())
            });
            Some((early, renderer, overlay.ok()?))
        })))
    }

    fn take(&mut self) -> Option<(EarlyDevice, Renderer, Overlay)> {
        self.0.take()?.join().ok()?
    }
}

struct Gfx {
    window: Arc<Window>,
    surface: WindowSurface,
    gpu: Gpu,
    renderer: Renderer,
    overlay: Overlay,
}

/// What the viewer asks of the window: hot spot picking, fullscreen.
struct WindowHost<'a>(Option<&'a Gfx>);

impl Host for WindowHost<'_> {
    fn hotspot_at(&self, shot: &Shot, [w, h]: [u32; 2], [x, y]: [f64; 2]) -> Option<HotspotId> {
        self.0?.renderer.hotspot_at(shot, w, h, x, y)
    }

    fn fullscreen(&self) -> bool {
        self.0.is_some_and(|g| g.window.fullscreen().is_some())
    }
}

struct App {
    opts: Options,
    mailbox: Mailbox,
    /// The device being made while the window opens.
    early: EarlyGfx,
    viewer: Viewer,
    gfx: Option<Gfx>,
    /// Fullscreen asked at, the size before, and whether we resized.
    fullscreen_check: Option<(Instant, PhysicalSize<u32>, bool)>,
    /// Whether a frame was presented since the last picture was uploaded
    /// (the layers it left for later are made after that frame).
    shown_since_upload: bool,
    /// When the viewer asked to be woken.
    wake: Option<Instant>,
    quit: bool,
    fatal: Option<String>,
    /// The window was destroyed from outside: the program ends normally.
    destroyed: bool,
    /// The flag that stops the load in progress.
    load_cancel: qtvr_format::tiles::Cancel,
    /// Shader pipelines remain to be prepared ([`Renderer::warm_up_next`]).
    warming: bool,
    /// The first node's kind, when known.
    first: FirstHint,
    /// Sound: decoding and the player (dropped, and silent, on quitting).
    sound: sound::Sound,
    /// The window is minimised (the sound paused).
    minimized: bool,
    /// The window has lost the focus (and not had it back).
    unfocused: bool,
}

impl App {
    fn new(opts: Options, mailbox: Mailbox, early: EarlyGfx, first: FirstHint) -> App {
        let viewer = Viewer::new(
            viewer::Options {
                view: opts.view,
                drag: opts.drag,
                report_state: opts.report_state,
                motion: opts.motion,
            },
            Instant::now(),
        );
        App {
            opts,
            mailbox,
            early,
            viewer,
            gfx: None,
            fullscreen_check: None,
            shown_since_upload: false,
            wake: None,
            quit: false,
            fatal: None,
            destroyed: false,
            load_cancel: qtvr_format::tiles::Cancel::new(),
            warming: false,
            first,
            sound: sound::Sound::new(),
            minimized: false,
            unfocused: false,
        }
    }

    /// Gives the viewer `input` now and carries out what it answers.
    fn send(&mut self, input: Input) {
        let host = WindowHost(self.gfx.as_ref());
        let effects = self.viewer.handle(Instant::now(), input, &host);
        for e in effects {
            self.apply(e);
        }
    }

    /// Pauses the sound when the window is minimised, resumes it when not.
    fn check_minimized(&mut self) {
        let now = self.gfx.as_ref().and_then(|g| g.window.is_minimized()) == Some(true);
        if now != self.minimized {
            self.minimized = now;
            self.send(Input::Hidden(now));
        }
    }

    fn sender(&self) -> impl Fn(LoadEvent) + Send + 'static + use<> {
        let (mailbox, first) = (self.mailbox.clone(), self.first.clone());
        move |e| {
            if let LoadEvent::Opened(_, m) = &e
                && let Some(s) = m.scene()
                && let Some(n) = s.node(s.default_node)
            {
                *first.lock().unwrap_or_else(|p| p.into_inner()) = Some(FirstDraw::of(n));
            }
            mailbox.send(UserEvent::Load(e))
        }
    }

    fn init_gfx(&mut self, el: &ActiveEventLoop) -> Result<(), String> {
        let [w, h] = self.opts.size;
        let mut attrs = Window::default_attributes()
            .with_title(format!("{} — loading — qtvr", self.opts.origin.name()))
            .with_inner_size(LogicalSize::new(w, h))
            .with_min_inner_size(LogicalSize::new(160, 120));
        if self.opts.fullscreen {
            attrs = attrs.with_fullscreen(Some(Fullscreen::Borderless(None)));
        }
        let window = Arc::new(
            el.create_window(attrs)
                .map_err(|e| format!("cannot open a window: {e}"))?,
        );
        let size = window.inner_size();
        crate::timeline::mark("window opened");
        let size = [size.width, size.height];
        let handles: Arc<dyn crate::render::shared::Handles> = window.clone();
        // The device made meanwhile, if it can draw in this window; else one
        // made for it (GL needs the display's connection to start).
        let made = self.early.take().and_then(|(early, renderer, overlay)| {
            let (surface, gpu) = early
                .into_window(window.clone(), size, Some(handles.clone()))
                .ok()?;
            Some((surface, gpu, renderer, overlay))
        });
        let (surface, gpu, renderer, overlay) = match made {
            Some(m) => m,
            None => {
                let (surface, gpu) = WindowSurface::new(
                    el.owned_display_handle(),
                    window.clone(),
                    size,
                    Some(handles),
                )?;
                let renderer = Renderer::new(&gpu);
                let overlay = Overlay::new(&gpu, viewer::SLOTS);
                (surface, gpu, renderer, overlay)
            }
        };
        crate::timeline::mark("window surface configured");
        self.gfx = Some(Gfx {
            window,
            surface,
            gpu,
            renderer,
            overlay,
        });
        Ok(())
    }

    fn resize(&mut self, size: PhysicalSize<u32>) {
        let Some(g) = &mut self.gfx else { return };
        if let Err(e) = g.surface.resize(&g.gpu, [size.width, size.height]) {
            self.fatal = Some(e);
            return;
        }
        let (size, scale) = (g.surface.size(), g.window.scale_factor());
        self.send(Input::Resized { size, scale });
    }

    fn redraw(&mut self) {
        self.send(Input::Frame);
        let shot = self.viewer.shot();
        let hotspots = self.viewer.hotspots_shown();
        let scale = self.viewer.frame_scale();
        if self.fatal.is_some() {
            return;
        }
        let Some(g) = &mut self.gfx else { return };
        let frame = match g.surface.acquire(&g.gpu) {
            Acquired::Frame(f) => f,
            Acquired::Reconfigured => {
                g.window.request_redraw();
                return;
            }
            Acquired::Lost(e) => {
                self.fatal = Some(e);
                return;
            }
            // Skipped; the next event (exposure, input, resize) draws again.
            Acquired::Skip => return,
        };
        // The frame's work, from a frame to draw into until it is shown:
        // what motion quality adapts to.
        let started = Instant::now();
        let (renderer, overlay) = (&mut g.renderer, &mut g.overlay);
        g.surface.draw_frame(
            &g.gpu,
            &frame,
            renderer,
            overlay,
            shot.as_ref(),
            hotspots,
            scale,
        );
        g.window.pre_present_notify();
        if let Err(e) = g.surface.present(&g.gpu, frame, scale >= 1.0) {
            self.fatal = Some(e);
            return;
        }
        crate::timeline::mark_first("first frame presented");
        self.shown_since_upload = true;
        // The slower of the shell's part and the device's (a frame or two
        // behind: software rasterisers draw after the frame is presented).
        let mut work = started.elapsed();
        if let Some(busy) = g.surface.device_busy(&g.gpu) {
            work = work.max(busy);
        }
        self.send(Input::Presented { work });
    }
}

impl ApplicationHandler<UserEvent> for App {
    fn resumed(&mut self, el: &ActiveEventLoop) {
        if self.gfx.is_some() {
            return;
        }
        if let Err(e) = self.init_gfx(el) {
            self.fatal = Some(e);
            el.exit();
            return;
        }
        let Some(g) = &self.gfx else { return };
        if self.opts.report_state {
            let x11_id = x11_window_id(&g.window);
            print_report(&Report::Window { x11_id });
        }
        let (size, scale) = (g.surface.size(), g.window.scale_factor());
        self.send(Input::Resized { size, scale });
        // Compile the first shader while the movie decodes (software
        // renderers compile at the first draw), unless the device made
        // beside the window has; the others follow, one per turn of the
        // event loop, until a picture is shown. The first frame is drawn
        // after the events already waiting: a movie decoded while the window
        // opened shows in it, with no empty frame before.
        if let Some(g) = &mut self.gfx {
            self.warming = g
                .renderer
                .warm_up_next(&g.gpu, g.surface.format(), hinted(&self.first));
            g.window.request_redraw();
        }
    }

    fn user_event(&mut self, _el: &ActiveEventLoop, e: UserEvent) {
        match e {
            UserEvent::Load(l) => self.send(Input::Load(l)),
            UserEvent::Dialog(Some(p)) => self.send(Input::Open {
                origin: Origin::File(p),
                node: None,
            }),
            UserEvent::Dialog(None) => {}
            UserEvent::ReportState => self.send(Input::ReportState),
            UserEvent::Sound(d) => {
                let id = d.id;
                if let Some(r) = self.sound.decoded(d) {
                    self.send(Input::SoundReady {
                        id,
                        playable: r.playable,
                        no_output: r.no_output,
                        notices: r.notices,
                    });
                }
            }
        }
    }

    fn window_event(&mut self, el: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        let input = match event {
            WindowEvent::CloseRequested => return el.exit(),
            // Destroyed from outside (xkill, a crashed window manager): done.
            WindowEvent::Destroyed => {
                self.destroyed = true;
                return el.exit();
            }
            WindowEvent::Resized(size) => return self.resize(size),
            WindowEvent::RedrawRequested => return self.redraw(),
            WindowEvent::ScaleFactorChanged { scale_factor, .. } => {
                Input::ScaleChanged(scale_factor)
            }
            WindowEvent::ModifiersChanged(m) => Input::Modifiers {
                ctrl: m.state().control_key(),
                alt: m.state().alt_key(),
            },
            WindowEvent::KeyboardInput { event, .. } => Input::Key(key_press(&event)),
            WindowEvent::Focused(false) => {
                // Minimising loses the focus; X11 sends no event for the
                // minimising itself: while unfocused, `about_to_wait` looks.
                self.unfocused = true;
                self.check_minimized();
                Input::FocusLost
            }
            WindowEvent::Focused(true) => {
                self.unfocused = false;
                if !self.minimized {
                    return;
                }
                self.minimized = false;
                Input::Hidden(false)
            }
            // Minimised or covered (where the platform says so): silence
            // until it shows again.
            WindowEvent::Occluded(hidden) => Input::Hidden(hidden),
            WindowEvent::CursorMoved { position: p, .. } => Input::PointerMoved([p.x, p.y]),
            WindowEvent::CursorLeft { .. } => Input::PointerLeft,
            WindowEvent::MouseInput {
                state,
                button: MouseButton::Left,
                ..
            } => Input::Button(state == ElementState::Pressed),
            WindowEvent::MouseWheel { delta, .. } => Input::Wheel(match delta {
                MouseScrollDelta::LineDelta(_, y) => f64::from(y),
                MouseScrollDelta::PixelDelta(p) => p.y / 40.0,
            }),
            WindowEvent::PinchGesture { delta, .. } => Input::Pinch(delta),
            WindowEvent::DroppedFile(p) => Input::Open {
                origin: Origin::File(p),
                node: None,
            },
            _ => return,
        };
        self.send(input);
    }

    fn about_to_wait(&mut self, el: &ActiveEventLoop) {
        if self.fatal.is_some() || self.destroyed || self.quit {
            el.exit();
            return;
        }
        if self.warming
            && let Some(g) = &mut self.gfx
        {
            self.warming = g
                .renderer
                .warm_up_next(&g.gpu, g.surface.format(), hinted(&self.first));
        }
        if self.shown_since_upload
            && let Some(g) = &mut self.gfx
            && g.renderer.upload_pending()
        {
            g.renderer.finish_upload(&g.gpu);
        }
        // A software adapter's frames through shared memory, once the
        // first is on screen.
        if self.shown_since_upload
            && let Some(g) = &mut self.gfx
            && g.surface.share(&g.gpu)
        {
            // The frame shown again the new way: a presenter that fails
            // says so now, and what it holds is made at once, whatever
            // the movie (not only once something moves).
            g.window.request_redraw();
            if self.opts.report_state {
                let via = "shared-memory".to_string();
                print_report(&Report::Presenting { via });
            }
        }
        self.wake = None;
        self.send(Input::Wait);
        let mut due = self.wake.take();
        if let Some(t) = self.check_fullscreen() {
            due = Some(due.map_or(t, |d| d.min(t)));
        }
        if self.warming {
            // Back at once for the next pipeline.
            due = Some(Instant::now());
        }
        if self.unfocused && self.sound.playing() {
            // Minimised? (X11 says so only in the window's state.)
            self.check_minimized();
            let t = Instant::now() + std::time::Duration::from_millis(500);
            due = Some(due.map_or(t, |d| d.min(t)));
        }
        el.set_control_flow(due.map_or(ControlFlow::Wait, ControlFlow::WaitUntil));
    }
}

/// Prints a `--report-state` line; a standard output closed by its reader
/// (the driving program gone) is not an error.
fn print_report(r: &Report) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{}", r.to_json());
}

/// The viewer's key event from winit's.
fn key_press(event: &KeyEvent) -> KeyPress {
    let named = |k| KeyName::Named(k);
    let key = match &event.logical_key {
        WKey::Named(WNamed::ArrowLeft) => named(NamedKey::Left),
        WKey::Named(WNamed::ArrowRight) => named(NamedKey::Right),
        WKey::Named(WNamed::ArrowUp) => named(NamedKey::Up),
        WKey::Named(WNamed::ArrowDown) => named(NamedKey::Down),
        WKey::Named(WNamed::Shift) => named(NamedKey::Shift),
        WKey::Named(WNamed::Control) => named(NamedKey::Control),
        WKey::Named(WNamed::F11) => named(NamedKey::F11),
        WKey::Named(WNamed::Escape) => named(NamedKey::Escape),
        WKey::Named(WNamed::Backspace) => named(NamedKey::Backspace),
        WKey::Named(WNamed::Enter) => named(NamedKey::Enter),
        WKey::Character(c) => KeyName::Char(c.to_string()),
        _ => KeyName::Other,
    };
    let code = match event.physical_key {
        PhysicalKey::Code(KeyCode::KeyO) => Some('o'),
        PhysicalKey::Code(KeyCode::KeyS) => Some('s'),
        PhysicalKey::Code(KeyCode::KeyC) => Some('c'),
        PhysicalKey::Code(KeyCode::KeyW) => Some('w'),
        PhysicalKey::Code(KeyCode::KeyQ) => Some('q'),
        _ => None,
    };
    KeyPress {
        key,
        code,
        down: event.state == ElementState::Pressed,
        repeat: event.repeat,
    }
}

/// The X11 window ID (for test drivers such as xdotool), when on X11.
fn x11_window_id(w: &Window) -> Option<u64> {
    use winit::raw_window_handle::{HasWindowHandle, RawWindowHandle};
    match w.window_handle().ok()?.as_raw() {
        // `c_ulong`: u64 here, u32 on 32-bit systems.
        #[allow(clippy::unnecessary_cast)]
        RawWindowHandle::Xlib(h) => Some(h.window as u64),
        RawWindowHandle::Xcb(h) => Some(u64::from(h.window.get())),
        _ => None,
    }
}
