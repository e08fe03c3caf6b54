//! Memory benchmark (`cargo bench --bench memory`): the operating system's
//! peak resident memory (`VmHWM` of `/proc/PID/status`) of `qtvr render` and
//! of the viewer for every sample movie's default node, beside the bytes of
//! that node's textures (image pages with mip chains and hot spot pages, as
//! [`Renderer::texture_bytes`] counts them), in one run.
//!
//! * `render`: `qtvr render FILE --size 1024x768 -o OUT.png`, its high-water
//!   mark read every 2 ms while it runs (it only grows, and the process still
//!   draws and writes the PNG after its textures are made).
//! * the viewer: `qtvr FILE --size 1024x768 --report-state` under Xvfb, read
//!   two seconds after the view came to rest after its first full-resolution
//!   frame (the `idle` report; an animated object, which never rests, 3 s
//!   after its first frame without a report).
//!
//! The floor is each program's peak on a tiny movie (`gen/cube_raw24_small.mov`,
//! 128² faces), measured in the same run; the goal of the performance issue
//! is peak ≤ floor + 1.5 × the node's texture bytes. Best (lowest) of 3 runs
//! each. Writes a Markdown table to stdout and `target/bench-memory.md`.
//! `QTVR_BIN` measures another build's binary (e.g. an older one, to compare
//! in the same run); `--filter TEXT` only movies whose path contains TEXT.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use qtvr::cli::render::{node_picture, pick_node};
use qtvr::render::{Gpu, Renderer, UploadOptions, hotspot_ids};
use qtvr_testkit::xvfb;

const MB: f64 = 1024.0 * 1024.0;

fn bin() -> std::ffi::OsString {
    std::env::var_os("QTVR_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_qtvr").into())
}

/// `VmHWM` of a running process, in bytes.
fn high_water(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Polls a child's high-water mark until it exits; the last value read.
fn watch(mut child: Child) -> Result<u64, String> {
    let mut peak = 0;
    loop {
        if let Some(b) = high_water(child.id()) {
            peak = peak.max(b);
        }
        match child.try_wait() {
            Ok(Some(s)) if s.success() => return Ok(peak),
            Ok(Some(s)) => return Err(format!("exited with {s}")),
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

fn render_peak(file: &Path, out: &Path) -> Result<u64, String> {
    let child = Command::new(bin())
        .arg("render")
        .arg(file)
        .args(["--size", "1024x768", "-o"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    watch(child)
}

fn viewer_peak(display: &str, file: &Path) -> Result<u64, String> {
    let mut cmd = Command::new(bin());
    cmd.arg(file).args(["--size", "1024x768", "--report-state"]);
    let (mut child, rx) = xvfb::spawn_on(display, cmd)?;
    let start = Instant::now();
    let mut shown = false;
    let mut result = Err("not at rest within 60 s".to_string());
    let measure = |child: &Child| {
        std::thread::sleep(Duration::from_millis(2000));
        high_water(child.id()).ok_or_else(|| "no /proc status".to_string())
    };
    while start.elapsed() < Duration::from_secs(60) {
        // An animated object never comes to rest: measured 3 s after its
        // first frame.
        let wait = Duration::from_secs(if shown { 3 } else { 60 });
        let Ok(line) = rx.recv_timeout(wait) else {
            if shown {
                result = measure(&child);
            }
            break;
        };
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        match v["event"].as_str() {
            Some("first-frame") => shown = true,
            Some("idle") if shown => {
                result = measure(&child);
                break;
            }
            Some("error") => {
                result = Err(v["lines"].to_string());
                break;
            }
            _ => {}
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// Bytes of the default node's textures, uploaded here.
fn texture_bytes(gpu: &Gpu, file: &Path) -> Result<u64, String> {
    let (src, loaded) = qtvr_format::qtvr::open(file).map_err(|e| e.to_string())?;
    let scene = loaded.scene.as_ref().ok_or("not a QTVR movie")?;
    let node = pick_node(scene, None)?;
    let pic = node_picture(&src, &loaded.movie, node, None)?;
    let mut r = Renderer::new(gpu);
    r.set_picture(gpu, pic, &hotspot_ids(node), UploadOptions::default())
        .map_err(|e| e.to_string())?;
    Ok(r.texture_bytes())
}

fn lowest(n: usize, mut f: impl FnMut() -> Result<u64, String>) -> Result<u64, String> {
    let mut best: Result<u64, String> = Err("not run".into());
    for _ in 0..n {
        match (f(), &best) {
            (Ok(v), Ok(b)) if v >= *b => {}
            (Ok(v), _) => best = Ok(v),
            (Err(e), Err(_)) => best = Err(e),
            (Err(_), Ok(_)) => {}
        }
    }
    best
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let filter = args
        .iter()
        .position(|a| a == "--filter")
        .and_then(|i| args.get(i + 1).cloned());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let samples = root.join("../shared/samples");
    if !samples.is_dir() {
        if std::env::var_os("CI").is_some_and(|v| v == "true") {
            panic!("../shared/samples is missing");
        }
        eprintln!("memory: ../shared/samples is missing; nothing to measure");
        return;
    }
    let Some(display) = xvfb::display() else {
        return;
    };
    let gpu = Gpu::headless().expect("a graphics adapter (lavapipe or a GPU)");
    let floor_movie = samples.join("gen/cube_raw24_small.mov");
    let movies = qtvr_testkit::sample_movies(&samples);
    let out_png =
        std::env::temp_dir().join(format!("qtvr-bench-memory-{}.png", std::process::id()));
    let runs = 3;
    let floor_render = lowest(runs, || render_peak(&floor_movie, &out_png)).expect("floor render");
    let floor_viewer =
        lowest(runs, || viewer_peak(&display.name, &floor_movie)).expect("floor viewer");
    println!(
        "floor (gen/cube_raw24_small.mov): render {:.0} MB, viewer {:.0} MB",
        floor_render as f64 / MB,
        floor_viewer as f64 / MB
    );
    let mut report = format!(
        "Floor (`gen/cube_raw24_small.mov`): `render` {:.0} MB, viewer {:.0} MB. Goal: peak − floor ≤ 1.5 × textures.\n\n\
         | movie | textures (MB) | `render` peak (MB) | above floor ÷ textures | viewer peak (MB) | above floor ÷ textures |\n\
         |---|---:|---:|---:|---:|---:|\n",
        floor_render as f64 / MB,
        floor_viewer as f64 / MB
    );
    let mut misses = Vec::new();
    for m in &movies {
        let name = m
            .strip_prefix(&samples)
            .unwrap_or(m)
            .to_string_lossy()
            .to_string();
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let tex = match texture_bytes(&gpu, m) {
            Ok(t) => t,
            Err(e) => {
                println!("{name}: not measured ({e})");
                continue;
            }
        };
        let cell = |peak: &Result<u64, String>, floor: u64| -> (String, String, bool) {
            match peak {
                Ok(p) => {
                    let above = p.saturating_sub(floor) as f64;
                    let ratio = above / (tex.max(1) as f64);
                    let ok = above <= 1.5 * tex as f64;
                    (
                        format!("{:.0}", *p as f64 / MB),
                        format!("{ratio:.2}{}", if ok { "" } else { " ✗" }),
                        ok,
                    )
                }
                Err(e) => (format!("failed: {e}"), String::new(), false),
            }
        };
        let r = lowest(runs, || render_peak(m, &out_png));
        let v = lowest(runs, || viewer_peak(&display.name, m));
        let (rp, rr, rok) = cell(&r, floor_render);
        let (vp, vr, vok) = cell(&v, floor_viewer);
        if !rok || !vok {
            misses.push(name.clone());
        }
        let row = format!(
            "| {name} | {:.1} | {rp} | {rr} | {vp} | {vr} |\n",
            tex as f64 / MB
        );
        print!("{row}");
        report.push_str(&row);
    }
    let _ = std::fs::remove_file(&out_png);
    report.push_str(&format!(
        "\nOver the goal: {}\n",
        if misses.is_empty() {
            "none".to_string()
        } else {
            misses.join(", ")
        }
    ));
    println!("over the goal: {misses:?}");
    let _ = std::fs::write(root.join("target/bench-memory.md"), &report);
}
