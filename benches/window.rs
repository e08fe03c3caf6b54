//! Window frame-rate benchmark (`cargo bench --bench window`): frames shown
//! per second while dragging in the real viewer window, beside the offscreen
//! drawing path at the same size over the same views, in the same run.
//!
//! - Window: `qtvr [FILE] --size WxH --report-state` on a private Xvfb. xdotool
//!   presses the button off-centre and holds it (a continuous drag: the view
//!   keeps turning). After a second, the viewer's frame counter (`frames` in
//!   its reply to `state` on stdin, one per frame presented) is read at the
//!   start and at the end of the measured interval; frames / seconds. The
//!   views the window showed are read along the way (`pan`, `tilt`, `fov`).
//! - Offscreen: the same [`Renderer`] draws as many frames over the same sweep
//!   of views into a texture of the window's size and format (`Bgra8Unorm`,
//!   hot spot outlines off, as the window), each frame submitted and waited
//!   for, as `benches/render.rs` does.
//!
//! Sizes 1024×768 and 1920×1080; window and offscreen alternate, best of
//! `--runs` (default 2) for each, since other programs may share the machine.
//! Options (after `--`): `--seconds S` (default 5), `--runs N`, `--filter
//! TEXT` (only the sample movies whose path contains TEXT), and a movie
//! (default: the bundled demo, `assets/demo.mov`; a panorama). `QTVR_BIN`
//! names another viewer binary to time (e.g. an older build).
//!
//! Writes a Markdown table to stdout and `target/bench-window.md` (run as a
//! test, without `--bench`, it only makes 1 s drags and writes no file). Skips when
//! Xvfb, xdotool or ImageMagick's `import` is missing, except under `CI=true`,
//! where that fails.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use qtvr::cli::render::{node_picture, pick_node};
use qtvr::render::hotspot_ids;
use qtvr::render::{DrawTarget, Gpu, Renderer, UploadOptions};
use qtvr::view::Shot;
use qtvr_format::qtvr::scene::{NodeContent, View};
use serde_json::Value;

// Only `display_sized` is used here.
#[allow(dead_code)]
use qtvr_testkit::xvfb;

const SIZES: [[u32; 2]; 2] = [[1024, 768], [1920, 1080]];
const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Bgra8Unorm;

struct Viewer {
    child: Child,
    events: Receiver<String>,
    window: u64,
    display: String,
}

impl Drop for Viewer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Viewer {
    /// Starts the viewer and waits until its first view is at rest.
    fn start(
        display: &str,
        file: Option<&Path>,
        size: [u32; 2],
        motion: &str,
    ) -> Result<(Viewer, Value), String> {
        let bin = std::env::var_os("QTVR_BIN")
            .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_qtvr")), PathBuf::from);
        let mut cmd = Command::new(bin);
        if let Some(f) = file {
            cmd.arg(f);
        }
        cmd.args([
            "--size",
            &format!("{}x{}", size[0], size[1]),
            "--report-state",
            "--motion-quality",
            motion,
        ]);
        let (child, events) = xvfb::spawn_on(display, cmd)?;
        let mut v = Viewer {
            child,
            events,
            window: 0,
            display: display.to_string(),
        };
        let w = v.wait_for("window", Duration::from_secs(30))?;
        v.window = w["x11_id"].as_u64().ok_or("not an X11 window")?;
        v.wait_for("first-frame", Duration::from_secs(60))?;
        // An animated object never rests: its state after a while will do.
        let idle = match v.wait_for("idle", Duration::from_secs(5)) {
            Ok(idle) => idle,
            Err(_) => v.state()?,
        };
        Ok((v, idle))
    }

    fn wait_for(&mut self, name: &str, timeout: Duration) -> Result<Value, String> {
        let end = Instant::now() + timeout;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            let line = self
                .events
                .recv_timeout(left)
                .map_err(|_| format!("no {name:?} event from the viewer within {timeout:?}"))?;
            let Ok(v) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if v["event"] == name {
                return Ok(v);
            }
            if v["event"] == "error" {
                return Err(format!("the viewer says: {}", v["lines"]));
            }
        }
    }

    /// The state now, with the number of frames presented so far.
    fn state(&mut self) -> Result<Value, String> {
        let stdin = self.child.stdin.as_mut().ok_or("no stdin")?;
        writeln!(stdin, "state")
            .and_then(|()| stdin.flush())
            .map_err(|e| e.to_string())?;
        self.wait_for("state", Duration::from_secs(10))
    }

    fn xdo(&self, args: &[String]) -> Result<(), String> {
        let ok = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            Ok(())
        } else {
            Err(format!("xdotool {args:?} failed"))
        }
    }

    fn pointer_to(&self, x: u32, y: u32) -> Result<(), String> {
        self.xdo(&[
            "mousemove".into(),
            "--window".into(),
            self.window.to_string(),
            x.to_string(),
            y.to_string(),
        ])
    }
}

/// What one drag in the window showed.
struct Drag {
    frames: u64,
    /// Of those, frames drawn at a reduced resolution.
    reduced: u64,
    /// The fraction of the resolution of the last frame measured.
    scale: f64,
    seconds: f64,
    /// The first view measured, and how far the pan turned after it (degrees, either way).
    start: View,
    turned: f32,
}

impl Drag {
    fn fps(&self) -> f64 {
        self.frames as f64 / self.seconds
    }
}

fn view_of(s: &Value) -> View {
    let f = |k: &str| s[k].as_f64().unwrap_or(0.0) as f32;
    View {
        pan: f("pan"),
        tilt: f("tilt"),
        fov: f("fov"),
    }
}

/// Drags in a new viewer window for `seconds` (after a second's start).
fn drag_window(
    display: &str,
    file: Option<&Path>,
    size: [u32; 2],
    seconds: f64,
    motion: &str,
) -> Result<Drag, String> {
    let (mut v, idle) = Viewer::start(display, file, size, motion)?;
    let shown = [idle["width"].as_u64(), idle["height"].as_u64()];
    if shown != [Some(u64::from(size[0])), Some(u64::from(size[1]))] {
        return Err(format!("the window is {shown:?}, not {size:?}"));
    }
    let [w, h] = size;
    let object = idle.get("row").is_some();
    v.pointer_to(w / 2, h / 2)?;
    v.xdo(&["mousedown".into(), "1".into()])?;
    // Panoramas: off-centre by a quarter of the width, the view keeps
    // turning (the other way for the second half, for partial panoramas
    // that reach their edge). Objects turn as the pointer moves: it sweeps
    // back and forth across the window as fast as xdotool moves it.
    let sweep: Vec<String> = (0..=40)
        .flat_map(|i| {
            let x = w / 8 + (w * 3 / 4) * if i <= 20 { i } else { 40 - i } / 20;
            [
                "mousemove".to_string(),
                "--window".to_string(),
                v.window.to_string(),
                x.to_string(),
                (h / 2).to_string(),
            ]
        })
        .collect();
    if !object {
        v.pointer_to(w / 2 + w / 4, h / 2)?;
    }
    std::thread::sleep(Duration::from_secs(1));
    let first = v.state()?;
    let t0 = Instant::now();
    let mut last = first.clone();
    let mut turned = 0.0f32;
    let mut reversed = false;
    while t0.elapsed().as_secs_f64() < seconds {
        if object {
            v.xdo(&sweep)?;
        } else {
            if !reversed && t0.elapsed().as_secs_f64() > seconds / 2.0 {
                reversed = true;
                v.pointer_to(w / 2 - w / 4, h / 2)?;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        let s = v.state()?;
        // Sampled often enough that each step is the short way round.
        let d = view_of(&s).pan - view_of(&last).pan;
        turned += ((d + 540.0).rem_euclid(360.0) - 180.0).abs();
        last = s;
    }
    let elapsed = t0.elapsed().as_secs_f64();
    v.xdo(&["mouseup".into(), "1".into()])?;
    let count = |s: &Value, k: &str| s[k].as_u64().unwrap_or(0);
    let frames = count(&last, "frames").saturating_sub(count(&first, "frames"));
    let reduced = count(&last, "reduced_frames").saturating_sub(count(&first, "reduced_frames"));
    if frames == 0 || (turned < 1e-3 && !object) {
        return Err("the view did not turn while dragging".into());
    }
    Ok(Drag {
        frames,
        reduced,
        scale: last["scale"].as_f64().unwrap_or(1.0),
        seconds: elapsed,
        start: view_of(&first),
        turned,
    })
}

/// The offscreen drawing path: frames per second over the drag's views.
fn offscreen(gpu: &Gpu, r: &mut Renderer, size: [u32; 2], drag: &Drag) -> f64 {
    let tex = qtvr::render::target_texture(gpu, size, FORMAT, wgpu::TextureUsages::empty());
    let target = tex.create_view(&Default::default());
    let frames = drag.frames.clamp(10, 400);
    let mut draw = |i: u64| {
        let mut view = drag.start;
        view.pan = (view.pan + drag.turned * i as f32 / frames as f32).rem_euclid(360.0);
        let mut enc = gpu.device.create_command_encoder(&Default::default());
        r.draw_into(
            gpu,
            &mut enc,
            &DrawTarget::whole(&target, FORMAT, size),
            &Shot::Perspective(view),
            false,
        )
        .expect("draw");
        gpu.queue.submit([enc.finish()]);
        gpu.device
            .poll(wgpu::PollType::wait_indefinitely())
            .expect("poll");
    };
    // The first draws compile the shader.
    for i in 0..3 {
        draw(i);
    }
    let t = Instant::now();
    for i in 0..frames {
        draw(i);
    }
    frames as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    // `cargo bench` passes `--bench`; without it (`cargo test --benches`)
    // this is a short smoke run that writes no report.
    let smoke = !args.iter().any(|a| a == "--bench");
    let (mut seconds, mut runs) = if smoke { (1.0, 1) } else { (5.0, 2) };
    let mut file: Option<PathBuf> = None;
    let mut samples = !smoke;
    let mut filter: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => seconds = it.next().and_then(|s| s.parse().ok()).expect("--seconds S"),
            "--runs" => runs = it.next().and_then(|s| s.parse().ok()).expect("--runs N"),
            "--no-samples" => samples = false,
            "--filter" => filter = it.next().cloned(),
            s if s.starts_with("--") => {} // `--bench` from cargo
            s => file = Some(PathBuf::from(s)),
        }
    }
    let Some(display) = xvfb::display_sized([2048, 1536]) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            eprintln!("window benchmark: Xvfb, xdotool and ImageMagick are required under CI=true");
            std::process::exit(1);
        }
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let movie = file.clone().unwrap_or_else(|| root.join("assets/demo.mov"));
    let (src, loaded) = qtvr_format::qtvr::open(&movie).expect("the movie opens");
    let scene = loaded.scene.as_ref().expect("a QuickTime VR movie");
    let node = pick_node(scene, None).expect("its default node");
    if !matches!(node.content, NodeContent::Panorama(_)) {
        eprintln!("window benchmark: the default node must be a panorama");
        std::process::exit(1);
    }
    let picture = node_picture(&src, &loaded.movie, node, None).expect("the node's picture");
    let gpu = Gpu::headless().expect("a graphics adapter (lavapipe or a GPU)");
    let mut renderer = Renderer::new(&gpu);
    renderer
        .set_picture(&gpu, picture, &hotspot_ids(node), UploadOptions::default())
        .expect("upload");

    let name = file
        .as_ref()
        .map_or("the bundled demo".into(), |f| f.display().to_string());
    let mut md = format!(
        "Movie: {name}, node {}; adapter: {}; {seconds} s drags, best of {runs}\n\n\
         | size | window, motion quality auto: frames shown/s | of them reduced | last fraction | window, full resolution: frames/s | offscreen, full resolution: frames/s (same views) | full window / offscreen |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
        node.id, gpu.description
    );
    let mut failed = false;
    for size in SIZES {
        let mut auto: Option<Drag> = None;
        let mut full: Option<f64> = None;
        let mut off: Option<f64> = None;
        let mut error = None;
        for _ in 0..runs {
            match drag_window(&display.name, file.as_deref(), size, seconds, "auto") {
                Ok(d) => {
                    if auto.as_ref().is_none_or(|b| d.fps() > b.fps()) {
                        auto = Some(d);
                    }
                }
                Err(e) => error = Some(e),
            }
            match drag_window(&display.name, file.as_deref(), size, seconds, "full") {
                Ok(d) => {
                    full = Some(full.map_or(d.fps(), |b| b.max(d.fps())));
                    let o = offscreen(&gpu, &mut renderer, size, &d);
                    off = Some(off.map_or(o, |b| b.max(o)));
                }
                Err(e) => error = Some(e),
            }
        }
        let row = match (auto, full, off) {
            (Some(a), Some(w), Some(o)) => format!(
                "| {}×{} | {:.1} | {:.0}% | {:.2} | {w:.1} | {o:.1} | {:.0}% |\n",
                size[0],
                size[1],
                a.fps(),
                100.0 * a.reduced as f64 / a.frames.max(1) as f64,
                a.scale,
                100.0 * w / o
            ),
            _ => {
                failed = true;
                format!(
                    "| {}×{} | failed: {} | | | | | |\n",
                    size[0],
                    size[1],
                    error.unwrap_or_default()
                )
            }
        };
        eprint!("{row}");
        md.push_str(&row);
    }
    if samples {
        md.push_str(&every_sample(
            &display.name,
            root,
            (seconds, runs),
            filter.as_deref(),
            &mut failed,
        ));
    }
    println!("{md}");
    if !smoke {
        let _ = std::fs::write(root.join("target/bench-window.md"), &md);
    }
    if failed {
        std::process::exit(1);
    }
}

/// Every movie of `../shared/samples` at 1920×1080: frames shown per
/// second while dragging, motion quality automatic and full resolution.
fn every_sample(
    display: &str,
    root: &Path,
    (seconds, runs): (f64, usize),
    filter: Option<&str>,
    failed: &mut bool,
) -> String {
    let size = [1920, 1080];
    let samples = root.join("../shared/samples");
    let mut movies = Vec::new();
    for dir in ["real", "tools-made", "gen"] {
        if let Ok(rd) = std::fs::read_dir(samples.join(dir)) {
            let mut files: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "mov"))
                .filter(|p| filter.is_none_or(|f| p.to_string_lossy().contains(f)))
                .collect();
            files.sort();
            movies.extend(files);
        }
    }
    if movies.is_empty() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            eprintln!("window benchmark: ../shared/samples is required under CI=true");
            std::process::exit(1);
        }
        return "\n(../shared/samples not found: no per-sample table)\n".into();
    }
    let mut md = format!(
        "\nEvery sample at 1920×1080 ({seconds} s drags, best of {runs}):\n\n\
         | movie | auto: frames shown/s | of them reduced | last fraction | full resolution: frames/s |\n\
         |---|---:|---:|---:|---:|\n"
    );
    for movie in &movies {
        let name = movie
            .strip_prefix(&samples)
            .unwrap_or(movie)
            .display()
            .to_string();
        let best = |motion: &str| {
            let mut best: Option<Drag> = None;
            let mut error = None;
            for _ in 0..runs {
                match drag_window(display, Some(movie), size, seconds, motion) {
                    Ok(d) if best.as_ref().is_none_or(|b| d.fps() > b.fps()) => best = Some(d),
                    Ok(_) => {}
                    Err(e) => error = Some(e),
                }
            }
            best.ok_or_else(|| error.unwrap_or_default())
        };
        let row = match (best("auto"), best("full")) {
            (Ok(a), Ok(f)) => format!(
                "| {name} | {:.1} | {:.0}% | {:.2} | {:.1} |\n",
                a.fps(),
                100.0 * a.reduced as f64 / a.frames.max(1) as f64,
                a.scale,
                f.fps()
            ),
            (Err(e), _) | (_, Err(e)) => {
                *failed = true;
                format!("| {name} | failed: {e} | | | |\n")
            }
        };
        eprint!("{row}");
        md.push_str(&row);
    }
    md
}
