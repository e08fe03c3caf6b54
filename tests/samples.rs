//! Checks the reader against the sample movies in `../shared/samples/`:
//! every movie loads as a QTVR scene, every generated movie matches its JSON
//! ground truth (`gen/X.json`), and the real and tool-made movies show the facts
//! that `samples/README.md` states. Skips (passing) when the folder is absent.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::path::{Path, PathBuf};

use qtvr_format::container::{Movie, Track};
use qtvr_format::qtvr::{
    CubeFace, CylinderOrientation, Loaded, Node, NodeContent, NodeId, ObjectController, ObjectNode,
    Panorama, Projection, TrackId, TrackUse, View, ViewLimits, load,
};
use serde_json::Value;

mod common;

/// Tolerance for angles and other floats compared with the JSON ground truth
/// (the JSON rounds float32 values to about six significant digits).
const TOL: f64 = 1e-3;

// ---------------------------------------------------------------------------
// Locating and loading
// ---------------------------------------------------------------------------

fn load_file(path: &Path) -> Loaded {
    let bytes: Vec<u8> =
        std::fs::read(path).unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    load(&bytes).unwrap_or_else(|e| panic!("{}: load failed: {e}", path.display()))
}

/// Files in `dir` ending in `.ext`, sorted.
fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: cannot list: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    v
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Collecting failures with context
// ---------------------------------------------------------------------------

/// Collects disagreements so one run reports all of them, each naming the file
/// and the field.
#[derive(Default)]
struct Check {
    failures: Vec<String>,
}

impl Check {
    fn fail(&mut self, at: &str, msg: impl AsRef<str>) {
        self.failures.push(format!("{at}: {}", msg.as_ref()));
    }

    fn eq<T: PartialEq + Debug>(&mut self, at: &str, field: &str, expected: T, actual: T) {
        if expected != actual {
            self.fail(
                at,
                format!("{field}: expected {expected:?}, got {actual:?}"),
            );
        }
    }

    fn near_tol(&mut self, at: &str, field: &str, expected: f64, actual: f64, tol: f64) {
        let close = (expected - actual).abs() <= tol;
        if !close {
            self.fail(
                at,
                format!("{field}: expected {expected} (±{tol}), got {actual}"),
            );
        }
    }

    fn near(&mut self, at: &str, field: &str, expected: f64, actual: f32) {
        self.near_tol(at, field, expected, f64::from(actual), TOL);
    }

    fn near2(&mut self, at: &str, field: &str, expected: [f64; 2], actual: [f32; 2]) {
        let ok = expected
            .iter()
            .zip(actual)
            .all(|(e, a)| (e - f64::from(a)).abs() <= TOL);
        if !ok {
            self.fail(
                at,
                format!("{field}: expected {expected:?} (±{TOL}), got {actual:?}"),
            );
        }
    }

    /// Compares `actual` with `expected` taken as a range: [min, max] whatever the
    /// order in which the JSON stores it.
    fn range(&mut self, at: &str, field: &str, expected: [f64; 2], actual: [f32; 2]) {
        let e = [expected[0].min(expected[1]), expected[0].max(expected[1])];
        let a = [actual[0].min(actual[1]), actual[0].max(actual[1])];
        self.near2(at, field, e, a);
    }

    fn truth(&mut self, at: &str, cond: bool, msg: impl AsRef<str>) {
        if !cond {
            self.fail(at, msg);
        }
    }

    fn finish(self, what: &str) {
        if !self.failures.is_empty() {
            panic!(
                "{what}: {} disagreement(s):\n  {}",
                self.failures.len(),
                self.failures.join("\n  ")
            );
        }
    }
}

// ---------------------------------------------------------------------------
// JSON access
// ---------------------------------------------------------------------------

fn jf(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

fn ju(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

fn js<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn jpair(v: &Value, key: &str) -> Option<[f64; 2]> {
    let a = v.get(key)?.as_array()?;
    match a.as_slice() {
        [x, y] => Some([x.as_f64()?, y.as_f64()?]),
        _ => None,
    }
}

fn ju32(v: &Value, key: &str) -> Option<u32> {
    ju(v, key).and_then(|x| u32::try_from(x).ok())
}

/// A required JSON number; a missing one is a broken ground-truth file.
fn req_u(v: &Value, key: &str, at: &str) -> u64 {
    ju(v, key).unwrap_or_else(|| panic!("{at}: ground truth lacks integer '{key}'"))
}

fn req_f(v: &Value, key: &str, at: &str) -> f64 {
    jf(v, key).unwrap_or_else(|| panic!("{at}: ground truth lacks number '{key}'"))
}

// ---------------------------------------------------------------------------
// Every movie loads
// ---------------------------------------------------------------------------

#[test]
fn every_sample_movie_loads_as_a_qtvr_scene() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let mut c = Check::default();
    let mut count = 0;
    for sub in ["real", "tools-made", "gen"] {
        let d = dir.join(sub);
        if !d.is_dir() {
            c.fail(sub, "folder missing");
            continue;
        }
        for path in files_with_ext(&d, "mov") {
            count += 1;
            let at = format!("{sub}/{}", file_name(&path));
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{at}: cannot read: {e}"));
            let loaded = match load(&bytes) {
                Ok(l) => l,
                Err(e) => {
                    c.fail(&at, format!("load failed: {e}"));
                    continue;
                }
            };
            let Some(scene) = loaded.scene.as_ref() else {
                c.fail(&at, "scene is None (not recognised as QuickTime VR)");
                continue;
            };
            c.truth(&at, !scene.nodes.is_empty(), "scene has no nodes");
            c.truth(
                &at,
                scene.node(scene.default_node).is_some(),
                format!("default node {} is not among the nodes", scene.default_node),
            );
        }
    }
    c.truth(
        "samples",
        count >= 28,
        format!("expected at least 28 movies, found {count}"),
    );
    c.finish("loading every sample movie");
}

// ---------------------------------------------------------------------------
// gen/: compare with the JSON ground truth
// ---------------------------------------------------------------------------

#[test]
fn generated_movies_match_their_ground_truth() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let gen_dir = dir.join("gen");
    let jsons = files_with_ext(&gen_dir, "json");
    let movs = files_with_ext(&gen_dir, "mov");
    assert!(!jsons.is_empty(), "gen/: no ground-truth JSON files");
    let stems = |v: &[PathBuf]| -> BTreeSet<String> {
        v.iter()
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(
        stems(&jsons),
        stems(&movs),
        "gen/: every X.mov should have an X.json and vice versa"
    );

    let mut c = Check::default();
    for jpath in &jsons {
        let text =
            std::fs::read_to_string(jpath).unwrap_or_else(|e| panic!("{}: {e}", jpath.display()));
        let truth: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: bad JSON: {e}", jpath.display()));
        let mov = jpath.with_extension("mov");
        let name = format!("gen/{}", file_name(&mov));
        let loaded = load_file(&mov);
        check_gen_movie(&name, &truth, &loaded, &mut c);
    }
    c.finish("gen/ ground truth");
}

fn check_gen_movie(file: &str, t: &Value, loaded: &Loaded, c: &mut Check) {
    let Some(scene) = loaded.scene.as_ref() else {
        c.fail(file, "scene is None");
        return;
    };
    let at = file;
    if let Some(v) = js(t, "qtvr_version") {
        c.eq(at, "qtvr_version", v, scene.qtvr_version.as_str());
    }
    if let Some(v) = js(t, "ctyp") {
        c.eq(
            at,
            "scene.controller (ctyp)",
            v.to_string(),
            scene.controller.to_string(),
        );
        c.eq(
            at,
            "loaded.controller (ctyp)",
            Some(v.to_string()),
            loaded.controller.map(|f| f.to_string()),
        );
    }
    if let Some(v) = ju32(t, "default_node") {
        c.eq(at, "default_node", v, scene.default_node.0);
    }
    if let Some(v) = js(t, "scene_name") {
        c.eq(at, "scene name", Some(v), scene.name.as_deref());
    }
    let movie = &loaded.movie;
    if let Some(v) = ju32(t, "movie_timescale") {
        c.eq(at, "movie time scale", v, movie.timescale);
    }
    if let Some(v) = ju(t, "movie_duration") {
        c.eq(at, "movie duration", v, movie.duration);
    }
    if let Some(v) = t
        .get("layout")
        .and_then(|l| l.get("cmov"))
        .and_then(Value::as_bool)
    {
        c.eq(
            at,
            "compressed movie header (layout.cmov)",
            v,
            movie.compressed_header,
        );
    }

    let v1 = js(t, "qtvr_version") == Some("1.0");
    let jnodes = t["nodes"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    c.eq(at, "node count", jnodes.len(), scene.nodes.len());
    let want_ids: BTreeSet<u64> = jnodes.iter().filter_map(|n| ju(n, "id")).collect();
    let have_ids: BTreeSet<u64> = scene.nodes.iter().map(|n| u64::from(n.id.0)).collect();
    c.eq(at, "node ids", want_ids, have_ids);

    let jtracks = t["tracks"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    for jn in jnodes {
        let id = req_u(jn, "id", file) as u32;
        let nat = format!("{file} node {id}");
        let Some(node) = scene.node(NodeId(id)) else {
            c.fail(&nat, "node missing from the scene");
            continue;
        };
        check_node(&nat, t, jn, node, v1, jtracks, c);
    }
    check_tracks(file, jtracks, movie, c);
}

fn check_node(
    at: &str,
    t: &Value,
    jn: &Value,
    node: &Node,
    v1: bool,
    jtracks: &[Value],
    c: &mut Check,
) {
    let ty = js(jn, "type").unwrap_or_default();
    // QTVR 1 object node names in the JSON are the generator's labels: the file
    // has nowhere to store them.
    let name_stored = !(v1 && ty == "obje");
    if let Some(name) = js(jn, "name").filter(|_| name_stored) {
        c.eq(at, "name", Some(name), node.name.as_deref());
    }
    if let Some(comment) = js(jn, "comment") {
        c.eq(at, "comment", Some(comment), node.comment.as_deref());
    }
    if let Some(v) = jf(jn, "start_time") {
        c.near_tol(at, "start_time", v, node.start_time, 1e-6);
    }
    if let Some(v) = jf(jn, "duration") {
        c.near_tol(at, "duration", v, node.duration, 1e-6);
    }
    match (ty, &node.content) {
        ("pano", NodeContent::Panorama(p)) => check_panorama(at, t, &jn["panorama"], p, jtracks, c),
        ("obje", NodeContent::Object(o)) => check_object(at, t, &jn["object"], o, v1, jtracks, c),
        _ => c.fail(
            at,
            format!("node type: expected '{ty}', got {}", node.kind_name()),
        ),
    }
    check_hotspots(at, jn, node, v1, c);
}

/// A track use of the scene against the JSON description of its track.
fn check_track_use(at: &str, role: &str, u: &TrackUse, jtracks: &[Value], c: &mut Check) {
    let Some(jt) = jtracks
        .iter()
        .find(|j| ju(j, "track_id") == Some(u64::from(u.track_id.0)))
    else {
        c.fail(
            at,
            format!(
                "{role}: track {} is not in the ground truth's track list",
                u.track_id
            ),
        );
        return;
    };
    let f = format!("{role} (track {})", u.track_id);
    let Some(sd) = jt.get("sample_description") else {
        c.fail(
            at,
            format!("{f}: ground truth has no sample description for it (not a video track)"),
        );
        return;
    };
    if let Some(fmt) = js(sd, "format") {
        c.eq(
            at,
            &format!("{f} codec"),
            fmt.to_string(),
            u.codec.to_string(),
        );
    }
    if let Some(w) = ju32(sd, "width") {
        c.eq(at, &format!("{f} width"), w, u.width);
    }
    if let Some(h) = ju32(sd, "height") {
        c.eq(at, &format!("{f} height"), h, u.height);
    }
    if let Some(d) = sd.get("depth").and_then(Value::as_i64) {
        c.eq(at, &format!("{f} depth"), d, i64::from(u.depth));
    }
    c.eq(
        at,
        &format!("{f} samples.len()"),
        u.sample_count,
        u.samples.len(),
    );
    if let Some(&first) = u.samples.first() {
        c.eq(
            at,
            &format!("{f} first_sample vs samples[0]+1"),
            u.first_sample,
            first + 1,
        );
    }
}

fn expected_orientation(kind: &str) -> Option<CylinderOrientation> {
    match kind {
        "vcyl" | "legacy-vert" => Some(CylinderOrientation::Vertical),
        "hcyl" | "legacy-horz" | "legacy-horiz" => Some(CylinderOrientation::Horizontal),
        _ => None,
    }
}

fn check_panorama(at: &str, t: &Value, jp: &Value, p: &Panorama, jtracks: &[Value], c: &mut Check) {
    let kind = js(jp, "kind").unwrap_or_default();
    let pdat = jp.get("pdat");
    let image = &p.image_track;

    // Image track.
    if let Some(v) = ju32(jp, "image_track_id") {
        c.eq(at, "image_track.track_id", v, image.track_id.0);
    }
    if let Some(v) = ju(jp, "first_sample") {
        c.eq(
            at,
            "image_track.first_sample",
            v as usize,
            image.first_sample,
        );
    }
    check_track_use(at, "image track", image, jtracks, c);

    // Hot spot track (absent from the JSON = none).
    match (ju32(jp, "hotspot_track_id"), &p.hotspot_track) {
        (Some(id), Some(h)) => {
            c.eq(at, "hotspot_track.track_id", id, h.track_id.0);
            if let Some(v) = ju(jp, "hotspot_first_sample") {
                c.eq(at, "hotspot_track.first_sample", v as usize, h.first_sample);
            }
            c.eq(
                at,
                "hotspot_track.sample_count (= image tiles)",
                image.sample_count,
                h.sample_count,
            );
            check_track_use(at, "hot spot track", h, jtracks, c);
        }
        (Some(id), None) => c.fail(at, format!("hotspot_track: expected track {id}, got None")),
        (None, Some(h)) => c.fail(
            at,
            format!("hotspot_track: expected None, got track {}", h.track_id),
        ),
        (None, None) => {}
    }

    // Preview track.
    match (jp.get("preview"), &p.preview_track) {
        (Some(jpv), Some(pv)) => {
            if let Some(v) = ju32(jpv, "track_id") {
                c.eq(at, "preview_track.track_id", v, pv.track_id.0);
            }
            if let Some(v) = ju(jpv, "first_sample") {
                c.eq(
                    at,
                    "preview_track.first_sample",
                    v as usize,
                    pv.first_sample,
                );
            }
            c.eq(
                at,
                "preview_track.sample_count (same tiling)",
                image.sample_count,
                pv.sample_count,
            );
            check_track_use(at, "preview track", pv, jtracks, c);
        }
        (Some(_), None) => c.fail(at, "preview_track: expected a preview track, got None"),
        (None, Some(pv)) => c.fail(
            at,
            format!("preview_track: expected None, got track {}", pv.track_id),
        ),
        (None, None) => {}
    }

    // Projection and sizes.
    if kind.starts_with("cube") {
        let Projection::Cube { faces, standard } = &p.projection else {
            c.fail(
                at,
                format!(
                    "projection: expected cube ('{kind}'), got {:?}",
                    p.projection
                ),
            );
            return;
        };
        let n = ju32(jp, "tiles_per_face_side").unwrap_or(1);
        let face = ju32(jp, "face_size").unwrap_or(image.width * n);
        c.eq(at, "image_size (cube face)", [face, face], p.image_size);
        c.eq(at, "tile_grid (tiles per face side)", [n, n], p.tile_grid);
        c.eq(
            at,
            "image_track tile size",
            [face / n, face / n],
            [image.width, image.height],
        );
        if let Some(s) = ju(jp, "samples") {
            c.eq(
                at,
                "image_track.sample_count (cube tiles)",
                s as usize,
                image.sample_count,
            );
            c.eq(at, "number of cube faces/tiles", s as usize, faces.len());
        }
        match jp.get("cufa").and_then(Value::as_array) {
            Some(cufa) => {
                c.eq(at, "cube standard (no cufa)", false, *standard);
                c.eq(at, "cufa entry count", cufa.len(), faces.len());
                for (i, (je, f)) in cufa.iter().zip(faces).enumerate() {
                    let e: Vec<f64> = je
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(Value::as_f64)
                        .collect();
                    let have = [
                        f.orientation[0],
                        f.orientation[1],
                        f.orientation[2],
                        f.orientation[3],
                        f.center[0],
                        f.center[1],
                        f.aspect,
                        f.skew,
                    ];
                    let ok = e.len() == 8
                        && e.iter()
                            .zip(have)
                            .all(|(x, y)| (x - f64::from(y)).abs() <= TOL);
                    c.truth(
                        at,
                        ok,
                        format!(
                            "cufa[{i}] [w x y z cx cy aspect skew]: expected {e:?}, got {have:?}"
                        ),
                    );
                }
            }
            None => {
                c.eq(at, "cube standard (no cufa)", true, *standard);
                let want = if n == 1 {
                    CubeFace::standard().to_vec()
                } else {
                    CubeFace::standard_tiled(n)
                };
                c.truth(
                    at,
                    faces_near(&want, faces),
                    format!("cube faces: expected the standard faces {want:?}, got {faces:?}"),
                );
            }
        }
    } else {
        let Some(orient) = expected_orientation(kind) else {
            c.fail(at, format!("ground truth: unknown panorama kind '{kind}'"));
            return;
        };
        let Projection::Cylinder {
            orientation,
            legacy_flags,
            ..
        } = &p.projection
        else {
            c.fail(
                at,
                format!(
                    "projection: expected cylinder ('{kind}'), got {:?}",
                    p.projection
                ),
            );
            return;
        };
        c.eq(at, "cylinder orientation", orient, *orientation);
        if let Some(rot) = jp.get("vertical_rotated_tiles").and_then(Value::as_bool) {
            c.eq(
                at,
                "cylinder orientation (vertical_rotated_tiles)",
                rot,
                *orientation == CylinderOrientation::Vertical,
            );
        }
        if let Some(pt) = pdat.and_then(|d| d.get("panoType")) {
            // panoType 0 (a number, not a FourCC) = orientation from the legacy flags bit.
            c.eq(
                at,
                "legacy_flags (pdat panoType 0)",
                pt.as_u64() == Some(0),
                *legacy_flags,
            );
        }
        if let Some(sz) = jpair(jp, "upright_image_size") {
            c.eq(
                at,
                "image_size (upright)",
                [sz[0] as u32, sz[1] as u32],
                p.image_size,
            );
            if let Some(d) = pdat
                && ju(d, "hotSpotSizeX") == ju(d, "imageSizeX")
                && ju(d, "hotSpotSizeY") == ju(d, "imageSizeY")
                && p.hotspot_track.is_some()
            {
                c.eq(
                    at,
                    "hotspot_image_size",
                    Some(p.image_size),
                    p.hotspot_image_size,
                );
            }
        }
        if let Some(sz) = jpair(jp, "tile_size_as_stored") {
            c.eq(
                at,
                "image_track tile size as stored",
                [sz[0] as u32, sz[1] as u32],
                [image.width, image.height],
            );
        }
        if let Some(n) = ju(jp, "tiles") {
            c.eq(
                at,
                "image_track.sample_count (tiles)",
                n as usize,
                image.sample_count,
            );
        }
        let grid = match pdat {
            Some(d) => ju32(d, "imageNumFramesX").zip(ju32(d, "imageNumFramesY")),
            None => t
                .get("panorama_description")
                .and_then(|d| ju32(d, "sceneNumFramesX").zip(ju32(d, "sceneNumFramesY"))),
        };
        if let Some((gx, gy)) = grid {
            c.eq(at, "tile_grid", [gx, gy], p.tile_grid);
        }
    }

    // Constraints.
    let cons = jp.get("constraint_atoms");
    let con = |k: &str| cons.and_then(|c| jpair(c, k));
    let fmt_con = |v: Option<[f32; 2]>| v.map(|[a, b]| [f64::from(a), f64::from(b)]);
    for (k, have) in [
        ("pcon", p.constraints.pan),
        ("tcon", p.constraints.tilt),
        ("fcon", p.constraints.fov),
    ] {
        match (con(k), have) {
            (Some(e), Some(h)) => c.near2(at, &format!("constraints '{k}'"), e, h),
            (e, h) if e.is_some() != h.is_some() => c.fail(
                at,
                format!("constraints '{k}': expected {e:?}, got {:?}", fmt_con(h)),
            ),
            _ => {}
        }
    }

    // View limits.
    if let Some(vl) = jp.get("view_limits") {
        // The scene applies 'pcon'/'tcon'/'fcon' to its limits; the JSON lists
        // them apart from the pdat/cuvw limits.
        let clip = |r: [f64; 2], k: &str| match con(k) {
            Some(cn) => [r[0].max(cn[0]), r[1].min(cn[1])],
            None => r,
        };
        let mut want = json_limits(vl);
        want.pan = want.pan.map(|r| clip(r, "pcon"));
        want.tilt = want.tilt.map(|r| clip(sorted(r), "tcon"));
        want.fov = want.fov.map(|r| clip(r, "fcon"));
        check_limits(at, &want, &p.limits, c);
    } else if let (Some(pd), Some(ph)) = (t.get("panorama_description"), jp.get("pHdr")) {
        // QTVR 1: the limits come from the panorama description when the node
        // header's min/max fields are 0 (= use the description's).
        let header_limits_zero = [
            "minHPan", "maxHPan", "minVPan", "maxVPan", "minZoom", "maxZoom",
        ]
        .iter()
        .all(|k| jf(ph, k) == Some(0.0));
        if header_limits_zero {
            let pan = [req_f(pd, "hPanStart", at), req_f(pd, "hPanEnd", at)];
            let want = JsonLimits {
                source: None,
                pan: Some(pan),
                tilt: Some(sorted([
                    req_f(pd, "vPanBottom", at),
                    req_f(pd, "vPanTop", at),
                ])),
                fov: Some([req_f(pd, "minimumZoom", at), req_f(pd, "maximumZoom", at)]),
                default: [jf(ph, "defHPan"), jf(ph, "defVPan"), jf(ph, "defZoom")],
                wraps: Some((pan[1] - pan[0] - 360.0).abs() < 1e-6),
            };
            check_limits(at, &want, &p.limits, c);
        }
    }
}

fn sorted(r: [f64; 2]) -> [f64; 2] {
    [r[0].min(r[1]), r[0].max(r[1])]
}

fn faces_near(a: &[CubeFace], b: &[CubeFace]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            let xs = [
                x.orientation[0],
                x.orientation[1],
                x.orientation[2],
                x.orientation[3],
                x.center[0],
                x.center[1],
                x.aspect,
                x.skew,
            ];
            let ys = [
                y.orientation[0],
                y.orientation[1],
                y.orientation[2],
                y.orientation[3],
                y.center[0],
                y.center[1],
                y.aspect,
                y.skew,
            ];
            xs.iter()
                .zip(ys)
                .all(|(p, q)| (f64::from(*p) - f64::from(q)).abs() <= TOL)
        })
}

/// View limits as the JSON states them (None = not stated).
struct JsonLimits {
    source: Option<String>,
    pan: Option<[f64; 2]>,
    tilt: Option<[f64; 2]>,
    fov: Option<[f64; 2]>,
    default: [Option<f64>; 3],
    wraps: Option<bool>,
}

fn json_limits(vl: &Value) -> JsonLimits {
    let d = vl.get("default");
    JsonLimits {
        source: js(vl, "source").map(str::to_string),
        pan: jpair(vl, "pan"),
        tilt: jpair(vl, "tilt"),
        fov: jpair(vl, "fov"),
        default: [
            d.and_then(|d| jf(d, "pan")),
            d.and_then(|d| jf(d, "tilt")),
            d.and_then(|d| jf(d, "fov")),
        ],
        wraps: vl.get("wraps").and_then(Value::as_bool),
    }
}

fn check_limits(at: &str, want: &JsonLimits, have: &ViewLimits, c: &mut Check) {
    if let Some(s) = &want.source {
        c.eq(at, "limits.source", s.as_str(), have.source);
    }
    if let Some(p) = want.pan {
        c.near2(at, "limits.pan", p, have.pan);
    }
    if let Some(t) = want.tilt {
        c.truth(
            at,
            have.tilt[0] <= have.tilt[1],
            format!("limits.tilt should be [min, max], got {:?}", have.tilt),
        );
        c.range(at, "limits.tilt", t, have.tilt);
    }
    if let Some(f) = want.fov {
        c.near2(at, "limits.fov", f, have.fov);
    }
    let [dp, dt, df] = want.default;
    if let Some(v) = dp {
        c.near(at, "limits.default.pan", v, have.default.pan);
    }
    if let Some(v) = dt {
        c.near(at, "limits.default.tilt", v, have.default.tilt);
    }
    if let Some(v) = df {
        c.near(at, "limits.default.fov", v, have.default.fov);
    }
    if let Some(w) = want.wraps {
        c.eq(at, "limits.wraps", w, have.wraps);
    }
}

fn check_object(
    at: &str,
    t: &Value,
    jo: &Value,
    o: &ObjectNode,
    v1: bool,
    jtracks: &[Value],
    c: &mut Check,
) {
    let obji = jo.get("obji");
    let navg = t.get("NAVG");
    let num = |k: &str| -> Option<u32> { ju32(jo, k).or_else(|| obji.and_then(|b| ju32(b, k))) };

    if let Some(v) = num("rows") {
        c.eq(at, "rows", v, o.rows);
    }
    if let Some(v) = num("columns") {
        c.eq(at, "columns", v, o.columns);
    }
    if let Some(v) = ju32(jo, "frames_per_view") {
        c.eq(at, "frames_per_view", v, o.frames_per_view);
    }
    if let Some(v) = ju32(jo, "image_track_id") {
        c.eq(at, "image_track.track_id", v, o.image_track.track_id.0);
    }
    check_track_use(at, "image track", &o.image_track, jtracks, c);
    match (ju32(jo, "hotspot_track_id"), &o.hotspot_track) {
        (Some(id), Some(h)) => {
            c.eq(at, "hotspot_track.track_id", id, h.track_id.0);
            check_track_use(at, "hot spot track", h, jtracks, c);
        }
        (Some(id), None) => c.fail(at, format!("hotspot_track: expected track {id}, got None")),
        (None, Some(h)) => c.fail(
            at,
            format!("hotspot_track: expected None, got track {}", h.track_id),
        ),
        (None, None) => {}
    }

    if let Some(b) = obji {
        if let Some(v) = ju32(b, "viewStateCount") {
            c.eq(at, "view_states (obji viewStateCount)", v, o.view_states);
        }
        if let Some(v) = ju(b, "movieType") {
            c.eq(at, "movie_type (obji movieType)", v as u16, o.movie_type);
            c.eq(
                at,
                "controller (from movieType)",
                ObjectController::from_movie_type(v as u16),
                o.controller,
            );
        }
        if let Some(v) = ju32(b, "controlSettings") {
            c.eq(
                at,
                "control_settings (obji controlSettings)",
                v,
                o.control_settings,
            );
        }
        if let Some(v) = ju32(b, "animationSettings") {
            c.eq(
                at,
                "animation_settings (obji animationSettings)",
                v,
                o.animation_settings,
            );
        }
        if let Some(v) = ju(b, "defaultViewState") {
            c.eq(
                at,
                "default_view_state (obji)",
                v as u16,
                o.default_view_state,
            );
        }
        if let Some(v) = ju(b, "mouseDownViewState") {
            c.eq(
                at,
                "mouse_down_view_state (obji)",
                v as u16,
                o.mouse_down_view_state,
            );
        }
        if let Some(v) = ju32(b, "viewDuration") {
            c.eq(at, "view_duration (obji viewDuration)", v, o.view_duration);
        }
        if let Some(v) = jf(b, "mouseMotionScale") {
            c.near(at, "mouse_motion_scale (obji)", v, o.mouse_motion_scale);
        }
        if let Some(v) = jf(b, "viewRate") {
            c.near(at, "view_rate (obji viewRate)", v, o.view_rate);
        }
        if let Some(v) = jf(b, "frameRate") {
            c.near(at, "frame_rate (obji frameRate)", v, o.frame_rate);
        }
        if let (Some(h), Some(v)) = (jf(b, "defaultViewCenterH"), jf(b, "defaultViewCenterV")) {
            c.near2(
                at,
                "view_center (obji defaultViewCenterH/V)",
                [h, v],
                o.view_center,
            );
        }
        if let (Some(a), Some(z)) = (jf(b, "minPan"), jf(b, "maxPan")) {
            c.near2(at, "pan (obji minPan/maxPan)", [a, z], o.pan);
        }
        if let (Some(a), Some(z)) = (jf(b, "minTilt"), jf(b, "maxTilt")) {
            c.range(
                at,
                "tilt (obji minTilt/maxTilt, as a range)",
                [a, z],
                o.tilt,
            );
        }
        if let (Some(a), Some(z)) = (jf(b, "minFieldOfView"), jf(b, "fieldOfView")) {
            c.near2(at, "fov (obji minFieldOfView/fieldOfView)", [a, z], o.fov);
        }
        if let Some(v) = jf(b, "defaultPan") {
            c.near(at, "default.pan (obji)", v, o.limits.default.pan);
        }
        if let Some(v) = jf(b, "defaultTilt") {
            c.near(at, "default.tilt (obji)", v, o.limits.default.tilt);
        }
        if let Some(v) = jf(b, "defaultFieldOfView") {
            c.near(at, "default.fov (obji)", v, o.limits.default.fov);
        }
    }
    if let (true, Some(n)) = (v1, navg) {
        if let Some(v) = ju(n, "movieType") {
            c.eq(at, "movie_type (NAVG movieType)", v as u16, o.movie_type);
        }
        if let Some(v) = ju32(n, "loopSize") {
            c.eq(at, "frames_per_view (NAVG loopSize)", v, o.frames_per_view);
        }
        if let (Some(a), Some(z)) = (jf(n, "startHPan"), jf(n, "endHPan")) {
            c.near2(at, "pan (NAVG startHPan/endHPan)", [a, z], o.pan);
            c.near2(at, "limits.pan (NAVG)", [a, z], o.limits.pan);
        }
        if let (Some(a), Some(z)) = (jf(n, "startVPan"), jf(n, "endVPan")) {
            c.range(
                at,
                "tilt (NAVG startVPan/endVPan, as a range)",
                [a, z],
                o.tilt,
            );
            c.truth(
                at,
                o.limits.tilt[0] <= o.limits.tilt[1],
                format!("limits.tilt should be [min, max], got {:?}", o.limits.tilt),
            );
            c.range(at, "limits.tilt (NAVG)", [a, z], o.limits.tilt);
        }
        if let Some(v) = jf(n, "initialHPan") {
            c.near(
                at,
                "default.pan (NAVG initialHPan)",
                v,
                o.limits.default.pan,
            );
        }
        if let Some(v) = jf(n, "initialVPan") {
            c.near(
                at,
                "default.tilt (NAVG initialVPan)",
                v,
                o.limits.default.tilt,
            );
        }
    }
    if let Some(vl) = jo.get("view_limits") {
        let mut want = json_limits(vl);
        want.tilt = want.tilt.map(sorted);
        check_limits(at, &want, &o.limits, c);
    }

    // Sample of a view, from the JSON's frame index formula.
    let rows = o.rows;
    let cols = o.columns;
    let states = obji.and_then(|b| ju32(b, "viewStateCount")).unwrap_or(1);
    let fpv = ju32(jo, "frames_per_view").unwrap_or(1);
    let first = ju(jo, "first_sample").unwrap_or(1) as usize;
    let expected = |r: u32, col: u32, s: u32, f: u32| -> usize {
        (((s * rows + r) * cols + col) * fpv + f) as usize + (first - 1)
    };
    let mut views = vec![
        (0, 0, 0, 0),
        (rows - 1, cols - 1, states - 1, fpv - 1),
        (rows / 2, cols / 2, states - 1, 0),
        (0, cols - 1, 0, fpv - 1),
        (rows - 1, 0, 0, 0),
    ];
    if rows > 1 && cols > 2 {
        views.push((1, 2, 0, fpv / 2));
    }
    for (r, col, s, f) in views {
        c.eq(
            at,
            &format!("sample_for(row {r}, column {col}, state {s}, frame {f})"),
            Some(expected(r, col, s, f)),
            o.sample_for(r, col, s, f),
        );
    }
    c.eq(
        at,
        "sample_for(row = rows, ...) (out of range)",
        None,
        o.sample_for(rows, 0, 0, 0),
    );
    c.eq(
        at,
        "sample_for(column = columns, ...) (out of range)",
        None,
        o.sample_for(0, cols, 0, 0),
    );
    c.eq(
        at,
        "image_track.sample_count (rows·columns·states·frames)",
        (rows * cols * states * fpv) as usize,
        o.image_track.sample_count,
    );

    // One hot spot frame for the whole node: every view uses it.
    if let Some(h) = &o.hotspot_track {
        let single = jtracks
            .iter()
            .find(|j| ju(j, "track_id") == Some(u64::from(h.track_id.0)))
            .and_then(|j| ju(j, "sample_count"))
            == Some(1);
        if single {
            for (r, col) in [(0, 0), (rows - 1, cols - 1)] {
                c.eq(
                    at,
                    &format!(
                        "hotspot_sample_for(row {r}, column {col}, 0, 0) (single hot spot frame)"
                    ),
                    Some(0),
                    o.hotspot_sample_for(r, col, 0, 0),
                );
            }
        }
    }
}

fn check_hotspots(at: &str, jn: &Value, node: &Node, v1: bool, c: &mut Check) {
    let jh = jn
        .get("hotspots")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let want: BTreeSet<u64> = jh.iter().filter_map(|h| ju(h, "id")).collect();
    let have: BTreeSet<u64> = node.hotspots.iter().map(|h| u64::from(h.id.0)).collect();
    c.eq(at, "hot spot ids", want, have);
    for j in jh {
        let id = req_u(j, "id", at) as u32;
        let hat = format!("{at} hot spot {id}");
        let Some(h) = node.hotspots.iter().find(|h| h.id.0 == id) else {
            continue;
        };
        if let Some(ty) = js(j, "type") {
            c.eq(&hat, "type", ty.to_string(), h.kind.to_string());
        }
        if let Some(name) = js(j, "name") {
            c.eq(&hat, "name", Some(name), h.name.as_deref());
        }
        // Best view: QTVR 2 'hsin' best*, QTVR 1 'pHot' view*.
        let bp = jf(j, "best_pan").or_else(|| jf(j, "view_pan"));
        let bt = jf(j, "best_tilt").or_else(|| jf(j, "view_tilt"));
        let bf = jf(j, "best_fov").or_else(|| jf(j, "view_zoom"));
        if bp.is_some() || bt.is_some() || bf.is_some() {
            match h.best_view {
                None => c.fail(
                    &hat,
                    format!("best_view: expected pan {bp:?} tilt {bt:?} fov {bf:?}, got None"),
                ),
                Some(View { pan, tilt, fov }) => {
                    if let Some(v) = bp {
                        c.near(&hat, "best_view.pan", v, pan);
                    }
                    if let Some(v) = bt {
                        c.near(&hat, "best_view.tilt", v, tilt);
                    }
                    if let Some(v) = bf {
                        c.near(&hat, "best_view.fov", v, fov);
                    }
                }
            }
        }
        let rect_key = if v1 {
            "rect_tlbr_in_rotated_scene"
        } else {
            "hsin_rect_tlbr"
        };
        if let Some(r) = j.get(rect_key).and_then(Value::as_array) {
            let r: Vec<i64> = r.iter().filter_map(Value::as_i64).collect();
            c.eq(
                &hat,
                &format!("rect ({rect_key})"),
                Some(r),
                h.rect
                    .map(|x| x.iter().map(|&v| i64::from(v)).collect::<Vec<_>>()),
            );
        }
        if js(j, "type") == Some("link") {
            let Some(l) = &h.link else {
                c.fail(&hat, "link: expected a link destination, got None");
                continue;
            };
            if let Some(v) = ju32(j, "to_node") {
                c.eq(&hat, "link.to_node", v, l.to_node.0);
            }
            let flags = ju32(j, "to_valid_flags");
            if let Some(fl) = flags {
                c.eq(&hat, "link.to_valid_flags", fl, l.to_valid_flags);
            }
            for (key, bit, have) in [
                ("to_pan", 1, l.to_pan),
                ("to_tilt", 2, l.to_tilt),
                ("to_fov", 4, l.to_fov),
            ] {
                let valid = flags.is_none_or(|f| f & bit != 0);
                match (jf(j, key), valid, have) {
                    (Some(e), true, Some(a)) => c.near(&hat, &format!("link.{key}"), e, a),
                    (Some(e), true, None) => {
                        c.fail(&hat, format!("link.{key}: expected {e}, got None"))
                    }
                    (_, false, Some(a)) => c.fail(
                        &hat,
                        format!("link.{key}: toValidFlags bit {bit} clear, expected None, got {a}"),
                    ),
                    _ => {}
                }
            }
        } else if let Some(l) = &h.link {
            c.fail(
                &hat,
                format!("link: type is not 'link', expected None, got {l:?}"),
            );
        }
    }
}

fn check_tracks(file: &str, jtracks: &[Value], movie: &Movie, c: &mut Check) {
    c.eq(file, "track count", jtracks.len(), movie.tracks.len());
    for jt in jtracks {
        let id = TrackId(req_u(jt, "track_id", file) as u32);
        let at = format!("{file} track {id}");
        let Some(tr) = movie.tracks.iter().find(|t| t.id == id) else {
            c.fail(&at, "track missing from the movie");
            continue;
        };
        check_track(&at, jt, tr, c);
    }
}

fn check_track(at: &str, jt: &Value, tr: &Track, c: &mut Check) {
    if let Some(v) = ju(jt, "sample_count") {
        c.eq(at, "sample count", v as usize, tr.samples.len());
    }
    if let Some(v) = ju32(jt, "media_timescale") {
        c.eq(at, "media time scale", v, tr.media_timescale);
    }
    if let Some(v) = jt.get("enabled").and_then(Value::as_bool) {
        c.eq(at, "enabled", v, tr.enabled);
    }
    if let Some(v) = js(jt, "media_type") {
        c.eq(
            at,
            "handler (media_type)",
            v.to_string(),
            tr.handler.to_string(),
        );
    }
    if let Some(edits) = jt.get("edits").and_then(Value::as_array) {
        let want: Vec<(u64, i64, f64)> = edits
            .iter()
            .map(|e| {
                (
                    req_u(e, "track_duration", at),
                    e["media_time"]
                        .as_i64()
                        .unwrap_or_else(|| panic!("{at}: edit without media_time")),
                    req_f(e, "media_rate", at),
                )
            })
            .collect();
        let have: Vec<(u64, i64, f64)> = tr
            .edits
            .iter()
            .map(|e| (e.track_duration, e.media_time, e.media_rate))
            .collect();
        c.eq(at, "edit list (duration, media time, rate)", want, have);
    }
    if let Some(tref) = jt.get("tref").and_then(Value::as_object) {
        let want: BTreeSet<&str> = tref.keys().map(String::as_str).collect();
        let have_kinds: Vec<String> = tr.references.iter().map(|r| r.kind.to_string()).collect();
        let have: BTreeSet<&str> = have_kinds.iter().map(String::as_str).collect();
        c.eq(at, "track reference types", want, have);
        for (k, ids) in tref {
            let want: Vec<u32> = ids
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_u64().map(|x| x as u32))
                        .collect()
                })
                .unwrap_or_default();
            let Ok(kind) = <[u8; 4]>::try_from(k.as_bytes()) else {
                c.fail(at, format!("ground truth: bad reference type '{k}'"));
                continue;
            };
            c.eq(
                at,
                &format!("tref '{k}'"),
                want.as_slice(),
                tr.reference(&kind),
            );
        }
    }
    if let Some(sd) = jt.get("sample_description") {
        if let Some(f) = js(sd, "format") {
            c.eq(
                at,
                "codec",
                Some(f.to_string()),
                tr.codec().map(|x| x.to_string()),
            );
        }
        let Some(vd) = tr.descriptions.first().and_then(|d| d.video.as_ref()) else {
            c.fail(at, "no video sample description");
            return;
        };
        if let Some(v) = ju(sd, "width") {
            c.eq(at, "description width", v, u64::from(vd.width));
        }
        if let Some(v) = ju(sd, "height") {
            c.eq(at, "description height", v, u64::from(vd.height));
        }
        if let Some(v) = sd.get("depth").and_then(Value::as_i64) {
            c.eq(at, "description depth", v, i64::from(vd.depth));
        }
        if let Some(v) = sd.get("color_table_id").and_then(Value::as_i64) {
            c.eq(
                at,
                "description color_table_id",
                v,
                i64::from(vd.color_table_id),
            );
        }
        if let Some(v) = js(sd, "compressor") {
            c.eq(
                at,
                "description compressor name",
                v,
                vd.compressor_name.as_str(),
            );
        }
        if let Some(v) = js(sd, "vendor") {
            c.eq(
                at,
                "description vendor",
                v.to_string(),
                vd.vendor.to_string(),
            );
        }
    }
}

// ---------------------------------------------------------------------------
// real/ and tools-made/: the facts samples/README.md states
// ---------------------------------------------------------------------------

/// Loads `sub/name` and returns its only node's content, failing loudly otherwise.
fn single_node(dir: &Path, sub: &str, name: &str) -> (Loaded, String) {
    let path = dir.join(sub).join(name);
    let at = format!("{sub}/{name}");
    let loaded = load_file(&path);
    let scene = loaded
        .scene
        .as_ref()
        .unwrap_or_else(|| panic!("{at}: scene is None"));
    assert_eq!(scene.nodes.len(), 1, "{at}: node count");
    assert_eq!(scene.qtvr_version, "2.0", "{at}: qtvr_version");
    (loaded, at)
}

fn panorama(loaded: &Loaded, at: &str) -> Panorama {
    match &loaded.scene.as_ref().unwrap().nodes[0].content {
        NodeContent::Panorama(p) => (**p).clone(),
        NodeContent::Object(_) => panic!("{at}: expected a panorama node, got an object"),
    }
}

fn cube_faces<'a>(p: &'a Panorama, at: &str) -> (&'a [CubeFace], bool) {
    match &p.projection {
        Projection::Cube { faces, standard } => (faces, *standard),
        other => panic!("{at}: projection: expected cube, got {other:?}"),
    }
}

fn track_by_id<'a>(movie: &'a Movie, id: TrackId, at: &str) -> &'a Track {
    movie
        .tracks
        .iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("{at}: track {id} missing"))
}

fn check_tile_track(
    c: &mut Check,
    at: &str,
    role: &str,
    u: &TrackUse,
    count: usize,
    w: u32,
    h: u32,
) {
    c.eq(
        at,
        &format!("{role} codec"),
        "jpeg".to_string(),
        u.codec.to_string(),
    );
    c.eq(at, &format!("{role} sample count"), count, u.sample_count);
    c.eq(
        at,
        &format!("{role} tile size"),
        [w, h],
        [u.width, u.height],
    );
}

/// A cube of six whole `size`² faces in one six-sample image track.
fn check_six_faces(c: &mut Check, at: &str, p: &Panorama, size: u32) {
    let (faces, _) = cube_faces(p, at);
    c.eq(at, "cube faces", 6, faces.len());
    c.eq(at, "image_size (face)", [size, size], p.image_size);
    check_tile_track(c, at, "image track", &p.image_track, 6, size, size);
}

#[test]
fn real_panini_cube_with_preview_after_main() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let (loaded, at) = single_node(&dir, "real", "panini_OutsideSionHillCampus.mov");
    let at = at.as_str();
    let p = panorama(&loaded, at);
    let mut c = Check::default();
    check_six_faces(&mut c, at, &p, 1800);
    match &p.preview_track {
        Some(pv) => {
            check_tile_track(&mut c, at, "preview track", pv, 6, 200, 200);
            // Stored after the main track.
            let main = track_by_id(&loaded.movie, p.image_track.track_id, at);
            let prev = track_by_id(&loaded.movie, pv.track_id, at);
            c.truth(
                at,
                prev.offset > main.offset,
                format!(
                    "preview track {} should be stored after main track {} (trak offsets {} vs {})",
                    pv.track_id, p.image_track.track_id, prev.offset, main.offset
                ),
            );
        }
        None => c.fail(
            at,
            "preview track: expected a 200x200 preview track, got None",
        ),
    }
    c.eq(at, "limits.source", "cuvw", p.limits.source);
    c.near2(at, "limits.tilt", [-90.0, 90.0], p.limits.tilt);
    c.near2(at, "limits.fov", [20.0, 140.0], p.limits.fov);
    c.near(at, "limits.default.fov", 80.0, p.limits.default.fov);
    c.finish(at);
}

#[test]
fn real_cuty_tiled_cube_from_cufa() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let (loaded, at) = single_node(&dir, "real", "cuty_CuTy.mov");
    let at = at.as_str();
    let p = panorama(&loaded, at);
    let mut c = Check::default();
    check_tile_track(&mut c, at, "image track", &p.image_track, 54, 170, 170);
    let (faces, standard) = cube_faces(&p, at);
    c.eq(at, "cube standard (cufa stored)", false, standard);
    c.eq(at, "cufa entries", 54, faces.len());
    c.eq(at, "tile_grid (3x3 per face)", [3, 3], p.tile_grid);
    c.eq(at, "image_size (face)", [510, 510], p.image_size);
    c.eq(at, "limits.source", "cuvw", p.limits.source);
    c.near2(at, "limits.fov", [20.0, 90.0], p.limits.fov);
    // NOTES.md: every quaternion has magnitude √3; the faces are the standard
    // ones in storage order; centres (-2,2) (0,2) (2,2) (-2,0) ... (2,-2).
    let want = CubeFace::standard_tiled(3);
    for (i, (f, w)) in faces.iter().zip(&want).enumerate() {
        let mag = f
            .orientation
            .iter()
            .map(|x| f64::from(*x).powi(2))
            .sum::<f64>()
            .sqrt();
        c.near_tol(at, &format!("cufa[{i}] |q|"), 3f64.sqrt(), mag, TOL);
        let ok = f
            .orientation
            .iter()
            .zip(w.orientation)
            .all(|(a, b)| (f64::from(*a) - f64::from(b)).abs() <= TOL);
        c.truth(
            at,
            ok,
            format!(
                "cufa[{i}] quaternion: expected {:?} (face {}), got {:?}",
                w.orientation,
                i / 9,
                f.orientation
            ),
        );
        c.near2(
            at,
            &format!("cufa[{i}] centre"),
            [f64::from(w.center[0]), f64::from(w.center[1])],
            f.center,
        );
    }
    c.finish(at);
}

fn check_archon(name: &str, tile: [u32; 2], tilt_tol: f64, fov_tol: f64) {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let (loaded, at) = single_node(&dir, "real", name);
    let at = at.as_str();
    let p = panorama(&loaded, at);
    let mut c = Check::default();
    match &p.projection {
        Projection::Cylinder {
            orientation,
            legacy_flags,
            ..
        } => {
            c.eq(
                at,
                "cylinder orientation",
                CylinderOrientation::Vertical,
                *orientation,
            );
            c.eq(
                at,
                "legacy_flags (panoType 0, flags 0)",
                true,
                *legacy_flags,
            );
        }
        other => c.fail(
            at,
            format!("projection: expected a vertical cylinder, got {other:?}"),
        ),
    }
    check_tile_track(
        &mut c,
        at,
        "image track",
        &p.image_track,
        24,
        tile[0],
        tile[1],
    );
    // Rotated tiles: the upright image is 24 tile heights wide, one tile width high.
    c.eq(
        at,
        "image_size (upright)",
        [24 * tile[1], tile[0]],
        p.image_size,
    );
    c.eq(at, "tile_grid", [1, 24], p.tile_grid);
    c.near2(at, "limits.pan", [0.0, 360.0], p.limits.pan);
    c.eq(at, "limits.wraps", true, p.limits.wraps);
    c.near_tol(
        at,
        "limits.tilt[0]",
        -20.85,
        f64::from(p.limits.tilt[0]),
        tilt_tol,
    );
    c.near_tol(
        at,
        "limits.tilt[1]",
        20.85,
        f64::from(p.limits.tilt[1]),
        tilt_tol,
    );
    c.near_tol(
        at,
        "limits.fov[1] (max fov)",
        41.7,
        f64::from(p.limits.fov[1]),
        fov_tol,
    );
    // An empty hot spot parent atom and no hot spot track.
    c.eq(
        at,
        "hot spot count",
        0,
        loaded.scene.as_ref().unwrap().nodes[0].hotspots.len(),
    );
    c.eq(
        at,
        "hotspot_track",
        None,
        p.hotspot_track.as_ref().map(|h| h.track_id),
    );
    c.finish(at);
}

#[test]
fn real_archon_large_vertical_cylinder() {
    check_archon("archon_facilities-panorama-lg.mov", [640, 220], 0.01, 0.01);
}

#[test]
fn real_archon_small_vertical_cylinder() {
    // The README gives the large movie's ±20.85 and 41.7; the small one's pdat
    // (same scene, smaller image) says ±20.836 and 41.67.
    check_archon("archon_facilities-panorama-sm.mov", [314, 108], 0.02, 0.05);
}

#[test]
fn tools_jpeg2qtvr_cube() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let (loaded, at) = single_node(&dir, "tools-made", "jpeg2qtvr_panini_outside_cube.mov");
    let at = at.as_str();
    let p = panorama(&loaded, at);
    let mut c = Check::default();
    // pdat imageSizeX says 7680; the faces are 1024².
    check_six_faces(&mut c, at, &p, 1024);
    c.eq(
        at,
        "preview_track",
        None,
        p.preview_track.as_ref().map(|t| t.track_id),
    );
    c.finish(at);
}

#[test]
fn tools_jpeg2qtvr_cube_with_preview_before_main() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let (loaded, at) = single_node(
        &dir,
        "tools-made",
        "jpeg2qtvr_panini_outside_cube_preview.mov",
    );
    let at = at.as_str();
    let p = panorama(&loaded, at);
    let mut c = Check::default();
    check_six_faces(&mut c, at, &p, 1024);
    // imgt = [4, 3]: main track 4, preview track 3 (stored before the main one).
    let pano_track = loaded.movie.tracks.iter().find(|t| t.handler.0 == *b"pano");
    c.eq(
        at,
        "pano track 'imgt' reference",
        Some(vec![4u32, 3]),
        pano_track.map(|t| t.reference(b"imgt").to_vec()),
    );
    c.eq(at, "image_track.track_id", 4, p.image_track.track_id.0);
    match &p.preview_track {
        Some(pv) => {
            c.eq(at, "preview_track.track_id", 3, pv.track_id.0);
            check_tile_track(&mut c, at, "preview track", pv, 6, 128, 128);
        }
        None => c.fail(
            at,
            "preview track: expected a 128x128 preview track, got None",
        ),
    }
    c.near(at, "limits.default.pan", 90.0, p.limits.default.pan);
    c.near(at, "limits.default.tilt", 10.0, p.limits.default.tilt);
    c.near(at, "limits.default.fov", 70.0, p.limits.default.fov);
    c.finish(at);
}

#[test]
fn tools_libquicktime_object_12x3() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let (loaded, at) = single_node(&dir, "tools-made", "libquicktime_object_12x3_jpeg.mov");
    let at = at.as_str();
    let o = match &loaded.scene.as_ref().unwrap().nodes[0].content {
        NodeContent::Object(o) => (**o).clone(),
        NodeContent::Panorama(_) => panic!("{at}: expected an object node, got a panorama"),
    };
    let mut c = Check::default();
    c.eq(at, "columns", 12, o.columns);
    c.eq(at, "rows", 3, o.rows);
    c.eq(at, "view_states", 1, o.view_states);
    c.eq(at, "frames_per_view", 1, o.frames_per_view);
    check_tile_track(&mut c, at, "image track", &o.image_track, 36, 320, 240);
    // minTilt 72 > maxTilt -72 as this writer stores it: a range all the same.
    c.range(at, "tilt (as stored, as a range)", [72.0, -72.0], o.tilt);
    c.near2(at, "limits.tilt ([min, max])", [-72.0, 72.0], o.limits.tilt);
    c.near2(at, "limits.pan", [0.0, 360.0], o.limits.pan);
    let first = o.image_track.first_sample;
    c.eq(at, "image_track.first_sample", 1, first);
    for r in 0..3 {
        for col in [0, 5, 11] {
            c.eq(
                at,
                &format!("sample_for(row {r}, column {col}, 0, 0)"),
                Some((r * 12 + col) as usize),
                o.sample_for(r, col, 0, 0),
            );
        }
    }
    c.finish(at);
}

#[test]
fn tools_libquicktime_quirky_panorama_loads_with_warnings() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let (loaded, at) = single_node(&dir, "tools-made", "libquicktime_pano_quirky_jpeg.mov");
    let at = at.as_str();
    let p = panorama(&loaded, at);
    let scene = loaded.scene.as_ref().unwrap();
    let mut c = Check::default();
    c.truth(
        at,
        !scene.warnings.is_empty(),
        "expected warnings about the writer's quirks, got none",
    );
    // Use what the track holds: 8 unrotated 256x512 strips, left to right.
    check_tile_track(&mut c, at, "image track", &p.image_track, 8, 256, 512);
    match &p.projection {
        Projection::Cylinder { orientation, .. } => c.eq(
            at,
            "cylinder orientation (unrotated strips)",
            CylinderOrientation::Horizontal,
            *orientation,
        ),
        other => c.fail(
            at,
            format!("projection: expected a cylinder, got {other:?}"),
        ),
    }
    c.eq(at, "image_size (from the tiles)", [2048, 512], p.image_size);
    c.eq(at, "tile_grid (from the tiles)", [8, 1], p.tile_grid);
    let t = p.limits.tilt;
    c.truth(
        at,
        t[0].is_finite() && t[1].is_finite() && t[0] <= t[1] && t[0] >= -90.0 && t[1] <= 90.0,
        format!("limits.tilt should be an ordered range within ±90, got {t:?}"),
    );
    c.finish(at);
}
