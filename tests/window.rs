//! End to end: the real `qtvr` viewer in a window on Xvfb, driven with
//! xdotool (drags, arrow keys, zoom keys, fullscreen), photographed with
//! ImageMagick's `import`, and compared with `qtvr render` at the view the
//! viewer reports (`--report-state`). Skips, saying why, when Xvfb, xdotool,
//! `import` or the shared samples are missing (a failure under `CI=true`; see
//! `qtvr_testkit::skip`).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "support/diskimg.rs"]
mod diskimg;
#[path = "support/objects.rs"]
mod objects;
#[path = "support/tours.rs"]
mod tours;
use qtvr_testkit::samples_dir as samples;
use qtvr_testkit::xvfb::{Display, display};

/// One viewer at a time: two software-rendered windows on two cores would
/// only make each other's timing worse.
static SERIAL: Mutex<()> = Mutex::new(());

const BIN: &str = env!("CARGO_BIN_EXE_qtvr");

struct Viewer<'a> {
    child: Child,
    events: Receiver<Value>,
    window: u64,
    display: &'a Display,
    log: Vec<Value>,
}

impl Drop for Viewer<'_> {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl<'a> Viewer<'a> {
    fn start(display: &'a Display, args: &[&str]) -> Viewer<'a> {
        Viewer::start_with(display, args, &[])
    }

    fn start_with(display: &'a Display, args: &[&str], env: &[(&str, &str)]) -> Viewer<'a> {
        let saves = out_dir().join("saves");
        let mut child = Command::new(BIN)
            .args(args)
            .envs(env.iter().copied())
            .env("QTVR_SAVE_DIR", &saves)
            // The same sound output on every machine: one that keeps time silently.
            .env("QTVR_SOUND_OUTPUT", "null")
            .arg("--report-state")
            .env("DISPLAY", &display.name)
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the viewer starts");
        let out = child.stdout.take().expect("stdout");
        let (tx, events) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    let _ = tx.send(v);
                }
            }
        });
        let mut v = Viewer {
            child,
            events,
            window: 0,
            display,
            log: Vec::new(),
        };
        let w = v.wait_for("window", Duration::from_secs(30));
        v.window = w["x11_id"].as_u64().expect("an X11 window");
        v
    }

    /// The next event named `name` (panics after `timeout` with the events seen).
    fn wait_for(&mut self, name: &str, timeout: Duration) -> Value {
        let end = Instant::now() + timeout;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(v) => {
                    self.log.push(v.clone());
                    if v["event"] == name {
                        return v;
                    }
                }
                Err(_) => panic!(
                    "no {name:?} event within {timeout:?}; seen: {:#?}",
                    self.log
                ),
            }
        }
    }

    /// Drops events already printed (so the next idle one follows an action).
    fn drain(&mut self) {
        while let Ok(v) = self.events.try_recv() {
            self.log.push(v);
        }
    }

    fn idle(&mut self) -> Value {
        self.wait_for("idle", Duration::from_secs(30))
    }

    /// The next idle state whose `key` is `value` (earlier ones, of views
    /// on the way, are passed over).
    fn idle_until(&mut self, key: &str, value: impl Into<Value>) -> Value {
        let value = value.into();
        loop {
            let s = self.idle();
            if s[key] == value {
                return s;
            }
        }
    }

    fn xdo(&self, args: &[&str]) {
        let s = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display.name)
            .status()
            .expect("xdotool runs");
        assert!(s.success(), "xdotool {args:?} failed");
    }

    fn focus(&self) {
        let id = self.window.to_string();
        self.xdo(&["windowfocus", "--sync", &id]);
    }

    /// Presses at (x, y), moves by (dx, dy) in steps, holds for `hold`, releases.
    fn drag(&self, at: [i32; 2], by: [i32; 2], hold: Duration) {
        let id = self.window.to_string();
        self.xdo(&[
            "mousemove",
            "--window",
            &id,
            &at[0].to_string(),
            &at[1].to_string(),
        ]);
        self.xdo(&["mousedown", "1"]);
        for i in 1..=5 {
            self.xdo(&[
                "mousemove",
                "--window",
                &id,
                &(at[0] + by[0] * i / 5).to_string(),
                &(at[1] + by[1] * i / 5).to_string(),
            ]);
        }
        std::thread::sleep(hold);
        self.xdo(&["mouseup", "1"]);
    }

    fn hold_key(&self, key: &str, hold: Duration) {
        self.xdo(&["keydown", key]);
        std::thread::sleep(hold);
        self.xdo(&["keyup", key]);
    }

    fn screenshot(&self) -> image::RgbaImage {
        let out = Command::new("import")
            .args(["-window", &self.window.to_string(), "png:-"])
            .env("DISPLAY", &self.display.name)
            .output()
            .expect("import runs");
        assert!(out.status.success(), "import failed");
        image::load_from_memory(&out.stdout)
            .expect("a PNG screenshot")
            .to_rgba8()
    }

    /// The state now, with the number of frames drawn so far.
    fn state(&mut self) -> Value {
        self.send("state");
        self.wait_for("state", Duration::from_secs(10))
    }

    /// The state once its `key` is `value` (asked every 100 ms, for at
    /// most 10 s; the last state when it never is).
    fn state_until(&mut self, key: &str, value: &str) -> Value {
        let mut s = self.state();
        for _ in 0..100 {
            if s[key] == value {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
            s = self.state();
        }
        s
    }

    /// Clicks the centre of a controller bar button, as the viewer reports it.
    fn click_button(&self, s: &Value, name: &str) {
        let b = s["buttons"]
            .as_array()
            .and_then(|a| a.iter().find(|b| b["button"] == name))
            .unwrap_or_else(|| panic!("no {name} button in {s}"));
        let id = self.window.to_string();
        let (x, y) = (b["x"].to_string(), b["y"].to_string());
        self.xdo(&["mousemove", "--window", &id, &x, &y, "click", "1"]);
    }

    fn send(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{line}").expect("the viewer reads stdin");
    }
}

/// `qtvr render` of the reported view at the window's size.
fn render(file: &str, s: &Value, name: &str) -> image::RgbaImage {
    let out = out_dir().join(format!("{name}-expected.png"));
    let size = format!("{}x{}", s["width"], s["height"]);
    let mut args: Vec<String> = vec![
        "render".into(),
        file.into(),
        "--node".into(),
        s["node"].to_string(),
        "--size".into(),
        size,
        "-o".into(),
        out.display().to_string(),
    ];
    // Objects: the reported view; panoramas: pan, tilt, fov.
    let keys: &[&str] = if s.get("row").is_some() {
        &["row", "column", "state", "frame", "fov"]
    } else {
        &["pan", "tilt", "fov"]
    };
    for k in keys {
        args.push(format!("--{k}"));
        args.push(s[*k].to_string());
    }
    let r = Command::new(BIN).args(&args).output().expect("render runs");
    assert!(
        r.status.success(),
        "qtvr {args:?}: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    image::open(&out).expect("the render").to_rgba8()
}

/// Opens `file` (with `args` and `env`) and checks the first view at rest
/// against `qtvr render` of the view it reports; the viewer and that view.
fn open_matching<'a>(
    d: &'a Display,
    file: &str,
    args: &[&str],
    env: &[(&str, &str)],
    name: &str,
) -> (Viewer<'a>, Value) {
    let all: Vec<&str> = std::iter::once(file).chain(args.iter().copied()).collect();
    let mut v = Viewer::start_with(d, &all, env);
    let s = v.idle();
    assert_matches(&v.screenshot(), &render(file, &s, name), &s, name);
    (v, s)
}

fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("window");
    std::fs::create_dir_all(&d).expect("output folder");
    d
}

/// The screenshot above the controller bar equals the render (tolerance:
/// mean difference ≤ 1/255, ≤ 0.5% of channel values off by more than 16);
/// writes actual, expected and diff PNGs when not.
fn assert_matches(actual: &image::RgbaImage, expected: &image::RgbaImage, s: &Value, name: &str) {
    assert_eq!(
        actual.dimensions(),
        expected.dimensions(),
        "{name}: the window is not the size it reports"
    );
    let (w, h) = actual.dimensions();
    let rows = h - s["bar_height"].as_u64().unwrap_or(0) as u32;
    let mut sum = 0u64;
    let mut outliers = 0u64;
    let mut diff = image::RgbaImage::new(w, h);
    for y in 0..rows {
        for x in 0..w {
            let a = actual.get_pixel(x, y);
            let e = expected.get_pixel(x, y);
            let mut px = [0u8, 0, 0, 255];
            for c in 0..3 {
                let d = a[c].abs_diff(e[c]);
                sum += u64::from(d);
                outliers += u64::from(d > 16);
                px[c] = d.saturating_mul(8);
            }
            diff.put_pixel(x, y, image::Rgba(px));
        }
    }
    let n = u64::from(w) * u64::from(rows) * 3;
    let mae = sum as f64 / n as f64;
    let bad = outliers as f64 / n as f64;
    if mae > 1.0 || bad > 0.005 {
        let d = out_dir();
        let _ = actual.save(d.join(format!("{name}-actual.png")));
        let _ = diff.save(d.join(format!("{name}-diff.png")));
        panic!(
            "{name}: the window differs from `qtvr render` at {s}: mean {mae:.2}, {:.2}% outliers (PNGs in {})",
            bad * 100.0,
            d.display()
        );
    }
}

fn f(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or(f64::NAN)
}

/// Signed pan change from a to b in (−180, 180].
fn pan_delta(a: &Value, b: &Value) -> f64 {
    let d = (f(b, "pan") - f(a, "pan")).rem_euclid(360.0);
    if d > 180.0 { d - 360.0 } else { d }
}

#[test]
fn panorama_window_follows_drags_keys_zoom_and_fullscreen() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(root) = samples() else { return };
    let Some(d) = display() else { return };
    let file = root.join("gen/cyl_vcyl_jpeg.mov").display().to_string();
    let mut v = Viewer::start(&d, &[&file, "--size", "640x480"]);
    let s0 = v.idle();
    assert_eq!(s0["width"], 640);
    assert_eq!(s0["height"], 480);
    assert_matches(
        &v.screenshot(),
        &render(&file, &s0, "pano-0"),
        &s0,
        "pano-0",
    );
    v.focus();

    // Continuous drag to the right: the view turns right (pan falls) at
    // 1.5 fields of view per second per half window height beyond the dead
    // zone, for about as long as the button is held.
    let t = Instant::now();
    v.drag([320, 240], [100, 0], Duration::from_millis(700));
    let held = t.elapsed().as_secs_f64();
    let s1 = v.idle();
    let turned = -pan_delta(&s0, &s1);
    let speed = 1.5 * f(&s0, "fov") * 94.0 / 240.0;
    assert!(
        // (Loose below: a loaded machine may start the turn late.)
        turned > speed * 0.3 && turned < speed * (held + 0.4),
        "dragging right turned {turned:.1}° (expected about {speed:.1}°/s for {held:.2} s)"
    );
    assert!((f(&s1, "tilt") - f(&s0, "tilt")).abs() < 0.01);
    assert_matches(
        &v.screenshot(),
        &render(&file, &s1, "pano-1"),
        &s1,
        "pano-1",
    );

    // Grab mode (G): the scene point under the pointer follows it exactly.
    v.xdo(&["key", "g"]);
    while v.idle()["drag"] != "Grab" {}
    v.drag([300, 200], [-80, 0], Duration::from_millis(100));
    let s2 = v.idle();
    assert_eq!(s2["drag"], "Grab");
    let expected = -80.0 * f(&s1, "fov") / 480.0;
    assert!(
        (pan_delta(&s1, &s2) - expected).abs() < 0.3,
        "grab drag moved pan by {:.2}°, expected {expected:.2}°",
        pan_delta(&s1, &s2)
    );
    // Esc closes the message.
    v.xdo(&["key", "Escape"]);
    std::thread::sleep(Duration::from_millis(200));

    // Arrow keys: left turns left (pan grows), up looks up (tilt grows,
    // stopped by the image's top edge).
    v.drain();
    v.hold_key("Left", Duration::from_millis(500));
    let s3 = v.idle();
    assert!(pan_delta(&s2, &s3) > 5.0, "left arrow: {s2} → {s3}");
    v.hold_key("Up", Duration::from_millis(400));
    let s4 = v.idle();
    assert!(f(&s4, "tilt") > f(&s3, "tilt"), "up arrow: {s3} → {s4}");
    assert_matches(
        &v.screenshot(),
        &render(&file, &s4, "pano-4"),
        &s4,
        "pano-4",
    );

    // Zoom keys: + and Shift zoom in, - and Ctrl zoom out.
    v.xdo(&["key", "plus"]);
    let s5 = v.idle();
    assert!(f(&s5, "fov") < f(&s4, "fov") - 0.5, "+: {s4} → {s5}");
    v.hold_key("shift", Duration::from_millis(600));
    let s6 = v.idle();
    assert!(f(&s6, "fov") < f(&s5, "fov") - 1.0, "Shift: {s5} → {s6}");
    v.hold_key("ctrl", Duration::from_millis(600));
    let s7 = v.idle();
    assert!(f(&s7, "fov") > f(&s6, "fov") + 1.0, "Ctrl: {s6} → {s7}");
    assert_matches(
        &v.screenshot(),
        &render(&file, &s7, "pano-7"),
        &s7,
        "pano-7",
    );

    // Fullscreen (F11) keeps the vertical field of view; Esc leaves it.
    v.xdo(&["key", "F11"]);
    let s8 = v.idle_until("width", 1280);
    assert_eq!(s8["fullscreen"], true);
    assert_eq!(s8["height"], 1024);
    assert!((f(&s8, "fov") - f(&s7, "fov")).abs() < 1e-3);
    assert_matches(
        &v.screenshot(),
        &render(&file, &s8, "pano-8"),
        &s8,
        "pano-8",
    );
    v.xdo(&["key", "Escape"]);
    let s9 = v.idle_until("width", 640);
    assert_eq!(s9["fullscreen"], false);
    // A double-click is fullscreen too.
    let id = v.window.to_string();
    v.xdo(&["mousemove", "--window", &id, "200", "200"]);
    v.xdo(&["click", "--repeat", "2", "--delay", "80", "1"]);
    let s10 = v.idle_until("width", 1280);
    assert_eq!(s10["fullscreen"], true);
}

#[test]
fn cube_window_matches_render_and_bad_files_keep_the_movie() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(root) = samples() else { return };
    let Some(d) = display() else { return };
    let file = root.join("gen/cube_std_jpeg.mov").display().to_string();
    let args = ["--size", "500x400", "--pan", "40", "--tilt", "20"];
    let (mut v, s0) = open_matching(&d, &file, &args, &[], "cube-0");
    assert!((f(&s0, "pan") - 40.0).abs() < 1e-3 && (f(&s0, "tilt") - 20.0).abs() < 1e-3);
    v.focus();
    v.drag([250, 200], [-60, 60], Duration::from_millis(500));
    let s1 = v.idle();
    // Pointer to the lower left: turn left (pan grows) and look down.
    assert!(
        pan_delta(&s0, &s1) > 1.0 && f(&s1, "tilt") < f(&s0, "tilt") - 1.0,
        "{s0} → {s1}"
    );
    assert_matches(
        &v.screenshot(),
        &render(&file, &s1, "cube-1"),
        &s1,
        "cube-1",
    );

    // Ctrl+S saves the view at window size; Ctrl+C copies a render command
    // that reproduces it.
    let saves = out_dir().join("saves");
    let _ = std::fs::remove_dir_all(&saves);
    std::fs::create_dir_all(&saves).expect("saves folder");
    v.xdo(&["key", "ctrl+s"]);
    let saved = v.wait_for("saved", Duration::from_secs(20));
    let path = PathBuf::from(saved["path"].as_str().expect("a path"));
    assert!(path.starts_with(&saves), "{path:?}");
    let png = image::open(&path).expect("the saved PNG").to_rgba8();
    let none = serde_json::json!({"bar_height": 0});
    assert_matches(&png, &render(&file, &s1, "cube-saved"), &none, "cube-saved");
    v.xdo(&["key", "ctrl+c"]);
    let copied = v.wait_for("copied", Duration::from_secs(20));
    let cmd = copied["text"].as_str().expect("text").to_string();
    let words: Vec<&str> = cmd.split_whitespace().collect();
    assert_eq!(&words[..3], &["qtvr", "render", file.as_str()], "{cmd}");
    assert_eq!(&words[words.len() - 2..], &["-o", "view.png"], "{cmd}");
    let out = out_dir().join("cube-copied.png");
    let mut args: Vec<String> = words[1..words.len() - 1]
        .iter()
        .map(|w| w.to_string())
        .collect();
    args.push(out.display().to_string());
    let r = Command::new(BIN).args(&args).output().expect("render runs");
    assert!(
        r.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    let copied_render = image::open(&out).expect("render").to_rgba8();
    // Esc closes the "copied" message that covers the view's top.
    v.xdo(&["key", "Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    assert_matches(&v.screenshot(), &copied_render, &s1, "cube-copied");

    // An unreadable file: a message in the window, the cube stays.
    let bad = out_dir().join("not-a-movie.mov");
    std::fs::write(&bad, b"this is not a QuickTime movie").expect("write");
    v.send(&format!("open {}", bad.display()));
    let e = v.wait_for("error", Duration::from_secs(20));
    let text = e.to_string();
    assert!(text.contains("not-a-movie.mov"), "{text}");
    std::thread::sleep(Duration::from_millis(300));
    let still = v.screenshot();
    let rendered = render(&file, &s1, "cube-2");
    // The message covers the top; below it the cube is unchanged.
    let (w, h) = still.dimensions();
    let lower = image::imageops::crop_imm(&still, 0, h / 2, w, h / 2 - 30).to_image();
    let lower_e = image::imageops::crop_imm(&rendered, 0, h / 2, w, h / 2 - 30).to_image();
    let s = serde_json::json!({"bar_height": 0});
    assert_matches(&lower, &lower_e, &s, "cube-2");
    assert!(
        v.child.try_wait().expect("status").is_none(),
        "the viewer quit"
    );
}

/// `qtvr IMAGE` with several QTVR movies opens the window with the chooser:
/// Down and Return open the second movie, drawn as `qtvr render IMAGE//PATH`
/// draws it. The image dropped again (`open` on stdin, as a drop) shows the
/// chooser again; Escape keeps the tour, a digit opens that movie.
/// Motion quality in the real window: while a drag turns the view, frames
/// are drawn at a quarter of the resolution (`--motion-quality 0.25`; the
/// viewer counts them), and when the view comes to rest the window shows it
/// at full resolution, as `qtvr render` draws it.
#[test]
fn moving_frames_are_drawn_smaller_and_the_view_at_rest_in_full() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(root) = samples() else { return };
    let Some(d) = display() else { return };
    let file = root.join("real/cuty_CuTy.mov").display().to_string();
    let mut v = Viewer::start(
        &d,
        &[&file, "--size", "560x420", "--motion-quality", "0.25"],
    );
    let s0 = v.idle();
    let before = v.state();
    assert_eq!(f(&before, "scale"), 1.0);
    v.focus();
    v.drag([280, 210], [90, -40], Duration::from_millis(600));
    let s1 = v.idle();
    assert!(pan_delta(&s0, &s1).abs() > 1.0, "{s0} → {s1}");
    let after = v.state();
    let reduced = f(&after, "reduced_frames") - f(&before, "reduced_frames");
    let drawn = f(&after, "frames") - f(&before, "frames");
    assert!(
        reduced >= 3.0 && reduced < drawn,
        "{reduced} of {drawn} frames drawn reduced"
    );
    assert_eq!(
        f(&after, "scale"),
        1.0,
        "the last frame is at full resolution"
    );
    assert_matches(
        &v.screenshot(),
        &render(&file, &s1, "motion-rest"),
        &s1,
        "motion-rest",
    );
}

#[test]
fn a_disc_image_offers_its_movies_and_opens_the_chosen_one() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(d) = display() else { return };
    let dir = out_dir().join("disc-image");
    std::fs::create_dir_all(&dir).expect("folder");
    let img = dir.join("disc.img");
    let files = [
        diskimg::FileSpec::new(
            "Objects/Die",
            diskimg::Content::Bytes(objects::labelled_object(2, 2, Default::default())),
            b"MooV",
        ),
        diskimg::FileSpec::new(
            "Tours/Three Nodes",
            diskimg::Content::Bytes(tours::tour()),
            b"MooV",
        ),
    ];
    diskimg::hfs("Disc", 512, &files).to_file(&img);
    let image = img.display().to_string();
    let mut v = Viewer::start(&d, &[&image, "--size", "500x400"]);
    let c = v.wait_for("chooser", Duration::from_secs(30));
    assert_eq!(
        c["movies"],
        serde_json::json!([
            "Objects/Die - QTVR object",
            "Tours/Three Nodes - QTVR tour (3 nodes)"
        ])
    );
    std::thread::sleep(Duration::from_millis(300));
    v.focus();
    v.xdo(&["key", "Down", "Return"]);
    let tour = format!("{image}//Tours/Three Nodes");
    let s = v.idle_until("file", tour.as_str());
    assert_matches(
        &v.screenshot(),
        &render(&tour, &s, "disc-tour"),
        &s,
        "disc-tour",
    );
    // Dropped again: the chooser; Escape closes it, the tour stays.
    v.send(&format!("open {image}"));
    v.wait_for("chooser", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    v.xdo(&["key", "Escape"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(v.state()["file"], tour.as_str());
    assert_matches(
        &v.screenshot(),
        &render(&tour, &s, "disc-tour-kept"),
        &s,
        "disc-tour-kept",
    );
    // Again, and 1 opens the object.
    v.send(&format!("open {image}"));
    v.wait_for("chooser", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    v.xdo(&["key", "1"]);
    let object = format!("{image}//Objects/Die");
    let s = v.idle_until("file", object.as_str());
    assert_matches(
        &v.screenshot(),
        &render(&object, &s, "disc-object"),
        &s,
        "disc-object",
    );
}

#[test]
fn demo_opens_without_arguments_and_its_links_walk_the_tour() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(d) = display() else { return };
    let demo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo.mov")
        .display()
        .to_string();
    let mut v = Viewer::start(&d, &["--size", "800x600"]);
    let s0 = v.idle();
    assert_eq!(s0["file"], "assets/demo.mov");
    assert_eq!(s0["node"], 1);
    assert_matches(
        &v.screenshot(),
        &render(&demo, &s0, "demo-0"),
        &s0,
        "demo-0",
    );
    // At rest the viewer draws nothing: no frames in a second.
    let a = v.state();
    std::thread::sleep(Duration::from_secs(1));
    let b = v.state();
    assert_eq!(a["frames"], b["frames"], "the idle viewer kept drawing");
    v.focus();
    let id = v.window.to_string();
    // The gallery's door (left of the default view) leads to the cube.
    v.xdo(&["mousemove", "--window", &id, "150", "300", "click", "1"]);
    let s1 = v.idle();
    assert_eq!(s1["node"], 2, "{s1}");
    assert_eq!(s1["history"], 1);
    assert_matches(
        &v.screenshot(),
        &render(&demo, &s1, "demo-1"),
        &s1,
        "demo-1",
    );
    // Backspace returns to the meadow with the view we left.
    v.xdo(&["key", "BackSpace"]);
    let s2 = v.idle();
    assert_eq!(s2["node"], 1, "{s2}");
    for k in ["pan", "tilt", "fov"] {
        assert!((f(&s2, k) - f(&s0, k)).abs() < 1e-3, "{k}: {s0} → {s2}");
    }
    // The DICE sign leads to the object node.
    std::thread::sleep(Duration::from_millis(500));
    v.xdo(&["mousemove", "--window", &id, "650", "200", "click", "1"]);
    let s3 = v.idle();
    assert_eq!(s3["node"], 3, "{s3}");
    assert!(
        s3.get("row").is_some() && s3.get("column").is_some(),
        "{s3}"
    );
    assert_matches(
        &v.screenshot(),
        &render(&demo, &s3, "demo-3"),
        &s3,
        "demo-3",
    );
    // The controller bar: zoom in, show hot spots, back.
    v.click_button(&s3, "ZoomIn");
    let s4 = v.idle();
    assert!(f(&s4, "fov") < f(&s3, "fov"), "{s3} → {s4}");
    std::thread::sleep(Duration::from_millis(500));
    v.click_button(&s4, "HotSpots");
    let s5 = v.idle();
    assert_eq!(s5["hotspots"], true);
    std::thread::sleep(Duration::from_millis(500));
    v.click_button(&s5, "Back");
    let s6 = v.idle();
    assert_eq!(s6["node"], 1, "{s6}");
}

/// The device is normally made beside the window, on an instance without
/// the display's handle; GL needs that handle, so with only GL asked for the
/// window makes its own device, as before: the same view either way.
#[test]
fn with_only_gl_the_window_makes_its_own_device_and_shows_the_same_view() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(root) = samples() else { return };
    let Some(d) = display() else { return };
    let file = root.join("gen/cube_std_jpeg.mov").display().to_string();
    let args = ["--size", "400x300", "--pan", "40", "--tilt", "10"];
    open_matching(&d, &file, &args, &[("WGPU_BACKEND", "gl")], "gl-0");
}

/// Whether the adapter wgpu picks here is a software one (lavapipe).
fn software_adapter() -> bool {
    qtvr::render::Gpu::headless()
        .is_ok_and(|g| g.adapter.get_info().device_type == wgpu::DeviceType::Cpu)
}

/// Frames presented by wgpu's swap chain (`QTVR_PRESENT=surface`, the path
/// a GPU takes; a software adapter's go through shared memory unless told
/// so), with Vulkan and with GL, show what `qtvr render` draws, at rest and
/// after a drag.
#[test]
fn swap_chain_frames_show_the_same_view() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(root) = samples() else { return };
    let Some(d) = display() else { return };
    let file = root.join("gen/cube_std_jpeg.mov").display().to_string();
    let args = ["--size", "400x300", "--pan", "40", "--tilt", "10"];
    for (backend, name) in [("vulkan", "swap-chain-vulkan"), ("gl", "swap-chain-gl")] {
        let env = [("QTVR_PRESENT", "surface"), ("WGPU_BACKEND", backend)];
        let (mut v, s0) = open_matching(&d, &file, &args, &env, name);
        v.focus();
        v.drag([200, 150], [60, 20], Duration::from_millis(300));
        let s1 = v.idle();
        assert!(pan_delta(&s0, &s1).abs() > 1.0, "{s0} → {s1}");
        let after = format!("{name}-dragged");
        assert_matches(&v.screenshot(), &render(&file, &s1, &after), &s1, &after);
        assert!(
            !v.log.iter().any(|e| e["event"] == "presenting"),
            "{name}: stays on the swap chain"
        );
    }
}

/// A software adapter's frames go through shared memory once the first is
/// shown (the viewer says so): the first view, a drag's moving frames and
/// the view at rest after it are what `qtvr render` draws, and so is the
/// window resized.
#[test]
fn software_frames_through_shared_memory_show_the_same_view() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(root) = samples() else { return };
    let Some(d) = display() else { return };
    let file = root.join("real/cuty_CuTy.mov").display().to_string();
    let args = ["--size", "480x360", "--pan", "120"];
    let (mut v, s0) = open_matching(&d, &file, &args, &[], "shared-0");
    if !software_adapter() {
        // A GPU's frames stay on its swap chain: no switch, after a drag too.
        v.focus();
        v.drag([240, 180], [-80, 30], Duration::from_millis(300));
        let s1 = v.idle();
        assert_matches(&v.screenshot(), &render(&file, &s1, "gpu-1"), &s1, "gpu-1");
        assert!(!v.log.iter().any(|e| e["event"] == "presenting"));
        return;
    }
    let p = v.wait_for("presenting", Duration::from_secs(10));
    assert_eq!(p["via"], "shared-memory");
    v.focus();
    v.drag([240, 180], [-80, 30], Duration::from_millis(300));
    let s1 = v.idle();
    assert!(pan_delta(&s0, &s1).abs() > 1.0, "{s0} → {s1}");
    assert_matches(
        &v.screenshot(),
        &render(&file, &s1, "shared-1"),
        &s1,
        "shared-1",
    );
    let id = v.window.to_string();
    v.xdo(&["windowsize", "--sync", &id, "360", "300"]);
    let s2 = v.idle_until("width", 360);
    assert_eq!((f(&s2, "width"), f(&s2, "height")), (360.0, 300.0), "{s2}");
    assert_matches(
        &v.screenshot(),
        &render(&file, &s2, "shared-2"),
        &s2,
        "shared-2",
    );
}

/// A large cube (the 1800² Panini: 100 MB of textures) makes the faces its
/// first view shows before that frame and the others after it: the first
/// view, and then views turned down onto the bottom face and round to the
/// back face (both made after the first frame), are what `qtvr render`
/// draws of them.
#[test]
fn a_large_cubes_faces_left_for_after_the_first_frame_show_when_turned_to() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(root) = samples() else { return };
    let Some(d) = display() else { return };
    let file = root
        .join("real/panini_OutsideSionHillCampus.mov")
        .display()
        .to_string();
    let (mut v, s0) = open_matching(&d, &file, &["--size", "500x400"], &[], "large-cube-0");
    v.focus();
    // Down onto the bottom face.
    v.drag([250, 200], [0, 150], Duration::from_millis(600));
    let s1 = v.idle();
    assert!(f(&s1, "tilt") < f(&s0, "tilt") - 30.0, "{s0} → {s1}");
    assert_matches(
        &v.screenshot(),
        &render(&file, &s1, "large-cube-1"),
        &s1,
        "large-cube-1",
    );
    // Round to the back face: the left arrow turns left until pan is past 120.
    v.xdo(&["keydown", "Left"]);
    let start = Instant::now();
    let mut s = v.state();
    while pan_delta(&s0, &s).abs() < 120.0 && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(100));
        s = v.state();
    }
    v.xdo(&["keyup", "Left"]);
    let s2 = v.idle();
    assert!(pan_delta(&s0, &s2).abs() >= 120.0, "{s0} → {s2}");
    assert_matches(
        &v.screenshot(),
        &render(&file, &s2, "large-cube-2"),
        &s2,
        "large-cube-2",
    );
}

#[test]
fn hidpi_windows_draw_every_physical_pixel() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(root) = samples() else { return };
    let Some(d) = display() else { return };
    let file = root.join("gen/cyl_vcyl_jpeg.mov").display().to_string();
    // winit's X11 scale factor override stands in for a HiDPI screen.
    let mut v = Viewer::start_with(
        &d,
        &[&file, "--size", "400x300"],
        &[("WINIT_X11_SCALE_FACTOR", "2")],
    );
    let s0 = v.idle();
    assert_eq!(
        (s0["width"].as_u64(), s0["height"].as_u64()),
        (Some(800), Some(600))
    );
    // The bar doubles with the scale (28 logical pixels).
    assert_eq!(s0["bar_height"], 56);
    assert_matches(
        &v.screenshot(),
        &render(&file, &s0, "hidpi-0"),
        &s0,
        "hidpi-0",
    );
    // Grab drags move by logical pixels: 50 logical = 100 physical pixels of
    // a 300-logical-pixel-high view.
    v.focus();
    v.xdo(&["key", "g"]);
    while v.idle()["drag"] != "Grab" {}
    v.drag([400, 300], [100, 0], Duration::from_millis(100));
    let s1 = v.idle();
    let expected = 50.0 * f(&s0, "fov") / 300.0;
    assert!(
        (pan_delta(&s0, &s1) - expected).abs() < 0.3,
        "moved {:.2}°, expected {expected:.2}°",
        pan_delta(&s0, &s1)
    );
}

#[test]
fn object_window_turns_with_a_drag_and_shows_the_mouse_down_state() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(d) = display() else { return };
    // A generated 3 × 12 object with two view states (mouse-down state 2):
    // 30° a column and a row, 180° of turn per window width.
    let file = out_dir().join("labelled-object.mov");
    let bytes = objects::labelled_object(
        3,
        12,
        qtvr_format::qtvr::write::ObjectBehaviour {
            view_states: 2,
            mouse_down_view_state: 2,
            control_settings: 0,
            ..Default::default()
        },
    );
    std::fs::write(&file, bytes).expect("write the movie");
    let file = file.display().to_string();
    let mut v = Viewer::start(&d, &[&file, "--size", "800x600"]);
    let s0 = v.idle();
    let view =
        |s: &Value| ["row", "column", "state", "frame"].map(|k| s[k].as_u64().unwrap_or(u64::MAX));
    assert_eq!(view(&s0), [1, 6, 0, 0], "{s0}");
    assert_matches(
        &v.screenshot(),
        &render(&file, &s0, "object-0"),
        &s0,
        "object-0",
    );
    // Press in the middle and drag 150 px left, 134 px up: the object turns
    // with the hand, one column (33.75°) and one row (30.15°). The frames
    // drawn while the pointer moves are moving frames (motion quality: the
    // frame drawn straight onto the window); held still, the view is drawn
    // in full again (what the screenshot shows).
    let before = v.state();
    v.focus();
    let id = v.window.to_string();
    v.xdo(&["mousemove", "--window", &id, "400", "300"]);
    v.xdo(&["mousedown", "1"]);
    for i in 1..=6 {
        let (x, y) = (400 - 25 * i, 300 - 134 * i / 6);
        v.xdo(&["mousemove", "--window", &id, &x.to_string(), &y.to_string()]);
    }
    std::thread::sleep(Duration::from_millis(300));
    let held = v.state();
    assert_eq!(
        view(&held),
        [2, 7, 1, 0],
        "while held: the mouse-down state {held}"
    );
    let moving = f(&held, "reduced_frames") - f(&before, "reduced_frames");
    assert!(moving >= 1.0, "{moving} moving frames: {before} → {held}");
    assert_eq!(f(&held, "scale"), 1.0, "held still: in full ({held})");
    let shot = v.screenshot();
    assert_matches(
        &shot,
        &render(&file, &held, "object-held"),
        &held,
        "object-held",
    );
    v.xdo(&["mouseup", "1"]);
    let s1 = v.idle();
    assert_eq!(view(&s1), [2, 7, 0, 0], "{s1}");
    assert_matches(
        &v.screenshot(),
        &render(&file, &s1, "object-1"),
        &s1,
        "object-1",
    );
    // Arrow keys step one view: Right shows the next column.
    v.xdo(&["key", "Right"]);
    let s2 = v.idle();
    assert_eq!(view(&s2), [2, 8, 0, 0], "{s2}");
}

#[test]
fn link_click_swings_fades_to_the_link_view_and_backspace_returns() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(root) = samples() else { return };
    let Some(d) = display() else { return };
    // Node 1 of the multinode sample, looking at hot spot 10 "Go to B"
    // (its best view), which leads to node 2 at pan 180, tilt 0, fov 50.
    let file = root
        .join("gen/multinode_2pano_1obj_links.mov")
        .display()
        .to_string();
    let mut v = Viewer::start(
        &d,
        &[
            &file, "--node", "1", "--pan", "317.8", "--tilt", "-4.9", "--fov", "40", "--size",
            "640x480",
        ],
    );
    let s0 = v.idle();
    assert_eq!(s0["node"], 1, "{s0}");
    v.focus();
    let id = v.window.to_string();
    // Pointing: the hand cursor and the hot spot's name in the bar; away
    // from it the grab cursor.
    v.xdo(&["mousemove", "--window", &id, "40", "40"]);
    std::thread::sleep(Duration::from_millis(200));
    let off = v.state();
    assert_eq!(off["cursor"], "Grab", "{off}");
    assert!(off["hover"].is_null(), "{off}");
    v.xdo(&["mousemove", "--window", &id, "320", "200"]);
    std::thread::sleep(Duration::from_millis(200));
    let on = v.state();
    assert_eq!(on["cursor"], "Pointer", "{on}");
    assert_eq!(on["hover"], "Go to B", "{on}");
    v.xdo(&["click", "1"]);
    let s1 = v.idle();
    assert_eq!(s1["node"], 2, "{s1}");
    for (k, want) in [("pan", 180.0), ("tilt", 0.0), ("fov", 50.0)] {
        assert!((f(&s1, k) - want).abs() < 1e-3, "{k}: {s1}");
    }
    assert_eq!(s1["history"], 1);
    // The view swung to the hot spot's best view, then the new node faded in.
    let phases: Vec<String> = v
        .log
        .iter()
        .filter(|e| e["event"] == "transition")
        .map(|e| e["phase"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(phases, ["swing", "fade", "done"], "{:#?}", v.log);
    assert_matches(
        &v.screenshot(),
        &render(&file, &s1, "link-2"),
        &s1,
        "link-2",
    );
    // Backspace: node 1 and the view we had when we clicked.
    std::thread::sleep(Duration::from_millis(500));
    v.xdo(&["key", "BackSpace"]);
    let s2 = v.idle();
    assert_eq!(s2["node"], 1, "{s2}");
    for k in ["pan", "tilt", "fov"] {
        assert!((f(&s2, k) - f(&s0, k)).abs() < 1e-3, "{k}: {s0} -> {s2}");
    }
    assert_matches(
        &v.screenshot(),
        &render(&file, &s2, "link-back"),
        &s2,
        "link-back",
    );
    // The node list: N, then 3 jumps to the object node.
    v.xdo(&["key", "n"]);
    let s3 = v.idle();
    assert_eq!(s3["nodes"], true, "{s3}");
    v.xdo(&["key", "3"]);
    let s4 = v.idle();
    assert_eq!(s4["node"], 3, "{s4}");
    assert_eq!(s4["nodes"], false);
}

#[test]
fn url_hot_spot_shows_its_address_then_opens_it_on_a_second_click() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(d) = display() else { return };
    let dir = out_dir();
    let movie = dir.join("tour.mov");
    std::fs::write(&movie, tours::tour()).expect("write the tour");
    // A stand-in browser that writes down what it was asked to open.
    let opened = dir.join("opened.txt");
    let _ = std::fs::remove_file(&opened);
    let script = dir.join("browser.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$1\" > '{}'\n", opened.display()),
    )
    .expect("write the script");
    let _ = Command::new("chmod").arg("+x").arg(&script).status();
    let file = movie.display().to_string();
    let browser = script.display().to_string();
    // The web hot spot: map columns 300..340 of 512 (pan 124..135), rows
    // 50..80 of 128 — looking at pan 129.4, tilt −0.7.
    let mut v = Viewer::start_with(
        &d,
        &[
            &file, "--pan", "129.4", "--tilt", "-0.7", "--fov", "30", "--size", "480x360",
        ],
        &[("QTVR_OPEN_URL", &browser)],
    );
    let s0 = v.idle();
    assert_eq!(s0["node"], tours::CYLINDER.0);
    v.focus();
    let id = v.window.to_string();
    v.xdo(&["mousemove", "--window", &id, "240", "166", "click", "1"]);
    let m = v.wait_for("message", Duration::from_secs(10));
    assert_eq!(m["lines"][0], tours::URL, "{m}");
    assert!(!opened.exists(), "the first click only shows the address");
    std::thread::sleep(Duration::from_millis(600));
    v.xdo(&["click", "1"]);
    let o = v.wait_for("open-url", Duration::from_secs(10));
    assert_eq!(o["url"], tours::URL, "{o}");
    assert_eq!(o["ok"], true);
    let end = Instant::now() + Duration::from_secs(5);
    while !opened.exists() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    let got = std::fs::read_to_string(&opened).unwrap_or_default();
    assert_eq!(got.trim(), tours::URL);
    let s1 = v.state();
    assert_eq!(
        s1["node"],
        tours::CYLINDER.0,
        "a URL does not leave the node"
    );
}

/// Every way of arriving at an object node shows the frame of the view the
/// viewer reports: the command line's start view, a link, a view change
/// there, the node list, Back, and a movie opened (as a drop or the Open
/// dialog would) whose default node is an object. Each arrival is compared
/// with `qtvr render` of the reported view.
#[test]
fn every_arrival_at_an_object_shows_the_view_it_reports() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(root) = samples() else { return };
    let Some(d) = display() else { return };
    let view =
        |s: &Value| ["row", "column", "state", "frame"].map(|k| s[k].as_u64().unwrap_or(u64::MAX));
    // The labelled 3 × 12 object (default view row 1, column 6), started at
    // pan 90, tilt 30: row 0, column 3.
    let object = out_dir().join("arrivals-object.mov");
    let bytes = objects::labelled_object(3, 12, Default::default());
    std::fs::write(&object, bytes).expect("write the movie");
    let object = object.display().to_string();
    let mut v = Viewer::start(
        &d,
        &[&object, "--pan", "90", "--tilt", "30", "--size", "640x480"],
    );
    let s0 = v.idle();
    assert_eq!(view(&s0), [0, 3, 0, 0], "{s0}");
    assert_matches(
        &v.screenshot(),
        &render(&object, &s0, "arrive-start"),
        &s0,
        "arrive-start",
    );

    // Open the multinode tour (default node 2, a panorama) as a drop would.
    let tour = root
        .join("gen/multinode_2pano_1obj_links.mov")
        .display()
        .to_string();
    v.send(&format!("open {tour}"));
    let s1 = v.idle_until("file", tour.as_str());
    assert_eq!(s1["node"], 2, "{s1}");
    assert_matches(
        &v.screenshot(),
        &render(&tour, &s1, "arrive-open"),
        &s1,
        "arrive-open",
    );
    // Opening the labelled object again: its default view, row 1, column 6.
    v.send(&format!("open {object}"));
    let s8 = v.idle_until("file", object.as_str());
    assert_eq!(view(&s8), [1, 6, 0, 0], "{s8}");
    assert_matches(
        &v.screenshot(),
        &render(&object, &s8, "arrive-reopen"),
        &s8,
        "arrive-reopen",
    );
    drop(v);

    // Node 2 of the tour looking at hot spot 40 "Object" (map columns
    // 800..939, rows 80..199 of 1024 × 272); a click leads to node 3 at
    // pan 270: row 1, column 6.
    let mut v = Viewer::start(
        &d,
        &[
            &tour, "--node", "2", "--pan", "54.3", "--tilt", "-1.5", "--fov", "40", "--size",
            "640x480",
        ],
    );
    v.idle();
    v.focus();
    let id = v.window.to_string();
    v.xdo(&["mousemove", "--window", &id, "320", "236"]);
    std::thread::sleep(Duration::from_millis(300));
    let on = v.state();
    assert_eq!(on["hover"], "Object", "{on}");
    v.xdo(&["click", "1"]);
    let s2 = v.idle_until("node", 3);
    assert_eq!(view(&s2), [1, 6, 0, 0], "the link's view: {s2}");
    assert_matches(
        &v.screenshot(),
        &render(&tour, &s2, "arrive-link"),
        &s2,
        "arrive-link",
    );
    // Right arrow: the next column.
    v.xdo(&["mousemove", "--window", &id, "20", "20"]);
    std::thread::sleep(Duration::from_millis(600));
    v.xdo(&["key", "Right"]);
    let s3 = v.idle();
    assert_eq!(view(&s3), [1, 7, 0, 0], "{s3}");
    assert_matches(
        &v.screenshot(),
        &render(&tour, &s3, "arrive-right"),
        &s3,
        "arrive-right",
    );
    // The node list: node 1 (a panorama at its default view).
    v.xdo(&["key", "n"]);
    v.idle();
    v.xdo(&["key", "1"]);
    let s4 = v.idle_until("node", 1);
    assert_matches(
        &v.screenshot(),
        &render(&tour, &s4, "arrive-list"),
        &s4,
        "arrive-list",
    );
    // Back: the object at the view we left (row 1, column 7).
    std::thread::sleep(Duration::from_millis(500));
    v.xdo(&["key", "BackSpace"]);
    let s5 = v.idle_until("node", 3);
    assert_eq!(view(&s5), [1, 7, 0, 0], "Back: {s5}");
    assert_matches(
        &v.screenshot(),
        &render(&tour, &s5, "arrive-back"),
        &s5,
        "arrive-back",
    );
    // The node list again: the object itself, at its default view.
    v.xdo(&["key", "n"]);
    v.idle();
    v.xdo(&["key", "2"]);
    v.idle_until("node", 2);
    v.xdo(&["key", "n"]);
    v.idle();
    v.xdo(&["key", "3"]);
    let s7 = v.idle_until("node", 3);
    assert_matches(
        &v.screenshot(),
        &render(&tour, &s7, "arrive-list-object"),
        &s7,
        "arrive-list-object",
    );
}

/// Starts the viewer on the demo with stderr captured; returns it and its
/// X11 window.
fn start_captured(display: &Display) -> (Child, u64) {
    start_captured_with(display, &[])
}

/// [`start_captured`] with more environment variables.
fn start_captured_with(display: &Display, env: &[(&str, &str)]) -> (Child, u64) {
    let mut child = Command::new(BIN)
        .args(["--size", "480x360", "--report-state"])
        .envs(env.iter().copied())
        .env("QTVR_SOUND_OUTPUT", "null")
        .env("DISPLAY", &display.name)
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("NODEVICE_SELECT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the viewer starts");
    let out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut window = None;
    for line in out.lines().map_while(Result::ok) {
        let v: Value = serde_json::from_str(&line).unwrap_or_default();
        if v["event"] == "window" {
            window = v["x11_id"].as_u64();
        }
        if v["event"] == "idle" {
            break;
        }
    }
    (child, window.expect("the viewer reported its window"))
}

/// Waits up to `timeout` for the child to end: its exit code and stderr.
fn wait_end(mut child: Child, timeout: Duration) -> (Option<i32>, String) {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if let Ok(Some(_)) = child.try_wait() {
            let out = child.wait_with_output().expect("output");
            return (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).into(),
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("output");
    panic!(
        "the viewer was still running after {timeout:?}; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Destroys the viewer's window without a close request (`xdotool
/// windowclose`, as `xkill` does) and waits for the viewer to end: its exit
/// code and stderr.
fn destroy_window(d: &Display, child: Child, window: u64) -> (Option<i32>, String) {
    let s = Command::new("xdotool")
        .args(["windowclose", &window.to_string()])
        .env("DISPLAY", &d.name)
        .status()
        .expect("xdotool runs");
    assert!(s.success());
    wait_end(child, Duration::from_secs(10))
}

/// A window destroyed without a close request (as `xkill` or a crashed
/// window manager does) ends the viewer with code 0 and nothing on stderr;
/// a display that goes away ends it with one line and code 1, no panic.
#[test]
fn a_destroyed_window_or_a_lost_display_ends_the_viewer() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(d) = display() else { return };
    let (child, window) = start_captured(&d);
    let (code, err) = destroy_window(&d, child, window);
    assert_eq!(code, Some(0), "stderr: {err}");
    assert_eq!(err, "", "a destroyed window is no error");

    // The X server goes away under the viewer (killed while drawing).
    let (child, window) = start_captured(&d);
    let id = window.to_string();
    for args in [
        &["mousemove", "--window", &id, "100", "100"][..],
        &["mousedown", "1"],
        &["mousemove", "--window", &id, "300", "120"],
    ] {
        let _ = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &d.name)
            .status();
    }
    std::thread::sleep(Duration::from_millis(300));
    drop(d);
    let (code, err) = wait_end(child, Duration::from_secs(10));
    assert_eq!(code, Some(1), "stderr: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// `QTVR_TIMELINE=1` prints the launch's stages on stderr, in the order they
/// are reached, each with its time since the start: from the start to the
/// first frame presented (once, not per frame; the demo's first frame comes
/// before its picture) and the first full-resolution one, after the upload;
/// and nothing without it (the test above).
#[test]
fn the_launch_timeline_names_each_stage_once_in_order() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(d) = display() else { return };
    let (child, window) = start_captured_with(&d, &[("QTVR_TIMELINE", "1")]);
    let (code, err) = destroy_window(&d, child, window);
    assert_eq!(code, Some(0), "stderr: {err}");
    let marks: Vec<(f64, &str)> = err
        .lines()
        .map(|l| {
            let rest = l
                .strip_prefix("qtvr timeline:")
                .unwrap_or_else(|| panic!("{l:?}"));
            let (ms, stage) = rest
                .trim()
                .split_once(" ms ")
                .unwrap_or_else(|| panic!("{l:?}"));
            (
                ms.trim().parse::<f64>().unwrap_or_else(|_| panic!("{l:?}")),
                stage,
            )
        })
        .collect();
    let at = |stage: &str| {
        let found: Vec<f64> = marks.iter().filter(|m| m.1 == stage).map(|m| m.0).collect();
        assert_eq!(found.len(), 1, "{stage:?} once in {err}");
        found[0]
    };
    assert_eq!(at("started"), 0.0, "{err}");
    // The movie's chain and the window's meet at the upload.
    let increasing = |stages: &[&str]| {
        let t: Vec<f64> = stages.iter().map(|s| at(s)).collect();
        assert!(t.windows(2).all(|w| w[0] <= w[1]), "{stages:?}: {err}");
    };
    let upload = [
        "upload started",
        "uploaded",
        "first full-resolution frame presented",
    ];
    increasing(&[&["started", "movie opened", "picture decoded"][..], &upload].concat());
    increasing(
        &[
            &["started", "window opened", "window surface configured"][..],
            &upload,
        ]
        .concat(),
    );
    increasing(&[
        "window surface configured",
        "first frame presented",
        "first full-resolution frame presented",
    ]);
    assert!(
        marks.windows(2).all(|w| w[0].0 <= w[1].0),
        "printed as reached: {err}"
    );
}

/// A fake ffmpeg that sleeps (as a hung decoder would) under a name of its
/// own: `exec sleep 987.<pid>`; returns the script and the process's name.
#[cfg(unix)]
fn sleeping_ffmpeg(dir: &Path) -> (String, String) {
    use std::os::unix::fs::PermissionsExt as _;
    let name = format!("sleep 987.{}", std::process::id());
    let p = dir.join("slow-ffmpeg");
    std::fs::write(&p, format!("#!/bin/sh\nexec {name}\n")).expect("write");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (p.to_string_lossy().into_owned(), name)
}

/// Whether a process whose command line is `name` runs.
#[cfg(unix)]
fn running(name: &str) -> bool {
    Command::new("pgrep")
        .args(["-f", &format!("^{name}$")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Waits (up to `limit`, a guard against a hang, not a timing) until
/// `running(name)` is `want`; how long that took.
#[cfg(unix)]
fn until_running(name: &str, want: bool, limit: Duration) -> Duration {
    let t = Instant::now();
    while running(name) != want {
        assert!(
            t.elapsed() < limit,
            "{name} {} after {limit:?}",
            if want { "never ran" } else { "still runs" }
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    t.elapsed()
}

/// A movie that decodes slowly never stops the window. The test tour's
/// cylinder is stored in a codec that only ffmpeg decodes, and the "ffmpeg"
/// (`QTVR_FFMPEG`) sleeps instead. While it sleeps the window answers: a key
/// shows the help (the picture changes, frames are drawn, the state says
/// so). Opening another movie stops the sleeping decode (its process ends)
/// and shows that movie as `qtvr render` draws it; a decode time budget
/// (`--decode-timeout 1`) abandons it with a message; quitting while it
/// sleeps ends the viewer and the decode. How long each stop took is
/// printed (README: cancelling within 100 ms; no timing is asserted).
#[cfg(unix)]
#[test]
fn a_slow_movie_never_stops_the_window() {
    use qtvr_format::container::build::video_entry;
    use qtvr_format::qtvr::write::EncodedImages;

    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(d) = display() else { return };
    if !qtvr_testkit::require_tool("pgrep", "procps") {
        return;
    }
    let dir = out_dir().join("slow");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let images = EncodedImages {
        description: video_entry(b"IV50", 256, 256, 24, None),
        samples: vec![vec![1, 2, 3]; 4],
        ..Default::default()
    };
    let slow = dir.join("slow.mov");
    std::fs::write(
        &slow,
        tours::tour_spec()
            .write_encoded(&[(tours::CYLINDER, images)])
            .expect("a tour"),
    )
    .expect("write");
    let slow = slow.display().to_string();
    let plain = dir.join("plain.mov");
    std::fs::write(&plain, tours::tour()).expect("write");
    let plain = plain.display().to_string();
    let (ffmpeg, name) = sleeping_ffmpeg(&dir);
    let env = [("QTVR_FFMPEG", ffmpeg.as_str())];
    let size = ["--size", "640x480"];

    // 1. A movie is shown; the slow one is opened (dropped) over it. The
    // window answers while its decode sleeps.
    let plain2 = dir.join("plain-again.mov");
    std::fs::write(&plain2, tours::tour()).expect("write");
    let plain2 = plain2.display().to_string();
    let mut v = Viewer::start_with(&d, &[&plain, size[0], size[1]], &env);
    v.idle();
    v.send(&format!("open {slow}"));
    until_running(&name, true, Duration::from_secs(20));
    let s0 = v.state();
    assert_eq!(s0["help"], false, "{s0}");
    let before = v.screenshot();
    v.focus();
    v.xdo(&["key", "h"]);
    let mut s1 = v.state();
    for _ in 0..100 {
        if s1["help"] == true && s1["frames"].as_u64() > s0["frames"].as_u64() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        s1 = v.state();
    }
    assert_eq!(s1["help"], true, "{s1}");
    assert!(s1["frames"].as_u64() > s0["frames"].as_u64(), "{s0} {s1}");
    let after = v.screenshot();
    let changed = before
        .pixels()
        .zip(after.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert!(
        changed > 1000,
        "the help did not show: {changed} pixels changed"
    );
    assert!(running(&name), "the decode ended early");

    // 2. Opening another movie stops it and shows the new movie.
    v.xdo(&["key", "h"]);
    v.send(&format!("open {plain2}"));
    let opened = Instant::now();
    let stopped = until_running(&name, false, Duration::from_secs(10));
    let s2 = v.idle_until("file", plain2.as_str());
    std::thread::sleep(Duration::from_millis(300));
    assert_matches(
        &v.screenshot(),
        &render(&plain2, &s2, "slow-then-plain"),
        &s2,
        "slow-then-plain",
    );
    eprintln!(
        "slow movie: the decode stopped {} ms after `open` was written ({} ms to see it)",
        stopped.as_millis(),
        opened.elapsed().as_millis()
    );
    drop(v);
    until_running(&name, false, Duration::from_secs(10));

    // 3. A decode time budget abandons it with a message.
    let mut v = Viewer::start_with(
        &d,
        &[&slow, size[0], size[1], "--decode-timeout", "1"],
        &env,
    );
    until_running(&name, true, Duration::from_secs(20));
    let e = v.wait_for("error", Duration::from_secs(20));
    assert!(
        e.to_string()
            .contains("decoding took longer than its time budget of 1 s and was abandoned"),
        "{e}"
    );
    let stopped = until_running(&name, false, Duration::from_secs(10));
    eprintln!(
        "slow movie: the decode ended {} ms after the error",
        stopped.as_millis()
    );
    drop(v);

    // 4. Quitting while it sleeps ends the viewer and the decode.
    let mut v = Viewer::start_with(&d, &[&slow, size[0], size[1]], &env);
    until_running(&name, true, Duration::from_secs(20));
    v.focus();
    let quit = Instant::now();
    v.xdo(&["key", "q"]);
    let end = Instant::now() + Duration::from_secs(10);
    while v.child.try_wait().expect("status").is_none() {
        assert!(Instant::now() < end, "the viewer did not quit");
        std::thread::sleep(Duration::from_millis(5));
    }
    let exited = quit.elapsed();
    let stopped = until_running(&name, false, Duration::from_secs(10));
    eprintln!(
        "slow movie: the viewer quit {} ms after the key, its decode {} ms later",
        exited.as_millis(),
        stopped.as_millis()
    );
}

/// Pixels of the controller bar button `name` (a 24-pixel square around
/// its reported centre) that `pick` accepts.
fn button_pixels(
    img: &image::RgbaImage,
    s: &Value,
    name: &str,
    pick: impl Fn([u8; 3]) -> bool,
) -> usize {
    let b = s["buttons"]
        .as_array()
        .and_then(|a| a.iter().find(|b| b["button"] == name))
        .unwrap_or_else(|| panic!("no {name} button in {s}"));
    let (cx, cy) = (
        b["x"].as_u64().unwrap() as u32,
        b["y"].as_u64().unwrap() as u32,
    );
    let mut n = 0;
    for y in cy - 12..cy + 12 {
        for x in cx - 12..cx + 12 {
            let p = img.get_pixel(x, y);
            n += usize::from(pick([p[0], p[1], p[2]]));
        }
    }
    n
}

/// The demo has sound: once it plays (here into the silent device that
/// `QTVR_SOUND_OUTPUT=null` gives) the speaker button shows in the bar with
/// its waves; a click mutes it (the cross in the accent colour), S unmutes;
/// the view above the bar stays what `qtvr render` draws.
#[test]
fn the_speaker_button_shows_and_mutes_the_demos_sound() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(d) = display() else { return };
    let demo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo.mov")
        .display()
        .to_string();
    let mut v = Viewer::start_with(&d, &["--size", "800x600"], &[("QTVR_SOUND_OUTPUT", "null")]);
    v.idle();
    let s = v.state_until("sound", "on 80%");
    assert_eq!(s["sound"], "on 80%", "{s}");
    let accent = |p: [u8; 3]| p[0] > 240 && (170..=220).contains(&p[1]) && p[2] < 100;
    let light = |p: [u8; 3]| p.iter().all(|&c| c > 220);
    let before = v.screenshot();
    assert!(
        button_pixels(&before, &s, "Sound", light) > 20,
        "the speaker and its waves"
    );
    assert_eq!(button_pixels(&before, &s, "Sound", accent), 0, "no cross");
    v.click_button(&s, "Sound");
    let m = v.state_until("sound", "muted");
    assert_eq!(m["sound"], "muted", "{m}");
    std::thread::sleep(Duration::from_millis(300));
    let after = v.screenshot();
    let _ = after.save(out_dir().join("speaker-muted.png"));
    assert!(
        button_pixels(&after, &m, "Sound", accent) >= 8,
        "the cross of a muted speaker"
    );
    assert_matches(&after, &render(&demo, &m, "speaker"), &m, "speaker");
    v.focus();
    v.xdo(&["key", "s"]);
    let u = v.state_until("sound", "on 80%");
    assert_eq!(u["sound"], "on 80%", "S unmutes: {u}");
}
