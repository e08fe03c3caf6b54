//! Robustness: every sample movie, cut short and corrupted thousands of ways,
//! must load to `Ok` or `Err` — never a panic, a hang, or an allocation far
//! beyond the [`Budget`] the file is allowed.
//!
//! For each movie under `../shared/samples` the test runs:
//!
//! * truncations: every 8-byte-aligned length inside the movie atom, ~200
//!   lengths spread over the file and a few around every top-level atom;
//! * field values: every atom size/type field, the first body fields of every
//!   atom (versions, counts, uniform sizes), every 4-byte field of small leaf
//!   atoms and of the QT atoms in the QTVR samples, set to special values
//!   (0, 1, all ones, 2^31, NaN, infinities, huge floats, min/max pairs);
//! * random mutations of 1–8 bytes (the testkit's SplitMix64, fixed seeds), concentrated on
//!   the movie atom and the small QTVR samples;
//! * for compressed movie headers, random mutations of the inflated header,
//!   compressed again;
//! * crafted movies made from five of the samples by rewriting the movie atom: huge
//!   sample counts, long edit lists multiplying a track's samples, and QT atom
//!   containers nested 10,000 deep.
//!
//! Each variant is loaded inside `catch_unwind` with a counting global
//! allocator measuring the peak memory the load allocates on its thread; a
//! watchdog aborts the process (naming the variant) if one load runs away.
//! Every failure names the file and the variant (with its seed), which is all
//! that is needed to rebuild the input.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read as _, Write as _};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use qtvr_format::container::build::{Body, atom, container, full_atom};
use qtvr_format::error::Error;
use qtvr_format::limits::Budget;
use qtvr_format::source::ByteSource;
use qtvr_testkit::{Rng, alloc};

mod common;

// ---------------------------------------------------------------------------
// Limits of this test.

/// A single load taking longer than this fails the test (a hang-like blowup;
/// real loads take microseconds).
const SLOW_LOAD: Duration = Duration::from_secs(2);
/// A single load running longer than this aborts the whole process, naming the
/// variant (so that a real hang cannot hang the test suite).
const HANG_ABORT: Duration = Duration::from_secs(60);
/// Memory a load may allocate beyond its budget's total (the budget covers the
/// parsed tables; this covers everything else with a huge margin).
const SLACK: u64 = 64 << 20;
/// Live bytes one load may never exceed: past this the allocator refuses, after
/// printing the variant (the process then aborts instead of exhausting memory).
const HARD_CAP: u64 = 6 << 30;
/// Debug builds (plain `cargo test`) run one variant in `SCALE` of the field and
/// random variants, and crafted variants for one movie only; `cargo test
/// --release` runs them all.
const SCALE: usize = if cfg!(debug_assertions) { 8 } else { 1 };
/// Random byte mutations per file.
const RANDOM_PER_FILE: u64 = 2500;
/// Mutations of the inflated header of a compressed movie header.
const CMOV_PER_FILE: u64 = 600;
/// Movies that crafted variants are made from: a cube, a cylinder with its
/// movie atom at the end, an object, a multinode tour and a QTVR 1 panorama.
const CRAFTED_FOR: &[&str] = &[
    "cube_std_jpeg.mov",
    "cyl_co64_edits_multichunk_raw8.mov",
    "object_3x12_rle16.mov",
    "multinode_2pano_1obj_links.mov",
    "qtvr1_pano_cvid_hotspots.mov",
];
/// Worker threads.
const THREADS: usize = 2;

// ---------------------------------------------------------------------------
// Counting allocator (crates/qtvr-testkit): live and peak bytes per thread,
// and a hard cap that names the variant before refusing.

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

thread_local! {
    /// What this thread is loading (for the watchdog and the allocator's report).
    static CURRENT: Cell<Option<Where>> = const { Cell::new(None) };
    /// Set while a panic is expected to be caught: the hook records it quietly.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Called by the allocator (which must not allocate here) when a load would
/// pass the hard cap.
fn over_the_cap(n: usize) {
    let w = CURRENT.try_with(Cell::get).ok().flatten();
    let mut err = std::io::stderr();
    let _ = match w {
        Some(w) => writeln!(
            err,
            "\nrobustness: allocation of {n} bytes would take one load past {HARD_CAP} live bytes: {w}"
        ),
        None => writeln!(
            err,
            "\nrobustness: allocation of {n} bytes over the hard cap"
        ),
    };
}

// ---------------------------------------------------------------------------
// Panic hook: record panics of caught loads instead of printing them.

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.with(Cell::get) {
                let bt = std::backtrace::Backtrace::force_capture().to_string();
                // Keep the frames of this crate: they locate the fault.
                let frames: Vec<&str> = bt
                    .lines()
                    .filter(|l| l.contains("qtvr::") || l.contains("src/"))
                    .take(24)
                    .collect();
                let msg = format!(
                    "{info}\n      backtrace (qtvr frames):\n{}",
                    frames.join("\n")
                );
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(msg));
            } else {
                previous(info);
            }
        }));
    });
}

// ---------------------------------------------------------------------------
// A byte source over a borrowed slice (ByteSource is implemented for the
// unsized `[u8]`, which cannot be passed as `&dyn ByteSource` directly).

struct Bytes<'a>(&'a [u8]);

impl ByteSource for Bytes<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        <[u8] as ByteSource>::read_exact_at(self.0, offset, buf)
    }
}

// ---------------------------------------------------------------------------
// Variants and where they come from.

/// One input: a file and what was done to it. `Copy`, so that the allocator and
/// the watchdog can report it without allocating.
#[derive(Clone, Copy, Debug)]
struct Where {
    file: &'static str,
    variant: Variant,
}

#[derive(Clone, Copy, Debug)]
enum Variant {
    Original,
    Truncate {
        len: usize,
    },
    /// `width` bytes at `pos` (big-endian) set to `value`.
    Field {
        pos: usize,
        width: u8,
        value: u64,
        atom: [u8; 4],
        what: &'static str,
    },
    /// Two consecutive big-endian u32 fields at `pos` set to `a`, `b`.
    Pair {
        pos: usize,
        a: u32,
        b: u32,
        atom: [u8; 4],
    },
    /// Random mutation of 1-8 bytes, see [`random_mutation`].
    Random {
        seed: u64,
    },
    /// Random mutation of the inflated compressed header, see [`cmov_mutation`].
    Cmov {
        seed: u64,
    },
    /// A movie rebuilt by [`crafted_variants`].
    Crafted {
        name: &'static str,
    },
    /// A hand-made input.
    Handmade {
        name: &'static str,
    },
}

impl Variant {
    /// The kind of variant, for the statistics.
    fn kind(&self) -> &'static str {
        match self {
            Variant::Original => "original",
            Variant::Truncate { .. } => "truncation",
            Variant::Field { .. } => "field value",
            Variant::Pair { .. } => "field pair",
            Variant::Random { .. } => "random bytes",
            Variant::Cmov { .. } => "cmov mutation",
            Variant::Crafted { name } => name,
            Variant::Handmade { .. } => "hand-made",
        }
    }
    /// A finer grouping of failures: crafted variants by name, fields by atom.
    fn group(&self) -> String {
        match self {
            Variant::Crafted { name } => format!("crafted: {name}"),
            Variant::Handmade { name } => format!("hand-made: {name}"),
            Variant::Field { atom, what, .. } => {
                format!("{} of '{}'", what, String::from_utf8_lossy(atom))
            }
            Variant::Pair { atom, .. } => format!("pair of '{}'", String::from_utf8_lossy(atom)),
            v => v.kind().to_string(),
        }
    }
}

impl fmt::Display for Where {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file)?;
        match self.variant {
            Variant::Original => write!(f, "the original file"),
            Variant::Truncate { len } => write!(f, "truncated to {len} bytes"),
            Variant::Field {
                pos,
                width,
                value,
                atom,
                what,
            } => write!(
                f,
                "{width}-byte {what} of '{}' at file offset {pos} set to {value:#x}",
                String::from_utf8_lossy(&atom)
            ),
            Variant::Pair { pos, a, b, atom } => write!(
                f,
                "u32 pair of '{}' at file offset {pos} set to {a:#010x}, {b:#010x} (f32 {}, {})",
                String::from_utf8_lossy(&atom),
                f32::from_bits(a),
                f32::from_bits(b)
            ),
            Variant::Random { seed } => write!(f, "random byte mutation, seed {seed:#018x}"),
            Variant::Cmov { seed } => {
                write!(
                    f,
                    "inflated movie header mutated and recompressed, seed {seed:#018x}"
                )
            }
            Variant::Crafted { name } => write!(f, "crafted variant '{name}'"),
            Variant::Handmade { name } => write!(f, "hand-made input '{name}'"),
        }
    }
}

fn name_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

// ---------------------------------------------------------------------------
// Running one variant.

#[derive(Default)]
struct Stats {
    variants: u64,
    ok: u64,
    err: u64,
    /// Failures grouped by cause: (count, first full report).
    failures: BTreeMap<String, (u64, String)>,
    failure_count: u64,
    slowest: Duration,
    slowest_at: Option<String>,
    peak_ratio: f64,
    /// Variants and load time per kind of variant.
    kinds: BTreeMap<&'static str, (u64, Duration)>,
}

impl Stats {
    fn fail(&mut self, group: String, msg: String) {
        self.failure_count += 1;
        let e = self.failures.entry(group).or_insert((0, msg));
        e.0 += 1;
    }
    fn merge(&mut self, o: Stats) {
        self.variants += o.variants;
        self.ok += o.ok;
        self.err += o.err;
        self.failure_count += o.failure_count;
        for (g, (n, msg)) in o.failures {
            self.failures.entry(g).or_insert((0, msg)).0 += n;
        }
        if o.slowest > self.slowest {
            self.slowest = o.slowest;
            self.slowest_at = o.slowest_at;
        }
        self.peak_ratio = self.peak_ratio.max(o.peak_ratio);
        for (k, (n, t)) in o.kinds {
            let e = self.kinds.entry(k).or_default();
            e.0 += n;
            e.1 += t;
        }
    }
    fn report(&self) -> String {
        let mut s = String::new();
        for (g, (n, msg)) in &self.failures {
            s.push_str(&format!("\n[{n}x] {g}\n  first: {msg}\n"));
        }
        s
    }
}

/// What the watchdog sees: per worker, the load in progress and its start.
static WATCH: Mutex<Vec<Option<(Instant, Where)>>> = Mutex::new(Vec::new());

fn watch_slot() -> usize {
    let mut w = WATCH.lock().unwrap();
    w.push(None);
    w.len() - 1
}

fn watch_set(slot: usize, v: Option<(Instant, Where)>) {
    if let Ok(mut w) = WATCH.lock() {
        w[slot] = v;
    }
}

/// Runs `f` on a watchdog thread until `f` returns: a load running past
/// [`HANG_ABORT`] is reported on stderr and the process aborts.
fn with_watchdog<R>(f: impl FnOnce() -> R) -> R {
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
                let w = WATCH.lock().map(|w| w.clone()).unwrap_or_default();
                for (start, at) in w.into_iter().flatten() {
                    if start.elapsed() > HANG_ABORT {
                        let _ = writeln!(
                            std::io::stderr(),
                            "\nrobustness: HANG: one load has run for more than {} s: {at}; aborting",
                            HANG_ABORT.as_secs()
                        );
                        std::process::abort();
                    }
                }
            }
        });
        let r = f();
        done.store(true, Ordering::Relaxed);
        r
    })
}

/// Loads `bytes` as the variant `at`, checking every property; counts the result.
fn run_variant(bytes: &[u8], at: Where, slot: usize, st: &mut Stats) {
    install_panic_hook();
    st.variants += 1;
    let len = bytes.len() as u64;
    let budget = Budget::for_file(len);
    let allowance = budget.total() + SLACK;

    CURRENT.with(|c| c.set(Some(at)));
    let start = Instant::now();
    watch_set(slot, Some((start, at)));
    CATCHING.with(|c| c.set(true));
    let base = alloc::live();
    alloc::reset_peak();
    alloc::set_cap(Some(base.saturating_add(HARD_CAP)), Some(over_the_cap));
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        qtvr_format::qtvr::load_with_budget(&Bytes(bytes), &budget)
    }));
    alloc::set_cap(None, None);
    let peak = alloc::peak().saturating_sub(base);
    let elapsed = start.elapsed();
    watch_set(slot, None);
    let kind = at.variant.kind();
    let k = st.kinds.entry(kind).or_default();
    k.0 += 1;
    k.1 += elapsed;

    match result {
        Err(_) => {
            let msg = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_default();
            st.fail(
                format!("PANIC in load {}", panic_signature(&msg)),
                format!("{at}\n      {msg}"),
            );
        }
        Ok(Ok(loaded)) => {
            st.ok += 1;
            check_rendering(&loaded, len, at, st);
        }
        Ok(Err(e)) => {
            st.err += 1;
            check_error(&e, at, st);
        }
    }
    CATCHING.with(|c| c.set(false));
    CURRENT.with(|c| c.set(None));

    if elapsed > SLOW_LOAD {
        st.fail(
            format!(
                "SLOW: a load took more than {} s ({})",
                SLOW_LOAD.as_secs(),
                at.variant.group()
            ),
            format!("{:.2} s: {at}", elapsed.as_secs_f64()),
        );
    }
    if elapsed > st.slowest {
        st.slowest = elapsed;
        st.slowest_at = Some(at.to_string());
    }
    if budget.used() > budget.total() {
        st.fail(
            "budget overdrawn".into(),
            format!("{} of {} bytes: {at}", budget.used(), budget.total()),
        );
    }
    if peak > allowance {
        st.fail(
            format!(
                "MEMORY: a load allocated more than its budget + {} MiB ({})",
                SLACK >> 20,
                at.variant.group()
            ),
            format!(
                "peak {} MiB live, budget {} MiB: {at}",
                peak >> 20,
                budget.total() >> 20
            ),
        );
    }
    st.peak_ratio = st.peak_ratio.max(peak as f64 / budget.total() as f64);
}

/// Where a panic happened: its location line and the first frames of this crate.
fn panic_signature(msg: &str) -> String {
    let at = msg
        .lines()
        .find(|l| l.starts_with("panicked at"))
        .unwrap_or("")
        .trim_end_matches(':');
    let frames: Vec<&str> = msg
        .lines()
        .filter(|l| l.contains("qtvr::"))
        .map(|l| l.trim().split_once(": ").map_or(l, |x| x.1))
        .take(2)
        .collect();
    format!("{at} via {}", frames.join(" < "))
}

/// `qtvr info` renders whatever loads: that must not panic either.
fn check_rendering(loaded: &qtvr_format::qtvr::Loaded, len: u64, at: Where, st: &mut Stats) {
    let shown = panic::catch_unwind(AssertUnwindSafe(|| {
        let text = qtvr::cli::info::to_text(at.file, loaded);
        let json = qtvr::cli::info::to_json(at.file, len, loaded);
        (text, json)
    }));
    match shown {
        Err(_) => {
            let msg = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_default();
            st.fail(
                format!("PANIC rendering `qtvr info` {}", panic_signature(&msg)),
                format!("{at}\n      {msg}"),
            );
        }
        Ok((text, json)) => {
            if text.is_empty() {
                st.fail("empty `qtvr info` text".into(), at.to_string());
            }
            match serde_json::from_str::<serde_json::Value>(&json) {
                Ok(v) if v.get("schema").is_some() => {}
                _ => st.fail(
                    "`qtvr info --json` output is not a JSON report".into(),
                    format!("{at}\n      {}", json.chars().take(300).collect::<String>()),
                ),
            }
        }
    }
}

fn check_error(e: &Error, at: Where, st: &mut Stats) {
    let msg = e.to_string();
    if msg.trim().is_empty() {
        st.fail(
            "error renders to an empty message".into(),
            format!("{at}: {e:?}"),
        );
        return;
    }
    if let Error::Atom { location, .. } = e {
        let off = location.offset.to_string();
        if !msg.contains("atom at") || !msg.contains(&off) {
            st.fail(
                "atom error without \"atom at\" and its offset".into(),
                format!("{at}: {msg}"),
            );
        }
    }
}

// ---------------------------------------------------------------------------
// The structure of a sample movie: where its atoms and fields are.

const CLASSIC_CONTAINERS: &[&[u8; 4]] = &[
    b"moov", b"trak", b"mdia", b"minf", b"stbl", b"dinf", b"edts", b"udta", b"tref", b"gmhd",
    b"cmov",
];
const VR_HANDLERS: &[&[u8; 4]] = &[b"qtvr", b"pano", b"obje", b"STpn", b"stpn", b"stna"];
/// Leaves of plain QuickTime movies (their fields get fewer values).
const STANDARD_LEAVES: &[&[u8; 4]] = &[
    b"ftyp", b"mvhd", b"tkhd", b"mdhd", b"hdlr", b"vmhd", b"smhd", b"gmin", b"stts", b"stsc",
    b"stsz", b"stco", b"co64", b"stss", b"elst", b"alis", b"url ", b"rsrc", b"jpeg", b"cvid",
    b"rle ", b"raw ", b"png ", b"rpza", b"smc ", b"SVQ1", b"svq1", b"load", b"iods", b"ctab",
    b"fiel", b"pasp", b"colr", b"gama",
];
const QT_PARENTS: &[&[u8; 4]] = &[
    b"sean", b"vrnp", b"vrni", b"hspa", b"hots", b"imgp", b"vrcp",
];

/// An atom header found in the file.
#[derive(Clone, Copy, Debug)]
struct AtomAt {
    kind: [u8; 4],
    pos: usize,
    size: usize,
    header: usize,
    /// A QT atom (20-byte header) inside a QTVR sample.
    qt: bool,
    /// Its body is a leaf worth mutating field by field.
    leaf: bool,
}

fn be32(b: &[u8], p: usize) -> u32 {
    u32::from_be_bytes([b[p], b[p + 1], b[p + 2], b[p + 3]])
}

fn printable(k: &[u8]) -> bool {
    k.iter().all(|&c| (0x20..0x7f).contains(&c) || c == 0xa9)
}

/// True when `b[start..end]` is exactly a chain of atoms with printable types.
fn chains(b: &[u8], start: usize, end: usize) -> bool {
    let mut p = start;
    let mut n = 0;
    while end - p >= 8 {
        let size = be32(b, p) as usize;
        if size < 8 || size > end - p || !printable(&b[p + 4..p + 8]) {
            return false;
        }
        p += size;
        n += 1;
    }
    n > 0 && b[p..end].iter().all(|&x| x == 0)
}

/// Classic atoms in `b[start..end]`, recursing into containers.
fn walk_classic(b: &[u8], start: usize, end: usize, depth: u32, out: &mut Vec<AtomAt>) {
    let mut p = start;
    while depth < 12 && end - p >= 8 {
        let size32 = be32(b, p) as usize;
        let kind = [b[p + 4], b[p + 5], b[p + 6], b[p + 7]];
        let (size, header) = match size32 {
            0 => (end - p, 8),
            1 if end - p >= 16 => {
                let s = u64::from_be_bytes(b[p + 8..p + 16].try_into().unwrap());
                (usize::try_from(s).unwrap_or(usize::MAX), 16)
            }
            1 => break,
            n => (n, 8),
        };
        if size < header || size > end - p || !printable(&kind) {
            break;
        }
        let (bs, be) = (p + header, p + size);
        let mut leaf = false;
        if CLASSIC_CONTAINERS.contains(&&kind) {
            walk_classic(b, bs, be, depth + 1, out);
        } else if (&kind == b"stsd" || &kind == b"dref") && be - bs >= 8 {
            walk_classic(b, bs + 8, be, depth + 1, out);
        } else if !matches!(&kind, b"mdat" | b"free" | b"skip" | b"wide") && be - bs <= 4096 {
            leaf = true;
            // QTVR 1 atoms (gmhd/STpn/pInf, ...) nest without being known containers.
            if depth > 0 && be - bs >= 8 && chains(b, bs, be) {
                walk_classic(b, bs, be, depth + 1, out);
            }
        }
        out.push(AtomAt {
            kind,
            pos: p,
            size,
            header,
            qt: false,
            leaf,
        });
        p += size;
    }
}

/// The atoms of a QT atom container in `b[start..end]` (a QTVR sample).
fn walk_qt(b: &[u8], start: usize, end: usize, out: &mut Vec<AtomAt>) {
    let mut s = start;
    if end - s >= 12 && b[s..s + 4] == [0, 0, 0, 0] {
        s += 12;
    }
    walk_qt_list(b, s, end, 0, out);
}

fn walk_qt_list(b: &[u8], start: usize, end: usize, depth: u32, out: &mut Vec<AtomAt>) {
    let mut p = start;
    while depth < 30 && end - p >= 8 {
        let size = be32(b, p) as usize;
        if size < 8 || size > end - p {
            break;
        }
        let kind = [b[p + 4], b[p + 5], b[p + 6], b[p + 7]];
        let qt = size >= 20 && b[p + 12..p + 14] == [0, 0] && b[p + 16..p + 20] == [0, 0, 0, 0];
        let count = if qt {
            u16::from_be_bytes([b[p + 14], b[p + 15]])
        } else {
            0
        };
        let mut leaf = false;
        if qt && count > 0 {
            walk_qt_list(b, p + 20, p + size, depth + 1, out);
        } else if !qt && QT_PARENTS.contains(&&kind) {
            walk_qt_list(b, p + 8, p + size, depth + 1, out);
        } else {
            leaf = true;
        }
        out.push(AtomAt {
            kind,
            pos: p,
            size,
            header: if qt { 20 } else { 8 },
            qt,
            leaf,
        });
        p += size;
    }
}

/// Everything the variant generators need to know about one sample movie.
struct Plan {
    name: &'static str,
    top: Vec<qtvr_format::container::file::TopAtom>,
    moov: (usize, usize),
    /// Byte ranges of the small QTVR samples and of the QTVR sample description.
    vr: Vec<(usize, usize)>,
    atoms: Vec<AtomAt>,
    loaded: Option<qtvr_format::qtvr::Loaded>,
}

fn plan(name: &'static str, bytes: &[u8]) -> Plan {
    let (top, _) = qtvr_format::container::scan_top_level(&Bytes(bytes)).unwrap_or_default();
    let moov = top
        .iter()
        .find(|a| &a.kind.0 == b"moov")
        .map(|a| (a.offset as usize, (a.offset + a.size) as usize))
        .unwrap_or((0, bytes.len()));
    // (A panic here is reported by the 'original' variant.)
    CATCHING.with(|c| c.set(true));
    let loaded = panic::catch_unwind(AssertUnwindSafe(|| qtvr_format::qtvr::load(&Bytes(bytes))))
        .ok()
        .and_then(Result::ok);
    CATCHING.with(|c| c.set(false));
    LAST_PANIC.with(|p| p.borrow_mut().take());
    let mut vr = Vec::new();
    if let Some(l) = &loaded {
        for t in &l.movie.tracks {
            if !VR_HANDLERS.contains(&&t.handler.0) {
                continue;
            }
            for s in &t.samples {
                let (o, n) = (s.offset as usize, s.size as usize);
                if n > 0 && n <= 65536 && o.checked_add(n).is_some_and(|e| e <= bytes.len()) {
                    vr.push((o, o + n));
                }
            }
            for d in &t.descriptions {
                if d.location.cmov_offset.is_none() && !d.data.is_empty() {
                    let o = d.location.offset as usize + 16;
                    if o + d.data.len() <= bytes.len() {
                        vr.push((o, o + d.data.len()));
                    }
                }
            }
        }
    }
    vr.sort_unstable();
    vr.dedup();
    let mut atoms = Vec::new();
    walk_classic(bytes, 0, bytes.len(), 0, &mut atoms);
    for &(s, e) in &vr {
        walk_qt(bytes, s, e, &mut atoms);
    }
    Plan {
        name,
        top,
        moov,
        vr,
        atoms,
        loaded,
    }
}

// ---------------------------------------------------------------------------
// In-place mutation of the reusable buffer.

/// Sets bytes of `buf`, runs the variant, and puts the bytes back.
fn with_patch(buf: &mut [u8], patch: &[(usize, u8)], at: Where, slot: usize, st: &mut Stats) {
    let saved: Vec<(usize, u8)> = patch.iter().map(|&(p, _)| (p, buf[p])).collect();
    for &(p, v) in patch {
        buf[p] = v;
    }
    run_variant(buf, at, slot, st);
    for &(p, v) in saved.iter().rev() {
        buf[p] = v;
    }
}

fn field_patch(pos: usize, width: u8, value: u64, len: usize) -> Option<Vec<(usize, u8)>> {
    let w = usize::from(width);
    if pos + w > len {
        return None;
    }
    let bytes = value.to_be_bytes();
    Some((0..w).map(|i| (pos + i, bytes[8 - w + i])).collect())
}

const F_NAN: u32 = 0x7fc0_0000;
const F_INF: u32 = 0x7f80_0000;
const F_NEG_INF: u32 = 0xff80_0000;

fn f(v: f32) -> u32 {
    v.to_bits()
}

/// Values for any 4-byte field of a leaf: integers and floats at their edges.
fn leaf_values() -> Vec<u32> {
    vec![
        0,
        1,
        0xffff_ffff,
        0x7fff_ffff,
        0x8000_0000,
        0x0001_0000,
        F_NAN,
        F_INF,
        F_NEG_INF,
        f(1e38),
        f(-1e38),
        f(1e-42),
        f(100.0),
        f(-100.0),
        f(720.0),
    ]
}

/// (min, max) pairs for consecutive float fields: reversed, out of range, NaN.
fn pair_values() -> Vec<(u32, u32)> {
    vec![
        (f(100.0), f(120.0)),
        (f(120.0), f(100.0)),
        (f(-120.0), f(-100.0)),
        (f(200.0), f(300.0)),
        (f(-300.0), f(-200.0)),
        (f(45.0), f(45.0)),
        (F_NAN, f(1.0)),
        (f(1.0), F_NAN),
        (F_INF, F_NEG_INF),
        (f(1e38), f(-1e38)),
        (0, 0),
        (0xffff_ffff, 0xffff_ffff),
    ]
}

/// Field variants for one atom.
fn field_variants(a: &AtomAt, bytes: &[u8], out: &mut Vec<Variant>) {
    let len = bytes.len();
    let kind = a.kind;
    let size_field = |v: u64, what: &'static str| Variant::Field {
        pos: a.pos,
        width: 4,
        value: v,
        atom: kind,
        what,
    };
    let orig = u64::from(be32(bytes, a.pos));
    let mut sizes = vec![
        0u64,
        1,
        7,
        8,
        9,
        15,
        16,
        19,
        20,
        21,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
    ];
    sizes.extend([
        orig.wrapping_sub(1),
        orig + 1,
        orig + 8,
        (len - a.pos) as u64 + 1,
    ]);
    sizes.sort_unstable();
    sizes.dedup();
    for v in sizes.into_iter().filter(|&v| v != orig && v <= 0xffff_ffff) {
        out.push(size_field(v, "atom size"));
    }
    let types: &[&[u8; 4]] = if a.qt {
        &[
            b"sean",
            b"vrni",
            b"pdat",
            b"cuvw",
            b"obji",
            b"hspa",
            b"hots",
            b"link",
            b"\0\0\0\0",
        ]
    } else {
        &[
            b"moov",
            b"cmov",
            b"trak",
            b"free",
            b"\0\0\0\0",
            b"\xff\xff\xff\xff",
        ]
    };
    for t in types {
        if **t != kind {
            out.push(Variant::Field {
                pos: a.pos + 4,
                width: 4,
                value: u64::from(u32::from_be_bytes(**t)),
                atom: kind,
                what: "atom type",
            });
        }
    }
    if !a.qt && a.header == 8 && a.size >= 16 {
        // Size 1 with a 64-bit size in what were the first body bytes.
        for big in [u64::MAX, 1 << 32, a.size as u64, 16, 8] {
            // Width 12 stands for two writes, see `patch_of`.
            out.push(Variant::Field {
                pos: a.pos,
                width: 12,
                value: big,
                atom: kind,
                what: "size 1 + 64-bit size",
            });
        }
    }
    if a.qt {
        let count = u64::from(u16::from_be_bytes([bytes[a.pos + 14], bytes[a.pos + 15]]));
        for v in [0, 1, count + 1, count.wrapping_sub(1) & 0xffff, 0xffff] {
            if v != count {
                out.push(Variant::Field {
                    pos: a.pos + 14,
                    width: 2,
                    value: v,
                    atom: kind,
                    what: "QT child count",
                });
            }
        }
        for v in [0, 2, 0xffff_ffff] {
            out.push(Variant::Field {
                pos: a.pos + 8,
                width: 4,
                value: v,
                atom: kind,
                what: "QT atom ID",
            });
        }
        out.push(Variant::Field {
            pos: a.pos + 12,
            width: 2,
            value: 1,
            atom: kind,
            what: "QT reserved field",
        });
    }
    // Version/flags, counts, uniform sizes: the first body fields of every atom.
    let body = a.pos + a.header;
    let end = a.pos + a.size;
    for k in 0..4 {
        let p = body + 4 * k;
        if p + 4 > end {
            break;
        }
        let o = u64::from(be32(bytes, p));
        let mut vals = vec![
            0u64,
            1,
            0xffff_ffff,
            0x7fff_ffff,
            0x8000_0000,
            0x0001_0000,
            0x00ff_ffff,
            0x0100_0000,
        ];
        vals.extend([o + 1, o.wrapping_sub(1) & 0xffff_ffff]);
        vals.sort_unstable();
        vals.dedup();
        for v in vals.into_iter().filter(|&v| v != o) {
            out.push(Variant::Field {
                pos: p,
                width: 4,
                value: v,
                atom: kind,
                what: "body field",
            });
        }
    }
    if !a.leaf {
        return;
    }
    // Every field of a small leaf: 4-byte values, u16 values, min/max pairs. The
    // well-known QuickTime leaves get a few integer values; QTVR leaves (QT atoms,
    // QTVR 1 atoms, VR sample descriptions) the whole set.
    let standard = !a.qt && STANDARD_LEAVES.contains(&&kind);
    let (fields_end, values, pairs) = if standard {
        (
            end.min(body + 128),
            vec![0, 1, 0xffff_ffff, 0x8000_0000, 0x0001_0000],
            Vec::new(),
        )
    } else {
        (end.min(body + 256), leaf_values(), pair_values())
    };
    let mut p = body + 16;
    while p + 4 <= fields_end {
        for &v in &values {
            out.push(Variant::Field {
                pos: p,
                width: 4,
                value: u64::from(v),
                atom: kind,
                what: "leaf field",
            });
        }
        if p + 8 <= fields_end {
            for &(x, y) in &pairs {
                out.push(Variant::Pair {
                    pos: p,
                    a: x,
                    b: y,
                    atom: kind,
                });
            }
        }
        p += 4;
    }
    if a.qt {
        let mut p = body;
        while p + 2 <= fields_end.min(body + 64) {
            for v in [0u64, 0xffff, 0x8000] {
                out.push(Variant::Field {
                    pos: p,
                    width: 2,
                    value: v,
                    atom: kind,
                    what: "leaf u16",
                });
            }
            p += 2;
        }
    }
}

fn patch_of(v: &Variant, len: usize) -> Option<Vec<(usize, u8)>> {
    match *v {
        Variant::Field {
            pos,
            width: 12,
            value,
            ..
        } => {
            let mut p = field_patch(pos, 4, 1, len)?;
            p.extend(field_patch(pos + 8, 8, value, len)?);
            Some(p)
        }
        Variant::Field {
            pos, width, value, ..
        } => field_patch(pos, width, value, len),
        Variant::Pair { pos, a, b, .. } => {
            let mut p = field_patch(pos, 4, u64::from(a), len)?;
            p.extend(field_patch(pos + 4, 4, u64::from(b), len)?);
            Some(p)
        }
        _ => None,
    }
}

/// The bytes a random mutation writes: 1-8 bytes, mostly in the movie atom and
/// the QTVR samples, sometimes clustered to hit multi-byte fields.
fn random_mutation(seed: u64, p: &Plan, len: usize) -> Vec<(usize, u8)> {
    let mut r = Rng::new(seed);
    let n = 1 + r.below(8);
    let region = match r.below(20) {
        0..=9 => p.moov,
        10..=16 if !p.vr.is_empty() => p.vr[r.below(p.vr.len())],
        10..=16 => p.moov,
        _ => (0, len),
    };
    let (s, e) = region;
    let span = e.saturating_sub(s).max(1);
    let mut out = Vec::with_capacity(n);
    let mut last = s + r.below(span);
    for _ in 0..n {
        let pos = if r.below(3) == 0 {
            (last + r.below(8)).min(len - 1)
        } else {
            s + r.below(span)
        };
        let v = match r.below(8) {
            0 => 0,
            1 => 0xff,
            2 => 0x7f,
            3 => 0x80,
            4 => 1,
            _ => r.byte(),
        };
        out.push((pos.min(len - 1), v));
        last = pos;
    }
    out
}

// ---------------------------------------------------------------------------
// Compressed movie headers: mutate the inflated header, compress it again.

struct CmovParts {
    /// Region of the file the new moov (plus padding) may occupy.
    region: (usize, usize),
    inflated: Vec<u8>,
}

fn cmov_parts(bytes: &[u8], p: &Plan) -> Option<CmovParts> {
    let moov = p.top.iter().position(|a| &a.kind.0 == b"moov")?;
    let m = &p.top[moov];
    let mut end = (m.offset + m.size) as usize;
    if let Some(next) = p.top.get(moov + 1)
        && matches!(&next.kind.0, b"free" | b"skip")
    {
        end = (next.offset + next.size) as usize;
    }
    let cmvd = p.atoms.iter().find(|a| &a.kind == b"cmvd")?;
    let data = &bytes[cmvd.pos + cmvd.header + 4..cmvd.pos + cmvd.size];
    let mut inflated = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .read_to_end(&mut inflated)
        .ok()?;
    Some(CmovParts {
        region: (m.offset as usize, end),
        inflated,
    })
}

fn compressed_moov(inflated: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(inflated).unwrap();
    let packed = z.finish().unwrap();
    container(
        b"moov",
        &[container(
            b"cmov",
            &[
                atom(b"dcom", b"zlib"),
                atom(
                    b"cmvd",
                    &Body::new().u32(inflated.len() as u32).bytes(&packed).done(),
                ),
            ],
        )],
    )
}

fn cmov_mutation(seed: u64, parts: &CmovParts) -> Option<Vec<u8>> {
    let mut r = Rng::new(seed);
    let mut inflated = parts.inflated.clone();
    let n = 1 + r.below(4);
    let mut last = r.below(inflated.len());
    for _ in 0..n {
        let pos = if r.below(2) == 0 {
            (last + r.below(8)).min(inflated.len() - 1)
        } else {
            r.below(inflated.len())
        };
        inflated[pos] = match r.below(6) {
            0 => 0,
            1 => 0xff,
            2 => 0x80,
            _ => r.byte(),
        };
        last = pos;
    }
    let moov = compressed_moov(&inflated);
    let room = parts.region.1 - parts.region.0;
    if moov.len() == room {
        Some(moov)
    } else if moov.len() + 8 <= room {
        let mut v = moov;
        v.extend(atom(b"free", &vec![0; room - v.len() - 8]));
        Some(v)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------
// Crafted variants: the movie atom rebuilt with a tree rewriter, appended at
// the end of the file; the old movie atom becomes 'free' so that every sample
// offset stays valid.

#[derive(Clone, Debug)]
enum Tree {
    Leaf([u8; 4], Vec<u8>),
    /// Type, bytes before the children (stsd's version/flags/count), children.
    Node([u8; 4], Vec<u8>, Vec<Tree>),
}

impl Tree {
    fn kind(&self) -> [u8; 4] {
        match self {
            Tree::Leaf(k, _) | Tree::Node(k, _, _) => *k,
        }
    }
    fn children_mut(&mut self) -> &mut Vec<Tree> {
        match self {
            Tree::Node(_, _, c) => c,
            Tree::Leaf(..) => panic!("not a container"),
        }
    }
    fn child_mut(&mut self, k: &[u8; 4]) -> Option<&mut Tree> {
        match self {
            Tree::Node(_, _, c) => c.iter_mut().find(|t| t.kind() == *k),
            Tree::Leaf(..) => None,
        }
    }
    fn write(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend([0; 4]);
        match self {
            Tree::Leaf(k, body) => {
                out.extend(k);
                out.extend(body);
            }
            Tree::Node(k, pre, kids) => {
                out.extend(k);
                out.extend(pre);
                for c in kids {
                    c.write(out);
                }
            }
        }
        let size = (out.len() - start) as u32;
        out[start..start + 4].copy_from_slice(&size.to_be_bytes());
    }
}

fn parse_tree(b: &[u8]) -> Vec<Tree> {
    let mut out = Vec::new();
    let mut p = 0;
    while b.len() - p >= 8 {
        let size = be32(b, p) as usize;
        if size < 8 || size > b.len() - p {
            break;
        }
        let kind = [b[p + 4], b[p + 5], b[p + 6], b[p + 7]];
        let body = &b[p + 8..p + size];
        let t = if CLASSIC_CONTAINERS.contains(&&kind) && &kind != b"udta" {
            Tree::Node(kind, Vec::new(), parse_tree(body))
        } else if &kind == b"stsd" && body.len() >= 8 {
            Tree::Node(kind, body[..8].to_vec(), parse_tree(&body[8..]))
        } else {
            Tree::Leaf(kind, body.to_vec())
        };
        out.push(t);
        p += size;
    }
    out
}

fn handler_of(trak: &Tree) -> Option<[u8; 4]> {
    let Tree::Node(_, _, kids) = trak else {
        return None;
    };
    let mdia = kids.iter().find(|t| t.kind() == *b"mdia")?;
    let Tree::Node(_, _, mk) = mdia else {
        return None;
    };
    mk.iter().find_map(|t| match t {
        Tree::Leaf(k, body) if k == b"hdlr" && body.len() >= 12 && body[4..8] != *b"dhlr" => {
            Some([body[8], body[9], body[10], body[11]])
        }
        _ => None,
    })
}

fn stbl_of(trak: &mut Tree) -> Option<&mut Tree> {
    trak.child_mut(b"mdia")?
        .child_mut(b"minf")?
        .child_mut(b"stbl")
}

/// Replaces a track's sample tables: `count` samples of `size` bytes in one chunk
/// at `offset`, each lasting one media unit.
fn set_uniform_samples(trak: &mut Tree, count: u32, size: u32, offset: u64) -> Option<()> {
    let stbl = stbl_of(trak)?;
    let kids = stbl.children_mut();
    kids.retain(|t| {
        !matches!(
            &t.kind(),
            b"stsz" | b"stsc" | b"stco" | b"co64" | b"stts" | b"stss"
        )
    });
    let v = Body::new().u32(0);
    kids.push(Tree::Leaf(
        *b"stts",
        v.clone().u32(1).u32(count).u32(1).done(),
    ));
    kids.push(Tree::Leaf(
        *b"stsc",
        v.clone().u32(1).u32(1).u32(count).u32(1).done(),
    ));
    kids.push(Tree::Leaf(*b"stsz", v.clone().u32(size).u32(count).done()));
    kids.push(Tree::Leaf(*b"co64", v.u32(1).u64(offset).done()));
    Some(())
}

/// Replaces a track's edit list by `n` edits of `duration` movie units, each
/// playing the media from its start at rate 1.
fn set_edits(trak: &mut Tree, n: u32, duration: u32) {
    let kids = trak.children_mut();
    kids.retain(|t| t.kind() != *b"edts");
    let mut b = Body::new().u32(0).u32(n);
    for _ in 0..n {
        b = b.u32(duration).i32(0).u32(0x0001_0000);
    }
    kids.push(Tree::Node(
        *b"edts",
        Vec::new(),
        vec![Tree::Leaf(*b"elst", b.done())],
    ));
}

fn remove_edits(trak: &mut Tree) {
    trak.children_mut().retain(|t| t.kind() != *b"edts");
}

/// A QT atom container nested `depth` levels deep (built without quadratic copying).
fn deep_qt_container(depth: usize, classic: bool) -> Vec<u8> {
    let leaf = qtvr_format::container::build::qt_leaf(b"vrsc", 1, &[0; 24]);
    let h = if classic { 8 } else { 20 };
    let total = h * depth + leaf.len();
    let mut v = vec![0u8; 12];
    for i in 0..depth {
        let size = (total - h * i) as u32;
        v.extend(size.to_be_bytes());
        if classic {
            v.extend(b"hspa");
        } else {
            v.extend(b"sean");
            v.extend(1u32.to_be_bytes());
            v.extend([0, 0, 0, 1, 0, 0, 0, 0]);
        }
    }
    v.extend(leaf);
    v
}

/// Rebuilds `bytes` with a changed movie atom. Returns None when the movie cannot
/// be rewritten (compressed header) or the change does not apply.
fn rewrite(
    bytes: &[u8],
    p: &Plan,
    change: impl FnOnce(&mut Vec<Tree>, &mut Vec<u8>) -> Option<()>,
) -> Option<Vec<u8>> {
    let (s, e) = p.moov;
    if p.atoms.iter().any(|a| &a.kind == b"cmov") || e - s < 8 || &bytes[s + 4..s + 8] != b"moov" {
        return None;
    }
    let mut out = bytes.to_vec();
    let mut tree = parse_tree(&bytes[s + 8..e]);
    let mut extra = Vec::new();
    change(&mut tree, &mut extra)?;
    // The old movie atom becomes free space (and its size stays 32-bit or 0).
    out[s + 4..s + 8].copy_from_slice(b"free");
    let mut moov = Vec::new();
    Tree::Node(*b"moov", Vec::new(), tree).write(&mut moov);
    if be32(&out, s) == 0 {
        // A size-0 atom ran to the end of the file: give it its real size.
        out[s..s + 4].copy_from_slice(&((e - s) as u32).to_be_bytes());
    }
    if !extra.is_empty() {
        // Extra sample data goes into an 'mdat' placed before the new movie atom;
        // the change has been told where (see `crafted_variants`).
        out.extend(atom(b"mdat", &extra));
    }
    out.extend(moov);
    Some(out)
}

fn find_trak<'t>(
    tree: &'t mut [Tree],
    handlers: &[&[u8; 4]],
    pick_most_samples: Option<&Plan>,
) -> Option<&'t mut Tree> {
    let mut best: Option<(usize, usize)> = None;
    for (i, t) in tree.iter().enumerate() {
        if t.kind() != *b"trak" {
            continue;
        }
        let Some(h) = handler_of(t) else { continue };
        if !handlers.contains(&&h) {
            continue;
        }
        let n = pick_most_samples
            .and_then(|p| p.loaded.as_ref())
            .and_then(|l| {
                l.movie
                    .tracks
                    .iter()
                    .filter(|x| x.handler.0 == h)
                    .map(|x| x.samples.len())
                    .max()
            })
            .unwrap_or(0);
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((i, n));
        }
    }
    best.map(|(i, _)| &mut tree[i])
}

/// First sample (offset, size) of the track with handler `h` that has the most samples.
fn first_sample(p: &Plan, handlers: &[&[u8; 4]]) -> Option<(u64, u32, u32, u32)> {
    let l = p.loaded.as_ref()?;
    let t = l
        .movie
        .tracks
        .iter()
        .filter(|t| handlers.contains(&&t.handler.0))
        .max_by_key(|t| t.samples.len())?;
    let s = t.samples.first()?;
    Some((
        s.offset,
        s.size,
        l.movie.timescale.max(1),
        t.media_timescale.max(1),
    ))
}

fn crafted_variants(bytes: &[u8], p: &Plan) -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    let mut push = |name: &'static str, v: Option<Vec<u8>>| {
        if let Some(v) = v {
            out.push((name, v));
        }
    };
    let vide: &[&[u8; 4]] = &[b"vide"];
    let nodes: &[&[u8; 4]] = &[b"qtvr", b"STpn", b"stpn"];
    let pano_obje: &[&[u8; 4]] = &[b"pano", b"obje"];

    // 100,000 image samples declared in 36 bytes of tables: everything done per
    // sample must be linear (a linear reader takes milliseconds).
    if let Some((off, size, _, _)) = first_sample(p, vide) {
        push(
            "image track with 100000 uniform samples",
            rewrite(bytes, p, |t, _| {
                let trak = find_trak(t, vide, Some(p))?;
                set_uniform_samples(trak, 100_000, size, off)?;
                remove_edits(trak);
                Some(())
            }),
        );
    }
    // 30,000 edits each presenting the node sample: 30,000 nodes.
    push(
        "node track with 30000 edits",
        rewrite(bytes, p, |t, _| {
            let trak = find_trak(t, nodes, None)?;
            set_edits(trak, 30_000, 1);
            Some(())
        }),
    );
    // 200 edits over 300 image samples: 60,000 presented samples.
    if let Some((off, size, movie_ts, media_ts)) = first_sample(p, vide) {
        let n = 300u32;
        let dur = (u64::from(n) * u64::from(movie_ts) / u64::from(media_ts) + 1) as u32;
        push(
            "image track with 200 edits x 300 samples",
            rewrite(bytes, p, |t, _| {
                let trak = find_trak(t, vide, Some(p))?;
                set_uniform_samples(trak, n, size, off)?;
                set_edits(trak, 200, dur);
                Some(())
            }),
        );
    }
    // 2,000 edits over 2,000 panorama/object samples: 4,000,000 presented
    // samples from 24 KB of edit list; their bookkeeping is not budgeted.
    if let Some((off, size, movie_ts, media_ts)) = first_sample(p, pano_obje) {
        let n = 2000u32;
        let dur = (u64::from(n) * u64::from(movie_ts) / u64::from(media_ts) + 1) as u32;
        push(
            "panorama/object track with 2000 edits x 2000 samples",
            rewrite(bytes, p, |t, _| {
                let trak = find_trak(t, pano_obje, Some(p))?;
                set_uniform_samples(trak, n, size, off)?;
                set_edits(trak, 2000, dur);
                Some(())
            }),
        );
    }
    // VR world (the 'qtvr' sample description) nested 10,000 deep.
    for (name, classic) in [
        ("VR world of QT atoms nested 10000 deep", false),
        ("VR world of classic 'hspa' atoms nested 10000 deep", true),
    ] {
        push(
            name,
            rewrite(bytes, p, |t, _| {
                let trak = find_trak(t, &[b"qtvr"], None)?;
                let stbl = stbl_of(trak)?;
                let stsd = stbl.child_mut(b"stsd")?;
                let entry = stsd.children_mut().first_mut()?;
                let body = Body::new()
                    .zeros(6)
                    .u16(1)
                    .bytes(&deep_qt_container(10_000, classic))
                    .done();
                *entry = Tree::Leaf(*b"qtvr", body);
                Some(())
            }),
        );
    }
    // Node sample (in a new 'mdat') nested 10,000 deep.
    let mdat_at = bytes.len() as u64 + 8;
    let deep = deep_qt_container(10_000, false);
    push(
        "node sample of QT atoms nested 10000 deep",
        rewrite(bytes, p, |t, extra| {
            let trak = find_trak(t, &[b"qtvr"], None)?;
            set_uniform_samples(trak, 1, deep.len() as u32, mdat_at)?;
            remove_edits(trak);
            extra.extend(&deep);
            Some(())
        }),
    );
    out
}

// ---------------------------------------------------------------------------
// The sample corpus.

fn note(msg: &str) {
    // Straight to stderr, past the test harness's output capture.
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// All variants of one file.
fn fuzz_file(path: &Path, slot: usize) -> Stats {
    let mut st = Stats::default();
    let shown = path
        .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples"))
        .unwrap_or(path)
        .display()
        .to_string();
    let name: &'static str = Box::leak(shown.into_boxed_str());
    let mut buf = match std::fs::read(path) {
        Ok(b) if !b.is_empty() => b,
        Ok(_) => return st,
        Err(e) => {
            st.fail("unreadable sample file".into(), format!("{name}: {e}"));
            return st;
        }
    };
    let len = buf.len();
    let p = plan(name, &buf);
    let at = |variant| Where {
        file: p.name,
        variant,
    };

    run_variant(&buf, at(Variant::Original), slot, &mut st);

    // Truncations.
    // Every 8-byte-aligned length inside the movie atom (and its start).
    let mut cuts: Vec<usize> = ((p.moov.0 + 7) & !7..=p.moov.1.min(len))
        .step_by(8)
        .collect();
    cuts.push(p.moov.0);
    cuts.extend((0..200).map(|i| len * i / 200));
    for a in &p.top {
        for d in 0..=16 {
            cuts.push((a.offset as usize + d).min(len));
            cuts.push(((a.offset + a.size) as usize).saturating_sub(d).min(len));
        }
    }
    cuts.extend([1, 4, 7, 8, 9, 15, 16, 17, len - 1]);
    cuts.sort_unstable();
    cuts.dedup();
    for c in cuts.into_iter().filter(|&c| c < len) {
        run_variant(&buf[..c], at(Variant::Truncate { len: c }), slot, &mut st);
    }

    // Field values.
    let mut fields = Vec::new();
    for a in &p.atoms {
        field_variants(a, &buf, &mut fields);
    }
    for v in fields.into_iter().step_by(SCALE) {
        if let Some(patch) = patch_of(&v, len) {
            with_patch(&mut buf, &patch, at(v), slot, &mut st);
        }
    }

    // Random mutations.
    let base_seed = name_hash(name);
    for i in 0..RANDOM_PER_FILE / SCALE as u64 {
        let seed = base_seed ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let patch = random_mutation(seed, &p, len);
        with_patch(
            &mut buf,
            &patch,
            at(Variant::Random { seed }),
            slot,
            &mut st,
        );
    }

    // Compressed movie header: mutate the inflated header, compress again, and
    // write it over the old one (padded with 'free' so that offsets stay put).
    if let Some(parts) = cmov_parts(&buf, &p) {
        let (s, e) = parts.region;
        let saved = buf[s..e].to_vec();
        for i in 0..CMOV_PER_FILE / SCALE as u64 {
            let seed = base_seed ^ 0xc0de ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            if let Some(moov) = cmov_mutation(seed, &parts) {
                buf[s..e].copy_from_slice(&moov);
                run_variant(&buf, at(Variant::Cmov { seed }), slot, &mut st);
                buf[s..e].copy_from_slice(&saved);
            }
        }
    }

    // Crafted variants, for a few movies of each kind (the blowups they probe do
    // not depend on the movie).
    let crafted_for = if SCALE > 1 {
        &CRAFTED_FOR[..1]
    } else {
        CRAFTED_FOR
    };
    let crafted = if crafted_for.iter().any(|c| name.ends_with(c)) {
        crafted_variants(&buf, &p)
    } else {
        Vec::new()
    };
    for (name, bytes) in crafted {
        run_variant(&bytes, at(Variant::Crafted { name }), slot, &mut st);
    }
    st
}

#[test]
fn sample_movies_survive_truncation_and_corruption() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let mut files = common::sample_movies(&dir);
    // QTVR_ROBUSTNESS_FILE=part-of-a-name runs the matching files only (to reproduce).
    if let Ok(only) = std::env::var("QTVR_ROBUSTNESS_FILE") {
        files.retain(|f| f.to_string_lossy().contains(&only));
    }
    if files.is_empty() {
        common::skip(
            "sample_movies_survive_truncation_and_corruption: no .mov files in ../shared/samples",
        );
        return;
    }
    // Largest first, so that the two workers finish together.
    files.sort_by_key(|f| std::cmp::Reverse(std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)));
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let per_file: Mutex<Vec<(String, u64)>> = Mutex::new(Vec::new());
    let total = with_watchdog(|| {
        std::thread::scope(|s| {
            let workers: Vec<_> = (0..THREADS)
                .map(|_| {
                    s.spawn(|| {
                        let slot = watch_slot();
                        let mut st = Stats::default();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(f) = files.get(i) else { break };
                            let one = fuzz_file(f, slot);
                            per_file
                                .lock()
                                .unwrap()
                                .push((f.display().to_string(), one.variants));
                            st.merge(one);
                        }
                        st
                    })
                })
                .collect();
            let mut total = Stats::default();
            for w in workers {
                total.merge(w.join().expect("worker thread"));
            }
            total
        })
    });
    let elapsed = started.elapsed();
    let kinds: Vec<String> = total
        .kinds
        .iter()
        .map(|(k, (n, t))| format!("{k} {n} ({:.1} s)", t.as_secs_f64()))
        .collect();
    note(&format!(
        "robustness: {} files, {} variants ({} ok, {} err) in {:.1} s [{}]; slowest load {:.1} ms ({}); \
         peak allocation up to {:.2}x the budget; {} failures",
        files.len(),
        total.variants,
        total.ok,
        total.err,
        elapsed.as_secs_f64(),
        kinds.join(", "),
        total.slowest.as_secs_f64() * 1000.0,
        total.slowest_at.as_deref().unwrap_or("-"),
        total.peak_ratio,
        total.failure_count
    ));
    let per_file = per_file.into_inner().unwrap();
    let fewest = per_file.iter().map(|(_, n)| *n).min().unwrap_or(0);
    assert!(
        total.failures.is_empty(),
        "{} of {} variants failed, in {} groups:\n{}",
        total.failure_count,
        total.variants,
        total.failures.len(),
        total.report()
    );
    assert!(
        fewest >= 2000 / SCALE as u64,
        "too few variants for some files: {per_file:?}"
    );
    if files.len() >= 20 {
        let want = 40_000 / SCALE as u64;
        assert!(total.variants >= want, "only {} variants", total.variants);
    }
}

// ---------------------------------------------------------------------------
// Hand-made inputs.

fn handmade(cases: Vec<(&'static str, Vec<u8>)>) {
    let slot = watch_slot();
    let mut st = Stats::default();
    with_watchdog(|| {
        for &(name, ref bytes) in &cases {
            let at = Where {
                file: "hand-made",
                variant: Variant::Handmade { name },
            };
            run_variant(bytes, at, slot, &mut st);
            // And through the plain entry point, with the default budget.
            CATCHING.with(|c| c.set(true));
            let r = panic::catch_unwind(AssertUnwindSafe(|| {
                qtvr_format::qtvr::load(&Bytes(bytes)).is_ok()
            }));
            CATCHING.with(|c| c.set(false));
            if r.is_err() {
                let msg = LAST_PANIC
                    .with(|p| p.borrow_mut().take())
                    .unwrap_or_default();
                st.fail(
                    "PANIC in qtvr_format::qtvr::load".into(),
                    format!("{at}\n      {msg}"),
                );
            }
        }
    });
    assert!(
        st.failures.is_empty(),
        "{} hand-made inputs failed:\n{}",
        st.failure_count,
        st.report()
    );
    assert_eq!(st.variants, cases.len() as u64);
}

fn expect_err(bytes: &[u8], what: &str) -> String {
    match qtvr_format::qtvr::load(&Bytes(bytes)) {
        Ok(_) => panic!("{what}: loaded, expected an error"),
        Err(e) => e.to_string(),
    }
}

fn mvhd() -> Vec<u8> {
    full_atom(
        b"mvhd",
        0,
        0,
        &Body::new().u32(0).u32(0).u32(600).u32(0).zeros(80).done(),
    )
}

#[test]
fn tiny_inputs() {
    let mut cases: Vec<(&'static str, Vec<u8>)> = vec![("empty", Vec::new())];
    let names: [&'static str; 16] = [
        "1 byte", "2 bytes", "3 bytes", "4 bytes", "5 bytes", "6 bytes", "7 bytes", "8 bytes",
        "9 bytes", "10 bytes", "11 bytes", "12 bytes", "13 bytes", "14 bytes", "15 bytes",
        "16 bytes",
    ];
    let patterns: [&[u8]; 4] = [
        &[0; 16],
        &[0xff; 16],
        b"\0\0\0\x10moov\0\0\0\x08mvhd",
        b"\0\0\0\x01moov\xff\xff\xff\xff\xff\xff\xff\xff",
    ];
    for pat in patterns {
        for (n, name) in names.iter().enumerate() {
            cases.push((*name, pat[..=n].to_vec()));
        }
    }
    assert_eq!(expect_err(&[], "empty"), "the file is empty");
    handmade(cases);
}

#[test]
fn odd_atom_sizes() {
    let mut wide_moov = b"\0\0\0\x01moov".to_vec();
    wide_moov.extend(u64::MAX.to_be_bytes());
    wide_moov.extend(mvhd());
    let mut wide_child = mvhd();
    wide_child.extend(b"\0\0\0\x01trak");
    wide_child.extend((1u64 << 62).to_be_bytes());
    let cases = vec![
        ("single moov of size 0", b"\0\0\0\0moov".to_vec()),
        ("single ftyp of size 0", b"\0\0\0\0ftypqt  ".to_vec()),
        (
            "moov of size 0 holding mvhd",
            [b"\0\0\0\0moov".to_vec(), mvhd()].concat(),
        ),
        ("moov of size 1 with a 2^64-1 size", wide_moov),
        (
            "moov child of size 1 with a 2^62 size",
            atom(b"moov", &wide_child),
        ),
        (
            "moov of size 1 with size 16",
            [b"\0\0\0\x01moov".to_vec(), 16u64.to_be_bytes().to_vec()].concat(),
        ),
        (
            "moov of size 1 with size 8",
            [b"\0\0\0\x01moov".to_vec(), 8u64.to_be_bytes().to_vec()].concat(),
        ),
        ("moov of size 4", b"\0\0\0\x04moov\0\0\0\0".to_vec()),
        (
            "moov claiming 4 GB",
            b"\xff\xff\xff\xffmoov\0\0\0\0".to_vec(),
        ),
        ("mdat only", atom(b"mdat", &[0; 64])),
        ("PNG header", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
    ];
    let m = expect_err(&atom(b"mdat", &[0; 64]), "mdat only");
    assert!(m.contains("resource fork"), "{m}");
    handmade(cases);
}

/// `n` nested atoms whose types cycle through `kinds`, built in linear time.
fn nested(kinds: &[&[u8; 4]], n: usize, inner: &[u8]) -> Vec<u8> {
    let total = 8 * n + inner.len();
    let mut v = Vec::with_capacity(total);
    for i in 0..n {
        v.extend(((total - 8 * i) as u32).to_be_bytes());
        v.extend(kinds[i % kinds.len()]);
    }
    v.extend(inner);
    v
}

#[test]
fn deeply_nested_atoms() {
    let moov_mvhd_first = |kinds: &[&[u8; 4]]| {
        let inner = nested(kinds, 10_000, &[]);
        atom(b"moov", &[mvhd(), inner].concat())
    };
    let cases = vec![
        ("10000 nested moov", nested(&[b"moov"], 10_000, &mvhd())),
        (
            "10000 nested moov/trak/udta",
            nested(&[b"moov", b"trak", b"udta"], 10_000, &[]),
        ),
        (
            "moov holding 10000 nested trak/mdia/minf/stbl",
            moov_mvhd_first(&[b"trak", b"mdia", b"minf", b"stbl"]),
        ),
        (
            "moov holding 10000 nested udta",
            moov_mvhd_first(&[b"udta"]),
        ),
        (
            "moov holding 10000 nested cmov",
            moov_mvhd_first(&[b"cmov"]),
        ),
        (
            "moov/udta holding 10000 nested hspa",
            atom(
                b"moov",
                &[
                    mvhd(),
                    atom(b"udta", &nested(&[b"hspa", b"sean"], 10_000, &[])),
                ]
                .concat(),
            ),
        ),
    ];
    handmade(cases);
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

fn cmov_movie(declared: u32, packed: &[u8]) -> Vec<u8> {
    let cmvd = atom(b"cmvd", &Body::new().u32(declared).bytes(packed).done());
    let moov = container(
        b"moov",
        &[container(b"cmov", &[atom(b"dcom", b"zlib"), cmvd])],
    );
    [
        atom(b"ftyp", b"qt  \0\0\0\0qt  "),
        moov,
        atom(b"mdat", &[0; 16]),
    ]
    .concat()
}

#[test]
fn compressed_headers_that_lie() {
    let inner = container(b"moov", &[mvhd()]);
    let packed = zlib(&inner);
    // 64 MiB of zeros inflating from ~64 KB.
    let bomb = {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..64 {
            z.write_all(&chunk).unwrap();
        }
        z.finish().unwrap()
    };
    // A cmov whose inflated moov holds another cmov, and so on.
    let mut nested_cmov = inner.clone();
    for _ in 0..4 {
        let c = zlib(&nested_cmov);
        nested_cmov = container(
            b"moov",
            &[container(
                b"cmov",
                &[
                    atom(b"dcom", b"zlib"),
                    atom(
                        b"cmvd",
                        &Body::new().u32(nested_cmov.len() as u32).bytes(&c).done(),
                    ),
                ],
            )],
        );
    }
    let cases = vec![
        ("cmvd claims 4 GB", cmov_movie(u32::MAX, &packed)),
        (
            "cmvd claims 4 GB - 1 of zeros",
            cmov_movie(0xffff_fffe, &bomb),
        ),
        (
            "cmvd claims 15 MiB, holds a tiny moov",
            cmov_movie(15 << 20, &packed),
        ),
        (
            "zlib bomb: declares 1000 bytes, inflates to 64 MiB",
            cmov_movie(1000, &bomb),
        ),
        (
            "zlib bomb: declares the exact moov, inflates to 64 MiB",
            cmov_movie(inner.len() as u32, &bomb),
        ),
        (
            "zlib bomb: declares 8 MiB, inflates to 64 MiB",
            cmov_movie(8 << 20, &bomb),
        ),
        ("cmvd declares 0 bytes", cmov_movie(0, &packed)),
        (
            "cmvd declares more than it inflates to",
            cmov_movie(inner.len() as u32 + 100, &packed),
        ),
        (
            "cmvd truncated zlib stream",
            cmov_movie(inner.len() as u32, &packed[..packed.len() / 2]),
        ),
        (
            "cmvd not zlib at all",
            cmov_movie(100, b"this is not a zlib stream at all"),
        ),
        (
            "cmov nested 4 deep",
            [atom(b"ftyp", b"qt  \0\0\0\0qt  "), nested_cmov].concat(),
        ),
    ];
    let e = expect_err(&cases[0].1, "4 GB cmvd");
    assert!(e.contains("'cmvd' atom at") && e.contains("budget"), "{e}");
    let e = expect_err(&cases[3].1, "zlib bomb");
    assert!(e.contains("'cmvd' atom at"), "{e}");
    handmade(cases);
}
