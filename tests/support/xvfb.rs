//! A private Xvfb server for window tests and benchmarks (shared by
//! `tests/window.rs`, `benches/launch.rs` and `benches/window.rs`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Under `CI=true` a missing tool fails (CI must never pass by skipping);
/// elsewhere the caller skips, and this says why.
pub fn skip(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and {why}: a window test may not skip in CI");
    }
    eprintln!("skipped: {why}");
}

pub struct Display {
    xvfb: Child,
    pub name: String,
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// A fresh Xvfb server (1280×1024), or None (with the reason printed).
pub fn display() -> Option<Display> {
    display_sized([1280, 1024])
}

/// A fresh Xvfb server with a screen of `size` pixels, or None (with the
/// reason printed).
pub fn display_sized(size: [u32; 2]) -> Option<Display> {
    for tool in ["Xvfb", "xdotool", "import"] {
        if !have(tool) {
            skip(&format!(
                "{tool} is not installed (apt install xvfb xdotool imagemagick)"
            ));
            return None;
        }
    }
    let base = 100 + std::process::id() % 400;
    for n in base..base + 50 {
        if Path::new(&format!("/tmp/.X{n}-lock")).exists() {
            continue;
        }
        let name = format!(":{n}");
        let Ok(xvfb) = Command::new("Xvfb")
            .args([
                &name,
                "-screen",
                "0",
                &format!("{}x{}x24", size[0], size[1]),
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        else {
            continue;
        };
        let d = Display { xvfb, name };
        let socket = format!("/tmp/.X11-unix/X{n}");
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if Path::new(&socket).exists() {
                return Some(d);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    skip("could not start Xvfb");
    None
}
