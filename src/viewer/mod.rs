//! The viewer's logic as plain data: no window, no GPU. A [`Viewer`] takes the
//! core's own input events ([`Input`]: pointer, keys, wheel, resize, frames,
//! load results, answers to effects) at a given time and answers with
//! [`Effect`]s for the window shell (`crate::app`) to carry out: load a movie
//! or node, upload a picture, set an overlay slot, open a URL, save, copy,
//! set the cursor, print a report, go fullscreen, redraw, wake later, quit.
//! What to draw is [`Viewer::shot`] with [`Viewer::hotspots_shown`].
//!
//! Switching movies and nodes is one state machine (`Switch`, in
//! `switch.rs`): a movie being opened, a node loading, a link's swing toward
//! its hot spot (the new node's picture held until it ends), then the
//! cross-fade from a snapshot of the old node. `controls.rs` lays out the bar
//! and panels, `input.rs` maps keys and the pointer; `--report-state` lines
//! are [`Report`]s.
//!
//! Tests drive it with simulated times and a fake [`Host`] (`tests.rs`).

mod controls;
mod input;
pub mod listing;
pub mod load;
pub mod quality;
mod report;
pub mod sound;
mod switch;
#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

use crate::ui::{BarLayout, Button, Canvas};
use crate::view::nav::{DragMode, Key as NavKey, Navigator, Settings};
use crate::view::tour::{Tour, UrlClicks};
use crate::view::{ObjectView, Shot};
use qtvr_format::assemble::NodePicture;
use qtvr_format::qtvr::{HotspotId, Node, NodeId};

use input::ZOOM_KEY_DELAY;
use load::{LoadEvent, OpenMovie, Origin, Stage};
use quality::{MotionQuality, MotionSetting};
pub use report::{ButtonAt, Report, ViewState};
pub use sound::SoundEffect;
use switch::{FrameCache, Switch, ViewDecoding};

/// Overlay slots, drawn in this order: the old node fading out, the bar,
/// help or the node list, messages.
pub const FADE: usize = 0;
pub const BAR: usize = 1;
pub const PANEL: usize = 2;
pub const MESSAGE: usize = 3;
/// How many overlay slots there are.
pub const SLOTS: usize = 4;

/// A message stays this long.
const MESSAGE_TIME: Duration = Duration::from_secs(10);

/// How long a panorama's preview (or low-resolution picture) waits for the
/// full picture before it is shown. Decoded a few tens of milliseconds
/// before the full picture, as it mostly is from a disk, the preview is
/// never shown: drawing it would only hold up the full picture (its upload
/// and frame share the cores with the full decode) and flash a blurred
/// view just before the sharp one. From slow media, or for a node that
/// takes long to decode, it still shows after this wait.
pub const PREVIEW_WAIT: Duration = Duration::from_millis(100);

/// While the button is held on an object, how long after its last moving
/// frame the view is drawn at full quality: the next move of the pointer
/// usually comes sooner and is drawn moving again (at once when the button
/// is let go).
pub const OBJECT_SETTLE: Duration = Duration::from_millis(100);

/// The chooser of a disc image's movies: the list panel, one line selected.
#[derive(Debug, Clone)]
struct Chooser {
    /// The image's name.
    image: String,
    movies: Vec<load::Choice>,
    selected: usize,
}

/// Where the panel is drawn (see [`Viewer::update_overlay`]).
#[derive(Debug, Clone, Copy)]
struct PanelAt {
    at: [i32; 2],
    size: [u32; 2],
    text_scale: u32,
    max_width: u32,
}

/// How the viewer starts.
#[derive(Debug, Clone)]
pub struct Options {
    /// Pan, tilt and field of view to start the first movie at (each: the
    /// node's default).
    pub view: [Option<f32>; 3],
    pub drag: DragMode,
    /// Emit [`Effect::Report`]s.
    pub report_state: bool,
    /// Motion quality: the resolution moving frames are drawn at.
    pub motion: MotionSetting,
}

/// Named keys the viewer knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedKey {
    Left,
    Right,
    Up,
    Down,
    Shift,
    Control,
    F11,
    Escape,
    Backspace,
    Enter,
}

/// A key as the keyboard layout names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyName {
    Named(NamedKey),
    /// The text the key types (`"n"`, `"+"`, …).
    Char(String),
    Other,
}

/// A key going down or up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPress {
    pub key: KeyName,
    /// The physical letter key (`'o'` for the key where QWERTY has O), for
    /// Ctrl shortcuts.
    pub code: Option<char>,
    pub down: bool,
    pub repeat: bool,
}

/// What happens to the viewer: input, time, load results and the shell's
/// answers to effects.
pub enum Input {
    /// The window's inner size in physical pixels and its scale factor (at
    /// start and whenever it changes).
    Resized {
        size: [u32; 2],
        scale: f64,
    },
    /// The scale factor changed.
    ScaleChanged(f64),
    /// Ctrl and Alt held.
    Modifiers {
        ctrl: bool,
        alt: bool,
    },
    Key(KeyPress),
    /// The pointer moved, in physical pixels.
    PointerMoved([f64; 2]),
    PointerLeft,
    /// The left button went down (true) or up.
    Button(bool),
    /// Zoom by wheel steps (positive: in).
    Wheel(f64),
    /// A pinch gesture's delta.
    Pinch(f64),
    FocusLost,
    /// Open a movie (command line, Open dialog, a drop).
    Open {
        origin: Origin,
        node: Option<NodeId>,
    },
    Load(LoadEvent),
    /// Report the state now.
    ReportState,
    /// A frame is about to be drawn: animate up to now.
    Frame,
    /// The frame was presented; drawing, scaling and presenting it took
    /// `work` (what motion quality adapts to).
    Presented {
        work: Duration,
    },
    /// The shell is about to wait for events.
    Wait,
    /// An [`Effect::Upload`] failed.
    UploadFailed(String),
    /// An [`Effect::Save`] ended: the file written, or why not.
    Saved(Result<std::path::PathBuf, String>),
    /// An [`Effect::Copy`] ended.
    Copied {
        text: String,
        result: Result<(), String>,
    },
    /// An [`Effect::OpenUrl`] ended.
    UrlOpened {
        url: String,
        result: Result<(), String>,
    },
    /// The answer to [`SoundEffect::Load`] `id`: whether the movie has sound
    /// that plays, why there is no sound output (when the movie has sound
    /// but nothing can play it), and what to tell the user (tracks that
    /// cannot be decoded).
    SoundReady {
        id: u64,
        playable: bool,
        no_output: Option<String>,
        notices: Vec<String>,
    },
    /// The window was hidden or minimised (true), or shown again.
    Hidden(bool),
}

/// The pointer's looks (named as winit's cursor icons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorShape {
    Default,
    Pointer,
    Progress,
    Grab,
    Grabbing,
    Crosshair,
    Cell,
    Move,
    EResize,
    WResize,
    NResize,
    SResize,
    NeResize,
    NwResize,
    SeResize,
    SwResize,
}

/// What the shell does for the viewer, in order.
#[derive(Debug)]
pub enum Effect {
    /// Open a movie in the background, then load `node` (loader generation
    /// `generation`).
    Open {
        generation: u64,
        origin: Origin,
        node: Option<NodeId>,
    },
    /// Load a node of an open movie in the background.
    LoadNode {
        generation: u64,
        movie: OpenMovie,
        node: NodeId,
        /// Object nodes: the view to decode first (the one the node will
        /// show on arrival); `None`: the node's default view.
        object_view: Option<ObjectView>,
    },
    /// Decode these views of an object node in the background and answer with
    /// [`LoadEvent::Views`]: the node's codec is decoded by ffmpeg, which
    /// must never hold up the event loop (one process for all the views).
    DecodeViews {
        generation: u64,
        movie: OpenMovie,
        node: NodeId,
        views: Vec<qtvr_format::assemble::ObjectFrame>,
    },
    /// Give the renderer this picture (answer [`Input::UploadFailed`] on error).
    Upload {
        picture: Box<NodePicture>,
        hotspot_ids: Vec<HotspotId>,
    },
    /// Show a picture in an overlay slot at a pixel position, or hide the slot.
    Overlay {
        slot: usize,
        show: Option<(Canvas, [i32; 2])>,
    },
    /// Draw `shot` (of the picture the renderer holds) into the fade slot,
    /// fully opaque (hide the slot when nothing could be drawn).
    Snapshot {
        shot: Shot,
        hotspots: bool,
    },
    /// The fade slot's opacity.
    FadeOpacity(f32),
    Redraw,
    /// Wake up at this time (after [`Input::Wait`]).
    WakeAt(Instant),
    Title(String),
    Cursor(CursorShape),
    /// Fullscreen on, off or (`None`) toggled.
    Fullscreen(Option<bool>),
    OpenDialog,
    /// Open a web address (answer [`Input::UrlOpened`]).
    OpenUrl(String),
    /// Render `shot` at `size` and save it as a PNG named `name` in the save
    /// folder (answer [`Input::Saved`]).
    Save {
        name: String,
        shot: Shot,
        size: [u32; 2],
        hotspots: bool,
    },
    /// Put text on the clipboard (answer [`Input::Copied`]).
    Copy(String),
    /// Print a `--report-state` line.
    Report(Report),
    /// Play, switch, mute or pause sound.
    Sound(SoundEffect),
    Quit,
}

/// What the viewer asks of the window and renderer.
pub trait Host {
    /// The hot spot under window pixel `at` when `shot` is drawn at `size`.
    fn hotspot_at(&self, shot: &Shot, size: [u32; 2], at: [f64; 2]) -> Option<HotspotId>;
    /// Whether the window is fullscreen.
    fn fullscreen(&self) -> bool;
}

/// A message panel's content.
#[derive(Debug, Clone, PartialEq)]
struct Message {
    title: String,
    lines: Vec<String>,
    since: Instant,
    error: bool,
}

/// A centred panel: title and lines.
#[derive(Debug, Clone, PartialEq)]
struct Panel {
    title: String,
    lines: Vec<String>,
}

/// What the panel and message slots show: panel, message, window size, UI scale.
type Panels = (Option<Panel>, Option<Message>, [u32; 2], u32);

/// The movie and node being shown.
struct Shown {
    movie: OpenMovie,
    node: NodeId,
    nav: Navigator,
    stage: Stage,
    /// Object nodes: the view whose frame is uploaded.
    object_view: Option<ObjectView>,
    /// Object nodes: decoded frames, so animation loops and drags back and
    /// forth decode each frame once.
    frames: FrameCache,
    /// Object nodes: where their frames are decoded.
    views: ViewDecoding,
}

/// The window as the viewer knows it.
#[derive(Debug, Clone, Copy)]
struct WindowSize {
    size: [u32; 2],
    scale: f64,
}

/// The viewer: see the module docs.
pub struct Viewer {
    opts: Options,
    started: Instant,
    now: Instant,
    window: Option<WindowSize>,
    shown: Option<Shown>,
    /// Opening movies, loading and switching nodes.
    switch: Switch,
    progress: Option<f32>,
    /// The node being shown or gone to, and the way back.
    tour: Tour,
    urls: UrlClicks,
    message: Option<Message>,
    /// The pointer's look, as last set.
    cursor: Option<CursorShape>,
    /// What the help and message slots show (redrawn only when it changes).
    panels_shown: Option<Panels>,
    /// Where the panel is drawn: top-left, size, and the text scale and
    /// width it was laid out with (for clicks on the chooser's lines).
    panel_at: Option<PanelAt>,
    show_bar: bool,
    show_help: bool,
    /// The node list (N): digits jump to a node.
    show_nodes: bool,
    /// A disc image's QuickTime VR movies to choose from.
    chooser: Option<Chooser>,
    show_hotspots: bool,
    settings: Settings,
    ctrl: bool,
    alt: bool,
    pointer: [f64; 2],
    /// Where the button went down, and whether the pointer has moved since.
    pressed_at: Option<([f64; 2], bool)>,
    last_click: Option<(Instant, [f64; 2])>,
    zoom_key: Option<(NavKey, Instant, bool)>,
    last_tick: Option<Instant>,
    bar_layout: Option<BarLayout>,
    bar_hover: Option<Button>,
    hover_name: Option<String>,
    overlay_dirty: bool,
    frames: u64,
    /// Frames drawn at a reduced resolution (motion quality).
    reduced_frames: u64,
    /// Motion quality: the resolution of moving frames.
    quality: MotionQuality,
    /// The fraction of the resolution the frame being drawn uses.
    frame_scale: f32,
    /// The view the last frame showed.
    last_shot: Option<Shot>,
    /// Object nodes: the view whose frame the last frame showed.
    last_object_view: Option<ObjectView>,
    /// The pointer moved with the button held since the last frame.
    drag_moved: bool,
    /// The last frame: its time, whether a transition moved, whether anything animated.
    frame: Option<(Instant, bool, bool)>,
    /// When object animation next changes the view.
    wake_at: Option<Instant>,
    /// When a dragged object, held still, is drawn in full ([`OBJECT_SETTLE`]).
    settle_at: Option<Instant>,
    /// A preview waiting for the full picture (its loader generation, and
    /// when it is shown if the full picture has not come: [`PREVIEW_WAIT`]).
    held_preview: Option<(u64, switch::Arrival, Instant)>,
    first_frame_reported: bool,
    reported: Option<String>,
    /// Sound: mute, volume, the speaker button.
    sound: sound::SoundControls,
    effects: Vec<Effect>,
}

impl Viewer {
    /// A viewer started at `now`, showing nothing yet.
    pub fn new(opts: Options, now: Instant) -> Viewer {
        let quality = MotionQuality::new(opts.motion);
        let settings = Settings {
            drag: opts.drag,
            ..Settings::default()
        };
        Viewer {
            opts,
            started: now,
            now,
            window: None,
            shown: None,
            switch: Switch::Idle { generation: 0 },
            progress: Some(0.0),
            tour: Tour::new(NodeId(0)),
            urls: UrlClicks::default(),
            message: None,
            cursor: None,
            panels_shown: None,
            panel_at: None,
            show_bar: true,
            show_help: false,
            show_nodes: false,
            chooser: None,
            show_hotspots: false,
            settings,
            ctrl: false,
            alt: false,
            pointer: [0.0; 2],
            pressed_at: None,
            last_click: None,
            zoom_key: None,
            last_tick: None,
            bar_layout: None,
            bar_hover: None,
            hover_name: None,
            overlay_dirty: true,
            frames: 0,
            reduced_frames: 0,
            quality,
            frame_scale: 1.0,
            last_shot: None,
            last_object_view: None,
            drag_moved: false,
            frame: None,
            wake_at: None,
            settle_at: None,
            held_preview: None,
            first_frame_reported: false,
            reported: None,
            sound: sound::SoundControls::default(),
            effects: Vec::new(),
        }
    }

    /// What to draw: the current node's shot (none before the first picture).
    pub fn shot(&self) -> Option<Shot> {
        self.shown.as_ref().map(|s| s.nav.shot())
    }

    /// The fraction of the window's resolution to draw the frame at
    /// (motion quality: below 1 while the view moves and frames are slow).
    pub fn frame_scale(&self) -> f32 {
        self.frame_scale
    }

    /// Whether hot spots are outlined.
    pub fn hotspots_shown(&self) -> bool {
        self.show_hotspots
    }

    /// Takes `input` at time `now`; returns what the shell is to do, in order.
    pub fn handle(&mut self, now: Instant, input: Input, host: &dyn Host) -> Vec<Effect> {
        self.now = now;
        match input {
            Input::Resized { size, scale } => self.resize(size, scale),
            Input::ScaleChanged(scale) => {
                if let Some(w) = &mut self.window {
                    w.scale = scale;
                }
                self.changed();
            }
            Input::Modifiers { ctrl, alt } => (self.ctrl, self.alt) = (ctrl, alt),
            Input::Key(k) => self.keyboard(k),
            Input::PointerMoved(p) => self.pointer_moved(p, host),
            Input::PointerLeft => {
                self.bar_hover = None;
                self.hover_name = None;
                self.changed();
            }
            Input::Button(down) => self.mouse_button(down, host),
            Input::Wheel(steps) => {
                if self.button_under_pointer() == Some(Button::Sound) {
                    self.change_volume(steps as f32 * 0.05);
                } else {
                    self.zoom(steps)
                }
            }
            Input::Pinch(delta) => {
                if let Some(s) = &mut self.shown
                    && delta.is_finite()
                {
                    s.nav.zoom_by(1.0 / (1.0 + delta.clamp(-0.5, 0.5)));
                    self.last_tick = None;
                    self.redraw();
                }
            }
            Input::FocusLost => {
                if let Some(s) = &mut self.shown {
                    s.nav.release_keys();
                    if s.nav.release() {
                        self.refresh_object_frame();
                        self.redraw();
                    }
                }
                self.zoom_key = None;
            }
            Input::Open { origin, node } => self.open(origin, node),
            Input::Load(e) => self.handle_load(e),
            Input::ReportState => self.report_state("state", host),
            Input::Frame => self.tick(),
            Input::Presented { work } => self.presented(work, host),
            Input::Wait => self.wait(),
            Input::UploadFailed(e) => self.say("Cannot show this node", vec![e], true),
            Input::Saved(Ok(path)) => {
                let path = path.display().to_string();
                self.report(Report::Saved { path: path.clone() });
                self.say("Saved the view", vec![path], false);
            }
            Input::Saved(Err(e)) => self.say("Cannot save the view", vec![e], true),
            Input::Copied { text, result } => match result {
                Ok(()) => self.say("Copied the render command", vec![text], false),
                Err(e) => self.say("Cannot use the clipboard", vec![e, text], true),
            },
            Input::SoundReady {
                id,
                playable,
                no_output,
                notices,
            } => self.sound_ready(id, playable, no_output, notices),
            Input::Hidden(hidden) => self.window_hidden(hidden),
            Input::UrlOpened { url, result } => {
                self.report(Report::OpenUrl {
                    url: url.clone(),
                    ok: result.is_ok(),
                });
                match result {
                    Ok(()) => self.say("Opening in your web browser", vec![url], false),
                    Err(e) => self.say("Cannot open the web page", vec![url, e], true),
                }
            }
        }
        std::mem::take(&mut self.effects)
    }

    fn effect(&mut self, e: Effect) {
        self.effects.push(e);
    }

    fn report(&mut self, r: Report) {
        if self.opts.report_state {
            self.effect(Effect::Report(r));
        }
    }

    fn redraw(&mut self) {
        if self.window.is_some() {
            self.effect(Effect::Redraw);
        }
    }

    /// The controls change: redraw them.
    fn changed(&mut self) {
        self.overlay_dirty = true;
        self.redraw();
    }

    fn physical_size(&self) -> [u32; 2] {
        self.window.map_or([1, 1], |w| w.size)
    }

    fn scale(&self) -> f64 {
        self.window.map_or(1.0, |w| w.scale)
    }

    fn logical_size(&self) -> [f64; 2] {
        let [w, h] = self.physical_size();
        let s = self.scale();
        [f64::from(w) / s, f64::from(h) / s]
    }

    fn say(&mut self, title: &str, lines: Vec<String>, error: bool) {
        let (t, l) = (title.to_string(), lines.clone());
        self.report(if error {
            Report::Error { title: t, lines: l }
        } else {
            Report::Message { title: t, lines: l }
        });
        self.message = Some(Message {
            title: title.to_string(),
            lines,
            since: self.now,
            error,
        });
        self.changed();
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

    fn resize(&mut self, size: [u32; 2], scale: f64) {
        self.window = Some(WindowSize { size, scale });
        let logical = self.logical_size();
        if let Some(s) = &mut self.shown {
            s.nav.resize(logical);
        }
        self.changed();
    }

    /// Before a frame: animate to now.
    fn tick(&mut self) {
        let now = self.now;
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
        let transition = self.switch.moving();
        let animating = transition || self.shown.as_ref().is_some_and(|s| s.nav.animating());
        self.last_tick = animating.then_some(now);
        self.frame = Some((now, transition, animating));
        // Moving views (not an object's own animation, whose frames come
        // at their pace, nor a view held still under the button) may be
        // drawn at a reduced resolution; an object's while the drag moves
        // (its frame changes every few pointer moves).
        let shot = self.shot();
        let flat = matches!(shot, Some(Shot::Flat { .. }));
        let object_view = self.shown.as_ref().and_then(|s| s.object_view);
        let moving = transition
            || self.shown.as_ref().is_some_and(|s| {
                s.nav.wake_in() == Some(0.0)
                    || (s.nav.dragging()
                        && (shot != self.last_shot
                            || object_view != self.last_object_view
                            || (flat && self.drag_moved)))
            });
        self.last_shot = shot;
        self.last_object_view = object_view;
        self.drag_moved = false;
        self.frame_scale = if flat {
            self.quality.object_scale(moving)
        } else {
            self.quality.scale(moving)
        };
    }

    /// After a frame: wake for the next, report the first frame and rest.
    fn presented(&mut self, work: Duration, host: &dyn Host) {
        let Some((now, transition, animating)) = self.frame else {
            return;
        };
        self.frames += 1;
        let reduced = self.frame_scale < 1.0;
        self.reduced_frames += u64::from(reduced);
        self.quality.observe(self.frame_scale, work);
        // Moving views redraw every frame; object animation wakes when its
        // next frame is due.
        let wake = if transition {
            Some(0.0)
        } else {
            self.shown.as_ref().and_then(|s| s.nav.wake_in())
        };
        match wake {
            Some(t) if t <= 0.0 => self.redraw(),
            Some(t) => self.wake_at = Some(now + Duration::from_secs_f64(t.min(1.0))),
            None => {}
        }
        // A reduced frame is never the last: the view at rest is drawn at
        // full resolution (an object's, while the button is still held,
        // after a moment without another frame).
        let dragging = self.shown.as_ref().is_some_and(|s| s.nav.dragging());
        self.settle_at = None;
        if reduced {
            if dragging && matches!(self.last_shot, Some(Shot::Flat { .. })) {
                self.settle_at = Some(now + OBJECT_SETTLE);
            } else {
                self.redraw();
            }
        }
        let full = self.shown.as_ref().is_some_and(|s| s.stage == Stage::Full);
        if full && !self.first_frame_reported {
            self.first_frame_reported = true;
            let ms = (self.now - self.started).as_secs_f64() * 1000.0;
            crate::timeline::mark("first full-resolution frame presented");
            self.report(Report::FirstFrame { ms });
        }
        let settled = matches!(self.switch, Switch::Idle { .. } | Switch::Opening { .. });
        if !animating && !dragging && settled && full && !reduced {
            self.report_state("idle", host);
        }
    }

    /// Before the shell waits: what is due now, and when to wake next.
    fn wait(&mut self) {
        let now = self.now;
        let mut due: Option<Instant> = None;
        let mut wake = |t: Instant| due = Some(due.map_or(t, |d| d.min(t)));
        // Object animation's next frame; a dragged object held still.
        let mut due_now = false;
        for at in [&mut self.wake_at, &mut self.settle_at] {
            match *at {
                Some(t) if now >= t => {
                    *at = None;
                    due_now = true;
                }
                Some(t) => wake(t),
                None => {}
            }
        }
        if due_now {
            self.redraw();
        }
        // A preview whose full picture has not come in time.
        if let Some((_, _, at)) = &self.held_preview {
            if now >= *at {
                if let Some((g, a, _)) = self.held_preview.take()
                    && g == self.switch.generation()
                {
                    self.show_picture(a);
                }
            } else {
                wake(*at);
            }
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
        if let Some(t) = due {
            self.effect(Effect::WakeAt(t));
        }
    }

    /// The state now, as `--report-state` prints it.
    fn view_state(&self, host: &dyn Host) -> Option<ViewState> {
        let s = self.shown.as_ref()?;
        let v = s.nav.view();
        let [w, h] = self.physical_size();
        let bar = match (&self.bar_layout, self.show_bar) {
            (Some(l), true) => l.height,
            _ => 0,
        };
        let object = s.nav.object_view();
        let buttons = self.bar_layout.as_ref().map(|l| {
            let top = h.saturating_sub(l.height);
            l.buttons
                .iter()
                .map(|(b, [x, y, bw, bh])| ButtonAt {
                    button: format!("{b:?}"),
                    x: x + bw / 2,
                    y: top + y + bh / 2,
                })
                .collect()
        });
        Some(ViewState {
            file: s.movie.origin.path(),
            node: s.node,
            pan: v.pan,
            tilt: v.tilt,
            fov: v.fov,
            width: w,
            height: h,
            bar_height: bar,
            fullscreen: host.fullscreen(),
            hotspots: self.show_hotspots,
            help: self.show_help,
            drag: format!("{:?}", self.settings.drag),
            history: self.tour.depth(),
            nodes: self.show_nodes,
            row: object.map(|o| o.row),
            column: object.map(|o| o.column),
            state: object.map(|o| o.state),
            frame: object.map(|o| o.frame),
            buttons,
            sound: self.sound.report(),
        })
    }

    /// Reports the state as event `event`; `idle` events only when
    /// different from the last one.
    fn report_state(&mut self, event: &str, host: &dyn Host) {
        if !self.opts.report_state {
            return;
        }
        let Some(view) = self.view_state(host) else {
            return;
        };
        if event != "idle" {
            // Frames drawn so far: the same after a pause means no idle
            // redraws. The pointer's look and the hot spot under it (not in
            // idle events: hovering is not a new view).
            self.report(Report::State {
                view,
                cursor: self.cursor.map(|c| format!("{c:?}")),
                hover: self.hover_name.clone(),
                frames: self.frames,
                reduced_frames: self.reduced_frames,
                scale: self.frame_scale,
            });
            return;
        }
        // A view at rest is reported once. The sound's state (and its
        // speaker button, which comes when the sound is ready) is not a new
        // view: it does not make another idle report by itself.
        let mut key = view.clone();
        key.sound = None;
        if let Some(b) = &mut key.buttons {
            b.retain(|b| b.button != "Sound");
        }
        let line = Report::Idle(key).to_json();
        if self.reported.as_deref() != Some(&line) {
            self.reported = Some(line);
            self.report(Report::Idle(view));
        }
    }
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
