//! The decoded-pixel budget (`--max-memory`, 1 GiB by default): a movie whose
//! sample descriptions claim huge frames is refused by the viewer's loader,
//! `render`, every `export` and `convert` before anything is decoded, with a
//! message that says how much it needs and how to raise the budget; raising
//! it lets the movie through.
//!
//! The movies are the test tour (tests/support/tours.rs: a cylinder, a cube
//! and an object, 40 KB) with every video sample description rewritten to
//! claim other frame sizes ([`qtvr_testkit::claim::video_size`]).

#[path = "support/tours.rs"]
mod tours;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use qtvr::budget;
use qtvr_format::assemble::{self, PictureError};
use qtvr_format::qtvr::{self as scene, NodeContent};
use qtvr_testkit::{alloc, claim};

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

/// The tour claiming `side × side` frames in every video track.
fn claiming(side: u16) -> Vec<u8> {
    claim::video_size(&tours::tour(), side, side)
}

fn dir(tag: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("budget-{tag}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(tag: &str, bytes: &[u8]) -> (PathBuf, String) {
    let d = dir(tag);
    let f = d.join("tour.mov");
    std::fs::write(&f, bytes).unwrap();
    let s = f.to_string_lossy().into_owned();
    (d, s)
}

fn qtvr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qtvr"))
        .args(args)
        .output()
        .expect("run the qtvr binary")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// MB (rounded up) the node's claims need, as the message says them.
fn needs_mb(bytes: &[u8], node: u32) -> u64 {
    let loaded = scene::load(&bytes.to_vec()).unwrap();
    let sc = loaded.scene.as_ref().unwrap();
    let n = sc.node(scene::NodeId(node)).unwrap();
    assemble::node_memory(&loaded.movie, n, 1)
        .bytes
        .div_ceil(1 << 20)
}

/// The refusal of node `node` of `bytes` as the budget words it.
fn refusal(bytes: &[u8], node: u32) -> String {
    let mb = needs_mb(bytes, node);
    format!("node {node}: needs {mb} MB of decoded pixels (",)
        + &format!("more than the 1024 MB memory budget; `--max-memory {mb}` raises it")
}

#[test]
fn claims_are_added_up_from_the_sample_descriptions() {
    let bytes = claiming(16000);
    let loaded = scene::load(&bytes).unwrap();
    let sc = loaded.scene.as_ref().unwrap();
    let frame = 16000u64 * 16000 * 4;
    for n in &sc.nodes {
        let needs = assemble::node_memory(&loaded.movie, n, 1);
        assert_eq!(needs.largest, [16000, 16000], "node {}", n.id);
        match &n.content {
            NodeContent::Panorama(p) => {
                let tiles = p.image_track.samples.len() as u64;
                let maps = p
                    .hotspot_track
                    .as_ref()
                    .map_or(0, |h| h.samples.len() as u64);
                assert_eq!(needs.frames, tiles + maps);
                // Frames (image and maps), the picture (maps at a byte a
                // pixel), the texture pages with their mips.
                let image = tiles * frame;
                let hot = maps * frame;
                assert_eq!(needs.bytes, image + hot + (image + hot / 4) + image / 3 * 4);
            }
            NodeContent::Object(o) => {
                let per_view = 1 + u64::from(o.hotspot_track.is_some());
                assert_eq!(needs.frames, per_view);
                assert_eq!(needs.bytes, per_view * frame);
                assert_eq!(
                    assemble::node_memory(&loaded.movie, n, 5).bytes,
                    5 * per_view * frame
                );
            }
        }
    }
    // The tour as written claims its real sizes: far under the budget.
    let plain = tours::tour();
    let loaded = scene::load(&plain).unwrap();
    for n in &loaded.scene.as_ref().unwrap().nodes {
        let needs = assemble::node_memory(&loaded.movie, n, 1);
        assert!(needs.bytes < 8 << 20, "node {}: {needs:?}", n.id);
        budget::limits().check_memory(&needs).unwrap();
    }
}

#[test]
fn a_node_over_the_budget_is_refused_before_anything_is_decoded() {
    let bytes = claiming(16000);
    let loaded = scene::load(&bytes).unwrap();
    let sc = loaded.scene.as_ref().unwrap();
    let opts = budget::decode_options();
    for n in &sc.nodes {
        let base = alloc::live();
        alloc::reset_peak();
        let r = match &n.content {
            NodeContent::Panorama(_) => assemble::panorama_picture(&bytes, &loaded.movie, n, &opts),
            NodeContent::Object(o) => {
                assemble::object_picture(&bytes, &loaded.movie, n.id, o, &Default::default(), &opts)
            }
        };
        let peak = alloc::peak().saturating_sub(base);
        match r {
            Err(PictureError::Memory(id, e)) => {
                assert_eq!(id, n.id);
                assert!(e.to_string().contains("--max-memory"), "{e}");
            }
            r => panic!("node {}: {:?}", n.id, r.map(|_| ())),
        }
        assert!(peak < 1 << 20, "node {}: {peak} bytes allocated", n.id);
    }
}

#[test]
fn render_export_and_convert_refuse_it_and_say_how_to_raise_the_budget() {
    let bytes = claiming(16000);
    let (d, movie) = write("refuse", &bytes);
    let out = |name: &str| d.join(name).to_string_lossy().into_owned();
    // render: the default node (1, the cylinder), then the cube.
    for (node, args) in [
        (1, vec!["render", &movie, "-o"]),
        (2, vec!["render", &movie, "--node", "2", "-o"]),
    ] {
        let mut args = args;
        let png = out("view.png");
        args.push(&png);
        let o = qtvr(&args);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let want = refusal(&bytes, node);
        let (head, tail) = want.split_once('(').unwrap();
        let e = stderr(&o);
        assert!(e.contains(head) && e.contains(tail), "{e}\nwanted: {want}");
        assert!(!Path::new(&png).exists());
    }
    // export --to equirect / cubemap: the same refusal.
    for to in ["equirect", "cubemap"] {
        let o = qtvr(&[
            "export",
            &movie,
            "--to",
            to,
            "-o",
            &out(&format!("{to}.jpg")),
        ]);
        assert_eq!(o.status.code(), Some(1), "{to}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("`--max-memory "),
            "{to}: {}",
            stderr(&o)
        );
    }
    // export --to web: every node refused, so no page.
    let o = qtvr(&["export", &movie, "--to", "web", "-o", &out("web")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    for node in [1, 2, 3] {
        assert!(
            stderr(&o).contains(&format!("node {node}: needs ")),
            "{}",
            stderr(&o)
        );
    }
    assert!(!d.join("web/index.html").exists());
    // export --to tiles: each track refused with a warning, nothing written.
    let o = qtvr(&["export", &movie, "--to", "tiles", "-o", &out("tiles")]);
    let e = stderr(&o);
    assert!(e.contains("its tiles were not written"), "{e}");
    assert!(e.contains("`--max-memory "), "{e}");
    let written = std::fs::read_dir(d.join("tiles")).map_or(0, |r| r.count());
    assert_eq!(written, 0);
    // convert: the movie failed, with the reason in the report.
    let input = dir("refuse-in");
    std::fs::write(input.join("tour.mov"), &bytes).unwrap();
    std::fs::write(input.join("plain.mov"), tours::tour()).unwrap();
    let cout = out("converted");
    let o = qtvr(&["convert", input.to_str().unwrap(), "-o", &cout]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("converted/report.json")).unwrap()).unwrap();
    let files = report["files"].as_array().unwrap();
    let of = |name: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .unwrap()
    };
    assert_eq!(of("plain.mov")["status"], "converted");
    assert_eq!(of("tour.mov")["status"], "failed");
    let reason = of("tour.mov")["reason"].as_str().unwrap();
    assert!(reason.contains(&refusal(&bytes, 1)[..20]), "{reason}");
    assert!(reason.contains("`--max-memory "), "{reason}");
}

#[test]
fn max_memory_raises_and_lowers_the_budget() {
    // Cube faces claiming 600² (the samples hold 96² faces, so the tiles
    // decode as placeholders: what matters is which budget lets them in).
    let bytes = claiming(600);
    let (d, movie) = write("raise", &bytes);
    let mb = needs_mb(&bytes, 2);
    assert!(mb > 8 && mb < 1024, "{mb}");
    let png = d.join("cube.png").to_string_lossy().into_owned();
    let below = (mb - 1).to_string();
    let cube_at = |budget: &str| {
        qtvr(&[
            "render",
            &movie,
            "--node",
            "2",
            "--max-memory",
            budget,
            "-o",
            &png,
        ])
    };
    let o = cube_at(&below);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains(&format!(
            "more than the {below} MB memory budget; `--max-memory {mb}` raises it"
        )),
        "{e}"
    );
    assert!(!Path::new(&png).exists());
    let o = cube_at(&mb.to_string());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(image::open(&png).is_ok());
    // The default budget takes it too.
    let o = qtvr(&["render", &movie, "--node", "2", "-o", &png]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // convert's --max-memory is the same budget.
    let input = dir("raise-in");
    std::fs::write(input.join("tour.mov"), &bytes).unwrap();
    let cout = d.join("converted").to_string_lossy().into_owned();
    let o = qtvr(&[
        "convert",
        input.to_str().unwrap(),
        "-o",
        &cout,
        "--max-memory",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("more than the 1 MB memory budget"),
        "{}",
        stderr(&o)
    );
}
