//! Navigation state and view geometry: plain data, no window, no GPU.
//!
//! A [`Shot`] says what a picture shows: a perspective view of a panorama
//! (pan, tilt, vertical field of view), an equirectangular unwrapping of it, or
//! an object view. [`Rays`] turns a target pixel into a world ray (world axes
//! as in [`qtvr_format::assemble`]: X left, Y down, Z front), with its derivatives
//! across the target, exactly as the WGSL shader does; the renderer's hot spot
//! picking and the exporters use it. [`clamp_panorama`] and [`ObjectView::clamped`]
//! keep views inside a node's limits, as the viewer does while navigating; the
//! viewer, `qtvr render`, link arrival and Back all clamp with them.
//!
//! # Keeping a panorama view inside its limits
//!
//! Limits come from files, so [`clamp_panorama`] first makes them safe: a
//! non-finite pan limit makes the pan range a full turn, a non-finite tilt
//! limit is ±90, reversed pairs are ordered, tilts are cut to ±90; the widest
//! field of view is the file's when it is finite and at least [`MIN_FOV`]
//! (0.01°), otherwise unset, and never over [`MAX_FOV`] (179°: a perspective
//! view is narrower than 180°); the narrowest is the file's when finite and at
//! least [`MIN_FOV`], else [`MIN_FOV`], and no more than the widest. So a file
//! whose field of view range is zero, 1e-34 or NaN still gives views between
//! 0.01° and 179° (narrowed by the tilt and pan ranges as below), and every
//! result is finite with a field of view in (0, 180) by construction.
//!
//! The geometry, for a vertical field of view f, aspect a (width / height)
//! and tilt t: the view's top and bottom edges reach elevations t ± f/2 (its
//! highest and lowest, exactly, when the tilt range holds the horizon, as a
//! cylinder's does); the largest pan offset from the view's centre anywhere
//! on its border is at its top or bottom corners,
//! e(f, t) = atan(a·sin(f/2) / cos(|t| + f/2)) (that is atan(tx·cos(f/2) /
//! cos(|t| + f/2)) with tx = a·tan(f/2); at t = 0 it is half the horizontal
//! field of view), or 180° when cos(|t| + f/2) < 0: the view holds a pole and
//! shows every pan. Then:
//!
//! 1. Field of view: a view of f fits when some tilt keeps its edges within
//!    the tilt limits (limits of ±90 bound the view's centre instead, so one can
//!    look straight up) and, on a partial panorama, 2·e(f, t) ≤ the pan range
//!    at the tilt t nearest the horizon those allow. Fitting only gets harder
//!    as f grows, so the cap is the largest f up to the widest limit that fits,
//!    found by bisection. A pan range limits the field of view only where it
//!    binds: at the horizon a pan range of 180° or more never does.
//! 2. Tilt: within the tilt limits at that f, and on a partial panorama |t|
//!    no more than where 2·e(f, t) reaches the pan range
//!    (cos(|t| + f/2) = a·sin(f/2) / tan(range/2) for ranges under 180°;
//!    |t| + f/2 ≤ 90° for wider ones).
//! 3. Pan: a full panorama wraps into [0, 360); a partial one keeps the centre
//!    within [min + e, max − e], comparing angles on the circle.
//!
//! A view that asks a non-finite angle gets the node's default for it, clamped
//! the same way. Where the limits allow no view at all (a pan range too narrow
//! for even [`MIN_FOV`]), the view is the narrowest, nearest the horizon,
//! centred on the pan range.
//!
//! Idempotence is exact: each quantity is rounded to f32 within bounds that
//! are themselves rounded inwards to f32 before the next quantity's bounds are
//! computed from it (field of view, then tilt from that f32 field of view,
//! then pan from both), so clamping a clamped view gives it back bit for bit.
//!
//! Object views ([`ObjectView::clamped`], [`ObjectView::zoom`]) share one safe
//! field of view range, [`object_fov_range`]: where a file's range cannot zoom
//! (degenerate, NaN, 180° or wider) the zoom is 1. No clamp in this module
//! uses `f32::clamp` or `f64::clamp` on bounds computed from file values.

use glam::DVec3;
use qtvr_format::qtvr::scene::{ObjectNode, View, ViewLimits};

/// What one rendered picture shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shot {
    /// A perspective view of a panorama.
    Perspective(View),
    /// The whole sphere, 360° across (pan 180 at the left edge, pan 0 in the
    /// middle) and 180° down (straight up at the top).
    Equirect,
    /// An object view: the frame centred, zoomed by `zoom` (1 = the frame fits
    /// the target), the frame point `centre` (pixels from the frame's centre,
    /// x right, y down) at the target's centre.
    Flat { zoom: f32, centre: [f32; 2] },
}

/// World rays for the pixels of a target.
#[derive(Debug, Clone, Copy)]
pub struct Rays {
    shot: Shot,
    width: f64,
    height: f64,
    fwd: DVec3,
    right: DVec3,
    up: DVec3,
}

/// The forward, right and up directions of a view (pan and tilt in degrees).
pub fn basis(pan: f64, tilt: f64) -> ([f64; 3], [f64; 3], [f64; 3]) {
    let (sp, cp) = pan.to_radians().sin_cos();
    let (st, ct) = tilt.to_radians().sin_cos();
    (
        [sp * ct, -st, cp * ct],
        [-cp, 0.0, sp],
        [-sp * st, -ct, -cp * st],
    )
}

impl Rays {
    /// Rays for a `width`×`height` target showing `shot`.
    pub fn new(shot: Shot, width: u32, height: u32) -> Rays {
        let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
        let (mut fwd, mut right, mut up) = (DVec3::ZERO, DVec3::ZERO, DVec3::ZERO);
        if let Shot::Perspective(v) = shot {
            let (f, r, u) = basis(f64::from(v.pan), f64::from(v.tilt));
            let t = (f64::from(v.fov).to_radians() / 2.0).tan();
            fwd = DVec3::from_array(f);
            right = DVec3::from_array(r) * t * w / h;
            up = DVec3::from_array(u) * t;
        }
        Rays {
            shot,
            width: w,
            height: h,
            fwd,
            right,
            up,
        }
    }

    /// The (unnormalised) world ray through a target position in pixels
    /// (pixel centres at +0.5); `None` for flat shots.
    pub fn ray(&self, px: f64, py: f64) -> Option<[f64; 3]> {
        match self.shot {
            Shot::Perspective(_) => {
                let nx = 2.0 * px / self.width - 1.0;
                let ny = 1.0 - 2.0 * py / self.height;
                Some((self.fwd + nx * self.right + ny * self.up).to_array())
            }
            Shot::Equirect => {
                let pan = 180.0 - 360.0 * px / self.width;
                let tilt = 90.0 - 180.0 * py / self.height;
                Some(basis(pan, tilt).0)
            }
            Shot::Flat { .. } => None,
        }
    }

    /// What the shader gets for a perspective view: the forward, right and up
    /// vectors (right and up scaled to the target's half extents).
    pub fn perspective_basis(&self) -> [[f64; 3]; 3] {
        [self.fwd, self.right, self.up].map(|v| v.to_array())
    }

    /// For flat shots: the frame position (continuous texel) shown at a target
    /// position, for a frame of `fw`×`fh` pixels.
    pub fn flat_texel(&self, px: f64, py: f64, fw: u32, fh: u32) -> Option<[f64; 2]> {
        let Shot::Flat { zoom, centre } = self.shot else {
            return None;
        };
        let s = flat_scale(zoom, self.width, self.height, fw, fh);
        Some([
            (px - self.width / 2.0) / s + f64::from(fw) / 2.0 + f64::from(centre[0]),
            (py - self.height / 2.0) / s + f64::from(fh) / 2.0 + f64::from(centre[1]),
        ])
    }
}

/// The fraction of the resolution that marks an object's frame as moving
/// without making it smaller: the renderer draws a moving object frame
/// straight onto the target whatever the fraction, and one that cannot be
/// drawn so (zoomed out, on several pages, hot spots shown, GL) in full at
/// this fraction or above, where drawing smaller would save less than
/// scaling up costs (`Renderer::draw_scaled_into`).
pub const MOVING_FULL_SIZE: f32 = 31.0 / 32.0;

/// Target pixels per frame pixel for an object view: the frame fits the
/// target at zoom 1.
pub fn flat_scale(zoom: f32, tw: f64, th: f64, fw: u32, fh: u32) -> f64 {
    let fit = (tw / f64::from(fw.max(1))).min(th / f64::from(fh.max(1)));
    fit * f64::from(zoom).max(1e-3)
}

/// The horizontal field of view (degrees) of a vertical one at an aspect ratio.
pub fn horizontal_fov(fov: f64, aspect: f64) -> f64 {
    2.0 * ((fov.to_radians() / 2.0).tan() * aspect)
        .atan()
        .to_degrees()
}

/// The vertical field of view (degrees) whose horizontal one is `hfov`.
pub fn vertical_fov(hfov: f64, aspect: f64) -> f64 {
    2.0 * ((hfov.to_radians() / 2.0).tan() / aspect)
        .atan()
        .to_degrees()
}

/// One angle moved to keep a view inside its limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Clamped {
    /// "pan", "tilt", "fov", "row", "column", "state" or "frame".
    pub what: &'static str,
    pub asked: f64,
    pub used: f64,
    /// Why, in words.
    pub why: String,
}

impl std::fmt::Display for Clamped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} is outside the node's limits; using {} ({})",
            self.what,
            trim(self.asked),
            trim(self.used),
            self.why
        )
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The narrowest field of view (degrees) a view ever gets: a file's zero, tiny
/// or negative field of view limits never make a view narrower.
pub const MIN_FOV: f64 = 0.01;
/// The widest field of view (degrees) of a perspective view: always under 180°.
pub const MAX_FOV: f64 = 179.0;

/// How far (degrees) a partial panorama's view stays from a pole.
const POLE_MARGIN: f64 = 1e-3;

/// `v` limited to [lo, hi] without `f64::clamp`'s panics: a NaN `v` becomes
/// `lo`, a reversed range gives `hi`. The bounds must not be NaN.
fn within(v: f64, lo: f64, hi: f64) -> f64 {
    v.max(lo).min(hi)
}

/// [`within`] for f32.
fn within32(v: f32, lo: f32, hi: f32) -> f32 {
    v.max(lo).min(hi)
}

/// The smallest f32 at or above `x` (finite `x`).
fn f32_up(x: f64) -> f32 {
    let r = x as f32;
    if f64::from(r) < x { r.next_up() } else { r }
}

/// The largest f32 at or below `x` (finite `x`).
fn f32_down(x: f64) -> f32 {
    let r = x as f32;
    if f64::from(r) > x { r.next_down() } else { r }
}

/// [lo, hi] rounded inwards to f32; a range narrower than one f32 step
/// becomes its middle.
fn f32_bounds(lo: f64, hi: f64) -> [f32; 2] {
    let (a, b) = (f32_up(lo), f32_down(hi));
    if a <= b {
        [a, b]
    } else {
        let m = ((lo + hi) / 2.0) as f32;
        [m, m]
    }
}

/// A node's panorama limits made safe (finite, ordered, fields of view in
/// [`MIN_FOV`], [`MAX_FOV`]), with the target's aspect: the geometry the clamp
/// works in (degrees, f64).
struct Frame {
    /// Width / height of the target, finite and > 0.
    aspect: f64,
    pan: [f64; 2],
    /// Some(pan range) on a partial panorama (under 360°), None where pan wraps.
    partial: Option<f64>,
    tilt: [f64; 2],
    /// Whether each tilt limit bounds the view's edge (true) or its centre (±90).
    edge: [bool; 2],
    fov: [f64; 2],
}

impl Frame {
    fn new(l: &ViewLimits, aspect: f64) -> Frame {
        let aspect = if aspect.is_finite() && aspect > 0.0 {
            aspect
        } else {
            1.0
        };
        let [p0, p1] = l.pan.map(f64::from);
        let pan = if p0.is_finite() && p1.is_finite() {
            [p0.min(p1), p0.max(p1)]
        } else {
            [0.0, 360.0]
        };
        let range = pan[1] - pan[0];
        let partial = (!l.wraps && range < 360.0).then_some(range);
        let tilt_or = |t: f32, fallback: f64| {
            let t = f64::from(t);
            if t.is_finite() {
                within(t, -90.0, 90.0)
            } else {
                fallback
            }
        };
        let (t0, t1) = (tilt_or(l.tilt[0], -90.0), tilt_or(l.tilt[1], 90.0));
        let tilt = [t0.min(t1), t0.max(t1)];
        let [f0, f1] = l.fov.map(f64::from);
        let (f0, f1) = if f0 > f1 { (f1, f0) } else { (f0, f1) };
        let fmax = if f1.is_finite() && f1 >= MIN_FOV {
            f1.min(MAX_FOV)
        } else {
            MAX_FOV
        };
        let fmin = if f0.is_finite() && f0 >= MIN_FOV {
            f0.min(fmax)
        } else {
            MIN_FOV
        };
        Frame {
            aspect,
            pan,
            partial,
            tilt,
            edge: tilt.map(|t| t.abs() < 89.99),
            fov: [fmin, fmax],
        }
    }

    /// The tilts the view's centre may take at field of view `f` by the tilt
    /// limits alone (empty, lo > hi, when `f` is taller than they allow).
    fn tilt_bounds(&self, f: f64) -> [f64; 2] {
        let half = f / 2.0;
        [
            if self.edge[0] {
                self.tilt[0] + half
            } else {
                self.tilt[0]
            },
            if self.edge[1] {
                self.tilt[1] - half
            } else {
                self.tilt[1]
            },
        ]
    }

    /// The largest |tilt| at which a view of field of view `f` fits the pan
    /// range: +∞ where pan wraps, −∞ where no tilt does.
    fn max_abs_tilt(&self, f: f64) -> f64 {
        let Some(range) = self.partial else {
            return f64::INFINITY;
        };
        let half = f / 2.0;
        if range >= 180.0 {
            // Any view short of a pole spans less than 180° of pan (kept a
            // hair short: at the pole itself pan means nothing).
            return 90.0 - half - POLE_MARGIN;
        }
        // pan_half(f, t) = range / 2 ⇔ cos(|t| + f/2) = a·sin(f/2) / tan(range/2).
        let c = self.aspect * half.to_radians().sin() / (range / 2.0).to_radians().tan();
        if c <= 1.0 {
            c.acos().to_degrees() - half
        } else {
            f64::NEG_INFINITY
        }
    }

    /// The half pan extent of a view: the largest pan offset from its centre
    /// anywhere on its border (its top or bottom corners), 180 where the view
    /// contains a pole.
    fn pan_half(&self, f: f64, t: f64) -> f64 {
        let half = (f / 2.0).to_radians();
        let d = (t.abs().to_radians() + half).cos();
        if d < 0.0 {
            180.0
        } else {
            (self.aspect * half.sin()).atan2(d).to_degrees()
        }
    }

    /// The tilt nearest the horizon that a view of field of view `f` may take,
    /// if it fits the tilt and pan limits at all.
    fn best_tilt(&self, f: f64) -> Option<f64> {
        let [lo, hi] = self.tilt_bounds(f);
        if lo > hi {
            return None;
        }
        let t = within(0.0, lo, hi);
        (t.abs() <= self.max_abs_tilt(f)).then_some(t)
    }

    /// The widest field of view the limits can show: the largest f ≤ the
    /// field of view limit that fits (fitting is monotone in f: bisection).
    fn fov_cap(&self) -> f64 {
        let fits = |f: f64| self.best_tilt(f).is_some();
        let top = self.fov[1];
        if fits(top) {
            return top;
        }
        if !fits(MIN_FOV) {
            return MIN_FOV;
        }
        let (mut lo, mut hi) = (MIN_FOV, top);
        for _ in 0..60 {
            let m = (lo + hi) / 2.0;
            if fits(m) {
                lo = m;
            } else {
                hi = m;
            }
        }
        // The nearest f32 where it fits, so that a cap of 40 reads 40.
        let r = f64::from(lo as f32);
        if r > lo && fits(r) { r } else { lo }
    }

    /// The tilts the view's centre may take at field of view `f`; where none
    /// fits, the one nearest the horizon within the tilt limits, or their middle.
    fn tilt_range(&self, f: f64) -> [f64; 2] {
        let [lo, hi] = self.tilt_bounds(f);
        if lo > hi {
            let m = (self.tilt[0] + self.tilt[1]) / 2.0;
            return [m, m];
        }
        let lim = self.max_abs_tilt(f);
        let (a, b) = (lo.max(-lim), hi.min(lim));
        if a <= b {
            [a, b]
        } else {
            let t = within(0.0, lo, hi);
            [t, t]
        }
    }
}

/// Keeps a panorama view inside the node's limits for a target of the given
/// aspect ratio (width / height), the way the viewer does (see the module
/// documentation for the geometry):
///
/// - the field of view stays within the limits, and no wider than the tilt
///   range (and, on a partial panorama, the pan range) can show;
/// - the view's top and bottom edges stay within the tilt limits (a limit of
///   ±90° bounds the view's centre instead, so one can look straight up or down);
/// - on a partial panorama the whole view, its corners included, stays within
///   the pan limits; on a full one pan wraps into [0, 360).
///
/// Never panics; the result is finite with a field of view in (0, 180), and
/// clamping it again gives it back bit for bit. Returns the view used and
/// what was moved.
pub fn clamp_panorama(view: View, limits: &ViewLimits, aspect: f64) -> (View, Vec<Clamped>) {
    let g = Frame::new(limits, aspect);
    let mut notes = Vec::new();
    let mut note = |what: &'static str, asked: f32, used: f32, why: String| {
        let (asked, used) = (f64::from(asked), f64::from(used));
        if (asked - used).abs() > 1e-4 {
            notes.push(Clamped {
                what,
                asked,
                used,
                why,
            });
        }
    };
    let or_default = |asked: f32, default: f32, fallback: f64| {
        if asked.is_finite() {
            f64::from(asked)
        } else if default.is_finite() {
            f64::from(default)
        } else {
            fallback
        }
    };

    // Each quantity is rounded to f32 inside f32 bounds before the next one's
    // bounds are computed from it: clamping a clamped view changes nothing.
    let cap = g.fov_cap();
    let [flo, fhi] = f32_bounds(g.fov[0].min(cap), cap);
    let want = or_default(view.fov, limits.default.fov, cap);
    let fov = within32(within(want, flo.into(), fhi.into()) as f32, flo, fhi);
    note(
        "fov",
        view.fov,
        fov,
        format!("field of view {}..{}", trim(flo.into()), trim(fhi.into())),
    );
    let f = f64::from(fov);

    let [tlo, thi] = g.tilt_range(f);
    let [tlo, thi] = f32_bounds(tlo, thi);
    let want = or_default(view.tilt, limits.default.tilt, 0.0);
    // (+ 0.0: a result is never −0, which would clamp again to +0.)
    let tilt = within32(within(want, tlo.into(), thi.into()) as f32, tlo, thi) + 0.0;
    note(
        "tilt",
        view.tilt,
        tilt,
        format!(
            "tilt {}..{} at field of view {}",
            trim(g.tilt[0]),
            trim(g.tilt[1]),
            trim(f)
        ),
    );

    let [pmin, pmax] = g.pan;
    let mid = (pmin + pmax) / 2.0;
    let want = or_default(view.pan, limits.default.pan, mid);
    let pan = match g.partial {
        None => {
            let p = want.rem_euclid(360.0) as f32;
            // f32 rounding may give 360 itself; 0 is the same direction.
            if (0.0..360.0).contains(&p) {
                p + 0.0
            } else {
                0.0
            }
        }
        Some(_) => {
            let e = g.pan_half(f, f64::from(tilt));
            let [lo, hi] = if pmin + e <= pmax - e {
                f32_bounds(pmin + e, pmax - e)
            } else {
                [mid as f32; 2]
            };
            // Compare on the circle: bring the asked pan next to the range
            // (one already inside stays exactly as it is).
            let p = if (f64::from(lo)..=f64::from(hi)).contains(&want) {
                want
            } else {
                mid + (want - mid + 180.0).rem_euclid(360.0) - 180.0
            };
            let pan = within32(within(p, lo.into(), hi.into()) as f32, lo, hi) + 0.0;
            if view.pan.is_finite() && (p - f64::from(pan)).abs() > 1e-4 {
                notes.push(Clamped {
                    what: "pan",
                    asked: view.pan.into(),
                    used: pan.into(),
                    why: format!(
                        "pan {}..{} at field of view {}",
                        trim(pmin),
                        trim(pmax),
                        trim(f)
                    ),
                });
            }
            pan
        }
    };
    (View { pan, tilt, fov }, notes)
}

/// An object view: which frame and how it is shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObjectView {
    pub row: u32,
    pub column: u32,
    pub state: u32,
    pub frame: u32,
    /// Vertical field of view, degrees: the object's widest field of view shows
    /// the whole frame; smaller ones zoom in.
    pub fov: f32,
    /// Frame point at the target's centre (pixels from the frame's centre).
    pub centre: [f32; 2],
}

impl ObjectView {
    /// The picture this view shows (row, column, view state, frame), as
    /// [`qtvr_format::assemble::object_picture`] takes it.
    pub fn object_frame(&self) -> qtvr_format::assemble::ObjectFrame {
        qtvr_format::assemble::ObjectFrame {
            row: self.row,
            column: self.column,
            state: self.state,
            frame: self.frame,
        }
    }

    /// The node's default view: the row and column of its default pan and tilt,
    /// its default view state, frame 0, its default field of view.
    pub fn default_for(o: &ObjectNode) -> ObjectView {
        let d = o.limits.default;
        ObjectView {
            row: row_for_tilt(o, d.tilt),
            column: column_for_pan(o, d.pan),
            state: u32::from(o.default_view_state.max(1)) - 1,
            frame: 0,
            fov: d.fov,
            centre: default_centre(o),
        }
        .clamped(o)
        .0
    }

    /// The zoom factor the shader uses for this view: 1 at the widest field of
    /// view (or where the node's range cannot zoom), finite, never under 1.
    pub fn zoom(&self, o: &ObjectNode) -> f32 {
        match object_fov_range(o) {
            Some([lo, hi]) => {
                let f = if self.fov.is_finite() {
                    within32(self.fov, lo, hi)
                } else {
                    hi
                };
                let t = |f: f32| (f64::from(f).to_radians() / 2.0).tan();
                ((t(hi) / t(f)) as f32).max(1.0)
            }
            None => 1.0,
        }
    }

    /// The shot for the renderer.
    pub fn shot(&self, o: &ObjectNode) -> Shot {
        Shot::Flat {
            zoom: self.zoom(o),
            centre: self.centre,
        }
    }

    /// Keeps the view inside the node's rows, columns, states, frames and fields of view.
    pub fn clamped(mut self, o: &ObjectNode) -> (ObjectView, Vec<Clamped>) {
        let mut notes = Vec::new();
        let mut fit = |what: &'static str, v: &mut u32, count: u32| {
            let max = count.max(1) - 1;
            if *v > max {
                notes.push(Clamped {
                    what,
                    asked: f64::from(*v),
                    used: f64::from(max),
                    why: format!("{what}s 0..{max}"),
                });
                *v = max;
            }
        };
        fit("row", &mut self.row, o.rows);
        fit("column", &mut self.column, o.columns);
        fit("state", &mut self.state, o.view_states);
        fit("frame", &mut self.frame, o.frames_per_view);
        match object_fov_range(o) {
            Some([lo, hi]) => {
                let f = if self.fov.is_finite() {
                    within32(self.fov, lo, hi)
                } else {
                    hi
                };
                if (f - self.fov).abs() > 1e-4 {
                    notes.push(Clamped {
                        what: "fov",
                        asked: f64::from(self.fov),
                        used: f64::from(f),
                        why: format!("field of view {}..{}", trim(lo.into()), trim(hi.into())),
                    });
                }
                self.fov = f;
            }
            // No zoom range: the field of view means nothing but stays finite.
            None if !self.fov.is_finite() => self.fov = 0.0,
            None => {}
        }
        self.centre = self.centre_inside(o);
        (self, notes)
    }

    /// The view centre kept where the zoomed view stays inside the frame (so
    /// at the widest field of view the whole frame shows, whatever centre the
    /// file stores).
    fn centre_inside(&self, o: &ObjectNode) -> [f32; 2] {
        let zoom = f64::from(self.zoom(o)).max(1.0);
        let lim = |size: u32| (f64::from(size.max(1)) / 2.0 * (1.0 - 1.0 / zoom)) as f32;
        let fit = |c: f32, l: f32| {
            if c.is_finite() {
                within32(c, -l, l)
            } else {
                0.0
            }
        };
        [
            fit(self.centre[0], lim(o.image_track.width)),
            fit(self.centre[1], lim(o.image_track.height)),
        ]
    }
}

/// An object node's usable field of view range [narrowest, widest]
/// (degrees), shared by [`ObjectView::zoom`] and [`ObjectView::clamped`]: the
/// file's pair in either order, the narrowest at least [`MIN_FOV`]. `None`
/// where the range cannot zoom — the widest NaN, infinite, under [`MIN_FOV`]
/// (a degenerate `obji` range such as 1e-34) or not under 180°: zoom 1.
pub fn object_fov_range(o: &ObjectNode) -> Option<[f32; 2]> {
    let [a, b] = o.limits.fov;
    let min_fov = MIN_FOV as f32;
    let (lo, hi) = match (a.is_finite(), b.is_finite()) {
        (true, true) => (a.min(b), a.max(b)),
        (true, false) => (min_fov, a),
        (false, true) => (min_fov, b),
        (false, false) => return None,
    };
    if !(hi >= min_fov && hi < 180.0) {
        return None;
    }
    Some([lo.max(min_fov).min(hi), hi])
}

/// The stored view centre (frame pixels from the top-left; (0, 0) = unset) as
/// an offset from the frame's centre.
fn default_centre(o: &ObjectNode) -> [f32; 2] {
    let vc = o.view_center;
    if vc == [0.0, 0.0] || !vc.iter().all(|v| v.is_finite()) {
        return [0.0, 0.0];
    }
    [
        vc[0] - o.image_track.width as f32 / 2.0,
        vc[1] - o.image_track.height as f32 / 2.0,
    ]
}

/// The column nearest a pan angle: columns run from `pan[0]` in steps of the
/// range over the column count; a full turn wraps, a partial range clamps.
pub fn column_for_pan(o: &ObjectNode, pan: f32) -> u32 {
    let cols = o.columns.max(1);
    let range = o.pan[1] - o.pan[0];
    if !range.is_finite() || range.abs() < 1e-6 || !pan.is_finite() {
        return 0;
    }
    let step = range / cols as f32;
    let i = ((pan - o.pan[0]) / step).round();
    if range.abs() >= 359.9 {
        // A full turn: angles past the end come round again.
        (i.rem_euclid(cols as f32) as u32).min(cols - 1)
    } else {
        within32(i, 0.0, (cols - 1) as f32) as u32
    }
}

/// The row nearest a tilt angle: row 0 is the top (the larger stored tilt,
/// whichever order the file stores the pair in), rows evenly spaced down to
/// the other.
pub fn row_for_tilt(o: &ObjectNode, tilt: f32) -> u32 {
    let rows = o.rows.max(1);
    let (top, bottom) = (o.tilt[0].max(o.tilt[1]), o.tilt[0].min(o.tilt[1]));
    if rows == 1 || !(top - bottom).is_finite() || (top - bottom).abs() < 1e-6 || !tilt.is_finite()
    {
        return 0;
    }
    let step = (top - bottom) / (rows - 1) as f32;
    within32(((top - tilt) / step).round(), 0.0, (rows - 1) as f32) as u32
}

pub mod nav;
pub mod object;
pub mod tour;

#[cfg(test)]
mod tests;
