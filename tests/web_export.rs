//! `qtvr export --to web` in a real browser: exports of the sample movies
//! opened in headless Chromium (software WebGL 2), compared with what
//! `qtvr render` draws of the same view; a click on a link hot spot, Back, an
//! object drag, the address following the view, warnings in the page, the
//! 2D fallback, a static web server, and the output folder's rules.
//!
//! The picture above the controller bar (1024×740 of a 1024×768 page) is held
//! to a mean difference of 4/255 per channel from `qtvr render --size
//! 1024x768`: the pictures are JPEG (each within 1.5/255 of the movie's
//! decoded pixels, src/web/encode.rs) or lossless WebP, and the two
//! rasterisers (SwiftShader here, lavapipe for `qtvr render`) filter and
//! round slightly differently; the samples measure 0.5–2/255.

#[path = "support/browser.rs"]
mod browser;
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use browser::{compare_png, file_url, result, temp_path, write_diff};
use common::succeeded;
use serde_json::{Value, json};

use qtvr::view::{Rays, Shot, clamp_panorama};
use qtvr_format::qtvr::scene::{NodeContent, NodeId, View};

/// Page size; the controller bar covers the bottom 28 pixels.
const W: u32 = 1024;
const H: u32 = 768;
const BAR: u32 = 28;
/// The mean difference (0..255) allowed between the page and `qtvr render`.
const MAX_MEAN: f64 = 4.0;

fn qtvr() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qtvr"))
}

fn sample(rel: &str) -> Option<PathBuf> {
    let p = common::samples_dir()?.join(rel);
    assert!(p.is_file(), "{} is missing", p.display());
    Some(p)
}

/// Exports `movie` to a fresh folder; returns it.
fn export(movie: &Path, name: &str) -> PathBuf {
    let out = temp_path(name);
    succeeded(
        &qtvr()
            .arg("export")
            .arg(movie)
            .args(["--to", "web", "-o"])
            .arg(&out)
            .output()
            .expect("qtvr runs"),
    );
    assert!(out.join("index.html").is_file());
    out
}

/// `qtvr render --size 1024x768` of `movie` with `args`.
fn render(movie: &Path, args: &[String], name: &str) -> PathBuf {
    let out = temp_path(&format!("{name}.render.png"));
    succeeded(
        &qtvr()
            .arg("render")
            .arg(movie)
            .args(args)
            .args(["--size", &format!("{W}x{H}"), "-o"])
            .arg(&out)
            .output()
            .expect("qtvr runs"),
    );
    out
}

/// Compares the picture above the bar; on failure writes a diff and fails.
fn assert_matches(page: &Path, rendered: &Path, what: &str) -> f64 {
    let mean = compare_png(page, rendered, [0, 0, W, H - BAR]);
    if mean > MAX_MEAN {
        let diff = page.with_extension("diff.png");
        write_diff(page, rendered, &diff);
        panic!(
            "{what}: the page differs from qtvr render by {mean:.2}/255 on average (allowed {MAX_MEAN}); page {}, render {}, diff {}",
            page.display(),
            rendered.display(),
            diff.display()
        );
    }
    mean
}

const READY: &str = "document.documentElement.dataset.qtvrReady === 'full' && window.qtvrPlayer && !qtvrPlayer.state().transition";

/// Steps that open `url` and wait until its view is drawn at full resolution.
fn open(url: &str) -> Vec<Value> {
    vec![
        json!({ "goto": url }),
        json!({ "waitFor": READY, "timeout": 60000 }),
        json!({ "wait": 150 }),
    ]
}

fn angles(v: View) -> Vec<String> {
    vec![
        "--pan".into(),
        v.pan.to_string(),
        "--tilt".into(),
        v.tilt.to_string(),
        "--fov".into(),
        v.fov.to_string(),
    ]
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// Each kind of node the player draws, at a deep-linked view, matches
/// `qtvr render` of that view: full and partial cylinders, standard, tiled
/// and `cufa` cubes, objects, QTVR 1 and 2, hot spots shown.
#[test]
fn pages_show_what_qtvr_render_draws() {
    let Some(b) = browser::browser() else { return };
    let cases: [(&str, &str, Vec<String>, bool); 10] = [
        (
            "real/panini_OutsideSionHillCampus.mov",
            "#node=1&pan=30&tilt=10&fov=60",
            args(&["--pan", "30", "--tilt", "10", "--fov", "60"]),
            false,
        ),
        ("real/cuty_CuTy.mov", "", vec![], false),
        (
            "gen/cube_cufa_nonstandard_rle24.mov",
            "#pan=200&tilt=-20&fov=70",
            args(&["--pan", "200", "--tilt", "-20", "--fov", "70"]),
            false,
        ),
        (
            "real/archon_facilities-panorama-sm.mov",
            "#pan=120&tilt=5&fov=35",
            args(&["--pan", "120", "--tilt", "5", "--fov", "35"]),
            false,
        ),
        // Asks for a pan past the end of a partial cylinder: both clamp.
        (
            "gen/cyl_partial180_smc.mov",
            "#pan=170&fov=60",
            args(&["--pan", "170", "--fov", "60"]),
            false,
        ),
        (
            "gen/multinode_2pano_1obj_links.mov",
            "#node=3&row=1&column=5",
            args(&["--node", "3", "--row", "1", "--column", "5"]),
            false,
        ),
        (
            "tools-made/libquicktime_object_12x3_jpeg.mov",
            "",
            vec![],
            false,
        ),
        ("gen/qtvr1_pano_cvid_hotspots.mov", "", vec![], false),
        (
            "gen/cube_tiled2x2_jpeg_preview.mov",
            "#pan=45&tilt=30",
            args(&["--pan", "45", "--tilt", "30"]),
            false,
        ),
        // Hot spots shown (T): outlined and tinted as the desktop draws them.
        (
            "gen/cube_rle8_hotspots_small.mov",
            "",
            args(&["--hotspots"]),
            true,
        ),
    ];
    let mut steps = vec![json!({ "viewport": [W, H] })];
    let mut expect = Vec::new();
    for (i, (rel, hash, render_args, hotspots)) in cases.iter().enumerate() {
        let Some(movie) = sample(rel) else { return };
        let name = format!("view{i}");
        let dir = export(&movie, &name);
        let url = format!("{}{hash}", file_url(&dir.join("index.html")));
        steps.extend(open(&url));
        if *hotspots {
            steps.push(json!({ "press": "t" }));
            steps.push(json!({ "waitFor": "qtvrPlayer.state().hotspots", "timeout": 5000 }));
            steps.push(json!({ "wait": 300 }));
        }
        let shot = temp_path(&format!("{name}.page.png"));
        steps.push(json!({ "screenshot": shot }));
        steps.push(json!({ "eval": "qtvrPlayer.state()" }));
        expect.push((rel, shot, render(&movie, render_args, &name)));
    }
    let out = b.run_clean(&Value::Array(steps));
    let mut report = Vec::new();
    for (i, (rel, page, rendered)) in expect.iter().enumerate() {
        let state = result(&out, i);
        assert_eq!(state["renderer"], "webgl2", "{rel}: {state}");
        let mean = assert_matches(page, rendered, rel);
        report.push(format!("{rel}: {mean:.2}/255"));
    }
    eprintln!("page vs qtvr render:\n  {}", report.join("\n  "));
}

/// The view of a hot spot's best view, and a point on the hot spot there,
/// found from the movie (not from the page).
fn hotspot_point(movie: &Path, node: u32, id: u32) -> (View, [u32; 2]) {
    let (src, loaded) = qtvr_format::qtvr::open(movie).expect("the movie opens");
    let scene = loaded.scene.as_ref().expect("a QTVR movie");
    let n = scene.node(NodeId(node)).expect("the node");
    let NodeContent::Panorama(p) = &n.content else {
        panic!("node {node} is not a panorama")
    };
    let h = n
        .hotspots
        .iter()
        .find(|h| h.id.0 == id)
        .expect("the hot spot");
    let best = h.best_view.expect("a best view");
    let (view, _) = clamp_panorama(best, &p.limits, f64::from(W) / f64::from(H));
    let picture = qtvr::cli::render::node_picture(src.as_ref(), &loaded.movie, n, None)
        .expect("the node's picture");
    let rays = Rays::new(Shot::Perspective(view), W, H);
    let mut hits = Vec::new();
    for y in (0..H - BAR).step_by(4) {
        for x in (0..W).step_by(4) {
            let r = rays
                .ray(f64::from(x) + 0.5, f64::from(y) + 0.5)
                .expect("a ray");
            if u32::from(picture.hotspot_at_ray(r)) == id {
                hits.push([x, y]);
            }
        }
    }
    assert!(
        hits.len() > 50,
        "hot spot {id} hardly shows ({} points)",
        hits.len()
    );
    let cx = hits.iter().map(|p| f64::from(p[0])).sum::<f64>() / hits.len() as f64;
    let cy = hits.iter().map(|p| f64::from(p[1])).sum::<f64>() / hits.len() as f64;
    let best_point = *hits
        .iter()
        .min_by(|a, b| {
            let d = |p: &[u32; 2]| (f64::from(p[0]) - cx).hypot(f64::from(p[1]) - cy);
            d(a).total_cmp(&d(b))
        })
        .expect("points");
    (view, best_point)
}

/// Exports the multinode sample and the address of node 2 at hot spot 30's
/// best view ("Back to A": node 1 at pan 0, tilt 5, fov 60), with a point on
/// the hot spot there.
fn link_page(movie: &Path, name: &str) -> (View, [u32; 2], String) {
    let (here, point) = hotspot_point(movie, 2, 30);
    let dir = export(movie, name);
    let url = format!(
        "{}#node=2&pan={}&tilt={}&fov={}",
        file_url(&dir.join("index.html")),
        here.pan,
        here.tilt,
        here.fov
    );
    (here, point, url)
}

/// `qtvr render` arguments for node 2 at `view`.
fn node2_at(view: View) -> Vec<String> {
    let mut a = args(&["--node", "2"]);
    a.extend(angles(view));
    a
}

/// A click on a link hot spot swings, fades and lands on the destination
/// node at the link's view (as `qtvr render` draws it); Back returns to the
/// node and view the click left.
#[test]
fn links_lead_to_their_node_and_back_returns() {
    let Some(b) = browser::browser() else { return };
    let Some(movie) = sample("gen/multinode_2pano_1obj_links.mov") else {
        return;
    };
    // Hot spot 30 of node 2, "Back to A": node 1 at pan 0, tilt 5, fov 60.
    let (here, point, url) = link_page(&movie, "links");
    let arrived = temp_path("links-arrived.png");
    let back = temp_path("links-back.png");
    let mut steps = vec![json!({ "viewport": [W, H] })];
    steps.extend(open(&url));
    steps.push(json!({ "mouseMove": point }));
    steps.push(json!({ "wait": 100 }));
    // 0: what the bar says about the hot spot under the pointer.
    steps.push(json!({ "eval": "[qtvrPlayer.state().hover, document.getElementById('qtvr-label').textContent]" }));
    steps.push(json!({ "click": point }));
    steps.push(
        json!({ "waitFor": format!("{READY} && qtvrPlayer.state().node === 1"), "timeout": 60000 }),
    );
    steps.push(json!({ "wait": 300 }));
    steps.push(json!({ "screenshot": arrived }));
    // 1: the state and the address on arrival.
    steps.push(json!({ "eval": "[qtvrPlayer.state(), location.hash]" }));
    steps.push(json!({ "eval": "(() => { const r = document.getElementById('qtvr-back').getBoundingClientRect(); return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)]; })()" }));
    let out = b.run_clean(&Value::Array(steps));
    let hover = result(&out, 0);
    assert_eq!(hover[0], 30, "{hover}");
    assert!(
        hover[1].as_str().unwrap_or_default().contains("Back to A"),
        "the bar names the hot spot: {hover}"
    );
    let state = &result(&out, 1)[0];
    assert_eq!(state["node"], 1);
    assert_eq!(state["history"], 1);
    let v = &state["view"];
    let near = |a: &Value, b: f64| (a.as_f64().unwrap_or(f64::NAN) - b).abs() < 0.01;
    assert!(
        near(&v["pan"], 0.0) && near(&v["tilt"], 5.0) && near(&v["fov"], 60.0),
        "{v}"
    );
    let hash = result(&out, 1)[1].as_str().unwrap_or_default().to_string();
    assert!(hash.starts_with("#node=1&pan=0&tilt=5&fov=60"), "{hash}");
    let expected = render(
        &movie,
        &args(&["--node", "1", "--pan", "0", "--tilt", "5", "--fov", "60"]),
        "links-arrived",
    );
    assert_matches(&arrived, &expected, "after the link");

    // Back, with a real click on the bar's button (a second run continues
    // from the arrival's address, with its history in the page).
    let button = result(&out, 2).clone();
    let mut steps = vec![json!({ "viewport": [W, H] })];
    steps.extend(open(&url));
    steps.push(json!({ "click": point }));
    steps.push(
        json!({ "waitFor": format!("{READY} && qtvrPlayer.state().node === 1"), "timeout": 60000 }),
    );
    steps.push(json!({ "wait": 200 }));
    steps.push(json!({ "click": [button[0].clone(), button[1].clone()] }));
    steps.push(
        json!({ "waitFor": format!("{READY} && qtvrPlayer.state().node === 2"), "timeout": 60000 }),
    );
    steps.push(json!({ "wait": 300 }));
    steps.push(json!({ "screenshot": back }));
    steps.push(json!({ "eval": "qtvrPlayer.state()" }));
    let out = b.run_clean(&Value::Array(steps));
    let state = result(&out, 0);
    assert_eq!(state["history"], 0, "{state}");
    let expected = render(&movie, &node2_at(here), "links-back");
    assert_matches(&back, &expected, "after Back");
}

/// Dragging an object turns it as the desktop viewer's navigation does with
/// the same pointer path, and shows the frame `qtvr render` shows.
#[test]
fn object_drag_turns_as_on_the_desktop() {
    let Some(b) = browser::browser() else { return };
    let Some(movie) = sample("tools-made/libquicktime_object_12x3_jpeg.mov") else {
        return;
    };
    let dir = export(&movie, "object");
    let url = file_url(&dir.join("index.html"));
    let path: Vec<[f64; 2]> = (0..=10)
        .map(|i| [400.0 + 25.0 * f64::from(i), 300.0 + 8.0 * f64::from(i)])
        .collect();
    let shot = temp_path("object-drag.png");
    let mut steps = vec![json!({ "viewport": [W, H] })];
    steps.extend(open(&url));
    steps.push(json!({ "eval": "qtvrPlayer.state().objectView" }));
    steps.push(json!({ "mouseDown": path[0] }));
    for p in &path[1..] {
        steps.push(json!({ "mouseMove": p }));
    }
    steps.push(json!({ "mouseUp": true }));
    steps.push(json!({ "waitFor": READY, "timeout": 30000 }));
    steps.push(json!({ "wait": 300 }));
    steps.push(json!({ "screenshot": shot }));
    steps.push(json!({ "eval": "qtvrPlayer.state().objectView" }));
    let out = b.run_clean(&Value::Array(steps));
    let (before, after) = (result(&out, 0), result(&out, 1));

    // The desktop's navigation, fed the same pointer path.
    let (_src, loaded) = qtvr_format::qtvr::open(&movie).expect("opens");
    let scene = loaded.scene.as_ref().expect("QTVR");
    let node = scene.node(scene.default_node).expect("node");
    let mut nav = qtvr::view::nav::Navigator::new(
        qtvr::view::nav::Subject::of_node(node),
        [f64::from(W), f64::from(H)],
        Default::default(),
    );
    nav.set_bar_height(f64::from(BAR));
    let v0 = nav.object_view().expect("an object");
    assert_eq!(
        (before["row"].as_u64(), before["column"].as_u64()),
        (Some(u64::from(v0.row)), Some(u64::from(v0.column)))
    );
    nav.press(path[0]);
    for p in &path[1..] {
        nav.pointer(*p);
    }
    nav.release();
    let v = nav.object_view().expect("an object");
    assert_ne!(
        (v.row, v.column),
        (v0.row, v0.column),
        "the drag turns the object"
    );
    assert_eq!(
        (after["row"].as_u64(), after["column"].as_u64()),
        (Some(u64::from(v.row)), Some(u64::from(v.column))),
        "page {after} vs desktop {v:?}"
    );
    let expected = render(
        &movie,
        &args(&[
            "--row",
            &v.row.to_string(),
            "--column",
            &v.column.to_string(),
        ]),
        "object-drag",
    );
    assert_matches(&shot, &expected, "after the drag");
}

/// The address follows the view (replacing the history entry, not adding
/// one per frame), so it can be shared; opening it shows that view.
#[test]
fn the_address_follows_the_view() {
    let Some(b) = browser::browser() else { return };
    let Some(movie) = sample("gen/cube_std_jpeg.mov") else {
        return;
    };
    let dir = export(&movie, "address");
    let url = format!("{}#pan=10&tilt=0&fov=60", file_url(&dir.join("index.html")));
    let mut steps = vec![json!({ "viewport": [W, H] })];
    steps.extend(open(&url));
    steps.push(json!({ "eval": "history.length" }));
    steps.push(json!({ "keyDown": "ArrowLeft" }));
    steps.push(json!({ "wait": 700 }));
    steps.push(json!({ "keyUp": "ArrowLeft" }));
    steps.push(json!({ "keyDown": "Shift" }));
    steps.push(json!({ "wait": 300 }));
    steps.push(json!({ "keyUp": "Shift" }));
    steps.push(json!({ "wait": 1200 }));
    // At rest the address catches up with the view (on a loaded machine the
    // zoom may still be easing after the wait): until it does, or the step
    // times out and the test fails.
    steps.push(
        json!({ "waitFor": "(() => { const v = qtvrPlayer.state().view; \
        const h = new URLSearchParams(location.hash.slice(1)); \
        return Math.abs(Number(h.get('pan')) - v.pan) < 0.01 \
            && Math.abs(Number(h.get('fov')) - v.fov) < 0.01; })()" }),
    );
    steps.push(json!({ "eval": "[history.length, location.hash, qtvrPlayer.state().view]" }));
    let out = b.run_clean(&Value::Array(steps));
    let before = result(&out, 0).as_u64();
    let after = result(&out, 1);
    assert_eq!(
        after[0].as_u64(),
        before,
        "no history entries per frame: {after}"
    );
    let hash = after[1].as_str().unwrap_or_default().to_string();
    let view = &after[2];
    let pan = view["pan"].as_f64().unwrap_or(f64::NAN);
    let fov = view["fov"].as_f64().unwrap_or(f64::NAN);
    assert!(pan > 11.0, "ArrowLeft turned left (pan grows): {view}");
    assert!(fov < 59.0, "Shift zoomed in: {view}");
    let field = |k: &str| -> f64 {
        hash.trim_start_matches('#')
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    assert!(
        (field("pan") - pan).abs() < 0.01 && (field("fov") - fov).abs() < 0.01,
        "{hash} vs {view}"
    );

    // The shared address opens that view.
    let shot = temp_path("address.png");
    let mut steps = vec![json!({ "viewport": [W, H] })];
    steps.extend(open(&format!(
        "{}{hash}",
        file_url(&dir.join("index.html"))
    )));
    steps.push(json!({ "screenshot": shot }));
    b.run_clean(&Value::Array(steps));
    let expected = render(
        &movie,
        &args(&[
            "--pan",
            &field("pan").to_string(),
            "--tilt",
            &field("tilt").to_string(),
            "--fov",
            &field("fov").to_string(),
        ]),
        "address",
    );
    assert_matches(&shot, &expected, "the shared address");
}

/// A movie with a damaged tile exports what it can: the warning is on
/// stderr and in the page's information panel; the page still shows the
/// node.
#[test]
fn damaged_movies_export_with_their_warnings() {
    let Some(b) = browser::browser() else { return };
    let Some(movie) = sample("gen/cube_std_jpeg.mov") else {
        return;
    };
    let (_src, loaded) = qtvr_format::qtvr::open(&movie).expect("opens");
    let scene = loaded.scene.as_ref().expect("QTVR");
    let NodeContent::Panorama(p) = &scene.nodes[0].content else {
        panic!("a panorama")
    };
    let track = loaded
        .movie
        .tracks
        .iter()
        .find(|t| t.id == p.image_track.track_id)
        .expect("the image track");
    let s = &track.samples[p.image_track.samples[2]];
    let mut bytes = std::fs::read(&movie).expect("read");
    let start = s.offset as usize;
    bytes[start..start + s.size as usize].fill(0x5A);
    let broken = temp_path("damaged.mov");
    std::fs::write(&broken, &bytes).expect("write");
    let out = temp_path("damaged");
    let o = qtvr()
        .arg("export")
        .arg(&broken)
        .args(["--to", "web", "-o"])
        .arg(&out)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    succeeded(&o);
    assert!(stderr.contains("warning"), "{stderr}");
    let tour = std::fs::read_to_string(out.join("tour.js")).expect("tour.js");
    let mut steps = vec![json!({ "viewport": [W, H] })];
    steps.extend(open(&file_url(&out.join("index.html"))));
    steps.push(json!({ "press": "h" }));
    steps.push(json!({ "eval": "document.getElementById('qtvr-panel').hidden ? null : document.getElementById('qtvr-panel').innerText" }));
    let r = b.run_clean(&Value::Array(steps));
    let panel = result(&r, 0).as_str().unwrap_or_default().to_string();
    let first = stderr
        .lines()
        .find_map(|l| l.split("warning: ").nth(1))
        .expect("a warning line")
        .to_string();
    assert!(
        tour.contains(&first.replace('"', "\\\"")),
        "tour.js lacks {first}"
    );
    assert!(
        panel.contains(&first),
        "the panel lacks '{first}':\n{panel}"
    );
}

/// Without WebGL 2 the page still shows the picture (a 2D canvas).
#[test]
fn the_2d_fallback_shows_the_picture() {
    let Some(b) = browser::browser() else { return };
    let Some(movie) = sample("real/archon_facilities-panorama-sm.mov") else {
        return;
    };
    let dir = export(&movie, "fallback");
    let shot = temp_path("fallback.png");
    let mut steps = vec![json!({ "viewport": [W, H] })];
    steps.extend(open(&format!(
        "{}?renderer=2d",
        file_url(&dir.join("index.html"))
    )));
    steps.push(json!({ "screenshot": shot }));
    steps.push(json!({ "eval": "qtvrPlayer.state().renderer" }));
    let out = b.run_clean(&Value::Array(steps));
    assert_eq!(result(&out, 0), "2d");
    let expected = render(&movie, &[], "fallback");
    // No perspective correction: close to the real view, not equal.
    let mean = compare_png(&shot, &expected, [0, 0, W, H - BAR]);
    assert!(
        mean < 25.0,
        "the fallback is far from the view: {mean:.1}/255"
    );
    let neutral = image::RgbImage::from_pixel(W, H, image::Rgb([64, 64, 64]));
    let page = image::open(&shot).expect("png").to_rgb8();
    assert!(
        browser::compare_rgb(&page, &neutral, [0, 0, W, H - BAR]) > 20.0,
        "it shows a picture"
    );
}

/// Served by a static web server (plain pictures, not their script twins),
/// the page shows the same view.
#[test]
fn pages_work_from_a_web_server() {
    let Some(b) = browser::browser() else { return };
    let Some(movie) = sample("gen/cube_cmov_jpeg.mov") else {
        return;
    };
    let dir = export(&movie, "served");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("addr").port();
    let root = dir.clone();
    let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = requests.clone();
    std::thread::spawn(move || serve(listener, &root, &seen));
    let shot = temp_path("served.png");
    let mut steps = vec![json!({ "viewport": [W, H] })];
    steps.extend(open(&format!(
        "http://127.0.0.1:{port}/index.html#pan=120&tilt=-10"
    )));
    steps.push(json!({ "screenshot": shot }));
    b.run_clean(&Value::Array(steps));
    let expected = render(&movie, &args(&["--pan", "120", "--tilt", "-10"]), "served");
    assert_matches(&shot, &expected, "from a web server");
    let requests = requests.lock().expect("lock");
    assert!(
        requests
            .iter()
            .any(|r| r.ends_with(".jpg") || r.ends_with(".webp")),
        "{requests:?}"
    );
    assert!(
        !requests
            .iter()
            .any(|r| r.ends_with(".jpg.js") || r.ends_with(".webp.js")),
        "{requests:?}"
    );
}

/// A minimal static file server (GET only) for the test above.
fn serve(listener: std::net::TcpListener, root: &Path, seen: &std::sync::Mutex<Vec<String>>) {
    use std::io::{BufRead, BufReader, Write};
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let mut line = String::new();
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        if reader.read_line(&mut line).is_err() {
            continue;
        }
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
                break;
            }
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let path = path.split(['?', '#']).next().unwrap_or("/").to_string();
        seen.lock().expect("lock").push(path.clone());
        let file = root.join(path.trim_start_matches('/'));
        // (The browser asks for /favicon.ico, which an export has not.)
        let ok = !path.contains("..") && (file.is_file() || path == "/favicon.ico");
        let body = if ok {
            std::fs::read(&file).unwrap_or_default()
        } else {
            b"not found".to_vec()
        };
        let mime = match file.extension().and_then(|e| e.to_str()) {
            Some("html") => "text/html",
            Some("js") => "text/javascript",
            Some("css") => "text/css",
            Some("jpg") => "image/jpeg",
            Some("webp") => "image/webp",
            Some("png") => "image/png",
            _ => "application/octet-stream",
        };
        let status = if ok { "200 OK" } else { "404 Not Found" };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(&body);
    }
}

/// The output folder appears complete or not at all, and an existing
/// non-empty folder is replaced only with --force.
#[test]
fn output_folders_are_replaced_only_with_force() {
    let Some(movie) = sample("gen/cube_raw24_small.mov") else {
        return;
    };
    let out = temp_path("force");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::write(out.join("keep.txt"), b"mine").expect("write");
    let o = qtvr()
        .arg("export")
        .arg(&movie)
        .args(["--to", "web", "-o"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(std::fs::read(out.join("keep.txt")).expect("kept"), b"mine");
    succeeded(
        &qtvr()
            .arg("export")
            .arg(&movie)
            .args(["--to", "web", "--force", "-o"])
            .arg(&out)
            .output()
            .expect("runs"),
    );
    assert!(!out.join("keep.txt").exists());
    assert!(out.join("index.html").is_file() && out.join("tour.js").is_file());
    // A movie that cannot be read leaves nothing behind.
    let bad = temp_path("bad.mov");
    std::fs::write(&bad, b"\0\0\0\x10junkjunk").expect("write");
    let none = temp_path("none");
    let o = qtvr()
        .arg("export")
        .arg(&bad)
        .args(["--to", "web", "-o"])
        .arg(&none)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert!(!none.exists());
    let parent = none.parent().expect("parent");
    let leftovers: Vec<_> = std::fs::read_dir(parent)
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("qtvr-partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Firefox opens the page from `file://` too: the picture shows (WebGL 2
/// where Firefox offers it, else the 2D canvas; headless Firefox without a
/// GPU offers none here) and a click on a link hot spot follows it.
#[test]
fn firefox_plays_the_page_from_disk() {
    let Some(b) = browser::firefox() else { return };
    let Some(movie) = sample("gen/multinode_2pano_1obj_links.mov") else {
        return;
    };
    let (here, point, url) = link_page(&movie, "firefox");
    let shot = temp_path("firefox.png");
    let mut steps = vec![json!({ "viewport": [W, H] })];
    steps.extend(open(&url));
    steps.push(json!({ "screenshot": shot }));
    steps.push(json!({ "eval": "qtvrPlayer.state()" }));
    steps.push(json!({ "click": point }));
    steps.push(
        json!({ "waitFor": format!("{READY} && qtvrPlayer.state().node === 1"), "timeout": 60000 }),
    );
    steps.push(json!({ "eval": "qtvrPlayer.state()" }));
    let out = b.run_clean(&Value::Array(steps));
    let state = result(&out, 0);
    let expected = render(&movie, &node2_at(here), "firefox");
    if state["renderer"] == "webgl2" {
        assert_matches(&shot, &expected, "Firefox");
    } else {
        assert_eq!(state["renderer"], "2d", "{state}");
        let mean = compare_png(&shot, &expected, [0, 0, W, H - BAR]);
        assert!(
            mean < 25.0,
            "Firefox's 2D view is far from the view: {mean:.1}/255"
        );
    }
    let arrived = result(&out, 1);
    assert_eq!(arrived["node"], 1, "{arrived}");
    assert_eq!(arrived["history"], 1, "{arrived}");
}

/// An object whose frames do not fit the frame budget (here
/// `?framebudget=1`, 1 MB) keeps only the frames it can and still shows
/// every view it is turned to, as `qtvr render` draws it.
#[test]
fn objects_over_the_frame_budget_still_turn() {
    let Some(b) = browser::browser() else { return };
    let Some(movie) = sample("tools-made/libquicktime_object_12x3_jpeg.mov") else {
        return;
    };
    let dir = export(&movie, "framebudget");
    let url = format!("{}?framebudget=1", file_url(&dir.join("index.html")));
    let shot = temp_path("framebudget.png");
    let mut steps = vec![json!({ "viewport": [W, H] })];
    steps.extend(open(&url));
    steps.push(json!({ "eval": "qtvrPlayer.state().objectView" }));
    // Turn through every column with the arrow key (each step loads a frame).
    for _ in 0..14 {
        steps.push(json!({ "press": "ArrowRight" }));
        steps.push(json!({ "waitFor": READY, "timeout": 30000 }));
    }
    steps.push(json!({ "wait": 300 }));
    steps.push(json!({ "screenshot": shot }));
    steps.push(json!({ "eval": "qtvrPlayer.state()" }));
    let out = b.run_clean(&Value::Array(steps));
    let first = result(&out, 0).clone();
    let state = result(&out, 1);
    assert_ne!(
        first["column"], state["objectView"]["column"],
        "the keys turned it"
    );
    let held = state["framesHeld"].as_u64().unwrap_or(0);
    // 320×240 frames with mips take 400 KB: two or three fit in 1 MB.
    assert!((1..=4).contains(&held), "frames held: {state}");
    let v = &state["objectView"];
    let expected = render(
        &movie,
        &args(&[
            "--row",
            &v["row"].to_string(),
            "--column",
            &v["column"].to_string(),
        ]),
        "framebudget",
    );
    assert_matches(&shot, &expected, "after turning past the budget");
}
