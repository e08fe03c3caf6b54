//! `qtvr export --to pannellum`, loaded in Pannellum (the npm package, in
//! tests/web/node_modules) in headless Chromium: the tour starts at the
//! movie's default node without errors, every scene has its hot spots at
//! their regions' centres, a click on a scene hot spot lands on the target
//! scene at the link's view, object nodes open in the web player, and what
//! Pannellum draws matches `qtvr render` of the same view (cube and
//! cylinder, from file:// and from a web server).

#[path = "support/browser.rs"]
mod browser;
mod common;
#[path = "support/tours.rs"]
mod tours;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use browser::{Browser, compare_png, file_url, result, temp_path, write_diff};
use common::succeeded;

/// The viewport: 4:3, the aspect the exporter converts fields of view at.
const VIEW: [u32; 2] = [640, 480];

/// The most Pannellum's view may differ from `qtvr render`'s (mean per
/// channel, 0..255). Both are the same perspective projection of the same
/// picture; they differ by the exported pictures' JPEG (quality 92) and a
/// second bilinear resampling (picture → face or equirectangular image →
/// view): 0.3–2.2 on the samples here (SwiftShader in Chromium, lavapipe
/// for qtvr). The same view 3° off is 5.6–26 away (the cube test checks
/// that it stays over this bound), so a misplaced face, a mirrored or
/// turned picture or a wrong yaw sign cannot pass.
const MAX_DIFF: f64 = 3.0;

/// Exports `movie` into a fresh folder and copies Pannellum's build files in
/// (when they are there: tests without a browser need no Pannellum).
fn export(movie: &Path, tag: &str) -> PathBuf {
    let dir = temp_path(&format!("pannellum-{tag}"));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_qtvr"))
        .arg("export")
        .arg(movie)
        .args(["--to", "pannellum", "-o"])
        .arg(&dir)
        .output()
        .expect("qtvr runs");
    assert!(
        o.status.success(),
        "{}: {}",
        movie.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    for f in ["pannellum.js", "pannellum.css"] {
        let from = browser::web_dir()
            .join("node_modules/pannellum/build")
            .join(f);
        std::fs::copy(&from, dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    }
    dir
}

fn tour(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("tour.json")).expect("tour.json"))
        .expect("tour.json is JSON")
}

fn setup(sample: &str) -> Option<(Browser, PathBuf)> {
    let samples = common::samples_dir()?;
    let b = browser::browser()?;
    let movie = samples.join(sample);
    assert!(movie.is_file(), "{} is missing", movie.display());
    Some((b, movie))
}

/// Steps loading the tour (from `url`) until Pannellum has drawn the first
/// scene.
fn open_tour(url: &str) -> Vec<Value> {
    vec![
        json!({"viewport": VIEW}),
        json!({"goto": url}),
        json!({"waitFor": "window.viewer && window.viewer.isLoaded()", "timeout": 30000}),
    ]
}

/// Steps hiding Pannellum's controls, title box and hot spot markers, and
/// setting a view (no animation), then waiting two frames.
fn look(yaw: f64, pitch: f64, hfov: f64) -> Vec<Value> {
    vec![
        json!({"eval": "(() => { const s = document.createElement('style'); \
            s.textContent = '.pnlm-hotspot-base, .pnlm-panorama-info, .pnlm-controls-container, \
            .pnlm-load-box, .pnlm-about-msg { display: none !important; }'; \
            document.head.appendChild(s); return true; })()"}),
        json!({"eval": format!(
            "(() => {{ viewer.setHfov({hfov}, false); viewer.setPitch({pitch}, false); \
             viewer.setYaw({yaw}, false); return true; }})()"
        )}),
        json!({"eval": "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"}),
        json!({"wait": 100}),
    ]
}

/// `qtvr render` of a view at the viewport's size.
fn render(movie: &Path, node: u32, pan: f64, tilt: f64, fov: f64, out: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_qtvr"))
        .args(["render", "--node", &node.to_string()])
        .args(["--pan", &pan.to_string(), "--tilt", &tilt.to_string()])
        .args(["--fov", &fov.to_string()])
        .args(["--size", &format!("{}x{}", VIEW[0], VIEW[1]), "-o"])
        .arg(out)
        .arg(movie)
        .output()
        .expect("qtvr runs");
    succeeded(&o);
}

/// The horizontal field of view of a vertical one at 4:3.
fn hfov(fov: f64) -> f64 {
    qtvr::view::horizontal_fov(fov, 4.0 / 3.0)
}

fn yaw_of(pan: f64) -> f64 {
    let y = (-pan + 180.0).rem_euclid(360.0) - 180.0;
    if y <= -180.0 { y + 360.0 } else { y }
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    let d = (a - b + 180.0).rem_euclid(360.0) - 180.0;
    d.abs() <= tol
}

/// Compares Pannellum's view with `qtvr render`'s: mean difference per
/// channel over the whole view at most `max` (diff picture kept on failure).
fn compare(tag: &str, actual: &Path, expected: &Path, max: f64) {
    let d = compare_png(actual, expected, [0, 0, VIEW[0], VIEW[1]]);
    eprintln!("{tag}: mean difference {d:.2}/255");
    if d > max {
        let diff = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pannellum-{tag}-diff.png"));
        write_diff(actual, expected, &diff);
        panic!(
            "{tag}: Pannellum's view is {d:.2}/255 from qtvr render's (max {max}); see {}",
            diff.display()
        );
    }
}

/// The test tour (tests/support/tours.rs): a cylinder, a cube and an object,
/// with links, a URL and an undefined hot spot, at known places. Needs no
/// samples; the browser part skips without Chromium.
#[test]
fn the_test_tour_converts_angles_limits_and_links() {
    use tours::{SPOTS, URL};
    let movie = temp_path("tour.mov");
    std::fs::write(&movie, tours::tour()).expect("the tour");
    let dir = export(&movie, "test-tour");
    let t = tour(&dir);
    assert_eq!(t["default"]["firstScene"], "1");
    assert_eq!(t["default"]["escapeHTML"], true);
    assert_eq!(t["default"]["title"], "test tour");
    let scenes = t["scenes"].as_object().expect("scenes");
    assert_eq!(
        scenes.keys().collect::<Vec<_>>(),
        ["1", "2"],
        "the object is not a scene"
    );
    assert!(dir.join("objects/index.html").is_file());
    for f in [
        "index.html",
        "README.txt",
        "scenes/1/panorama.jpg",
        "scenes/1/panorama.jpg.js",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }

    // The cylinder: 1024×256 for 360°, tilt ±35, fov 10..60, default
    // (0, 0, 50).
    let cyl = &t["scenes"]["1"];
    let f = |v: &Value, k: &str| v[k].as_f64().unwrap_or_else(|| panic!("no {k} in {v}"));
    assert_eq!(cyl["type"], "equirectangular");
    assert_eq!(cyl["title"], "Field");
    assert_eq!(f(cyl, "haov"), 360.0);
    let top = 128f64
        .atan2(1024.0 / (2.0 * std::f64::consts::PI))
        .to_degrees();
    assert!((f(cyl, "vaov") - 2.0 * top).abs() < 0.5, "{cyl}");
    assert_eq!(f(cyl, "vOffset"), 0.0);
    assert_eq!((f(cyl, "yaw"), f(cyl, "pitch")), (0.0, 0.0));
    assert!((f(cyl, "hfov") - hfov(50.0)).abs() < 1e-3);
    assert!((f(cyl, "minHfov") - hfov(10.0)).abs() < 1e-3);
    assert!((f(cyl, "maxHfov") - hfov(60.0)).abs() < 1e-3);
    assert_eq!((f(cyl, "minPitch"), f(cyl, "maxPitch")), (-35.0, 35.0));
    assert!(cyl.get("minYaw").is_none());
    assert_eq!(
        std::fs::read(dir.join("scenes/1/panorama.jpg")).unwrap()[..2],
        [0xFF, 0xD8]
    );
    // Its hot spots: the link into the cube (map box x 200..260 of 512, so
    // pan 360 − 230/512·360; y 40..90 of 128, 2 image px under the horizon)
    // arrives at the link's view (30, 10, 70); the URL and the sign are
    // info hot spots.
    let spots = |scene: &str| t["scenes"][scene]["hotSpots"].as_array().unwrap().clone();
    let by_id = |scene: &str, id: u32| {
        spots(scene)
            .into_iter()
            .find(|h| h["id"] == format!("hotspot-{id}"))
            .unwrap_or_else(|| panic!("hot spot {id} in scene {scene}"))
    };
    assert_eq!(spots("1").len(), 3);
    let h = by_id("1", tours::TO_CUBE.0);
    assert_eq!(h["type"], "scene");
    assert_eq!(h["text"], "Into the cube");
    assert_eq!(h["sceneId"], "2");
    assert!(
        close(f(&h, "yaw"), yaw_of(360.0 - 230.0 / 512.0 * 360.0), 0.2),
        "{h}"
    );
    let below = -(2f64
        .atan2(1024.0 / (2.0 * std::f64::consts::PI))
        .to_degrees());
    assert!((f(&h, "pitch") - below).abs() < 0.2, "{h}");
    assert_eq!(f(&h, "targetYaw"), -30.0);
    assert_eq!(f(&h, "targetPitch"), 10.0);
    assert!((f(&h, "targetHfov") - hfov(70.0)).abs() < 1e-3);
    let h = by_id("1", tours::WEB.0);
    assert_eq!(
        (&h["type"], &h["URL"], &h["text"]),
        (&json!("info"), &json!(URL), &json!("Web site"))
    );
    let h = by_id("1", tours::SIGN.0);
    assert_eq!(h["type"], "info");
    assert!(h.get("URL").is_none());

    // The cube: a full sphere (no pitch or yaw limits); the link back to the
    // field has only its pan (180): the cylinder's default tilt and fov;
    // the link to the object opens the web player. Map boxes on the 72 px
    // maps of the 96 px faces: front (0) x, y 20..50, so 1 map px left of
    // and above the centre; left (3) x 10..60, y 30..60.
    let cube = &t["scenes"]["2"];
    assert_eq!(cube["type"], "cubemap");
    assert_eq!(
        cube["cubeMap"],
        json!(
            ["front", "right", "back", "left", "top", "bottom"]
                .map(|n| format!("scenes/2/{n}.jpg"))
        )
    );
    for k in ["minPitch", "maxPitch", "minYaw", "maxYaw", "haov"] {
        assert!(cube.get(k).is_none(), "{k} in {cube}");
    }
    assert_eq!(spots("2").len(), 2);
    let face_angle = |map_px: f64| {
        // Map pixels to image pixels, over the face's focal length (47.5).
        (map_px * 96.0 / 72.0).atan2(47.5).to_degrees()
    };
    let h = by_id("2", tours::CUBE_TO_CYLINDER.0);
    assert_eq!((&h["type"], &h["sceneId"]), (&json!("scene"), &json!("1")));
    assert!(
        (f(&h, "yaw") + face_angle(1.0)).abs() < 0.2,
        "left of centre: {h}"
    );
    assert!(
        (f(&h, "pitch") - face_angle(1.0)).abs() < 0.2,
        "above centre: {h}"
    );
    assert_eq!(f(&h, "targetYaw"), 180.0);
    assert_eq!(f(&h, "targetPitch"), 0.0);
    assert!((f(&h, "targetHfov") - hfov(50.0)).abs() < 1e-3);
    let h = by_id("2", tours::CUBE_TO_OBJECT.0);
    assert_eq!(h["type"], "info");
    assert_eq!(h["URL"], "objects/index.html#node=3");
    let left = SPOTS
        .iter()
        .find(|s| s.0 == tours::CUBE_TO_OBJECT)
        .unwrap()
        .3;
    let (cx, cy) = (
        f64::from(left[0] + left[2]) / 2.0,
        f64::from(left[1] + left[3]) / 2.0,
    );
    // The left face looks at pan 90 (yaw −90); its x grows to the right.
    let (x, y) = ((cx - 36.0) * 96.0 / 72.0, (cy - 36.0) * 96.0 / 72.0);
    let want_yaw = -90.0 + x.atan2(47.5).to_degrees();
    let want_pitch = -(y.atan2(x.hypot(47.5)).to_degrees());
    // (The mean direction of a region 40° tall is not exactly the direction
    // of its middle pixel: within 1°.)
    assert!(
        close(f(&h, "yaw"), want_yaw, 1.0),
        "{h}: want yaw {want_yaw}"
    );
    assert!(
        (f(&h, "pitch") - want_pitch).abs() < 1.0,
        "{h}: want pitch {want_pitch}"
    );

    // In Pannellum, when there is a browser: the link into the cube lands
    // at its view.
    let Some(b) = browser::browser() else { return };
    let mut steps = open_tour(&file_url(&dir.join("index.html")));
    steps.extend([
        json!({"eval": "viewer.getScene() + ':' + viewer.getConfig().hotSpots.length"}),
        json!({"eval": "(() => { const h = viewer.getConfig().hotSpots.find((h) => h.sceneId === '2'); \
            viewer.loadScene(h.sceneId, h.targetPitch, h.targetYaw, h.targetHfov); return true; })()"}),
        json!({"waitFor": "viewer.getScene() === '2' && viewer.isLoaded()", "timeout": 20000}),
        json!({"eval": "[viewer.getYaw(), viewer.getPitch(), viewer.getHfov(), viewer.getConfig().hotSpots.length]"}),
    ]);
    let out = b.run_clean(&Value::Array(steps));
    assert_eq!(result(&out, 0), "1:3");
    let v = result(&out, 2);
    assert!(close(v[0].as_f64().unwrap(), -30.0, 0.01), "{v}");
    assert!((v[1].as_f64().unwrap() - 10.0).abs() < 0.01, "{v}");
    assert!((v[2].as_f64().unwrap() - hfov(70.0)).abs() < 0.01, "{v}");
    assert_eq!(v[3], 2);
}

#[test]
fn a_multinode_tour_starts_at_the_default_node_and_its_links_land_on_their_views() {
    let Some((b, movie)) = setup("gen/multinode_2pano_1obj_links.mov") else {
        return;
    };
    let dir = export(&movie, "multinode");
    let t = tour(&dir);
    // Two panoramas (nodes 1, 2) as scenes; node 3, an object, in objects/.
    assert_eq!(t["default"]["firstScene"], "2", "{t}");
    let scenes = t["scenes"].as_object().expect("scenes");
    assert_eq!(scenes.keys().collect::<Vec<_>>(), ["1", "2"]);
    assert!(dir.join("objects/index.html").is_file());
    let objects_tour =
        std::fs::read_to_string(dir.join("objects/tour.js")).expect("objects/tour.js");
    assert!(
        objects_tour.contains("Turntable"),
        "the object node is in objects/"
    );

    // The hot spots: at the centres of their regions (the generator's best
    // views are those centres), links to panoramas as scene hot spots with
    // the link's view, the link to the object as an info hot spot with a URL.
    // (id, scene, best [pan, tilt], to: a scene or the object's URL, the
    // link's [pan, tilt, fov])
    const OBJECT: &str = "objects/index.html#node=3";
    type Want<'a> = (u64, &'a str, [f64; 2], &'a str, [f64; 3]);
    let want: [Want; 4] = [
        (10, "1", [317.812, -4.90982], "2", [180.0, 0.0, 50.0]),
        (20, "1", [127.969, -11.7841], OBJECT, [0.0; 3]),
        (30, "2", [233.438, -4.90982], "1", [0.0, 5.0, 60.0]),
        (40, "2", [54.1406, -1.40597], OBJECT, [0.0; 3]),
    ];
    for (id, scene, [pan, tilt], to, [to_pan, to_tilt, to_fov]) in want {
        let hs = scenes[scene]["hotSpots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == format!("hotspot-{id}"))
            .unwrap_or_else(|| panic!("hot spot {id} in scene {scene}: {t}"));
        let (y, p) = (hs["yaw"].as_f64().unwrap(), hs["pitch"].as_f64().unwrap());
        assert!(
            close(y, yaw_of(pan), 1.0),
            "hot spot {id} yaw {y}, want {}",
            yaw_of(pan)
        );
        assert!(
            (p - tilt).abs() < 1.0,
            "hot spot {id} pitch {p}, want {tilt}"
        );
        if to.starts_with("objects/") {
            assert_eq!(hs["type"], "info");
            assert_eq!(hs["URL"], to);
        } else {
            assert_eq!(hs["type"], "scene");
            assert_eq!(hs["sceneId"], to);
            let ty = hs["targetYaw"].as_f64().unwrap();
            assert!(
                close(ty, yaw_of(to_pan), 1e-3),
                "hot spot {id} targetYaw {ty}"
            );
            assert!((hs["targetPitch"].as_f64().unwrap() - to_tilt).abs() < 1e-3);
            assert!((hs["targetHfov"].as_f64().unwrap() - hfov(to_fov)).abs() < 1e-3);
        }
    }

    // In Pannellum: the first scene without errors, every scene's hot spots,
    // then a click on hot spot 30 ("Back to A") lands on scene 1 at its view.
    let mut steps = open_tour(&format!("{}#ignored", file_url(&dir.join("index.html"))));
    steps.extend([
        json!({"eval": "viewer.getScene()"}),
        json!({"eval": "viewer.getConfig().hotSpots.length"}),
        json!({"eval": "viewer.getConfig().hotSpots.map((h) => h.text)"}),
        // Centre hot spot 30 and click its marker.
        json!({"eval": "(() => { const h = viewer.getConfig().hotSpots.find((h) => h.id === 'hotspot-30'); \
            viewer.lookAt(h.pitch, h.yaw, 60, false); return true; })()"}),
        json!({"eval": "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"}),
        json!({"eval": "(() => { const h = viewer.getConfig().hotSpots.find((h) => h.id === 'hotspot-30'); \
            const r = h.div.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"}),
    ]);
    let out = b.run_clean(&Value::Array(steps.clone()));
    assert_eq!(result(&out, 0), "2");
    assert_eq!(result(&out, 1), 2, "scene 2's hot spots");
    assert_eq!(result(&out, 2), &json!(["Back to A", "Object"]));
    let at = result(&out, 5).as_array().expect("a point").clone();
    let (x, y) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
    assert!(
        (x - 320.0).abs() < 2.0 && (y - 240.0).abs() < 2.0,
        "the marker is at {x}, {y}"
    );

    steps.extend([
        json!({"click": [x, y]}),
        json!({"waitFor": "viewer.getScene() === '1' && viewer.isLoaded()", "timeout": 20000}),
        json!({"eval": "[viewer.getYaw(), viewer.getPitch(), viewer.getHfov()]"}),
        json!({"eval": "viewer.getConfig().hotSpots.length"}),
    ]);
    let out = b.run_clean(&Value::Array(steps));
    let v: Vec<f64> = result(&out, 6)
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    // Link 30: node 1 at pan 0, tilt 5, fov 60.
    assert!(close(v[0], 0.0, 0.01), "yaw {}", v[0]);
    assert!((v[1] - 5.0).abs() < 0.01, "pitch {}", v[1]);
    assert!((v[2] - hfov(60.0)).abs() < 0.01, "hfov {}", v[2]);
    assert_eq!(result(&out, 7), 2, "scene 1's hot spots");

    // The info hot spots' URL opens the object in the web player.
    let out = b.run_clean(&json!([
        {"viewport": VIEW},
        {"goto": format!("{}#node=3", file_url(&dir.join("objects/index.html")))},
        {"waitFor": "window.qtvrPlayer && qtvrPlayer.state().ready === 'full'", "timeout": 30000},
        {"eval": "[qtvrPlayer.state().node, qtvrPlayer.state().kind]"},
    ]));
    assert_eq!(result(&out, 0), &json!([3, "object"]));
}

#[test]
fn a_cube_in_pannellum_looks_as_qtvr_renders_it() {
    let Some((b, movie)) = setup("gen/cube_std_jpeg.mov") else {
        return;
    };
    let dir = export(&movie, "cube");
    let t = tour(&dir);
    let first = t["default"]["firstScene"].as_str().unwrap().to_string();
    let s = &t["scenes"][&first];
    assert_eq!(s["type"], "cubemap", "{t}");
    assert_eq!(s["cubeMap"].as_array().map(Vec::len), Some(6));
    let node: u32 = first.parse().unwrap();
    // Front, right, looking up, looking down, and oblique.
    let views = [
        (0.0, 0.0, 60.0),
        (270.0, 10.0, 60.0),
        (30.0, 60.0, 70.0),
        (200.0, -55.0, 70.0),
        (135.0, 30.0, 50.0),
    ];
    let url = file_url(&dir.join("index.html"));
    for (i, (pan, tilt, fov)) in views.into_iter().enumerate() {
        let shot = temp_path(&format!("cube-pannellum-{i}.png"));
        let expected = temp_path(&format!("cube-qtvr-{i}.png"));
        let mut steps = open_tour(&url);
        steps.extend(look(yaw_of(pan), tilt, hfov(fov)));
        steps.push(json!({"screenshot": shot}));
        b.run_clean(&Value::Array(steps));
        render(&movie, node, pan, tilt, fov, &expected);
        compare(&format!("cube-{i}"), &shot, &expected, MAX_DIFF);
        // The same picture 3° off differs by more than MAX_DIFF: the
        // comparison would see a face misplaced or turned.
        let off = temp_path(&format!("cube-off-{i}.png"));
        render(&movie, node, pan + 3.0, tilt, fov, &off);
        let d = compare_png(&shot, &off, [0, 0, VIEW[0], VIEW[1]]);
        assert!(
            d > MAX_DIFF,
            "cube-{i}: a view 3° off is only {d:.2}/255 away"
        );
    }
}

#[test]
fn cube_hot_spots_sit_at_their_regions_on_the_faces() {
    let Some((b, movie)) = setup("gen/cube_rle8_hotspots_small.mov") else {
        return;
    };
    let dir = export(&movie, "cube-hotspots");
    let t = tour(&dir);
    let spots = t["scenes"]["1"]["hotSpots"]
        .as_array()
        .expect("hot spots")
        .clone();
    // The front square (face pixels 40..87 of 128) faces the viewer; the
    // top disc (top face pixels 40..103 × 32..95) is 8 pixels right of the
    // zenith: 7.2° from it, towards yaw 90 (the top face is seen as when
    // looking up from the front).
    let at = |name: &str| {
        let h = spots
            .iter()
            .find(|h| h["text"] == name)
            .unwrap_or_else(|| panic!("{name}: {spots:?}"));
        assert_eq!(h["type"], "info");
        (h["yaw"].as_f64().unwrap(), h["pitch"].as_f64().unwrap())
    };
    let (y, p) = at("front square");
    assert!(y.abs() < 0.5 && p.abs() < 0.5, "front square at {y}, {p}");
    let (y, p) = at("top disc");
    let up = 90.0 - (8.0f64 / 63.5).atan().to_degrees();
    assert!(
        close(y, 90.0, 1.0) && (p - up).abs() < 0.5,
        "top disc at {y}, {p}"
    );
    let mut steps = open_tour(&file_url(&dir.join("index.html")));
    steps.push(json!({"eval": "viewer.getConfig().hotSpots.map((h) => h.text)"}));
    steps.push(json!({"eval": "document.querySelectorAll('.pnlm-hotspot-base').length"}));
    let out = b.run_clean(&Value::Array(steps));
    assert_eq!(result(&out, 0), &json!(["front square", "top disc"]));
    assert_eq!(result(&out, 1), 2, "Pannellum made both markers");
}

#[test]
fn a_partial_cylinder_keeps_its_place_and_limits() {
    let Some((b, movie)) = setup("gen/cyl_partial180_smc.mov") else {
        return;
    };
    let dir = export(&movie, "partial");
    let t = tour(&dir);
    let first = t["default"]["firstScene"].as_str().unwrap().to_string();
    let s = &t["scenes"][&first];
    assert_eq!(s["type"], "equirectangular", "{t}");
    let haov = s["haov"].as_f64().unwrap();
    assert!((haov - 180.0).abs() < 1.0, "haov {haov}");
    assert!(s["vaov"].as_f64().unwrap() < 180.0);
    let (min_yaw, max_yaw) = (s["minYaw"].as_f64().unwrap(), s["maxYaw"].as_f64().unwrap());
    assert!(max_yaw - min_yaw <= haov + 1e-6, "{min_yaw}..{max_yaw}");
    let node: u32 = first.parse().unwrap();
    let url = file_url(&dir.join("index.html"));
    // The default view and one off to a side, from Pannellum's own config.
    let mut steps = open_tour(&url);
    steps.push(json!({"eval": "[viewer.getYaw(), viewer.getPitch(), viewer.getHfov()]"}));
    let out = b.run_clean(&Value::Array(steps));
    let d: Vec<f64> = result(&out, 0)
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!((d[0] - s["yaw"].as_f64().unwrap()).abs() < 0.01, "{d:?}");
    // The yaw offset of a partial panorama: pan = centre − yaw.
    let centre = centre_pan(&movie, node);
    for (i, yaw) in [d[0], d[0] + 30.0].into_iter().enumerate() {
        let pan = centre - yaw;
        let (tilt, fov) = (0.0, 40.0);
        let shot = temp_path(&format!("partial-pannellum-{i}.png"));
        let expected = temp_path(&format!("partial-qtvr-{i}.png"));
        let mut steps = open_tour(&url);
        steps.extend(look(yaw, tilt, hfov(fov)));
        steps.push(json!({"eval": "[viewer.getYaw(), viewer.getPitch(), viewer.getHfov()]"}));
        steps.push(json!({"screenshot": shot}));
        let out = b.run_clean(&Value::Array(steps));
        // After the three evaluations of `look`.
        let got = result(&out, 3).clone();
        assert!(
            close(got[0].as_f64().unwrap(), yaw, 0.01),
            "Pannellum moved the view: {got}"
        );
        render(&movie, node, pan, tilt, fov, &expected);
        compare(&format!("partial-{i}"), &shot, &expected, MAX_DIFF);
    }
}

/// The pan a partial cylinder's yaw 0 shows, from the same assembly the
/// exporter uses.
fn centre_pan(movie: &Path, node: u32) -> f64 {
    let (src, loaded) = qtvr_format::qtvr::open(movie).expect("opens");
    let scene = loaded.scene.as_ref().expect("a scene");
    let n = scene
        .node(qtvr_format::qtvr::scene::NodeId(node))
        .expect("node");
    let pic =
        qtvr::cli::render::node_picture(src.as_ref(), &loaded.movie, n, None).expect("picture");
    match qtvr::web::pannellum::layout_of(&pic).expect("layout") {
        qtvr::web::pannellum::Layout::Cylinder(c) => c.centre_pan,
        l => panic!("not a cylinder: {l:?}"),
    }
}

#[test]
fn a_full_cylinder_from_a_web_server_looks_as_qtvr_renders_it() {
    let Some((b, movie)) = setup("gen/multinode_2pano_1obj_links.mov") else {
        return;
    };
    let dir = export(&movie, "served");
    let t = tour(&dir);
    let s = &t["scenes"]["2"];
    assert_eq!(s["type"], "equirectangular");
    assert_eq!(s["haov"], 360.0);
    assert!(
        s.get("minYaw").is_none(),
        "a full cylinder has no yaw limits: {s}"
    );
    // Tilt ±39.8 and fov up to 79.7: the picture's rows.
    let vaov = s["vaov"].as_f64().unwrap();
    assert!((vaov - 2.0 * 39.84451).abs() < 0.5, "vaov {vaov}");
    assert_eq!(s["vOffset"], 0.0);
    for (i, (pan, tilt, fov)) in [(0.0, 0.0, 63.751), (100.0, 8.0, 40.0), (250.0, -10.0, 30.0)]
        .into_iter()
        .enumerate()
    {
        let shot = temp_path(&format!("served-pannellum-{i}.png"));
        let expected = temp_path(&format!("served-qtvr-{i}.png"));
        let mut steps = vec![json!({"serve": dir})];
        steps.extend(open_tour("index.html"));
        steps.push(json!({"eval": "location.protocol + viewer.getScene()"}));
        steps.extend(look(yaw_of(pan), tilt, hfov(fov)));
        steps.push(json!({"screenshot": shot}));
        let out = b.run_clean(&Value::Array(steps));
        assert_eq!(result(&out, 0), "http:2");
        render(&movie, 2, pan, tilt, fov, &expected);
        compare(&format!("served-{i}"), &shot, &expected, MAX_DIFF);
    }
}

#[test]
fn the_page_says_when_pannellum_is_missing() {
    let Some((b, movie)) = setup("gen/cube_rle8_hotspots_small.mov") else {
        return;
    };
    let dir = export(&movie, "missing");
    std::fs::remove_file(dir.join("pannellum.js")).unwrap();
    let out = b.run(&json!([
        {"goto": file_url(&dir.join("index.html"))},
        {"waitFor": "document.querySelector('.qtvr-missing')"},
        {"eval": "document.querySelector('.qtvr-missing').textContent"},
    ]));
    let text = result(&out, 0).as_str().unwrap_or_default();
    assert!(text.contains("pannellum.js"), "{text}");
    assert!(
        std::fs::read_to_string(dir.join("README.txt"))
            .unwrap()
            .contains("pannellum.js")
    );
}
