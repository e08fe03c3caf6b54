//! `qtvr render` and `qtvr export --to panorama|equirect|cubemap` end to end,
//! on the sample movies (skipped with a message when they are absent).

mod common;
use common::succeeded as ok;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use qtvr_format::qtvr::{HotspotId, NodeId};

fn qtvr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qtvr"))
        .args(args)
        .output()
        .expect("run the qtvr binary")
}

/// `qtvr render MOVIE EXTRA... -o OUT`.
fn render(movie: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["render", movie];
    args.extend(extra);
    args.extend(["-o", out.to_str().unwrap()]);
    qtvr(&args)
}

fn out_dir(tag: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("render-cli-{tag}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn sample(dir: &Path, rel: &str) -> String {
    dir.join(rel).to_string_lossy().into_owned()
}

fn rgba(p: &Path) -> image::RgbaImage {
    image::open(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .to_rgba8()
}

#[test]
fn render_default_view_and_clamping_notes() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let d = out_dir("default");
    let movie = sample(&dir, "gen/cyl_partial180_smc.mov");
    let a = d.join("default.png");
    let o = render(&movie, &a, &["--size", "320x240"]);
    ok(&o);
    // Only our own lines count (Mesa's device-select layer may print about XDG_RUNTIME_DIR).
    let ours: Vec<String> = String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter(|l| l.starts_with("qtvr:"))
        .map(String::from)
        .collect();
    assert!(ours.is_empty(), "no notes for the default view: {ours:?}");
    let img = rgba(&a);
    assert_eq!(img.dimensions(), (320, 240));
    // The same view given explicitly is the same picture (default pan 90, tilt 0, fov 45).
    let b = d.join("explicit.png");
    ok(&render(
        &movie,
        &b,
        &[
            "--size", "320x240", "--pan", "90", "--tilt", "0", "--fov", "45",
        ],
    ));
    assert_eq!(img.as_raw(), rgba(&b).as_raw());
    // Outside the limits (pan 10..170, tilt -25..25, fov 20..60): clamped and said.
    let c = d.join("clamped.png");
    let o = render(
        &movie,
        &c,
        &[
            "--size", "320x240", "--pan", "-40", "--tilt", "80", "--fov", "150",
        ],
    );
    ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    for what in ["pan -40", "tilt 80", "fov 150"] {
        assert!(err.contains(what), "stderr should mention {what}: {err}");
    }
    assert!(err.contains("outside the node's limits"), "{err}");
    // The clamped view equals rendering the clamped angles directly: fov 50 (the
    // tilt range), tilt at 25 − 25 = 0, pan at the left limit 10 + half the
    // horizontal fov.
    let hfov = 2.0
        * ((50f64.to_radians() / 2.0).tan() * 320.0 / 240.0)
            .atan()
            .to_degrees();
    let pan = format!("{}", 10.0 + hfov / 2.0);
    let e = d.join("explicit-clamped.png");
    ok(&render(
        &movie,
        &e,
        &[
            "--size", "320x240", "--pan", &pan, "--tilt", "0", "--fov", "50",
        ],
    ));
    let (x, y) = (rgba(&c), rgba(&e));
    let diff = x
        .as_raw()
        .iter()
        .zip(y.as_raw())
        .filter(|(a, b)| a.abs_diff(**b) > 2)
        .count();
    assert!(
        diff < 50,
        "clamped render differs from the clamped angles in {diff} bytes"
    );
}

#[test]
fn render_hotspot_overlay_marks_the_hot_spots() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let d = out_dir("hotspots");
    let movie = sample(&dir, "gen/cube_rle8_hotspots_small.mov");
    let plain = d.join("plain.png");
    let over = d.join("over.png");
    for (p, extra) in [(&plain, None), (&over, Some("--hotspots"))] {
        let mut args = vec![
            "render", &movie, "--size", "200x200", "--pan", "0", "--tilt", "20", "--fov", "100",
        ];
        args.extend(extra);
        args.extend(["-o", p.to_str().unwrap()]);
        ok(&qtvr(&args));
    }
    // Where the picker finds a hot spot the overlay changed the pixel; elsewhere not.
    let (a, b) = (rgba(&plain), rgba(&over));
    let (src, loaded) = qtvr_format::qtvr::open(Path::new(&movie)).unwrap();
    let scene = loaded.scene.unwrap();
    let node = &scene.nodes[0];
    let pic =
        qtvr_format::assemble::panorama_picture(&src, &loaded.movie, node, &Default::default())
            .unwrap();
    let shot = qtvr::view::Shot::Perspective(qtvr_format::qtvr::scene::View {
        pan: 0.0,
        tilt: 20.0,
        fov: 100.0,
    });
    let (mut hot, mut agree) = (0, 0);
    for y in 0..200u32 {
        for x in 0..200u32 {
            let id = qtvr::render::pick(
                &pic,
                &shot,
                200,
                200,
                f64::from(x) + 0.5,
                f64::from(y) + 0.5,
            );
            let changed = a.get_pixel(x, y) != b.get_pixel(x, y);
            hot += usize::from(id.is_some());
            agree += usize::from(id.is_some() == changed);
        }
    }
    assert!(hot > 2000, "the view shows hot spots ({hot} pixels)");
    assert!(
        agree >= 200 * 200 * 995 / 1000,
        "overlay and picker agree on {agree} of 40000 pixels"
    );
}

#[test]
fn picking_matches_the_generators_hot_spot_map() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    // A cylinder: hot spot map = the generator's indexed PNG, upright.
    let movie = dir.join("gen/cyl_hcyl_cvid_hotspots.mov");
    // The map's raw palette indices (= hot spot IDs).
    let truth = common::png_indices(&dir.join("gen/cyl_hcyl_cvid_hotspots.1.hotspots.png"));
    let (src, loaded) = qtvr_format::qtvr::open(&movie).unwrap();
    let scene = loaded.scene.unwrap();
    let node = &scene.nodes[0];
    let qtvr_format::qtvr::scene::NodeContent::Panorama(p) = &node.content else {
        panic!()
    };
    let pic =
        qtvr_format::assemble::panorama_picture(&src, &loaded.movie, node, &Default::default())
            .unwrap();
    let (w, h) = (truth.width() as f64, truth.height() as f64);
    let [pmin, pmax] = p.image_pan.map(f64::from);
    let radius = w * 360.0 / (2.0 * std::f64::consts::PI * (pmax - pmin));
    let (mut n, mut same) = (0, 0);
    let (mut ids, mut want_ids) = (
        std::collections::BTreeSet::new(),
        std::collections::BTreeSet::new(),
    );
    for vy in (0..240).step_by(4) {
        for vx in (0..320).step_by(4) {
            for (pan, tilt) in [(0.0, 0.0), (90.0, 10.0), (180.0, -10.0), (270.0, 0.0)] {
                let v = qtvr_format::qtvr::scene::View {
                    pan,
                    tilt,
                    fov: 60.0,
                };
                let shot = qtvr::view::Shot::Perspective(v);
                let got =
                    qtvr::render::pick(&pic, &shot, 320, 240, vx as f64 + 0.5, vy as f64 + 0.5)
                        .unwrap_or(HotspotId(0));
                // Reference: the ray through the pixel, onto the truth map (nearest).
                let rays = qtvr::view::Rays::new(shot, 320, 240);
                let r = rays.ray(vx as f64 + 0.5, vy as f64 + 0.5).unwrap();
                let theta = r[0].atan2(r[2]).to_degrees();
                let u = (pmax - theta).rem_euclid(360.0) / (pmax - pmin) * w;
                let v = h / 2.0 + r[1] * radius / (r[0] * r[0] + r[2] * r[2]).sqrt();
                if !(0.0..h).contains(&v) {
                    continue;
                }
                let want = HotspotId(u32::from(
                    truth.get_pixel(u as u32 % truth.width(), v as u32).0[0],
                ));
                n += 1;
                same += usize::from(got == want);
                if got != HotspotId(0) {
                    ids.insert(got);
                }
                if want != HotspotId(0) {
                    want_ids.insert(want);
                }
            }
        }
    }
    assert!(ids.len() >= 2, "the views show hot spots: {ids:?}");
    assert_eq!(ids, want_ids);
    assert!(same * 1000 >= n * 995, "{same} of {n} picks match the map");
}

#[test]
fn render_object_view_at_its_own_size_is_the_frame() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let d = out_dir("object");
    let movie = sample(&dir, "gen/object_3x12_rle16.mov");
    for (row, col) in [(0, 0), (1, 5), (2, 11)] {
        let out = d.join(format!("r{row}c{col}.png"));
        // fov 64 is the widest: the 160×120 frame fills a 160×120 picture 1:1.
        ok(&render(
            &movie,
            &out,
            &[
                "--row",
                &row.to_string(),
                "--column",
                &col.to_string(),
                "--size",
                "160x120",
            ],
        ));
        let got = rgba(&out);
        let want = rgba(&dir.join(format!("gen/object_3x12_rle16.1.r{row}c{col}s0f0.png")));
        assert_eq!(got.dimensions(), want.dimensions());
        let worst = got
            .as_raw()
            .iter()
            .zip(want.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        // The truth is the generator's 24-bit source; the track is RGB555.
        assert!(worst <= 8, "r{row}c{col}: worst channel difference {worst}");
    }
    let o = qtvr(&[
        "render",
        &movie,
        "--row",
        "7",
        "-o",
        d.join("x.png").to_str().unwrap(),
    ]);
    ok(&o);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("row 7"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn export_panorama_equirect_and_cubemap() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let d = out_dir("export");
    // Lossless cylinder: the exported panorama is the generator's picture, exactly.
    let movie = sample(&dir, "gen/cyl_legacy_vert_png.mov");
    let pano = d.join("pano.png");
    ok(&qtvr(&[
        "export",
        &movie,
        "--to",
        "panorama",
        "-o",
        pano.to_str().unwrap(),
    ]));
    let truth = image::open(dir.join("gen/cyl_legacy_vert_png.1.png"))
        .unwrap()
        .to_rgb8();
    assert_eq!(
        image::open(&pano).unwrap().to_rgb8().as_raw(),
        truth.as_raw()
    );
    // JPEG by extension.
    let jpg = d.join("pano.jpg");
    ok(&qtvr(&[
        "export",
        &movie,
        "--to",
        "panorama",
        "-o",
        jpg.to_str().unwrap(),
    ]));
    assert_eq!(&std::fs::read(&jpg).unwrap()[..2], &[0xFF, 0xD8]);
    // Equirect: 2:1, natural width (360° of the cylinder) or as asked.
    let eq = d.join("eq.png");
    ok(&qtvr(&[
        "export",
        &movie,
        "--to",
        "equirect",
        "-o",
        eq.to_str().unwrap(),
    ]));
    assert_eq!(rgba(&eq).dimensions(), (1024, 512));
    ok(&qtvr(&[
        "export",
        &movie,
        "--to",
        "equirect",
        "--width",
        "600",
        "-o",
        eq.to_str().unwrap(),
    ]));
    let e = rgba(&eq);
    assert_eq!(e.dimensions(), (600, 300));
    // Its horizon row shows the cylinder's middle row: pan 0 at the centre column.
    let t = image::open(dir.join("gen/cyl_legacy_vert_png.1.png"))
        .unwrap()
        .to_rgba8();
    let mid = e.get_pixel(300, 150);
    let want = t.get_pixel(0, 128); // pan 0 = the left/right edge of a 0..360 cylinder
    let close = mid.0.iter().zip(want.0).all(|(a, b)| a.abs_diff(b) < 40);
    assert!(close, "equirect centre {mid:?} vs panorama pan 0 {want:?}");
    // A cube: six faces named after the standard order; the front face is the
    // generator's front face (lossless, 128² → 128²).
    let cube = sample(&dir, "gen/cube_raw24_small.mov");
    let faces = d.join("cube.png");
    let o = qtvr(&[
        "export",
        &cube,
        "--to",
        "cubemap",
        "-o",
        faces.to_str().unwrap(),
    ]);
    ok(&o);
    let strip = image::open(dir.join("gen/cube_raw24_small.1.png"))
        .unwrap()
        .to_rgba8();
    for (i, name) in ["front", "right", "back", "left", "top", "bottom"]
        .iter()
        .enumerate()
    {
        let f = rgba(&d.join(format!("cube_{name}.png")));
        assert_eq!(f.dimensions(), (128, 128), "{name}");
        // Exported faces span ±45° edge to edge (the modern convention); QTVR
        // faces put ±45° at their edge pixels' centres: a 1/127 scale apart,
        // so compare the mean difference.
        let mut sum = 0u64;
        for y in 0..128 {
            for x in 0..128 {
                let a = f.get_pixel(x, y).0;
                let b = strip.get_pixel(i as u32 * 128 + x, y).0;
                sum += (0..3).map(|c| u64::from(a[c].abs_diff(b[c]))).sum::<u64>();
            }
        }
        let mae = sum as f64 / (128.0 * 128.0 * 3.0);
        assert!(mae <= 6.0, "{name}: mean difference {mae:.2}");
    }
    // A cube has no single panorama picture.
    let o = qtvr(&[
        "export",
        &cube,
        "--to",
        "panorama",
        "-o",
        d.join("x.png").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--to equirect or --to cubemap"));
    // Unknown extension.
    let o = qtvr(&[
        "export",
        &cube,
        "--to",
        "equirect",
        "-o",
        d.join("x.bmp").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn render_picks_the_node_asked_for() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let d = out_dir("node");
    let movie = sample(&dir, "gen/multinode_cyl_cube_two_image_tracks.mov");
    let (one, two) = (d.join("n1.png"), d.join("n2.png"));
    // Both nodes show the same place; tilt 60 is beyond the cylinder (node 1)
    // and inside the cube (node 2): only node 1 clamps it.
    let view = [
        "--size", "96x64", "--pan", "30", "--tilt", "60", "--fov", "40",
    ];
    let o1 = render(&movie, &one, &[&["--node", "1"][..], &view].concat());
    let o2 = render(&movie, &two, &[&["--node", "2"][..], &view].concat());
    ok(&o1);
    ok(&o2);
    assert!(String::from_utf8_lossy(&o1.stderr).contains("tilt 60 is outside"));
    assert!(!String::from_utf8_lossy(&o2.stderr).contains("qtvr: tilt"));
    // Node 2's picture is the library's render of node 2 at that view.
    let b = rgba(&two);
    let (src, loaded) = qtvr_format::qtvr::open(Path::new(&movie)).unwrap();
    let scene = loaded.scene.unwrap();
    let node = scene.node(qtvr_format::qtvr::NodeId(2)).unwrap();
    let pic =
        qtvr_format::assemble::panorama_picture(&src, &loaded.movie, node, &Default::default())
            .unwrap();
    let gpu = qtvr::render::Gpu::headless().unwrap();
    let mut r = qtvr::render::Renderer::new(&gpu);
    r.set_picture(&gpu, pic, &[], Default::default()).unwrap();
    let shot = qtvr::view::Shot::Perspective(qtvr_format::qtvr::scene::View {
        pan: 30.0,
        tilt: 60.0,
        fov: 40.0,
    });
    let lib = r.render_image(&gpu, &shot, 96, 64, false).unwrap();
    let differing = b
        .as_raw()
        .iter()
        .zip(lib.rgba().iter())
        .filter(|(x, y)| x.abs_diff(**y) > 1)
        .count();
    if differing > 0 {
        let _ = image::save_buffer(
            d.join("lib.png"),
            &lib.rgba(),
            96,
            64,
            image::ExtendedColorType::Rgba8,
        );
    }
    assert_eq!(
        differing, 0,
        "the command's picture differs from the library's in {differing} bytes"
    );
    // A node that does not exist: exit 1, the nodes listed.
    let o = render(&movie, &d.join("x.png"), &["--node", "9"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("there is no node 9 (nodes: 1, 2)"));
}

/// Mean absolute channel difference (0–255) of two same-size images.
fn mean_diff(a: &image::RgbaImage, b: &image::RgbaImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

/// Frame `n` (0-based) of a movie's first video stream, as ffmpeg decodes it.
fn ffmpeg_frame(movie: &str, n: u32, out: &Path) -> Option<image::RgbaImage> {
    let st = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i", movie, "-map", "0:v:0", "-vf"])
        .arg(format!("select=eq(n\\,{n})"))
        .args(["-fps_mode", "passthrough", "-frames:v", "1"])
        .arg(out)
        .status()
        .ok()?;
    st.success().then(|| rgba(out))
}

#[test]
fn render_object_views_by_row_column_state_frame_and_nearest_angles() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let d = out_dir("object-views");
    // libquicktime's 12 × 3 object (minTilt 72 > maxTilt −72): each view says
    // "r<row> c<col>"; ffmpeg's decode of the same sample is the reference.
    let lq = sample(&dir, "tools-made/libquicktime_object_12x3_jpeg.mov");
    let views: [(&[&str], u32, u32); 5] = [
        (&["--row", "0", "--column", "0"], 0, 0),
        (&["--row", "1", "--column", "7"], 1, 7),
        (&["--row", "2", "--column", "11"], 2, 11),
        // Nearest view: pan 95 → column 3 (30° a column); tilt −60 → row 2
        // (rows at 72, 0, −72).
        (&["--pan", "95", "--tilt", "-60"], 2, 3),
        // Pan past the end comes round (a full turn); tilt 30 → row 1.
        (&["--pan", "-31", "--tilt", "30"], 1, 11),
    ];
    // Without ffmpeg (a skip, a failure under CI=true), the view selection only.
    let have_ffmpeg = qtvr_testkit::require_tool("ffmpeg", "ffmpeg");
    for (args, row, col) in views {
        let out = d.join(format!("lq-r{row}c{col}.png"));
        let mut a = args.to_vec();
        a.extend(["--size", "320x240"]);
        let o = render(&lq, &out, &a);
        ok(&o);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!("view: row {row}, column {col}, state 0, frame 0")),
            "{args:?}: {err}"
        );
        if !have_ffmpeg {
            continue;
        }
        let want = ffmpeg_frame(&lq, row * 12 + col, &d.join(format!("ff-{row}-{col}.png")))
            .unwrap_or_else(|| panic!("ffmpeg did not decode frame {} of {lq}", row * 12 + col));
        let diff = mean_diff(&rgba(&out), &want);
        assert!(
            diff <= 1.0,
            "{args:?}: mean difference {diff} from ffmpeg's frame"
        );
    }

    // Generated movies with ground truth views.
    // Each case: movie, arguments, the true view, a neighbouring view (which
    // must differ more), and the largest mean difference from the truth.
    let cases: [(&str, &[&str], &str, &str, f64); 3] = [
        // QTVR 1 object, a loop frame (Cinepak: within its loss of the source).
        (
            "gen/qtvr1_object_cvid.mov",
            &["--row", "2", "--column", "5", "--frame", "1"],
            "gen/qtvr1_object_cvid.1.r2c5s0f1.png",
            "gen/qtvr1_object_cvid.1.r2c5s0f0.png",
            2.0,
        ),
        // The object node of a multinode tour (JPEG).
        (
            "gen/multinode_2pano_1obj_links.mov",
            &["--node", "3", "--row", "1", "--column", "4"],
            "gen/multinode_2pano_1obj_links.3.r1c4s0f0.png",
            "gen/multinode_2pano_1obj_links.3.r1c3s0f0.png",
            3.0,
        ),
        // RGB555 Animation: exact but for the 5-bit channels.
        (
            "gen/object_3x12_rle16.mov",
            &["--pan", "181", "--tilt", "-29"],
            "gen/object_3x12_rle16.1.r2c6s0f0.png",
            "gen/object_3x12_rle16.1.r2c5s0f0.png",
            2.0,
        ),
    ];
    for (movie, args, truth, other, limit) in cases {
        let out = d.join(truth.replace('/', "_"));
        let mut a = args.to_vec();
        a.extend(["--size", "160x120"]);
        ok(&render(&sample(&dir, movie), &out, &a));
        let diff = mean_diff(&rgba(&out), &rgba(&dir.join(truth)));
        let wrong = mean_diff(&rgba(&out), &rgba(&dir.join(other)));
        eprintln!(
            "{movie} {args:?}: mean difference {diff:.2} from {truth}, {wrong:.2} from {other}"
        );
        assert!(
            diff <= limit && diff * 2.0 < wrong,
            "{movie} {args:?}: mean difference {diff} from {truth}, {wrong} from {other}"
        );
    }

    // Sorenson Video 1: the view asked for selects its sample,
    // ((state·rows + row)·columns + column)·frames + frame = 119, the 120th,
    // and shows its label ("r1 c5 s1 f3") as ffmpeg decodes it.
    let svq = sample(&dir, "gen/object_viewstates_anim_svq1.mov");
    let out = d.join("svq.png");
    let o = render(
        &svq,
        &out,
        &[
            "--state", "1", "--row", "1", "--column", "5", "--frame", "3", "--size", "160x120",
        ],
    );
    ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("view: row 1, column 5, state 1, frame 3 (sample 120 of track 3)"),
        "{err}"
    );
    assert!(!err.contains("checkerboard"), "{err}");
    if qtvr_testkit::require_tool("ffmpeg", "ffmpeg") {
        let want = ffmpeg_frame(&svq, 119, &d.join("svq-ff-119.png")).expect("ffmpeg decodes it");
        let other = ffmpeg_frame(&svq, 118, &d.join("svq-ff-118.png")).expect("ffmpeg decodes it");
        let got = rgba(&out);
        let (diff, wrong) = (mean_diff(&got, &want), mean_diff(&got, &other));
        assert!(
            diff <= 2.0 && diff * 2.0 < wrong,
            "SVQ1 view: mean difference {diff} from ffmpeg's frame 120, {wrong} from frame 119"
        );
    }
}

#[test]
fn hotspot_overlay_outlines_each_hot_spot() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let d = out_dir("outline");
    let movie = sample(&dir, "gen/multinode_2pano_1obj_links.mov");
    let (plain, over) = (d.join("plain.png"), d.join("over.png"));
    let view = ["--node", "1", "--pan", "128", "--tilt", "-9", "--fov", "60"];
    for (p, extra) in [(&plain, None), (&over, Some("--hotspots"))] {
        let mut args = vec!["render", &movie, "--size", "320x240"];
        args.extend(view);
        args.extend(extra);
        args.extend(["-o", p.to_str().unwrap()]);
        ok(&qtvr(&args));
    }
    let (a, b) = (rgba(&plain), rgba(&over));
    let (src, loaded) = qtvr_format::qtvr::open(Path::new(&movie)).unwrap();
    let scene = loaded.scene.unwrap();
    let node = scene.node(qtvr_format::qtvr::NodeId(1)).unwrap();
    let pic =
        qtvr_format::assemble::panorama_picture(&src, &loaded.movie, node, &Default::default())
            .unwrap();
    let shot = qtvr::view::Shot::Perspective(qtvr_format::qtvr::scene::View {
        pan: 128.0,
        tilt: -9.0,
        fov: 60.0,
    });
    let id = |x: i64, y: i64| {
        qtvr::render::pick(&pic, &shot, 320, 240, x as f64 + 0.5, y as f64 + 0.5)
            .unwrap_or(HotspotId(0))
    };
    let change = |x: u32, y: u32| -> f64 {
        let (p, q) = (a.get_pixel(x, y), b.get_pixel(x, y));
        (0..3).map(|c| f64::from(p[c].abs_diff(q[c]))).sum::<f64>() / 3.0
    };
    // Edge: a hot spot pixel with another ID one pixel away; inside: the same
    // ID four pixels away in every direction.
    let (mut edge, mut inside) = (Vec::new(), Vec::new());
    for y in 4..236i64 {
        for x in 4..316i64 {
            let here = id(x, y);
            if here == HotspotId(0) {
                continue;
            }
            let near = [(1, 0), (-1, 0), (0, 1), (0, -1)];
            let far = [(4, 0), (-4, 0), (0, 4), (0, -4)];
            let c = change(x as u32, y as u32);
            if near.iter().any(|(dx, dy)| id(x + dx, y + dy) != here) {
                edge.push(c);
            } else if far.iter().all(|(dx, dy)| id(x + dx, y + dy) == here) {
                inside.push(c);
            }
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    assert!(
        edge.len() > 100 && inside.len() > 1000,
        "{} edge, {} inside",
        edge.len(),
        inside.len()
    );
    let (e, i) = (mean(&edge), mean(&inside));
    assert!(i > 3.0, "the inside is tinted (mean change {i:.1})");
    assert!(
        e > 2.0 * i,
        "the edge is outlined: mean change {e:.1} at the edge, {i:.1} inside"
    );
}

/// The upright test picture of the wide partial cylinder: red grows to the
/// right (pan falls), green downwards.
fn wide_partial_upright(x: u32, y: u32) -> [u8; 3] {
    [(x * 255 / 799) as u8, (y * 255 / 299) as u8, 96]
}

/// Issue 14's movie: a horizontal partial cylinder over pan 30..250 (220°),
/// 800×300, tilt ±35.75 (its `pdat` limits the same), fields of view 5..71.5,
/// default view pan 140, tilt 0, fov 40. Written as a one-tile vertical
/// cylinder by the tour writer, then its `pdat` made `hcyl` over 30..250
/// (the writer's one tile, rotated back, is then the upright picture).
fn wide_partial_cylinder() -> Vec<u8> {
    use qtvr_format::qtvr::scene::View;
    use qtvr_format::qtvr::write::{CylinderSpec, PanoLimits, Tour, TourContent, TourNode};
    // The writer's one tile is its input turned a quarter counter-clockwise,
    // tile (x, y) = input (w − 1 − y, x): so input (X, Y) = upright (Y, 299 − X).
    let input = image::RgbImage::from_fn(300, 800, |x, y| {
        image::Rgb(wide_partial_upright(y, 299 - x))
    });
    let mut bytes = Tour {
        name: Some("wide partial cylinder".into()),
        default_node: NodeId(1),
        jpeg_quality: 95,
        nodes: vec![TourNode {
            id: NodeId(1),
            name: None,
            content: TourContent::Cylinder(CylinderSpec {
                image: input,
                tiles: 1,
                hotspots: None,
                limits: PanoLimits {
                    pan: [0.0, 360.0],
                    tilt: [-35.75, 35.75],
                    fov: [5.0, 71.5],
                    default: View {
                        pan: 140.0,
                        tilt: 0.0,
                        fov: 40.0,
                    },
                },
            }),
            hotspots: Vec::new(),
        }],
    }
    .write()
    .expect("a valid tour");
    // pdat: QT atom header (20 bytes, type at +4), then version 2, 0, image
    // and hot spot indexes; pan limits at body +12, panorama type at +76.
    let at: Vec<usize> = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"pdat")
        .map(|(i, _)| i + 16)
        .collect();
    assert_eq!(at.len(), 1, "one pdat");
    let body = at[0];
    assert_eq!(&bytes[body + 76..body + 80], b"vcyl");
    bytes[body + 12..body + 16].copy_from_slice(&30f32.to_be_bytes());
    bytes[body + 16..body + 20].copy_from_slice(&250f32.to_be_bytes());
    bytes[body + 76..body + 80].copy_from_slice(b"hcyl");
    bytes
}

/// The colour the wide partial cylinder shows at a target pixel of a view,
/// sampled from the upright picture by the view's own rays.
fn wide_partial_expected(
    v: qtvr_format::qtvr::scene::View,
    w: u32,
    h: u32,
    px: u32,
    py: u32,
) -> [f64; 3] {
    let rays = qtvr::view::Rays::new(qtvr::view::Shot::Perspective(v), w, h);
    let d = rays.ray(f64::from(px) + 0.5, f64::from(py) + 0.5).unwrap();
    let pan = d[0].atan2(d[2]).to_degrees();
    let radius = 800.0 * 360.0 / (2.0 * std::f64::consts::PI * 220.0);
    let x = (250.0 - pan) / 220.0 * 800.0;
    let y = 150.0 + d[1] * radius / d[0].hypot(d[2]);
    let c = wide_partial_upright(x.clamp(0.0, 799.0) as u32, y.clamp(0.0, 299.0) as u32);
    c.map(f64::from)
}

#[test]
fn wide_partial_cylinder_renders_upright_at_its_own_field_of_view() {
    let d = out_dir("wide-partial");
    let movie = d.join("wide.mov");
    std::fs::write(&movie, wide_partial_cylinder()).unwrap();
    let movie = movie.to_string_lossy().into_owned();
    let view = qtvr_format::qtvr::scene::View {
        pan: 140.0,
        tilt: 0.0,
        fov: 40.0,
    };
    for (name, extra) in [
        ("asked", &["--pan", "140", "--tilt", "0", "--fov", "40"][..]),
        ("default", &[][..]),
    ] {
        let out = d.join(format!("{name}.png"));
        let mut args = vec!["--size", "320x240"];
        args.extend(extra);
        let o = render(&movie, &out, &args);
        ok(&o);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !err.contains("outside the node's limits"),
            "{name}: no clamping at pan 140, tilt 0, fov 40: {err}"
        );
        let img = rgba(&out);
        assert_eq!(img.dimensions(), (320, 240));
        // Red grows to the right and green downwards (not mirrored, not
        // upside down), and every sampled pixel is the colour the view's rays
        // see in the picture.
        let at = |x: u32, y: u32| img.get_pixel(x, y).0.map(f64::from);
        assert!(
            at(300, 120)[0] > at(20, 120)[0] + 40.0,
            "{name}: left to right"
        );
        assert!(
            at(160, 220)[1] > at(160, 20)[1] + 40.0,
            "{name}: top to bottom"
        );
        let mut worst = 0f64;
        for py in (8..240).step_by(29) {
            for px in (8..320).step_by(39) {
                let want = wide_partial_expected(view, 320, 240, px, py);
                let got = at(px, py);
                for c in 0..3 {
                    worst = worst.max((want[c] - got[c]).abs());
                }
            }
        }
        assert!(
            worst <= 10.0,
            "{name}: off by up to {worst} from the reference"
        );
    }
}

#[test]
fn object_with_a_degenerate_field_of_view_range_renders() {
    use qtvr_format::qtvr::scene::View;
    use qtvr_format::qtvr::write::{ObjectBehaviour, ObjectSpec, Tour, TourContent, TourNode};
    // obji field of view max ≈ 1e-34: below any usable field of view.
    let frames = (0..4)
        .map(|i| image::RgbImage::from_pixel(64, 48, image::Rgb([40 + 50 * i as u8, 120, 200])))
        .collect();
    let bytes = Tour {
        name: None,
        default_node: NodeId(1),
        jpeg_quality: 90,
        nodes: vec![TourNode {
            id: NodeId(1),
            name: None,
            content: TourContent::Object(ObjectSpec {
                frames,
                rows: 1,
                columns: 4,
                pan: [0.0, 360.0],
                tilt: [0.0, 0.0],
                fov: [1e-35, 1e-34],
                default: View {
                    pan: 0.0,
                    tilt: 0.0,
                    fov: 1e-34,
                },
                hotspots: Vec::new(),
                behaviour: ObjectBehaviour::default(),
            }),
            hotspots: Vec::new(),
        }],
    }
    .write()
    .expect("a valid object movie");
    let d = out_dir("degenerate-obji");
    let movie = d.join("object.mov");
    std::fs::write(&movie, bytes).unwrap();
    let movie = movie.to_string_lossy().into_owned();
    for (name, extra) in [
        ("default", &[][..]),
        ("fov", &["--fov", "40"][..]),
        ("pan", &["--pan", "90", "--tilt", "nan"][..]),
    ] {
        let out = d.join(format!("{name}.png"));
        let mut args = vec!["--size", "64x48"];
        args.extend(extra);
        let o = render(&movie, &out, &args);
        ok(&o);
        // No zoom: the whole frame shows at its own size.
        let img = rgba(&out);
        let p = img.get_pixel(32, 24).0;
        assert!(
            p[1].abs_diff(120) <= 8 && p[2].abs_diff(200) <= 8,
            "{name}: {p:?}"
        );
    }
}

/// Through GL (wgpu's GLES backend, what a machine without Vulkan gets) the
/// pictures are the ones drawn through Vulkan: a cylinder (one texture
/// layer, which GL would take for a plain 2D texture), a cube of six square
/// faces (which it would take for a cube map) with its hot spots shown, and
/// an object. GL drew all of them black before its texture arrays got a
/// layer more.
#[test]
fn gl_draws_the_pictures_vulkan_draws() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let d = out_dir("gl");
    for (name, extra) in [
        ("gen/cyl_vcyl_jpeg.mov", &["--pan", "30"][..]),
        (
            "real/panini_OutsideSionHillCampus.mov",
            &["--tilt", "40", "--fov", "100"][..],
        ),
        (
            "gen/cube_rle8_hotspots_small.mov",
            &["--hotspots", "--tilt", "20"][..],
        ),
        ("gen/object_3x12_rle16.mov", &[][..]),
    ] {
        let movie = sample(&dir, name);
        let mut shots = Vec::new();
        for backend in ["vulkan", "gl"] {
            let out = d.join(format!("{}-{backend}.png", name.replace('/', "_")));
            let mut args = vec!["render", &movie, "--size", "240x180"];
            args.extend(extra);
            args.extend(["-o", out.to_str().unwrap()]);
            let r = Command::new(env!("CARGO_BIN_EXE_qtvr"))
                .args(&args)
                .env("WGPU_BACKEND", backend)
                .output()
                .expect("run the qtvr binary");
            assert!(
                r.status.success(),
                "{name} through {backend}: {}",
                String::from_utf8_lossy(&r.stderr)
            );
            shots.push(rgba(&out));
        }
        let diff = mean_diff(&shots[0], &shots[1]);
        assert!(
            diff < 0.5,
            "{name}: GL differs from Vulkan by {diff:.2} on average (PNGs in {})",
            d.display()
        );
        // Not black: the movie's pictures.
        let mean = shots[1].as_raw().iter().map(|&v| u64::from(v)).sum::<u64>() as f64
            / shots[1].as_raw().len() as f64;
        assert!(mean > 40.0, "{name}: GL drew a dark picture ({mean:.1})");
    }
}
