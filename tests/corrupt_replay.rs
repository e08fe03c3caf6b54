//! Replays the fuzzing inputs kept in the repository through the fuzz
//! targets' own code (`fuzz/src/lib.rs`, `fuzz/src/web.rs` and
//! `fuzz/src/archive.rs`, included here
//! as modules, so an input runs exactly as the fuzzer ran it):
//!
//! * every minimised finding under `tests/fixtures/corrupt/`, named
//!   `<target>-<what>` (a file whose name starts with no target fails the
//!   test);
//! * every seed of the committed corpora `fuzz/corpus/<target>/`.
//!
//! Each input must run without a panic, in under a second (a release build;
//! ten in a debug build), and allocate at its peak no more than libFuzzer's
//! `-malloc_limit_mb` of the fuzz runs (1100 MB), measured on the calling
//! thread by the test kit's counting allocator; an allocation that would
//! take the thread past twice that is refused, naming the input.

#[path = "../fuzz/src/archive.rs"]
mod archive;
#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod harness;
#[path = "../fuzz/src/web.rs"]
mod web;

use std::cell::Cell;
use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use harness::{Bytes, web_fits};
use qtvr_testkit::alloc;

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

/// libFuzzer's `-malloc_limit_mb` in the fuzz runs.
const PEAK: u64 = 1100 << 20;
/// Past this the allocator refuses (the process then aborts).
const HARD_CAP: u64 = 2 * PEAK;
/// libFuzzer's `-timeout` in the fuzz runs (without the sanitizer here).
const SLOW: Duration = Duration::from_secs(if cfg!(debug_assertions) { 10 } else { 1 });

const TARGETS: [&str; 7] = [
    "movie", "codecs", "mac", "disk", "web_plan", "archive", "sound",
];

thread_local! {
    static CURRENT: Cell<&'static str> = const { Cell::new("") };
}

fn over_the_cap(n: usize) {
    let what = CURRENT.with(Cell::get);
    let _ = writeln!(
        std::io::stderr(),
        "\ncorrupt_replay: allocation of {n} bytes would take {what} past {HARD_CAP} live bytes"
    );
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

/// Runs `data` through target `target`; what went wrong, if anything.
fn replay(target: &str, data: &[u8], shown: &'static str, web_dir: &Path) -> Option<String> {
    CURRENT.with(|c| c.set(shown));
    let base = alloc::live();
    alloc::reset_peak();
    alloc::set_cap(Some(base + HARD_CAP), Some(over_the_cap));
    let started = Instant::now();
    let r = panic::catch_unwind(AssertUnwindSafe(|| match target {
        "movie" => harness::movie(data),
        "codecs" => harness::codecs(data),
        "mac" => harness::mac(data),
        "disk" => harness::disk(data),
        "web_plan" => web::web_plan(data, web_dir),
        "archive" => archive::archive(data, web_dir),
        "sound" => harness::sound(data),
        _ => unreachable!(),
    }));
    let took = started.elapsed();
    alloc::set_cap(None, None);
    let peak = alloc::peak().saturating_sub(base);
    if let Err(e) = r {
        let msg = qtvr_testkit::panic_message(e.as_ref());
        return Some(format!("{shown}: panicked: {msg}"));
    }
    if took > SLOW {
        return Some(format!("{shown}: took {took:?} (limit {SLOW:?})"));
    }
    if peak > PEAK {
        return Some(format!(
            "{shown}: allocated {peak} bytes at its peak (limit {PEAK})"
        ));
    }
    None
}

#[test]
fn findings_and_seeds_replay_cleanly() {
    let web_dir = std::env::temp_dir().join(format!("qtvr-corrupt-replay-{}", std::process::id()));
    let mut failures = Vec::new();
    let mut counts = Vec::new();
    let findings = files(&root().join("tests/fixtures/corrupt"));
    for p in &findings {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let Some(target) = TARGETS
            .iter()
            .copied()
            .filter(|t| name.starts_with(&format!("{t}-")))
            .max_by_key(|t| t.len())
        else {
            failures.push(format!(
                "tests/fixtures/corrupt/{name}: the name starts with no fuzz target ({TARGETS:?})"
            ));
            continue;
        };
        let shown: &'static str = Box::leak(format!("tests/fixtures/corrupt/{name}").into());
        let data = std::fs::read(p).unwrap();
        failures.extend(replay(target, &data, shown, &web_dir));
    }
    counts.push(format!("{} findings", findings.len()));
    for target in TARGETS {
        let seeds = files(&root().join("fuzz/corpus").join(target));
        assert!(!seeds.is_empty(), "fuzz/corpus/{target} holds no seeds");
        for p in &seeds {
            let shown: &'static str = Box::leak(
                format!(
                    "fuzz/corpus/{target}/{}",
                    p.file_name().unwrap().to_string_lossy()
                )
                .into(),
            );
            let data = std::fs::read(p).unwrap();
            failures.extend(replay(target, &data, shown, &web_dir));
        }
        counts.push(format!("{} {target} seeds", seeds.len()));
    }
    let _ = std::fs::remove_dir_all(&web_dir);
    eprintln!("corrupt_replay: {}", counts.join(", "));
    assert!(
        failures.is_empty(),
        "{} inputs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The `web_plan` target exports only movies it can export quickly: a
/// seed of the three-node tour fits, a plain movie does not.
#[test]
fn web_plan_takes_small_qtvr_movies_only() {
    let tour = std::fs::read(root().join("fuzz/corpus/web_plan/tour-three-nodes")).unwrap();
    let l = qtvr_format::qtvr::load(&Bytes(&tour)).unwrap();
    assert!(web_fits(&l));
    let plain = std::fs::read(root().join("tests/fixtures/codecs/rle8_ctab.mov")).unwrap();
    let l = qtvr_format::qtvr::load(&Bytes(&plain)).unwrap();
    assert!(!web_fits(&l));
}
