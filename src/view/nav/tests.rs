//! Navigation on a simulated clock: drags, keys, zoom, clamping, wrap, easing.

use super::*;
use qtvr_format::container::FourCC;
use qtvr_format::qtvr::scene::{ObjectController, TrackUse};

fn limits(pan: [f32; 2], tilt: [f32; 2], fov: [f32; 2]) -> ViewLimits {
    ViewLimits {
        pan,
        tilt,
        fov,
        default: View {
            pan: 0.0,
            tilt: 0.0,
            fov: 60.0,
        },
        wraps: pan[1] - pan[0] >= 359.99,
        source: "test",
    }
}

fn pano(limits: ViewLimits, view: View, settings: Settings) -> Navigator {
    Navigator::new(Subject::Panorama { limits, view }, [800.0, 600.0], settings)
}

fn full() -> Navigator {
    pano(
        limits([0.0, 360.0], [-45.0, 45.0], [10.0, 80.0]),
        View {
            pan: 180.0,
            tilt: 0.0,
            fov: 60.0,
        },
        Settings::default(),
    )
}

/// Runs `secs` seconds in steps of `dt`.
fn run(n: &mut Navigator, secs: f64, dt: f64) {
    let steps = (secs / dt).round() as usize;
    for _ in 0..steps {
        n.tick(dt);
    }
}

fn close(a: f32, b: f64, tol: f64) -> bool {
    (f64::from(a) - b).abs() <= tol
}

#[test]
fn continuous_drag_turns_at_a_speed_proportional_to_the_offset() {
    let mut n = full();
    n.press([400.0, 300.0]);
    n.pointer([500.0, 300.0]);
    assert_eq!(n.cursor(), Cursor::Turn(1, 0));
    run(&mut n, 1.0, 1.0 / 60.0);
    // 94 px beyond the dead zone of a 300 px half height, 1.5 fields of view
    // per second at the edge: 28.2°/s, eased in with τ = 0.12 s.
    let speed = 1.5 * 60.0 * 94.0 / 300.0;
    let tau: f64 = 0.12;
    let expected = speed * (1.0 - tau * (1.0 - (-1.0 / tau).exp()));
    let v = n.view();
    assert!(close(v.pan, 180.0 - expected, 0.3), "pan {}", v.pan);
    assert!(close(v.tilt, 0.0, 1e-4));
    // Twice the offset beyond the dead zone, twice the speed.
    let mut m = full();
    m.press([400.0, 300.0]);
    m.pointer([594.0, 300.0]);
    run(&mut m, 1.0, 1.0 / 60.0);
    let turned = |n: &Navigator| 180.0 - f64::from(n.view().pan);
    assert!((turned(&m) / turned(&n) - 188.0 / 94.0).abs() < 0.01);
}

#[test]
fn drag_below_the_press_looks_down_and_the_dead_zone_holds_still() {
    let mut n = full();
    n.press([400.0, 300.0]);
    n.pointer([403.0, 304.0]);
    assert_eq!(n.cursor(), Cursor::Grabbing);
    run(&mut n, 1.0, 1.0 / 60.0);
    assert_eq!(n.view().pan, 180.0);
    assert_eq!(n.view().tilt, 0.0);
    assert!(!n.animating());
    n.pointer([400.0, 400.0]);
    assert_eq!(n.cursor(), Cursor::Turn(0, 1));
    run(&mut n, 0.5, 1.0 / 60.0);
    assert!(n.view().tilt < -5.0);
    n.pointer([300.0, 200.0]);
    assert_eq!(n.cursor(), Cursor::Turn(-1, -1));
    n.release();
    assert_eq!(n.cursor(), Cursor::Hand);
}

#[test]
fn motion_does_not_depend_on_the_frame_rate() {
    let go = |dt: f64| {
        let mut n = full();
        n.press([400.0, 300.0]);
        n.pointer([600.0, 250.0]);
        n.key(Key::ZoomIn, true);
        run(&mut n, 0.5, dt);
        n.key(Key::ZoomIn, false);
        n.release();
        run(&mut n, 1.5, dt);
        n.view()
    };
    let a = go(1.0 / 240.0);
    let b = go(1.0 / 20.0);
    assert!((a.pan - b.pan).abs() < 0.5, "{a:?} {b:?}");
    assert!((a.tilt - b.tilt).abs() < 0.5, "{a:?} {b:?}");
    assert!((a.fov - b.fov).abs() < 0.5, "{a:?} {b:?}");
    assert!(a.fov < 60.0 * 0.6);
}

#[test]
fn keys_turn_then_ease_to_a_stop() {
    let mut n = full();
    n.key(Key::Left, true);
    assert!(n.animating());
    run(&mut n, 1.0, 1.0 / 60.0);
    let p1 = n.view().pan;
    assert!(p1 > 180.0 + 25.0 && p1 < 180.0 + 36.0, "pan {p1}");
    n.key(Key::Left, false);
    let mut steps = 0;
    while n.animating() {
        n.tick(1.0 / 60.0);
        steps += 1;
        assert!(steps < 120, "still moving after 2 s");
    }
    // The ease-out carries on a little, about speed × τ.
    let glide = n.view().pan - p1;
    assert!(glide > 2.0 && glide < 6.0, "glide {glide}");
    n.key(Key::Down, true);
    n.key(Key::Right, true);
    run(&mut n, 0.5, 1.0 / 60.0);
    assert!(n.view().tilt < 0.0);
    assert!(n.view().pan < p1 + glide);
}

#[test]
fn zoom_keys_wheel_and_limits() {
    let mut n = full();
    n.key(Key::ZoomIn, true);
    run(&mut n, 1.0, 1.0 / 60.0);
    n.key(Key::ZoomIn, false);
    run(&mut n, 1.0, 1.0 / 60.0);
    assert!(
        close(n.view().fov, 60.0 * (-1.2f64).exp(), 0.05),
        "{:?}",
        n.view()
    );
    n.zoom_steps(-2.0);
    run(&mut n, 1.0, 1.0 / 60.0);
    assert!(close(n.view().fov, 60.0 * (-1.2f64).exp() / 0.81, 0.05));
    // Far past the limits: the field of view stops at them.
    n.zoom_steps(50.0);
    run(&mut n, 1.0, 1.0 / 60.0);
    assert!(close(n.view().fov, 10.0, 1e-4));
    n.zoom_by(100.0);
    run(&mut n, 1.0, 1.0 / 60.0);
    // 80° wanted, but the 90° tilt range caps it at 90 and the limit at 80.
    assert!(close(n.view().fov, 80.0, 1e-4));
    assert!(!n.animating());
}

#[test]
fn tilt_stops_at_the_image_edge_and_pan_wraps() {
    let mut n = full();
    n.key(Key::Up, true);
    n.key(Key::Left, true);
    run(&mut n, 20.0, 1.0 / 30.0);
    let v = n.view();
    // The top of the view sits on the top of the image.
    assert!(close(v.tilt + v.fov / 2.0, 45.0, 1e-3), "{v:?}");
    assert!((0.0..360.0).contains(&v.pan));
    // 20 s at 36°/s went round twice: pan wrapped.
    assert!(v.pan < 180.0 + 36.0 * 20.0 - 360.0 * 2.0 + 1.0);
}

#[test]
fn partial_panorama_stops_at_its_ends() {
    let mut n = pano(
        limits([-60.0, 60.0], [-30.0, 30.0], [20.0, 60.0]),
        View {
            pan: 0.0,
            tilt: 0.0,
            fov: 40.0,
        },
        Settings::default(),
    );
    n.key(Key::Right, true);
    run(&mut n, 10.0, 1.0 / 60.0);
    let v = n.view();
    let half = crate::view::horizontal_fov(f64::from(v.fov), 800.0 / 600.0) / 2.0;
    assert!(close(v.pan, -60.0 + half, 1e-3), "{v:?}");
    n.key(Key::Right, false);
    // No speed stored against the limit: reversing moves at once.
    n.key(Key::Left, true);
    n.tick(0.1);
    assert!(n.view().pan > v.pan);
}

#[test]
fn grab_mode_keeps_the_point_under_the_pointer() {
    let mut n = pano(
        limits([0.0, 360.0], [-45.0, 45.0], [10.0, 80.0]),
        View {
            pan: 100.0,
            tilt: 0.0,
            fov: 60.0,
        },
        Settings {
            drag: DragMode::Grab,
            ..Settings::default()
        },
    );
    n.press([400.0, 300.0]);
    assert!(n.pointer([460.0, 300.0]));
    assert_eq!(n.cursor(), Cursor::Grabbing);
    // 60 px of a 600 px high, 60° view: 6° to the left.
    assert!(close(n.view().pan, 106.0, 1e-4));
    assert!(n.pointer([460.0, 270.0]));
    assert!(close(n.view().tilt, -3.0, 1e-4));
    assert!(!n.animating());
}

#[test]
fn resizing_keeps_the_vertical_field_of_view() {
    let mut n = full();
    n.resize([1600.0, 600.0]);
    assert_eq!(n.view().fov, 60.0);
    n.resize([300.0, 600.0]);
    assert_eq!(n.view().fov, 60.0);
    // A bogus size does not poison the state.
    n.resize([0.0, f64::NAN]);
    assert!(n.view().fov.is_finite());
}

fn object(rows: u32, columns: u32) -> ObjectNode {
    let track = TrackUse {
        track_id: qtvr_format::qtvr::TrackId(1),
        codec: FourCC(*b"jpeg"),
        first_sample: 1,
        sample_count: (rows * columns) as usize,
        width: 160,
        height: 120,
        depth: 24,
        samples: (0..(rows * columns) as usize).collect(),
    };
    ObjectNode {
        rows,
        columns,
        view_states: 1,
        frames_per_view: 1,
        controller: ObjectController::Grabber,
        movie_type: 2,
        animation_settings: 0,
        // Wrap pan, can zoom.
        control_settings: 5,
        default_view_state: 1,
        mouse_down_view_state: 1,
        view_duration: 1,
        frame_seconds: 0.1,
        mouse_motion_scale: 180.0,
        pan: [0.0, 360.0],
        tilt: [30.0, -30.0],
        fov: [20.0, 60.0],
        view_center: [0.0, 0.0],
        view_rate: 1.0,
        frame_rate: 1.0,
        limits: limits([0.0, 360.0], [-30.0, 30.0], [20.0, 60.0]),
        image_track: track,
        hotspot_track: None,
    }
}

#[test]
fn object_drags_and_keys_step_views() {
    let o = object(3, 12);
    let view = ObjectView::default_for(&o);
    let mut n = Navigator::new(
        Subject::object(&o, view),
        [800.0, 600.0],
        Settings::default(),
    );
    let at = |n: &Navigator| {
        let v = n.object_view().expect("an object");
        (v.row, v.column)
    };
    let (r0, c0) = at(&n);
    n.press([400.0, 300.0]);
    // 180° per window width, 30° per column: 160 px is 36°, one column.
    assert!(n.pointer([560.0, 300.0]));
    assert_eq!(at(&n), (r0, (c0 + 11) % 12));
    // The remainder carries over: 120 more px, 63° in all → a second column.
    n.pointer([640.0, 300.0]);
    assert_eq!(at(&n), (r0, (c0 + 11) % 12));
    n.pointer([680.0, 300.0]);
    assert_eq!(at(&n), (r0, (c0 + 10) % 12));
    n.release();
    n.key(Key::Right, true);
    n.key(Key::Right, false);
    assert_eq!(at(&n), (r0, (c0 + 11) % 12));
    n.key(Key::Up, true);
    n.key(Key::Up, true);
    n.key(Key::Up, true);
    assert_eq!(at(&n).0, 0, "rows stop at the top");
    // Columns wrap on a full circle.
    for _ in 0..12 {
        n.key(Key::Left, true);
    }
    assert_eq!(at(&n).1, (c0 + 11) % 12);
    n.zoom_steps(3.0);
    run(&mut n, 1.0, 1.0 / 60.0);
    assert!(close(n.view().fov, 60.0 * 0.729, 0.01), "{:?}", n.view());
}
