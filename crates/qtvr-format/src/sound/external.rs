//! The ffmpeg fallback for sound: tracks of a codec with no decoder here
//! (`QDM2`, `Qclp`, `mp4a`, `agsm`, …) decoded by an `ffmpeg` executable,
//! found as for video ([`crate::tiles::external`]).
//!
//! The run's input is a temporary QuickTime movie holding only this track:
//! its sample description byte for byte (so `wave`, `esds` and codec
//! cookies survive), its chunks copied as they are with the same sample
//! tables (equal-sized samples) or one chunk per sample (varying sizes),
//! no edit list. ffmpeg writes 32-bit float samples, interleaved, on its
//! standard output (`-f f32le`), at the track's own rate and channels. The
//! output may not exceed the memory budget, and the run its time limit
//! ([`Limits::fallback_time_ms`] plus 100 ms per second of sound); past
//! either the process is killed and the track fails with a message.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::desc::SoundDescription;
use super::samples::SampleData;
use crate::container::Track;
use crate::container::build::{MovieWriter, SoundChunkSpec, TrackSpec, raw_entry};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::source::{ByteSource, read_vec};
use crate::tiles::Fallback;
use crate::tiles::external::ChildGuard;

fn fail(track: &Track, what: impl std::fmt::Display) -> Error {
    Error::NoMovieAtom(format!("sound track {}: {what}", track.id))
}

/// The track's sound as ffmpeg decodes it (32-bit floats).
pub fn decode(
    src: &dyn ByteSource,
    track: &Track,
    desc: &SoundDescription,
    limits: &Limits,
    fallback: &Fallback,
) -> Result<SampleData> {
    let Some(ffmpeg) = fallback.ffmpeg() else {
        return Err(fail(
            track,
            format!(
                "'{}' sound has no decoder here and no ffmpeg was found for it (install ffmpeg, or set QTVR_FFMPEG)",
                desc.format
            ),
        ));
    };
    let movie = input_movie(src, track, desc, limits)?;
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let path = std::env::temp_dir().join(format!(
        "qtvr-sound-{}-{}.mov",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, &movie).map_err(|e| fail(track, format!("temporary file: {e}")))?;
    drop(movie);
    let result = run(&ffmpeg, &path, track, desc, limits);
    let _ = std::fs::remove_file(&path);
    result
}

/// A movie of this one track.
fn input_movie(
    src: &dyn ByteSource,
    track: &Track,
    desc: &SoundDescription,
    limits: &Limits,
) -> Result<Vec<u8>> {
    let entry = track
        .descriptions
        .first()
        .map(|d| raw_entry(&d.format.0, &d.data))
        .unwrap_or_default();
    let mut spec = TrackSpec {
        id: 1,
        enabled: true,
        handler: *b"soun",
        media_timescale: track.media_timescale.max(1),
        descriptions: vec![entry],
        ..Default::default()
    };
    let mut total = 0u64;
    let mut take = |offset: u64, len: u64| -> Result<Vec<u8>> {
        total = total.saturating_add(len);
        if total > limits.memory {
            return Err(fail(track, "its samples are larger than the memory budget"));
        }
        read_vec(src, offset, len)
    };
    if let Some(sc) = &track.sound_chunks {
        // Bytes per sample: stsz's size, or for classic (size 1) compressed
        // layouts the version 1 packet fields.
        let bytes_of = |n: u64| -> Result<u64> {
            if sc.sample_size > 1 {
                return Ok(n * u64::from(sc.sample_size));
            }
            match desc.v1 {
                Some([fpp, _, bpf, _]) if fpp > 0 && bpf > 0 => {
                    Ok(n.div_ceil(u64::from(fpp)) * u64::from(bpf))
                }
                _ => Err(fail(
                    track,
                    format!(
                        "'{}' sound in one-byte samples without version 1 packet sizes: its chunks' lengths are unknown",
                        desc.format
                    ),
                )),
            }
        };
        let mut chunks = Vec::new();
        for c in &sc.chunks {
            let n = u64::from(c.samples);
            chunks.push((take(c.offset, bytes_of(n)?)?, c.samples));
        }
        spec.sound_chunks = Some(SoundChunkSpec {
            sample_size: sc.sample_size,
            sample_duration: sc.sample_duration,
            chunks,
        });
    } else {
        for s in &track.samples {
            let bytes = take(s.offset, u64::from(s.size))?;
            spec.samples.push((bytes, s.duration));
        }
    }
    Ok(MovieWriter {
        timescale: track.media_timescale.max(1),
        tracks: vec![spec],
        user_data: Vec::new(),
        co64: false,
    }
    .finish())
}

fn run(
    ffmpeg: &std::path::Path,
    input: &std::path::Path,
    track: &Track,
    desc: &SoundDescription,
    limits: &Limits,
) -> Result<SampleData> {
    let child = Command::new(ffmpeg)
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-i"])
        .arg(input)
        .args(["-map", "0:a:0", "-f", "f32le", "-c:a", "pcm_f32le"])
        .arg("pipe:1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(track, format!("ffmpeg cannot be started: {e}")))?;
    let mut child = ChildGuard::new(child);
    let (stdout, stderr) = child.pipes();
    let (Some(mut stdout), Some(mut stderr)) = (stdout, stderr) else {
        return Err(fail(track, "ffmpeg's pipes are missing"));
    };
    let cap = limits.memory;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 65536];
        loop {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => return (out, false),
                Ok(n) => {
                    if (out.len() + n) as u64 > cap {
                        return (out, true);
                    }
                    out.extend_from_slice(&buf[..n]);
                }
            }
        }
    });
    let errors = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let seconds = track.media_duration as f64 / f64::from(track.media_timescale.max(1));
    let limit = Duration::from_millis(limits.fallback_time_ms)
        + Duration::from_secs_f64((seconds.clamp(0.0, 36_000.0)) * 0.1);
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > limit => {
                return Err(fail(
                    track,
                    format!("ffmpeg ran past its {} s limit", limit.as_secs()),
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(fail(track, format!("ffmpeg: {e}"))),
        }
    };
    let (bytes, over) = reader
        .join()
        .map_err(|_| fail(track, "the thread reading ffmpeg stopped"))?;
    if over {
        return Err(fail(
            track,
            "its decoded sound is larger than the memory budget",
        ));
    }
    if !status.success() {
        let err = errors.join().unwrap_or_default();
        let tail: String = err
            .chars()
            .rev()
            .take(400)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return Err(fail(
            track,
            format!(
                "ffmpeg could not decode its '{}' sound: {}",
                desc.format,
                tail.trim()
            ),
        ));
    }
    Ok(SampleData::F32(
        bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
    ))
}
