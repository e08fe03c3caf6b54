//! Thousands of truncated and mutated samples through every decoder: no panic, no
//! hang, and no allocation beyond the frame's own size (plus small fixed tables),
//! measured with a counting allocator. Inputs are the samples of the codec fixtures
//! (and of ../shared/samples when present), mutated by the test kit's `Rng` from
//! a seed per variant, so a failure can be replayed from its printed seed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use qtvr_format::codec::{Frame, StreamInfo, decoder_for};
use qtvr_format::container::read_movie;
use qtvr_format::limits::Budget;
use qtvr_format::limits::Limits;
use qtvr_format::source::{ByteSource, FileSource, read_vec};
use qtvr_testkit::{Rng, alloc};

mod common;

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

fn mutate(base: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut s = base.to_vec();
    match rng.below(6) {
        0 => s.truncate(rng.below(s.len() + 1)),
        1 => {
            for _ in 0..1 + rng.below(8) {
                if !s.is_empty() {
                    let i = rng.below(s.len());
                    s[i] ^= 1 << rng.below(8);
                }
            }
        }
        2 => {
            // Corrupt the header area, where sizes and counts live.
            for _ in 0..1 + rng.below(4) {
                if !s.is_empty() {
                    let i = rng.below(s.len().min(32));
                    s[i] = [0x00, 0xFF, 0x7F, 0x80, rng.byte()][rng.below(5)];
                }
            }
        }
        3 => {
            for _ in 0..1 + rng.below(32) {
                if !s.is_empty() {
                    let i = rng.below(s.len());
                    s[i] = rng.byte();
                }
            }
        }
        4 => {
            // Truncate and corrupt.
            s.truncate(rng.below(s.len() + 1));
            if !s.is_empty() {
                let i = rng.below(s.len());
                s[i] = rng.byte();
            }
        }
        _ => {
            let n = rng.below(64);
            s = (0..n).map(|_| rng.byte()).collect();
        }
    }
    s
}

/// (label, stream, samples) of every video track of a movie.
fn streams_of(path: &Path) -> Vec<(String, StreamInfo, Vec<Vec<u8>>)> {
    let src = FileSource::open(path).unwrap();
    let movie = read_movie(&src, &Budget::for_file(src.len())).unwrap();
    let mut out = Vec::new();
    for t in movie.tracks.iter().filter(|t| t.handler.0 == *b"vide") {
        let Some(info) = StreamInfo::from_description(&t.descriptions[0]) else {
            continue;
        };
        if decoder_for(&info).is_err() {
            continue;
        }
        let samples = t
            .samples
            .iter()
            .take(8)
            .map(|s| read_vec(&src, s.offset, u64::from(s.size)).unwrap())
            .collect();
        let label = format!("{} track {} ({})", path.display(), t.id, info.codec);
        out.push((label, info, samples));
    }
    out
}

#[test]
fn mutated_samples_never_panic_or_overallocate() {
    let mut movies: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codecs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "mov"))
            .collect();
    movies.sort();
    // Without ../shared/samples (a skip, a failure under CI=true), the
    // fixtures only.
    if let Some(dir) = common::samples_dir() {
        movies.extend(
            common::sample_movies(&dir)
                .into_iter()
                .filter(|p| p.to_string_lossy().contains("/gen/")),
        );
    }
    let limits = Limits::default();
    let mut failures = Vec::new();
    let mut total = 0usize;
    let mut per_codec: std::collections::BTreeMap<String, usize> = Default::default();
    for path in &movies {
        for (label, info, samples) in streams_of(path) {
            let frame_bytes = (info.width as usize) * (info.height as usize) * 4;
            let allowance = frame_bytes * 2 + (1 << 20);
            // Many variants of each small fixture, fewer of the larger sample tiles.
            let variants = if path.to_string_lossy().contains("fixtures") {
                1000
            } else {
                100
            };
            for v in 0..variants {
                let seed = 0x9E37_79B9_7F4A_7C15u64 ^ ((total as u64 + 1) * 0x1000_0001);
                let mut rng = Rng::new(seed);
                let mut dec = decoder_for(&info).unwrap();
                let mut frame = Frame::new(
                    info.width,
                    info.height,
                    dec.kind(),
                    info.palette.clone(),
                    &limits,
                )
                .unwrap();
                // Decode the first real sample, then a mutated later one (predictive
                // codecs see a damaged sample on top of a real frame).
                let which = rng.below(samples.len());
                let input = mutate(&samples[which], &mut rng);
                alloc::reset();
                let started = Instant::now();
                let result = catch_unwind(AssertUnwindSafe(|| {
                    if v % 2 == 1 && which > 0 {
                        let _ = dec.decode(&samples[0], true, &mut frame);
                    }
                    dec.decode(&input, which == 0, &mut frame)
                }));
                let took = started.elapsed();
                let peak = alloc::peak() as usize;
                total += 1;
                *per_codec.entry(info.codec.to_string()).or_default() += 1;
                if result.is_err() {
                    failures.push(format!("{label}: panic (seed {seed:#x})"));
                } else if peak > allowance {
                    failures.push(format!("{label}: allocated {peak} bytes for a {frame_bytes}-byte frame (seed {seed:#x})"));
                } else if took > Duration::from_secs(2) {
                    failures.push(format!("{label}: took {took:?} (seed {seed:#x})"));
                }
            }
        }
    }
    eprintln!("{total} mutated samples decoded: {per_codec:?}");
    assert!(total >= 3000, "only {total} mutated samples were tried");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
