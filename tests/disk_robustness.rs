//! Robustness of the disc image reader: HFS and HFS+ images (bare and
//! behind an Apple partition map, with fragmented forks) and ISO 9660 images, cut short and
//! corrupted thousands of ways — truncations, special values written over
//! the fields of the volume headers, partition map and B-tree nodes, random
//! byte mutations (the testkit's SplitMix64, fixed seeds), leaf chains that
//! loop or point past the tree, extents past the end of the image, absurd
//! counts and sizes — must open to `Ok` or to a clear error (naming the
//! structure and its byte offset), never a panic, a hang or a runaway
//! allocation. Every opened variant is listed as `qtvr ls` lists it and
//! every fork of every file is read to its end.

mod common;
#[path = "support/diskimg.rs"]
mod diskimg;
#[path = "support/tours.rs"]
mod tours;

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diskimg::{Content, FileSpec, Img};
use qtvr_format::disk::Image;
use qtvr_format::error::Error;
use qtvr_format::source::ByteSource;
use qtvr_testkit::{Rng, alloc};

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

/// Most bytes one variant may allocate at its peak (the images are under
/// 1 MB; the fork reads below allocate at most their fork's length).
const PEAK: u64 = 48 << 20;
/// A variant running longer than this aborts the process, naming it.
const HANG: Duration = Duration::from_secs(60);
const RANDOM: u64 = if cfg!(debug_assertions) { 300 } else { 2500 };
const FIELDS: u64 = if cfg!(debug_assertions) { 300 } else { 2500 };

fn bases() -> Vec<(&'static str, Img)> {
    let movie = tours::tour();
    let mut files = vec![
        FileSpec::new("Tours/Tour", Content::Bytes(movie.clone()), b"MooV"),
        FileSpec::new("Read:Me", Content::Bytes(vec![b'x'; 700]), b"TEXT"),
    ];
    for i in 0..12 {
        let mut f = FileSpec::new(
            &format!("Deep/Folder {}/File {i}", i % 3),
            Content::Bytes(vec![i as u8; 2000 + 900 * i]),
            b"????",
        );
        f.rsrc = Content::Bytes(vec![i as u8; 300]);
        files.push(f);
    }
    let mut frag = FileSpec::new("Tours/Fragmented", Content::Bytes(movie), b"MooV");
    frag.fragments = 11;
    let mut plus = files.clone();
    plus.push(frag);
    vec![
        ("hfs", diskimg::hfs("Robust", 512, &files)),
        ("hfs+", diskimg::hfsplus("Robust", &plus)),
        ("apm hfs", diskimg::hfs("Robust", 1024, &files).with_apm()),
        ("apm hfs+", diskimg::hfsplus("Robust", &plus).with_apm()),
        ("iso 9660", diskimg::iso9660("Robust", &files, true)),
    ]
}

/// Byte ranges of the image that hold structure.
fn meta_ranges(img: &Img) -> Vec<(usize, usize)> {
    img.writes[..img.meta]
        .iter()
        .map(|(at, b)| (*at as usize, *at as usize + b.len()))
        .collect()
}

static PROGRESS: AtomicU64 = AtomicU64::new(0);

fn watchdog() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::thread::spawn(|| {
            let mut last = (0, Instant::now());
            loop {
                std::thread::sleep(Duration::from_secs(1));
                let p = PROGRESS.load(Ordering::Relaxed);
                if p != last.0 {
                    last = (p, Instant::now());
                } else if last.1.elapsed() > HANG {
                    eprintln!("disk_robustness: variant {p} ran for more than {HANG:?}");
                    std::process::abort();
                }
            }
        });
    });
}

#[derive(Default)]
struct Stats {
    variants: u64,
    opened: u64,
    errors: u64,
    failures: Vec<String>,
}

/// Opens one variant, lists it, reads every fork; checks errors and memory.
fn run(bytes: Vec<u8>, what: &str, st: &mut Stats) {
    st.variants += 1;
    PROGRESS.fetch_add(1, Ordering::Relaxed);
    let base = alloc::live();
    alloc::reset_peak();
    let src: Arc<dyn ByteSource> = Arc::new(bytes);
    let r = panic::catch_unwind(AssertUnwindSafe(|| -> Result<bool, Error> {
        let Some(image) = Image::read(src)? else {
            return Ok(false);
        };
        // As `qtvr ls` lists it (loads the movie candidates).
        let _ = qtvr::cli::ls::list_image(&image, "x.img");
        let mut buf = vec![0u8; 64 << 10];
        for e in image.entries() {
            let forks = match image.forks(e, "x.img") {
                Ok(f) => f,
                Err(err) => {
                    check_error(&err)?;
                    continue;
                }
            };
            for fork in std::iter::once(&forks.data).chain(forks.resource.as_ref()) {
                let mut at = 0;
                while at < fork.len() {
                    let n = (fork.len() - at).min(buf.len() as u64) as usize;
                    fork.read_exact_at(at, &mut buf[..n])
                        .map_err(|e| Error::NotInImage(format!("fork read failed: {e}")))?;
                    at += n as u64;
                }
            }
        }
        Ok(true)
    }));
    let peak = alloc::peak().saturating_sub(base);
    if peak > PEAK {
        st.failures
            .push(format!("{what}: allocated {peak} bytes at its peak"));
    }
    match r {
        Ok(Ok(true)) => st.opened += 1,
        Ok(Ok(false)) => {}
        Ok(Err(e)) => {
            st.errors += 1;
            if let Err(msg) = check_error(&e) {
                st.failures.push(format!("{what}: {msg}"));
            }
        }
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            st.failures.push(format!("{what}: PANIC {msg}"));
        }
    }
}

/// A clear error: a disk structure with its offset, or a sentence.
fn check_error(e: &Error) -> Result<(), Error> {
    let msg = e.to_string();
    let ok = match e {
        Error::Disk {
            structure, problem, ..
        } => !structure.is_empty() && !problem.is_empty() && msg.contains("at byte offset"),
        Error::NotInImage(m) => !m.is_empty() && !m.contains("fork read failed"),
        _ => !msg.is_empty(),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::NotInImage(format!("unclear error: {msg}")))
    }
}

#[test]
fn broken_disc_images_fail_cleanly() {
    let _ = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    watchdog();
    let mut st = Stats::default();
    for (b, (name, img)) in bases().into_iter().enumerate() {
        let good = img.to_vec();
        let ranges = meta_ranges(&img);
        // The intact image opens.
        let before = st.opened;
        run(good.clone(), &format!("{name} intact"), &mut st);
        assert_eq!(st.opened, before + 1, "{name}: {:?}", st.failures);
        // Truncations: every 512 bytes through the structure, 100 beyond.
        let meta_end = ranges.iter().map(|r| r.1).max().unwrap();
        for len in (0..meta_end.min(good.len()))
            .step_by(512)
            .chain((0..100).map(|i| meta_end + (good.len() - meta_end) * i / 100))
        {
            run(
                good[..len].to_vec(),
                &format!("{name} cut to {len}"),
                &mut st,
            );
        }
        // Special values over the structure's fields.
        let mut rng = Rng::new(0xD15C_0000 + b as u64);
        let specials32 = [
            0u32,
            1,
            2,
            0xFFFF_FFFF,
            0x8000_0000,
            0x7FFF_FFFF,
            0xFFFF,
            1000,
        ];
        let specials16 = [0u16, 1, 0xFFFF, 0x8000, 0x00FF, 0x0200, 7];
        for i in 0..FIELDS {
            let (s, e) = ranges[rng.below(ranges.len())];
            let mut v = good.clone();
            let at = (s + rng.below((e - s).max(1))) & !1;
            if at + 4 > v.len() {
                continue;
            }
            let what = if rng.chance(0.5) {
                let x = rng.pick(&specials32);
                v[at..at + 4].copy_from_slice(&x.to_be_bytes());
                format!("{name} field {i}: u32 {x:#x} at {at}")
            } else {
                let x = rng.pick(&specials16);
                v[at..at + 2].copy_from_slice(&x.to_be_bytes());
                format!("{name} field {i}: u16 {x:#x} at {at}")
            };
            run(v, &what, &mut st);
        }
        // Random mutations of 1–8 bytes of the structure.
        for i in 0..RANDOM {
            let mut v = good.clone();
            let n = 1 + rng.below(8);
            for _ in 0..n {
                let (s, e) = ranges[rng.below(ranges.len())];
                let at = s + rng.below(e - s);
                if at < v.len() {
                    v[at] = rng.byte();
                }
            }
            run(
                v,
                &format!("{name} random {i} (seed {:#x})", 0xD15C_0000 + b as u64),
                &mut st,
            );
        }
        // Crafted: every leaf node's forward link pointed back at itself, at
        // node 1, past the tree; record counts and node sizes absurd.
        for (s, e) in &ranges {
            for node_size in [512usize, 4096] {
                let mut at = *s;
                while at + node_size <= *e {
                    if good[at + 8] == 0xFF && good[at + 9] == 1 {
                        let no = ((at - s) / node_size) as u32;
                        for (label, link) in [
                            ("itself", no),
                            ("node 1", 1),
                            ("past the tree", 0x00FF_FFFF),
                        ] {
                            let mut v = good.clone();
                            v[at..at + 4].copy_from_slice(&link.to_be_bytes());
                            run(
                                v,
                                &format!("{name} leaf at {at} linked to {label}"),
                                &mut st,
                            );
                        }
                        let mut v = good.clone();
                        v[at + 10..at + 12].copy_from_slice(&0xFFFFu16.to_be_bytes());
                        run(
                            v,
                            &format!("{name} leaf at {at} with 65535 records"),
                            &mut st,
                        );
                    }
                    if good[at + 8] == 1 && good[at..at + 4] == [0; 4] {
                        for (label, f, x) in [
                            ("node size 513", 14 + 18, 513u32 << 16),
                            ("node size 0", 14 + 18, 0),
                            ("4G nodes", 14 + 22, 0xFFFF_FFFF),
                            ("first leaf 4G", 14 + 10, 0xFFFF_FFFF),
                        ] {
                            let mut v = good.clone();
                            v[at + f..at + f + 4].copy_from_slice(&x.to_be_bytes());
                            run(v, &format!("{name} header at {at}: {label}"), &mut st);
                        }
                    }
                    at += node_size;
                }
            }
        }
    }
    // A catalog loop is an error that says so.
    let img = diskimg::hfsplus(
        "Loop",
        &(0..60)
            .map(|i| FileSpec::new(&format!("F/File {i}"), Content::Bytes(vec![1; 10]), b"TEXT"))
            .collect::<Vec<_>>(),
    );
    let mut v = img.to_vec();
    // The catalog's second leaf (node 2) links back to node 1.
    let cat = img.writes[2].0 as usize;
    v[cat + 2 * 4096..cat + 2 * 4096 + 4].copy_from_slice(&1u32.to_be_bytes());
    let err = Image::read(Arc::new(v)).unwrap_err().to_string();
    assert!(err.contains("reached twice"), "{err}");
    assert!(err.contains("byte offset"), "{err}");
    // Extents past the end of the image: the file's fork says so.
    let img = diskimg::hfs(
        "Past",
        512,
        &[FileSpec::new(
            "Movie",
            Content::Bytes(vec![3; 5000]),
            b"MooV",
        )],
    );
    let mut v = img.to_vec();
    // The catalog's first leaf (node 1); the file record is its second
    // record (after the root folder's).
    let node = img.writes[1].0 as usize + 512;
    let rec2 = node + u16::from_be_bytes([v[node + 512 - 4], v[node + 512 - 3]]) as usize;
    let data2 = rec2 + (1 + v[rec2] as usize).next_multiple_of(2);
    assert_eq!(v[data2], 2, "a file record");
    v[data2 + 74..data2 + 76].copy_from_slice(&0xFFF0u16.to_be_bytes());
    let image = Image::read(Arc::new(v)).unwrap().unwrap();
    let err = image
        .forks(&image.entries()[0], "past.img")
        .unwrap_err()
        .to_string();
    assert!(err.contains("past the end of the image"), "{err}");
    assert!(err.contains("the data fork of \"Movie\""), "{err}");

    eprintln!(
        "disk_robustness: {} variants, {} opened, {} errors",
        st.variants, st.opened, st.errors
    );
    assert!(
        st.failures.is_empty(),
        "{} failures:\n{}",
        st.failures.len(),
        st.failures[..st.failures.len().min(30)].join("\n")
    );
    assert!(
        st.errors > st.variants / 20,
        "too few variants failed: {}",
        st.errors
    );
}
