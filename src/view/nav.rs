//! Navigation: how pointer, keys, wheel and pinch move the view over time.
//! Plain data with a simulated clock (`tick(dt)`), so every behaviour is
//! unit-tested without a window; the window shell only forwards events here.
//!
//! Panoramas move as QuickTime VR moved them: press and hold, and the view
//! turns with a speed proportional to the pointer's distance from where it was
//! pressed (no motion inside a small dead zone); [`DragMode::Grab`] instead
//! keeps the scene point under the pointer. Arrow keys turn, Shift/+ zoom in,
//! Ctrl/− zoom out, and the wheel and pinch zoom. Turning and zooming ease in
//! and out with time constants in seconds, so the motion does not depend on
//! the frame rate. Every step is clamped by [`super::clamp_panorama`]: the
//! view never shows past the top or bottom of the image or the ends of a
//! partial panorama, and 360° panoramas wrap.
//!
//! Object nodes here get basic handling (drag or arrows step the view's row
//! and column, zoom by field of view); their controller types and animation
//! settings belong to the object navigation.

use crate::qtvr::scene::{ObjectNode, View, ViewLimits};

use super::{ObjectView, Shot, clamp_panorama};

/// How a press and drag turns a panorama.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DragMode {
    /// QuickTime VR's way: the view keeps turning while the button is held,
    /// faster the farther the pointer is from where it was pressed.
    Continuous,
    /// Direct manipulation: the scene point under the pointer stays under it.
    Grab,
}

/// Tunable navigation constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub drag: DragMode,
    /// Continuous drag: no motion while the pointer is within this many
    /// logical pixels of where it was pressed.
    pub dead_zone: f64,
    /// Continuous drag: turning speed, in fields of view per second, with the
    /// pointer at the window's edge (half a window from the press).
    pub drag_speed: f64,
    /// Arrow keys: turning speed in fields of view per second.
    pub key_speed: f64,
    /// Zoom keys: the field of view shrinks or grows by e^rate per second.
    pub zoom_rate: f64,
    /// Easing time constant of turning speed, seconds.
    pub turn_ease: f64,
    /// Easing time constant of the field of view, seconds.
    pub zoom_ease: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            drag: DragMode::Continuous,
            dead_zone: 6.0,
            drag_speed: 1.5,
            key_speed: 0.6,
            zoom_rate: 1.2,
            turn_ease: 0.12,
            zoom_ease: 0.08,
        }
    }
}

/// A held navigation key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Left,
    Right,
    Up,
    Down,
    ZoomIn,
    ZoomOut,
}

impl Key {
    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// What the pointer should look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// Over the picture, nothing pressed: an open hand (drag to look).
    Hand,
    /// Grab-and-drag in progress, or a continuous drag inside the dead zone.
    Grabbing,
    /// Continuous drag: the direction the view turns, as (x, y) each −1, 0 or
    /// 1 (x right, y down).
    Turn(i8, i8),
}

/// What is being navigated.
#[derive(Debug, Clone)]
pub enum Subject {
    Panorama {
        limits: ViewLimits,
        view: View,
    },
    Object {
        node: Box<ObjectNode>,
        view: ObjectView,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Drag {
    start: [f64; 2],
    at: [f64; 2],
    /// Grab mode and objects: where the last motion was applied.
    last: [f64; 2],
}

/// The navigation state of one node in one window.
#[derive(Debug, Clone)]
pub struct Navigator {
    pub settings: Settings,
    subject: Subject,
    /// Logical window size.
    size: [f64; 2],
    /// Eased turning speed, degrees per second (pan, tilt).
    speed: [f64; 2],
    /// Field of view the zoom eases towards.
    target_fov: f64,
    keys: u8,
    drag: Option<Drag>,
    /// Objects: drag motion not yet turned into whole rows and columns (degrees).
    object_rest: [f64; 2],
}

const EPS_SPEED: f64 = 0.1;
const EPS_FOV: f64 = 0.001;

impl Navigator {
    /// Navigation of `subject` in a window of `size` logical pixels; the view
    /// is clamped at once.
    pub fn new(subject: Subject, size: [f64; 2], settings: Settings) -> Navigator {
        let target_fov = match &subject {
            Subject::Panorama { view, .. } => f64::from(view.fov),
            Subject::Object { view, .. } => f64::from(view.fov),
        };
        let mut n = Navigator {
            settings,
            subject,
            size: sane_size(size),
            speed: [0.0; 2],
            target_fov,
            keys: 0,
            drag: None,
            object_rest: [0.0; 2],
        };
        n.clamp();
        n.target_fov = n.fov();
        n
    }

    /// What is being navigated, with its current view.
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// The picture to draw now.
    pub fn shot(&self) -> Shot {
        match &self.subject {
            Subject::Panorama { view, .. } => Shot::Perspective(*view),
            Subject::Object { node, view } => view.shot(node),
        }
    }

    /// The current panorama view, or for objects the view's pan/tilt/fov
    /// (the angles of its column and row).
    pub fn view(&self) -> View {
        match &self.subject {
            Subject::Panorama { view, .. } => *view,
            Subject::Object { node, view } => View {
                pan: column_pan(node, view.column),
                tilt: row_tilt(node, view.row),
                fov: view.fov,
            },
        }
    }

    /// What a redraw depends on.
    fn snapshot(&self) -> (View, Option<ObjectView>) {
        match &self.subject {
            Subject::Panorama { view, .. } => (*view, None),
            Subject::Object { view, .. } => (self.view(), Some(*view)),
        }
    }

    fn fov(&self) -> f64 {
        match &self.subject {
            Subject::Panorama { view, .. } => f64::from(view.fov),
            Subject::Object { view, .. } => f64::from(view.fov),
        }
    }

    fn aspect(&self) -> f64 {
        self.size[0] / self.size[1]
    }

    /// The window's new logical size. The vertical field of view is kept.
    pub fn resize(&mut self, size: [f64; 2]) {
        self.size = sane_size(size);
        self.clamp();
    }

    /// Moves to `view` at once (clamped), stopping any motion.
    pub fn set_view(&mut self, v: View) {
        self.speed = [0.0; 2];
        match &mut self.subject {
            Subject::Panorama { view, .. } => *view = v,
            Subject::Object { node, view } => {
                view.column = super::column_for_pan(node, v.pan);
                view.row = super::row_for_tilt(node, v.tilt);
                view.fov = v.fov;
            }
        }
        self.clamp();
        self.target_fov = self.fov();
    }

    /// A button press at `at` (logical pixels).
    pub fn press(&mut self, at: [f64; 2]) {
        self.drag = Some(Drag {
            start: at,
            at,
            last: at,
        });
    }

    /// The pointer moved to `at`. Returns true when the view changed at once
    /// (grab mode, objects); continuous turning happens in [`Navigator::tick`].
    pub fn pointer(&mut self, at: [f64; 2]) -> bool {
        let Some(d) = &mut self.drag else {
            return false;
        };
        d.at = at;
        let grab =
            self.settings.drag == DragMode::Grab || matches!(self.subject, Subject::Object { .. });
        if !grab {
            return false;
        }
        let (dx, dy) = (at[0] - d.last[0], at[1] - d.last[1]);
        d.last = at;
        let before = self.snapshot();
        match &mut self.subject {
            Subject::Panorama { view, .. } => {
                // The scene follows the pointer: dragging right shows what was
                // to the left (pan grows to the left); dragging down looks up.
                let per_px = f64::from(view.fov) / self.size[1];
                view.pan = (f64::from(view.pan) + dx * per_px) as f32;
                view.tilt = (f64::from(view.tilt) + dy * per_px) as f32;
            }
            Subject::Object { node, view } => {
                // Degrees per window width of pointer motion.
                let scale = if node.mouse_motion_scale.is_finite() && node.mouse_motion_scale > 0.0
                {
                    f64::from(node.mouse_motion_scale)
                } else {
                    180.0
                };
                self.object_rest[0] += dx / self.size[0] * scale;
                self.object_rest[1] += dy / self.size[0] * scale;
                let step = object_steps(node);
                let dc = (self.object_rest[0] / step[0]).trunc();
                let dr = (self.object_rest[1] / step[1]).trunc();
                self.object_rest[0] -= dc * step[0];
                self.object_rest[1] -= dr * step[1];
                // Dragging right turns the object to the right: earlier columns.
                step_object(node, view, -(dc as i64), -(dr as i64));
            }
        }
        self.clamp();
        self.snapshot() != before
    }

    /// The button was released.
    pub fn release(&mut self) {
        self.drag = None;
        self.object_rest = [0.0; 2];
    }

    /// Whether a button is held on the picture.
    pub fn dragging(&self) -> bool {
        self.drag.is_some()
    }

    /// A navigation key went down or up. For objects a press steps one view.
    pub fn key(&mut self, key: Key, down: bool) {
        if down {
            self.keys |= key.bit();
        } else {
            self.keys &= !key.bit();
        }
        if down && let Subject::Object { node, view } = &mut self.subject {
            match key {
                Key::Left => step_object(node, view, -1, 0),
                Key::Right => step_object(node, view, 1, 0),
                Key::Up => step_object(node, view, 0, -1),
                Key::Down => step_object(node, view, 0, 1),
                _ => {}
            }
        }
    }

    /// All keys up (the window lost focus).
    pub fn release_keys(&mut self) {
        self.keys = 0;
    }

    /// Zooms by `steps` wheel notches (positive: in), eased.
    pub fn zoom_steps(&mut self, steps: f64) {
        self.zoom_by(0.9f64.powf(steps));
    }

    /// Multiplies the field of view the zoom eases to by `factor` (< 1: in).
    pub fn zoom_by(&mut self, factor: f64) {
        if factor.is_finite() && factor > 0.0 {
            self.target_fov = self.clamp_fov(self.target_fov * factor);
        }
    }

    fn clamp_fov(&self, fov: f64) -> f64 {
        match &self.subject {
            Subject::Panorama { limits, view } => {
                let v = View {
                    fov: fov as f32,
                    ..*view
                };
                f64::from(clamp_panorama(v, limits, self.aspect()).0.fov)
            }
            Subject::Object { node, view } => {
                let v = ObjectView {
                    fov: fov as f32,
                    ..*view
                };
                f64::from(v.clamped(node).0.fov)
            }
        }
    }

    /// Whether the view will move without further input (call `tick` again).
    pub fn animating(&self) -> bool {
        self.speed.iter().any(|s| s.abs() > EPS_SPEED)
            || (self.target_fov - self.fov()).abs() > EPS_FOV
            || self.target_speed() != [0.0, 0.0]
            || self.keys & (Key::ZoomIn.bit() | Key::ZoomOut.bit()) != 0
    }

    /// The turning speed input asks for now (degrees per second).
    fn target_speed(&self) -> [f64; 2] {
        if matches!(self.subject, Subject::Object { .. }) {
            return [0.0; 2];
        }
        let fov = self.fov();
        let mut s = [0.0; 2];
        let held = |k: Key| self.keys & k.bit() != 0;
        let key = self.settings.key_speed * fov;
        if held(Key::Left) {
            s[0] += key;
        }
        if held(Key::Right) {
            s[0] -= key;
        }
        if held(Key::Up) {
            s[1] += key;
        }
        if held(Key::Down) {
            s[1] -= key;
        }
        if let (Some(d), DragMode::Continuous) = (&self.drag, self.settings.drag) {
            let off = [d.at[0] - d.start[0], d.at[1] - d.start[1]];
            let r = off[0].hypot(off[1]);
            if r > self.settings.dead_zone {
                // Distance beyond the dead zone, per half window height.
                let k = (r - self.settings.dead_zone) / r / (self.size[1] / 2.0);
                let speed = self.settings.drag_speed * fov;
                // Right of the press turns right (pan falls); below looks down.
                s[0] -= off[0] * k * speed;
                s[1] -= off[1] * k * speed;
            }
        }
        s
    }

    /// Advances time by `dt` seconds. Returns true when the view changed.
    pub fn tick(&mut self, dt: f64) -> bool {
        if !(dt.is_finite() && dt > 0.0) {
            return false;
        }
        let dt = dt.min(0.25);
        let before = self.snapshot();
        // Zoom keys move the target; the field of view eases to it.
        let held = |k: Key| self.keys & k.bit() != 0;
        let zr = self.settings.zoom_rate * dt;
        if held(Key::ZoomIn) {
            self.target_fov = self.clamp_fov(self.target_fov * (-zr).exp());
        }
        if held(Key::ZoomOut) {
            self.target_fov = self.clamp_fov(self.target_fov * zr.exp());
        }
        let target = self.target_speed();
        let a = 1.0 - (-dt / self.settings.turn_ease.max(1e-3)).exp();
        for (s, t) in self.speed.iter_mut().zip(target) {
            *s += (t - *s) * a;
            if t == 0.0 && s.abs() <= EPS_SPEED {
                *s = 0.0;
            }
        }
        let z = (-dt / self.settings.zoom_ease.max(1e-3)).exp();
        let mut fov = self.target_fov + (self.fov() - self.target_fov) * z;
        if (fov - self.target_fov).abs() <= EPS_FOV {
            fov = self.target_fov;
        }
        let speed = self.speed;
        match &mut self.subject {
            Subject::Panorama { view, .. } => {
                view.pan = (f64::from(view.pan) + speed[0] * dt) as f32;
                view.tilt = (f64::from(view.tilt) + speed[1] * dt) as f32;
                view.fov = fov as f32;
            }
            Subject::Object { view, .. } => view.fov = fov as f32,
        }
        let asked = self.view();
        self.clamp();
        // Speed into a limit stops rather than pressing on.
        let got = self.view();
        if let Subject::Panorama { limits, .. } = &self.subject {
            if !limits.wraps && (asked.pan - got.pan).abs() > 1e-4 {
                self.speed[0] = 0.0;
            }
            if (asked.tilt - got.tilt).abs() > 1e-4 {
                self.speed[1] = 0.0;
            }
        }
        self.snapshot() != before
    }

    /// The pointer's look.
    pub fn cursor(&self) -> Cursor {
        match (&self.drag, self.settings.drag, &self.subject) {
            (None, ..) => Cursor::Hand,
            (Some(_), DragMode::Grab, _) | (Some(_), _, Subject::Object { .. }) => Cursor::Grabbing,
            (Some(d), DragMode::Continuous, _) => {
                let off = [d.at[0] - d.start[0], d.at[1] - d.start[1]];
                if off[0].hypot(off[1]) <= self.settings.dead_zone {
                    return Cursor::Grabbing;
                }
                // Eight directions: a component counts when it is at least
                // tan(22.5°) of the other.
                let t = 0.414;
                let sx = if off[0].abs() >= t * off[1].abs() {
                    off[0].signum() as i8
                } else {
                    0
                };
                let sy = if off[1].abs() >= t * off[0].abs() {
                    off[1].signum() as i8
                } else {
                    0
                };
                Cursor::Turn(sx, sy)
            }
        }
    }

    fn clamp(&mut self) {
        let aspect = self.aspect();
        match &mut self.subject {
            Subject::Panorama { limits, view } => *view = clamp_panorama(*view, limits, aspect).0,
            Subject::Object { node, view } => *view = view.clamped(node).0,
        }
    }
}

fn sane_size(size: [f64; 2]) -> [f64; 2] {
    size.map(|s| if s.is_finite() && s >= 1.0 { s } else { 1.0 })
}

/// Degrees of pan per column and of tilt per row.
fn object_steps(o: &ObjectNode) -> [f64; 2] {
    let pan = f64::from((o.pan[1] - o.pan[0]).abs());
    let tilt = f64::from((o.tilt[1] - o.tilt[0]).abs());
    let per = |range: f64, n: u32, fallback: f64| {
        if range > 1e-3 && n > 1 {
            range / f64::from(n)
        } else {
            fallback
        }
    };
    [
        per(pan, o.columns, 10.0),
        if o.rows > 1 && tilt > 1e-3 {
            tilt / f64::from(o.rows - 1)
        } else {
            10.0
        },
    ]
}

/// Moves an object view by whole columns and rows: columns wrap on a 360° pan
/// range, rows stop at the ends.
fn step_object(o: &ObjectNode, v: &mut ObjectView, dc: i64, dr: i64) {
    let cols = i64::from(o.columns.max(1));
    let rows = i64::from(o.rows.max(1));
    let c = i64::from(v.column) + dc;
    v.column = if o.limits.wraps {
        c.rem_euclid(cols) as u32
    } else {
        c.clamp(0, cols - 1) as u32
    };
    v.row = (i64::from(v.row) + dr).clamp(0, rows - 1) as u32;
}

/// The pan angle of an object column.
fn column_pan(o: &ObjectNode, column: u32) -> f32 {
    let cols = o.columns.max(1) as f32;
    o.pan[0] + (o.pan[1] - o.pan[0]) / cols * column as f32
}

/// The tilt angle of an object row (row 0: the top).
fn row_tilt(o: &ObjectNode, row: u32) -> f32 {
    let (top, bottom) = (o.tilt[0].max(o.tilt[1]), o.tilt[0].min(o.tilt[1]));
    if o.rows <= 1 {
        return top;
    }
    top - (top - bottom) / (o.rows - 1) as f32 * row as f32
}

#[cfg(test)]
mod tests;
