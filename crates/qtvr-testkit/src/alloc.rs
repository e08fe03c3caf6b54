//! A counting global allocator: live and peak heap bytes of the calling
//! thread, and an optional cap on its live bytes. The only `unsafe` code of
//! the workspace (`GlobalAlloc` is an unsafe trait).
//!
//! A test binary installs it with
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: qtvr_testkit::alloc::Counting = qtvr_testkit::alloc::Counting;
//! ```
//!
//! then measures a piece of work with [`reset_peak`] (or [`reset`]) before it
//! and [`peak`] after. Counts are per thread, so tests running in parallel do
//! not see each other's allocations; the functions count nothing in a binary
//! that did not install the allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The allocator: [`System`]'s, counting the bytes of each thread.
pub struct Counting;

thread_local! {
    static LIVE: Cell<u64> = const { Cell::new(0) };
    static PEAK: Cell<u64> = const { Cell::new(0) };
    /// Live bytes above which allocation is refused (0 = no cap).
    static CAP: Cell<u64> = const { Cell::new(0) };
    /// Called (once; the cap is then lifted) with the size of the first
    /// allocation the cap refuses. It must not allocate.
    static ON_REFUSE: Cell<Option<fn(usize)>> = const { Cell::new(None) };
}

/// Bytes allocated and not yet freed by this thread (since the last
/// [`reset`]).
pub fn live() -> u64 {
    LIVE.with(Cell::get)
}

/// The most bytes this thread had live since the last [`reset_peak`] or
/// [`reset`].
pub fn peak() -> u64 {
    PEAK.with(Cell::get)
}

/// Starts a new peak from the bytes live now: `peak() - live()` measured
/// after some work is what that work added at its highest.
pub fn reset_peak() {
    PEAK.with(|p| p.set(live()));
}

/// Counts from zero: live and peak bytes of this thread set to 0 (frees of
/// blocks allocated before never take the count below 0), so that [`peak`]
/// is what the work after allocated at its highest.
pub fn reset() {
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
}

/// Refuses (returns null from) any allocation of this thread that would take
/// its live bytes past `cap` (`None`: no cap), after calling `on_refuse` with
/// its size; `on_refuse` must not allocate (write to `std::io::stderr()` with
/// a fixed message, for example). The cap is lifted by its first refusal.
pub fn set_cap(cap: Option<u64>, on_refuse: Option<fn(usize)>) {
    CAP.with(|c| c.set(cap.map_or(0, |v| v.max(1))));
    ON_REFUSE.with(|f| f.set(on_refuse));
}

/// Counts `n` more bytes; false when the cap refuses them.
fn admit(n: usize) -> bool {
    LIVE.try_with(|live| {
        let v = live.get().saturating_add(n as u64);
        let cap = CAP.try_with(Cell::get).unwrap_or(0);
        if cap != 0 && v > cap {
            let _ = CAP.try_with(|c| c.set(0));
            if let Some(f) = ON_REFUSE.try_with(Cell::get).ok().flatten() {
                f(n);
            }
            return false;
        }
        live.set(v);
        let _ = PEAK.try_with(|p| {
            if v > p.get() {
                p.set(v);
            }
        });
        true
    })
    // A thread being torn down has no counters left: allocate uncounted.
    .unwrap_or(true)
}

fn release(n: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(n as u64)));
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged (so `System`'s guarantees are ours), or returns null, which
// `GlobalAlloc` allows for a failed allocation; the counting touches only
// const-initialised thread-local `Cell`s without destructors and never
// allocates (`try_with` covers threads being torn down).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !admit(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract for
        // `layout` (non-zero size), which is `System.alloc`'s.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            release(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !admit(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: as for `alloc`: the same contract, passed on unchanged.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            release(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller guarantees `ptr` came from this allocator with
        // `layout`; every non-null block this allocator returns came from
        // `System` with that same layout.
        unsafe { System.dealloc(ptr, layout) };
        release(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old && !admit(new_size - old) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller guarantees `ptr` is a block of this allocator
        // (hence of `System`) with `layout`, and that `new_size` is valid for
        // `layout`'s alignment: `System.realloc`'s contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            if new_size > old {
                release(new_size - old);
            }
        } else if new_size < old {
            release(old - new_size);
        }
        p
    }
}
