//! The `qtvr` binary end to end: exit codes, one-line error messages, and the
//! text and JSON reports of `qtvr info` for a plain QuickTime movie built here
//! and for every sample movie.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use qtvr_format::container::build::{Layout, MovieWriter, TrackSpec, atom, video_entry};
use qtvr_format::qtvr::TrackId;
use serde_json::Value;

mod common;

// ---------------------------------------------------------------------------
// Helpers.

/// Runs `qtvr` without the ffmpeg fallback (`QTVR_FFMPEG` set but empty),
/// so that what these tests see does not depend on ffmpeg being installed
/// (the fallback is tested in tests/ffmpeg_fallback.rs).
fn qtvr(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qtvr"))
        .args(args)
        .env("QTVR_FFMPEG", "")
        .output()
        .expect("run the qtvr binary")
}

fn info(path: &Path, json: bool) -> Output {
    let mut args = vec![std::ffi::OsStr::new("info"), path.as_os_str()];
    if json {
        args.push(std::ffi::OsStr::new("--json"));
    }
    qtvr(&args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch directory under the system temp dir, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "qtvr-cli-test-{tag}-{}-{nanos}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create a scratch directory");
        Scratch(dir)
    }
    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).expect("write a scratch file");
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Checks a failed run: exit code 1, nothing on stdout, exactly one line on
/// stderr that names the file; returns that line.
fn one_line_failure(o: &Output, path: &Path) -> String {
    let err = stderr(o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "exit code for {}; stderr: {err}",
        path.display()
    );
    assert!(
        o.stdout.is_empty(),
        "stdout should be empty, got: {}",
        stdout(o)
    );
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "expected exactly one line on stderr, got: {err:?}"
    );
    assert!(
        err.ends_with('\n'),
        "stderr line should end with a newline: {err:?}"
    );
    let shown = path.display().to_string();
    assert!(
        lines[0].contains(&shown),
        "the message should name {shown}: {err:?}"
    );
    lines[0].to_string()
}

// ---------------------------------------------------------------------------
// A minimal plain (non-VR) QuickTime movie: one Photo-JPEG video track with one
// one-second sample, written `ftyp`, `moov`, `mdat` (the fast-start layout).

const TIMESCALE: u32 = 600;
const WIDTH: u16 = 320;
const HEIGHT: u16 = 240;

fn plain_movie() -> Vec<u8> {
    let sample = b"\xff\xd8\xff\xe0 not really a JPEG \xff\xd9".to_vec();
    MovieWriter {
        timescale: TIMESCALE,
        tracks: vec![TrackSpec {
            id: 1,
            enabled: true,
            handler: *b"vide",
            media_timescale: TIMESCALE,
            descriptions: vec![video_entry(b"jpeg", WIDTH, HEIGHT, 24, None)],
            samples: vec![(sample, TIMESCALE)],
            width: WIDTH,
            height: HEIGHT,
            ..Default::default()
        }],
        ..Default::default()
    }
    .finish_with(Layout {
        ftyp: true,
        moov_first: true,
    })
}

#[test]
fn plain_movie_is_read_by_the_library() {
    // The movie built here is what the CLI tests below rely on.
    let bytes = plain_movie();
    let loaded = qtvr_format::qtvr::load(&bytes).expect("the minimal movie loads");
    assert!(loaded.scene.is_none());
    assert_eq!(loaded.movie.timescale, TIMESCALE);
    assert_eq!(loaded.movie.tracks.len(), 1);
    let t = &loaded.movie.tracks[0];
    assert_eq!(&t.handler.0, b"vide");
    assert_eq!(t.codec().map(|c| c.0), Some(*b"jpeg"));
    assert_eq!(t.samples.len(), 1);
    assert!(
        loaded.movie.warnings.is_empty(),
        "the minimal movie should load without warnings: {:?}",
        loaded.movie.warnings
    );
    let v = t.descriptions[0].video.as_ref().expect("video description");
    assert_eq!((v.width, v.height, v.depth), (WIDTH, HEIGHT, 24));
}

// ---------------------------------------------------------------------------
// Errors: exit code 1 and one line on stderr.

#[test]
fn missing_file() {
    let dir = Scratch::new("missing");
    let path = dir.0.join("no such movie.mov");
    let o = info(&path, false);
    one_line_failure(&o, &path);
    let o = info(&path, true);
    one_line_failure(&o, &path);
}

#[test]
fn directory() {
    let dir = Scratch::new("dir");
    let o = info(&dir.0, false);
    let line = one_line_failure(&o, &dir.0);
    assert!(line.contains("is a directory"), "{line}");
    let o = info(&dir.0, true);
    let line = one_line_failure(&o, &dir.0);
    assert!(line.contains("is a directory"), "{line}");
}

#[test]
fn empty_file() {
    let dir = Scratch::new("empty");
    let path = dir.file("empty.mov", &[]);
    let o = info(&path, false);
    let line = one_line_failure(&o, &path);
    assert!(line.contains("empty"), "{line}");
    one_line_failure(&info(&path, true), &path);
}

#[test]
fn not_quicktime() {
    let dir = Scratch::new("notqt");
    let png = dir.file(
        "picture.mov",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0\x90\x91h6",
    );
    let text = dir.file(
        "notes.mov",
        b"These are not the movies you are looking for.\nJust some text.\n",
    );
    let short = dir.file("short.mov", b"abc");
    for p in [&png, &text, &short] {
        for json in [false, true] {
            let o = info(p, json);
            let line = one_line_failure(&o, p);
            assert!(
                line.contains("not a QuickTime movie"),
                "{}: {line}",
                p.display()
            );
        }
    }
}

#[test]
fn data_fork_without_movie_atom() {
    let dir = Scratch::new("datafork");
    let mut bytes = atom(b"mdat", &[0x55; 4000]);
    bytes.extend(atom(b"free", &[0; 16]));
    let path = dir.file("from a mac.mov", &bytes);
    for json in [false, true] {
        let o = info(&path, json);
        let line = one_line_failure(&o, &path);
        assert!(line.contains("resource fork"), "{line}");
        assert!(line.contains("moov"), "{line}");
    }
}

// ---------------------------------------------------------------------------
// A plain QuickTime movie.

#[test]
fn plain_movie_text() {
    let dir = Scratch::new("plain");
    let path = dir.file("plain.mov", &plain_movie());
    let o = info(&path, false);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(o.stderr.is_empty(), "stderr: {}", stderr(&o));
    assert!(out.contains("not QuickTime VR"), "{out}");
    assert!(out.contains("'jpeg'"), "{out}");
    assert!(out.contains("'vide'"), "{out}");
    assert!(out.starts_with(&path.display().to_string()), "{out}");
}

#[test]
fn plain_movie_json() {
    let dir = Scratch::new("plainjson");
    let bytes = plain_movie();
    let path = dir.file("plain.mov", &bytes);
    let o = info(&path, true);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(o.stderr.is_empty(), "stderr: {}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["schema"], 1);
    assert_eq!(v["file"], path.display().to_string());
    assert_eq!(v["file_size"], bytes.len() as u64);
    assert!(v.get("qtvr").is_some(), "a 'qtvr' key: {v}");
    assert!(v["qtvr"].is_null(), "'qtvr' should be null: {v}");
    let qt = &v["quicktime"];
    assert_eq!(qt["timescale"], TIMESCALE);
    assert_eq!(qt["duration"], TIMESCALE);
    assert_eq!(qt["compressed_header"], false);
    let tracks = qt["tracks"].as_array().expect("tracks array");
    assert_eq!(tracks.len(), 1, "{v}");
    let t = &tracks[0];
    assert_eq!(t["id"], 1);
    assert_eq!(t["handler"], "vide");
    assert_eq!(t["codecs"], serde_json::json!(["jpeg"]));
    assert_eq!(t["sample_count"], 1);
    assert_eq!(t["width"], f64::from(WIDTH));
    assert_eq!(t["height"], f64::from(HEIGHT));
    assert_eq!(t["depth"], 24);
    assert!(
        v["warnings"].as_array().is_some_and(|w| w.is_empty()),
        "{v}"
    );
}

// ---------------------------------------------------------------------------
// The sample movies.

fn check_track_use(u: &Value, what: &str) -> Result<(), String> {
    if !u.is_object() {
        return Err(format!("{what} is not an object: {u}"));
    }
    match u["codec"].as_str() {
        Some(c) if !c.is_empty() => {}
        _ => return Err(format!("{what}.codec missing: {u}")),
    }
    if !u["track_id"].is_u64() || u["sample_count"].as_u64().is_none_or(|n| n == 0) {
        return Err(format!("{what} lacks track_id or samples: {u}"));
    }
    Ok(())
}

fn check_node(n: &Value) -> Result<(), String> {
    if !n["id"].is_u64() {
        return Err(format!("node without an integer id: {n}"));
    }
    match n["kind"].as_str() {
        Some("panorama") => {
            let size = n["image_size"]
                .as_array()
                .ok_or("panorama without image_size")?;
            if size.len() != 2 || size.iter().any(|x| x.as_u64().is_none_or(|x| x == 0)) {
                return Err(format!("bad image_size: {}", n["image_size"]));
            }
            let grid = n["tile_grid"]
                .as_array()
                .ok_or("panorama without tile_grid")?;
            if grid.len() != 2 || grid.iter().any(|x| x.as_u64().is_none_or(|x| x == 0)) {
                return Err(format!("bad tile_grid: {}", n["tile_grid"]));
            }
            let l = &n["limits"];
            for k in ["pan", "tilt", "fov"] {
                let pair = l[k]
                    .as_array()
                    .ok_or_else(|| format!("limits.{k} missing: {l}"))?;
                let (a, b) = (pair[0].as_f64(), pair[1].as_f64());
                if pair.len() != 2 || a.is_none() || b.is_none() || a > b {
                    return Err(format!("limits.{k} is not a [min, max] pair: {l}"));
                }
            }
            if !l["default"].is_object() {
                return Err(format!("limits.default missing: {l}"));
            }
            check_track_use(&n["image_track"], "image_track")?;
            if !n["projection"]["type"].is_string() {
                return Err(format!("projection.type missing: {}", n["projection"]));
            }
        }
        Some("object") => {
            for k in ["rows", "columns", "view_states", "frames_per_view"] {
                if n[k].as_u64().is_none_or(|x| x == 0) {
                    return Err(format!("object node without {k}: {n}"));
                }
            }
            check_track_use(&n["image_track"], "image_track")?;
        }
        other => return Err(format!("node kind {other:?}")),
    }
    if !n["hotspots"].is_array() {
        return Err("node without a hotspots array".into());
    }
    Ok(())
}

#[test]
fn every_sample_movie_json() {
    let Some(files) = common::samples_dir().map(|d| common::sample_movies(&d)) else {
        return;
    };
    let mut problems = Vec::new();
    for f in &files {
        let o = info(f, true);
        let name = f.display();
        if o.status.code() != Some(0) {
            problems.push(format!(
                "{name}: exit {:?}: {}",
                o.status.code(),
                stderr(&o)
            ));
            continue;
        }
        let v: Value = match serde_json::from_slice(&o.stdout) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{name}: invalid JSON: {e}"));
                continue;
            }
        };
        if v["schema"] != 1 {
            problems.push(format!("{name}: schema {}", v["schema"]));
        }
        if v["file_size"].as_u64() != std::fs::metadata(f).ok().map(|m| m.len()) {
            problems.push(format!("{name}: file_size {}", v["file_size"]));
        }
        if v["quicktime"]["tracks"]
            .as_array()
            .is_none_or(|t| t.is_empty())
        {
            problems.push(format!("{name}: no tracks listed"));
        }
        let q = &v["qtvr"];
        if !q.is_object() {
            problems.push(format!("{name}: \"qtvr\" is not an object: {q}"));
            continue;
        }
        let Some(nodes) = q["nodes"].as_array().filter(|n| !n.is_empty()) else {
            problems.push(format!("{name}: no nodes"));
            continue;
        };
        let ids: Vec<u64> = nodes.iter().filter_map(|n| n["id"].as_u64()).collect();
        if q["default_node"].as_u64().is_none_or(|d| !ids.contains(&d)) {
            problems.push(format!(
                "{name}: default node {} not among {ids:?}",
                q["default_node"]
            ));
        }
        for n in nodes {
            if let Err(e) = check_node(n) {
                problems.push(format!("{name}: node {}: {e}", n["id"]));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems in {} files:\n  {}",
        problems.len(),
        files.len(),
        problems.join("\n  ")
    );
}

#[test]
fn every_sample_movie_text() {
    let Some(files) = common::samples_dir().map(|d| common::sample_movies(&d)) else {
        return;
    };
    let mut problems = Vec::new();
    for f in &files {
        let o = info(f, false);
        let name = f.display();
        let out = stdout(&o);
        if o.status.code() != Some(0) {
            problems.push(format!(
                "{name}: exit {:?}: {}",
                o.status.code(),
                stderr(&o)
            ));
        } else if !out.contains("QuickTime VR") || out.contains("not QuickTime VR") {
            problems.push(format!("{name}: not reported as QuickTime VR:\n{out}"));
        } else if !out.contains("\nnode ") || !out.contains("\ntracks:") {
            problems.push(format!("{name}: no node or track list:\n{out}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems in {} files:\n  {}",
        problems.len(),
        files.len(),
        problems.join("\n  ")
    );
}

#[test]
fn no_arguments_and_help() {
    // No display: the viewer says so and exits 1, without a panic.
    let o = Command::new(env!("CARGO_BIN_EXE_qtvr"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WAYLAND_SOCKET")
        .output()
        .expect("run the qtvr binary");
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).contains("qtvr: cannot open a window"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    let o = qtvr(&[std::ffi::OsStr::new("--help")]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("info"), "{}", stdout(&o));
    let o = qtvr(&[std::ffi::OsStr::new("info")]);
    assert_ne!(o.status.code(), Some(0), "info without a file should fail");
}

// ---------------------------------------------------------------------------
// qtvr export --to tiles

fn export_tiles(movie: &Path, dir: &Path) -> Output {
    qtvr(&[
        "export".as_ref(),
        movie.as_os_str(),
        "--to".as_ref(),
        "tiles".as_ref(),
        "-o".as_ref(),
        dir.as_os_str(),
    ])
}

#[test]
fn export_tiles_of_a_plain_movie() {
    let scratch = Scratch::new("export-plain");
    // Two raw 24-bit 3×2 frames and an unsupported codec track.
    let frame = |k: u8| {
        (0..6u8)
            .flat_map(|i| [i * 40, k, 255 - i])
            .collect::<Vec<u8>>()
    };
    let track = |id: u32, codec: &[u8; 4], samples: Vec<Vec<u8>>| TrackSpec {
        id,
        enabled: true,
        handler: *b"vide",
        media_timescale: 600,
        descriptions: vec![video_entry(codec, 3, 2, 24, None)],
        samples: samples.into_iter().map(|s| (s, 100)).collect(),
        width: 3,
        height: 2,
        ..Default::default()
    };
    let bytes = MovieWriter {
        timescale: 600,
        tracks: vec![
            track(2, b"raw ", vec![frame(1), frame(2)]),
            track(5, b"SVQ3", vec![vec![0; 10]]),
        ],
        ..Default::default()
    }
    .finish();
    let movie = scratch.file("plain.mov", &bytes);
    let out_dir = scratch.0.join("tiles");
    let o = export_tiles(&movie, &out_dir);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("wrote 3 tiles to "),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("1 damaged or undecodable"),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains(
            "warning: track 5: codec 'SVQ3' is not supported without ffmpeg; install ffmpeg (or set QTVR_FFMPEG) to show it; its 1 sample(s) show as a grey checkerboard"
        ),
        "{}",
        stderr(&o)
    );
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "track2-sample0001.png",
            "track2-sample0002.png",
            "track5-sample0001.png"
        ]
    );
    for (n, k) in [(1, 1u8), (2, 2)] {
        let img = image::open(out_dir.join(format!("track2-sample000{n}.png")))
            .unwrap()
            .to_rgb8();
        assert_eq!(img.dimensions(), (3, 2));
        assert_eq!(img.into_raw(), frame(k));
    }
}

#[test]
fn export_tiles_keeps_hot_spot_indices() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let scratch = Scratch::new("export-hotspots");
    let movie = dir.join("gen/cyl_co64_edits_multichunk_raw8.mov");
    let out_dir = scratch.0.join("tiles");
    let o = export_tiles(&movie, &out_dir);
    assert!(o.status.success(), "{}", stderr(&o));
    // The ground truth names the hot spot track and its raw 8-bit samples.
    let truth: Value =
        serde_json::from_slice(&std::fs::read(movie.with_extension("json")).unwrap()).unwrap();
    let hot = truth["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["role"].as_str().is_some_and(|r| r.contains("hot spot")))
        .expect("a hot spot track");
    let id = TrackId(hot["track_id"].as_u64().unwrap() as u32);
    let (src, loaded) = qtvr_format::qtvr::open(&movie).unwrap();
    let track = loaded.movie.tracks.iter().find(|t| t.id == id).unwrap();
    let mut seen_ids = std::collections::BTreeSet::new();
    for (i, s) in track.samples.iter().enumerate() {
        let path = out_dir.join(format!("track{id}-sample{:04}.png", i + 1));
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        assert_eq!(
            reader.info().color_type,
            png::ColorType::Indexed,
            "{}",
            path.display()
        );
        assert_eq!(reader.info().bit_depth, png::BitDepth::Eight);
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut buf).unwrap();
        buf.truncate(frame.buffer_size());
        // Raw 8-bit: the stored bytes are the indices (rows padded to even bytes).
        let raw = qtvr_format::source::read_vec(&src, s.offset, u64::from(s.size)).unwrap();
        let (w, h) = (frame.width as usize, frame.height as usize);
        let stride = raw.len() / h;
        for y in 0..h {
            assert_eq!(
                &buf[y * w..(y + 1) * w],
                &raw[y * stride..y * stride + w],
                "{} row {y}",
                path.display()
            );
        }
        seen_ids.extend(buf.iter().copied());
    }
    assert!(
        seen_ids.len() > 1,
        "the hot spot map has hot spots: {seen_ids:?}"
    );
}

#[test]
fn info_names_codecs_that_cannot_be_decoded() {
    let scratch = Scratch::new("info-codec");
    let bytes = MovieWriter {
        timescale: 600,
        tracks: vec![TrackSpec {
            id: 3,
            enabled: true,
            handler: *b"vide",
            media_timescale: 600,
            descriptions: vec![video_entry(b"SVQ3", 16, 16, 24, None)],
            samples: vec![(vec![0; 8], 600)],
            width: 16,
            height: 16,
            ..Default::default()
        }],
        ..Default::default()
    }
    .finish();
    let o = info(&scratch.file("svq3.mov", &bytes), false);
    assert!(o.status.success());
    assert!(
        stdout(&o).contains(
            "track 3 'vide': 1 sample, codec 'SVQ3', depth 24 — codec 'SVQ3' needs ffmpeg (not found; install it or set QTVR_FFMPEG): shown as a grey checkerboard"
        ),
        "{}",
        stdout(&o)
    );
}

/// Without a usable `XDG_RUNTIME_DIR` (ssh, cron, CI), a successful command
/// prints no line starting with "error" (Mesa's device-select layer used to
/// print two), and real errors still print.
#[test]
fn successful_commands_without_a_runtime_dir_print_no_errors() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo.mov");
    let dir = Scratch::new("xdg");
    let out = dir.0.join("a view with spaces.png");
    let equirect = dir.0.join("equirect.png");
    let cube = dir.0.join("cube.png");
    let runs: [Vec<std::ffi::OsString>; 4] = [
        vec![
            "render".into(),
            demo.clone().into(),
            "-o".into(),
            out.clone().into(),
        ],
        vec![
            "export".into(),
            demo.clone().into(),
            "--to".into(),
            "equirect".into(),
            "--width".into(),
            "256".into(),
            "-o".into(),
            equirect.clone().into(),
        ],
        vec![
            "export".into(),
            demo.clone().into(),
            "--to".into(),
            "cubemap".into(),
            "--size".into(),
            "64".into(),
            "-o".into(),
            cube.clone().into(),
        ],
        vec!["info".into(), demo.clone().into()],
    ];
    for runtime_dir in [None, Some("relative/dir")] {
        for args in &runs {
            let mut c = Command::new(env!("CARGO_BIN_EXE_qtvr"));
            c.args(args).env_remove("NODEVICE_SELECT");
            match runtime_dir {
                Some(d) => c.env("XDG_RUNTIME_DIR", d),
                None => c.env_remove("XDG_RUNTIME_DIR"),
            };
            let o = c.output().expect("run qtvr");
            assert!(o.status.success(), "{args:?}: {}", stderr(&o));
            let err = stderr(&o);
            let bad: Vec<&str> = err
                .lines()
                .filter(|l| l.trim_start().to_lowercase().starts_with("error"))
                .collect();
            assert!(bad.is_empty(), "{args:?} printed {bad:?}");
        }
    }
    assert!(
        out.is_file() && equirect.is_file(),
        "the outputs were written"
    );
    // A real failure still says what went wrong.
    let o = Command::new(env!("CARGO_BIN_EXE_qtvr"))
        .args(["render", "no-such-movie.mov", "-o"])
        .arg(dir.0.join("x.png"))
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .expect("run qtvr");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no-such-movie.mov"), "{}", stderr(&o));
}
