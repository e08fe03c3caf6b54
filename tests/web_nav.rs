//! The web player's navigation (`web/nav.js`) against the desktop viewer's
//! (`src/view`): seeded random cases — panorama limits (partial, odd,
//! non-finite), views and aspects for the clamp; rays and flat texels; object
//! nodes with every controller and control and animation setting; navigators
//! driven through presses, drags, keys, zooms, resizes and ticks; tour
//! transitions, history and hot spot actions — are computed here with
//! `qtvr::view`, written with the results to a JSON file, and checked by
//! `node web/test/nav-check.js` within 1e-3 (degrees, pixels). Needs node;
//! under `CI=true` a missing node fails the test.
//!
//! JSON has no NaN or infinity (a non-finite number is written `null`, which
//! the player reads as NaN), so the cases' non-finite inputs are NaNs.

use std::path::PathBuf;
use std::process::Command;

use qtvr::view::nav::{Cursor, DragMode, Key, Navigator, Settings, Subject};
use qtvr::view::object::{ObjectNav, ObjectSettings};
use qtvr::view::tour::{self, Action, Phase, Tour, Transition, UrlClicks};
use qtvr::view::{
    ObjectView, Rays, Shot, basis, clamp_panorama, column_for_pan, horizontal_fov,
    object_fov_range, row_for_tilt, vertical_fov,
};
use qtvr_format::container::FourCC;
use qtvr_format::qtvr::scene::{
    Constraints, CylinderOrientation, FirstTile, HotSpot, HotspotId, Link, Node, NodeContent,
    NodeId, ObjectController, ObjectNode, Panorama, Projection, Scene, TrackId, TrackUse, View,
    ViewLimits,
};
use qtvr_testkit::Rng;
use serde_json::{Value, json};

// ------------------------------------------------------------ generators

/// A value in `lo..hi`, or now and then an edge: NaN, 0, an end, a tiny one.
fn odd(r: &mut Rng, lo: f64, hi: f64) -> f32 {
    match r.below(14) {
        0 => f32::NAN,
        1 => 0.0,
        2 => lo as f32,
        3 => hi as f32,
        4 => 1e-34,
        _ => r.range(lo, hi) as f32,
    }
}

fn any_view(r: &mut Rng) -> View {
    View {
        pan: odd(r, -720.0, 720.0),
        tilt: odd(r, -120.0, 120.0),
        fov: odd(r, -10.0, 200.0),
    }
}

/// A view the way navigation asks for them: mostly in range.
fn sane_view(r: &mut Rng) -> View {
    View {
        pan: r.range(-30.0, 400.0) as f32,
        tilt: r.range(-80.0, 80.0) as f32,
        fov: r.range(5.0, 120.0) as f32,
    }
}

fn fov_limits(r: &mut Rng) -> [f32; 2] {
    match r.below(8) {
        0 => [odd(r, -5.0, 200.0), odd(r, -5.0, 200.0)],
        1 => [1e-34, 1e-34],
        2 => [f32::NAN, r.range(20.0, 120.0) as f32],
        3 => [r.range(20.0, 60.0) as f32, 0.0],
        _ => {
            let lo = r.range(0.5, 60.0) as f32;
            [lo, lo + r.range(0.0, 120.0) as f32]
        }
    }
}

/// Panorama limits: full, partial (narrow, wide, over 180°), reversed, odd.
fn pano_limits(r: &mut Rng) -> ViewLimits {
    let pan = match r.below(8) {
        0..=2 => [0.0, 360.0],
        3 => {
            let a = r.range(-180.0, 180.0) as f32;
            [a, a + r.range(1.0, 60.0) as f32]
        }
        4 => {
            let a = r.range(-180.0, 180.0) as f32;
            [a, a + r.range(60.0, 359.0) as f32]
        }
        5 => [r.range(0.0, 360.0) as f32, r.range(0.0, 360.0) as f32],
        6 => [f32::NAN, 90.0],
        _ => [-10.0, 400.0],
    };
    let tilt = match r.below(7) {
        0 | 1 => [-90.0, 90.0],
        2 => [odd(r, -100.0, 100.0), odd(r, -100.0, 100.0)],
        3 => [-r.range(0.0, 10.0) as f32, r.range(0.0, 10.0) as f32],
        _ => [-r.range(5.0, 90.0) as f32, r.range(5.0, 90.0) as f32],
    };
    let range = pan[1] - pan[0];
    ViewLimits {
        pan,
        tilt,
        fov: fov_limits(r),
        default: if r.chance(0.7) {
            sane_view(r)
        } else {
            any_view(r)
        },
        wraps: if r.chance(0.85) {
            range >= 359.99
        } else {
            r.chance(0.5)
        },
        source: "test",
    }
}

fn aspect(r: &mut Rng) -> f64 {
    r.pick(&[
        1.0,
        4.0 / 3.0,
        16.0 / 9.0,
        0.5,
        3.0,
        0.2,
        0.0,
        f64::NAN,
        2.39,
    ])
}

fn track(width: u32, height: u32, n: usize) -> TrackUse {
    TrackUse {
        track_id: TrackId(1),
        codec: FourCC(*b"jpeg"),
        first_sample: 1,
        sample_count: n,
        width,
        height,
        depth: 24,
        samples: (0..n).collect(),
    }
}

/// An object node with random controller, settings, grid and rates.
fn object_node(r: &mut Rng) -> ObjectNode {
    let rows = r.pick(&[0, 1, 1, 2, 3, 5]);
    let columns = r.pick(&[0, 1, 2, 3, 6, 12, 12, 36]);
    let view_states = r.pick(&[0, 1, 1, 2, 3]);
    let frames_per_view = r.pick(&[0, 1, 1, 2, 3, 5]);
    odd_object_node(r, rows, columns, view_states, frames_per_view)
}

/// An object node that animates: frames, views, or views synced to frames,
/// at usable rates, either way round.
fn animated_object_node(r: &mut Rng) -> ObjectNode {
    use qtvr_format::qtvr::scene::animation as anim;
    let rows = r.pick(&[1, 2, 3]);
    let columns = r.pick(&[2, 3, 6, 12]);
    let frames = r.pick(&[2, 3, 5]);
    let states = r.pick(&[1, 2]);
    let mut o = odd_object_node(r, rows, columns, states, frames);
    let mut bits = r.below(256) as u32 | anim::ANIMATE_VIEW_FRAMES;
    if r.chance(0.7) {
        bits |= anim::ANIMATE_VIEWS;
    }
    if r.chance(0.5) {
        bits |= anim::SYNC_VIEW_TO_FRAME_RATE;
    }
    o.animation_settings = bits;
    o.frame_seconds = r.pick(&[0.1, 0.05, 1.0 / 15.0]);
    o.frame_rate = r.pick(&[1.0, -1.0, 2.5, -0.5, 0.7]);
    o.view_rate = r.pick(&[1.0, -1.0, 2.5, -0.5, 0.7]);
    o
}

/// An object node of the given grid with random controller, control and
/// animation settings, angles (odd ones too), rates and frame size.
fn odd_object_node(
    r: &mut Rng,
    rows: u32,
    columns: u32,
    view_states: u32,
    frames_per_view: u32,
) -> ObjectNode {
    let movie_type = r.below(7) as u16;
    let pan = match r.below(7) {
        0..=2 => [0.0, 360.0],
        3 => [0.0, 180.0],
        4 => [360.0, 0.0],
        5 => [10.0, 10.0],
        _ => [odd(r, -400.0, 400.0), odd(r, -400.0, 400.0)],
    };
    let tilt = match r.below(6) {
        0 | 1 => [30.0, -30.0],
        2 => [-45.0, 45.0],
        3 => [90.0, -90.0],
        4 => [0.0, 0.0],
        _ => [odd(r, -90.0, 90.0), odd(r, -90.0, 90.0)],
    };
    let [width, height] = r.pick(&[[160, 120], [320, 240], [1, 1], [0, 0], [200, 400]]);
    let view_center = match r.below(4) {
        0 | 1 => [0.0, 0.0],
        2 => [
            width as f32 / 2.0 + r.range(-100.0, 100.0) as f32,
            height as f32 / 2.0 + r.range(-100.0, 100.0) as f32,
        ],
        _ => [f32::NAN, 3.0],
    };
    let rate = |r: &mut Rng| r.pick(&[1.0, 1.0, -1.0, 2.5, 0.0, f32::NAN, 150.0, -0.5, 0.3]);
    let fov = fov_limits(r);
    let limits = ViewLimits {
        pan: [pan[0].min(pan[1]), pan[0].max(pan[1])],
        tilt: [tilt[0].min(tilt[1]), tilt[0].max(tilt[1])],
        fov,
        default: View {
            pan: odd(r, -30.0, 400.0),
            tilt: odd(r, -90.0, 90.0),
            fov: odd(r, 0.0, 120.0),
        },
        wraps: (pan[1] - pan[0]).abs() >= 359.99,
        source: "obji",
    };
    let n = (rows * columns * view_states.max(1) * frames_per_view.max(1)) as usize;
    ObjectNode {
        rows,
        columns,
        view_states,
        frames_per_view,
        controller: ObjectController::from_movie_type(movie_type),
        movie_type,
        animation_settings: r.below(256) as u32,
        control_settings: r.below(128) as u32,
        default_view_state: r.below(5) as u16,
        mouse_down_view_state: r.below(5) as u16,
        view_duration: 1,
        frame_seconds: r.pick(&[0.1, 0.1, 0.05, 1.0 / 15.0, 0.0, f64::NAN, 2.0]),
        mouse_motion_scale: r.pick(&[180.0, 180.0, 90.0, 360.0, 0.0, f32::NAN, 37.5]),
        pan,
        tilt,
        fov,
        view_center,
        view_rate: rate(r),
        frame_rate: rate(r),
        limits,
        image_track: track(width, height, n),
        hotspot_track: None,
    }
}

fn any_object_view(r: &mut Rng) -> ObjectView {
    ObjectView {
        row: r.pick(&[0, 1, 2, 4, 40]),
        column: r.pick(&[0, 1, 5, 11, 35, 100]),
        state: r.pick(&[0, 1, 2, 7]),
        frame: r.pick(&[0, 1, 4, 9]),
        fov: odd(r, -10.0, 200.0),
        centre: [odd(r, -300.0, 300.0), odd(r, -300.0, 300.0)],
    }
}

// ------------------------------------------------------------ JSON

fn limits_json(l: &ViewLimits) -> Value {
    json!({ "pan": l.pan, "tilt": l.tilt, "fov": l.fov, "wraps": l.wraps, "default": l.default })
}

fn object_json(o: &ObjectNode) -> Value {
    json!({
        "rows": o.rows,
        "columns": o.columns,
        "viewStates": o.view_states,
        "framesPerView": o.frames_per_view,
        "controller": o.controller,
        "movieType": o.movie_type,
        "animationSettings": o.animation_settings,
        "controlSettings": o.control_settings,
        "defaultViewState": o.default_view_state,
        "mouseDownViewState": o.mouse_down_view_state,
        "viewDuration": o.view_duration,
        "frameSeconds": o.frame_seconds,
        "mouseMotionScale": o.mouse_motion_scale,
        "pan": o.pan,
        "tilt": o.tilt,
        "fov": o.fov,
        "viewCenter": o.view_center,
        "viewRate": o.view_rate,
        "frameRate": o.frame_rate,
        "limits": limits_json(&o.limits),
        "width": o.image_track.width,
        "height": o.image_track.height,
    })
}

fn object_view_json(v: &ObjectView) -> Value {
    json!({
        "row": v.row, "column": v.column, "state": v.state, "frame": v.frame,
        "fov": v.fov, "centre": v.centre,
    })
}

fn shot_json(s: Shot) -> Value {
    match s {
        Shot::Perspective(v) => json!({ "mode": "perspective", "view": v }),
        Shot::Equirect => json!({ "mode": "equirect" }),
        Shot::Flat { zoom, centre } => json!({ "mode": "flat", "zoom": zoom, "centre": centre }),
    }
}

fn cursor_json(c: Cursor) -> Value {
    match c {
        Cursor::Hand => json!("hand"),
        Cursor::Grabbing => json!("grabbing"),
        Cursor::Turn(x, y) => json!({ "turn": [x, y] }),
        Cursor::Finger => json!("finger"),
        Cursor::Joystick => json!("joystick"),
        Cursor::OldJoystick => json!("old-joystick"),
        Cursor::Move => json!("move"),
    }
}

fn settings_json(s: &Settings) -> Value {
    json!({
        "drag": match s.drag { DragMode::Continuous => "continuous", DragMode::Grab => "grab" },
        "deadZone": s.dead_zone,
        "dragSpeed": s.drag_speed,
        "keySpeed": s.key_speed,
        "zoomRate": s.zoom_rate,
        "turnEase": s.turn_ease,
        "zoomEase": s.zoom_ease,
    })
}

fn object_settings_json(s: &ObjectSettings) -> Value {
    json!({
        "deadZone": s.dead_zone,
        "joystickSpeed": s.joystick_speed,
        "edgeSpeed": s.edge_speed,
        "edgeZone": s.edge_zone,
    })
}

fn node_json(n: &Node) -> Value {
    let content = match &n.content {
        NodeContent::Panorama(p) => ("limits", limits_json(&p.limits)),
        NodeContent::Object(o) => ("object", object_json(o)),
    };
    let hotspots: Vec<Value> = n
        .hotspots
        .iter()
        .map(|h| {
            let link = h.link.as_ref().map(|l| {
                let view = if l.to_pan.is_none() && l.to_tilt.is_none() && l.to_fov.is_none() {
                    Value::Null
                } else {
                    json!({ "pan": l.to_pan, "tilt": l.to_tilt, "fov": l.to_fov })
                };
                json!({ "target": l.to_node.0, "view": view })
            });
            json!({
                "id": h.id.0,
                "type": h.kind.to_text(),
                "name": h.name,
                "link": link,
                "url": h.url,
                "bestView": h.best_view,
            })
        })
        .collect();
    let mut v = json!({
        "id": n.id.0,
        "name": n.name,
        "kind": n.kind_name(),
        "hotspots": hotspots,
    });
    v[content.0] = content.1;
    v
}

fn action_json(a: &Action) -> Value {
    match a {
        Action::Go { to, view } => json!({ "kind": "go", "to": to.0, "view": view }),
        Action::Broken { to } => json!({ "kind": "broken", "to": to.0 }),
        Action::Url(u) => json!({ "kind": "url", "url": u }),
        Action::Show { kind, name } => json!({ "kind": "show", "type": kind, "name": name }),
    }
}

fn phase_json(p: Phase) -> Value {
    match p {
        Phase::Swing { from, to, elapsed } => {
            json!({ "kind": "swing", "from": from, "to": to, "elapsed": elapsed })
        }
        Phase::Ready => json!({ "kind": "ready" }),
        Phase::Fade { elapsed } => json!({ "kind": "fade", "elapsed": elapsed }),
        Phase::Done => json!({ "kind": "done" }),
    }
}

fn nav_state(n: &Navigator) -> Value {
    json!({
        "shot": shot_json(n.shot()),
        "view": n.view(),
        "objectView": n.object_view().as_ref().map(object_view_json),
        "cursor": cursor_json(n.cursor()),
        "wakeIn": n.wake_in(),
        "animating": n.animating(),
        "dragging": n.dragging(),
    })
}

// ------------------------------------------------------------ cases

struct Cases(Vec<Value>);

impl Cases {
    fn add(&mut self, kind: &str, mut case: Value, expect: Value) {
        case["name"] = json!(format!("{kind} {}", self.0.len()));
        case["kind"] = json!(kind);
        case["expect"] = expect;
        self.0.push(case);
    }
}

fn clamp_cases(r: &mut Rng, out: &mut Cases) {
    for _ in 0..500 {
        let l = pano_limits(r);
        let items: Vec<(View, f64)> = (0..8)
            .map(|i| {
                let v = if i % 2 == 0 {
                    sane_view(r)
                } else {
                    any_view(r)
                };
                (v, aspect(r))
            })
            .collect();
        let expect: Vec<View> = items
            .iter()
            .map(|&(v, a)| clamp_panorama(v, &l, a).0)
            .collect();
        let items: Vec<Value> = items.iter().map(|(v, a)| json!([v, a])).collect();
        out.add(
            "clamp",
            json!({ "limits": limits_json(&l), "items": items }),
            json!(expect),
        );
    }
    let items: Vec<(f64, f64)> = (0..200).map(|_| (r.range(0.0, 179.0), aspect(r))).collect();
    let expect: Vec<[f64; 2]> = items
        .iter()
        .map(|&(f, a)| [horizontal_fov(f, a), vertical_fov(f, a)])
        .collect();
    out.add("fov", json!({ "items": items }), json!(expect));
}

fn ray_cases(r: &mut Rng, out: &mut Cases) {
    for i in 0..120 {
        let shot = match i % 3 {
            0 => Shot::Perspective(sane_view(r)),
            1 => Shot::Equirect,
            _ => Shot::Flat {
                zoom: r.pick(&[1.0, 2.5, 0.0, 1e-5, 8.0]),
                centre: [r.range(-50.0, 50.0) as f32, r.range(-50.0, 50.0) as f32],
            },
        };
        let size = [
            r.pick(&[800, 640, 1, 0, 1920]),
            r.pick(&[600, 480, 1, 0, 1080]),
        ];
        let frame = [r.pick(&[160, 320, 0, 1]), r.pick(&[120, 240, 0, 1])];
        let points: Vec<[f64; 2]> = (0..6)
            .map(|_| [r.range(-10.0, 2000.0), r.range(-10.0, 1200.0)])
            .collect();
        let rays = Rays::new(shot, size[0], size[1]);
        let expect = json!({
            "basis": rays.perspective_basis(),
            "rays": points.iter().map(|p| rays.ray(p[0], p[1])).collect::<Vec<_>>(),
            "texels": points
                .iter()
                .map(|p| rays.flat_texel(p[0], p[1], frame[0], frame[1]))
                .collect::<Vec<_>>(),
            "angles": points.iter().map(|p| basis(p[0], p[1])).collect::<Vec<_>>(),
        });
        out.add(
            "rays",
            json!({ "shot": shot_json(shot), "size": size, "frame": frame, "points": points }),
            expect,
        );
    }
}

fn object_cases(r: &mut Rng, out: &mut Cases) {
    for _ in 0..300 {
        let o = object_node(r);
        let pans: Vec<f32> = (0..8).map(|_| odd(r, -500.0, 900.0)).collect();
        let tilts: Vec<f32> = (0..8).map(|_| odd(r, -120.0, 120.0)).collect();
        let views: Vec<ObjectView> = (0..6).map(|_| any_object_view(r)).collect();
        let expect = json!({
            "fovRange": object_fov_range(&o),
            "defaultView": object_view_json(&ObjectView::default_for(&o)),
            "defaultState": o.default_state(),
            "mouseDownState": o.mouse_down_state(),
            "columns": pans.iter().map(|&p| column_for_pan(&o, p)).collect::<Vec<_>>(),
            "rows": tilts.iter().map(|&t| row_for_tilt(&o, t)).collect::<Vec<_>>(),
            "clamped": views.iter().map(|v| object_view_json(&v.clamped(&o).0)).collect::<Vec<_>>(),
            "zooms": views.iter().map(|v| v.zoom(&o)).collect::<Vec<_>>(),
        });
        out.add(
            "object",
            json!({
                "node": object_json(&o),
                "pans": pans,
                "tilts": tilts,
                "views": views.iter().map(object_view_json).collect::<Vec<_>>(),
            }),
            expect,
        );
    }
}

const KEYS: [(Key, &str); 6] = [
    (Key::Left, "left"),
    (Key::Right, "right"),
    (Key::Up, "up"),
    (Key::Down, "down"),
    (Key::ZoomIn, "zoomIn"),
    (Key::ZoomOut, "zoomOut"),
];

/// A random input sequence applied to `n`: each input as JSON with its result
/// and the state after it.
fn drive(r: &mut Rng, n: &mut Navigator, size: [f64; 2], object: bool) -> (Vec<Value>, Vec<Value>) {
    let (mut ops, mut steps) = (Vec::new(), Vec::new());
    let mut size = size;
    let mut press = [size[0] / 2.0, size[1] / 2.0];
    let count = 30 + r.below(40);
    while ops.len() < count {
        let burst = |r: &mut Rng| -> Vec<(Value, f64)> {
            let dt = r.pick(&[1.0 / 60.0, 1.0 / 30.0, 0.1, 0.3]);
            (0..r.between(1, 24))
                .map(|_| (json!(["tick", dt]), dt))
                .collect()
        };
        let mut batch: Vec<Value> = Vec::new();
        match r.below(18) {
            0 | 1 => {
                // Often near an edge or on an edge zone's border (16 px by
                // default), for objects' edge zones.
                let (rx, ry) = (r.range(0.0, size[0]), r.range(0.0, size[1]));
                let x = r.pick(&[
                    2.0,
                    16.0,
                    size[0] - 16.0,
                    size[0] - 3.0,
                    rx,
                    rx,
                    size[0] / 2.0,
                ]);
                let y = r.pick(&[
                    3.0,
                    16.0,
                    size[1] - 16.0,
                    size[1] - 2.0,
                    ry,
                    ry,
                    size[1] / 2.0,
                ]);
                press = [x, y];
                if r.chance(0.3) {
                    batch.push(json!(["pressWith", x, y, r.chance(0.7)]));
                } else {
                    batch.push(json!(["press", x, y]));
                }
            }
            2..=4 => {
                let d = r.pick(&[3.0, 20.0, 120.0, 400.0]);
                let x = press[0] + r.range(-d, d);
                let y = press[1] + r.range(-d, d);
                batch.push(json!(["pointer", x, y]));
            }
            5 | 16 | 17 => batch.push(json!(["release"])),
            6 | 7 => {
                let (_, name) = KEYS[r.below(6)];
                batch.push(json!(["key", name, r.chance(0.6)]));
            }
            8 => batch.push(json!(["releaseKeys"])),
            9 => {
                if r.chance(0.5) {
                    batch.push(json!(["zoomSteps", r.range(-4.0, 4.0)]));
                } else {
                    batch.push(json!([
                        "zoomBy",
                        r.pick(&[0.5, 0.8, 1.25, 2.0, 0.0, f64::NAN])
                    ]));
                }
            }
            10..=12 => {
                for (op, _) in burst(r) {
                    batch.push(op);
                }
                if r.chance(0.1) {
                    batch.push(json!(["tick", r.pick(&[0.0, f64::NAN, -1.0, 5.0])]));
                }
            }
            13 => {
                size = [
                    r.pick(&[800.0, 320.0, 1920.0, 0.0]),
                    r.pick(&[600.0, 240.0, 1080.0, f64::NAN]),
                ];
                batch.push(json!(["resize", size[0], size[1]]));
                size = size.map(|s| if s.is_finite() && s >= 1.0 { s } else { 1.0 });
            }
            14 => {
                if object && r.chance(0.5) {
                    batch.push(json!([
                        "setObjectView",
                        object_view_json(&any_object_view(r))
                    ]));
                } else {
                    let v = if r.chance(0.7) {
                        sane_view(r)
                    } else {
                        any_view(r)
                    };
                    batch.push(json!(["setView", v]));
                }
            }
            _ => {
                if r.chance(0.5) {
                    batch.push(json!(["toggleTranslate"]));
                } else {
                    batch.push(json!([
                        "setBarHeight",
                        r.pick(&[0.0, 40.0, 700.0, f64::NAN])
                    ]));
                }
            }
        }
        for op in batch {
            let ret = apply(n, &op);
            ops.push(op);
            steps.push(json!({ "ret": ret, "state": nav_state(n) }));
        }
    }
    (ops, steps)
}

/// Applies one input (as nav-check.js reads it) to a navigator; its result.
fn apply(n: &mut Navigator, op: &Value) -> Value {
    let f = |i: usize| op[i].as_f64().unwrap_or(f64::NAN);
    match op[0].as_str().unwrap() {
        "press" => json!(n.press([f(1), f(2)])),
        "pressWith" => json!(n.press_with([f(1), f(2)], op[3].as_bool().unwrap())),
        "pointer" => json!(n.pointer([f(1), f(2)])),
        "release" => json!(n.release()),
        "key" => {
            let key = KEYS.iter().find(|k| k.1 == op[1]).unwrap().0;
            json!(n.key(key, op[2].as_bool().unwrap()))
        }
        "releaseKeys" => {
            n.release_keys();
            Value::Null
        }
        "zoomSteps" => {
            n.zoom_steps(f(1));
            Value::Null
        }
        "zoomBy" => {
            n.zoom_by(f(1));
            Value::Null
        }
        "tick" => json!(n.tick(f(1))),
        "resize" => {
            n.resize([f(1), f(2)]);
            Value::Null
        }
        "setView" => {
            let g = |k: &str| op[1][k].as_f64().unwrap_or(f64::NAN) as f32;
            n.set_view(View {
                pan: g("pan"),
                tilt: g("tilt"),
                fov: g("fov"),
            });
            Value::Null
        }
        "setObjectView" => {
            let j = &op[1];
            let u = |k: &str| j[k].as_u64().unwrap() as u32;
            let g = |x: &Value| x.as_f64().unwrap_or(f64::NAN) as f32;
            n.set_object_view(ObjectView {
                row: u("row"),
                column: u("column"),
                state: u("state"),
                frame: u("frame"),
                fov: g(&j["fov"]),
                centre: [g(&j["centre"][0]), g(&j["centre"][1])],
            });
            Value::Null
        }
        "toggleTranslate" => json!(n.toggle_translate()),
        "setBarHeight" => {
            n.set_bar_height(f(1));
            Value::Null
        }
        other => panic!("unknown op {other}"),
    }
}

fn random_settings(r: &mut Rng) -> Settings {
    let mut s = Settings::default();
    if r.chance(0.4) {
        s.drag = DragMode::Grab;
    }
    if r.chance(0.2) {
        s.dead_zone = r.range(0.0, 20.0);
        s.drag_speed = r.range(0.2, 3.0);
        s.key_speed = r.range(0.1, 2.0);
        s.zoom_rate = r.range(0.5, 3.0);
        s.turn_ease = r.pick(&[0.0, 0.05, 0.3]);
        s.zoom_ease = r.pick(&[0.0, 0.02, 0.2]);
    }
    s
}

fn nav_cases(r: &mut Rng, out: &mut Cases) {
    for i in 0..400 {
        let size = [
            r.pick(&[800.0, 640.0, 300.0, 1600.0]),
            r.pick(&[600.0, 480.0, 900.0]),
        ];
        let settings = random_settings(r);
        let object = i % 2 == 1;
        let mut case = json!({ "size": size, "settings": settings_json(&settings) });
        let subject = if object {
            let o = if r.chance(0.4) {
                animated_object_node(r)
            } else {
                object_node(r)
            };
            let view = if r.chance(0.5) {
                ObjectView::default_for(&o)
            } else {
                any_object_view(r)
            };
            if r.chance(0.25) {
                let node = node_of(1, NodeContent::Object(Box::new(o)), Vec::new());
                case["node"] = node_json(&node);
                Subject::of_node(&node)
            } else if r.chance(0.3) {
                let os = ObjectSettings {
                    dead_zone: r.range(0.0, 20.0),
                    joystick_speed: r.range(0.2, 3.0),
                    edge_speed: r.range(0.1, 2.0),
                    edge_zone: r.pick(&[4.0, 16.0, 60.0]),
                };
                case["subject"] = json!({
                    "kind": "object", "node": object_json(&o), "view": object_view_json(&view),
                    "objectSettings": object_settings_json(&os),
                });
                Subject::Object(ObjectNav::new(Box::new(o), view, os))
            } else {
                case["subject"] = json!({
                    "kind": "object", "node": object_json(&o), "view": object_view_json(&view),
                });
                Subject::object(&o, view)
            }
        } else {
            let limits = pano_limits(r);
            let view = if r.chance(0.7) {
                sane_view(r)
            } else {
                any_view(r)
            };
            if r.chance(0.25) {
                let node = node_of(1, pano_content(limits), Vec::new());
                case["node"] = node_json(&node);
                Subject::of_node(&node)
            } else {
                case["subject"] =
                    json!({ "kind": "panorama", "limits": limits_json(&limits), "view": view });
                Subject::Panorama { limits, view }
            }
        };
        let mut n = Navigator::new(subject, size, settings);
        let initial = nav_state(&n);
        let (ops, steps) = drive(r, &mut n, size, object);
        case["ops"] = json!(ops);
        out.add("nav", case, json!({ "initial": initial, "steps": steps }));
    }
}

fn pano_content(limits: ViewLimits) -> NodeContent {
    NodeContent::Panorama(Box::new(Panorama {
        projection: Projection::Cylinder {
            orientation: CylinderOrientation::Vertical,
            legacy_flags: false,
            first_tile: FirstTile::Rightmost,
        },
        image_size: [1024, 256],
        tile_grid: [1, 4],
        image_pan: [0.0, 360.0],
        limits,
        constraints: Constraints::default(),
        image_track: track(256, 256, 4),
        hotspot_track: None,
        hotspot_image_size: None,
        preview_track: None,
        low_res_tracks: Vec::new(),
    }))
}

fn node_of(id: u32, content: NodeContent, hotspots: Vec<HotSpot>) -> Node {
    Node {
        id: NodeId(id),
        name: Some(format!("node {id}")),
        comment: None,
        start_time: 0.0,
        duration: 1.0,
        content,
        hotspots,
        custom_atoms: Vec::new(),
    }
}

fn hotspot(r: &mut Rng, id: u32, nodes: u32) -> HotSpot {
    let angle = |r: &mut Rng, lo: f64, hi: f64| match r.below(5) {
        0 => None,
        1 => Some(f32::NAN),
        _ => Some(odd(r, lo, hi)),
    };
    let (kind, link, url) = match r.below(5) {
        0 | 1 => {
            let link = Link {
                // Now and then a node the movie does not have.
                to_node: NodeId(r.below(nodes as usize + 1) as u32 + 1),
                to_pan: angle(r, -30.0, 400.0),
                to_tilt: angle(r, -90.0, 90.0),
                to_fov: angle(r, -10.0, 120.0),
                to_view_center: None,
                to_valid_flags: 7,
            };
            (*b"link", Some(link), None)
        }
        2 => (*b"url ", None, Some(format!("https://example.com/{id}"))),
        3 => (*b"navg", None, None),
        _ => (*b"undf", None, None),
    };
    HotSpot {
        id: HotspotId(id),
        kind: FourCC(kind),
        name: r
            .pick(&[None, Some("door"), Some("  "), Some("")])
            .map(String::from),
        comment: None,
        best_view: if r.chance(0.5) {
            Some(any_view(r))
        } else {
            None
        },
        best_view_center: None,
        rect: None,
        cursor_ids: [0; 3],
        flags: 0,
        link,
        url,
        custom: Vec::new(),
    }
}

fn tour_cases(r: &mut Rng, out: &mut Cases) {
    for i in 0..40 {
        let count = r.between(1, 5) as u32;
        let nodes: Vec<Node> = (1..=count)
            .map(|id| {
                let content = if r.chance(0.6) {
                    pano_content(pano_limits(r))
                } else {
                    NodeContent::Object(Box::new(object_node(r)))
                };
                let hotspots = (1..=r.between(0, 6) as u32)
                    .map(|h| hotspot(r, h * 10, count))
                    .collect();
                node_of(id, content, hotspots)
            })
            .collect();
        let scene = Scene {
            qtvr_version: "2.0".into(),
            controller: FourCC(*b"qtvr"),
            name: None,
            default_node: NodeId(1),
            imaging: Vec::new(),
            cursors: Vec::new(),
            nodes,
            warnings: Vec::new(),
        };
        let mut t = Tour::new(NodeId(1));
        let (mut ops, mut steps) = (Vec::new(), Vec::new());
        // One long tour overflows the history.
        let len = if i == 0 { 300 } else { 40 };
        for _ in 0..len {
            let here = sane_view(r);
            let (op, ret) = match r.below(if i == 0 { 2 } else { 6 }) {
                0 | 1 => {
                    let to = r.between(1, count as u64 + 1) as u32;
                    t.jump(NodeId(to), here);
                    (json!(["jump", to, here]), Value::Null)
                }
                2 | 3 => {
                    let id = r.pick(&[10, 20, 30, 40, 50, 60, 7]);
                    let a = t.follow(&scene, HotspotId(id), here);
                    (
                        json!(["follow", id, here]),
                        json!(a.as_ref().map(action_json)),
                    )
                }
                4 => {
                    let b = t.back().map(|(n, v)| json!([n.0, v]));
                    (json!(["back"]), json!(b))
                }
                _ if r.chance(0.2) => {
                    let to = r.between(1, count as u64) as u32;
                    t.restart(NodeId(to));
                    (json!(["restart", to]), Value::Null)
                }
                _ => (json!(["last"]), Value::Null),
            };
            ops.push(op);
            steps.push(json!({
                "ret": ret,
                "node": t.node().0,
                "depth": t.depth(),
                "last": t.last().map(|(n, v)| json!([n.0, v])),
            }));
        }
        let per_hotspot = |f: &dyn Fn(&Node, &HotSpot) -> Value| -> Vec<Vec<Value>> {
            scene
                .nodes
                .iter()
                .map(|n| n.hotspots.iter().map(|h| f(n, h)).collect())
                .collect()
        };
        let expect = json!({
            "steps": steps,
            "defaults": scene.nodes.iter().map(tour::default_view).collect::<Vec<_>>(),
            "names": per_hotspot(&|_, h| json!(tour::hotspot_name(h))),
            "actions": per_hotspot(&|n, h| {
                json!(tour::action(&scene, n.id, h.id).as_ref().map(action_json))
            }),
            "destinations": per_hotspot(&|_, h| {
                let link = h.link.as_ref();
                let target = link.and_then(|l| scene.node(l.to_node));
                json!(target.map(|t| tour::destination_view(t, link.unwrap())))
            }),
        });
        out.add(
            "tour",
            json!({
                "nodes": scene.nodes.iter().map(node_json).collect::<Vec<_>>(),
                "start": 1,
                "ops": ops,
            }),
            expect,
        );
    }
}

fn transition_cases(r: &mut Rng, out: &mut Cases) {
    for i in 0..150 {
        let from = sane_view(r);
        let best = match if i == 1 { 3 } else { r.below(4) } {
            0 => None,
            1 => Some(any_view(r)),
            _ => Some(sane_view(r)),
        };
        let fade_only = i % 10 == 0;
        let mut t = if fade_only {
            Transition::fade_only()
        } else {
            Transition::new(from, best)
        };
        let (mut ops, mut steps) = (Vec::new(), Vec::new());
        // Case 1 ends its swing and its fade by the slack alone: ten ticks of
        // 0.04 s sum to just under 0.4 s, ten of 0.35 / 10 to just under 0.35.
        let exact = i == 1;
        for _ in 0..if exact { 24 } else { r.between(5, 40) } {
            let switch = if exact {
                t.ready()
            } else {
                (t.ready() && r.chance(0.6)) || r.chance(0.05)
            };
            let (op, ret) = if switch {
                t.switched();
                (json!(["switched"]), Value::Null)
            } else {
                let dt = match (exact, t.phase()) {
                    (true, Phase::Swing { .. }) => 0.04,
                    (true, _) => 0.35 / 10.0,
                    _ => r.pick(&[0.04, 1.0 / 60.0, 0.1, 0.0, -0.1, f64::NAN, 1.0]),
                };
                (json!(["tick", dt]), json!(t.tick(dt)))
            };
            ops.push(op);
            steps.push(json!({
                "ret": ret,
                "phase": phase_json(t.phase()),
                "fade": t.fade(),
                "ready": t.ready(),
                "moving": t.moving(),
                "done": t.done(),
            }));
        }
        out.add(
            "transition",
            json!({ "from": from, "best": best, "fadeOnly": fade_only, "ops": ops }),
            json!({ "steps": steps }),
        );
    }
    let items: Vec<(View, View, f64)> = (0..300)
        .map(|_| (sane_view(r), any_view(r), r.range(-0.2, 1.2)))
        .collect();
    let expect: Vec<View> = items
        .iter()
        .map(|&(a, b, t)| tour::swing(a, b, t))
        .collect();
    out.add("swing", json!({ "items": items }), json!(expect));

    let mut u = UrlClicks::default();
    let (mut ops, mut rets) = (Vec::new(), Vec::new());
    for _ in 0..200 {
        if r.chance(0.1) {
            u.reset();
            ops.push(json!(["reset"]));
            rets.push(Value::Null);
        } else {
            let (n, h) = (r.between(1, 2) as u32, r.between(1, 3) as u32);
            rets.push(json!(u.click(NodeId(n), HotspotId(h))));
            ops.push(json!(["click", n, h]));
        }
    }
    out.add("urls", json!({ "ops": ops }), json!(rets));

    out.add(
        "constants",
        json!({}),
        json!({
            "swing": tour::SWING_SECONDS,
            "fade": tour::FADE_SECONDS,
            "settings": settings_json(&Settings::default()),
            "objectSettings": object_settings_json(&ObjectSettings::default()),
        }),
    );
}

// ------------------------------------------------------------ the test

#[test]
fn web_navigation_matches_the_desktop_viewer() {
    if !qtvr_testkit::require_tool("node", "nodejs") {
        return;
    }
    let mut r = Rng::new(0x5EB_0A7);
    let mut cases = Cases(Vec::new());
    clamp_cases(&mut r, &mut cases);
    ray_cases(&mut r, &mut cases);
    object_cases(&mut r, &mut cases);
    nav_cases(&mut r, &mut cases);
    tour_cases(&mut r, &mut cases);
    transition_cases(&mut r, &mut cases);
    let total = cases.0.len();

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web_nav");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("cases-{}.json", std::process::id()));
    std::fs::write(
        &file,
        serde_json::to_vec(&json!({ "cases": cases.0 })).unwrap(),
    )
    .unwrap();

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web/test/nav-check.js");
    let out = Command::new("node")
        .arg(&script)
        .arg(&file)
        .output()
        .expect("node runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "web/nav.js differs from src/view ({}):\n{text}",
        file.display()
    );
    let want = format!("checked {total} cases, 0 mismatches");
    assert!(text.contains(&want), "expected '{want}' from node:\n{text}");
    let _ = std::fs::remove_file(&file);
}
