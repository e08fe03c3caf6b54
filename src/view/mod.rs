//! Navigation state and view geometry: plain data, no window, no GPU.
//!
//! A [`Shot`] says what a picture shows: a perspective view of a panorama
//! (pan, tilt, vertical field of view), an equirectangular unwrapping of it, or
//! an object view. [`Rays`] turns a target pixel into a world ray (world axes
//! as in [`crate::assemble`]: X left, Y down, Z front), with its derivatives
//! across the target, exactly as the WGSL shader does; the renderer's hot spot
//! picking and the exporters use it. [`clamp_panorama`] and [`ObjectView::clamped`]
//! keep views inside a node's limits, as the viewer does while navigating.

use crate::qtvr::scene::{ObjectNode, View, ViewLimits};

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
    fwd: [f64; 3],
    right: [f64; 3],
    up: [f64; 3],
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
        let (mut fwd, mut right, mut up) = ([0.0; 3], [0.0; 3], [0.0; 3]);
        if let Shot::Perspective(v) = shot {
            let (f, r, u) = basis(f64::from(v.pan), f64::from(v.tilt));
            let t = (f64::from(v.fov).to_radians() / 2.0).tan();
            fwd = f;
            right = r.map(|c| c * t * w / h);
            up = u.map(|c| c * t);
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
                Some(std::array::from_fn(|i| {
                    self.fwd[i] + nx * self.right[i] + ny * self.up[i]
                }))
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
        [self.fwd, self.right, self.up]
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

/// Keeps a panorama view inside the node's limits for a target of the given
/// aspect ratio (width / height), the way the viewer does:
///
/// - the field of view stays within the limits, and no wider than the tilt
///   range (and, on a partial panorama, than the pan range) can show;
/// - the view's top and bottom edges stay within the tilt limits (a limit of
///   ±90° bounds the view's centre instead, so one can look straight up or down);
/// - on a partial panorama the view's left and right edges stay within the pan
///   limits; on a full one pan wraps into [0, 360).
///
/// Returns the view used and what was moved.
pub fn clamp_panorama(view: View, limits: &ViewLimits, aspect: f64) -> (View, Vec<Clamped>) {
    let mut notes = Vec::new();
    let aspect = if aspect.is_finite() && aspect > 0.0 {
        aspect
    } else {
        1.0
    };
    let mut note = |what: &'static str, asked: f64, used: f64, why: String| {
        if (asked - used).abs() > 1e-4 {
            notes.push(Clamped {
                what,
                asked,
                used,
                why,
            });
        }
    };
    let [pmin, pmax] = limits.pan.map(f64::from);
    let [tmin, tmax] = limits.tilt.map(f64::from);
    let [fmin, fmax] = limits.fov.map(f64::from);
    let edge_bounded = |t: f64| t.abs() < 89.99;
    // The widest field of view the limits can show.
    let mut fov_cap = fmax.max(fmin);
    if edge_bounded(tmin) && edge_bounded(tmax) && tmax > tmin {
        fov_cap = fov_cap.min(tmax - tmin);
    }
    if !limits.wraps && pmax > pmin {
        fov_cap = fov_cap.min(vertical_fov(pmax - pmin, aspect));
    }
    let asked_fov = f64::from(view.fov);
    let fov = if asked_fov.is_finite() {
        asked_fov.clamp(fmin.min(fov_cap), fov_cap)
    } else {
        f64::from(limits.default.fov)
    };
    note(
        "fov",
        asked_fov,
        fov,
        format!("field of view {}..{}", trim(fmin), trim(fov_cap)),
    );

    let half = fov / 2.0;
    let lo = if edge_bounded(tmin) {
        tmin + half
    } else {
        tmin
    };
    let hi = if edge_bounded(tmax) {
        tmax - half
    } else {
        tmax
    };
    let asked_tilt = f64::from(view.tilt);
    let tilt = if !asked_tilt.is_finite() {
        f64::from(limits.default.tilt)
    } else if lo <= hi {
        asked_tilt.clamp(lo, hi)
    } else {
        (tmin + tmax) / 2.0
    };
    note(
        "tilt",
        asked_tilt,
        tilt,
        format!(
            "tilt {}..{} at field of view {}",
            trim(tmin),
            trim(tmax),
            trim(fov)
        ),
    );

    let asked_pan = f64::from(view.pan);
    let pan = if !asked_pan.is_finite() {
        f64::from(limits.default.pan)
    } else if limits.wraps {
        asked_pan.rem_euclid(360.0)
    } else {
        let hhalf = horizontal_fov(fov, aspect) / 2.0;
        let (lo, hi) = (pmin + hhalf, pmax - hhalf);
        // Compare on the circle: bring the asked pan next to the range.
        let mid = (pmin + pmax) / 2.0;
        let p = mid + (asked_pan - mid + 180.0).rem_euclid(360.0) - 180.0;
        if lo <= hi { p.clamp(lo, hi) } else { mid }
    };
    if !limits.wraps {
        note(
            "pan",
            asked_pan,
            pan,
            format!(
                "pan {}..{} at field of view {}",
                trim(pmin),
                trim(pmax),
                trim(fov)
            ),
        );
    }
    (
        View {
            pan: pan as f32,
            tilt: tilt as f32,
            fov: fov as f32,
        },
        notes,
    )
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

    /// The zoom factor the shader uses for this view.
    pub fn zoom(&self, o: &ObjectNode) -> f32 {
        let widest = o.limits.fov[1].max(o.limits.fov[0]);
        if widest > 0.0 && self.fov > 0.0 {
            let t = |f: f32| (f64::from(f).to_radians() / 2.0).tan();
            (t(widest) / t(self.fov)) as f32
        } else {
            1.0
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
        let [lo, hi] = [
            o.limits.fov[0].min(o.limits.fov[1]),
            o.limits.fov[0].max(o.limits.fov[1]),
        ];
        if hi > 0.0 {
            let f = if self.fov.is_finite() {
                self.fov.clamp(lo.max(0.01), hi)
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
        self.centre = self.centre_inside(o);
        (self, notes)
    }

    /// The view centre kept where the zoomed view stays inside the frame (so
    /// at the widest field of view the whole frame shows, whatever centre the
    /// file stores).
    fn centre_inside(&self, o: &ObjectNode) -> [f32; 2] {
        let zoom = f64::from(self.zoom(o)).max(1.0);
        let lim = |size: u32| (f64::from(size.max(1)) / 2.0 * (1.0 - 1.0 / zoom)) as f32;
        let fit = |c: f32, l: f32| if c.is_finite() { c.clamp(-l, l) } else { 0.0 };
        [
            fit(self.centre[0], lim(o.image_track.width)),
            fit(self.centre[1], lim(o.image_track.height)),
        ]
    }
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
    if range.abs() < 1e-6 || !pan.is_finite() {
        return 0;
    }
    let step = range / cols as f32;
    let i = ((pan - o.pan[0]) / step).round();
    if range.abs() >= 359.9 {
        // A full turn: angles past the end come round again.
        (i.rem_euclid(cols as f32) as u32).min(cols - 1)
    } else {
        i.clamp(0.0, (cols - 1) as f32) as u32
    }
}

/// The row nearest a tilt angle: row 0 is the top (the larger stored tilt,
/// whichever order the file stores the pair in), rows evenly spaced down to
/// the other.
pub fn row_for_tilt(o: &ObjectNode, tilt: f32) -> u32 {
    let rows = o.rows.max(1);
    let (top, bottom) = (o.tilt[0].max(o.tilt[1]), o.tilt[0].min(o.tilt[1]));
    if rows == 1 || (top - bottom).abs() < 1e-6 || !tilt.is_finite() {
        return 0;
    }
    let step = (top - bottom) / (rows - 1) as f32;
    (((top - tilt) / step).round().clamp(0.0, (rows - 1) as f32)) as u32
}

pub mod nav;
pub mod object;
pub mod tour;

#[cfg(test)]
mod tests;
