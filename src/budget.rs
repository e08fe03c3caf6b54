//! The program's budgets. The decoded-pixel budget ([`Limits::memory`]):
//! 1 GiB unless the command line's `--max-memory MB` sets another, once, at
//! start-up ([`set_memory`]). The decode time budget ([`decode_time`]): how
//! long one load of the viewer (a movie's first node, a node, a batch of
//! object views) may decode before it is abandoned with a message, 30 s
//! unless `--decode-timeout SECONDS` says otherwise; `render`, `export` and
//! `convert` decode without one unless that option is given. Every place of this crate that decodes, assembles or
//! uploads a node takes its limits from [`limits`], so the viewer, `render`,
//! `export` and `convert` hold a node's claims to the same number before
//! anything is decoded ([`qtvr_format::assemble::node_memory`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use qtvr_format::limits::Limits;
use qtvr_format::tiles::{Cancel, DecodeOptions};

static MEMORY: AtomicU64 = AtomicU64::new(Limits::DEFAULT.memory);
/// `--decode-timeout` in milliseconds; 0: not given.
static DECODE_MS: AtomicU64 = AtomicU64::new(0);

/// The viewer's decode time budget when `--decode-timeout` is not given.
pub const VIEWER_DECODE_TIME: Duration = Duration::from_secs(30);

/// Sets the decode time budget (`--decode-timeout`).
pub fn set_decode_time(t: Duration) {
    DECODE_MS.store(
        t.as_millis().clamp(1, u128::from(u64::MAX)) as u64,
        Ordering::Relaxed,
    );
}

/// The decode time budget `--decode-timeout` gave, if any.
pub fn decode_time() -> Option<Duration> {
    match DECODE_MS.load(Ordering::Relaxed) {
        0 => None,
        ms => Some(Duration::from_millis(ms)),
    }
}

/// The flag of one of the viewer's loads: its time budget starts now.
pub fn viewer_cancel() -> Cancel {
    Cancel::new().with_deadline(decode_time().unwrap_or(VIEWER_DECODE_TIME))
}

/// Sets the budget in bytes (`--max-memory` × 1 MiB).
pub fn set_memory(bytes: u64) {
    MEMORY.store(bytes, Ordering::Relaxed);
}

/// The budget in bytes.
pub fn memory() -> u64 {
    MEMORY.load(Ordering::Relaxed)
}

/// [`Limits::DEFAULT`] with the program's budget ([`Limits::with_memory`]).
pub fn limits() -> Limits {
    Limits::DEFAULT.with_memory(memory())
}

/// [`DecodeOptions::default`] with [`limits`] and, when `--decode-timeout`
/// was given, its time budget starting now.
pub fn decode_options() -> DecodeOptions {
    DecodeOptions {
        limits: limits(),
        cancel: match decode_time() {
            Some(t) => Cancel::new().with_deadline(t),
            None => Cancel::new(),
        },
        ..DecodeOptions::default()
    }
}
