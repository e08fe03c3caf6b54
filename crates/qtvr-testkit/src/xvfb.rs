//! A private Xvfb server for window tests and benchmarks (used by
//! `tests/window.rs`, `benches/launch.rs` and `benches/window.rs`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
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
        // A killed server leaves its lock and socket behind: remove them, so
        // that display numbers do not run out over many runs.
        if let Some(n) = self.name.strip_prefix(':') {
            remove_server_files(n);
        }
    }
}

fn remove_server_files(n: &str) {
    let _ = std::fs::remove_file(format!("/tmp/.X{n}-lock"));
    let _ = std::fs::remove_file(format!("/tmp/.X11-unix/X{n}"));
}

/// Whether display `n`'s lock file names a server that is still running (a
/// lock whose process is gone, left by a killed server, is stale).
fn in_use(n: u32) -> bool {
    let Ok(text) = std::fs::read_to_string(format!("/tmp/.X{n}-lock")) else {
        return false;
    };
    match text.trim().parse::<u32>() {
        Ok(pid) => Path::new(&format!("/proc/{pid}")).exists(),
        // Unreadable: leave it to its owner.
        Err(_) => true,
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
        if in_use(n) {
            continue;
        }
        remove_server_files(&n.to_string());
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

/// Starts `cmd` (the viewer, with its arguments) on `display`: stdin piped,
/// stderr discarded, `WAYLAND_DISPLAY` removed so that it opens an X11
/// window; each line it prints on stdout (its `--report-state` reports) is
/// sent on the channel returned.
pub fn spawn_on(display: &str, mut cmd: Command) -> Result<(Child, Receiver<String>), String> {
    let mut child = cmd
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let out = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Ok((child, rx))
}
