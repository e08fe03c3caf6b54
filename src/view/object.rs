//! Object navigation: the five QuickTime VR object controllers, the node's
//! control settings and its animation settings, as plain data on a simulated
//! clock. [`super::nav::Navigator`] forwards pointer, key and clock input here
//! for object nodes; nothing here knows about windows.
//!
//! The file format pages name each `obji` setting but not its direction or
//! speed; the choices made here, applied the same way everywhere:
//!
//! - **Grid.** Column `c` shows pan `minPan + c·(maxPan − minPan)/columns`;
//!   row 0 is the top (the larger of the two stored tilts, whichever order the
//!   file stores them in) and rows are spaced evenly down to the other.
//! - **Direction.** Controls act on the object as if held: dragging right
//!   turns it right (the previous column), dragging down tips its top towards
//!   you (the row above). Arrow keys move the camera: Right shows the next
//!   column, Up the row above. Reverse horizontal/vertical flip the user's
//!   horizontal/vertical input (pointer, edge zones, joystick, absolute grid and
//!   keys alike); swap then exchanges which input drives columns and rows.
//! - **Drag scale.** A drag across the whole window width turns the object by
//!   the node's mouse motion scale in degrees (both directions use the width,
//!   as the format page says); degrees become columns over the pan range per
//!   column and rows over the tilt range per row. Fractions carry over.
//! - **Controllers** (`movieType`): grabber-scroller (1) drags with a hand and
//!   has edge zones along the window's sides whose arrows turn the object while
//!   pressed (at [`ObjectSettings::edge_speed`] window widths of motion per
//!   second); grabber (4) only drags; joystick (3) turns continuously while
//!   pressed, at a speed proportional to the pointer's offset from the press
//!   (beyond a dead zone; one window width of motion per second at half a
//!   window's offset); old joystick (2) is the same with the direction
//!   reversed; absolute (5) maps the window onto a columns × rows grid and
//!   shows the cell under the pointer. Unknown types behave as grabber-scroller.
//! - **Wrap.** Columns wrap only with "wrap pan", rows only with "wrap tilt";
//!   otherwise they stop at the ends. View animation always runs round the row.
//! - **Zoom** only with "can zoom": the field of view goes from the node's
//!   widest (the whole frame) down to its minimum. **Translation** (with the
//!   setting on): a drag with Alt held, or any drag while translate mode is on,
//!   moves the view centre; zooming keeps that centre, and the centre is kept
//!   so that the zoomed view stays inside the frame.
//! - **View states.** The default view state shows; while the button is held
//!   on the picture the mouse-down view state shows (when the movie has one).
//! - **Frame animation** ("animate view frames"): frames advance at
//!   `frameRate` / (image sample duration in seconds), backwards for negative
//!   rates; they loop, bounce ("palindrome") or stop at the last frame ("don't
//!   loop"). Without "play every frame" frames are skipped to keep time; with
//!   it at most one frame is shown per tick. "Start on the first frame" restarts
//!   the frames at 0 whenever the view changes; otherwise the animation keeps
//!   its frame across views.
//! - **View animation** ("animate views"): the column advances along the row at
//!   `viewRate` / (view duration in seconds), round the row or back and forth
//!   ("palindrome views"); it pauses while the button is held. With "sync view
//!   to frame rate" the column instead advances each time the frame animation
//!   completes a cycle (a loop, a bounce back to the first frame, or reaching
//!   the last frame), with the frame animation's palindrome setting.

use qtvr_format::qtvr::scene::{ObjectController, ObjectNode, animation as anim, control};

use super::ObjectView;
use super::nav::Cursor;

/// Tunable object navigation constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObjectSettings {
    /// Joystick controllers: no motion within this many logical pixels of the press.
    pub dead_zone: f64,
    /// Joystick controllers: window widths of motion per second with the
    /// pointer half a window from the press.
    pub joystick_speed: f64,
    /// Grabber-scroller edge zones: window widths of motion per second.
    pub edge_speed: f64,
    /// Grabber-scroller edge zones: width in logical pixels (at most a sixth
    /// of the picture's side).
    pub edge_zone: f64,
}

impl Default for ObjectSettings {
    fn default() -> ObjectSettings {
        ObjectSettings {
            dead_zone: 6.0,
            joystick_speed: 1.0,
            edge_speed: 0.5,
            edge_zone: 16.0,
        }
    }
}

/// What a press started.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Gesture {
    /// Grabber drag: motion turns the object.
    Grab,
    /// Grabber-scroller edge zone: turns while held, in the zone's direction.
    Edge,
    /// Joystick (reversed for the old joystick): turns while held.
    Joystick,
    /// Absolute: the grid cell under the pointer.
    Absolute,
    /// Translation: motion moves the view centre.
    Translate,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Press {
    gesture: Gesture,
    start: [f64; 2],
    at: [f64; 2],
    last: [f64; 2],
}

/// A stepping clock: turns time at a signed rate into whole signed steps.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Clock {
    acc: f64,
}

impl Clock {
    /// Steps due after `dt` seconds at `rate` steps per second; with `every`
    /// at most one step per call (late time is dropped, not caught up).
    fn advance(&mut self, dt: f64, rate: f64, every: bool) -> i64 {
        if !(rate.is_finite() && rate != 0.0) {
            self.acc = 0.0;
            return 0;
        }
        self.acc += dt * rate;
        let mut whole = self.acc.trunc();
        if every {
            whole = whole.clamp(-1.0, 1.0);
            self.acc -= whole;
            self.acc = self.acc.clamp(-1.0, 1.0);
        } else {
            self.acc -= whole;
        }
        // Bounded: dt is at most 0.25 s and rates at most 100/frame time; the
        // callers step at most a few cycles.
        whole.clamp(-1e6, 1e6) as i64
    }

    /// Seconds until the next step at `rate`.
    fn due(&self, rate: f64) -> f64 {
        if !(rate.is_finite() && rate != 0.0) {
            return f64::INFINITY;
        }
        let left = if rate > 0.0 {
            1.0 - self.acc
        } else {
            1.0 + self.acc
        };
        (left.max(0.0) / rate.abs()).max(0.0)
    }
}

/// The navigation state of one object node.
#[derive(Debug, Clone)]
pub struct ObjectNav {
    pub settings: ObjectSettings,
    node: Box<ObjectNode>,
    view: ObjectView,
    /// The state shown when the button is up.
    base_state: u32,
    press: Option<Press>,
    /// Last pointer position (logical pixels), pressed or not.
    hover: Option<[f64; 2]>,
    /// Turning not yet made into whole views (columns, rows).
    rest: [f64; 2],
    frame_clock: Clock,
    /// Frame animation direction (palindrome): 1 or −1.
    frame_dir: i64,
    frame_done: bool,
    view_clock: Clock,
    view_dir: i64,
    view_done: bool,
    /// Translate mode (the T key): every drag translates.
    translate_mode: bool,
}

impl ObjectNav {
    /// Navigation of `node` from `view` (clamped).
    pub fn new(node: Box<ObjectNode>, view: ObjectView, settings: ObjectSettings) -> ObjectNav {
        let view = view.clamped(&node).0;
        ObjectNav {
            settings,
            base_state: view.state,
            node,
            view,
            press: None,
            hover: None,
            rest: [0.0; 2],
            frame_clock: Clock::default(),
            frame_dir: 1,
            frame_done: false,
            view_clock: Clock::default(),
            view_dir: 1,
            view_done: false,
            translate_mode: false,
        }
    }

    pub fn node(&self) -> &ObjectNode {
        &self.node
    }

    /// The view shown now.
    pub fn view(&self) -> ObjectView {
        self.view
    }

    /// The controller in use (unknown types act as grabber-scroller).
    pub fn controller(&self) -> ObjectController {
        match self.node.controller {
            ObjectController::Unknown => ObjectController::GrabberScroller,
            c => c,
        }
    }

    /// Moves to `v` at once (clamped); its state becomes the button-up state.
    pub fn set_view(&mut self, v: ObjectView) {
        let before = self.view;
        self.view = v.clamped(&self.node).0;
        self.base_state = self.view.state;
        self.rest = [0.0; 2];
        self.view_changed(before);
    }

    /// Sets the field of view (clamped; ignored unless the node can zoom).
    pub fn set_fov(&mut self, fov: f32) {
        if self.node.control(control::CAN_ZOOM) {
            self.view.fov = fov;
            self.view = self.view.clamped(&self.node).0;
            self.clamp_centre();
        }
    }

    /// Whether zooming is allowed.
    pub fn can_zoom(&self) -> bool {
        self.node.control(control::CAN_ZOOM)
    }

    /// Whether translation is allowed.
    pub fn can_translate(&self) -> bool {
        self.node.control(control::TRANSLATION)
    }

    /// Toggles translate mode (only with translation on). Returns the new mode.
    pub fn toggle_translate(&mut self) -> bool {
        self.translate_mode = self.can_translate() && !self.translate_mode;
        self.translate_mode
    }

    pub fn translate_mode(&self) -> bool {
        self.translate_mode
    }

    /// A button press at `at` in a picture of `area` logical pixels; `translate`
    /// is the translate modifier (Alt). Returns true when the view changed.
    pub fn press(&mut self, at: [f64; 2], area: [f64; 2], translate: bool) -> bool {
        let before = self.view;
        let gesture = if (translate || self.translate_mode) && self.can_translate() {
            Gesture::Translate
        } else {
            match self.controller() {
                ObjectController::GrabberScroller if self.edge(at, area) != (0, 0) => Gesture::Edge,
                ObjectController::OldJoystick | ObjectController::Joystick => Gesture::Joystick,
                ObjectController::Absolute => Gesture::Absolute,
                _ => Gesture::Grab,
            }
        };
        self.press = Some(Press {
            gesture,
            start: at,
            at,
            last: at,
        });
        self.hover = Some(at);
        self.rest = [0.0; 2];
        if let Some(s) = self.node.mouse_down_state() {
            self.view.state = s;
        }
        if gesture == Gesture::Absolute {
            self.absolute(at, area);
        }
        self.view_changed(before);
        self.view != before
    }

    /// The pointer moved to `at`. Returns true when the view changed at once.
    pub fn pointer(&mut self, at: [f64; 2], area: [f64; 2]) -> bool {
        self.hover = Some(at);
        let Some(p) = &mut self.press else {
            return false;
        };
        p.at = at;
        let (dx, dy) = (at[0] - p.last[0], at[1] - p.last[1]);
        let gesture = p.gesture;
        let before = self.view;
        match gesture {
            Gesture::Grab => {
                p.last = at;
                let k = self.scale() / area[0].max(1.0);
                self.turn_input([dx * k, dy * k]);
            }
            Gesture::Translate => {
                p.last = at;
                let [fw, fh] = self.frame_size();
                let s = super::flat_scale(self.view.zoom(&self.node), area[0], area[1], fw, fh);
                self.view.centre[0] -= (dx / s) as f32;
                self.view.centre[1] -= (dy / s) as f32;
                self.clamp_centre();
            }
            Gesture::Absolute => self.absolute(at, area),
            Gesture::Edge | Gesture::Joystick => {}
        }
        self.view_changed(before);
        self.view != before
    }

    /// The button was released. Returns true when the view changed.
    pub fn release(&mut self) -> bool {
        let before = self.view;
        self.press = None;
        self.rest = [0.0; 2];
        self.view.state = self.base_state;
        self.view_changed(before);
        self.view != before
    }

    /// Whether a button is held on the picture.
    pub fn pressed(&self) -> bool {
        self.press.is_some()
    }

    /// Arrow keys: one view in a direction (dx right, dy down, each −1, 0 or 1),
    /// through the reverse and swap settings. Returns true when the view changed.
    pub fn step(&mut self, dx: i64, dy: i64) -> bool {
        let before = self.view;
        // Keys move the camera: Right = next column = a drag to the left.
        let [c, r] = self.to_grid([-(dx as f64), -(dy as f64)]);
        self.move_by(c.round() as i64, r.round() as i64);
        self.view_changed(before);
        self.view != before
    }

    /// Advances time by `dt` seconds (continuous controllers and animation).
    /// Returns true when the view changed.
    pub fn tick(&mut self, dt: f64, area: [f64; 2]) -> bool {
        if !(dt.is_finite() && dt > 0.0) {
            return false;
        }
        let before = self.view;
        // Continuous turning: degrees of input motion per second.
        if let Some(v) = self.velocity(area) {
            self.turn_input([v[0] * dt, v[1] * dt]);
        }
        self.view_changed(before);
        // The animation restarts frames itself, keeping its clock.
        self.animate(dt);
        self.view != before
    }

    /// Seconds until the animation next changes the view with no input
    /// (0 while a continuous control turns; infinite when nothing is due).
    pub fn wake_in(&self, area: [f64; 2]) -> f64 {
        if self.velocity(area).is_some() {
            0.0
        } else {
            self.next_step()
        }
    }

    /// The pointer's look for this controller at the last pointer position.
    pub fn cursor(&self, area: [f64; 2]) -> Cursor {
        if let Some(p) = &self.press {
            return match p.gesture {
                Gesture::Grab => Cursor::Grabbing,
                Gesture::Translate => Cursor::Move,
                Gesture::Absolute => Cursor::Finger,
                Gesture::Edge => match self.edge(p.at, area) {
                    (0, 0) => Cursor::Grabbing,
                    (x, y) => Cursor::Turn(x, y),
                },
                Gesture::Joystick => {
                    let off = [p.at[0] - p.start[0], p.at[1] - p.start[1]];
                    if off[0].hypot(off[1]) <= self.settings.dead_zone {
                        self.idle_cursor()
                    } else {
                        let (x, y) = super::nav::direction(off);
                        Cursor::Turn(x, y)
                    }
                }
            };
        }
        if self.translate_mode {
            return Cursor::Move;
        }
        if self.controller() == ObjectController::GrabberScroller
            && let Some(at) = self.hover
        {
            let e = self.edge(at, area);
            if e != (0, 0) {
                return Cursor::Turn(e.0, e.1);
            }
        }
        self.idle_cursor()
    }

    fn idle_cursor(&self) -> Cursor {
        match self.controller() {
            ObjectController::Joystick => Cursor::Joystick,
            ObjectController::OldJoystick => Cursor::OldJoystick,
            ObjectController::Absolute => Cursor::Finger,
            _ => Cursor::Hand,
        }
    }

    /// Degrees per window width of pointer motion.
    fn scale(&self) -> f64 {
        let s = f64::from(self.node.mouse_motion_scale);
        if s.is_finite() && s > 0.0 { s } else { 180.0 }
    }

    fn frame_size(&self) -> [u32; 2] {
        [
            self.node.image_track.width.max(1),
            self.node.image_track.height.max(1),
        ]
    }

    /// The edge zone under `at`: the direction its arrow points (x right, y
    /// down), (0, 0) outside the zones.
    fn edge(&self, at: [f64; 2], area: [f64; 2]) -> (i8, i8) {
        let zone = |side: f64| self.settings.edge_zone.min(side / 6.0);
        let (zx, zy) = (zone(area[0]), zone(area[1]));
        let inside = at[0] >= 0.0 && at[1] >= 0.0 && at[0] < area[0] && at[1] < area[1];
        if !inside {
            return (0, 0);
        }
        let x = if at[0] < zx {
            -1
        } else if at[0] >= area[0] - zx {
            1
        } else {
            0
        };
        let y = if at[1] < zy {
            -1
        } else if at[1] >= area[1] - zy {
            1
        } else {
            0
        };
        (x, y)
    }

    /// Input motion in degrees per second from a held continuous control.
    fn velocity(&self, area: [f64; 2]) -> Option<[f64; 2]> {
        let p = self.press.as_ref()?;
        let width_speed = self.scale();
        let v = match p.gesture {
            Gesture::Edge => {
                let (x, y) = self.edge(p.at, area);
                let s = self.settings.edge_speed * width_speed;
                [f64::from(x) * s, f64::from(y) * s]
            }
            Gesture::Joystick => {
                let off = [p.at[0] - p.start[0], p.at[1] - p.start[1]];
                let r = off[0].hypot(off[1]);
                if r <= self.settings.dead_zone {
                    return None;
                }
                let k = (r - self.settings.dead_zone) / r / (area[0].max(1.0) / 2.0);
                let s = self.settings.joystick_speed * width_speed * k;
                let sign = if self.controller() == ObjectController::OldJoystick {
                    -1.0
                } else {
                    1.0
                };
                [off[0] * s * sign, off[1] * s * sign]
            }
            _ => return None,
        };
        (v != [0.0, 0.0]).then_some(v)
    }

    /// Maps input values (x right, y down) to (columns, rows) through reverse
    /// and swap; the object turns with the input, so both are negated.
    fn to_grid(&self, input: [f64; 2]) -> [f64; 2] {
        let mut x = -input[0];
        let mut y = -input[1];
        if self.node.control(control::REVERSE_H) {
            x = -x;
        }
        if self.node.control(control::REVERSE_V) {
            y = -y;
        }
        if self.node.control(control::SWAP_HV) {
            std::mem::swap(&mut x, &mut y);
        }
        [x, y]
    }

    /// Input motion in degrees becomes whole columns and rows; the remainder carries.
    fn turn_input(&mut self, deg: [f64; 2]) {
        let g = self.to_grid(deg);
        let step = object_steps(&self.node);
        self.rest[0] += g[0] / step[0];
        self.rest[1] += g[1] / step[1];
        let dc = self.rest[0].trunc();
        let dr = self.rest[1].trunc();
        self.rest[0] -= dc;
        self.rest[1] -= dr;
        // Bounded: one tick or one pointer event moves at most a few turns.
        let lim = 1e6;
        self.move_by(dc.clamp(-lim, lim) as i64, dr.clamp(-lim, lim) as i64);
    }

    /// The absolute controller: the grid cell under `at`.
    fn absolute(&mut self, at: [f64; 2], area: [f64; 2]) {
        let mut fx = (at[0] / area[0].max(1.0)).clamp(0.0, 1.0);
        let mut fy = (at[1] / area[1].max(1.0)).clamp(0.0, 1.0);
        if self.node.control(control::REVERSE_H) {
            fx = 1.0 - fx;
        }
        if self.node.control(control::REVERSE_V) {
            fy = 1.0 - fy;
        }
        if self.node.control(control::SWAP_HV) {
            std::mem::swap(&mut fx, &mut fy);
        }
        let cell = |f: f64, n: u32| ((f * f64::from(n)).floor() as u32).min(n.max(1) - 1);
        self.view.column = cell(fx, self.node.columns);
        self.view.row = cell(fy, self.node.rows);
    }

    /// Moves by whole columns and rows, wrapping where the settings say.
    fn move_by(&mut self, dc: i64, dr: i64) {
        let o = &self.node;
        let walk = |v: u32, d: i64, n: u32, wrap: bool| {
            let n = i64::from(n.max(1));
            let x = i64::from(v) + d;
            if wrap {
                x.rem_euclid(n) as u32
            } else {
                x.clamp(0, n - 1) as u32
            }
        };
        self.view.column = walk(
            self.view.column,
            dc,
            o.columns,
            o.control(control::WRAP_PAN),
        );
        self.view.row = walk(self.view.row, dr, o.rows, o.control(control::WRAP_TILT));
    }

    /// Keeps a translated centre inside the frame at the current zoom.
    fn clamp_centre(&mut self) {
        self.view = self.view.clamped(&self.node).0;
    }

    /// After any change: "start on the first frame" restarts the frames of a new view.
    fn view_changed(&mut self, before: ObjectView) {
        let moved = (before.row, before.column, before.state)
            != (self.view.row, self.view.column, self.view.state);
        if moved && self.node.animation(anim::START_FIRST_VIEW_FRAME) {
            self.restart_frames(true);
        }
    }

    /// Back to the first frame; a user's view change also restarts the clock
    /// (the first frame then shows for a whole frame time).
    fn restart_frames(&mut self, clock: bool) {
        self.view.frame = 0;
        if clock {
            self.frame_clock = Clock::default();
        }
        self.frame_dir = 1;
        self.frame_done = false;
    }

    fn frames_animate(&self) -> bool {
        self.node.animation(anim::ANIMATE_VIEW_FRAMES) && self.node.frames_per_view > 1
    }

    /// Frame steps per second (signed).
    fn frame_rate(&self) -> f64 {
        steps_per_second(self.node.frame_rate, self.node.frame_seconds)
    }

    fn views_animate(&self) -> bool {
        self.node.animation(anim::ANIMATE_VIEWS) && self.node.columns > 1 && self.press.is_none()
    }

    fn synced(&self) -> bool {
        self.node.animation(anim::SYNC_VIEW_TO_FRAME_RATE) && self.frames_animate()
    }

    /// View steps per second (signed), when not synced to the frames.
    fn view_rate(&self) -> f64 {
        let secs = self.node.frame_seconds * f64::from(self.node.frames_per_view.max(1));
        steps_per_second(self.node.view_rate, secs)
    }

    /// Seconds until the next animation step (infinite: none due).
    fn next_step(&self) -> f64 {
        let mut t = f64::INFINITY;
        if self.frames_animate() && !self.frame_done {
            t = t.min(self.frame_clock.due(self.frame_rate()));
        }
        if self.views_animate() && !self.view_done && !self.synced() {
            t = t.min(self.view_clock.due(self.view_rate()));
        }
        t
    }

    fn animate(&mut self, dt: f64) {
        let every = self.node.animation(anim::PLAY_EVERY_VIEW_FRAME);
        let mut cycles = 0i64;
        if self.frames_animate() && !self.frame_done {
            let rate = self.frame_rate();
            let steps = self.frame_clock.advance(dt, rate, every);
            // More steps than two cycles change nothing but the phase.
            let n = i64::from(self.node.frames_per_view);
            let period = 2 * n;
            let count = if steps.abs() > period {
                steps.signum() * (period + steps.abs() % period)
            } else {
                steps
            };
            for _ in 0..count.abs() {
                if self.frame_step(count.signum()) {
                    cycles += 1;
                }
                if self.frame_done {
                    break;
                }
            }
        }
        if !self.views_animate() || self.view_done {
            self.view_clock = Clock::default();
            return;
        }
        let steps = if self.synced() {
            cycles * if self.node.view_rate < 0.0 { -1 } else { 1 }
        } else {
            let rate = self.view_rate();
            self.view_clock.advance(dt, rate, every)
        };
        let n = i64::from(self.node.columns);
        let count = steps.clamp(-2 * n, 2 * n);
        let before = self.view;
        for _ in 0..count.abs() {
            self.view_step(count.signum());
            if self.view_done {
                break;
            }
        }
        let moved = self.view.column != before.column;
        if moved && (self.synced() || self.node.animation(anim::START_FIRST_VIEW_FRAME)) {
            // Each new view plays its frames from the first, in time with the clock.
            self.restart_frames(false);
        }
    }

    /// One frame step in direction `sign`; returns true when a cycle completed.
    fn frame_step(&mut self, sign: i64) -> bool {
        let n = i64::from(self.node.frames_per_view);
        let f = i64::from(self.view.frame);
        let palindrome = self.node.animation(anim::PALINDROME_VIEW_FRAMES);
        let once = self.node.animation(anim::DONT_LOOP_VIEW_FRAMES);
        let (next, cycle) = if palindrome {
            let d = sign * self.frame_dir;
            let mut x = f + d;
            if !(0..n).contains(&x) {
                self.frame_dir = -self.frame_dir;
                x = f - d;
            }
            let x = x.clamp(0, n - 1);
            // Back at the first frame: one cycle (there and back).
            let cycle = x == 0 && x < f;
            if cycle && once {
                self.frame_done = true;
            }
            (x, cycle)
        } else if once {
            let x = f + sign;
            if (0..n).contains(&x) {
                let end = (x == n - 1 && sign > 0) || (x == 0 && sign < 0);
                self.frame_done = end;
                (x, end)
            } else {
                self.frame_done = true;
                (f, false)
            }
        } else {
            let x = f + sign;
            (x.rem_euclid(n), !(0..n).contains(&x))
        };
        self.view.frame = next as u32;
        cycle
    }

    /// One view step along the row in direction `sign`.
    fn view_step(&mut self, sign: i64) {
        let n = i64::from(self.node.columns);
        let c = i64::from(self.view.column);
        let palindrome = if self.synced() {
            self.node.animation(anim::PALINDROME_VIEW_FRAMES)
        } else {
            self.node.animation(anim::PALINDROME_VIEWS)
        };
        let once = self.synced() && self.node.animation(anim::DONT_LOOP_VIEW_FRAMES);
        let next = if palindrome {
            let d = sign * self.view_dir;
            let mut x = c + d;
            if !(0..n).contains(&x) {
                self.view_dir = -self.view_dir;
                x = c - d;
            }
            x.clamp(0, n - 1)
        } else if once {
            let x = c + sign;
            if !(0..n).contains(&x) {
                self.view_done = true;
                c
            } else {
                x
            }
        } else {
            (c + sign).rem_euclid(n)
        };
        self.view.column = next as u32;
    }
}

/// Steps per second at a stored rate (−100..100, as the format allows) for
/// steps of `secs` seconds at rate 1; 0 when either is unusable.
fn steps_per_second(rate: f32, secs: f64) -> f64 {
    let rate = f64::from(rate);
    if secs.is_finite() && secs > 0.0 && rate.is_finite() {
        rate.clamp(-100.0, 100.0) / secs
    } else {
        0.0
    }
}

/// Degrees of pan per column and of tilt per row.
pub(crate) fn object_steps(o: &ObjectNode) -> [f64; 2] {
    let pan = f64::from((o.pan[1] - o.pan[0]).abs());
    let tilt = f64::from((o.tilt[1] - o.tilt[0]).abs());
    [
        if pan > 1e-3 && pan.is_finite() && o.columns > 1 {
            pan / f64::from(o.columns)
        } else {
            10.0
        },
        if o.rows > 1 && tilt > 1e-3 && tilt.is_finite() {
            tilt / f64::from(o.rows - 1)
        } else {
            10.0
        },
    ]
}

#[cfg(test)]
mod tests;
