//! The test tour ([`super::tours`]) with sound: the cylinder's looping
//! sound (16-bit `twos`, 22050 Hz mono, 1 s), the cube's (`ima4` stereo,
//! 22050 Hz, 1.5 s), one part per view of the object (8-bit `raw `,
//! 11025 Hz, as long as the object's 24 views) and a sound across the
//! whole movie (`ulaw`, 8000 Hz, 3 s from the start).

#![allow(dead_code)]

use qtvr_format::container::build::{SoundChunkSpec, SoundEntryVersion, sound_entry};
use qtvr_format::qtvr::write::{SoundAt, TourSound};
use qtvr_format::sound::ima4;

use super::tours::{CUBE, CYLINDER, OBJECT, tour_spec};

/// Track IDs the writer gives the sounds (after the tour's 9 tracks).
pub const CYLINDER_SOUND: u32 = 10;
pub const CUBE_SOUND: u32 = 11;
pub const OBJECT_SOUND: u32 = 12;
pub const MOVIE_SOUND: u32 = 13;

/// A tone of `hz` at `rate` for `seconds`, as 16-bit samples (`channels` copies).
pub fn tone(hz: f64, rate: u32, seconds: f64, channels: usize, amplitude: f64) -> Vec<i16> {
    let n = (f64::from(rate) * seconds).round() as usize;
    (0..n)
        .flat_map(|i| {
            let v = (i as f64 * hz * std::f64::consts::TAU / f64::from(rate)).sin() * amplitude;
            std::iter::repeat_n((v * 32767.0) as i16, channels)
        })
        .collect()
}

/// Classic chunks (one sample per frame) of `bytes`, `per` frames each.
fn chunks(bytes: &[u8], frames: usize, packet: (usize, usize), per: usize) -> SoundChunkSpec {
    let mut out = Vec::new();
    let mut done = 0;
    while done < frames {
        let n = per.min(frames - done);
        let from = done / packet.0 * packet.1;
        let to = (from + n.div_ceil(packet.0) * packet.1).min(bytes.len());
        out.push((bytes[from..to].to_vec(), n as u32));
        done += n;
    }
    SoundChunkSpec {
        sample_size: 1,
        sample_duration: 1,
        chunks: out,
    }
}

/// The sounds of the tour.
pub fn sounds() -> Vec<TourSound> {
    let cyl = tone(440.0, 22050, 1.0, 1, 0.5);
    let cyl_bytes: Vec<u8> = cyl.iter().flat_map(|s| s.to_be_bytes()).collect();
    let cube = tone(660.0, 22050, 1.5, 2, 0.4);
    let cube_bytes = ima4::encode(&cube, 2);
    // The object: 24 views of 0.1 s, each view its own pitch.
    let object: Vec<u8> = (0..24)
        .flat_map(|v| tone(200.0 + 50.0 * f64::from(v), 11025, 0.1, 1, 0.3))
        .map(|s| ((s >> 8) as u8) ^ 0x80)
        .collect();
    let movie: Vec<u8> = tone(300.0, 8000, 3.0, 1, 0.2)
        .iter()
        .map(|&s| mu_law_encode(s))
        .collect();
    vec![
        TourSound {
            at: SoundAt::Node(CYLINDER),
            description: sound_entry(b"twos", SoundEntryVersion::V0, 1, 16, 22050.0, &[]),
            media_timescale: 22050,
            media: chunks(&cyl_bytes, cyl.len(), (1, 2), 4096),
        },
        TourSound {
            at: SoundAt::Node(CUBE),
            description: sound_entry(
                b"ima4",
                SoundEntryVersion::V1([64, 34, 68, 2]),
                2,
                16,
                22050.0,
                &[],
            ),
            media_timescale: 22050,
            media: chunks(&cube_bytes, cube.len() / 2, (64, 68), 4096),
        },
        TourSound {
            at: SoundAt::Node(OBJECT),
            description: sound_entry(b"raw ", SoundEntryVersion::V0, 1, 8, 11025.0, &[]),
            media_timescale: 11025,
            media: chunks(&object, object.len(), (1, 1), 2048),
        },
        TourSound {
            at: SoundAt::Movie,
            description: sound_entry(b"ulaw", SoundEntryVersion::V0, 1, 16, 8000.0, &[]),
            media_timescale: 8000,
            media: chunks(&movie, movie.len(), (1, 1), 4000),
        },
    ]
}

/// G.711 µ-law of a 16-bit sample (for test data).
pub fn mu_law_encode(s: i16) -> u8 {
    let sign = if s < 0 { 0x80 } else { 0 };
    let m = (i32::from(s).abs().min(32635)) + 0x84;
    let exponent = (0..8).rev().find(|e| m & (0x80 << e) != 0).unwrap_or(0);
    let mantissa = (m >> (exponent + 3)) & 0x0F;
    !(sign | ((exponent as u8) << 4) | mantissa as u8)
}

/// The tour with its sounds, written.
pub fn sound_tour() -> Vec<u8> {
    tour_spec()
        .write_with_sound(&[], &sounds())
        .expect("a valid tour")
}

/// The tour's sound tracks decoded and placed (no warnings expected).
pub fn placed(bytes: &[u8]) -> Vec<qtvr_format::sound::PlacedSound> {
    let bytes = bytes.to_vec();
    let loaded = qtvr_format::qtvr::load(&bytes).expect("the tour loads");
    let (placed, warnings) = qtvr_format::sound::load_all(
        &bytes,
        &loaded.movie,
        loaded.scene.as_ref().expect("a QTVR scene"),
        &qtvr_format::limits::Limits::default(),
        &qtvr_format::tiles::Fallback::Off,
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    placed
}
