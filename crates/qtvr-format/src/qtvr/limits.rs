//! View limits shared by QTVR 1 and 2 readers: ordering, clamping, defaults,
//! and the object grid check. Pure functions; repairs are reported as warnings.

use super::scene::{NodeId, TrackUse, View, ViewLimits};
use crate::error::Warning;

/// `v` limited to [lo, hi]; never panics (a reversed or NaN range leaves `v` as it is).
pub fn clamp_angle(v: f32, lo: f32, hi: f32) -> f32 {
    if lo <= hi { v.max(lo).min(hi) } else { v }
}

/// Limits a [min, max] range to [lo, hi], keeping min ≤ max; a range wholly
/// outside becomes [lo, hi].
pub fn clip_range(r: [f32; 2], lo: f32, hi: f32) -> [f32; 2] {
    let a = clamp_angle(r[0], lo, hi);
    let b = clamp_angle(r[1], lo, hi);
    if a < b { [a, b] } else { [lo, hi] }
}

/// Finite or a fallback.
pub fn finite(v: f32, fallback: f32) -> f32 {
    if v.is_finite() { v } else { fallback }
}

/// Orders a pair as [min, max], warning when the file stored it reversed.
pub fn ordered(pair: [f32; 2], what: &str, node: NodeId, warnings: &mut Vec<Warning>) -> [f32; 2] {
    let [a, b] = pair;
    if a > b {
        warnings.push(Warning::general(format!(
            "node {node}: {what} limits stored in reversed order ({a}, {b}); read as ({b}, {a})"
        )));
        [b, a]
    } else {
        [a, b]
    }
}

/// Completes panorama view limits: default FOV bounds, defaults inside the limits,
/// the wrap flag. Clamps a default that lies outside with a warning.
pub fn finish_limits(
    pan: [f32; 2],
    tilt: [f32; 2],
    fov: [f32; 2],
    default: View,
    source: &'static str,
    node: NodeId,
    warnings: &mut Vec<Warning>,
) -> ViewLimits {
    // Callers pass finite values; anything else is repaired here too, so the
    // limits are always finite and ordered.
    let pan = if pan.iter().all(|v| v.is_finite()) {
        [pan[0].min(pan[1]), pan[0].max(pan[1])]
    } else {
        [0.0, 360.0]
    };
    let tilt = [finite(tilt[0], -90.0), finite(tilt[1], 90.0)];
    let tilt = [tilt[0].min(tilt[1]), tilt[0].max(tilt[1])];
    let mut fov = fov.map(|v| finite(v, 0.0));
    let default = View {
        pan: finite(default.pan, pan[0]),
        tilt: finite(default.tilt, 0.0),
        fov: finite(default.fov, 0.0),
    };
    if fov[1] <= 0.0 {
        fov[1] = (tilt[1] - tilt[0]).clamp(1.0, 179.0);
    }
    if fov[0] <= 0.0 {
        fov[0] = fov[1] * 0.05;
    }
    if fov[0] > fov[1] {
        warnings.push(Warning::general(format!(
            "node {node}: field of view limits reversed ({}, {}); swapped",
            fov[0], fov[1]
        )));
        fov.swap(0, 1);
    }
    let wraps = pan[1] - pan[0] >= 359.99;
    let mut d = default;
    if !wraps && (d.pan < pan[0] || d.pan > pan[1]) {
        let c = clamp_angle(d.pan, pan[0], pan[1]);
        warnings.push(Warning::general(format!(
            "node {node}: default pan {} outside the pan range; using {c}",
            d.pan
        )));
        d.pan = c;
    }
    if d.tilt < tilt[0] - 0.01 || d.tilt > tilt[1] + 0.01 {
        let c = clamp_angle(d.tilt, tilt[0], tilt[1]);
        warnings.push(Warning::general(format!(
            "node {node}: default tilt {} outside the tilt range; using {c}",
            d.tilt
        )));
        d.tilt = c;
    }
    if d.fov <= 0.0 {
        d.fov = fov[1];
    } else if d.fov < fov[0] - 0.01 || d.fov > fov[1] + 0.01 {
        let c = clamp_angle(d.fov, fov[0], fov[1]);
        warnings.push(Warning::general(format!(
            "node {node}: default field of view {} outside its range; using {c}",
            d.fov
        )));
        d.fov = c;
    }
    ViewLimits {
        pan,
        tilt,
        fov,
        default: d,
        wraps,
        source,
    }
}

/// Object grid parameters as stored.
pub struct ObjectParams {
    pub node: NodeId,
    pub rows: u32,
    pub columns: u32,
    pub view_states: u32,
    pub frames_per_view: u32,
    pub pan: [f32; 2],
    pub tilt: [f32; 2],
    pub fov: [f32; 2],
    pub default: View,
    pub source: &'static str,
}

/// Checks an object grid against the samples and builds its limits.
pub fn check_object(
    warnings: &mut Vec<Warning>,
    p: &ObjectParams,
    image: &TrackUse,
) -> (u32, u32, u32, ViewLimits) {
    let node = p.node;
    let (mut rows, mut columns, mut states) =
        (p.rows.max(1), p.columns.max(1), p.view_states.max(1));
    if p.rows == 0 || p.columns == 0 || p.view_states == 0 {
        warnings.push(Warning::general(format!(
            "node {node}: object grid {}x{} with {} view states has a zero; read as at least 1",
            p.rows, p.columns, p.view_states
        )));
    }
    // u128: four u32 factors cannot overflow it.
    let n = image.sample_count as u128;
    let fpv = u128::from(p.frames_per_view.max(1));
    let expected = u128::from(rows) * u128::from(columns) * u128::from(states) * fpv;
    if expected != n {
        warnings.push(Warning::general(format!(
            "node {node}: object grid {rows} rows x {columns} columns x {states} states x {} frames needs {expected} images, the image track holds {n}",
            p.frames_per_view
        )));
        if expected > n {
            // Keep the columns; drop the states and rows the track cannot hold.
            let per_state = u128::from(rows) * u128::from(columns) * fpv;
            if per_state <= n {
                states = (n / per_state) as u32;
            } else {
                states = 1;
                let per_row = u128::from(columns) * fpv;
                if per_row <= n {
                    rows = (n / per_row).max(1) as u32;
                } else {
                    rows = 1;
                    columns = (n / fpv).max(1) as u32;
                }
            }
        }
    }
    let pan = [finite(p.pan[0], 0.0), finite(p.pan[1], 360.0)];
    let pan = if pan[0] <= pan[1] {
        pan
    } else {
        [pan[1], pan[0]]
    };
    let tilt = [finite(p.tilt[0], 0.0), finite(p.tilt[1], 0.0)];
    let tilt = [tilt[0].min(tilt[1]), tilt[0].max(tilt[1])];
    let fov = [finite(p.fov[0], 0.0).max(0.0), finite(p.fov[1], 0.0)];
    let mut d = p.default;
    d.pan = finite(d.pan, pan[0]);
    d.tilt = finite(d.tilt, 0.0);
    d.fov = finite(d.fov, fov[1]);
    if d.fov <= 0.0 {
        d.fov = fov[1];
    }
    let limits = ViewLimits {
        wraps: pan[1] - pan[0] >= 359.99,
        pan,
        tilt,
        fov: [fov[0].min(fov[1]), fov[1].max(fov[0])],
        default: View {
            pan: if pan[1] - pan[0] >= 359.99 {
                d.pan
            } else {
                clamp_angle(d.pan, pan[0], pan[1])
            },
            tilt: clamp_angle(d.tilt, tilt[0], tilt[1]),
            fov: d.fov,
        },
        source: p.source,
    };
    (rows, columns, states, limits)
}
