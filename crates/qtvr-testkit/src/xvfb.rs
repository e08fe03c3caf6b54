//! A private Xvfb server for window tests and benchmarks (used by
//! `tests/window.rs`, `benches/launch.rs` and `benches/window.rs`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{require_tool, skip};

/// A running Xvfb server, killed when dropped.
pub struct Display {
    xvfb: Child,
    /// The `DISPLAY` to give clients, such as `:123`.
    pub name: String,
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// A fresh Xvfb server (1280×1024), or None after a [`skip`] (a failure
/// under `CI=true`) when Xvfb, xdotool or ImageMagick's `import` is missing
/// or the server does not start.
pub fn display() -> Option<Display> {
    display_sized([1280, 1024])
}

/// A fresh Xvfb server with a screen of `size` pixels, or None after a
/// [`skip`] (see [`display`]).
pub fn display_sized(size: [u32; 2]) -> Option<Display> {
    for (tool, package) in [
        ("Xvfb", "xvfb"),
        ("xdotool", "xdotool"),
        ("import", "imagemagick"),
    ] {
        if !require_tool(tool, package) {
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
