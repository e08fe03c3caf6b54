//! WAV files (RIFF `WAVE`, Microsoft's "Multimedia Programming Interface and
//! Data Specifications 1.0" and its `WAVE_FORMAT_EXTENSIBLE` addendum):
//! the decoded samples at the precision they were stored with — 8-bit
//! unsigned, 16/24/32-bit signed integers, 32/64-bit IEEE floats.
//! `WAVE_FORMAT_EXTENSIBLE` is used where the addendum asks for it (more
//! than two channels or more than 16 bits), with the speaker mask of the
//! usual layouts (mono, stereo, …) and none for others.

use super::samples::SampleData;

/// The bytes of a WAV file holding `data` (interleaved, `channels` channels)
/// at `rate` frames per second (rounded to a whole number, as WAV stores it).
pub fn wav_bytes(data: &SampleData, channels: u16, rate: f64) -> Vec<u8> {
    let (bits, float) = match data {
        SampleData::U8(_) => (8u16, false),
        SampleData::I16(_) => (16, false),
        SampleData::I24(_) => (24, false),
        SampleData::I32(_) => (32, false),
        SampleData::F32(_) => (32, true),
        SampleData::F64(_) => (64, true),
    };
    let block = u32::from(channels) * u32::from(bits / 8);
    let rate = rate.round().clamp(1.0, f64::from(u32::MAX)) as u32;
    let extensible = channels > 2 || bits > 16;
    let mut payload = Vec::with_capacity(data.len() * usize::from(bits / 8));
    match data {
        SampleData::U8(v) => payload.extend_from_slice(v),
        SampleData::I16(v) => v.iter().for_each(|s| payload.extend(s.to_le_bytes())),
        SampleData::I24(v) => v
            .iter()
            .for_each(|s| payload.extend_from_slice(&s.to_le_bytes()[..3])),
        SampleData::I32(v) => v.iter().for_each(|s| payload.extend(s.to_le_bytes())),
        SampleData::F32(v) => v.iter().for_each(|s| payload.extend(s.to_le_bytes())),
        SampleData::F64(v) => v.iter().for_each(|s| payload.extend(s.to_le_bytes())),
    }
    let tag: u16 = if float { 3 } else { 1 };
    let mut fmt = Vec::new();
    fmt.extend((if extensible { 0xFFFEu16 } else { tag }).to_le_bytes());
    fmt.extend(channels.to_le_bytes());
    fmt.extend(rate.to_le_bytes());
    fmt.extend(rate.saturating_mul(block).to_le_bytes());
    fmt.extend((block as u16).to_le_bytes());
    fmt.extend(bits.to_le_bytes());
    if extensible {
        fmt.extend(22u16.to_le_bytes());
        fmt.extend(bits.to_le_bytes());
        let mask: u32 = match channels {
            1 => 0x4,
            2 => 0x3,
            4 => 0x33,
            6 => 0x3F,
            _ => 0,
        };
        fmt.extend(mask.to_le_bytes());
        // The subformat GUID: the format tag, then 0000-0010-8000-00AA00389B71.
        fmt.extend(u32::from(tag).to_le_bytes());
        fmt.extend([
            0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
        ]);
    }
    let mut out = Vec::with_capacity(payload.len() + 80);
    let pad = payload.len() % 2;
    let riff_len = 4 + 8 + fmt.len() + 8 + payload.len() + pad;
    out.extend(b"RIFF");
    out.extend((riff_len.min(u32::MAX as usize) as u32).to_le_bytes());
    out.extend(b"WAVE");
    out.extend(b"fmt ");
    out.extend((fmt.len() as u32).to_le_bytes());
    out.extend(&fmt);
    out.extend(b"data");
    out.extend((payload.len().min(u32::MAX as usize) as u32).to_le_bytes());
    out.extend(&payload);
    if pad == 1 {
        out.push(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mono_16_bit_file_is_the_canonical_44_byte_header_and_samples() {
        let w = wav_bytes(&SampleData::I16(vec![1, -2]), 1, 22050.0);
        assert_eq!(w.len(), 44 + 4);
        assert_eq!(&w[0..4], b"RIFF");
        assert_eq!(u32::from_le_bytes([w[4], w[5], w[6], w[7]]), 40);
        assert_eq!(&w[36..40], b"data");
        assert_eq!(&w[44..], &[1, 0, 0xFE, 0xFF]);
        assert_eq!(u32::from_le_bytes([w[24], w[25], w[26], w[27]]), 22050);
    }

    #[test]
    fn wide_samples_use_the_extensible_header() {
        let w = wav_bytes(&SampleData::I24(vec![-1]), 1, 8000.0);
        assert_eq!(u16::from_le_bytes([w[20], w[21]]), 0xFFFE);
        assert_eq!(&w[w.len() - 4..], &[0xFF, 0xFF, 0xFF, 0]);
    }
}
