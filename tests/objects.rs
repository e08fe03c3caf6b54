//! Object movies as QuickTime VR played them: for every controller type and
//! every control and animation setting, an input sequence on the navigation
//! state (simulated clock, no window) reaches the exact expected (row,
//! column, state, frame). The movies are generated here (every view
//! labelled by colour and text), read back by the project's reader, and the
//! frame each sequence ends on is decoded to check it is that view. The
//! samples' object movies are checked the same way when present.

mod common;
#[path = "support/objects.rs"]
mod objects;

use objects::{colour, labelled_object, labelled_object_over, patch_colour, same_colour};
use qtvr::view::ObjectView;
use qtvr::view::nav::{Cursor, Key, Navigator, Settings, Subject};
use qtvr_format::assemble::object_picture;
use qtvr_format::qtvr::scene::{ObjectNode, animation as anim, control};
use qtvr_format::qtvr::write::ObjectBehaviour;
use qtvr_format::qtvr::{Loaded, NodeContent, NodeId, load};
use qtvr_format::tiles::DecodeOptions;

const WINDOW: [f64; 2] = [800.0, 600.0];
const CENTRE: [f64; 2] = [400.0, 300.0];

struct Movie {
    bytes: Vec<u8>,
    loaded: Loaded,
}

impl Movie {
    fn node(&self) -> &ObjectNode {
        let scene = self.loaded.scene.as_ref().expect("a QTVR scene");
        match &scene.nodes[0].content {
            NodeContent::Object(o) => o,
            NodeContent::Panorama(_) => panic!("not an object"),
        }
    }

    fn nav(&self) -> Navigator {
        let o = self.node();
        Navigator::new(
            Subject::object(o, ObjectView::default_for(o)),
            WINDOW,
            Settings::default(),
        )
    }

    /// The decoded frame the navigator shows: (RGBA bytes, width).
    fn frame(&self, n: &Navigator) -> (Vec<u8>, u32) {
        let v = n.object_view().expect("an object");
        let pic = object_picture(
            &self.bytes,
            &self.loaded.movie,
            NodeId(1),
            self.node(),
            &v.object_frame(),
            &DecodeOptions::default(),
        )
        .expect("the frame decodes");
        let img = &pic.surfaces[0].image;
        (img.rgba().into_owned(), img.width)
    }

    /// Decodes the frame the navigator shows and checks its label colour.
    fn shows(&self, n: &Navigator) {
        let v = n.object_view().expect("an object");
        let (data, width) = self.frame(n);
        let got = patch_colour(&data, width);
        let want = colour(v.row, v.column, v.state, v.frame);
        assert!(
            same_colour(got, want),
            "view {:?} shows colour {got:?}, its label's is {want:?}",
            at(n)
        );
    }
}

fn movie(rows: u32, columns: u32, b: ObjectBehaviour) -> Movie {
    let bytes = labelled_object(rows, columns, b);
    let loaded = load(&bytes).expect("the generated movie loads");
    assert!(
        loaded.scene.as_ref().is_some_and(|s| s.warnings.is_empty()),
        "{:?}",
        loaded.scene.as_ref().map(|s| &s.warnings)
    );
    Movie { bytes, loaded }
}

/// A 3 × 12 still object with this controller and these control settings.
fn still(movie_type: u16, control_settings: u32) -> Movie {
    movie(
        3,
        12,
        ObjectBehaviour {
            movie_type,
            control_settings,
            ..ObjectBehaviour::default()
        },
    )
}

/// A 3 × 12 object of 4 frames per view (each 0.1 s at rate 1).
fn animated(animation_settings: u32, frame_rate: f32, view_rate: f32) -> Movie {
    movie(
        3,
        12,
        ObjectBehaviour {
            movie_type: 4,
            frames_per_view: 4,
            animation_settings,
            frame_rate,
            view_rate,
            control_settings: control::WRAP_PAN,
            ..ObjectBehaviour::default()
        },
    )
}

fn at(n: &Navigator) -> (u32, u32, u32, u32) {
    let v = n.object_view().expect("an object");
    (v.row, v.column, v.state, v.frame)
}

/// Runs the clock for `secs` in ticks of 1/64 s (exact in binary).
fn run(n: &mut Navigator, secs: f64) {
    for _ in 0..(secs * 64.0).round() as usize {
        n.tick(1.0 / 64.0);
    }
}

fn drag(n: &mut Navigator, from: [f64; 2], to: &[[f64; 2]]) {
    n.press(from);
    for p in to {
        n.pointer(*p);
    }
    n.release();
}

fn press_key(n: &mut Navigator, k: Key) {
    n.key(k, true);
    n.key(k, false);
}

// Geometry of the generated movies: 12 columns over 360° (30° each), 3 rows
// over +30..−30 (30° each); mouse motion scale 180° per window width (800
// px), so one column or row is 133⅓ px of drag. The default view is pan 180
// (column 6), tilt 0 (row 1).

#[test]
fn default_view_is_the_default_pan_tilt_and_state() {
    let m = still(1, 0);
    let n = m.nav();
    assert_eq!(at(&n), (1, 6, 0, 0));
    m.shows(&n);
}

#[test]
fn grabber_drag_is_scaled_by_mouse_motion_scale_and_angle_per_view() {
    let m = still(4, 0);
    let mut n = m.nav();
    assert_eq!(n.cursor(), Cursor::Hand);
    n.press(CENTRE);
    assert_eq!(n.cursor(), Cursor::Grabbing);
    // 100 px = 22.5°: not yet a column.
    n.pointer([300.0, 300.0]);
    assert_eq!(at(&n), (1, 6, 0, 0));
    // 150 px = 33.75°: the object turns left with the hand: next column.
    n.pointer([250.0, 300.0]);
    assert_eq!(at(&n), (1, 7, 0, 0));
    // Up 134 px = 30.15°: the row below (seen from lower down).
    n.pointer([250.0, 166.0]);
    assert_eq!(at(&n), (2, 7, 0, 0));
    n.release();
    assert_eq!(n.cursor(), Cursor::Hand);
    m.shows(&n);
    // Right 400 px = 90° = three columns back; no wrap: stops at column 0.
    drag(&mut n, CENTRE, &[[800.0, 300.0]]);
    assert_eq!(at(&n), (2, 4, 0, 0));
    drag(&mut n, [0.0, 300.0], &[[800.0, 300.0]]);
    assert_eq!(at(&n), (2, 0, 0, 0));
    // Rows stop at the ends too.
    drag(&mut n, [400.0, 0.0], &[[400.0, 599.0]]);
    assert_eq!(at(&n), (0, 0, 0, 0));
    m.shows(&n);

    // Half the mouse motion scale needs twice the drag.
    let m = movie(
        3,
        12,
        ObjectBehaviour {
            movie_type: 4,
            mouse_motion_scale: 90.0,
            control_settings: 0,
            ..ObjectBehaviour::default()
        },
    );
    let mut n = m.nav();
    drag(&mut n, CENTRE, &[[250.0, 300.0]]);
    assert_eq!(at(&n), (1, 6, 0, 0), "150 px = 16.9°");
    drag(&mut n, CENTRE, &[[130.0, 300.0]]);
    assert_eq!(at(&n), (1, 7, 0, 0), "270 px = 30.4°");

    // Six columns over 90°: 15° (66⅔ px) a column; default pan 30 = column 2.
    let b = ObjectBehaviour {
        movie_type: 4,
        control_settings: 0,
        ..ObjectBehaviour::default()
    };
    let bytes = labelled_object_over(3, 6, [0.0, 90.0], 30.0, b);
    let loaded = load(&bytes).expect("loads");
    let m = Movie { bytes, loaded };
    let mut n = m.nav();
    assert_eq!(at(&n), (1, 2, 0, 0));
    drag(&mut n, CENTRE, &[[330.0, 300.0]]);
    assert_eq!(at(&n), (1, 3, 0, 0), "70 px = 15.75° is one 15° column");
    m.shows(&n);
}

#[test]
fn wrap_pan_and_wrap_tilt_wrap_columns_and_rows() {
    let m = still(4, control::WRAP_PAN | control::WRAP_TILT);
    let mut n = m.nav();
    // 800 px right = 180° = six columns back from 6: column 0; six more wrap to 6.
    drag(&mut n, [0.0, 300.0], &[[800.0, 300.0]]);
    assert_eq!(at(&n), (1, 0, 0, 0));
    drag(&mut n, [0.0, 300.0], &[[700.0, 300.0]]);
    assert_eq!(
        at(&n),
        (1, 7, 0, 0),
        "700 px = 157.5° = 5 columns back from 0"
    );
    press_key(&mut n, Key::Up);
    press_key(&mut n, Key::Up);
    assert_eq!(at(&n), (2, 7, 0, 0), "row 0 then wraps to the bottom row");
    m.shows(&n);
    // Without the settings the same input stops at the ends.
    let m = still(4, 0);
    let mut n = m.nav();
    drag(&mut n, [0.0, 300.0], &[[800.0, 300.0]]);
    drag(&mut n, [0.0, 300.0], &[[700.0, 300.0]]);
    assert_eq!(at(&n), (1, 0, 0, 0));
    press_key(&mut n, Key::Up);
    press_key(&mut n, Key::Up);
    assert_eq!(at(&n), (0, 0, 0, 0));
}

#[test]
fn arrow_keys_step_one_view_through_reverse_and_swap() {
    let cases = [
        // (control settings, key, expected (row, column) from (1, 6))
        (0, Key::Right, (1, 7)),
        (0, Key::Left, (1, 5)),
        (0, Key::Up, (0, 6)),
        (0, Key::Down, (2, 6)),
        (control::REVERSE_H, Key::Right, (1, 5)),
        (control::REVERSE_V, Key::Up, (2, 6)),
        (control::SWAP_HV, Key::Right, (2, 6)),
        (control::SWAP_HV, Key::Up, (1, 5)),
        (control::SWAP_HV | control::REVERSE_H, Key::Right, (0, 6)),
    ];
    for (settings, key, want) in cases {
        let m = still(4, settings);
        let mut n = m.nav();
        press_key(&mut n, key);
        assert_eq!(
            (at(&n).0, at(&n).1),
            want,
            "settings {settings:#x}, key {key:?}"
        );
    }
}

#[test]
fn reverse_and_swap_change_what_a_drag_does() {
    // 150 px left (33.75°) and 134 px up (30.15°), from (1, 6).
    let cases = [
        (0, (2, 7)),
        (control::REVERSE_H, (2, 5)),
        (control::REVERSE_V, (0, 7)),
        (control::REVERSE_H | control::REVERSE_V, (0, 5)),
        // Swapped: horizontal motion drives rows, vertical drives columns.
        (control::SWAP_HV, (2, 7)),
    ];
    for (settings, want) in cases {
        let m = still(4, settings);
        let mut n = m.nav();
        drag(&mut n, CENTRE, &[[250.0, 300.0], [250.0, 166.0]]);
        assert_eq!((at(&n).0, at(&n).1), want, "settings {settings:#x}");
    }
    // Swap alone, one axis at a time.
    let m = still(4, control::SWAP_HV);
    let mut n = m.nav();
    drag(&mut n, CENTRE, &[[250.0, 300.0]]);
    assert_eq!((at(&n).0, at(&n).1), (2, 6), "horizontal drag moved a row");
    drag(&mut n, CENTRE, &[[400.0, 166.0]]);
    assert_eq!((at(&n).0, at(&n).1), (2, 7), "vertical drag moved a column");
    m.shows(&n);
}

#[test]
fn grabber_scroller_edge_zones_turn_while_pressed() {
    let m = still(1, 0);
    let mut n = m.nav();
    n.set_bar_height(28.0);
    // Hovering: arrows in the edge zones, the hand inside.
    let cursor_at = |n: &mut Navigator, p: [f64; 2]| {
        n.pointer(p);
        n.cursor()
    };
    assert_eq!(cursor_at(&mut n, [5.0, 300.0]), Cursor::Turn(-1, 0));
    assert_eq!(cursor_at(&mut n, [795.0, 5.0]), Cursor::Turn(1, -1));
    assert_eq!(cursor_at(&mut n, [400.0, 560.0]), Cursor::Turn(0, 1));
    assert_eq!(
        cursor_at(&mut n, [400.0, 590.0]),
        Cursor::Hand,
        "under the bar"
    );
    assert_eq!(cursor_at(&mut n, CENTRE), Cursor::Hand);
    // Pressed in the left zone: half a window width (90°) per second, the
    // object turning left: three columns on in one second.
    n.press([5.0, 300.0]);
    assert_eq!(n.cursor(), Cursor::Turn(-1, 0));
    assert!(n.animating());
    assert_eq!(n.wake_in(), Some(0.0));
    run(&mut n, 1.0);
    n.release();
    assert_eq!(at(&n), (1, 9, 0, 0));
    assert!(!n.animating());
    // The top zone tips the object: rows move towards the bottom row, and stop.
    n.press([400.0, 5.0]);
    run(&mut n, 1.0);
    n.release();
    assert_eq!(at(&n), (2, 9, 0, 0));
    // In the middle the same press is a grab.
    n.press(CENTRE);
    assert_eq!(n.cursor(), Cursor::Grabbing);
    run(&mut n, 1.0);
    n.pointer([250.0, 300.0]);
    n.release();
    assert_eq!(at(&n), (2, 10, 0, 0));
    m.shows(&n);
    // Unknown controller types act as grabber-scroller.
    let m = still(9, 0);
    let mut n = m.nav();
    n.press([795.0, 300.0]);
    run(&mut n, 1.0);
    assert_eq!(at(&n), (1, 3, 0, 0));
}

#[test]
fn grabber_has_no_edge_zones() {
    let m = still(4, 0);
    let mut n = m.nav();
    n.pointer([5.0, 300.0]);
    assert_eq!(n.cursor(), Cursor::Hand);
    n.press([5.0, 300.0]);
    assert_eq!(n.cursor(), Cursor::Grabbing);
    assert!(!n.animating());
    run(&mut n, 1.0);
    assert_eq!(at(&n), (1, 6, 0, 0));
}

#[test]
fn joysticks_turn_continuously_with_speed_from_the_offset() {
    // 200 px right of the press: (200 − 6)/400 of a window width (180°) per
    // second = 87.3°/s; after one second 2.91 columns → 2.
    for (movie_type, rest, column) in [(3, Cursor::Joystick, 4), (2, Cursor::OldJoystick, 8)] {
        let m = still(movie_type, 0);
        let mut n = m.nav();
        assert_eq!(n.cursor(), rest);
        n.press(CENTRE);
        n.pointer([403.0, 302.0]);
        assert_eq!(n.cursor(), rest, "inside the dead zone");
        run(&mut n, 0.5);
        assert_eq!(at(&n), (1, 6, 0, 0), "no motion inside the dead zone");
        n.pointer([600.0, 300.0]);
        assert_eq!(n.cursor(), Cursor::Turn(1, 0));
        run(&mut n, 1.0);
        assert_eq!(at(&n), (1, column, 0, 0), "movie type {movie_type}");
        // Twice the offset beyond the dead zone, twice the speed: 1 s at
        // 400 px = 178.7°/s, and the column keeps counting from the remainder.
        n.pointer([800.0, 300.0]);
        run(&mut n, 1.0);
        let expect = if movie_type == 3 { 0 } else { 11 };
        assert_eq!(
            at(&n).1,
            expect,
            "movie type {movie_type}, stopped at the end"
        );
        n.release();
        assert!(!n.animating());
        m.shows(&n);
    }
}

#[test]
fn absolute_controller_maps_the_window_onto_the_grid() {
    let cases = [
        // (settings, press at, expected (row, column))
        (0, [410.0, 450.0], (2, 6)),
        (0, [10.0, 10.0], (0, 0)),
        (0, [799.0, 599.0], (2, 11)),
        (control::REVERSE_H, [410.0, 450.0], (2, 5)),
        (control::REVERSE_V, [410.0, 450.0], (0, 6)),
        // Swapped: x picks the row, y the column.
        (control::SWAP_HV, [410.0, 450.0], (1, 9)),
    ];
    for (settings, p, want) in cases {
        let m = still(5, settings);
        let mut n = m.nav();
        assert_eq!(n.cursor(), Cursor::Finger);
        n.press(p);
        assert_eq!(
            (at(&n).0, at(&n).1),
            want,
            "settings {settings:#x} at {p:?}"
        );
        m.shows(&n);
    }
    // Moving while pressed follows the pointer; the grid excludes the bar.
    let m = still(5, 0);
    let mut n = m.nav();
    n.set_bar_height(100.0);
    n.press([10.0, 10.0]);
    n.pointer([700.0, 340.0]);
    assert_eq!(
        (at(&n).0, at(&n).1),
        (2, 10),
        "y 340 of 500 is the third row"
    );
    n.release();
    assert_eq!((at(&n).0, at(&n).1), (2, 10), "the view stays on release");
}

#[test]
fn mouse_down_view_state_shows_while_the_button_is_held() {
    let m = movie(
        3,
        12,
        ObjectBehaviour {
            movie_type: 4,
            view_states: 2,
            default_view_state: 1,
            mouse_down_view_state: 2,
            ..ObjectBehaviour::default()
        },
    );
    let mut n = m.nav();
    assert_eq!(at(&n), (1, 6, 0, 0));
    assert!(n.press(CENTRE), "pressing changes the view");
    assert_eq!(at(&n), (1, 6, 1, 0));
    m.shows(&n);
    n.pointer([250.0, 300.0]);
    assert_eq!(at(&n), (1, 7, 1, 0), "dragging keeps the mouse-down state");
    assert!(n.release());
    assert_eq!(at(&n), (1, 7, 0, 0));
    m.shows(&n);
    // Default state 2 with no valid mouse-down state: state 1 throughout.
    let m = movie(
        3,
        12,
        ObjectBehaviour {
            movie_type: 4,
            view_states: 2,
            default_view_state: 2,
            mouse_down_view_state: 0,
            ..ObjectBehaviour::default()
        },
    );
    let mut n = m.nav();
    assert_eq!(at(&n), (1, 6, 1, 0));
    assert!(!n.press(CENTRE));
    assert_eq!(at(&n), (1, 6, 1, 0));
    n.release();
    m.shows(&n);
}

#[test]
fn can_zoom_and_translation() {
    // Without "can zoom" the field of view stays.
    let m = still(4, 0);
    let mut n = m.nav();
    n.zoom_steps(3.0);
    press_key(&mut n, Key::ZoomIn);
    run(&mut n, 1.0);
    assert_eq!(n.object_view().unwrap().fov, 64.0);
    // With it, zooming narrows down to the minimum, 16.
    let m = still(4, control::CAN_ZOOM);
    let mut n = m.nav();
    n.zoom_steps(3.0);
    run(&mut n, 1.0);
    let fov = n.object_view().unwrap().fov;
    assert!((fov - 64.0 * 0.729).abs() < 0.01, "{fov}");
    n.zoom_steps(100.0);
    run(&mut n, 1.0);
    assert_eq!(n.object_view().unwrap().fov, 16.0);
    // Alt+drag without translation is an ordinary drag.
    assert_eq!(n.toggle_translate(), None);
    n.press_with(CENTRE, true);
    n.pointer([250.0, 300.0]);
    n.release();
    assert_eq!(at(&n), (1, 7, 0, 0));
    assert_eq!(n.object_view().unwrap().centre, [0.0, 0.0]);

    // With translation: Alt+drag moves the view centre, not the view.
    let m = still(4, control::CAN_ZOOM | control::TRANSLATION);
    let mut n = m.nav();
    n.zoom_steps(100.0);
    run(&mut n, 1.0);
    let v = n.object_view().unwrap();
    let zoom = f64::from(v.zoom(m.node()));
    // 96×48 frame in 800×600: 8⅓ window px per frame px at zoom 1.
    let per_px = 800.0 / 96.0 * zoom;
    n.press_with(CENTRE, true);
    assert_eq!(n.cursor(), Cursor::Move);
    n.pointer([380.0, 310.0]);
    n.release();
    let c = n.object_view().unwrap().centre;
    assert!((f64::from(c[0]) - 20.0 / per_px).abs() < 1e-3, "{c:?}");
    assert!((f64::from(c[1]) + 10.0 / per_px).abs() < 1e-3, "{c:?}");
    assert_eq!(at(&n), (1, 6, 0, 0));
    // The centre stays where the zoomed view is inside the frame.
    n.press_with(CENTRE, true);
    n.pointer([-4000.0, 4000.0]);
    n.release();
    let c = n.object_view().unwrap().centre;
    let lim = |side: f64| (side / 2.0 * (1.0 - 1.0 / zoom)) as f32;
    assert!(
        (c[0] - lim(96.0)).abs() < 1e-3 && (c[1] + lim(48.0)).abs() < 1e-3,
        "{c:?}"
    );
    // Translate mode (M in the viewer): plain drags translate until it is off.
    assert_eq!(n.toggle_translate(), Some(true));
    assert_eq!(n.cursor(), Cursor::Move);
    drag(&mut n, CENTRE, &[[250.0, 300.0]]);
    assert_eq!(at(&n), (1, 6, 0, 0));
    assert_eq!(n.toggle_translate(), Some(false));
    drag(&mut n, CENTRE, &[[250.0, 300.0]]);
    assert_eq!(at(&n), (1, 7, 0, 0));
    // Zooming out to the whole frame brings the centre back.
    n.zoom_steps(-100.0);
    run(&mut n, 1.0);
    assert_eq!(n.object_view().unwrap().centre, [0.0, 0.0]);
}

// Animated movies: 4 frames per view of 0.1 s each at rate 1.

#[test]
fn frame_animation_loops_bounces_or_stops() {
    // Frame rate 2: 20 frames a second; 0.375 s is 7 steps.
    let cases = [
        (anim::ANIMATE_VIEW_FRAMES, 3),
        (anim::ANIMATE_VIEW_FRAMES | anim::PALINDROME_VIEW_FRAMES, 1),
        (anim::ANIMATE_VIEW_FRAMES | anim::DONT_LOOP_VIEW_FRAMES, 3),
        // Not animated: the first frame stays.
        (0, 0),
    ];
    for (settings, frame) in cases {
        let m = animated(settings, 2.0, 1.0);
        let mut n = m.nav();
        run(&mut n, 0.375);
        assert_eq!(at(&n), (1, 6, 0, frame), "settings {settings:#x}");
        m.shows(&n);
    }
    // Don't loop: it stops at the last frame and the clock rests.
    let m = animated(
        anim::ANIMATE_VIEW_FRAMES | anim::DONT_LOOP_VIEW_FRAMES,
        2.0,
        1.0,
    );
    let mut n = m.nav();
    run(&mut n, 2.0);
    assert_eq!(at(&n).3, 3);
    assert!(!n.animating());
    assert_eq!(n.wake_in(), None);
    // Looping keeps going and says when the next frame is due.
    let m = animated(anim::ANIMATE_VIEW_FRAMES, 2.0, 1.0);
    let mut n = m.nav();
    run(&mut n, 0.125);
    assert_eq!(at(&n).3, 2);
    assert!(n.animating());
    assert_eq!(
        n.wake_in(),
        Some(0.025),
        "2.5 frames in: half a frame (1/40 s) to go"
    );
    run(&mut n, 2.0);
    assert_eq!(at(&n).3, (2 + 40) % 4);
}

#[test]
fn frame_rate_sign_and_size_and_play_every_frame() {
    // Negative rate plays backwards: 0 → 3 → 2.
    let m = animated(anim::ANIMATE_VIEW_FRAMES, -2.0, 1.0);
    let mut n = m.nav();
    run(&mut n, 0.125);
    assert_eq!(at(&n).3, 2);
    // Rate 1: 10 frames a second; 0.375 s is 3 steps.
    let m = animated(anim::ANIMATE_VIEW_FRAMES, 1.0, 1.0);
    let mut n = m.nav();
    run(&mut n, 0.375);
    assert_eq!(at(&n).3, 3);
    // One late tick of 3/16 s at 20 frames a second: 3 frames are due;
    // "play every frame" shows only the next one.
    let m = animated(anim::ANIMATE_VIEW_FRAMES, 2.0, 1.0);
    let mut n = m.nav();
    n.tick(0.1875);
    assert_eq!(at(&n).3, 3);
    let m = animated(
        anim::ANIMATE_VIEW_FRAMES | anim::PLAY_EVERY_VIEW_FRAME,
        2.0,
        1.0,
    );
    let mut n = m.nav();
    n.tick(0.1875);
    assert_eq!(at(&n).3, 1);
    m.shows(&n);
}

#[test]
fn start_on_first_frame_restarts_frames_in_each_new_view() {
    for (settings, frame) in [
        (anim::ANIMATE_VIEW_FRAMES, 2),
        (anim::ANIMATE_VIEW_FRAMES | anim::START_FIRST_VIEW_FRAME, 0),
    ] {
        let m = animated(settings, 2.0, 1.0);
        let mut n = m.nav();
        run(&mut n, 0.125);
        assert_eq!(at(&n).3, 2);
        press_key(&mut n, Key::Right);
        assert_eq!(at(&n), (1, 7, 0, frame), "settings {settings:#x}");
        m.shows(&n);
    }
}

#[test]
fn view_animation_turns_along_the_row() {
    // Still views of 0.1 s: view rate 1 is 10 views a second.
    let still_anim = |settings: u32, view_rate: f32| {
        movie(
            3,
            12,
            ObjectBehaviour {
                movie_type: 4,
                animation_settings: settings,
                view_rate,
                control_settings: 0,
                ..ObjectBehaviour::default()
            },
        )
    };
    let m = still_anim(anim::ANIMATE_VIEWS, 1.0);
    let mut n = m.nav();
    run(&mut n, 0.5);
    assert_eq!(at(&n), (1, 11, 0, 0));
    // Round the row even without wrap pan.
    run(&mut n, 0.25);
    assert_eq!(at(&n), (1, (11 + 2) % 12, 0, 0));
    m.shows(&n);
    // View rate 2 is twice as fast; −1 goes the other way.
    let m = still_anim(anim::ANIMATE_VIEWS, 2.0);
    let mut n = m.nav();
    run(&mut n, 0.25);
    assert_eq!(at(&n).1, 11);
    let m = still_anim(anim::ANIMATE_VIEWS, -1.0);
    let mut n = m.nav();
    run(&mut n, 0.5);
    assert_eq!(at(&n).1, 1);
    // Palindrome: 6 → 11, then back: seven steps end at column 9 (round
    // the row they would end at 1).
    let m = still_anim(anim::ANIMATE_VIEWS | anim::PALINDROME_VIEWS, 1.0);
    let mut n = m.nav();
    run(&mut n, 0.75);
    assert_eq!(at(&n).1, 9);
    // Paused while the button is held.
    let m = still_anim(anim::ANIMATE_VIEWS, 1.0);
    let mut n = m.nav();
    n.press(CENTRE);
    run(&mut n, 0.5);
    assert_eq!(at(&n).1, 6);
    n.release();
    run(&mut n, 0.5);
    assert_eq!(at(&n).1, 11);
}

#[test]
fn view_animation_synced_to_frames_steps_per_frame_cycle() {
    // 20 frames a second, 4 frames a view: one view per 0.2 s loop.
    let m = animated(
        anim::ANIMATE_VIEW_FRAMES | anim::ANIMATE_VIEWS | anim::SYNC_VIEW_TO_FRAME_RATE,
        2.0,
        1.0,
    );
    let mut n = m.nav();
    run(&mut n, 1.0);
    assert_eq!(at(&n), (1, 11, 0, 0));
    run(&mut n, 0.125);
    assert_eq!(at(&n), (1, 11, 0, 2), "the frames run within the view");
    m.shows(&n);
    // Palindrome frames: a cycle is there and back (6 steps, 0.3 s).
    let m = animated(
        anim::ANIMATE_VIEW_FRAMES
            | anim::PALINDROME_VIEW_FRAMES
            | anim::ANIMATE_VIEWS
            | anim::SYNC_VIEW_TO_FRAME_RATE,
        2.0,
        1.0,
    );
    let mut n = m.nav();
    run(&mut n, 0.9375);
    assert_eq!(
        at(&n),
        (1, 9, 0, 0),
        "18 steps: three cycles, then frame 0 again"
    );
}

/// A sample movie's object node, read by the project's reader.
fn sample_movie(rel: &str) -> Option<Movie> {
    let dir = common::samples_dir()?;
    let bytes = std::fs::read(dir.join(rel)).expect("read the sample");
    let loaded = load(&bytes).expect("the sample loads");
    Some(Movie { bytes, loaded })
}

#[test]
fn svq1_sample_view_states_animation_and_reversed_drag() {
    // 2 states × 2 rows × 8 columns × 4 frames; grabber; animate frames,
    // start on the first frame; wrap pan, can zoom, reverse horizontal; frame
    // rate 2 over 0.1 s frames; default state 1, mouse-down state 2. This
    // checks the navigation state and the sample each view selects (the
    // pictures are checked in tests/render_cli.rs).
    let Some(m) = sample_movie("gen/object_viewstates_anim_svq1.mov") else {
        return;
    };
    let o = m.node();
    assert_eq!(
        (o.rows, o.columns, o.view_states, o.frames_per_view),
        (2, 8, 2, 4)
    );
    let mut n = m.nav();
    // Tilt 0 is halfway between rows at +15 and −15: the lower one.
    assert_eq!(at(&n), (1, 0, 0, 0));
    run(&mut n, 0.125);
    assert_eq!(at(&n), (1, 0, 0, 2), "20 frames a second");
    // Pressing shows the mouse-down state, from its first frame.
    n.press(CENTRE);
    assert_eq!(at(&n), (1, 0, 1, 0));
    // 200 px right = 45° = one column; reversed: the next column.
    n.pointer([600.0, 300.0]);
    assert_eq!(at(&n), (1, 1, 1, 0));
    // 400 px down = 90° = three 30° rows up, stopped at row 0 (no wrap tilt).
    n.pointer([600.0, 700.0]);
    assert_eq!(at(&n), (0, 1, 1, 0));
    run(&mut n, 0.125);
    assert_eq!(at(&n), (0, 1, 1, 2));
    n.release();
    assert_eq!(at(&n), (0, 1, 0, 0));
    // Wrap pan: left from column 0 comes round to 7 (reversed keys too).
    press_key(&mut n, Key::Right);
    press_key(&mut n, Key::Right);
    assert_eq!(at(&n), (0, 7, 0, 0));
    let v = n.object_view().unwrap();
    assert_eq!(
        m.node().sample_for(v.row, v.column, v.state, 3),
        Some(7 * 4 + 3),
        "((state·rows + row)·columns + column)·frames + frame"
    );
    assert_eq!(
        m.node().sample_for(1, 5, 1, 3),
        Some(((2 + 1) * 8 + 5) * 4 + 3)
    );
}

#[test]
fn qtvr1_sample_loops_its_view_frames() {
    // QTVR 1 object: 3 × 8 views of 2 loop frames (0.1 s each); the top
    // right square is red in frame 0 and green in frame 1.
    let Some(m) = sample_movie("gen/qtvr1_object_cvid.mov") else {
        return;
    };
    let mut n = m.nav();
    assert_eq!(at(&n), (1, 0, 0, 0));
    let corner = |n: &Navigator| {
        let (data, width) = m.frame(n);
        let i = ((8 * width + width - 8) * 4) as usize;
        [data[i], data[i + 1], data[i + 2]]
    };
    let c = corner(&n);
    assert!(c[0] > 180 && c[1] < 80, "frame 0 is red: {c:?}");
    run(&mut n, 0.125);
    assert_eq!(at(&n), (1, 0, 0, 1));
    let c = corner(&n);
    assert!(c[1] > 180 && c[0] < 80, "frame 1 is green: {c:?}");
    run(&mut n, 0.125);
    assert_eq!(at(&n), (1, 0, 0, 0), "looped");
    // A full turn wraps: left of column 0 is column 7.
    press_key(&mut n, Key::Left);
    assert_eq!(at(&n).1, 7);
}

#[test]
fn link_destinations_select_the_same_view_as_render_pan_and_tilt() {
    // Arriving at the multinode sample's object node (3) by each link, the
    // navigator's view is the one `qtvr render --pan --tilt` selects.
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let path = dir.join("gen/multinode_2pano_1obj_links.mov");
    let bytes = std::fs::read(&path).expect("read the sample");
    let loaded = load(&bytes).expect("loads");
    let scene = loaded.scene.as_ref().expect("a scene");
    let object = scene
        .nodes
        .iter()
        .find(|n| n.id == NodeId(3))
        .expect("node 3");
    let NodeContent::Object(o) = &object.content else {
        panic!("node 3 is an object");
    };
    let links: Vec<_> = scene
        .nodes
        .iter()
        .flat_map(|n| &n.hotspots)
        .filter_map(|h| h.link.as_ref())
        .filter(|l| l.to_node == NodeId(3))
        .collect();
    assert_eq!(links.len(), 2, "links 20 and 40 lead to the object");
    for l in links {
        let (pan, tilt) = (l.to_pan.expect("valid pan"), l.to_tilt.expect("valid tilt"));
        let mut n = Navigator::new(
            Subject::object(o, ObjectView::default_for(o)),
            WINDOW,
            Settings::default(),
        );
        n.set_view(qtvr_format::qtvr::scene::View {
            pan,
            tilt,
            fov: l.to_fov.unwrap_or(64.0),
        });
        let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("link-view.png");
        let r = std::process::Command::new(env!("CARGO_BIN_EXE_qtvr"))
            .arg("render")
            .arg(&path)
            .args(["--node", "3", "--pan", &pan.to_string(), "--tilt"])
            .arg(tilt.to_string())
            .arg("-o")
            .arg(&out)
            .output()
            .expect("qtvr runs");
        assert!(r.status.success());
        let (row, column, ..) = at(&n);
        let want = format!("view: row {row}, column {column}, state 0, frame 0");
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(err.contains(&want), "pan {pan} tilt {tilt}: {want} / {err}");
        // 8 columns of 45°: pan 90 is column 2, pan 270 column 6.
        assert_eq!(column, (pan / 45.0).round() as u32 % 8);
    }
}
