use super::*;

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
