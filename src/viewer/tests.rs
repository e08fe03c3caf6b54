//! The viewer without a window: the bundled demo tour (and variants of it)
//! opened and loaded synchronously, input at simulated times, a fake
//! [`Host`] that says which hot spot is under the pointer, and the effects
//! checked.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use super::load::{self, LoadEvent, Origin};
use super::*;
use crate::view::tour;
use qtvr_format::qtvr::{HotspotId, NodeId};

// The demo's node and hot spot IDs, typed.
const MEADOW: NodeId = qtvr_demo::MEADOW;
const GALLERY: NodeId = qtvr_demo::GALLERY;
const DICE: NodeId = qtvr_demo::DICE;
const MEADOW_TO_DICE: HotspotId = qtvr_demo::MEADOW_TO_DICE;
const MEADOW_TO_GALLERY: HotspotId = qtvr_demo::MEADOW_TO_GALLERY;

const DEMO: &[u8] = include_bytes!("../../assets/demo.mov");

/// The window and renderer as the tests want them.
#[derive(Default)]
struct FakeHost {
    /// The hot spot under the pointer, wherever it is.
    hotspot: Option<HotspotId>,
    fullscreen: bool,
}

impl Host for FakeHost {
    fn hotspot_at(&self, _: &Shot, _: [u32; 2], _: [f64; 2]) -> Option<HotspotId> {
        self.hotspot
    }

    fn fullscreen(&self) -> bool {
        self.fullscreen
    }
}

struct Harness {
    viewer: Viewer,
    now: Instant,
    host: FakeHost,
}

fn options() -> Options {
    Options {
        view: [None; 3],
        drag: DragMode::Continuous,
        report_state: true,
        motion: crate::viewer::quality::MotionSetting::Auto,
    }
}

impl Harness {
    /// A 640×480 window at scale 1, nothing open.
    fn new(opts: Options) -> Harness {
        let now = Instant::now();
        let mut h = Harness {
            viewer: Viewer::new(opts, now),
            now,
            host: FakeHost::default(),
        };
        h.send(Input::Resized {
            size: [640, 480],
            scale: 1.0,
        });
        h
    }

    /// The demo (or `bytes`) opened and its first node fully loaded and drawn.
    fn opened(opts: Options, node: Option<NodeId>, bytes: &'static [u8]) -> Harness {
        let mut h = Harness::new(opts);
        let fx = h.send(Input::Open {
            origin: Origin::Bundled("demo.mov", bytes),
            node,
        });
        h.deliver(run_loads(&fx));
        h.frame();
        h
    }

    fn send(&mut self, input: Input) -> Vec<Effect> {
        self.viewer.handle(self.now, input, &self.host)
    }

    fn deliver(&mut self, events: Vec<LoadEvent>) -> Vec<Effect> {
        let mut fx = Vec::new();
        for e in events {
            fx.extend(self.send(Input::Load(e)));
        }
        fx
    }

    fn advance(&mut self, seconds: f64) {
        self.now += Duration::from_secs_f64(seconds);
    }

    /// One frame drawn: the effects of animating and of presenting.
    fn frame(&mut self) -> Vec<Effect> {
        let mut fx = self.send(Input::Frame);
        fx.extend(self.send(Input::Presented {
            work: Duration::from_millis(5),
        }));
        fx
    }

    /// Frames every 1/60 s for `seconds`.
    fn run(&mut self, seconds: f64) -> Vec<Effect> {
        let mut fx = Vec::new();
        for _ in 0..(seconds * 60.0).ceil() as usize {
            self.advance(1.0 / 60.0);
            fx.extend(self.frame());
        }
        fx
    }

    fn key(&mut self, key: KeyName, down: bool) -> Vec<Effect> {
        self.send(Input::Key(KeyPress {
            key,
            code: None,
            down,
            repeat: false,
        }))
    }

    fn type_char(&mut self, c: &str) -> Vec<Effect> {
        let mut fx = self.key(KeyName::Char(c.into()), true);
        fx.extend(self.key(KeyName::Char(c.into()), false));
        fx
    }

    /// A click in the middle of the picture on hot spot `id`.
    fn click(&mut self, id: HotspotId) -> Vec<Effect> {
        self.host.hotspot = Some(id);
        let mut fx = self.send(Input::PointerMoved([320.0, 200.0]));
        fx.extend(self.send(Input::Button(true)));
        fx.extend(self.send(Input::Button(false)));
        // Later clicks are not double clicks.
        self.advance(1.0);
        fx
    }

    /// The state as `state` on stdin reports it.
    fn state(&mut self) -> ViewState {
        let fx = self.send(Input::ReportState);
        match fx.into_iter().find_map(report) {
            Some(Report::State { view, .. }) => view,
            r => panic!("no state report: {r:?}"),
        }
    }
}

/// Carries out the load effects at once, returning what the loaders report.
fn run_loads(fx: &[Effect]) -> Vec<LoadEvent> {
    let out = RefCell::new(Vec::new());
    let send = |e: LoadEvent| out.borrow_mut().push(e);
    for e in fx {
        match e {
            Effect::Open {
                generation,
                origin,
                node,
            } => load::open_and_load(
                *generation,
                origin.clone(),
                *node,
                &Default::default(),
                &send,
            ),
            Effect::LoadNode {
                generation,
                movie,
                node,
                object_view,
            } => load::decode_node(
                *generation,
                movie,
                *node,
                *object_view,
                &Default::default(),
                &send,
            ),
            Effect::DecodeViews {
                generation,
                movie,
                node,
                views,
            } => send(load::decode_views_now(
                *generation,
                movie,
                *node,
                views.clone(),
                &Default::default(),
            )),
            _ => {}
        }
    }
    out.into_inner()
}

fn report(e: Effect) -> Option<Report> {
    match e {
        Effect::Report(r) => Some(r),
        _ => None,
    }
}

fn reports(fx: Vec<Effect>) -> Vec<Report> {
    fx.into_iter().filter_map(report).collect()
}

fn phases(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Report(Report::Transition { phase }) => Some(phase.clone()),
            _ => None,
        })
        .collect()
}

fn idles(fx: Vec<Effect>) -> Vec<ViewState> {
    reports(fx)
        .into_iter()
        .filter_map(|r| match r {
            Report::Idle(v) => Some(v),
            _ => None,
        })
        .collect()
}

fn uploads(fx: &[Effect]) -> usize {
    fx.iter()
        .filter(|e| matches!(e, Effect::Upload { .. }))
        .count()
}

fn loads_node(fx: &[Effect]) -> Option<NodeId> {
    fx.iter().find_map(|e| match e {
        Effect::LoadNode { node, .. } => Some(*node),
        _ => None,
    })
}

fn redraws(fx: &[Effect]) -> bool {
    fx.iter().any(|e| matches!(e, Effect::Redraw))
}

#[test]
fn opening_a_movie_uploads_its_default_node_and_reports_rest_once() {
    let mut h = Harness::new(options());
    let fx = h.send(Input::Open {
        origin: Origin::Bundled("demo.mov", DEMO),
        node: None,
    });
    assert!(
        matches!(fx[..], [Effect::Open { generation: 1, .. }]),
        "{fx:?}"
    );
    assert_eq!(
        h.viewer.shot(),
        None,
        "nothing shows before the first picture"
    );
    let fx = h.deliver(run_loads(&fx));
    assert!(uploads(&fx) >= 1, "{fx:?}");
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Title(t) if t == "demo.mov — Meadow — qtvr"))
    );
    let reps = reports(h.frame());
    assert!(matches!(reps[0], Report::FirstFrame { .. }), "{reps:?}");
    let Report::Idle(v) = &reps[1] else {
        panic!("{reps:?}")
    };
    assert_eq!((v.node, v.pan, v.tilt, v.fov), (MEADOW, 0.0, 0.0, 60.0));
    assert_eq!((v.width, v.height, v.history), (640, 480, 0));
    assert_eq!(v.bar_height, 28);
    // At rest, the same state is not reported again.
    assert!(idles(h.frame()).is_empty());
    assert!(idles(h.run(0.2)).is_empty());
}

#[test]
fn the_report_json_keeps_its_keys() {
    let mut h = Harness::opened(options(), None, DEMO);
    let idle = Report::Idle(h.state()).to_json();
    let j: serde_json::Value = serde_json::from_str(&idle).unwrap();
    for key in [
        "event",
        "file",
        "node",
        "pan",
        "tilt",
        "fov",
        "width",
        "height",
        "bar_height",
        "fullscreen",
        "hotspots",
        "help",
        "drag",
        "history",
        "nodes",
        "buttons",
    ] {
        assert!(j.get(key).is_some(), "{key} missing: {idle}");
    }
    assert_eq!(j["event"], "idle");
    assert_eq!(j["file"], "assets/demo.mov");
    assert_eq!(j["drag"], "Continuous");
    assert!(
        j.get("row").is_none() && j.get("cursor").is_none(),
        "{idle}"
    );
    let b = &j["buttons"][0];
    assert!(
        b["button"].is_string() && b["x"].is_u64() && b["y"].is_u64(),
        "{b}"
    );
    // Keys sorted, as serde_json::json! wrote them.
    assert!(
        idle.starts_with("{\"bar_height\":28,\"buttons\":["),
        "{idle}"
    );
    let fx = h.send(Input::ReportState);
    let state = reports(fx)[0].to_json();
    let j: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(j["event"], "state");
    assert!(j["cursor"].is_null() || j["cursor"].is_string(), "{state}");
    assert!(j["hover"].is_null() && j["frames"] == 1, "{state}");
    assert_eq!(
        Report::OpenUrl {
            url: "u".into(),
            ok: true
        }
        .to_json(),
        r#"{"event":"open-url","ok":true,"url":"u"}"#
    );
    assert_eq!(
        Report::FirstFrame { ms: 1.5 }.to_json(),
        r#"{"event":"first-frame","ms":1.5}"#
    );
}

#[test]
fn a_link_click_loads_swings_waits_for_the_picture_then_fades() {
    let mut h = Harness::opened(options(), None, DEMO);
    let fx = h.click(MEADOW_TO_GALLERY);
    assert_eq!(loads_node(&fx), Some(GALLERY), "{fx:?}");
    assert_eq!(phases(&fx), ["swing"]);
    // The picture comes while the swing runs: held, not shown.
    let fx = h.deliver(run_loads(&fx));
    assert_eq!(uploads(&fx), 0, "{fx:?}");
    assert_eq!(h.state().node, MEADOW);
    // The swing turns toward the hot spot's best view, then the new node
    // shows over a snapshot of the old one, which fades out.
    let fx = h.run(tour::SWING_SECONDS + 0.05);
    let snapshot = fx
        .iter()
        .position(|e| matches!(e, Effect::Snapshot { .. }))
        .expect("a snapshot to fade");
    let upload = fx
        .iter()
        .position(|e| matches!(e, Effect::Upload { .. }))
        .unwrap();
    assert!(snapshot < upload, "{fx:?}");
    assert_eq!(phases(&fx), ["fade"]);
    assert!(idles(fx).is_empty(), "no rest while fading");
    let v = h.state();
    assert_eq!((v.node, v.history), (GALLERY, 1));
    assert_eq!((v.pan, v.tilt, v.fov), (0.0, 0.0, 70.0), "the link's view");
    let fx = h.run(tour::FADE_SECONDS + 0.05);
    assert!(fx.iter().any(|e| matches!(e, Effect::FadeOpacity(_))));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Overlay {
            slot: FADE,
            show: None
        }
    )));
    assert_eq!(phases(&fx), ["done"]);
    let rest = idles(fx);
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_eq!((rest[0].node, rest[0].history), (GALLERY, 1));
}

#[test]
fn a_picture_after_the_swing_is_shown_when_it_arrives() {
    let mut h = Harness::opened(options(), None, DEMO);
    let load = h.click(MEADOW_TO_GALLERY);
    let fx = h.run(tour::SWING_SECONDS + 0.05);
    assert!(phases(&fx).is_empty() && uploads(&fx) == 0, "{fx:?}");
    assert!(idles(fx).is_empty(), "no rest while loading");
    let fx = h.deliver(run_loads(&load));
    assert!(fx.iter().any(|e| matches!(e, Effect::Snapshot { .. })));
    assert_eq!(phases(&fx), ["fade"]);
    assert_eq!(h.state().node, GALLERY);
}

#[test]
fn back_returns_to_the_view_the_link_left() {
    let mut h = Harness::opened(options(), None, DEMO);
    let fx = h.click(MEADOW_TO_GALLERY);
    h.deliver(run_loads(&fx));
    h.run(1.0);
    assert_eq!(h.state().history, 1);
    let fx = h.key(KeyName::Named(NamedKey::Backspace), true);
    assert_eq!(loads_node(&fx), Some(MEADOW));
    assert!(phases(&fx).is_empty(), "Back fades without a swing");
    // Back again while loading: ignored.
    assert_eq!(
        loads_node(&h.key(KeyName::Named(NamedKey::Backspace), true)),
        None
    );
    let fx = h.deliver(run_loads(&fx));
    assert!(fx.iter().any(|e| matches!(e, Effect::Snapshot { .. })));
    let v = h.state();
    assert_eq!((v.node, v.history), (MEADOW, 0));
    assert_eq!((v.pan, v.tilt, v.fov), (0.0, 0.0, 60.0));
    let rest = idles(h.run(1.0));
    assert_eq!(rest.len(), 1);
    // Nothing more to go back to.
    assert_eq!(
        loads_node(&h.key(KeyName::Named(NamedKey::Backspace), true)),
        None
    );
}

#[test]
fn the_node_list_jumps_with_digits() {
    let mut h = Harness::opened(options(), None, DEMO);
    // Digits do nothing while the list is closed.
    assert_eq!(loads_node(&h.type_char("2")), None);
    let typed = h.type_char("n");
    assert!(h.state().nodes && redraws(&typed));
    // The controls are drawn with the next frame.
    let fx = h.frame();
    let panel = fx.iter().any(|e| {
        matches!(
            e,
            Effect::Overlay {
                slot: PANEL,
                show: Some(_)
            }
        )
    });
    assert!(panel, "{fx:?}");
    let fx = h.type_char("2");
    assert_eq!(loads_node(&fx), Some(GALLERY));
    assert!(!h.state().nodes, "the list closes");
    h.deliver(run_loads(&fx));
    h.run(1.0);
    let v = h.state();
    assert_eq!((v.node, v.history), (GALLERY, 1));
    // The current node: the list closes, nothing loads.
    h.type_char("n");
    assert_eq!(loads_node(&h.type_char("2")), None);
    assert!(!h.state().nodes);
}

#[test]
fn a_url_hot_spot_opens_on_the_second_click() {
    let mut tour = qtvr_demo::demo_tour();
    let url = "https://example.com/qtvr";
    for n in &mut tour.nodes {
        for hs in &mut n.hotspots {
            if n.id == qtvr_demo::MEADOW && hs.id == qtvr_demo::MEADOW_TO_DICE {
                hs.action = qtvr_format::qtvr::write::HotSpotAction::Url(url.into());
            }
        }
    }
    let bytes: &'static [u8] = Box::leak(tour.write().unwrap().into_boxed_slice());
    let mut h = Harness::opened(options(), None, bytes);
    let fx = h.click(MEADOW_TO_DICE);
    assert!(!fx.iter().any(|e| matches!(e, Effect::OpenUrl(_))));
    let said = reports(fx);
    assert!(
        matches!(&said[..], [Report::Message { lines, .. }] if lines[0] == url),
        "{said:?}"
    );
    let fx = h.click(MEADOW_TO_DICE);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::OpenUrl(u) if u == url)),
        "{fx:?}"
    );
    let said = reports(h.send(Input::UrlOpened {
        url: url.into(),
        result: Ok(()),
    }));
    assert_eq!(
        said[0],
        Report::OpenUrl {
            url: url.into(),
            ok: true
        }
    );
    // A third click arms it again; a click elsewhere disarms.
    assert!(
        !h.click(MEADOW_TO_DICE)
            .iter()
            .any(|e| matches!(e, Effect::OpenUrl(_)))
    );
    h.host.hotspot = None;
    h.send(Input::Button(true));
    h.send(Input::Button(false));
    h.advance(1.0);
    assert!(
        !h.click(MEADOW_TO_DICE)
            .iter()
            .any(|e| matches!(e, Effect::OpenUrl(_)))
    );
}

#[test]
fn an_object_arriving_at_another_view_shows_that_frame() {
    let default = Harness::opened(options(), Some(DICE), DEMO);
    let d = default
        .viewer
        .shown
        .as_ref()
        .unwrap()
        .nav
        .object_view()
        .unwrap();
    let mut h = Harness::new(Options {
        view: [Some(120.0), None, None],
        ..options()
    });
    let fx = h.send(Input::Open {
        origin: Origin::Bundled("demo.mov", DEMO),
        node: Some(DICE),
    });
    let fx = h.deliver(run_loads(&fx));
    // The loader's default frame, then the asked view's frame, before any drawing.
    assert_eq!(uploads(&fx), 2, "{fx:?}");
    let v = h.state();
    assert_eq!(v.node, DICE);
    assert_ne!(v.column, Some(d.column), "{v:?}");
    let shown = h.viewer.shown.as_ref().unwrap();
    assert_eq!(shown.object_view, shown.nav.object_view());
}

#[test]
fn back_to_an_object_decodes_the_view_it_left_once() {
    let mut h = Harness::opened(options(), None, DEMO);
    h.type_char("n");
    let fx = h.type_char("3");
    assert_eq!(loads_node(&fx), Some(DICE));
    h.deliver(run_loads(&fx));
    h.run(1.0);
    h.key(KeyName::Named(NamedKey::Right), true);
    h.key(KeyName::Named(NamedKey::Right), false);
    h.run(1.0);
    let left = h.viewer.shown.as_ref().unwrap().nav.object_view().unwrap();
    assert_ne!(
        Some(left.column),
        Harness::opened(options(), Some(DICE), DEMO)
            .viewer
            .shown
            .as_ref()
            .unwrap()
            .nav
            .object_view()
            .map(|d| d.column),
        "the arrow moved off the default view"
    );
    h.type_char("n");
    let fx = h.type_char("1");
    h.deliver(run_loads(&fx));
    h.run(1.0);
    let fx = h.key(KeyName::Named(NamedKey::Backspace), true);
    // Back asks the loader for the object's frame at the view we left…
    let asked = fx.iter().find_map(|e| match e {
        Effect::LoadNode { object_view, .. } => Some(*object_view),
        _ => None,
    });
    assert_eq!(asked, Some(Some(left)), "{fx:?}");
    // …so that frame is uploaded once, with no default frame before it.
    let fx = h.deliver(run_loads(&fx));
    assert_eq!(uploads(&fx), 1, "{fx:?}");
    let shown = h.viewer.shown.as_ref().unwrap();
    assert_eq!(shown.nav.object_view(), Some(left));
    assert_eq!(shown.object_view, Some(left));
}

#[test]
fn keys_and_drags_turn_the_view_and_redraw() {
    let mut h = Harness::opened(options(), None, DEMO);
    let fx = h.key(KeyName::Named(NamedKey::Right), true);
    assert!(redraws(&fx));
    h.run(0.5);
    h.key(KeyName::Named(NamedKey::Right), false);
    let after_key = h.state().pan;
    assert!(after_key > 1.0, "{after_key}");
    h.run(1.0);
    let rest = h.state().pan;
    let fx = h.send(Input::PointerMoved([320.0, 240.0]));
    assert!(!redraws(&fx), "hovering does not redraw");
    h.send(Input::Button(true));
    let fx = h.send(Input::PointerMoved([420.0, 240.0]));
    assert!(redraws(&fx), "{fx:?}");
    h.run(0.5);
    h.send(Input::Button(false));
    h.run(1.0);
    assert_ne!(h.state().pan, rest, "the drag turned the view");
    // Zoom keys, the wheel and `0` (the default view).
    h.send(Input::Wheel(2.0));
    h.run(1.0);
    assert!(h.state().fov < 60.0);
    h.type_char("0");
    let v = h.state();
    assert_eq!((v.pan, v.tilt, v.fov), (0.0, 0.0, 60.0));
}

#[test]
fn a_failed_node_keeps_the_current_one_and_says_why() {
    let mut h = Harness::opened(options(), None, DEMO);
    let fx = h.click(MEADOW_TO_GALLERY);
    let Some(Effect::LoadNode { generation, .. }) =
        fx.iter().find(|e| matches!(e, Effect::LoadNode { .. }))
    else {
        panic!("{fx:?}")
    };
    let fx = h.send(Input::Load(LoadEvent::Failed(*generation, "broken".into())));
    let said = reports(fx);
    assert!(
        matches!(&said[..], [Report::Error { title, lines }]
            if title == "Cannot show demo.mov" && lines[0] == "broken"),
        "{said:?}"
    );
    let v = h.state();
    assert_eq!((v.node, v.history), (MEADOW, 0));
    // Links work again.
    assert_eq!(loads_node(&h.click(MEADOW_TO_GALLERY)), Some(GALLERY));
}

#[test]
fn toggles_shortcuts_and_effects() {
    let mut h = Harness::opened(options(), None, DEMO);
    h.type_char("t");
    h.type_char("h");
    let v = h.state();
    assert!(v.hotspots && v.help && h.viewer.hotspots_shown());
    h.type_char("b");
    h.frame();
    assert_eq!(h.state().bar_height, 0);
    assert!(h.state().buttons.is_none());
    let fx = h.type_char("g");
    assert_eq!(h.state().drag, "Grab");
    assert!(matches!(&reports(fx)[..], [Report::Message { .. }]));
    let f11 = h.key(KeyName::Named(NamedKey::F11), true);
    assert!(f11.iter().any(|e| matches!(e, Effect::Fullscreen(None))));
    h.host.fullscreen = true;
    assert!(h.state().fullscreen);
    h.send(Input::Modifiers {
        ctrl: true,
        alt: false,
    });
    let press = |c| {
        Input::Key(KeyPress {
            key: KeyName::Char(String::from(c)),
            code: Some(c),
            down: true,
            repeat: false,
        })
    };
    let fx = h.send(press('c'));
    let copied = reports(fx);
    assert!(
        matches!(&copied[..], [Report::Copied { text }]
            if text.starts_with("qtvr render assets/demo.mov --node 1 --pan 0.00")),
        "{copied:?}"
    );
    let fx = h.send(press('s'));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Save { name, size: [640, 480], .. }
            if name == "demo-node1-pan0-tilt0.png")),
        "{fx:?}"
    );
    let fx = h.send(Input::Saved(Ok("/tmp/x.png".into())));
    assert_eq!(
        reports(fx)[0],
        Report::Saved {
            path: "/tmp/x.png".into()
        }
    );
    assert!(h.send(press('q')).iter().any(|e| matches!(e, Effect::Quit)));
}

#[test]
fn hovering_a_hot_spot_names_it_and_points() {
    let mut h = Harness::opened(options(), None, DEMO);
    h.host.hotspot = Some(MEADOW_TO_GALLERY);
    let fx = h.send(Input::PointerMoved([300.0, 200.0]));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Cursor(CursorShape::Pointer)))
    );
    let fx = h.send(Input::ReportState);
    let Some(Report::State { hover, cursor, .. }) = reports(fx).pop() else {
        panic!()
    };
    assert_eq!(hover.as_deref(), Some("Enter the gallery"));
    assert_eq!(cursor.as_deref(), Some("Pointer"));
    h.host.hotspot = None;
    let fx = h.send(Input::PointerMoved([310.0, 200.0]));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Cursor(CursorShape::Grab)))
    );
}

#[test]
fn results_of_an_older_request_are_dropped() {
    let mut h = Harness::opened(options(), None, DEMO);
    let link = h.click(MEADOW_TO_GALLERY);
    // Another movie opened meanwhile: the link's pictures no longer count.
    let open = h.send(Input::Open {
        origin: Origin::Bundled("demo.mov", DEMO),
        node: Some(DICE),
    });
    let fx = h.deliver(run_loads(&link));
    assert_eq!(uploads(&fx), 0, "{fx:?}");
    assert_eq!(h.state().node, MEADOW);
    let fx = h.deliver(run_loads(&open));
    assert!(uploads(&fx) >= 1);
    h.run(1.0);
    let v = h.state();
    assert_eq!(
        (v.node, v.history),
        (DICE, 0),
        "a new movie starts a new history"
    );
}

// Disc images: the viewer's chooser of their QuickTime VR movies.

#[path = "../../tests/support/diskimg.rs"]
mod diskimg;

use diskimg::{Content, FileSpec};

/// An HFS disc image holding `files`, written to a temporary folder.
fn disc(tag: &str, files: &[FileSpec]) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("qtvr-viewer-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join("disc.img");
    diskimg::hfs("Disc", 512, files).to_file(&p);
    p
}

/// The demo tour as a file `path` of an image.
fn tour_file(path: &str) -> FileSpec {
    FileSpec::new(path, Content::Bytes(DEMO.to_vec()), b"MooV")
}

fn text_file(path: &str) -> FileSpec {
    FileSpec::new(path, Content::Bytes(b"read me".to_vec()), b"TEXT")
}

/// Opens `path` as a drop or Ctrl+O does, runs the loads, draws a frame.
fn open_file(h: &mut Harness, path: &std::path::Path) -> Vec<Effect> {
    let fx = h.send(Input::Open {
        origin: Origin::File(path.to_path_buf()),
        node: None,
    });
    let mut fx = h.deliver(run_loads(&fx));
    fx.extend(h.frame());
    fx
}

/// The file an [`Effect::Open`] opens.
fn opens(fx: &[Effect]) -> Option<String> {
    fx.iter().find_map(|e| match e {
        Effect::Open {
            origin: Origin::File(p),
            ..
        } => Some(p.display().to_string()),
        _ => None,
    })
}

/// The panel's lines as the user reads them (title first).
fn panel_text(h: &Harness) -> Vec<String> {
    h.viewer
        .panel()
        .map(|p| [vec![p.title], p.lines].concat())
        .unwrap_or_default()
}

fn panel_shown(fx: &[Effect]) -> Option<bool> {
    fx.iter().rev().find_map(|e| match e {
        Effect::Overlay { slot, show } if *slot == PANEL => Some(show.is_some()),
        _ => None,
    })
}

fn three_movies() -> Vec<FileSpec> {
    vec![
        tour_file("Tours/Three Nodes"),
        text_file("Read Me"),
        tour_file("Tours/Again"),
        tour_file("Demo"),
    ]
}

#[test]
fn a_disc_image_with_several_movies_offers_them_and_enter_opens_the_chosen_one() {
    let img = disc("chooser", &three_movies());
    let shown = img.display().to_string();
    let mut h = Harness::new(options());
    let fx = open_file(&mut h, &img);
    assert_eq!(uploads(&fx), 0, "nothing opens by itself");
    assert_eq!(panel_shown(&fx), Some(true));
    let title = fx.iter().rev().find_map(|e| match e {
        Effect::Title(t) => Some(t.clone()),
        _ => None,
    });
    assert_eq!(title.as_deref(), Some("disc.img — choose a movie — qtvr"));
    let r = reports(fx);
    assert!(
        r.contains(&Report::Chooser {
            image: "disc.img".into(),
            movies: vec![
                "Demo - QTVR tour (3 nodes)".into(),
                "Tours/Again - QTVR tour (3 nodes)".into(),
                "Tours/Three Nodes - QTVR tour (3 nodes)".into(),
            ],
        }),
        "{r:?}"
    );
    assert_eq!(
        panel_text(&h),
        [
            "disc.img: choose a movie",
            "1  Demo - QTVR tour (3 nodes)  <",
            "2  Tours/Again - QTVR tour (3 nodes)",
            "3  Tours/Three Nodes - QTVR tour (3 nodes)",
            "",
            "Up/Down, Enter or 1-9: open   Esc: close",
        ]
    );
    assert_eq!(h.viewer.bar_state().view, "choose a movie");
    // Up/Down move the selection, stopping at the last line.
    for k in [NamedKey::Down, NamedKey::Down, NamedKey::Down] {
        h.key(KeyName::Named(k), true);
        h.key(KeyName::Named(k), false);
    }
    assert_eq!(
        panel_text(&h)[3],
        "3  Tours/Three Nodes - QTVR tour (3 nodes)  <"
    );
    for k in [NamedKey::Up, NamedKey::Down] {
        h.key(KeyName::Named(k), true);
        h.key(KeyName::Named(k), false);
    }
    assert_eq!(
        panel_text(&h)[3],
        "3  Tours/Three Nodes - QTVR tour (3 nodes)  <"
    );
    let fx = h.key(KeyName::Named(NamedKey::Enter), true);
    assert_eq!(
        opens(&fx),
        Some(format!("{shown}//Tours/Three Nodes")),
        "{fx:?}"
    );
    assert!(h.viewer.panel().is_none(), "the chooser closes");
    let mut fx = h.deliver(run_loads(&fx));
    fx.extend(h.frame());
    assert_eq!(uploads(&fx), 1);
    assert_eq!(h.state().file, format!("{shown}//Tours/Three Nodes"));
    assert_eq!(h.state().node, MEADOW);
    let _ = std::fs::remove_dir_all(img.parent().unwrap());
}

#[test]
fn the_chooser_opens_a_clicked_or_numbered_movie_and_escape_keeps_the_current_one() {
    let img = disc("chooser-click", &three_movies());
    let shown = img.display().to_string();
    // The demo shows; an image is dropped on the window.
    let mut h = Harness::opened(options(), None, DEMO);
    let before = h.state().file;
    open_file(&mut h, &img);
    assert_eq!(panel_text(&h).len(), 6);
    // Escape closes the chooser; the demo stays.
    let fx = h.key(KeyName::Named(NamedKey::Escape), true);
    h.key(KeyName::Named(NamedKey::Escape), false);
    assert!(opens(&fx).is_none());
    assert!(h.viewer.panel().is_none());
    assert_eq!(panel_shown(&h.frame()), Some(false));
    assert_eq!(h.state().file, before);
    // A digit opens that movie.
    open_file(&mut h, &img);
    let fx = h.type_char("2");
    assert_eq!(opens(&fx), Some(format!("{shown}//Tours/Again")));
    h.deliver(run_loads(&fx));
    h.frame();
    assert_eq!(h.state().file, format!("{shown}//Tours/Again"));
    // A click on a line opens it: the panel's second movie line, at scale 1
    // with text twice the font's size (padding 12, lines 20 apart, the first
    // one 36 below the top).
    open_file(&mut h, &img);
    let at = h.viewer.panel_at.expect("the chooser is drawn");
    let [x, y] = [at.at[0] + 40, at.at[1] + 36 + 20 + 10];
    h.send(Input::PointerMoved([f64::from(x), f64::from(y)]));
    // Hovering selects the line (the panel marks it).
    assert_eq!(h.viewer.chooser.as_ref().map(|c| c.selected), Some(1));
    let fx = h.send(Input::Button(true));
    h.send(Input::Button(false));
    assert_eq!(opens(&fx), Some(format!("{shown}//Tours/Again")), "{fx:?}");
    assert!(h.viewer.panel().is_none());
    // Another movie dropped while it shows replaces the chooser.
    open_file(&mut h, &img);
    assert!(h.viewer.panel().is_some());
    h.send(Input::Open {
        origin: Origin::Bundled("demo.mov", DEMO),
        node: None,
    });
    assert!(h.viewer.panel().is_none());
    let _ = std::fs::remove_dir_all(img.parent().unwrap());
}

#[test]
fn a_disc_image_opens_its_only_qtvr_movie_or_says_it_holds_none() {
    // One QTVR movie (and a text file): it opens at once.
    let img = disc(
        "chooser-one",
        &[text_file("Read Me"), tour_file("Movies/Tour")],
    );
    let shown = img.display().to_string();
    let mut h = Harness::new(options());
    let fx = open_file(&mut h, &img);
    assert_eq!(uploads(&fx), 1);
    assert!(h.viewer.panel().is_none());
    assert_eq!(h.state().file, format!("{shown}//Movies/Tour"));
    // None: an error says so, and the current movie stays.
    let none = disc("chooser-none", &[text_file("Read Me")]);
    let fx = open_file(&mut h, &none);
    let error = reports(fx)
        .into_iter()
        .find_map(|r| match r {
            Report::Error { title, lines } => Some((title, lines)),
            _ => None,
        })
        .expect("an error");
    assert_eq!(error.0, "Cannot show disc.img");
    assert!(
        error.1[0].contains("holds no QuickTime VR movie"),
        "{error:?}"
    );
    assert_eq!(error.1[1], "The current movie stays open.");
    assert!(h.viewer.panel().is_none());
    assert_eq!(h.state().file, format!("{shown}//Movies/Tour"));
    let _ = std::fs::remove_dir_all(img.parent().unwrap());
    let _ = std::fs::remove_dir_all(none.parent().unwrap());
}

// The decoded-pixel budget.

#[path = "../../tests/support/tours.rs"]
mod tours;

#[test]
fn a_movie_claiming_more_than_the_budget_is_refused_with_how_to_raise_it() {
    // The test tour with every frame claiming 16000² pixels (40 KB).
    let bytes = qtvr_testkit::claim::video_size(&tours::tour(), 16000, 16000);
    let mut h = Harness::new(options());
    let fx = h.send(Input::Open {
        origin: Origin::Bundled("huge.mov", Box::leak(bytes.into_boxed_slice())),
        node: None,
    });
    let events = run_loads(&fx);
    assert!(events.iter().any(|e| matches!(e, LoadEvent::Failed(..))));
    let said = reports(h.deliver(events));
    assert!(
        said.iter().any(|r| matches!(r, Report::Error { lines, .. }
            if lines.iter().any(|l| l.contains("MB of decoded pixels")
                && l.contains("more than the 1024 MB memory budget; `--max-memory "))))
            || panel_text(&h).iter().any(|l| l.contains("`--max-memory ")),
        "{said:?} {:?}",
        panel_text(&h)
    );
}

/// One frame whose drawing took `cost(scale)`: the scale it was drawn at,
/// and the effects of animating and presenting it.
fn frame_costing(h: &mut Harness, cost: impl Fn(f32) -> Duration) -> (f32, Vec<Effect>) {
    h.advance(1.0 / 60.0);
    let mut fx = h.send(Input::Frame);
    let scale = h.viewer.frame_scale();
    fx.extend(h.send(Input::Presented { work: cost(scale) }));
    (scale, fx)
}

fn frame_taking(h: &mut Harness, work: Duration) -> (f32, Vec<Effect>) {
    frame_costing(h, |_| work)
}

#[test]
fn slow_moving_frames_are_drawn_smaller_and_the_view_at_rest_in_full() {
    let mut h = Harness::opened(options(), Some(MEADOW), DEMO);
    // At rest: full resolution, whatever the frames cost.
    let (scale, _) = frame_taking(&mut h, Duration::from_millis(80));
    assert_eq!(scale, 1.0);
    // A continuous drag off-centre with 80 ms frames: the drawn size drops
    // at once and settles where the frames meet 1/60 s.
    h.send(Input::PointerMoved([320.0, 240.0]));
    h.send(Input::Button(true));
    h.send(Input::PointerMoved([480.0, 240.0]));
    let mut scales = Vec::new();
    for _ in 0..20 {
        // 80 ms a full frame, in proportion to the pixels drawn.
        let (scale, fx) = frame_costing(&mut h, |s| Duration::from_secs_f32(0.08 * s * s));
        assert!(idles(fx).is_empty(), "no idle report while dragging");
        scales.push(scale);
    }
    assert!(scales[1] < 0.5, "{scales:?}");
    let settled = *scales.last().unwrap();
    assert!(0.08 * settled * settled <= 1.0 / 60.0, "{scales:?}");
    let reduced = h.viewer.reduced_frames;
    assert!(reduced >= 19, "{reduced}");
    // Released: the view comes to rest. A reduced frame is never the last:
    // a redraw follows at full resolution, and only that one reports idle.
    h.send(Input::Button(false));
    let mut seen = Vec::new();
    let mut idle_at = None;
    for i in 0..600 {
        let (scale, fx) = frame_costing(&mut h, |s| Duration::from_secs_f32(0.08 * s * s));
        seen.push(scale);
        if !idles(fx).is_empty() {
            idle_at = Some(i);
            break;
        }
    }
    let i = idle_at.expect("the view comes to rest");
    assert_eq!(seen[i], 1.0, "the view at rest is drawn in full: {seen:?}");
    assert!(
        i > 0 && seen[i - 1] < 1.0,
        "moving frames were reduced: {seen:?}"
    );
    let (scale, fx) = frame_taking(&mut h, Duration::from_millis(5));
    assert_eq!(scale, 1.0);
    assert!(!redraws(&fx), "nothing more is drawn at rest");
}

/// An object dragged across the window: its frames are drawn moving
/// (marked reduced, so the renderer draws the frame straight onto the
/// window) while the pointer moves, and in full once it rests — after
/// [`super::OBJECT_SETTLE`] with the button still held, at once when it is
/// let go.
#[test]
fn a_dragged_object_is_drawn_moving_and_in_full_at_rest() {
    let mut h = Harness::opened(options(), Some(DICE), DEMO);
    let (scale, _) = frame_taking(&mut h, Duration::from_millis(5));
    assert_eq!(scale, 1.0, "at rest");
    let column = h.state().column;
    h.send(Input::PointerMoved([320.0, 240.0]));
    h.send(Input::Button(true));
    for i in 1..=12 {
        h.send(Input::PointerMoved([320.0 + 15.0 * f64::from(i), 240.0]));
        let (scale, fx) = frame_taking(&mut h, Duration::from_millis(4));
        assert!(scale < 1.0, "moving frame {i}: {scale}");
        assert!(idles(fx).is_empty(), "no idle report while dragging");
    }
    assert_ne!(h.state().column, column, "the drag turned the object");
    // Held still: the last moving frame asks for no redraw at once…
    let (scale, fx) = frame_taking(&mut h, Duration::from_millis(4));
    assert_eq!(scale, 1.0, "the pointer did not move: {scale}");
    assert!(!redraws(&fx), "{fx:?}");
    h.send(Input::PointerMoved([520.0, 240.0]));
    let (scale, fx) = frame_taking(&mut h, Duration::from_millis(4));
    assert!(scale < 1.0);
    assert!(!redraws(&fx), "{fx:?}");
    // …but wakes after the settling time for a full frame.
    let fx = h.send(Input::Wait);
    let at = fx.iter().find_map(|e| match e {
        Effect::WakeAt(t) => Some(*t),
        _ => None,
    });
    assert_eq!(at, Some(h.now + super::OBJECT_SETTLE));
    h.now = at.unwrap();
    assert!(redraws(&h.send(Input::Wait)));
    let (scale, fx) = frame_taking(&mut h, Duration::from_millis(4));
    assert_eq!(scale, 1.0, "in full while held still");
    assert!(idles(fx).is_empty(), "still dragging");
    // Moving again, then let go: the next frame is in full, and at rest.
    h.send(Input::PointerMoved([540.0, 240.0]));
    let (scale, _) = frame_taking(&mut h, Duration::from_millis(4));
    assert!(scale < 1.0);
    assert!(redraws(&h.send(Input::Button(false))));
    let (scale, fx) = frame_taking(&mut h, Duration::from_millis(4));
    assert_eq!(scale, 1.0);
    assert_eq!(idles(fx).len(), 1, "at rest");
    // With full motion quality asked for, never reduced.
    let mut opts = options();
    opts.motion = crate::viewer::quality::MotionSetting::Full;
    let mut h = Harness::opened(opts, Some(DICE), DEMO);
    h.send(Input::PointerMoved([320.0, 240.0]));
    h.send(Input::Button(true));
    for i in 1..=5 {
        h.send(Input::PointerMoved([320.0 + 15.0 * f64::from(i), 240.0]));
        let (scale, _) = frame_taking(&mut h, Duration::from_millis(40));
        assert_eq!(scale, 1.0);
    }
}

#[test]
fn full_motion_quality_never_draws_smaller() {
    let mut opts = options();
    opts.motion = crate::viewer::quality::MotionSetting::Full;
    let mut h = Harness::opened(opts, Some(MEADOW), DEMO);
    h.send(Input::PointerMoved([320.0, 240.0]));
    h.send(Input::Button(true));
    h.send(Input::PointerMoved([480.0, 240.0]));
    for _ in 0..10 {
        let (scale, _) = frame_taking(&mut h, Duration::from_millis(200));
        assert_eq!(scale, 1.0);
    }
    assert_eq!(h.viewer.reduced_frames, 0);
}

fn sounds(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Sound(SoundEffect::Load { id, .. }) => Some(format!("load {id}")),
            Effect::Sound(SoundEffect::Node { node, fade }) => {
                Some(format!("node {node} fade {fade:.2}"))
            }
            Effect::Sound(SoundEffect::View { node, row, column }) => {
                Some(format!("view {node} r{row}c{column}"))
            }
            Effect::Sound(SoundEffect::Volume(v)) => Some(format!("volume {v:.1}")),
            Effect::Sound(SoundEffect::Pause(p)) => Some(format!("pause {p}")),
            _ => None,
        })
        .collect()
}

/// The shell's answer that movie `id`'s sound plays.
fn sound_plays(h: &mut Harness, id: u64) -> Vec<Effect> {
    h.send(Input::SoundReady {
        id,
        playable: true,
        no_output: None,
        notices: vec![],
    })
}

fn sound_button(v: &ViewState) -> bool {
    v.buttons
        .as_ref()
        .is_some_and(|b| b.iter().any(|b| b.button == "Sound"))
}

#[test]
fn a_movie_with_sound_asks_for_it_and_shows_the_speaker_once_it_plays() {
    let mut h = Harness::new(options());
    let fx = h.send(Input::Open {
        origin: Origin::Bundled("demo.mov", DEMO),
        node: None,
    });
    let fx = h.deliver(run_loads(&fx));
    assert_eq!(
        sounds(&fx),
        ["load 1", "volume 0.8", &format!("node {MEADOW} fade 0.00")]
    );
    h.frame();
    let v = h.state();
    assert!(
        !sound_button(&v) && v.sound.is_none(),
        "no speaker before the sound plays"
    );
    // An answer for another movie changes nothing.
    sound_plays(&mut h, 7);
    h.frame();
    assert!(!sound_button(&h.state()));
    sound_plays(&mut h, 1);
    h.frame();
    let v = h.state();
    assert!(sound_button(&v), "{v:?}");
    assert_eq!(v.sound.as_deref(), Some("on 80%"));
}

#[test]
fn a_movie_whose_sound_cannot_play_says_why_and_shows_no_speaker() {
    let mut h = Harness::opened(options(), None, DEMO);
    // A track that cannot be decoded: named in a message, no speaker.
    let fx = h.send(Input::SoundReady {
        id: 1,
        playable: false,
        no_output: None,
        notices: vec!["sound track 10 is not played: broken".into()],
    });
    let said = reports(fx).into_iter().any(|r| {
        matches!(r, Report::Message { title, lines } if title == "Sound" && lines[0].contains("track 10"))
    });
    assert!(said);
    h.frame();
    assert!(!sound_button(&h.state()));
    let fx = h.type_char("s");
    assert!(sounds(&fx).is_empty());
    // No output: no message over the picture; a greyed speaker says why.
    let fx = h.send(Input::SoundReady {
        id: 1,
        playable: false,
        no_output: Some("no sound device can be opened".into()),
        notices: vec![],
    });
    assert!(
        !reports(fx)
            .iter()
            .any(|r| matches!(r, Report::Message { .. }))
    );
    h.frame();
    let v = h.state();
    assert!(sound_button(&v));
    assert_eq!(v.sound.as_deref(), Some("no output"));
    let fx = h.type_char("s");
    assert!(sounds(&fx).is_empty(), "nothing to mute");
    let said = reports(fx).into_iter().any(|r| {
        matches!(r, Report::Message { title, lines } if title == "No sound output" && lines[0].contains("device"))
    });
    assert!(said);
}

#[test]
fn mute_and_volume_from_keys_the_button_and_the_wheel() {
    let mut h = Harness::opened(options(), None, DEMO);
    sound_plays(&mut h, 1);
    h.frame();
    assert_eq!(sounds(&h.type_char("s")), ["volume 0.0"]);
    assert_eq!(h.state().sound.as_deref(), Some("muted"));
    assert_eq!(sounds(&h.type_char("S")), ["volume 0.8"]);
    assert_eq!(sounds(&h.type_char("]")), ["volume 0.9"]);
    assert_eq!(sounds(&h.type_char("]")), ["volume 1.0"]);
    assert_eq!(sounds(&h.type_char("]")), ["volume 1.0"]);
    assert_eq!(sounds(&h.type_char("[")), ["volume 0.9"]);
    // The speaker button: a click mutes; the wheel over it sets the volume, not the zoom.
    let v = h.state();
    let b = v
        .buttons
        .unwrap()
        .into_iter()
        .find(|b| b.button == "Sound")
        .unwrap();
    h.send(Input::PointerMoved([f64::from(b.x), f64::from(b.y)]));
    let mut fx = h.send(Input::Button(true));
    fx.extend(h.send(Input::Button(false)));
    assert_eq!(sounds(&fx), ["volume 0.0"]);
    let fov = h.state().fov;
    let fx = h.send(Input::Wheel(-2.0));
    assert_eq!(sounds(&fx), ["volume 0.8"], "unmuted, 0.1 lower");
    h.run(0.5);
    assert_eq!(
        h.state().fov,
        fov,
        "the wheel over the speaker does not zoom"
    );
    // Minimised and back.
    assert_eq!(sounds(&h.send(Input::Hidden(true))), ["pause true"]);
    assert_eq!(sounds(&h.send(Input::Hidden(false))), ["pause false"]);
}

#[test]
fn a_link_cross_fades_the_sound_with_the_picture() {
    let mut h = Harness::opened(options(), None, DEMO);
    let fx = h.click(MEADOW_TO_GALLERY);
    assert!(
        sounds(&fx).is_empty(),
        "nothing changes while the swing runs"
    );
    let mut fx = h.deliver(run_loads(&fx));
    fx.extend(h.run(tour::SWING_SECONDS + 0.05));
    // The new node's sound starts as its picture fades in, over the same time.
    assert_eq!(
        sounds(&fx),
        [format!("node {GALLERY} fade {:.2}", tour::FADE_SECONDS)]
    );
    let snapshot = fx
        .iter()
        .position(|e| matches!(e, Effect::Snapshot { .. }))
        .unwrap();
    let sound = fx
        .iter()
        .position(|e| matches!(e, Effect::Sound(_)))
        .unwrap();
    assert!(snapshot < sound);
}

#[test]
fn each_object_view_asks_for_its_sound_as_it_shows() {
    let mut h = Harness::opened(options(), Some(DICE), DEMO);
    let v = h.state();
    let (row, col) = (v.row.unwrap(), v.column.unwrap());
    // Arriving: the node, then its view.
    // Turning one column: the next view's sound.
    let fx = h.key(KeyName::Named(NamedKey::Right), true);
    let mut fx2 = h.run(0.3);
    fx2.extend(h.key(KeyName::Named(NamedKey::Right), false));
    let all: Vec<String> = sounds(&fx).into_iter().chain(sounds(&fx2)).collect();
    let now = h.state();
    assert_ne!(now.column, Some(col), "the key turned the object");
    assert!(!all.is_empty(), "{all:?}");
    assert_eq!(
        all.last().unwrap(),
        &format!("view {DICE} r{}c{}", now.row.unwrap(), now.column.unwrap())
    );
    // Each view once, in the order shown, none repeated back to back.
    for w in all.windows(2) {
        assert_ne!(w[0], w[1]);
    }
    let _ = row;
}

#[test]
fn opening_an_object_node_asks_for_the_node_then_its_view() {
    let mut h = Harness::new(options());
    let fx = h.send(Input::Open {
        origin: Origin::Bundled("demo.mov", DEMO),
        node: Some(DICE),
    });
    let fx = h.deliver(run_loads(&fx));
    let s = sounds(&fx);
    let v = h.state();
    assert_eq!(
        s[..3],
        [
            "load 1".to_string(),
            "volume 0.8".into(),
            format!("node {DICE} fade 0.00")
        ]
    );
    assert_eq!(
        s[3..],
        [format!(
            "view {DICE} r{}c{}",
            v.row.unwrap(),
            v.column.unwrap()
        )]
    );
}

/// The movie's load as the loader sends it, with a preview of the first
/// node (the full picture again, as a stand-in) just before its full one.
fn load_with_preview(h: &mut Harness) -> (Vec<LoadEvent>, LoadEvent) {
    let fx = h.send(Input::Open {
        origin: Origin::Bundled("demo.mov", DEMO),
        node: None,
    });
    let mut events = run_loads(&fx);
    let full = events
        .iter()
        .position(|e| {
            matches!(
                e,
                LoadEvent::Picture {
                    stage: load::Stage::Full,
                    ..
                }
            )
        })
        .expect("a full picture");
    let full = events.remove(full);
    let LoadEvent::Picture {
        generation,
        node,
        picture,
        ..
    } = &full
    else {
        unreachable!()
    };
    events.push(LoadEvent::Picture {
        generation: *generation,
        node: *node,
        stage: load::Stage::Preview,
        picture: picture.clone(),
        object_view: None,
    });
    (events, full)
}

#[test]
fn a_preview_followed_soon_by_the_full_picture_is_never_shown() {
    let mut h = Harness::new(options());
    let (before, full) = load_with_preview(&mut h);
    let fx = h.deliver(before);
    assert_eq!(uploads(&fx), 0, "the preview waits: {fx:?}");
    h.advance(PREVIEW_WAIT.as_secs_f64() / 2.0);
    let fx = h.send(Input::Wait);
    assert_eq!(uploads(&fx), 0, "{fx:?}");
    assert!(
        fx.iter().any(|e| matches!(e, Effect::WakeAt(_))),
        "woken for the preview's turn: {fx:?}"
    );
    let fx = h.deliver(vec![full]);
    assert_eq!(uploads(&fx), 1, "the full picture at once");
    h.advance(PREVIEW_WAIT.as_secs_f64() * 2.0);
    let mut fx = h.send(Input::Wait);
    fx.extend(h.run(0.1));
    assert_eq!(uploads(&fx), 0, "the preview is dropped: {fx:?}");
}

#[test]
fn a_preview_shows_when_the_full_picture_is_late() {
    let mut h = Harness::new(options());
    let (before, full) = load_with_preview(&mut h);
    let fx = h.deliver(before);
    assert_eq!(uploads(&fx), 0);
    h.advance(PREVIEW_WAIT.as_secs_f64() + 0.01);
    let fx = h.send(Input::Wait);
    assert_eq!(uploads(&fx), 1, "the preview, after its wait: {fx:?}");
    assert_eq!(h.state().node, MEADOW);
    let fx = h.deliver(vec![full]);
    assert_eq!(uploads(&fx), 1, "then the full picture");
}
