//! Linear PCM (`raw `, `NONE`, `twos`, `sowt`, `in24`, `in32`, `fl32`,
//! `fl64`, `lpcm`) and G.711 (`ulaw`, `alaw`): each stored sample becomes one
//! decoded sample.
//!
//! G.711's expansion (ITU-T Recommendation G.711, 1988) is computed, not
//! tabled: µ-law inverts the byte, and the magnitude is the mantissa with the
//! bias 0x84 added, shifted by the exponent, less the bias; A-law inverts the
//! even bits (XOR 0x55), and the magnitude is the mantissa shifted by four
//! plus half a step (8), shifted by the exponent with the implicit leading
//! bit (0x108) when the exponent is above zero. Both come out as 16-bit
//! values (µ-law ±32124, A-law ±32256).

use super::desc::Pcm;
use super::samples::SampleData;

/// Appends the samples of `bytes` (whole samples; a trailing partial one is
/// dropped) to `out`, which has the layout [`SampleData::for_pcm`] made.
pub fn decode_pcm(p: Pcm, bytes: &[u8], out: &mut SampleData) {
    let n = usize::from(p.bytes.max(1));
    let chunks = bytes.chunks_exact(n);
    match out {
        SampleData::U8(v) => v.extend(chunks.map(|b| if p.signed { b[0] ^ 0x80 } else { b[0] })),
        SampleData::I16(v) => v.extend(chunks.map(|b| {
            if p.big_endian {
                i16::from_be_bytes([b[0], b[1]])
            } else {
                i16::from_le_bytes([b[0], b[1]])
            }
        })),
        SampleData::I24(v) => v.extend(chunks.map(|b| {
            let (hi, mid, lo) = if p.big_endian {
                (b[0], b[1], b[2])
            } else {
                (b[2], b[1], b[0])
            };
            // Sign-extend from bit 23: the value sits in the top three bytes, then shifts down.
            i32::from_be_bytes([hi, mid, lo, 0]) >> 8
        })),
        SampleData::I32(v) => v.extend(chunks.map(|b| {
            let a = [b[0], b[1], b[2], b[3]];
            if p.big_endian {
                i32::from_be_bytes(a)
            } else {
                i32::from_le_bytes(a)
            }
        })),
        SampleData::F32(v) => v.extend(chunks.map(|b| {
            let a = [b[0], b[1], b[2], b[3]];
            if p.big_endian {
                f32::from_be_bytes(a)
            } else {
                f32::from_le_bytes(a)
            }
        })),
        SampleData::F64(v) => v.extend(chunks.map(|b| {
            let a = [b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]];
            if p.big_endian {
                f64::from_be_bytes(a)
            } else {
                f64::from_le_bytes(a)
            }
        })),
    }
}

/// One µ-law byte as a 16-bit sample.
pub fn mu_law(byte: u8) -> i16 {
    let v = !byte;
    let exponent = (v >> 4) & 7;
    let mantissa = i32::from(v & 0x0F);
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    (if v & 0x80 != 0 { -magnitude } else { magnitude }) as i16
}

/// One A-law byte as a 16-bit sample.
pub fn a_law(byte: u8) -> i16 {
    let v = byte ^ 0x55;
    let exponent = (v >> 4) & 7;
    let mantissa = i32::from(v & 0x0F);
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    // The sign bit set means positive in A-law.
    (if v & 0x80 != 0 { magnitude } else { -magnitude }) as i16
}

/// Appends G.711 bytes expanded by `law` to `out`.
pub fn decode_g711(law: fn(u8) -> i16, bytes: &[u8], out: &mut Vec<i16>) {
    out.extend(bytes.iter().map(|&b| law(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g711_extremes_and_zero() {
        assert_eq!(mu_law(0x00), -32124);
        assert_eq!(mu_law(0x80), 32124);
        assert_eq!(mu_law(0xFF), 0);
        assert_eq!(mu_law(0x7F), 0);
        assert_eq!(a_law(0xAA), 32256);
        assert_eq!(a_law(0x2A), -32256);
        assert_eq!(a_law(0xD5), 8);
        assert_eq!(a_law(0x55), -8);
    }

    #[test]
    fn pcm_layouts() {
        let p = |bytes, float, signed, big_endian| Pcm {
            bytes,
            float,
            signed,
            big_endian,
        };
        let mut out = SampleData::for_pcm(p(3, false, true, true));
        decode_pcm(
            p(3, false, true, true),
            &[0xFF, 0xFF, 0xFE, 0x7F, 0, 1, 9],
            &mut out,
        );
        assert_eq!(out, SampleData::I24(vec![-2, 0x7F0001]));
        let mut out = SampleData::for_pcm(p(1, false, true, true));
        decode_pcm(p(1, false, true, true), &[0x80, 0x00, 0x7F], &mut out);
        assert_eq!(out, SampleData::U8(vec![0, 0x80, 0xFF]));
        let mut out = SampleData::for_pcm(p(2, false, true, false));
        decode_pcm(p(2, false, true, false), &[0x01, 0x80], &mut out);
        assert_eq!(out, SampleData::I16(vec![-32767]));
    }
}
