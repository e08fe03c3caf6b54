//! Bad sound: the sound tour (`support/sounds.rs`), with its sound sample
//! descriptions and sound samples mutated thousands of ways, must decode
//! to `Ok` or `Err` (a track that cannot be decoded is named, the others
//! still play) without a panic, without an allocation past the limits, in
//! well under a second each; and the pictures never change: every node
//! loads and assembles as it does from the intact file.

#[path = "support/sounds.rs"]
mod sounds;
#[path = "support/tours.rs"]
mod tours;

use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use qtvr_format::container::read_movie;
use qtvr_format::limits::{Budget, Limits};
use qtvr_format::sound;
use qtvr_format::tiles::Fallback;
use qtvr_testkit::{Rng, alloc};

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

/// Decoding one variant may not allocate more than this at its peak (the
/// tour's own decoded sound is well under 2 MB; a hostile variant may claim
/// up to the 64 MB budget these tests set).
const PEAK: u64 = 256 << 20;
const SLOW: Duration = Duration::from_secs(1);

fn limits() -> Limits {
    Limits::default().with_memory(64 << 20)
}

/// Byte ranges of a file.
type Ranges = Vec<(usize, usize)>;

/// Where the sound descriptions and samples are: (stsd entry ranges, the
/// chunk byte ranges) of every sound track.
fn sound_ranges(bytes: &[u8]) -> (Ranges, Ranges) {
    let movie = read_movie(&bytes.to_vec(), &Budget::for_file(bytes.len() as u64)).unwrap();
    let mut descs = Vec::new();
    let mut data = Vec::new();
    for t in sound::sound_tracks(&movie) {
        for d in &t.descriptions {
            let at = d.location.offset as usize;
            descs.push((at, at + 16 + d.data.len()));
        }
        let info = sound::track_info(&movie, t).unwrap();
        let chunks = &t.sound_chunks.as_ref().unwrap().chunks;
        let per = (info.frames as usize / chunks.len()).max(1);
        for c in chunks {
            data.push((c.offset as usize, c.offset as usize + per.min(4096)));
        }
    }
    (descs, data)
}

/// Loads, decodes every sound track and builds the clips; what went wrong.
fn run(bytes: &[u8], what: &str) -> Option<String> {
    let base = alloc::live();
    alloc::reset_peak();
    let started = Instant::now();
    let r = panic::catch_unwind(AssertUnwindSafe(|| {
        let Ok(loaded) = qtvr_format::qtvr::load(&bytes.to_vec()) else {
            return;
        };
        let Some(scene) = &loaded.scene else { return };
        let (placed, _) = sound::load_all(
            &bytes.to_vec(),
            &loaded.movie,
            scene,
            &limits(),
            &Fallback::Off,
        );
        let (lib, _) = qtvr::audio::Library::new(&placed, &limits());
        let mut m = qtvr::audio::Mixer::new(lib, 48_000);
        m.show_node(tours::CUBE, 0.1);
        m.show_view((tours::OBJECT, 1, 1));
        let mut buf = vec![0.0; 4096];
        m.render(&mut buf);
        assert!(buf.iter().all(|v| v.is_finite() && v.abs() <= 1.0));
    }));
    let took = started.elapsed();
    let peak = alloc::peak().saturating_sub(base);
    if let Err(e) = r {
        let msg = qtvr_testkit::panic_message(e.as_ref());
        return Some(format!("{what}: panicked: {msg}"));
    }
    if took > SLOW {
        return Some(format!("{what}: took {took:?}"));
    }
    if peak > PEAK {
        return Some(format!("{what}: allocated {peak} bytes at its peak"));
    }
    None
}

#[test]
fn mutated_sound_descriptions_and_samples_never_panic_or_run_away() {
    let intact = sounds::sound_tour();
    let (descs, data) = sound_ranges(&intact);
    assert_eq!(descs.len(), 4);
    let mut rng = Rng::new(2222);
    let mut failures = Vec::new();
    let specials: [u32; 8] = [
        0,
        1,
        2,
        0x7FFF_FFFF,
        0x8000_0000,
        0xFFFF_FFFF,
        0x0001_0000,
        64,
    ];
    let mut variants = 0;
    // Every 2- and 4-byte field of each description set to special values.
    for &(a, b) in &descs {
        for pos in (a + 16..b).step_by(2) {
            for &v in &specials {
                let mut m = intact.clone();
                let be = v.to_be_bytes();
                let n = (b - pos).min(4);
                m[pos..pos + n].copy_from_slice(&be[4 - n..]);
                variants += 1;
                failures.extend(run(&m, &format!("description field at {pos} = {v:#x}")));
            }
        }
    }
    // Random mutations of 1–8 bytes: descriptions, samples, and the sample tables.
    for i in 0..3000u64 {
        let mut m = intact.clone();
        let (a, b) = if i % 2 == 0 {
            descs[rng.below(descs.len())]
        } else {
            data[rng.below(data.len())]
        };
        for _ in 0..1 + rng.below(8) {
            let p = a + rng.below(b - a);
            m[p] = rng.byte();
        }
        variants += 1;
        failures.extend(run(&m, &format!("random mutation {i}")));
    }
    assert!(variants > 3000);
    assert!(
        failures.is_empty(),
        "{} failures, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
}

#[test]
fn a_broken_sound_track_is_named_and_the_pictures_are_unaffected() {
    let intact = sounds::sound_tour();
    let (descs, _) = sound_ranges(&intact);
    let mut broken = intact.clone();
    // The cube's ima4 track claims 0 channels.
    let (a, _) = descs[1];
    broken[a + 16 + 8..a + 16 + 10].copy_from_slice(&[0, 0]);
    let loaded = qtvr_format::qtvr::load(&broken).unwrap();
    let scene = loaded.scene.as_ref().unwrap();
    let (placed, warnings) =
        sound::load_all(&broken, &loaded.movie, scene, &limits(), &Fallback::Off);
    assert_eq!(placed.len(), 3, "the other tracks still play");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0].message;
    assert!(
        w.contains("sound track 11") && w.contains("channels"),
        "{w}"
    );
    // Every node's picture is the intact movie's.
    let good = qtvr_format::qtvr::load(&intact).unwrap();
    let opts = qtvr_format::tiles::DecodeOptions::default();
    for n in &scene.nodes {
        if let qtvr_format::qtvr::NodeContent::Panorama(_) = n.content {
            let a =
                qtvr_format::assemble::panorama_picture(&broken, &loaded.movie, n, &opts).unwrap();
            let b =
                qtvr_format::assemble::panorama_picture(&intact, &good.movie, n, &opts).unwrap();
            assert_eq!(a.surfaces.len(), b.surfaces.len());
            for (x, y) in a.surfaces.iter().zip(&b.surfaces) {
                assert!(x.image.rgba() == y.image.rgba(), "node {}", n.id);
            }
        }
    }
}
