//! The desktop viewer: the only module that knows winit. It turns window
//! events into navigation ([`crate::view::nav`]), draws with the same
//! [`Renderer`] as the headless renders plus the controls overlay
//! ([`crate::ui`], [`crate::render::overlay`]), and loads movies on other
//! threads ([`load`]). It redraws only while something changes: an idle
//! viewer waits for events.
//!
//! `--report-state` prints one JSON line on stdout each time the view comes to
//! rest (and a few events), so tests can drive the real window and compare
//! screenshots with `qtvr render` at the reported view.

pub mod desktop;
pub mod load;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use winit::application::ApplicationHandler;
use winit::dpi::{LogicalSize, PhysicalPosition, PhysicalSize};
use winit::event::{ElementState, MouseButton, MouseScrollDelta, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop, EventLoopProxy};
use winit::keyboard::{Key as WKey, KeyCode, ModifiersState, NamedKey, PhysicalKey};
use winit::window::{CursorIcon, Fullscreen, Window, WindowId};

use crate::render::image_file::ImageKind;
use crate::render::overlay::Overlay;
use crate::render::{Acquired, Gpu, Renderer, UploadOptions, WindowSurface};
use crate::ui::{self, BarLayout, BarState, Button};
use crate::view::ObjectView;
use crate::view::nav::{Cursor, DragMode, Key, Navigator, Settings, Subject};
use crate::view::tour::{self, Action, Phase, Tour, Transition, UrlClicks};
use qtvr_format::assemble::NodePicture;
use qtvr_format::qtvr::{Node, NodeContent, View};

use load::{LoadEvent, OpenMovie, Origin, Stage};

/// The bundled demo movie (`assets/demo.mov`, made by the `qtvr-demo` crate's
/// `make-demo`).
pub const DEMO: &[u8] = include_bytes!("../../assets/demo.mov");

/// How the viewer starts.
#[derive(Debug, Clone)]
pub struct Options {
    pub origin: Origin,
    pub node: Option<u32>,
    pub view: [Option<f32>; 3],
    /// Initial inner size in logical pixels.
    pub size: [u32; 2],
    pub fullscreen: bool,
    pub drag: DragMode,
    pub report_state: bool,
}

/// Events from other threads.
enum UserEvent {
    Load(LoadEvent),
    Dialog(Option<PathBuf>),
    /// Print the state now (`--report-state` drivers).
    ReportState,
}

/// Overlay slots, drawn in this order: the old node fading out, the bar,
/// help or the node list, messages.
const FADE: usize = 0;
const BAR: usize = 1;
const PANEL: usize = 2;
const MESSAGE: usize = 3;

/// Holding Shift or Ctrl alone zooms after this long (so shortcuts don't).
const ZOOM_KEY_DELAY: Duration = Duration::from_millis(150);
/// A message stays this long.
const MESSAGE_TIME: Duration = Duration::from_secs(10);

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
    let event_loop = EventLoop::<UserEvent>::with_user_event()
        .build()
        .map_err(|e| format!("cannot open a window: {e}"))?;
    let proxy = event_loop.create_proxy();
    if opts.report_state {
        // Test drivers may open movies as a drop or the Open dialog would
        // (a line `open PATH` on stdin), and ask for the state (`state`).
        let p = proxy.clone();
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
    let mut app = App::new(opts, proxy);
    app.open(app.opts.origin.clone(), app.opts.node);
    event_loop
        .run_app(&mut app)
        .map_err(|e| format!("the window failed: {e}"))?;
    match app.fatal {
        // A window destroyed from outside also fails to draw: not an error.
        Some(e) if !app.destroyed => Err(e),
        _ => Ok(()),
    }
}

/// A message panel's content.
#[derive(Debug, Clone, PartialEq)]
struct Message {
    title: String,
    lines: Vec<String>,
    since: Instant,
    error: bool,
}

struct Gfx {
    window: Arc<Window>,
    surface: WindowSurface,
    gpu: Gpu,
    renderer: Renderer,
    overlay: Overlay,
}

/// The movie and node being shown.
struct Shown {
    movie: OpenMovie,
    node: u32,
    nav: Navigator,
    stage: Stage,
    /// Object nodes: the view whose frame is uploaded.
    object_view: Option<ObjectView>,
    /// Object nodes: decoded frames, so animation loops and drags back and
    /// forth decode each frame once.
    frames: FrameCache,
}

/// A movie or node being loaded, shown with its first picture.
struct Pending {
    movie: OpenMovie,
    node: u32,
    view: Option<View>,
    /// What the history does once the node shows (not before: a node that
    /// fails to load leaves the history as it was).
    history: Step,
}

/// A history step taken when a node shows.
#[derive(Clone, Copy, PartialEq)]
enum Step {
    /// A link or the node list: remember where we were (this view).
    Push(View),
    /// Back: drop the step we return along.
    Pop,
    None,
}

/// What the panel and message slots show: panel, message, window size, UI scale.
type Panels = (Option<Panel>, Option<Message>, [u32; 2], u32);

/// A centred panel: title and lines.
#[derive(Debug, Clone, PartialEq)]
struct Panel {
    title: String,
    lines: Vec<String>,
}

/// Decoded object frames by (row, column, state, frame), within a byte budget.
#[derive(Default)]
struct FrameCache {
    pictures: std::collections::HashMap<(u32, u32, u32, u32), NodePicture>,
    bytes: usize,
}

/// Memory the object frame cache may hold.
const FRAME_CACHE_BYTES: usize = 256 << 20;

impl FrameCache {
    fn get(&self, key: (u32, u32, u32, u32)) -> Option<NodePicture> {
        self.pictures.get(&key).cloned()
    }

    fn put(&mut self, key: (u32, u32, u32, u32), p: &NodePicture) {
        let size: usize = p.surfaces.iter().map(|s| s.image.data.len()).sum();
        if size > FRAME_CACHE_BYTES {
            return;
        }
        if self.bytes + size > FRAME_CACHE_BYTES {
            self.pictures.clear();
            self.bytes = 0;
        }
        self.bytes += size;
        self.pictures.insert(key, p.clone());
    }
}

struct App {
    opts: Options,
    proxy: EventLoopProxy<UserEvent>,
    started: Instant,
    gfx: Option<Gfx>,
    shown: Option<Shown>,
    /// The request whose results are awaited; older ones are dropped.
    generation: u64,
    /// A movie opened but not shown yet (waiting for its first picture).
    pending: Option<Pending>,
    /// The name of the movie being opened.
    opening: Option<String>,
    progress: Option<f32>,
    /// The node being shown or gone to, and the way back.
    tour: Tour,
    /// A link's swing and cross-fade, while one runs.
    transition: Option<Transition>,
    /// The new node's picture, held while the swing finishes.
    arrived: Option<(u32, Stage, NodePicture, Option<ObjectView>)>,
    urls: UrlClicks,
    message: Option<Message>,
    /// The pointer's look, as last set.
    cursor: Option<CursorIcon>,
    /// What the help and message slots show (redrawn only when it changes).
    panels_shown: Option<Panels>,
    show_bar: bool,
    show_help: bool,
    /// The node list (N): digits jump to a node.
    show_nodes: bool,
    show_hotspots: bool,
    settings: Settings,
    modifiers: ModifiersState,
    pointer: [f64; 2],
    /// Where the button went down, and whether the pointer has moved since.
    pressed_at: Option<([f64; 2], bool)>,
    last_click: Option<(Instant, [f64; 2])>,
    zoom_key: Option<(Key, Instant, bool)>,
    /// Fullscreen asked at, the size before, and whether we resized.
    fullscreen_check: Option<(Instant, PhysicalSize<u32>, bool)>,
    last_tick: Option<Instant>,
    bar_layout: Option<BarLayout>,
    bar_hover: Option<Button>,
    hover_name: Option<String>,
    overlay_dirty: bool,
    frames: u64,
    /// When object animation next changes the view.
    wake_at: Option<Instant>,
    first_frame_reported: bool,
    reported: Option<String>,
    fatal: Option<String>,
    /// The window was destroyed from outside: the program ends normally.
    destroyed: bool,
}

impl App {
    fn new(opts: Options, proxy: EventLoopProxy<UserEvent>) -> App {
        let settings = Settings {
            drag: opts.drag,
            ..Settings::default()
        };
        App {
            opts,
            proxy,
            started: Instant::now(),
            gfx: None,
            shown: None,
            generation: 0,
            pending: None,
            opening: None,
            progress: Some(0.0),
            tour: Tour::new(0),
            transition: None,
            arrived: None,
            urls: UrlClicks::default(),
            message: None,
            panels_shown: None,
            cursor: None,
            show_bar: true,
            show_help: false,
            show_nodes: false,
            show_hotspots: false,
            settings,
            modifiers: ModifiersState::empty(),
            pointer: [0.0; 2],
            pressed_at: None,
            last_click: None,
            zoom_key: None,
            fullscreen_check: None,
            last_tick: None,
            bar_layout: None,
            bar_hover: None,
            hover_name: None,
            overlay_dirty: true,
            frames: 0,
            wake_at: None,
            first_frame_reported: false,
            reported: None,
            fatal: None,
            destroyed: false,
        }
    }

    fn sender(&self) -> impl Fn(LoadEvent) + Send + 'static + use<> {
        let proxy = self.proxy.clone();
        move |e| {
            let _ = proxy.send_event(UserEvent::Load(e));
        }
    }

    /// Opens a movie in the background; the current one stays until it shows.
    fn open(&mut self, origin: Origin, node: Option<u32>) {
        self.opening = Some(origin.name());
        self.generation += 1;
        self.progress = Some(0.0);
        self.overlay_dirty = true;
        load::open(self.generation, origin, node, self.sender());
    }

    /// Loads another node of the current movie; it replaces the current one
    /// through `transition` (a link's swing, then a cross-fade).
    fn go_to_node(&mut self, node: u32, view: Option<View>, history: Step, transition: Transition) {
        let Some(s) = &self.shown else { return };
        self.urls.reset();
        self.report_phase(Phase::Ready, transition.phase());
        self.transition = Some(transition);
        self.arrived = None;
        self.last_tick = None;
        self.generation += 1;
        self.progress = Some(0.0);
        self.overlay_dirty = true;
        self.pending = Some(Pending {
            movie: s.movie.clone(),
            node,
            view,
            history,
        });
        load::load_node(self.generation, s.movie.clone(), node, self.sender());
        self.request_redraw();
    }

    fn scale(&self) -> f64 {
        self.gfx.as_ref().map_or(1.0, |g| g.window.scale_factor())
    }

    fn physical_size(&self) -> [u32; 2] {
        self.gfx.as_ref().map_or([1, 1], |g| g.surface.size())
    }

    fn logical_size(&self) -> [f64; 2] {
        let [w, h] = self.physical_size();
        let s = self.scale();
        [f64::from(w) / s, f64::from(h) / s]
    }

    fn request_redraw(&self) {
        if let Some(g) = &self.gfx {
            g.window.request_redraw();
        }
    }

    fn say(&mut self, title: &str, lines: Vec<String>, error: bool) {
        if self.opts.report_state {
            let event = if error { "error" } else { "message" };
            println!(
                "{}",
                serde_json::json!({"event": event, "title": title, "lines": lines})
            );
        }
        self.message = Some(Message {
            title: title.to_string(),
            lines,
            since: Instant::now(),
            error,
        });
        self.overlay_dirty = true;
        self.request_redraw();
    }

    fn node(&self) -> Option<&Node> {
        let s = self.shown.as_ref()?;
        s.movie.scene()?.node(s.node)
    }

    fn node_name(&self) -> String {
        match self.node() {
            Some(n) => n.name.clone().unwrap_or_else(|| format!("Node {}", n.id)),
            None => String::new(),
        }
    }

    fn update_title(&self) {
        let Some(g) = &self.gfx else { return };
        let title = match &self.shown {
            Some(s) => format!("{} — {} — qtvr", s.movie.origin.name(), self.node_name()),
            None => match &self.pending {
                Some(p) => format!("{} — loading — qtvr", p.movie.origin.name()),
                None => "qtvr".to_string(),
            },
        };
        g.window.set_title(&title);
    }

    fn handle_load(&mut self, e: LoadEvent) {
        match e {
            LoadEvent::Opened(g, m) if g == self.generation => {
                let node = self
                    .opts
                    .node
                    .take()
                    .unwrap_or_else(|| m.scene().map_or(0, |s| s.default_node));
                let [pan, tilt, fov] = std::mem::take(&mut self.opts.view);
                let view = (pan.is_some() || tilt.is_some() || fov.is_some()).then(|| {
                    let d = m
                        .scene()
                        .and_then(|s| s.node(node))
                        .map(tour::default_view)
                        .unwrap_or_default();
                    View {
                        pan: pan.unwrap_or(d.pan),
                        tilt: tilt.unwrap_or(d.tilt),
                        fov: fov.unwrap_or(d.fov),
                    }
                });
                self.pending = Some(Pending {
                    movie: m,
                    node,
                    view,
                    history: Step::None,
                });
                self.update_title();
            }
            LoadEvent::Progress {
                generation,
                done,
                total,
                ..
            } if generation == self.generation => {
                self.progress = Some(done as f32 / total.max(1) as f32);
                self.overlay_dirty = true;
                self.request_redraw();
            }
            LoadEvent::Picture {
                generation,
                node,
                stage,
                picture,
                object_view,
            } if generation == self.generation => {
                self.show_picture(node, stage, *picture, object_view)
            }
            LoadEvent::Failed(g, why) if g == self.generation => {
                let name = self
                    .pending
                    .as_ref()
                    .map(|p| p.movie.origin.name())
                    .or_else(|| self.opening.take())
                    .unwrap_or_else(|| "the movie".into());
                self.pending = None;
                self.progress = None;
                self.end_transition();
                let keep = if self.shown.is_some() {
                    "The current movie stays open.".to_string()
                } else {
                    "Open another movie with Ctrl+O or drop one on the window.".to_string()
                };
                self.say(&format!("Cannot show {name}"), vec![why, keep], true);
            }
            _ => {}
        }
    }

    /// Shows a loaded picture; for object nodes `object_view` is the view
    /// whose frame it holds.
    fn show_picture(
        &mut self,
        node_id: u32,
        stage: Stage,
        picture: NodePicture,
        object_view: Option<ObjectView>,
    ) {
        let size = self.logical_size();
        let is_pending = self.pending.as_ref().is_some_and(|p| p.node == node_id);
        // While a link's swing runs, the new node waits (its latest picture kept).
        if is_pending && self.transition.as_ref().is_some_and(|t| !t.ready()) {
            self.arrived = Some((node_id, stage, picture, object_view));
            return;
        }
        if is_pending && self.transition.is_some() {
            self.snapshot_for_fade();
        }
        // A new movie or node becomes current with its first picture.
        if let Some(Pending {
            movie,
            node: id,
            view,
            history,
        }) = self.pending.take_if(|p| p.node == node_id)
        {
            let Some(node) = movie.scene().and_then(|s| s.node(id)).cloned() else {
                return;
            };
            self.hover_name = None;
            let mut nav = Navigator::new(Subject::of_node(&node), size, self.settings);
            if let Some(v) = view {
                nav.set_view(v);
            }
            let replaced_movie = self
                .shown
                .as_ref()
                .is_none_or(|s| !Arc::ptr_eq(&s.movie.loaded, &movie.loaded));
            match history {
                _ if replaced_movie => self.tour.restart(id),
                Step::Push(here) => self.tour.jump(id, here),
                Step::Pop => {
                    self.tour.back();
                }
                Step::None => {}
            }
            if replaced_movie {
                self.transition = None;
            } else if let Some(t) = &mut self.transition {
                let was = t.phase();
                t.switched();
                let now = t.phase();
                self.last_tick = None;
                self.report_phase(was, now);
            }
            self.shown = Some(Shown {
                movie,
                node: id,
                nav,
                stage,
                object_view: None,
                frames: FrameCache::default(),
            });
            self.update_title();
        }
        let Some(s) = &mut self.shown else { return };
        if s.node != node_id {
            return;
        }
        s.stage = stage;
        // The loader decodes an object's default view; the navigator may be
        // at another (a link's, Back's or the command line's view): that
        // frame follows right after the upload, before anything is drawn.
        if let Some(v) = object_view {
            s.frames.put((v.row, v.column, v.state, v.frame), &picture);
            s.object_view = Some(v);
        }
        if stage == Stage::Full {
            self.progress = None;
            if !picture.warnings.is_empty() {
                let lines: Vec<String> = picture
                    .warnings
                    .iter()
                    .take(6)
                    .map(|w| w.message.clone())
                    .collect();
                self.say("Parts of this node could not be shown", lines, false);
            }
        }
        self.upload(picture);
        self.refresh_object_frame();
        self.overlay_dirty = true;
        self.request_redraw();
    }

    fn upload(&mut self, picture: NodePicture) {
        let ids = self
            .node()
            .map(crate::render::hotspot_ids)
            .unwrap_or_default();
        let Some(g) = &mut self.gfx else { return };
        if let Err(e) = g
            .renderer
            .set_picture(&g.gpu, picture, &ids, UploadOptions::default())
        {
            self.say("Cannot show this node", vec![e.to_string()], true);
        }
    }

    /// Object nodes: decode the frame of a new row/column.
    fn refresh_object_frame(&mut self) {
        let Some(s) = &mut self.shown else { return };
        let Subject::Object(o) = s.nav.subject() else {
            return;
        };
        let (node, view) = (o.node(), &o.view());
        let same = s.object_view.is_some_and(|o| {
            (o.row, o.column, o.state, o.frame) == (view.row, view.column, view.state, view.frame)
        });
        if same {
            return;
        }
        s.object_view = Some(*view);
        let key = (view.row, view.column, view.state, view.frame);
        let pic = match s.frames.get(key) {
            Some(p) => Ok(p),
            None => qtvr_format::assemble::object_picture(
                s.movie.src.as_ref(),
                s.movie.movie(),
                s.node,
                node,
                &view.object_frame(),
                &Default::default(),
            )
            .inspect(|p| s.frames.put(key, p)),
        };
        match pic {
            Ok(p) => self.upload(p),
            Err(e) => self.say("Cannot show this view", vec![e.to_string()], true),
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
        let (surface, gpu) = WindowSurface::new(
            el.owned_display_handle(),
            window.clone(),
            [size.width, size.height],
        )?;
        let renderer = Renderer::new(&gpu);
        let overlay = Overlay::new(&gpu, 4);
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
        let logical = {
            let Some(g) = &mut self.gfx else { return };
            if let Err(e) = g.surface.resize(&g.gpu, [size.width, size.height]) {
                self.fatal = Some(e);
                return;
            }
            let s = g.window.scale_factor();
            let [w, h] = g.surface.size();
            [f64::from(w) / s, f64::from(h) / s]
        };
        if let Some(s) = &mut self.shown {
            s.nav.resize(logical);
        }
        self.overlay_dirty = true;
        self.request_redraw();
    }

    fn bar_state(&self) -> BarState {
        let view = match &self.shown {
            Some(s) => match s.nav.subject() {
                Subject::Panorama { view, .. } => format!(
                    "pan {:.1}°  tilt {:.1}°  fov {:.1}°",
                    view.pan, view.tilt, view.fov
                ),
                Subject::Object(o) => {
                    let view = o.view();
                    let mut t = format!("row {} column {}", view.row, view.column);
                    let n = o.node();
                    if n.view_states > 1 {
                        t.push_str(&format!(" state {}", view.state));
                    }
                    if n.frames_per_view > 1 {
                        t.push_str(&format!(" frame {}", view.frame));
                    }
                    if o.can_zoom() {
                        t.push_str(&format!(" fov {:.1}°", view.fov));
                    }
                    if o.translate_mode() {
                        t.push_str(" (move)");
                    }
                    t
                }
            },
            None => "loading".into(),
        };
        BarState {
            node: self.node_name(),
            view,
            status: self.hover_name.clone(),
            hotspots_on: self.show_hotspots,
            can_go_back: self.tour.depth() > 0,
            progress: self.progress,
            hover: self.bar_hover,
        }
    }

    /// The node list's lines: number key, name, kind; the current one marked.
    fn node_list(&self) -> Option<Panel> {
        let s = self.shown.as_ref()?;
        let scene = s.movie.scene()?;
        let mut lines: Vec<String> = scene
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let key = if i < 9 {
                    format!("{}", i + 1)
                } else {
                    " ".into()
                };
                let kind = match &n.content {
                    NodeContent::Panorama(p) => match p.projection {
                        qtvr_format::qtvr::Projection::Cylinder { .. } => "cylinder",
                        _ => "cube",
                    },
                    NodeContent::Object(_) => "object",
                };
                let name = n.name.clone().unwrap_or_else(|| format!("node {}", n.id));
                let here = if n.id == s.node { "  <" } else { "" };
                format!("{key}  {name} ({kind}){here}")
            })
            .collect();
        lines.push(String::new());
        lines.push("1-9: go there   N, Esc: close".into());
        Some(Panel {
            title: "Nodes".into(),
            lines,
        })
    }

    fn update_overlay(&mut self) {
        let bar = self.bar_state();
        let panel = if self.show_nodes {
            self.node_list()
        } else if self.show_help {
            Some(Panel {
                title: "Keys".into(),
                lines: ui::help_lines(),
            })
        } else {
            None
        };
        let message = self.message.clone();
        let show_bar = self.show_bar;
        let Some(g) = &mut self.gfx else { return };
        let k = ui::ui_scale(g.window.scale_factor());
        let [w, h] = g.surface.size();
        self.overlay_dirty = false;
        if show_bar {
            let (c, layout) = ui::draw_bar(w, k, &bar);
            let top = h.saturating_sub(c.height) as i32;
            g.overlay.set(&g.gpu, BAR, &c, [0, top]);
            self.bar_layout = Some(layout);
        } else {
            g.overlay.hide(BAR);
            self.bar_layout = None;
        }
        let bar_logical = self
            .bar_layout
            .as_ref()
            .map_or(0.0, |l| f64::from(l.height) / g.window.scale_factor());
        if let Some(s) = &mut self.shown {
            s.nav.set_bar_height(bar_logical);
        }
        // The bar changes with every frame of motion; help and messages rarely.
        let panels = (panel.clone(), message.clone(), [w, h], k);
        if self.panels_shown.as_ref() == Some(&panels) {
            return;
        }
        self.panels_shown = Some(panels);
        if let Some(p) = panel {
            let room = [
                w.saturating_sub(16),
                h.saturating_sub(ui::bar_height(k) + 16),
            ];
            let mut c = ui::draw_panel(&p.title, ui::ACCENT, &p.lines, k, 2 * k, room[0]);
            if c.width > room[0] || c.height > room[1] {
                c = ui::draw_panel(&p.title, ui::ACCENT, &p.lines, k, k, room[0]);
            }
            let at = [
                (w.saturating_sub(c.width) / 2) as i32,
                (h.saturating_sub(c.height) / 2) as i32,
            ];
            g.overlay.set(&g.gpu, PANEL, &c, at);
        } else {
            g.overlay.hide(PANEL);
        }
        match message {
            Some(m) => {
                let colour = if m.error { ui::ERROR } else { ui::ACCENT };
                let c = ui::draw_panel(
                    &m.title,
                    colour,
                    &m.lines,
                    k,
                    2 * k,
                    w.saturating_sub(16).min(900 * k),
                );
                let at = [(w.saturating_sub(c.width) / 2) as i32, (12 * k) as i32];
                g.overlay.set(&g.gpu, MESSAGE, &c, at);
            }
            None => g.overlay.hide(MESSAGE),
        }
    }

    /// Runs a link's swing and cross-fade; true when the view moved.
    fn advance_transition(&mut self, dt: f64) -> bool {
        let Some(t) = &mut self.transition else {
            return false;
        };
        let was = t.phase();
        let swing = t.tick(dt);
        let ready = t.ready();
        let fade = t.fade();
        let done = t.done();
        let now = t.phase();
        self.report_phase(was, now);
        let mut moved = false;
        if let (Some(v), Some(s)) = (swing, &mut self.shown) {
            s.nav.set_view(v);
            moved = true;
        }
        if ready && let Some((id, stage, picture, object_view)) = self.arrived.take() {
            self.show_picture(id, stage, picture, object_view);
        }
        if let (Some(a), Some(g)) = (fade, &mut self.gfx) {
            g.overlay.set_opacity(FADE, a);
        }
        if done {
            self.end_transition();
        }
        moved
    }

    /// `--report-state`: a `transition` event when the phase changes (swing,
    /// fade, done).
    fn report_phase(&self, was: Phase, now: Phase) {
        let name = |p: Phase| match p {
            Phase::Swing { .. } => "swing",
            Phase::Ready => "ready",
            Phase::Fade { .. } => "fade",
            Phase::Done => "done",
        };
        if self.opts.report_state && name(was) != name(now) && name(now) != "ready" {
            println!(
                "{}",
                serde_json::json!({"event": "transition", "phase": name(now)})
            );
        }
    }

    fn end_transition(&mut self) {
        self.transition = None;
        self.arrived = None;
        if let Some(g) = &mut self.gfx {
            g.overlay.hide(FADE);
        }
    }

    fn redraw(&mut self) {
        let now = Instant::now();
        let dt = self
            .last_tick
            .map_or(1.0 / 60.0, |t| (now - t).as_secs_f64());
        let mut moved = self.advance_transition(dt);
        if let Some(s) = &mut self.shown {
            moved |= s.nav.tick(dt);
        }
        if moved {
            self.refresh_object_frame();
            self.overlay_dirty = true;
        }
        if self
            .message
            .as_ref()
            .is_some_and(|m| now - m.since > MESSAGE_TIME)
        {
            self.message = None;
            self.overlay_dirty = true;
        }
        if self.overlay_dirty {
            self.update_overlay();
        }
        let transition = self.transition.as_ref().is_some_and(|t| t.moving());
        let animating = transition || self.shown.as_ref().is_some_and(|s| s.nav.animating());
        self.last_tick = animating.then_some(now);
        let shot = self.shown.as_ref().map(|s| s.nav.shot());
        let hotspots = self.show_hotspots;
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
        let view = &frame.view;
        let mut enc = g.gpu.device.create_command_encoder(&Default::default());
        let size = g.surface.size();
        let drawn = match &shot {
            Some(shot) if g.renderer.node().is_some() => g
                .renderer
                .draw(
                    &g.gpu,
                    &mut enc,
                    view,
                    g.surface.format(),
                    size,
                    [0, 0],
                    shot,
                    hotspots,
                )
                .is_ok(),
            _ => false,
        };
        if !drawn {
            crate::render::clear(&mut enc, view);
        }
        g.overlay
            .draw(&g.gpu, &mut enc, view, g.surface.format(), size);
        g.gpu.queue.submit([enc.finish()]);
        g.window.pre_present_notify();
        g.surface.present(&g.gpu, frame);
        self.frames += 1;
        // Moving views redraw every frame; object animation wakes when its
        // next frame is due.
        let wake = if transition {
            Some(0.0)
        } else {
            self.shown.as_ref().and_then(|s| s.nav.wake_in())
        };
        match wake {
            Some(t) if t <= 0.0 => g.window.request_redraw(),
            Some(t) => self.wake_at = Some(now + Duration::from_secs_f64(t.min(1.0))),
            None => {}
        }
        let full = self.shown.as_ref().is_some_and(|s| s.stage == Stage::Full);
        if full && !self.first_frame_reported {
            self.first_frame_reported = true;
            if self.opts.report_state {
                println!(
                    "{}",
                    serde_json::json!({
                        "event": "first-frame",
                        "ms": self.started.elapsed().as_secs_f64() * 1000.0,
                    })
                );
            }
        }
        let dragging = self.shown.as_ref().is_some_and(|s| s.nav.dragging());
        if !animating && !dragging && self.pending.is_none() && self.transition.is_none() && full {
            self.report_idle();
        }
    }

    /// Prints the view at rest (once per distinct state).
    fn report_idle(&mut self) {
        self.report_state("idle");
    }

    /// Prints the state as a JSON event `event`; `idle` events only when
    /// different from the last one.
    fn report_state(&mut self, event: &str) {
        if !self.opts.report_state {
            return;
        }
        let Some(s) = &self.shown else { return };
        let v = s.nav.view();
        let [w, h] = self.physical_size();
        let fullscreen = self
            .gfx
            .as_ref()
            .is_some_and(|g| g.window.fullscreen().is_some());
        let bar = match (&self.bar_layout, self.show_bar) {
            (Some(l), true) => l.height,
            _ => 0,
        };
        let mut j = serde_json::json!({
            "event": event,
            "file": s.movie.origin.path(),
            "node": s.node,
            "pan": v.pan,
            "tilt": v.tilt,
            "fov": v.fov,
            "width": w,
            "height": h,
            "bar_height": bar,
            "fullscreen": fullscreen,
            "hotspots": self.show_hotspots,
            "help": self.show_help,
            "drag": format!("{:?}", self.settings.drag),
            "history": self.tour.depth(),
            "nodes": self.show_nodes,
        });
        if let Some(view) = s.nav.object_view() {
            j["row"] = view.row.into();
            j["column"] = view.column.into();
            j["state"] = view.state.into();
            j["frame"] = view.frame.into();
        }
        if let Some(l) = &self.bar_layout {
            let top = h.saturating_sub(l.height);
            j["buttons"] = l
                .buttons
                .iter()
                .map(|(b, [x, y, bw, bh])| {
                    serde_json::json!({"button": format!("{b:?}"), "x": x + bw / 2, "y": top + y + bh / 2})
                })
                .collect();
        }
        if event != "idle" {
            // Frames drawn so far: the same after a pause means no idle
            // redraws. The pointer's look and the hot spot under it (not in
            // idle events: hovering is not a new view).
            j["cursor"] = self.cursor.map(|c| format!("{c:?}")).into();
            j["hover"] = self.hover_name.clone().into();
            j["frames"] = self.frames.into();
            println!("{j}");
            return;
        }
        let line = j.to_string();
        if self.reported.as_deref() != Some(&line) {
            println!("{line}");
            self.reported = Some(line);
        }
    }

    /// The `qtvr render` command line for the current view.
    fn render_command(&self) -> Option<String> {
        let s = self.shown.as_ref()?;
        let [w, h] = self.physical_size();
        let file = shell_quote(&s.movie.origin.path());
        let view = match s.nav.subject() {
            Subject::Panorama { view, .. } => format!(
                "--pan {:.2} --tilt {:.2} --fov {:.2}",
                view.pan, view.tilt, view.fov
            ),
            Subject::Object(o) => {
                let view = o.view();
                format!(
                    "--row {} --column {} --state {} --frame {} --fov {:.2}",
                    view.row, view.column, view.state, view.frame, view.fov
                )
            }
        };
        Some(format!(
            "qtvr render {file} --node {} {view} --size {w}x{h} -o view.png",
            s.node
        ))
    }

    fn copy_command(&mut self) {
        let Some(cmd) = self.render_command() else {
            return;
        };
        if self.opts.report_state {
            println!("{}", serde_json::json!({"event": "copied", "text": cmd}));
        }
        let result = arboard::Clipboard::new().and_then(|mut c| c.set_text(cmd.clone()));
        match result {
            Ok(()) => self.say("Copied the render command", vec![cmd], false),
            Err(e) => self.say("Cannot use the clipboard", vec![e.to_string(), cmd], true),
        }
    }

    fn save_view(&mut self) {
        let Some(s) = &self.shown else { return };
        let shot = s.nav.shot();
        let v = s.nav.view();
        let stem = s.movie.origin.name();
        let stem = stem
            .rsplit_once('.')
            .map_or(stem.as_str(), |(a, _)| a)
            .to_string();
        let name = format!(
            "{stem}-node{}-pan{:.0}-tilt{:.0}.png",
            s.node, v.pan, v.tilt
        );
        let dir = save_dir();
        let path = unique(dir.join(name));
        let [w, h] = self.physical_size();
        let hotspots = self.show_hotspots;
        let Some(g) = &mut self.gfx else { return };
        let result = g
            .renderer
            .render_image(&g.gpu, &shot, w, h, hotspots)
            .map_err(|e| e.to_string())
            .and_then(|img| crate::render::image_file::save(&img, &path, ImageKind::Png));
        match result {
            Ok(()) => {
                if self.opts.report_state {
                    println!(
                        "{}",
                        serde_json::json!({"event": "saved", "path": path.display().to_string()})
                    );
                }
                self.say("Saved the view", vec![path.display().to_string()], false);
            }
            Err(e) => self.say("Cannot save the view", vec![e], true),
        }
    }

    fn open_dialog(&self) {
        let proxy = self.proxy.clone();
        std::thread::spawn(move || {
            let file = rfd::FileDialog::new()
                .set_title("Open a QuickTime VR movie")
                .add_filter("QuickTime VR movies", &["mov", "qt", "qtvr", "MOV", "QT"])
                .add_filter("All files", &["*"])
                .pick_file();
            let _ = proxy.send_event(UserEvent::Dialog(file));
        });
    }

    fn toggle_fullscreen(&mut self, on: Option<bool>) {
        let Some(g) = &self.gfx else { return };
        let is = g.window.fullscreen().is_some();
        let want = on.unwrap_or(!is);
        if want == is {
            return;
        }
        g.window
            .set_fullscreen(want.then_some(Fullscreen::Borderless(None)));
        if want {
            self.fullscreen_check = Some((Instant::now(), g.window.inner_size(), false));
        } else if let Some((_, before, true)) = self.fullscreen_check.take() {
            // We resized it ourselves: size it back.
            let _ = g.window.request_inner_size(before);
        }
    }

    /// Without a window manager (X11), asking for fullscreen changes
    /// nothing: after a moment, cover the monitor ourselves.
    fn check_fullscreen(&mut self) -> Option<Instant> {
        let (since, before, done) = self.fullscreen_check?;
        if done {
            return None;
        }
        let g = self.gfx.as_ref()?;
        let monitor = g.window.current_monitor()?;
        let due = since + Duration::from_millis(300);
        if Instant::now() < due {
            return Some(due);
        }
        if g.window.fullscreen().is_some() && g.window.inner_size() != monitor.size() {
            g.window.set_outer_position(monitor.position());
            let _ = g.window.request_inner_size(monitor.size());
            self.fullscreen_check = Some((since, before, true));
        } else {
            self.fullscreen_check = None;
        }
        None
    }

    fn go_back(&mut self) {
        if self.pending.is_some() {
            return;
        }
        if let Some((node, view)) = self.tour.last() {
            self.go_to_node(node, Some(view), Step::Pop, Transition::fade_only());
        }
    }

    /// The node list: jump to the `i`th node (0-based) of the movie.
    fn jump_to_node(&mut self, i: usize) {
        let Some(s) = &self.shown else { return };
        let Some(id) = s.movie.scene().and_then(|sc| sc.nodes.get(i)).map(|n| n.id) else {
            return;
        };
        self.show_nodes = false;
        self.overlay_dirty = true;
        if id != s.node && self.pending.is_none() {
            let here = Step::Push(s.nav.view());
            self.go_to_node(id, None, here, Transition::fade_only());
        }
    }

    /// Renders the current view into the fade slot, shown fully opaque until
    /// the new node is up and the fade begins.
    fn snapshot_for_fade(&mut self) {
        let Some(s) = &self.shown else { return };
        let shot = s.nav.shot();
        let hotspots = self.show_hotspots;
        let Some(g) = &mut self.gfx else { return };
        if g.renderer.node().is_none() {
            return;
        }
        let size = g.surface.size();
        let Some(view) = g.overlay.target(&g.gpu, FADE, size) else {
            return;
        };
        let mut enc = g.gpu.device.create_command_encoder(&Default::default());
        let drawn = g
            .renderer
            .draw(
                &g.gpu,
                &mut enc,
                &view,
                crate::render::overlay::TARGET_FORMAT,
                size,
                [0, 0],
                &shot,
                hotspots,
            )
            .is_ok();
        g.gpu.queue.submit([enc.finish()]);
        if drawn {
            g.overlay.set_opacity(FADE, 1.0);
        } else {
            g.overlay.hide(FADE);
        }
    }

    fn press_button(&mut self, b: Button) {
        match b {
            Button::Back => self.go_back(),
            Button::ZoomIn => self.zoom(2.0),
            Button::ZoomOut => self.zoom(-2.0),
            Button::HotSpots => self.show_hotspots = !self.show_hotspots,
            Button::Help => self.show_help = !self.show_help,
        }
        self.overlay_dirty = true;
        self.request_redraw();
    }

    fn zoom(&mut self, steps: f64) {
        if let Some(s) = &mut self.shown {
            s.nav.zoom_steps(steps);
            self.last_tick = None;
            self.request_redraw();
        }
    }

    fn nav_key(&mut self, key: Key, down: bool) {
        if let Some(s) = &mut self.shown {
            let was = s.nav.animating();
            s.nav.key(key, down);
            if !was {
                self.last_tick = None;
            }
        }
        self.refresh_object_frame();
        self.overlay_dirty = true;
        self.request_redraw();
    }

    fn keyboard(
        &mut self,
        el: &ActiveEventLoop,
        logical: &WKey,
        code: Option<KeyCode>,
        down: bool,
        repeat: bool,
    ) {
        let ctrl = self.modifiers.control_key();
        // Shift / Ctrl held alone zoom (QuickTime VR's keys), after a moment.
        if let WKey::Named(n @ (NamedKey::Shift | NamedKey::Control)) = logical {
            let key = if *n == NamedKey::Shift {
                Key::ZoomIn
            } else {
                Key::ZoomOut
            };
            if down && !repeat {
                self.zoom_key = Some((key, Instant::now(), false));
            } else if !down {
                self.zoom_key = None;
                self.nav_key(key, false);
            }
            return;
        }
        if down && let Some((k, _, active)) = self.zoom_key.take() {
            // Another key: a shortcut, not a zoom.
            if active {
                self.nav_key(k, false);
            }
        }
        let nav = match logical {
            WKey::Named(NamedKey::ArrowLeft) => Some(Key::Left),
            WKey::Named(NamedKey::ArrowRight) => Some(Key::Right),
            WKey::Named(NamedKey::ArrowUp) => Some(Key::Up),
            WKey::Named(NamedKey::ArrowDown) => Some(Key::Down),
            WKey::Character(c) if c == "+" || c == "=" => Some(Key::ZoomIn),
            WKey::Character(c) if c == "-" || c == "_" => Some(Key::ZoomOut),
            _ => None,
        };
        if let Some(k) = nav {
            // Panoramas turn while held; objects step once per press (and repeat).
            let object = self
                .shown
                .as_ref()
                .is_some_and(|s| matches!(s.nav.subject(), Subject::Object(_)));
            if !repeat || (object && down) {
                self.nav_key(k, down);
            }
            return;
        }
        if !down {
            return;
        }
        if ctrl {
            match code {
                Some(KeyCode::KeyO) => self.open_dialog(),
                Some(KeyCode::KeyS) => self.save_view(),
                Some(KeyCode::KeyC) => self.copy_command(),
                Some(KeyCode::KeyW | KeyCode::KeyQ) => el.exit(),
                _ => {}
            }
            return;
        }
        match logical {
            WKey::Named(NamedKey::F11) => self.toggle_fullscreen(None),
            WKey::Named(NamedKey::Escape) => {
                if self.show_help || self.show_nodes || self.message.is_some() {
                    self.show_help = false;
                    self.show_nodes = false;
                    self.message = None;
                } else {
                    self.toggle_fullscreen(Some(false));
                }
            }
            WKey::Named(NamedKey::Backspace) => self.go_back(),
            WKey::Character(c) => match c.as_str() {
                "h" | "H" | "?" => {
                    self.show_help = !self.show_help;
                    self.show_nodes = false;
                }
                "n" | "N" => {
                    self.show_nodes = !self.show_nodes;
                    self.show_help = false;
                }
                d if self.show_nodes
                    && d.len() == 1
                    && d.as_bytes()[0].is_ascii_digit()
                    && d != "0" =>
                {
                    self.jump_to_node(usize::from(d.as_bytes()[0] - b'1'));
                }
                "b" | "B" => self.show_bar = !self.show_bar,
                "t" | "T" => self.show_hotspots = !self.show_hotspots,
                "m" | "M" => {
                    let mode = self.shown.as_mut().and_then(|s| s.nav.toggle_translate());
                    let what = match mode {
                        Some(true) => "Drag moves the view (translate)",
                        Some(false) => "Drag turns the object",
                        None => "This node cannot be moved (no translation)",
                    };
                    let more = "M switches; Alt+drag moves once.".to_string();
                    self.say(what, vec![more], false);
                    self.update_cursor();
                }
                "g" | "G" => {
                    self.settings.drag = match self.settings.drag {
                        DragMode::Continuous => DragMode::Grab,
                        DragMode::Grab => DragMode::Continuous,
                    };
                    let mode = self.settings.drag;
                    if let Some(s) = &mut self.shown {
                        s.nav.settings.drag = mode;
                    }
                    let what = match mode {
                        DragMode::Continuous => "Drag turns continuously (QuickTime VR)",
                        DragMode::Grab => "Drag grabs the picture",
                    };
                    self.say(what, vec!["G switches back.".into()], false);
                }
                "0" => {
                    let d = self.node().map(tour::default_view);
                    if let (Some(s), Some(d)) = (&mut self.shown, d) {
                        s.nav.set_view(d);
                        self.refresh_object_frame();
                    }
                }
                "q" | "Q" => el.exit(),
                _ => {}
            },
            _ => {}
        }
        self.overlay_dirty = true;
        self.request_redraw();
    }

    fn mouse_button(&mut self, state: ElementState, button: MouseButton) {
        if button != MouseButton::Left {
            return;
        }
        let s = self.scale();
        let logical = [self.pointer[0] / s, self.pointer[1] / s];
        match state {
            ElementState::Pressed => {
                if let Some(b) = self.button_under_pointer() {
                    self.press_button(b);
                    return;
                }
                if self.message.is_some() {
                    self.message = None;
                    self.overlay_dirty = true;
                }
                let now = Instant::now();
                let double = self.last_click.is_some_and(|(t, p)| {
                    now - t < Duration::from_millis(400)
                        && (p[0] - self.pointer[0]).hypot(p[1] - self.pointer[1]) < 8.0
                });
                if double {
                    self.last_click = None;
                    self.toggle_fullscreen(None);
                    return;
                }
                self.last_click = Some((now, self.pointer));
                self.pressed_at = Some((self.pointer, false));
                let alt = self.modifiers.alt_key();
                if let Some(sh) = &mut self.shown {
                    if sh.nav.press_with(logical, alt) {
                        self.refresh_object_frame();
                        self.overlay_dirty = true;
                    }
                    self.last_tick = None;
                }
            }
            ElementState::Released => {
                let click = self.pressed_at.take().is_some_and(|(_, moved)| !moved);
                if let Some(sh) = &mut self.shown
                    && sh.nav.release()
                {
                    self.refresh_object_frame();
                    self.overlay_dirty = true;
                }
                if click {
                    self.follow_link_under_pointer();
                }
            }
        }
        self.update_cursor();
        self.request_redraw();
    }

    fn button_under_pointer(&self) -> Option<Button> {
        let layout = self.bar_layout.as_ref()?;
        let [_, h] = self.physical_size();
        let top = f64::from(h.saturating_sub(layout.height));
        layout.button_at(self.pointer[0], self.pointer[1] - top)
    }

    fn over_bar(&self) -> bool {
        self.bar_layout.as_ref().is_some_and(|l| {
            let [_, h] = self.physical_size();
            self.pointer[1] >= f64::from(h.saturating_sub(l.height))
        })
    }

    fn hotspot_under_pointer(&self) -> Option<u32> {
        let s = self.shown.as_ref()?;
        let g = self.gfx.as_ref()?;
        if self.over_bar() {
            return None;
        }
        let [w, h] = self.physical_size();
        g.renderer
            .hotspot_at(&s.nav.shot(), w, h, self.pointer[0], self.pointer[1])
    }

    /// A click on the picture: follows the hot spot under the pointer.
    fn follow_link_under_pointer(&mut self) {
        let Some(id) = self.hotspot_under_pointer() else {
            self.urls.reset();
            return;
        };
        if self.pending.is_some() {
            return;
        }
        let Some(s) = &self.shown else { return };
        let Some(scene) = s.movie.scene() else { return };
        let Some(node) = scene.node(s.node) else {
            return;
        };
        let hs = node.hotspots.iter().find(|h| h.id == id);
        let name = hs.map_or_else(|| format!("hot spot {id}"), tour::hotspot_name);
        let best = hs.and_then(|h| h.best_view);
        let Some(action) = tour::action(scene, s.node, id) else {
            return;
        };
        let here = s.nav.view();
        let panorama = matches!(s.nav.subject(), Subject::Panorama { .. });
        let node_id = s.node;
        match action {
            Action::Go { to, view } => {
                // Panoramas swing to the hot spot's best view first.
                let best = best.filter(|_| panorama);
                self.go_to_node(
                    to,
                    Some(view),
                    Step::Push(here),
                    Transition::new(here, best),
                );
            }
            Action::Broken { to } => self.say(
                "Broken link",
                vec![format!(
                    "{name} (hot spot {id}) leads to node {to}, which the movie does not have"
                )],
                true,
            ),
            Action::Url(url) => {
                if self.urls.click(node_id, id) {
                    self.open_url(&url);
                } else {
                    self.say(
                        &name,
                        vec![url, "Click it again to open it in your web browser.".into()],
                        false,
                    );
                }
            }
            Action::Show { kind, name } => {
                self.urls.reset();
                self.say(
                    &name,
                    vec![format!("a '{kind}' hot spot: nothing to follow")],
                    false,
                );
            }
        }
    }

    /// Opens a web address in the system's browser (`QTVR_OPEN_URL` names
    /// another command to run with it, for tests).
    fn open_url(&mut self, url: &str) {
        let result = match std::env::var_os("QTVR_OPEN_URL") {
            Some(cmd) => std::process::Command::new(cmd)
                .arg(url)
                .spawn()
                .map(|_| ())
                .map_err(|e| e.to_string()),
            None => open::that_detached(url).map_err(|e| e.to_string()),
        };
        if self.opts.report_state {
            println!(
                "{}",
                serde_json::json!({"event": "open-url", "url": url, "ok": result.is_ok()})
            );
        }
        match result {
            Ok(()) => self.say("Opening in your web browser", vec![url.to_string()], false),
            Err(e) => self.say("Cannot open the web page", vec![url.to_string(), e], true),
        }
    }

    fn pointer_moved(&mut self, p: PhysicalPosition<f64>) {
        self.pointer = [p.x, p.y];
        if let Some((start, moved)) = &mut self.pressed_at
            && (start[0] - p.x).hypot(start[1] - p.y) > 4.0
        {
            *moved = true;
        }
        let s = self.scale();
        let logical = [p.x / s, p.y / s];
        let mut changed = false;
        if let Some(sh) = &mut self.shown {
            // Objects follow the pointer unpressed too (edge zone cursors).
            changed = sh.nav.pointer(logical);
            if sh.nav.dragging() {
                if sh.nav.animating() && self.last_tick.is_none() {
                    self.last_tick = Some(Instant::now());
                }
                self.request_redraw();
            }
        }
        if changed {
            self.refresh_object_frame();
            self.overlay_dirty = true;
        }
        let hover = self.button_under_pointer();
        if hover != self.bar_hover {
            self.bar_hover = hover;
            self.overlay_dirty = true;
            self.request_redraw();
        }
        let dragging = self.shown.as_ref().is_some_and(|s| s.nav.dragging());
        if !dragging {
            let name = self.hotspot_under_pointer().and_then(|id| {
                let n = self.node()?;
                let h = n.hotspots.iter().find(|h| h.id == id);
                Some(match h {
                    Some(h) => match &h.url {
                        Some(url) => format!("{} - {url}", tour::hotspot_name(h)),
                        None => tour::hotspot_name(h),
                    },
                    None => format!("hot spot {id}"),
                })
            });
            if name != self.hover_name {
                self.hover_name = name;
                self.overlay_dirty = true;
                self.request_redraw();
            }
        }
        self.update_cursor();
    }

    fn update_cursor(&mut self) {
        let Some(g) = &self.gfx else { return };
        let icon = if self.bar_hover.is_some() {
            CursorIcon::Pointer
        } else if self.over_bar() {
            CursorIcon::Default
        } else if self.hover_name.is_some()
            && !self.shown.as_ref().is_some_and(|s| s.nav.dragging())
        {
            CursorIcon::Pointer
        } else {
            match self.shown.as_ref().map(|s| s.nav.cursor()) {
                None => CursorIcon::Progress,
                Some(Cursor::Hand) => CursorIcon::Grab,
                Some(Cursor::Grabbing) => CursorIcon::Grabbing,
                Some(Cursor::Finger) => CursorIcon::Pointer,
                Some(Cursor::Joystick) => CursorIcon::Crosshair,
                Some(Cursor::OldJoystick) => CursorIcon::Cell,
                Some(Cursor::Move) => CursorIcon::Move,
                Some(Cursor::Turn(x, y)) => match (x, y) {
                    (1, 0) => CursorIcon::EResize,
                    (-1, 0) => CursorIcon::WResize,
                    (0, -1) => CursorIcon::NResize,
                    (0, 1) => CursorIcon::SResize,
                    (1, -1) => CursorIcon::NeResize,
                    (-1, -1) => CursorIcon::NwResize,
                    (1, 1) => CursorIcon::SeResize,
                    (-1, 1) => CursorIcon::SwResize,
                    _ => CursorIcon::Move,
                },
            }
        };
        if self.cursor != Some(icon) {
            g.window.set_cursor(icon);
            self.cursor = Some(icon);
        }
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
        if self.opts.report_state
            && let Some(g) = &self.gfx
        {
            println!(
                "{}",
                serde_json::json!({"event": "window", "x11_id": x11_window_id(&g.window)})
            );
        }
        self.update_overlay();
        self.redraw();
        // Compile the shader while the movie decodes (software renderers
        // compile at the first draw).
        if let Some(g) = &mut self.gfx
            && g.renderer.node().is_none()
        {
            g.renderer.warm_up(&g.gpu, g.surface.format());
        }
        self.request_redraw();
    }

    fn user_event(&mut self, _el: &ActiveEventLoop, e: UserEvent) {
        match e {
            UserEvent::Load(l) => self.handle_load(l),
            UserEvent::Dialog(Some(p)) => self.open(Origin::File(p), None),
            UserEvent::Dialog(None) => {}
            UserEvent::ReportState => self.report_state("state"),
        }
    }

    fn window_event(&mut self, el: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        match event {
            WindowEvent::CloseRequested => el.exit(),
            // Destroyed from outside (xkill, a crashed window manager): done.
            WindowEvent::Destroyed => {
                self.destroyed = true;
                el.exit();
            }
            WindowEvent::Resized(size) => self.resize(size),
            WindowEvent::ScaleFactorChanged { .. } => {
                self.overlay_dirty = true;
                self.request_redraw();
            }
            WindowEvent::RedrawRequested => self.redraw(),
            WindowEvent::ModifiersChanged(m) => self.modifiers = m.state(),
            WindowEvent::KeyboardInput { event, .. } => {
                let code = match event.physical_key {
                    PhysicalKey::Code(c) => Some(c),
                    _ => None,
                };
                self.keyboard(
                    el,
                    &event.logical_key,
                    code,
                    event.state == ElementState::Pressed,
                    event.repeat,
                );
            }
            WindowEvent::Focused(false) => {
                if let Some(s) = &mut self.shown {
                    s.nav.release_keys();
                    if s.nav.release() {
                        self.refresh_object_frame();
                        self.request_redraw();
                    }
                }
                self.zoom_key = None;
            }
            WindowEvent::CursorMoved { position, .. } => self.pointer_moved(position),
            WindowEvent::CursorLeft { .. } => {
                self.bar_hover = None;
                self.hover_name = None;
                self.overlay_dirty = true;
                self.request_redraw();
            }
            WindowEvent::MouseInput { state, button, .. } => self.mouse_button(state, button),
            WindowEvent::MouseWheel { delta, .. } => match delta {
                MouseScrollDelta::LineDelta(_, y) => self.zoom(f64::from(y)),
                MouseScrollDelta::PixelDelta(p) => self.zoom(p.y / 40.0),
            },
            WindowEvent::PinchGesture { delta, .. } => {
                if let Some(s) = &mut self.shown
                    && delta.is_finite()
                {
                    s.nav.zoom_by(1.0 / (1.0 + delta.clamp(-0.5, 0.5)));
                    self.last_tick = None;
                    self.request_redraw();
                }
            }
            WindowEvent::DroppedFile(p) => self.open(Origin::File(p), None),
            _ => {}
        }
    }

    fn about_to_wait(&mut self, el: &ActiveEventLoop) {
        if self.fatal.is_some() || self.destroyed {
            el.exit();
            return;
        }
        let now = Instant::now();
        let mut due: Option<Instant> = None;
        let mut wake = |t: Instant| due = Some(due.map_or(t, |d| d.min(t)));
        if let Some(at) = self.wake_at {
            if now >= at {
                self.wake_at = None;
                self.request_redraw();
            } else {
                wake(at);
            }
        }
        if let Some(t) = self.check_fullscreen() {
            wake(t);
        }
        // Shift/Ctrl held alone start zooming after a moment.
        if let Some((key, since, false)) = self.zoom_key {
            let t = since + ZOOM_KEY_DELAY;
            if now >= t {
                self.zoom_key = Some((key, since, true));
                self.nav_key(key, true);
            } else {
                wake(t);
            }
        }
        if let Some(m) = &self.message {
            wake(m.since + MESSAGE_TIME);
        }
        el.set_control_flow(due.map_or(ControlFlow::Wait, ControlFlow::WaitUntil));
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

/// Where Ctrl+S saves: `QTVR_SAVE_DIR`, else the user's pictures folder,
/// else the current folder.
fn save_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("QTVR_SAVE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(home) = std::env::var_os("HOME") {
        let pictures = PathBuf::from(home).join("Pictures");
        if pictures.is_dir() {
            return pictures;
        }
    }
    PathBuf::from(".")
}

/// `path`, or `path` with " (2)", " (3)", … before the extension when taken.
fn unique(path: PathBuf) -> PathBuf {
    if !path.exists() {
        return path;
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    for i in 2..10_000 {
        let p = path.with_file_name(format!("{stem} ({i}).png"));
        if !p.exists() {
            return p;
        }
    }
    path
}

/// Quotes a path for a POSIX shell when it needs it.
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
