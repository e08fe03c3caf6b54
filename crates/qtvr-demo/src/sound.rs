//! The demo's sound, synthesised here like its pictures (the same portable
//! sine, a fixed pseudo-random sequence), so the bytes are the same on
//! every platform, and stored as QuickTime stored sound: IMA ADPCM
//! (`ima4`) in chunks of one-frame samples.
//!
//! - the Meadow: wind (noise, low-passed around a loop so it loops without
//!   a seam) and bird calls, 4 s, looping while the Meadow shows;
//! - the Gallery: a soft room tone (a slowly breathing chord), 4 s, looping;
//! - the Dice: a turntable's click for each of its 72 views, pitched by
//!   column and row, played as each view comes to show.

use qtvr_format::container::build::{SoundChunkSpec, SoundEntryVersion, sound_entry};
use qtvr_format::qtvr::write::{SoundAt, TourSound};
use qtvr_format::sound::ima4;

use super::{DICE, GALLERY, MEADOW, OBJ_COLS, OBJ_ROWS, PI, sin};

/// Frames a second.
const RATE: u32 = 22050;
/// One object view lasts 0.1 s (the tour writer's sample duration).
const VIEW_SECONDS: f64 = 0.1;

/// A fixed pseudo-random sequence in -1..1 (a 32-bit xorshift).
struct Noise(u32);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        f64::from(self.0) / f64::from(u32::MAX) * 2.0 - 1.0
    }
}

fn tone(hz: f64, t: f64) -> f64 {
    sin(2.0 * PI * hz * t)
}

/// 4 s of wind and birds.
fn meadow() -> Vec<f64> {
    let n = (4 * RATE) as usize;
    let mut noise = Noise(0x5EED_1234);
    let raw: Vec<f64> = (0..n).map(|_| noise.next()).collect();
    // A one-pole low-pass run twice around the loop: its state at the
    // end meets its state at the start.
    let mut y = 0.0;
    let mut wind = vec![0.0; n];
    for pass in 0..2 {
        for (i, &x) in raw.iter().enumerate() {
            y += 0.02 * (x - y);
            if pass == 1 {
                wind[i] = y;
            }
        }
    }
    let rate = f64::from(RATE);
    (0..n)
        .map(|i| {
            let t = i as f64 / rate;
            // Gusts: the wind swells twice per loop.
            let gust = 0.6 + 0.4 * sin(2.0 * PI * t / 2.0);
            let mut v = wind[i] * 2.5 * gust;
            // Bird calls: rising chirps at fixed times.
            for (start, base) in [(0.3, 2600.0), (0.45, 2900.0), (1.9, 3100.0), (2.7, 2500.0)] {
                let dt = t - start;
                if (0.0..0.09).contains(&dt) {
                    let env = sin(PI * dt / 0.09);
                    v += 0.25 * env * tone(base + 9000.0 * dt, dt);
                }
            }
            v
        })
        .collect()
}

/// 4 s of a breathing chord.
fn gallery() -> Vec<f64> {
    let n = (4 * RATE) as usize;
    let rate = f64::from(RATE);
    (0..n)
        .map(|i| {
            let t = i as f64 / rate;
            let breath = 0.7 + 0.3 * sin(2.0 * PI * t / 4.0);
            breath * (0.12 * tone(110.0, t) + 0.08 * tone(165.0, t) + 0.05 * tone(220.0, t))
        })
        .collect()
}

/// A click per view: a short decaying tone, higher for later columns and rows.
fn dice() -> Vec<f64> {
    let per = (VIEW_SECONDS * f64::from(RATE)).round() as usize;
    let rate = f64::from(RATE);
    let mut out = Vec::with_capacity(per * (OBJ_ROWS * OBJ_COLS) as usize);
    for row in 0..OBJ_ROWS {
        for col in 0..OBJ_COLS {
            let hz = 700.0 + 25.0 * f64::from(col) + 200.0 * f64::from(row);
            for i in 0..per {
                let t = i as f64 / rate;
                let decay = (1.0 - t / 0.03).max(0.0);
                out.push(0.35 * decay * decay * tone(hz, t));
            }
        }
    }
    out
}

/// Mono samples as an `ima4` sound of `RATE` frames a second.
fn ima4_sound(at: SoundAt, samples: &[f64]) -> TourSound {
    let pcm: Vec<i16> = samples
        .iter()
        .map(|&v| (v.clamp(-1.0, 1.0) * 32767.0).round() as i16)
        .collect();
    let bytes = ima4::encode(&pcm, 1);
    // Chunks of 64 packets (4096 frames).
    let chunks = bytes
        .chunks(64 * ima4::PACKET)
        .enumerate()
        .map(|(k, c)| {
            let frames = (pcm.len() - k * 64 * ima4::FRAMES).min(64 * ima4::FRAMES);
            (c.to_vec(), frames as u32)
        })
        .collect();
    TourSound {
        at,
        description: sound_entry(
            b"ima4",
            SoundEntryVersion::V1([64, 34, 34, 2]),
            1,
            16,
            f64::from(RATE),
            &[],
        ),
        media_timescale: RATE,
        media: SoundChunkSpec {
            sample_size: 1,
            sample_duration: 1,
            chunks,
        },
    }
}

/// The demo's sound tracks.
pub fn demo_sounds() -> Vec<TourSound> {
    vec![
        ima4_sound(SoundAt::Node(MEADOW), &meadow()),
        ima4_sound(SoundAt::Node(GALLERY), &gallery()),
        ima4_sound(SoundAt::Node(DICE), &dice()),
    ]
}
