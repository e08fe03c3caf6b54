use super::*;
// SplitMix64, the workspace's one test generator (crates/qtvr-testkit).
use qtvr_testkit::Rng;

fn limits(pan: [f32; 2], tilt: [f32; 2], fov: [f32; 2]) -> ViewLimits {
    ViewLimits {
        pan,
        tilt,
        fov,
        default: View {
            pan: pan[0],
            tilt: 0.0,
            fov: fov[0],
        },
        wraps: pan[1] - pan[0] >= 359.99,
        source: "test",
    }
}

#[test]
fn rays_match_pan_tilt_conventions() {
    // Pan 90 looks left (+X), tilt 90 looks up (−Y).
    let r = Rays::new(
        Shot::Perspective(View {
            pan: 90.0,
            tilt: 0.0,
            fov: 60.0,
        }),
        100,
        100,
    );
    let c = r.ray(50.0, 50.0).unwrap();
    assert!((c[0] - 1.0).abs() < 1e-9 && c[1].abs() < 1e-9 && c[2].abs() < 1e-9);
    let r = Rays::new(
        Shot::Perspective(View {
            pan: 0.0,
            tilt: 90.0,
            fov: 60.0,
        }),
        100,
        100,
    );
    let c = r.ray(50.0, 50.0).unwrap();
    assert!((c[1] + 1.0).abs() < 1e-9);
    // The left edge of a 90° square view is 45° to the left.
    let r = Rays::new(
        Shot::Perspective(View {
            pan: 0.0,
            tilt: 0.0,
            fov: 90.0,
        }),
        100,
        100,
    );
    let l = r.ray(0.0, 50.0).unwrap();
    assert!((l[0].atan2(l[2]).to_degrees() - 45.0).abs() < 1e-9);
    // Equirect: the centre is pan 0, the left edge pan 180, the top straight up.
    let e = Rays::new(Shot::Equirect, 360, 180);
    let c = e.ray(180.0, 90.0).unwrap();
    assert!((c[2] - 1.0).abs() < 1e-9);
    let t = e.ray(180.0, 0.0).unwrap();
    assert!((t[1] + 1.0).abs() < 1e-9);
}

#[test]
fn clamping_keeps_the_view_edges_inside() {
    let l = limits([0.0, 360.0], [-20.0, 20.0], [10.0, 60.0]);
    let (v, notes) = clamp_panorama(
        View {
            pan: 400.0,
            tilt: 30.0,
            fov: 30.0,
        },
        &l,
        4.0 / 3.0,
    );
    assert_eq!(
        v,
        View {
            pan: 40.0,
            tilt: 5.0,
            fov: 30.0
        }
    );
    assert_eq!(
        notes.len(),
        1,
        "pan wraps silently; tilt is clamped: {notes:?}"
    );
    assert_eq!(notes[0].what, "tilt");
    // fov beyond the tilt range shrinks to it.
    let (v, notes) = clamp_panorama(
        View {
            pan: 0.0,
            tilt: 0.0,
            fov: 90.0,
        },
        &l,
        1.0,
    );
    assert_eq!(v.fov, 40.0);
    assert_eq!(notes[0].what, "fov");
    // ±90 limits bound the centre: looking straight up is allowed.
    let cube = limits([0.0, 360.0], [-90.0, 90.0], [5.0, 120.0]);
    let (v, notes) = clamp_panorama(
        View {
            pan: 0.0,
            tilt: 90.0,
            fov: 60.0,
        },
        &cube,
        1.0,
    );
    assert_eq!(v.tilt, 90.0);
    assert!(notes.is_empty());
    // Partial panorama: edges stay within the pan range.
    let part = limits([10.0, 170.0], [-25.0, 25.0], [20.0, 60.0]);
    let (v, notes) = clamp_panorama(
        View {
            pan: 0.0,
            tilt: 0.0,
            fov: 40.0,
        },
        &part,
        1.0,
    );
    assert!((f64::from(v.pan) - 30.0).abs() < 1e-4, "{v:?}");
    assert_eq!(notes[0].what, "pan");
    // Non-finite angles fall back to the defaults.
    let (v, _) = clamp_panorama(
        View {
            pan: f32::NAN,
            tilt: f32::INFINITY,
            fov: f32::NAN,
        },
        &part,
        1.0,
    );
    assert!(v.pan.is_finite() && v.tilt.is_finite() && v.fov.is_finite());
}

#[test]
fn flat_shot_maps_the_frame_centre_to_the_target_centre() {
    let r = Rays::new(
        Shot::Flat {
            zoom: 2.0,
            centre: [10.0, -5.0],
        },
        200,
        100,
    );
    // frame 100×50 fits 2× (fit = 2), zoom 2 → 4 target px per frame px
    let t = r.flat_texel(100.0, 50.0, 100, 50).unwrap();
    assert_eq!(t, [60.0, 20.0]);
    let t2 = r.flat_texel(104.0, 50.0, 100, 50).unwrap();
    assert_eq!(t2[0] - t[0], 1.0);
    assert_eq!(horizontal_fov(90.0, 1.0).round(), 90.0);
    assert!((vertical_fov(horizontal_fov(50.0, 1.5), 1.5) - 50.0).abs() < 1e-9);
}

/// Values a hostile file or caller may give.
const ODD: [f32; 12] = [
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    0.0,
    -0.0,
    1e-34,
    -1e-34,
    1e30,
    -1e30,
    f32::MAX,
    f32::MIN_POSITIVE,
    -5.0,
];

/// A field of view limit pair: usual, reversed, zero, tiny, huge or non-finite.
fn odd_fov_limits(r: &mut Rng) -> [f32; 2] {
    let a = r.range(1.0, 90.0) as f32;
    let b = a + r.range(0.0, 90.0) as f32;
    match r.next_u64() % 8 {
        0..=2 => [a, b],
        3 => [b, a],
        4 => [0.0, 0.0],
        5 => [1e-35, 1e-34],
        _ => [r.pick(&ODD), if r.chance(0.5) { r.pick(&ODD) } else { b }],
    }
}

/// An asked angle: mostly plausible, sometimes anything.
fn odd_angle(r: &mut Rng, lo: f64, hi: f64) -> f32 {
    if r.chance(0.15) {
        r.pick(&ODD)
    } else {
        r.range(lo, hi) as f32
    }
}

/// The fov limits as the clamp sanitises them (module docs).
fn sane_fov(fov: [f32; 2]) -> [f64; 2] {
    let [a, b] = fov.map(f64::from);
    let (a, b) = if a > b { (b, a) } else { (a, b) };
    let hi = if b.is_finite() && b >= MIN_FOV {
        b.min(MAX_FOV)
    } else {
        MAX_FOV
    };
    let lo = if a.is_finite() && a >= MIN_FOV {
        a.min(hi)
    } else {
        MIN_FOV
    };
    [lo, hi]
}

fn same_bits(a: View, b: View) -> bool {
    a.pan.to_bits() == b.pan.to_bits()
        && a.tilt.to_bits() == b.tilt.to_bits()
        && a.fov.to_bits() == b.fov.to_bits()
}

/// Checks one clamp: finite, in range, border inside the limits, idempotent;
/// `fits` says the limits (pan and tilt ranges of at least 1°, tilt range
/// holding the horizon) allow a view inside them. Returns the view.
fn check_clamp(asked: View, l: &ViewLimits, w: u32, h: u32, fits: bool) -> View {
    let aspect = f64::from(w) / f64::from(h);
    let ctx = format!("asked {asked:?} limits {l:?} aspect {w}x{h}");
    let (v, notes) = clamp_panorama(asked, l, aspect);
    assert!(
        v.pan.is_finite() && v.tilt.is_finite() && v.fov.is_finite(),
        "{v:?} {ctx}"
    );
    assert!(v.fov > 0.0 && v.fov < 180.0, "{v:?} {ctx}");
    let [flo, fhi] = sane_fov(l.fov);
    let fov = f64::from(v.fov);
    assert!(fov <= fhi + 1e-5 && fov >= MIN_FOV - 1e-5, "{v:?} {ctx}");
    for n in &notes {
        assert!(n.used.is_finite(), "{n:?} {ctx}");
        if n.what == "fov" {
            assert!(n.used > 0.0, "{n:?} {ctx}");
        }
    }
    let (again, again_notes) = clamp_panorama(v, l, aspect);
    assert!(
        same_bits(v, again),
        "not idempotent: {v:?} then {again:?} {ctx}"
    );
    assert!(again_notes.is_empty(), "{again_notes:?} {ctx}");
    if l.wraps {
        assert!((0.0..360.0).contains(&v.pan), "{v:?} {ctx}");
    }
    if !fits {
        return v;
    }
    // The view's border, 32 points an edge, stays inside the limits.
    let rays = Rays::new(Shot::Perspective(v), w, h);
    let [pmin, pmax] = l.pan.map(f64::from);
    let [tmin, tmax] = l.tilt.map(f64::from);
    let tol = 1e-3;
    let (wf, hf) = (f64::from(w), f64::from(h));
    for i in 0..=32 {
        let s = f64::from(i) / 32.0;
        for (px, py) in [(s * wf, 0.0), (s * wf, hf), (0.0, s * hf), (wf, s * hf)] {
            let d = rays.ray(px, py).unwrap();
            let pan = d[0].atan2(d[2]).to_degrees();
            let elev = (-d[1]).atan2(d[0].hypot(d[2])).to_degrees();
            if !l.wraps {
                let off = (pan - pmin).rem_euclid(360.0);
                assert!(
                    off <= pmax - pmin + tol || off >= 360.0 - tol,
                    "border pan {pan} at ({px}, {py}) outside {pmin}..{pmax}: {v:?} {ctx}"
                );
            }
            if tmax.abs() < 89.99 {
                assert!(
                    elev <= tmax + tol,
                    "border tilt {elev} above {tmax}: {v:?} {ctx}"
                );
            }
            if tmin.abs() < 89.99 {
                assert!(
                    elev >= tmin - tol,
                    "border tilt {elev} below {tmin}: {v:?} {ctx}"
                );
            }
        }
    }
    // A field of view that fits at the horizon is never narrowed.
    let f = f64::from(asked.fov);
    let half = f / 2.0;
    let horizon_fits = (if tmin.abs() < 89.99 {
        tmin + half <= -tol
    } else {
        tmin <= 0.0
    }) && (if tmax.abs() < 89.99 {
        tmax - half >= tol
    } else {
        tmax >= 0.0
    });
    let pan_fits = l.wraps || horizontal_fov(f, aspect) <= pmax - pmin - tol;
    if asked.fov.is_finite() && f >= flo && f <= fhi && horizon_fits && pan_fits {
        assert_eq!(v.fov.to_bits(), asked.fov.to_bits(), "{v:?} {ctx}");
    }
    v
}

#[test]
fn panorama_clamp_properties_hold_for_random_limits_and_views() {
    let mut r = Rng::new(0x5eed_1234);
    for case in 0..30_000 {
        // Pan: a full turn or 1°..360°, anywhere (negative, past 360).
        let range = if r.chance(0.25) {
            360.0
        } else {
            let choices = [
                r.range(1.0, 360.0),
                r.range(1.0, 30.0),
                r.range(170.0, 190.0),
                180.0,
                220.0,
                359.0,
            ];
            r.pick(&choices)
        };
        let start = r.range(-720.0, 720.0) as f32;
        let pan = [start, start + range as f32];
        // Tilt: holding the horizon, 1° tall up to ±90.
        let tilt = match r.next_u64() % 5 {
            0 => [-90.0, 90.0],
            1 => [-90.0, r.range(1.0, 90.0) as f32],
            _ => {
                let height = r.range(1.0, 180.0);
                let below = height * r.unit();
                let t = [-below, height - below].map(|t| t.clamp(-90.0, 90.0) as f32);
                if r.chance(0.1) { [t[1], t[0]] } else { t }
            }
        };
        let fov = odd_fov_limits(&mut r);
        let default = View {
            pan: odd_angle(&mut r, -400.0, 400.0),
            tilt: odd_angle(&mut r, -90.0, 90.0),
            fov: odd_angle(&mut r, 1.0, 120.0),
        };
        let l = ViewLimits {
            pan,
            tilt: [tilt[0].min(tilt[1]), tilt[0].max(tilt[1])],
            fov,
            default,
            wraps: pan[1] - pan[0] >= 359.99,
            source: "test",
        };
        // Aspect 1:4 to 4:1.
        let h = 600;
        let w = (f64::from(h) * 4f64.powf(r.range(-1.0, 1.0))).round() as u32;
        let asked = View {
            pan: odd_angle(&mut r, -1000.0, 1000.0),
            tilt: odd_angle(&mut r, -120.0, 120.0),
            fov: odd_angle(&mut r, 0.0, 200.0),
        };
        let v = check_clamp(asked, &l, w, h, true);
        // Limits stored reversed (as a hostile file may) clamp safely too.
        let mut rev = l.clone();
        rev.tilt = tilt;
        rev.pan = if case % 7 == 0 { [pan[1], pan[0]] } else { pan };
        check_clamp(v, &rev, w, h, false);
    }
}

#[test]
fn panorama_clamp_survives_hostile_limits_and_aspects() {
    let mut r = Rng::new(42);
    for _ in 0..20_000 {
        let l = ViewLimits {
            pan: [r.pick(&ODD), odd_angle(&mut r, -400.0, 400.0)],
            tilt: [odd_angle(&mut r, -100.0, 100.0), r.pick(&ODD)],
            fov: odd_fov_limits(&mut r),
            default: View {
                pan: r.pick(&ODD),
                tilt: r.pick(&ODD),
                fov: r.pick(&ODD),
            },
            wraps: r.chance(0.5),
            source: "test",
        };
        let asked = View {
            pan: odd_angle(&mut r, -400.0, 400.0),
            tilt: odd_angle(&mut r, -100.0, 100.0),
            fov: odd_angle(&mut r, -10.0, 200.0),
        };
        let aspect = f64::from(r.pick(&ODD));
        let (v, _) = clamp_panorama(asked, &l, aspect);
        assert!(
            v.pan.is_finite() && v.tilt.is_finite() && v.fov > 0.0 && v.fov < 180.0,
            "{v:?} from {asked:?} {l:?} {aspect}"
        );
        let (again, _) = clamp_panorama(v, &l, aspect);
        assert!(same_bits(v, again), "{v:?} then {again:?} {l:?} {aspect}");
        check_clamp(asked, &l, 800, 600, false);
    }
}

#[test]
fn wide_partial_panoramas_keep_their_field_of_view() {
    // Issue 14: pan 30..250 (220°), tilt ±35.75: fov 40 is inside the limits.
    let l = ViewLimits {
        pan: [30.0, 250.0],
        tilt: [-35.75, 35.75],
        fov: [5.0, 71.5],
        default: View {
            pan: 140.0,
            tilt: 0.0,
            fov: 40.0,
        },
        wraps: false,
        source: "pdat",
    };
    let asked = l.default;
    let (v, notes) = clamp_panorama(asked, &l, 4.0 / 3.0);
    assert_eq!(v, asked);
    assert!(notes.is_empty(), "{notes:?}");
    // The widest view the tilt range allows still fits the pan range.
    let (v, notes) = clamp_panorama(
        View {
            fov: 100.0,
            ..asked
        },
        &l,
        4.0 / 3.0,
    );
    assert_eq!(v.fov, 71.5);
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].what, "fov");
    assert_eq!(notes[0].used, 71.5);
    // Exactly 180° of pan: a view at the horizon never binds it.
    let half = limits([0.0, 180.0], [-80.0, 80.0], [5.0, 150.0]);
    let (v, _) = clamp_panorama(
        View {
            pan: 90.0,
            tilt: 0.0,
            fov: 150.0,
        },
        &half,
        4.0,
    );
    assert_eq!(v.fov, 150.0);
    for aspect in [0.25, 1.0, 4.0 / 3.0, 4.0] {
        for range in [180.0, 200.0, 300.0, 359.0] {
            let l = limits([-20.0, -20.0 + range], [-30.0, 30.0], [5.0, 60.0]);
            let w = (600.0 * aspect) as u32;
            check_clamp(l.default, &l, w, 600, true);
        }
    }
}

#[test]
fn tilted_views_keep_their_corners_inside_a_partial_pan_range() {
    // Pan range 100°, square view of 90°: at the horizon the edges are 45°
    // out; tilted, the top corners reach further, so |tilt| is held to where
    // atan(sin 45° / cos(|t| + 45°)) = 50°.
    let l = limits([0.0, 100.0], [-60.0, 60.0], [5.0, 120.0]);
    let (v, notes) = clamp_panorama(
        View {
            pan: 50.0,
            tilt: 15.0,
            fov: 90.0,
        },
        &l,
        1.0,
    );
    let c = (45f64.to_radians().sin() / 50f64.to_radians().tan())
        .acos()
        .to_degrees()
        - 45.0;
    assert!((f64::from(v.tilt) - c).abs() < 1e-4, "{v:?} vs {c}");
    assert!(c < 15.0 - 5.0);
    assert_eq!(v.fov, 90.0);
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].what, "tilt");
    // The widest view is 100° (its edges on the range's at the horizon).
    let (v, _) = clamp_panorama(
        View {
            pan: 50.0,
            tilt: 0.0,
            fov: 120.0,
        },
        &l,
        1.0,
    );
    assert!((f64::from(v.fov) - 100.0).abs() < 1e-4, "{v:?}");
    check_clamp(v, &l, 600, 600, true);
}

#[test]
fn degenerate_fov_limits_give_a_positive_field_of_view() {
    for fov in [
        [1e-35, 1e-34],
        [0.0, 0.0],
        [f32::NAN, f32::NAN],
        [60.0, 5.0],
        [f32::NEG_INFINITY, f32::INFINITY],
        [-10.0, -5.0],
        [500.0, 1000.0],
    ] {
        let mut l = limits([10.0, 200.0], [-30.0, 30.0], fov);
        l.default.fov = fov[0];
        for asked in [f32::NAN, 0.0, -1.0, 1e-34, 40.0, 1e30, f32::INFINITY] {
            let v = check_clamp(
                View {
                    pan: 100.0,
                    tilt: 0.0,
                    fov: asked,
                },
                &l,
                800,
                600,
                true,
            );
            assert!(v.fov >= 0.0099 && v.fov <= 60.0, "{fov:?} {asked}: {v:?}");
        }
    }
    // A NaN asked field of view takes the default, clamped.
    let mut l = limits([0.0, 360.0], [-20.0, 20.0], [10.0, 60.0]);
    l.default.fov = 90.0;
    let (v, _) = clamp_panorama(
        View {
            pan: 0.0,
            tilt: 0.0,
            fov: f32::NAN,
        },
        &l,
        1.0,
    );
    assert_eq!(v.fov, 40.0);
}

fn object_node(rows: u32, columns: u32, fov: [f32; 2], size: [u32; 2]) -> ObjectNode {
    use qtvr_format::container::FourCC;
    use qtvr_format::qtvr::scene::{ObjectController, TrackUse};
    let n = (rows * columns) as usize;
    ObjectNode {
        rows,
        columns,
        view_states: 1,
        frames_per_view: 1,
        controller: ObjectController::Grabber,
        movie_type: 4,
        animation_settings: 0,
        control_settings: 4 | 1,
        default_view_state: 1,
        mouse_down_view_state: 1,
        view_duration: 1,
        frame_seconds: 0.1,
        mouse_motion_scale: 180.0,
        pan: [0.0, 360.0],
        tilt: [30.0, -30.0],
        fov,
        view_center: [0.0, 0.0],
        view_rate: 1.0,
        frame_rate: 1.0,
        limits: ViewLimits {
            pan: [0.0, 360.0],
            tilt: [-30.0, 30.0],
            fov,
            default: View {
                pan: 0.0,
                tilt: 0.0,
                fov: fov[1],
            },
            wraps: true,
            source: "obji",
        },
        image_track: TrackUse {
            track_id: qtvr_format::qtvr::TrackId(1),
            codec: FourCC(*b"jpeg"),
            first_sample: 1,
            sample_count: n,
            width: size[0],
            height: size[1],
            depth: 24,
            samples: (0..n).collect(),
        },
        hotspot_track: None,
    }
}

fn same_object_view(a: &ObjectView, b: &ObjectView) -> bool {
    (a.row, a.column, a.state, a.frame) == (b.row, b.column, b.state, b.frame)
        && a.fov.to_bits() == b.fov.to_bits()
        && a.centre.map(f32::to_bits) == b.centre.map(f32::to_bits)
}

#[test]
fn object_clamp_properties_hold_for_hostile_limits() {
    let mut r = Rng::new(7);
    for _ in 0..30_000 {
        let fov = odd_fov_limits(&mut r);
        let mut o = object_node(
            (r.next_u64() % 4) as u32,
            (r.next_u64() % 13) as u32,
            fov,
            [(r.next_u64() % 300) as u32, (r.next_u64() % 300) as u32],
        );
        o.pan = [r.pick(&ODD), odd_angle(&mut r, -400.0, 400.0)];
        o.tilt = [odd_angle(&mut r, -90.0, 90.0), r.pick(&ODD)];
        o.view_center = [odd_angle(&mut r, 0.0, 300.0), r.pick(&ODD)];
        o.limits.default.fov = r.pick(&ODD);
        let d = ObjectView::default_for(&o);
        assert!(d.fov.is_finite() && d.centre.iter().all(|c| c.is_finite()));
        let v = ObjectView {
            row: r.next_u64() as u32 % 8,
            column: r.next_u64() as u32 % 20,
            state: r.next_u64() as u32 % 3,
            frame: r.next_u64() as u32 % 3,
            fov: odd_angle(&mut r, -10.0, 200.0),
            centre: [odd_angle(&mut r, -500.0, 500.0), r.pick(&ODD)],
        };
        let (c, notes) = v.clamped(&o);
        let ctx = format!("{v:?} fov limits {fov:?} -> {c:?}");
        assert!(c.fov.is_finite(), "{ctx}");
        assert!(c.centre.iter().all(|x| x.is_finite()), "{ctx}");
        assert!(
            c.row < o.rows.max(1) && c.column < o.columns.max(1),
            "{ctx}"
        );
        let z = c.zoom(&o);
        assert!(z.is_finite() && z >= 1.0, "{ctx}: zoom {z}");
        assert!(v.zoom(&o).is_finite(), "{ctx}");
        for n in &notes {
            assert!(n.used.is_finite() && n.used >= 0.0, "{n:?} {ctx}");
        }
        if let Some([lo, hi]) = object_fov_range(&o) {
            assert!(lo > 0.0 && lo <= hi && hi < 180.0, "{ctx}");
            assert!(c.fov >= lo && c.fov <= hi, "{ctx}");
        }
        let (again, again_notes) = c.clamped(&o);
        assert!(same_object_view(&c, &again), "{ctx} then {again:?}");
        assert!(again_notes.is_empty(), "{again_notes:?} {ctx}");
        let p = odd_angle(&mut r, -1000.0, 1000.0);
        assert!(column_for_pan(&o, p) < o.columns.max(1));
        assert!(row_for_tilt(&o, p) < o.rows.max(1));
    }
}

#[test]
fn degenerate_object_fov_range_does_not_zoom() {
    // obji field of view max ≈ 1e-34: below any usable field of view.
    let o = object_node(1, 12, [0.0, 1e-34], [96, 48]);
    assert_eq!(object_fov_range(&o), None);
    let v = ObjectView::default_for(&o);
    assert_eq!(v.zoom(&o), 1.0);
    let (c, _) = ObjectView { fov: 40.0, ..v }.clamped(&o);
    assert_eq!(c.zoom(&o), 1.0);
    assert!(c.fov.is_finite());
    // A usable range zooms as before.
    let o = object_node(1, 12, [16.0, 64.0], [96, 48]);
    let (c, notes) = ObjectView { fov: 8.0, ..v }.clamped(&o);
    assert_eq!(c.fov, 16.0);
    assert_eq!(notes[0].what, "fov");
    assert!((c.zoom(&o) - 4.4).abs() < 0.1, "{}", c.zoom(&o));
}
