//! The skip rule: a test that cannot run (no sample folder, no ffmpeg, no
//! Xvfb, …) fails under `CI=true` and otherwise says why it skips.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

static SKIPPED: AtomicUsize = AtomicUsize::new(0);

/// Under `CI=true`, panics (CI must never pass by skipping). Elsewhere
/// counts one skip and prints `SKIP (n in this test binary): why` straight to
/// stderr, past the test harness's output capture; the caller then returns.
pub fn skip(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and {why}: a test may not skip in CI");
    }
    let n = SKIPPED.fetch_add(1, Ordering::Relaxed) + 1;
    let _ = writeln!(std::io::stderr(), "SKIP ({n} in this test binary): {why}");
}

/// How many times [`skip`] has skipped in this process.
pub fn skipped() -> usize {
    SKIPPED.load(Ordering::Relaxed)
}

/// Whether `tool` is on the `PATH`.
pub fn have_tool(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v '{tool}'")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether `tool` is on the `PATH`; when it is not, a [`skip`] naming the
/// Debian package `package` that has it.
pub fn require_tool(tool: &str, package: &str) -> bool {
    let ok = have_tool(tool);
    if !ok {
        skip(&format!("{tool} is not installed (apt install {package})"));
    }
    ok
}

#[cfg(test)]
mod tests {
    #[test]
    fn tools_are_found_on_the_path() {
        assert!(super::have_tool("sh"));
        assert!(!super::have_tool("no-such-tool-qtvr-testkit"));
    }

    #[test]
    fn a_skip_counts_or_fails_in_ci() {
        let before = super::skipped();
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        let r = std::panic::catch_unwind(|| super::skip("a test of the skip rule"));
        assert_eq!(r.is_err(), ci, "skip must panic exactly under CI=true");
        if !ci {
            assert!(super::skipped() > before);
        }
    }
}
