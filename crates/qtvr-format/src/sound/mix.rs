//! Cutting a stretch of movie time out of decoded sounds, and mixing
//! several into one: what a node's or a movie's sound is when it is
//! exported.
//!
//! A cut keeps the samples as they are (exact); time before the sound's
//! start is silence. Mixing converts to 32-bit floats at the first sound's
//! rate (others resampled by linear interpolation) and the most channels
//! (a mono sound goes to every channel; other channel counts map channel
//! k to k modulo their count), summed and clipped to -1..1.

use super::{SampleData, Sound};
use crate::error::{Error, Result};
use crate::limits::Limits;

fn too_long(what: &str, frames: u64, limits: &Limits) -> Error {
    Error::NoMovieAtom(format!(
        "{what} of {frames} sound frames is larger than the {} MB memory budget; `--max-memory` raises it",
        limits.memory >> 20
    ))
}

/// The sound between movie seconds `from` and `to` (clipped to where the
/// sound ends), exact; time before its start is silence.
pub fn cut(s: &Sound, from: f64, to: f64, limits: &Limits) -> Result<Sound> {
    let ch = usize::from(s.channels.max(1));
    let from = from.max(0.0);
    let to = to.min(s.end()).max(from);
    let frames = ((to - from) * s.rate).round().max(0.0) as u64;
    if frames.saturating_mul(ch as u64 * s.data.sample_bytes()) > limits.memory {
        return Err(too_long("a stretch", frames, limits));
    }
    let frames = frames as usize;
    let first = ((from - s.start) * s.rate).round() as i64;
    let mut data = s.data.empty_like();
    data.reserve(frames * ch);
    let silence = (-first).clamp(0, frames as i64) as usize;
    data.extend_silence(silence * ch);
    let a = first.max(0) as usize;
    let b = (first + frames as i64).max(0) as usize;
    let (a, b) = (a.min(s.frames()), b.min(s.frames()));
    data.extend_from(&s.data, a * ch..b * ch);
    Ok(Sound {
        start: from,
        data,
        ..s.clone()
    })
}

/// The sounds mixed between movie seconds `from` and `to` (clipped to the
/// last one's end), as 32-bit floats at the first sound's rate.
pub fn mix(sounds: &[Sound], from: f64, to: f64, limits: &Limits) -> Result<Option<Sound>> {
    let Some(first) = sounds.first() else {
        return Ok(None);
    };
    let rate = first.rate;
    let channels = sounds.iter().map(|s| s.channels.max(1)).max().unwrap_or(1);
    let ch = usize::from(channels);
    let from = from.max(0.0);
    let end = sounds.iter().map(Sound::end).fold(from, f64::max);
    let to = to.min(end).max(from);
    let frames = ((to - from) * rate).round() as u64;
    if frames.saturating_mul(ch as u64 * 4) > limits.memory {
        return Err(too_long("a mix", frames, limits));
    }
    let frames = frames as usize;
    let mut out = vec![0f32; frames * ch];
    for s in sounds {
        let sch = usize::from(s.channels.max(1));
        let n = s.frames();
        for f in 0..frames {
            // Position of output frame f in the sound's own frames.
            let t = (from + f as f64 / rate - s.start) * s.rate;
            if t < 0.0 || t > (n.saturating_sub(1)) as f64 || n == 0 {
                continue;
            }
            let i = t.floor() as usize;
            let w = t - i as f64;
            let j = (i + 1).min(n - 1);
            for c in 0..ch {
                let sc = c % sch;
                let a = s.data.get_f64(i * sch + sc);
                let b = s.data.get_f64(j * sch + sc);
                out[f * ch + c] += (a + (b - a) * w) as f32;
            }
        }
    }
    for v in &mut out {
        *v = v.clamp(-1.0, 1.0);
    }
    Ok(Some(Sound {
        track: first.track,
        rate,
        channels,
        start: from,
        data: SampleData::F32(out),
    }))
}

/// The sounds between `from` and `to` (movie seconds): one sound cut
/// exactly ([`cut`]), several mixed ([`mix`]); `None` for none.
pub fn stretch(sounds: &[&Sound], from: f64, to: f64, limits: &Limits) -> Result<Option<Sound>> {
    match sounds {
        [] => Ok(None),
        [one] => cut(one, from, to, limits).map(Some),
        _ => {
            let owned: Vec<Sound> = sounds.iter().map(|s| (*s).clone()).collect();
            mix(&owned, from, to, limits)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TrackId;

    fn sound(start: f64, v: Vec<i16>, channels: u16) -> Sound {
        Sound {
            track: TrackId(1),
            rate: 10.0,
            channels,
            start,
            data: SampleData::I16(v),
        }
    }

    #[test]
    fn a_cut_keeps_samples_and_pads_before_the_start() {
        let s = sound(1.0, (1..=20).collect(), 1);
        let c = cut(&s, 0.5, 1.5, &Limits::default()).unwrap();
        assert_eq!(c.data, SampleData::I16(vec![0, 0, 0, 0, 0, 1, 2, 3, 4, 5]));
        let c = cut(&s, 2.5, 99.0, &Limits::default()).unwrap();
        assert_eq!(c.data, SampleData::I16(vec![16, 17, 18, 19, 20]));
        let tiny = Limits::default().with_memory(8);
        assert!(cut(&s, 0.0, 3.0, &tiny).is_err());
    }

    #[test]
    fn mixing_sums_channels_and_rates() {
        let a = sound(0.0, vec![16384; 10], 1);
        let mut b = sound(0.5, vec![8192, -8192, 8192, -8192, 8192, -8192], 2);
        b.rate = 10.0;
        let m = mix(&[a, b], 0.0, 10.0, &Limits::default())
            .unwrap()
            .unwrap();
        assert_eq!(m.channels, 2);
        assert_eq!(m.frames(), 10);
        let SampleData::F32(v) = &m.data else {
            panic!()
        };
        assert_eq!(v[0], 0.5);
        assert_eq!(v[1], 0.5);
        assert_eq!(v[10], 0.75);
        assert_eq!(v[11], 0.25);
    }
}
