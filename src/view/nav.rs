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
//! Object nodes are handed to [`super::object::ObjectNav`] (controllers,
//! control and animation settings); zooming them eases here like panoramas.

use qtvr_format::qtvr::scene::{Node, NodeContent, ObjectNode, View, ViewLimits};

use super::object::ObjectNav;
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
    /// Continuous drag, object edge zones and joysticks: the direction of
    /// turning, as (x, y) each −1, 0 or 1 (x right, y down).
    Turn(i8, i8),
    /// Object absolute controller: a pointing finger.
    Finger,
    /// Object joystick controller at rest.
    Joystick,
    /// Object old (reversed) joystick controller at rest.
    OldJoystick,
    /// Object translation: a four-way move cursor.
    Move,
}

/// The eight-way direction of an offset (x right, y down): a component counts
/// when it is at least tan(22.5°) of the other.
pub(crate) fn direction(off: [f64; 2]) -> (i8, i8) {
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
    (sx, sy)
}

/// What is being navigated.
#[derive(Debug, Clone)]
pub enum Subject {
    Panorama { limits: ViewLimits, view: View },
    Object(ObjectNav),
}

impl Subject {
    /// A node at its default view.
    pub fn of_node(node: &Node) -> Subject {
        match &node.content {
            NodeContent::Panorama(p) => Subject::Panorama {
                limits: p.limits.clone(),
                view: p.limits.default,
            },
            NodeContent::Object(o) => Subject::object(o, ObjectView::default_for(o)),
        }
    }

    /// An object node at `view`, with default object settings.
    pub fn object(node: &ObjectNode, view: ObjectView) -> Subject {
        Subject::Object(ObjectNav::new(
            Box::new(node.clone()),
            view,
            Default::default(),
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Drag {
    start: [f64; 2],
    at: [f64; 2],
    /// Grab mode: where the last motion was applied.
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
    /// Logical height of controls over the bottom of the picture (objects'
    /// edge zones and grid use the picture above them).
    bar: f64,
}

const EPS_SPEED: f64 = 0.1;
const EPS_FOV: f64 = 0.001;

impl Navigator {
    /// Navigation of `subject` in a window of `size` logical pixels; the view
    /// is clamped at once.
    pub fn new(subject: Subject, size: [f64; 2], settings: Settings) -> Navigator {
        let target_fov = match &subject {
            Subject::Panorama { view, .. } => f64::from(view.fov),
            Subject::Object(o) => f64::from(o.view().fov),
        };
        let mut n = Navigator {
            settings,
            subject,
            size: sane_size(size),
            speed: [0.0; 2],
            target_fov,
            keys: 0,
            drag: None,
            bar: 0.0,
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
            Subject::Object(o) => o.view().shot(o.node()),
        }
    }

    /// The current panorama view, or for objects the view's pan/tilt/fov
    /// (the angles of its column and row).
    pub fn view(&self) -> View {
        match &self.subject {
            Subject::Panorama { view, .. } => *view,
            Subject::Object(o) => {
                let v = o.view();
                View {
                    pan: column_pan(o.node(), v.column),
                    tilt: row_tilt(o.node(), v.row),
                    fov: v.fov,
                }
            }
        }
    }

    /// The object view, for object nodes.
    pub fn object_view(&self) -> Option<ObjectView> {
        match &self.subject {
            Subject::Object(o) => Some(o.view()),
            Subject::Panorama { .. } => None,
        }
    }

    /// Object nodes: moves to `v` at once (clamped), stopping any zoom.
    pub fn set_object_view(&mut self, v: ObjectView) {
        if let Subject::Object(o) = &mut self.subject {
            o.set_view(v);
            self.target_fov = f64::from(o.view().fov);
        }
    }

    /// Object nodes: toggles translate mode; None for panoramas or objects
    /// without translation.
    pub fn toggle_translate(&mut self) -> Option<bool> {
        match &mut self.subject {
            Subject::Object(o) if o.can_translate() => Some(o.toggle_translate()),
            _ => None,
        }
    }

    /// The logical height of controls drawn over the bottom of the picture.
    pub fn set_bar_height(&mut self, h: f64) {
        self.bar = if h.is_finite() { h.max(0.0) } else { 0.0 };
    }

    /// The picture area objects' edge zones and absolute grid use.
    fn area(&self) -> [f64; 2] {
        [self.size[0], (self.size[1] - self.bar).max(1.0)]
    }

    /// What a redraw depends on.
    fn snapshot(&self) -> (View, Option<ObjectView>) {
        match &self.subject {
            Subject::Panorama { view, .. } => (*view, None),
            Subject::Object(o) => (self.view(), Some(o.view())),
        }
    }

    fn fov(&self) -> f64 {
        match &self.subject {
            Subject::Panorama { view, .. } => f64::from(view.fov),
            Subject::Object(o) => f64::from(o.view().fov),
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
            Subject::Object(o) => {
                let node = o.node();
                let mut ov = ObjectView {
                    column: super::column_for_pan(node, v.pan),
                    row: super::row_for_tilt(node, v.tilt),
                    ..o.view()
                };
                if o.can_zoom() {
                    ov.fov = v.fov;
                }
                o.set_view(ov);
            }
        }
        self.clamp();
        self.target_fov = self.fov();
    }

    /// A button press at `at` (logical pixels). Returns true when the view
    /// changed at once (objects: mouse-down view state, absolute controller).
    pub fn press(&mut self, at: [f64; 2]) -> bool {
        self.press_with(at, false)
    }

    /// A button press with the translate modifier (Alt) held or not.
    pub fn press_with(&mut self, at: [f64; 2], translate: bool) -> bool {
        let area = self.area();
        match &mut self.subject {
            // Objects keep their own press (their controllers need it).
            Subject::Object(o) => o.press(at, area, translate),
            Subject::Panorama { .. } => {
                self.drag = Some(Drag {
                    start: at,
                    at,
                    last: at,
                });
                false
            }
        }
    }

    /// The pointer moved to `at`, pressed or not. Returns true when the view
    /// changed at once (grab mode, objects); continuous turning happens in
    /// [`Navigator::tick`].
    pub fn pointer(&mut self, at: [f64; 2]) -> bool {
        let area = self.area();
        if let Subject::Object(o) = &mut self.subject {
            return o.pointer(at, area);
        }
        let Some(d) = &mut self.drag else {
            return false;
        };
        d.at = at;
        if self.settings.drag != DragMode::Grab {
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
            Subject::Object(_) => {}
        }
        self.clamp();
        self.snapshot() != before
    }

    /// The button was released. Returns true when the view changed at once
    /// (objects: back from the mouse-down view state).
    pub fn release(&mut self) -> bool {
        self.drag = None;
        match &mut self.subject {
            Subject::Object(o) => o.release(),
            Subject::Panorama { .. } => false,
        }
    }

    /// Whether a button is held on the picture.
    pub fn dragging(&self) -> bool {
        match &self.subject {
            Subject::Object(o) => o.pressed(),
            Subject::Panorama { .. } => self.drag.is_some(),
        }
    }

    /// A navigation key went down or up. For objects a press of an arrow
    /// steps one view; returns true when the view changed at once.
    pub fn key(&mut self, key: Key, down: bool) -> bool {
        if down {
            self.keys |= key.bit();
        } else {
            self.keys &= !key.bit();
        }
        match &mut self.subject {
            Subject::Object(o) if down => match key {
                Key::Left => o.step(-1, 0),
                Key::Right => o.step(1, 0),
                Key::Up => o.step(0, -1),
                Key::Down => o.step(0, 1),
                _ => false,
            },
            _ => false,
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
            Subject::Object(o) => {
                let view = o.view();
                if !o.can_zoom() {
                    return f64::from(view.fov);
                }
                let v = ObjectView {
                    fov: fov as f32,
                    ..view
                };
                f64::from(v.clamped(o.node()).0.fov)
            }
        }
    }

    /// Whether the view will move without further input (call `tick` again).
    pub fn animating(&self) -> bool {
        self.wake_in().is_some()
    }

    /// Whether turning or zooming moves the view every frame.
    fn moving(&self) -> bool {
        self.speed.iter().any(|s| s.abs() > EPS_SPEED)
            || (self.target_fov - self.fov()).abs() > EPS_FOV
            || self.target_speed() != [0.0, 0.0]
            || self.keys & (Key::ZoomIn.bit() | Key::ZoomOut.bit()) != 0
    }

    /// Seconds until the view next changes with no input: 0 while something
    /// moves every frame (turning, zooming, continuous object controls), the
    /// time of the next animation frame for animated objects, None at rest.
    pub fn wake_in(&self) -> Option<f64> {
        if self.moving() {
            return Some(0.0);
        }
        match &self.subject {
            Subject::Object(o) => Some(o.wake_in(self.area())).filter(|t| t.is_finite()),
            Subject::Panorama { .. } => None,
        }
    }

    /// The turning speed input asks for now (degrees per second).
    fn target_speed(&self) -> [f64; 2] {
        if matches!(self.subject, Subject::Object(_)) {
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
            Subject::Object(o) => o.set_fov(fov as f32),
        }
        let area = self.area();
        if let Subject::Object(o) = &mut self.subject {
            o.tick(dt, area);
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
        if let Subject::Object(o) = &self.subject {
            return o.cursor(self.area());
        }
        match (&self.drag, self.settings.drag) {
            (None, _) => Cursor::Hand,
            (Some(_), DragMode::Grab) => Cursor::Grabbing,
            (Some(d), DragMode::Continuous) => {
                let off = [d.at[0] - d.start[0], d.at[1] - d.start[1]];
                if off[0].hypot(off[1]) <= self.settings.dead_zone {
                    return Cursor::Grabbing;
                }
                let (x, y) = direction(off);
                Cursor::Turn(x, y)
            }
        }
    }

    fn clamp(&mut self) {
        let aspect = self.aspect();
        match &mut self.subject {
            Subject::Panorama { limits, view } => *view = clamp_panorama(*view, limits, aspect).0,
            Subject::Object(_) => {}
        }
    }
}

fn sane_size(size: [f64; 2]) -> [f64; 2] {
    size.map(|s| if s.is_finite() && s >= 1.0 { s } else { 1.0 })
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
