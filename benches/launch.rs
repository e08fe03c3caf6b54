//! Launch benchmark (`cargo bench --bench launch`): the time from starting the
//! real `qtvr` viewer on a movie to its first full-resolution frame on screen
//! (Xvfb, 1024×768 window), for every sample movie and the bundled demo. The
//! time is measured twice: by this program from `spawn` to the viewer's
//! `first-frame` report (process start, window, GPU device, decode, upload,
//! draw, present), and by the viewer itself from `main`. Beside it, in the
//! same run, ffmpeg decoding the track the first frame shows — the default
//! node's image track (`ffmpeg -v error -i FILE -map 0:v:N -f null -`) — as
//! the reference; where a preview track comes first, ffmpeg's decode of that
//! first video track too. Best of 3.
//!
//! Writes a Markdown table to stdout and `target/bench-launch.md`.
//! `QTVR_BIN` times another viewer binary (e.g. an older build);
//! `--filter TEXT` only movies whose name contains TEXT; `--runs N` launches
//! each movie N times (default 3) and keeps the best.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use qtvr_testkit::xvfb;

/// The viewer timed: this build's, or `QTVR_BIN` (e.g. an older build, to
/// compare in the same run).
fn bin() -> std::ffi::OsString {
    std::env::var_os("QTVR_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_qtvr").into())
}

/// (wall ms to first frame, the viewer's own ms), or why not.
fn launch(display: &str, file: Option<&Path>) -> Result<(f64, f64), String> {
    let t = Instant::now();
    let mut cmd = Command::new(bin());
    if let Some(f) = file {
        cmd.arg(f);
    }
    cmd.args(["--size", "1024x768", "--report-state"]);
    let (mut child, rx) = xvfb::spawn_on(display, cmd)?;
    let mut result = Err("no first frame within 60 s".to_string());
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) {
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if v["event"] == "first-frame" {
            result = Ok((
                t.elapsed().as_secs_f64() * 1000.0,
                v["ms"].as_f64().unwrap_or(f64::NAN),
            ));
            break;
        }
        if v["event"] == "error" {
            result = Err(v["lines"].to_string());
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// The index among the movie's video tracks of the default node's image track.
fn image_track(path: &Path) -> Option<usize> {
    let (_, loaded) = qtvr_format::qtvr::open(path).ok()?;
    qtvr::cli::render::default_image_track_index(&loaded.movie, loaded.scene.as_ref()?)
}

fn ffmpeg(file: &Path, track: usize) -> Option<f64> {
    let t = Instant::now();
    let s = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-map", &format!("0:v:{track}"), "-f", "null", "-"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    s.success().then(|| t.elapsed().as_secs_f64() * 1000.0)
}

fn best<T: Copy>(n: usize, mut f: impl FnMut() -> Option<T>, key: impl Fn(T) -> f64) -> Option<T> {
    (0..n)
        .filter_map(|_| f())
        .min_by(|a, b| key(*a).total_cmp(&key(*b)))
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let filter = value("--filter");
    let runs = value("--runs")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(3)
        .max(1);
    let Some(d) = xvfb::display() else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut movies: Vec<(String, Option<PathBuf>)> = vec![("(bundled demo)".into(), None)];
    let samples = root.join("../shared/samples");
    for dir in ["real", "gen", "tools-made"] {
        let Ok(rd) = std::fs::read_dir(samples.join(dir)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("mov")))
            .collect();
        files.sort();
        for f in files {
            let name = format!(
                "{dir}/{}",
                f.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            );
            movies.push((name, Some(f)));
        }
    }
    let mut report = String::from(
        "| movie | launch → first frame (ms) | viewer's own (ms) | ffmpeg decode of the image track (ms) | ratio | ffmpeg decode of the first video track, where another (ms) |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for (name, file) in &movies {
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let mut err = None;
        let r = best(
            runs,
            || match launch(&d.name, file.as_deref()) {
                Ok(x) => Some(x),
                Err(e) => {
                    err = Some(e);
                    None
                }
            },
            |x| x.0,
        );
        let demo = root.join("assets/demo.mov");
        let path = file.as_deref().unwrap_or(&demo);
        let track = image_track(path).unwrap_or(0);
        let ff = best(3, || ffmpeg(path, track), |x| x);
        let first = if track == 0 {
            String::new()
        } else {
            best(3, || ffmpeg(path, 0), |x| x).map_or("—".into(), |x| format!("{x:.0}"))
        };
        let row = match r {
            Some((wall, own)) => format!(
                "| {name} | {wall:.0} | {own:.0} | {} | {} | {first} |\n",
                ff.map_or("—".into(), |x| format!("{x:.0}")),
                ff.map_or("—".into(), |x| format!("{:.2}", wall / x)),
            ),
            None => format!(
                "| {name} | not shown: {} | | | | |\n",
                err.unwrap_or_default()
            ),
        };
        print!("{row}");
        report.push_str(&row);
    }
    let _ = std::fs::write(root.join("target/bench-launch.md"), &report);
}
