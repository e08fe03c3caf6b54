//! Switching movies and nodes: one state machine ([`Switch`]) from a movie
//! being opened or a node loading, through a link's swing toward its hot
//! spot (the new node's picture held until it ends), to the cross-fade from
//! a snapshot of the old node; history steps, the node list, Back, link and
//! URL clicks, and object frames.

use std::sync::Arc;

use super::load::{LoadEvent, OpenMovie, Origin, Stage};
use super::{Effect, FADE, Host, Report, Shown, Viewer};
use crate::view::ObjectView;
use crate::view::nav::{Navigator, Subject};
use crate::view::tour::{self, Action, Phase, Transition};
use qtvr_format::assemble::NodePicture;
use qtvr_format::qtvr::{NodeId, View};

/// A movie or node being loaded, shown with its first picture.
pub(super) struct Target {
    pub(super) movie: OpenMovie,
    pub(super) node: NodeId,
    pub(super) view: Option<View>,
    /// What the history does once the node shows (not before: a node that
    /// fails to load leaves the history as it was).
    pub(super) history: Step,
}

/// A history step taken when a node shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Step {
    /// A link or the node list: remember where we were (this view).
    Push(View),
    /// Back: drop the step we return along.
    Pop,
    None,
}

/// A loaded picture.
pub(super) struct Arrival {
    pub(super) node: NodeId,
    pub(super) stage: Stage,
    pub(super) picture: NodePicture,
    pub(super) object_view: Option<ObjectView>,
}

/// Switching movies and nodes. Every phase names the loader generation
/// whose results it takes (older ones are dropped).
pub(super) enum Switch {
    /// Nothing under way (the current node's later pictures may still come).
    Idle { generation: u64 },
    /// A movie is being opened (its name, for errors), to show `node`
    /// (default: the scene's default node).
    Opening {
        generation: u64,
        name: String,
        node: Option<NodeId>,
    },
    /// Waiting for the first picture of `to`; with a link's or Back's
    /// transition (its swing over), the old node is snapshotted to fade out.
    Loading {
        generation: u64,
        to: Target,
        transition: Option<Transition>,
    },
    /// A link's swing toward its hot spot; the new node's latest picture is
    /// held until it ends.
    Swinging {
        generation: u64,
        to: Target,
        transition: Transition,
        held: Option<Box<Arrival>>,
    },
    /// The new node shows; the old one's snapshot fades out.
    Fading {
        generation: u64,
        transition: Transition,
    },
}

impl Switch {
    /// The loader generation whose results are taken.
    pub(super) fn generation(&self) -> u64 {
        match self {
            Switch::Idle { generation }
            | Switch::Opening { generation, .. }
            | Switch::Loading { generation, .. }
            | Switch::Swinging { generation, .. }
            | Switch::Fading { generation, .. } => *generation,
        }
    }

    /// The node awaited.
    pub(super) fn target(&self) -> Option<&Target> {
        match self {
            Switch::Loading { to, .. } | Switch::Swinging { to, .. } => Some(to),
            _ => None,
        }
    }

    /// A swing or a fade runs (redraw every frame).
    pub(super) fn moving(&self) -> bool {
        matches!(self, Switch::Swinging { .. } | Switch::Fading { .. })
    }
}

/// Decoded object frames by (row, column, state, frame), within a byte budget
/// ([`Limits::frame_cache_bytes`](qtvr_format::limits::Limits::frame_cache_bytes)).
/// How `node`'s frames are decoded: in the background when it is an object
/// whose image track's codec ffmpeg decodes, or whose frames are large
/// (over [`HERE_MAX_PIXELS`]), so that the window never waits on them.
fn view_decoding(movie: &OpenMovie, node: &qtvr_format::qtvr::Node) -> ViewDecoding {
    let qtvr_format::qtvr::NodeContent::Object(o) = &node.content else {
        return ViewDecoding::Here;
    };
    let one = qtvr_format::assemble::object_memory(movie.movie(), o, 1);
    let large = u64::from(one.largest[0]) * u64::from(one.largest[1]) > HERE_MAX_PIXELS;
    let by_ffmpeg = movie
        .movie()
        .tracks
        .iter()
        .find(|t| t.id == o.image_track.track_id)
        .and_then(|t| {
            qtvr_format::tiles::external::decoding(t, &qtvr_format::tiles::Fallback::Auto)
        })
        .is_some_and(|d| matches!(d, qtvr_format::tiles::external::Decoding::Ffmpeg(_)));
    if by_ffmpeg || large {
        ViewDecoding::Background {
            all: false,
            asked: None,
        }
    } else {
        ViewDecoding::Here
    }
}

/// Largest object frame decoded on the event loop (a frame of the codecs
/// written here this size decodes in a few milliseconds).
const HERE_MAX_PIXELS: u64 = 1024 * 1024;

/// Every view of an object node: each state, row, column and frame.
fn all_views(o: &qtvr_format::qtvr::ObjectNode) -> Vec<qtvr_format::assemble::ObjectFrame> {
    let mut v = Vec::new();
    for state in 0..o.view_states.max(1) {
        for row in 0..o.rows {
            for column in 0..o.columns {
                for frame in 0..o.frames_per_view.max(1) {
                    v.push(qtvr_format::assemble::ObjectFrame {
                        row,
                        column,
                        state,
                        frame,
                    });
                }
            }
        }
    }
    v
}

/// Where an object node's frames are decoded when they are not in its
/// [`FrameCache`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ViewDecoding {
    /// Here, on the event loop, when wanted (the codecs written here decode a
    /// frame of up to [`HERE_MAX_PIXELS`] in a few milliseconds).
    Here,
    /// In the background ([`Effect::DecodeViews`]): the codec is decoded by
    /// ffmpeg, a process that takes its time (and may hang until its time
    /// limit), or the frames are larger than [`HERE_MAX_PIXELS`]. On arrival every view is decoded in one run when they fit the
    /// cache (`all` while that runs); later misses one view at a time
    /// (`asked`: the view being decoded, or the last that failed).
    Background {
        all: bool,
        asked: Option<(u32, u32, u32, u32)>,
    },
}

pub(super) struct FrameCache {
    pictures: std::collections::HashMap<(u32, u32, u32, u32), NodePicture>,
    bytes: u64,
    max_bytes: u64,
}

impl Default for FrameCache {
    fn default() -> Self {
        FrameCache::new(&qtvr_format::limits::Limits::DEFAULT)
    }
}

impl FrameCache {
    /// An empty cache holding at most `limits.frame_cache_bytes`.
    pub(super) fn new(limits: &qtvr_format::limits::Limits) -> Self {
        FrameCache {
            pictures: std::collections::HashMap::new(),
            bytes: 0,
            max_bytes: limits.frame_cache_bytes,
        }
    }

    /// The most bytes it keeps.
    pub(super) fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    pub(super) fn get(&self, key: (u32, u32, u32, u32)) -> Option<NodePicture> {
        self.pictures.get(&key).cloned()
    }

    /// Keeps `p` under `key`, emptying the cache first when it would be over
    /// its budget; a picture larger than the whole budget is not kept.
    pub(super) fn put(
        &mut self,
        key: (u32, u32, u32, u32),
        p: &NodePicture,
    ) -> Result<(), qtvr_format::limits::OverBudget> {
        let size: u64 = p
            .surfaces
            .iter()
            .map(|s| s.image.stored_bytes() as u64)
            .sum();
        if size > self.max_bytes {
            return Err(qtvr_format::limits::OverBudget {
                what: qtvr_format::limits::Resource::FrameCache,
                requested: size,
                remaining: self.max_bytes,
            });
        }
        if let Some(old) = self.pictures.remove(&key) {
            let old: u64 = old
                .surfaces
                .iter()
                .map(|s| s.image.stored_bytes() as u64)
                .sum();
            self.bytes -= old;
        }
        if self.bytes + size > self.max_bytes {
            self.pictures.clear();
            self.bytes = 0;
        }
        self.bytes += size;
        self.pictures.insert(key, p.clone());
        Ok(())
    }
}

impl Viewer {
    /// Opens a movie in the background; the current one stays until it shows.
    /// A disc image's chooser closes (another image brings its own).
    pub(super) fn open(&mut self, origin: Origin, node: Option<NodeId>) {
        self.chooser = None;
        let generation = self.switch.generation() + 1;
        self.switch = Switch::Opening {
            generation,
            name: origin.name(),
            node,
        };
        self.progress = Some(0.0);
        self.overlay_dirty = true;
        self.effect(Effect::Open {
            generation,
            origin,
            node,
        });
    }

    /// Loads another node of the current movie; it replaces the current one
    /// through `transition` (a link's swing, then a cross-fade).
    pub(super) fn go_to_node(
        &mut self,
        node: NodeId,
        view: Option<View>,
        history: Step,
        transition: Transition,
    ) {
        let Some(s) = &self.shown else { return };
        let movie = s.movie.clone();
        self.urls.reset();
        self.report_phase(Phase::Ready, transition.phase());
        let to = Target {
            movie: movie.clone(),
            node,
            view,
            history,
        };
        let generation = self.switch.generation() + 1;
        // An object is decoded at the view it arrives at, not its default.
        let object_view = movie
            .scene()
            .and_then(|sc| sc.node(node))
            .and_then(|n| self.arrival_navigator(n, view).object_view());
        self.switch = if transition.ready() {
            Switch::Loading {
                generation,
                to,
                transition: Some(transition),
            }
        } else {
            Switch::Swinging {
                generation,
                to,
                transition,
                held: None,
            }
        };
        self.last_tick = None;
        self.progress = Some(0.0);
        self.overlay_dirty = true;
        self.effect(Effect::LoadNode {
            generation,
            movie,
            node,
            object_view,
        });
        self.redraw();
    }

    pub(super) fn update_title(&mut self) {
        let title = match (&self.shown, self.switch.target(), &self.chooser) {
            (Some(s), _, _) => {
                format!("{} — {} — qtvr", s.movie.origin.name(), self.node_name())
            }
            (None, Some(t), _) => format!("{} — loading — qtvr", t.movie.origin.name()),
            (None, None, Some(c)) => format!("{} — choose a movie — qtvr", c.image),
            (None, None, None) => "qtvr".to_string(),
        };
        self.effect(Effect::Title(title));
    }

    pub(super) fn handle_load(&mut self, e: LoadEvent) {
        match e {
            LoadEvent::Opened(g, m) if g == self.switch.generation() => {
                let asked = match self.switch {
                    Switch::Opening { node, .. } => node,
                    _ => None,
                };
                let node = asked.unwrap_or_else(|| m.scene().map_or(NodeId(0), |s| s.default_node));
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
                let to = Target {
                    movie: m,
                    node,
                    view,
                    history: Step::None,
                };
                self.switch = Switch::Loading {
                    generation: g,
                    to,
                    transition: None,
                };
                self.update_title();
            }
            LoadEvent::Progress {
                generation,
                done,
                total,
                ..
            } if generation == self.switch.generation() => {
                self.progress = Some(done as f32 / total.max(1) as f32);
                self.changed();
            }
            LoadEvent::Picture {
                generation,
                node,
                stage,
                picture,
                object_view,
            } if generation == self.switch.generation() => {
                let a = Arrival {
                    node,
                    stage,
                    picture: *picture,
                    object_view,
                };
                // A preview waits a moment for the full picture
                // (`PREVIEW_WAIT`); the full picture replaces it unseen.
                if stage == Stage::Preview {
                    let at = self.now + super::PREVIEW_WAIT;
                    self.held_preview = Some((generation, a, at));
                } else {
                    self.held_preview = None;
                    self.show_picture(a);
                }
            }
            LoadEvent::Views {
                generation,
                node,
                pictures,
            } if generation == self.switch.generation() => self.views_decoded(node, pictures),
            LoadEvent::Choose {
                generation,
                image,
                movies,
            } if generation == self.switch.generation() => {
                self.progress = None;
                self.end_transition();
                self.show_help = false;
                self.show_nodes = false;
                self.message = None;
                self.report(super::Report::Chooser {
                    image: image.clone(),
                    movies: movies.iter().map(|m| m.label.clone()).collect(),
                });
                self.chooser = Some(super::Chooser {
                    image,
                    movies,
                    selected: 0,
                });
                self.update_title();
                self.changed();
            }
            LoadEvent::Failed(g, why) if g == self.switch.generation() => {
                let name = match &self.switch {
                    Switch::Opening { name, .. } => Some(name.clone()),
                    s => s
                        .target()
                        .map(|t| &t.movie)
                        .or(self.shown.as_ref().map(|s| &s.movie))
                        .map(|m| m.origin.name()),
                }
                .unwrap_or_else(|| "the movie".into());
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

    /// The navigation of `node` as it shows on arrival: at `view` when
    /// given (a link's, Back's, the command line's), else its default view.
    fn arrival_navigator(&self, node: &qtvr_format::qtvr::Node, view: Option<View>) -> Navigator {
        let mut nav = Navigator::new(Subject::of_node(node), self.logical_size(), self.settings);
        if let Some(v) = view {
            nav.set_view(v);
        }
        nav
    }

    /// Shows a loaded picture; for object nodes `a.object_view` is the view
    /// whose frame it holds.
    pub(super) fn show_picture(&mut self, a: Arrival) {
        let awaited = self.switch.target().is_some_and(|t| t.node == a.node);
        // While a link's swing runs, the new node waits (its latest picture kept).
        if awaited && let Switch::Swinging { held, .. } = &mut self.switch {
            *held = Some(Box::new(a));
            return;
        }
        if awaited {
            let generation = self.switch.generation();
            let Switch::Loading { to, transition, .. } =
                std::mem::replace(&mut self.switch, Switch::Idle { generation })
            else {
                return;
            };
            if transition.is_some() {
                self.snapshot_for_fade();
            }
            self.switch_to(to, transition);
        }
        let Some(s) = &mut self.shown else { return };
        if s.node != a.node {
            return;
        }
        s.stage = a.stage;
        // The loader decodes an object at the view it was asked for (a link's
        // or Back's; the default view when a movie opens). Where the
        // navigator is at another (a start view from the command line), that
        // frame follows right after the upload, before anything is drawn.
        if let Some(v) = a.object_view {
            // Too large to keep: the frame is decoded again when wanted.
            let _ = s
                .frames
                .put((v.row, v.column, v.state, v.frame), &a.picture);
            s.object_view = Some(v);
        }
        // An object whose frames ffmpeg decodes: all its views at once, in
        // the background, when they fit the frame cache.
        let mut decode_all = None;
        if a.stage == Stage::Full
            && let ViewDecoding::Background { all, .. } = &mut s.views
            && let Some(node) = s.movie.scene().and_then(|sc| sc.node(s.node))
            && let qtvr_format::qtvr::NodeContent::Object(o) = &node.content
        {
            let views = all_views(o);
            let bytes = a
                .picture
                .surfaces
                .iter()
                .map(|x| x.image.stored_bytes() as u64)
                .sum::<u64>()
                .saturating_mul(views.len() as u64);
            if bytes <= s.frames.max_bytes() {
                *all = true;
                decode_all = Some(Effect::DecodeViews {
                    generation: self.switch.generation(),
                    movie: s.movie.clone(),
                    node: s.node,
                    views,
                });
            }
        }
        if let Some(e) = decode_all {
            self.effect(e);
        }
        let picture = a.picture;
        if a.stage == Stage::Full {
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
        self.changed();
    }

    /// A new movie or node becomes current with its first picture.
    pub(super) fn switch_to(&mut self, to: Target, transition: Option<Transition>) {
        let Target {
            movie,
            node: id,
            view,
            history,
        } = to;
        let Some(node) = movie.scene().and_then(|s| s.node(id)).cloned() else {
            return;
        };
        self.hover_name = None;
        let nav = self.arrival_navigator(&node, view);
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
            self.sound_movie(&movie);
        }
        let fade = if transition.is_some() && !replaced_movie {
            crate::view::tour::FADE_SECONDS
        } else {
            0.0
        };
        self.sound_node(id, fade);
        if let Some(mut t) = transition.filter(|_| !replaced_movie) {
            let was = t.phase();
            t.switched();
            self.last_tick = None;
            self.report_phase(was, t.phase());
            self.switch = Switch::Fading {
                generation: self.switch.generation(),
                transition: t,
            };
        }
        let views = view_decoding(&movie, &node);
        self.shown = Some(Shown {
            movie,
            node: id,
            nav,
            stage: Stage::Preview,
            object_view: None,
            frames: FrameCache::default(),
            views,
        });
        self.update_title();
    }

    pub(super) fn upload(&mut self, picture: NodePicture) {
        let hotspot_ids = self
            .node()
            .map(|n| n.hotspots.iter().map(|h| h.id).collect())
            .unwrap_or_default();
        self.effect(Effect::Upload {
            picture: Box::new(picture),
            hotspot_ids,
        });
    }

    /// Object nodes: show the frame of a new row/column (from the cache, else
    /// decoded here, or asked of the background where ffmpeg decodes it).
    pub(super) fn refresh_object_frame(&mut self) {
        self.sound_view();
        let generation = self.switch.generation();
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
        let key = (view.row, view.column, view.state, view.frame);
        let pic = match (s.frames.get(key), &mut s.views) {
            (Some(p), _) => Ok(p),
            (None, ViewDecoding::Here) => qtvr_format::assemble::object_picture(
                s.movie.src.as_ref(),
                s.movie.movie(),
                s.node,
                node,
                &view.object_frame(),
                &crate::budget::decode_options(),
            )
            .inspect(|p| {
                // Too large to keep: the frame is decoded again when wanted.
                let _ = s.frames.put(key, p);
            }),
            // Every view is on its way: the picture shown stays until then.
            (None, ViewDecoding::Background { all: true, .. }) => return,
            (None, ViewDecoding::Background { asked, .. }) => {
                if *asked != Some(key) {
                    *asked = Some(key);
                    let e = Effect::DecodeViews {
                        generation,
                        movie: s.movie.clone(),
                        node: s.node,
                        views: vec![view.object_frame()],
                    };
                    self.effect(e);
                }
                return;
            }
        };
        s.object_view = Some(*view);
        match pic {
            Ok(p) => self.upload(p),
            Err(e) => self.say("Cannot show this view", vec![e.to_string()], true),
        }
    }

    /// Object views decoded in the background: into the cache, and the one
    /// the navigator is at onto the screen.
    fn views_decoded(
        &mut self,
        node: NodeId,
        pictures: Result<Vec<(qtvr_format::assemble::ObjectFrame, NodePicture)>, String>,
    ) {
        let Some(s) = &mut self.shown else { return };
        if s.node != node {
            return;
        }
        let failed = match pictures {
            Ok(list) => {
                for (f, p) in &list {
                    // Too large to keep: decoded again when wanted.
                    let _ = s.frames.put((f.row, f.column, f.state, f.frame), p);
                }
                None
            }
            Err(e) => Some(e),
        };
        if let ViewDecoding::Background { all, asked } = &mut s.views {
            *all = false;
            // A view that failed is not asked for again until another was.
            if failed.is_none() {
                *asked = None;
            }
        }
        if let Some(e) = failed {
            self.say("Cannot show this view", vec![e], true);
        }
        self.refresh_object_frame();
        self.changed();
    }

    /// Runs a link's swing and cross-fade; true when the view moved.
    pub(super) fn advance_transition(&mut self, dt: f64) -> bool {
        let (Switch::Swinging { transition: t, .. } | Switch::Fading { transition: t, .. }) =
            &mut self.switch
        else {
            return false;
        };
        let was = t.phase();
        let swing = t.tick(dt);
        let (now, ready, fade, done) = (t.phase(), t.ready(), t.fade(), t.done());
        self.report_phase(was, now);
        let mut moved = false;
        if let (Some(v), Some(s)) = (swing, &mut self.shown) {
            s.nav.set_view(v);
            moved = true;
        }
        let generation = self.switch.generation();
        if ready
            && let Switch::Swinging {
                to,
                transition,
                held,
                ..
            } = std::mem::replace(&mut self.switch, Switch::Idle { generation })
        {
            // The swing is over: wait for the picture, or show the one held.
            self.switch = Switch::Loading {
                generation,
                to,
                transition: Some(transition),
            };
            if let Some(a) = held {
                self.show_picture(*a);
            }
        }
        if let Some(a) = fade {
            self.effect(Effect::FadeOpacity(a));
        }
        if done {
            self.end_transition();
        }
        moved
    }

    /// `--report-state`: a `transition` event when the phase changes (swing,
    /// fade, done).
    pub(super) fn report_phase(&mut self, was: Phase, now: Phase) {
        let name = |p: Phase| match p {
            Phase::Swing { .. } => "swing",
            Phase::Ready => "ready",
            Phase::Fade { .. } => "fade",
            Phase::Done => "done",
        };
        if name(was) != name(now) && name(now) != "ready" {
            self.report(Report::Transition {
                phase: name(now).into(),
            });
        }
    }

    /// Ends loading and any transition: nothing awaited, the fade slot hidden.
    pub(super) fn end_transition(&mut self) {
        let generation = self.switch.generation();
        self.switch = Switch::Idle { generation };
        self.effect(Effect::Overlay {
            slot: FADE,
            show: None,
        });
    }

    /// Whether a node is being loaded (links, Back and the node list wait).
    pub(super) fn loading(&self) -> bool {
        self.switch.target().is_some()
    }

    pub(super) fn go_back(&mut self) {
        if self.loading() {
            return;
        }
        if let Some((node, view)) = self.tour.last() {
            self.go_to_node(node, Some(view), Step::Pop, Transition::fade_only());
        }
    }

    /// The node list: jump to the `i`th node (0-based) of the movie.
    pub(super) fn jump_to_node(&mut self, i: usize) {
        let Some(s) = &self.shown else { return };
        let Some(id) = s.movie.scene().and_then(|sc| sc.nodes.get(i)).map(|n| n.id) else {
            return;
        };
        let (current, here) = (s.node, s.nav.view());
        self.show_nodes = false;
        self.overlay_dirty = true;
        if id != current && !self.loading() {
            self.go_to_node(id, None, Step::Push(here), Transition::fade_only());
        }
    }

    /// Snapshots the current view into the fade slot, shown fully opaque
    /// until the new node is up and the fade begins.
    pub(super) fn snapshot_for_fade(&mut self) {
        if let Some(shot) = self.shot() {
            let hotspots = self.show_hotspots;
            self.effect(Effect::Snapshot { shot, hotspots });
        }
    }

    /// A click on the picture: follows the hot spot under the pointer.
    pub(super) fn follow_link_under_pointer(&mut self, host: &dyn Host) {
        let Some(id) = self.hotspot_under_pointer(host) else {
            self.urls.reset();
            return;
        };
        if self.loading() {
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
                let transition = Transition::new(here, best);
                self.go_to_node(to, Some(view), Step::Push(here), transition);
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
                    self.effect(Effect::OpenUrl(url));
                } else {
                    let again = "Click it again to open it in your web browser.".into();
                    self.say(&name, vec![url, again], false);
                }
            }
            Action::Show { kind, name } => {
                self.urls.reset();
                let what = format!("a '{kind}' hot spot: nothing to follow");
                self.say(&name, vec![what], false);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qtvr_format::assemble::{Geometry, RgbaImage, Surface};
    use qtvr_format::limits::{Limits, OverBudget, Resource};

    fn picture(bytes: usize) -> NodePicture {
        NodePicture {
            node: Default::default(),
            surfaces: vec![Surface {
                geometry: Geometry::Flat,
                image: RgbaImage::new((bytes / 4) as u32, 1, vec![0; bytes]),
                hotspots: None,
            }],
            warnings: Vec::new(),
        }
    }

    #[test]
    fn frame_cache_refuses_pictures_over_its_budget() {
        let mut cache = FrameCache::new(&Limits {
            frame_cache_bytes: 64,
            ..Limits::default()
        });
        assert_eq!(cache.put((0, 0, 0, 0), &picture(64)), Ok(()));
        assert!(cache.get((0, 0, 0, 0)).is_some());
        assert_eq!(
            cache.put((0, 1, 0, 0), &picture(68)),
            Err(OverBudget {
                what: Resource::FrameCache,
                requested: 68,
                remaining: 64,
            })
        );
        assert!(cache.get((0, 1, 0, 0)).is_none());
        // A picture that fits evicts the others.
        assert_eq!(cache.put((0, 2, 0, 0), &picture(8)), Ok(()));
        assert!(cache.get((0, 0, 0, 0)).is_none());
    }
}
