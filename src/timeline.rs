//! Launch timeline marks, for performance work: with `QTVR_TIMELINE=1` in the
//! environment, [`mark`] prints to stderr the milliseconds since the first
//! mark (the start of `main`) and the stage reached — the device made beside
//! the window, the window, the movie opened, its picture decoded and
//! uploaded, the first frame presented (perhaps still without a picture)
//! and the first full-resolution one (what `--report-state`'s `first-frame`
//! reports and `cargo bench --bench launch` times). docs/benchmarks.md ("Launch") reads
//! a launch's time with them. Without the variable a mark costs a load and a
//! compare.

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// When the first mark was made, if marks are printed.
fn start() -> Option<Instant> {
    static START: OnceLock<Option<Instant>> = OnceLock::new();
    *START.get_or_init(|| {
        std::env::var_os("QTVR_TIMELINE")
            .is_some_and(|v| v == "1")
            .then(Instant::now)
    })
}

/// Prints `stage` with the time since the first mark (`QTVR_TIMELINE=1`).
pub fn mark(stage: &str) {
    if let Some(t) = start() {
        eprintln!(
            "qtvr timeline: {:7.1} ms {stage}",
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
}

/// [`mark`], the first time `stage` is reached only (per-frame stages).
pub fn mark_first(stage: &'static str) {
    static SEEN: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    if start().is_none() {
        return;
    }
    let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    if !seen.contains(&stage) {
        seen.push(stage);
        drop(seen);
        mark(stage);
    }
}
