//! Stopping a decode from another thread, and a decode's time budget.
//!
//! A [`Cancel`] is shared by everything one load decodes. The tile decoder
//! checks it before every sample, and while a sample decodes the decoders
//! themselves poll it ([`interrupted`]) every row of blocks, so a cancelled
//! or overdue decode stops within one row of a frame, not one whole frame
//! (the time one poll interval takes is what bounds the viewer's reaction to
//! a new movie, a link or quitting). The flag reaches the decoders through
//! a thread-local set around each sample's decode (`while_decoding`), so
//! the [`crate::codec::Decoder`] trait needs no extra argument.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Stops a decode from another thread: once [`Cancel::cancel`] is called (or
/// its deadline passes, [`Cancel::with_deadline`]), every chain stops before
/// its next sample, a sample being decoded stops at its next row of blocks,
/// a running ffmpeg is killed, and each unfinished request ends with a
/// [`crate::tiles::TrackError`] saying why ([`Cancel::reason`]). Clones share
/// the flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    /// When the decode's time budget runs out, and how long it was.
    deadline: Option<(Instant, Duration)>,
    /// Test hook: trips the flag at the n-th poll (0: never).
    trip_at: Option<Arc<AtomicU64>>,
}

impl Cancel {
    /// A flag that is not set, with no deadline.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// This flag with a time budget: `budget` from now, the decode counts as
    /// cancelled (and [`Cancel::reason`] says it ran out of time).
    pub fn with_deadline(self, budget: Duration) -> Cancel {
        Cancel {
            deadline: Instant::now().checked_add(budget).map(|d| (d, budget)),
            ..self
        }
    }

    /// A flag that sets itself at its `polls`-th check (tests of where the
    /// decoders poll; `polls` ≥ 1).
    #[doc(hidden)]
    pub fn tripping_after(polls: u64) -> Cancel {
        Cancel {
            trip_at: Some(Arc::new(AtomicU64::new(polls.max(1)))),
            ..Cancel::default()
        }
    }

    /// Stops every decode that holds this flag (or a clone of it).
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// Whether [`Cancel::cancel`] was called or the deadline has passed.
    pub fn is_cancelled(&self) -> bool {
        if let Some(n) = &self.trip_at
            && n.fetch_sub(1, Ordering::Relaxed) == 1
        {
            self.cancel();
        }
        self.flag.load(Ordering::Relaxed) || self.is_overdue()
    }

    /// Whether the deadline has passed.
    pub fn is_overdue(&self) -> bool {
        self.deadline.is_some_and(|(d, _)| Instant::now() >= d)
    }

    /// Why the decode stopped: cancelled, or over its time budget.
    pub fn reason(&self) -> String {
        match self.deadline {
            Some((_, budget)) if self.is_overdue() && !self.flag.load(Ordering::Relaxed) => {
                format!(
                    "decoding took longer than its time budget of {} s and was abandoned",
                    budget.as_secs_f64()
                )
            }
            _ => "decoding was cancelled".into(),
        }
    }
}

thread_local! {
    /// The flag of the sample this thread decodes.
    static CURRENT: RefCell<Option<Cancel>> = const { RefCell::new(None) };
}

/// Runs `f` (one sample's decode) with `cancel` as this thread's flag, which
/// [`interrupted`] polls; the previous flag is restored afterwards.
pub(crate) fn while_decoding<R>(cancel: &Cancel, f: impl FnOnce() -> R) -> R {
    let previous = CURRENT.with(|c| c.replace(Some(cancel.clone())));
    let r = f();
    CURRENT.with(|c| *c.borrow_mut() = previous);
    r
}

/// Whether the decode running on this thread should stop (its flag is set or
/// its deadline passed); false outside `while_decoding`.
pub fn interrupted() -> bool {
    CURRENT.with(|c| c.borrow().as_ref().is_some_and(Cancel::is_cancelled))
}

/// [`Cancel::reason`] when [`interrupted`].
pub(crate) fn current_reason() -> Option<String> {
    CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|c| c.is_cancelled())
            .map(Cancel::reason)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_deadlines_and_the_thread_local() {
        let c = Cancel::new();
        assert!(!c.is_cancelled());
        let d = c.clone();
        d.cancel();
        assert!(c.is_cancelled());
        assert_eq!(c.reason(), "decoding was cancelled");
        let late = Cancel::new().with_deadline(Duration::ZERO);
        assert!(late.is_cancelled() && late.is_overdue());
        assert_eq!(
            late.reason(),
            "decoding took longer than its time budget of 0 s and was abandoned"
        );
        let early = Cancel::new().with_deadline(Duration::from_secs(3600));
        assert!(!early.is_cancelled());
        assert!(!interrupted());
        assert!(while_decoding(&late, interrupted));
        assert!(!while_decoding(&early, interrupted));
        assert!(!interrupted());
        let t = Cancel::tripping_after(3);
        assert!(!t.is_cancelled() && !t.is_cancelled());
        assert!(t.is_cancelled() && t.is_cancelled());
    }
}
