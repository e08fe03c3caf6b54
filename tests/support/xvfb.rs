//! A private Xvfb server for window tests and benchmarks (shared by
//! `tests/window.rs` and `benches/launch.rs`).

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
    for tool in ["Xvfb", "xdotool", "import"] {
        if !have(tool) {
            eprintln!("skipped: {tool} is not installed (apt install xvfb xdotool imagemagick)");
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
            .args([&name, "-screen", "0", "1280x1024x24", "-nolisten", "tcp"])
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
    eprintln!("skipped: could not start Xvfb");
    None
}
