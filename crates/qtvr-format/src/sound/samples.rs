//! Decoded sound: interleaved samples kept at the precision they were
//! stored with, so a WAV export loses nothing.

use super::desc::{Pcm, SoundCodec};

/// Interleaved samples, one variant per precision.
#[derive(Debug, Clone, PartialEq)]
pub enum SampleData {
    /// Unsigned 8-bit (offset binary; signed 8-bit sources are turned to this).
    U8(Vec<u8>),
    I16(Vec<i16>),
    /// 24-bit values, sign-extended into an `i32` (±8388608).
    I24(Vec<i32>),
    I32(Vec<i32>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

impl SampleData {
    /// An empty buffer for a PCM layout.
    pub fn for_pcm(p: Pcm) -> SampleData {
        match (p.float, p.bytes) {
            (true, 8) => SampleData::F64(Vec::new()),
            (true, _) => SampleData::F32(Vec::new()),
            (false, 1) => SampleData::U8(Vec::new()),
            (false, 3) => SampleData::I24(Vec::new()),
            (false, 4) => SampleData::I32(Vec::new()),
            _ => SampleData::I16(Vec::new()),
        }
    }

    /// An empty buffer for what `codec` decodes to.
    pub fn for_codec(codec: SoundCodec) -> SampleData {
        match codec {
            SoundCodec::Pcm(p) => SampleData::for_pcm(p),
            _ => SampleData::I16(Vec::new()),
        }
    }

    /// An empty buffer of the same variant.
    pub fn empty_like(&self) -> SampleData {
        match self {
            SampleData::U8(_) => SampleData::U8(Vec::new()),
            SampleData::I16(_) => SampleData::I16(Vec::new()),
            SampleData::I24(_) => SampleData::I24(Vec::new()),
            SampleData::I32(_) => SampleData::I32(Vec::new()),
            SampleData::F32(_) => SampleData::F32(Vec::new()),
            SampleData::F64(_) => SampleData::F64(Vec::new()),
        }
    }

    /// Bytes one sample takes in memory.
    pub fn sample_bytes(&self) -> u64 {
        match self {
            SampleData::U8(_) => 1,
            SampleData::I16(_) => 2,
            SampleData::I24(_) | SampleData::I32(_) | SampleData::F32(_) => 4,
            SampleData::F64(_) => 8,
        }
    }

    /// Number of samples (all channels).
    pub fn len(&self) -> usize {
        match self {
            SampleData::U8(v) => v.len(),
            SampleData::I16(v) => v.len(),
            SampleData::I24(v) | SampleData::I32(v) => v.len(),
            SampleData::F32(v) => v.len(),
            SampleData::F64(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reserves room for `n` more samples.
    pub fn reserve(&mut self, n: usize) {
        match self {
            SampleData::U8(v) => v.reserve_exact(n),
            SampleData::I16(v) => v.reserve_exact(n),
            SampleData::I24(v) | SampleData::I32(v) => v.reserve_exact(n),
            SampleData::F32(v) => v.reserve_exact(n),
            SampleData::F64(v) => v.reserve_exact(n),
        }
    }

    /// Keeps the first `n` samples.
    pub fn truncate(&mut self, n: usize) {
        match self {
            SampleData::U8(v) => v.truncate(n),
            SampleData::I16(v) => v.truncate(n),
            SampleData::I24(v) | SampleData::I32(v) => v.truncate(n),
            SampleData::F32(v) => v.truncate(n),
            SampleData::F64(v) => v.truncate(n),
        }
    }

    /// Appends `n` samples of silence.
    pub fn extend_silence(&mut self, n: usize) {
        match self {
            SampleData::U8(v) => v.resize(v.len() + n, 0x80),
            SampleData::I16(v) => v.resize(v.len() + n, 0),
            SampleData::I24(v) | SampleData::I32(v) => v.resize(v.len() + n, 0),
            SampleData::F32(v) => v.resize(v.len() + n, 0.0),
            SampleData::F64(v) => v.resize(v.len() + n, 0.0),
        }
    }

    /// Appends samples `range` of `other`, which has the same variant.
    pub fn extend_from(&mut self, other: &SampleData, range: std::ops::Range<usize>) {
        match (self, other) {
            (SampleData::U8(a), SampleData::U8(b)) => a.extend_from_slice(&b[range]),
            (SampleData::I16(a), SampleData::I16(b)) => a.extend_from_slice(&b[range]),
            (SampleData::I24(a), SampleData::I24(b)) | (SampleData::I32(a), SampleData::I32(b)) => {
                a.extend_from_slice(&b[range])
            }
            (SampleData::F32(a), SampleData::F32(b)) => a.extend_from_slice(&b[range]),
            (SampleData::F64(a), SampleData::F64(b)) => a.extend_from_slice(&b[range]),
            _ => {}
        }
    }

    /// Sample `i` scaled to -1.0..1.0 (integers divided by 2^(bits-1), as
    /// ffmpeg converts them to floats); 0 past the end.
    pub fn get_f64(&self, i: usize) -> f64 {
        match self {
            SampleData::U8(v) => v.get(i).map_or(0.0, |&s| (f64::from(s) - 128.0) / 128.0),
            SampleData::I16(v) => v.get(i).map_or(0.0, |&s| f64::from(s) / 32768.0),
            SampleData::I24(v) => v.get(i).map_or(0.0, |&s| f64::from(s) / 8_388_608.0),
            SampleData::I32(v) => v.get(i).map_or(0.0, |&s| f64::from(s) / 2_147_483_648.0),
            SampleData::F32(v) => v.get(i).map_or(0.0, |&s| f64::from(s)),
            SampleData::F64(v) => v.get(i).copied().unwrap_or(0.0),
        }
    }

    /// Every sample as `f32` in -1.0..1.0 (what playback mixes).
    pub fn to_f32(&self) -> Vec<f32> {
        match self {
            SampleData::F32(v) => v.clone(),
            _ => (0..self.len()).map(|i| self.get_f64(i) as f32).collect(),
        }
    }
}
