//! What the tests of the workspace share (a dev-dependency only):
//!
//! * [`Rng`]: one deterministic random number generator (SplitMix64) for
//!   property tests, fuzzing and generated test data;
//! * [`claim`]: movies whose sample descriptions claim other frame sizes;
//! * [`alloc`]: a counting global allocator (live and peak heap bytes per
//!   thread, an optional cap) — the only `unsafe` code of the workspace;
//! * [`samples_dir`]: the sample movies, `../shared/samples` beside the
//!   workspace, found from any member;
//! * [`skip`]: the skip rule — under `CI=true` a missing sample folder or tool
//!   fails the test; elsewhere the test says why it skips and how many have;
//! * [`xvfb`]: a private Xvfb server for window tests and benchmarks.

#![deny(unsafe_code)]

// The only module that may use `unsafe`: `GlobalAlloc` is an unsafe trait.
#[allow(unsafe_code)]
pub mod alloc;
pub mod claim;
mod rng;
mod samples;
mod skip;
pub mod xvfb;

pub use rng::Rng;
pub use samples::{sample_movies, samples_dir, shared_samples, workspace_root};
pub use skip::{have_tool, require_tool, skip, skipped};

/// The message of a caught panic (`catch_unwind`'s payload), or `?`.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("?")
}
