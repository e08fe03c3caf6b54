//! Uncompressed video (`raw `): every sample is one whole picture, rows top to
//! bottom, pixels left to right.
//!
//! | depth | pixels |
//! |---|---|
//! | 1, 2, 4, 8 | palette indices, packed most significant bits first |
//! | 16 | RGB 5-5-5 big-endian (top bit unused) |
//! | 24 | R G B |
//! | 32 | A R G B |
//! | 33, 34, 36, 40 | 1-, 2-, 4-, 8-bit indices into the grey ramp (or the colour table) |
//!
//! Nothing maintained in Rust reads this QuickTime layout (the palette depths,
//! the big-endian 5-5-5, the row padding rules), and the work is a few lines
//! per depth, so it is written here by hand.
//!
//! The reference is ffmpeg (its `mov` demuxer and `rawvideo` decoder), whose
//! behaviour this mirrors exactly:
//!
//! * Palette depths (grey depths lose the grey flag and use the stream's
//!   palette, i.e. the grey ramp with white at index 0) take the row stride
//!   from the sample: `sample length / height` bytes, each row's pixels at the
//!   start of its stride. A sample whose stride cannot hold a row is an error.
//! * Direct-colour depths need at least `width × height × bytes per pixel`
//!   bytes; the rows are padded to a multiple of 4 bytes when the sample is
//!   long enough to hold padded rows, else they are packed.
//! * 16-bit pixels widen 5 to 8 bits by bit replication (`v << 3 | v >> 2`),
//!   as ffmpeg's conversion to RGB24 does.
//! * 32-bit pixels keep their alpha byte, as ffmpeg's ARGB output does.

use super::{DecodeError, Decoder, Frame, FrameKind, StreamInfo, Unsupported};

/// Decoder for `raw ` streams.
pub struct RawDecoder {
    width: usize,
    height: usize,
    /// Bits per pixel without the grey flag: 1, 2, 4, 8, 16, 24 or 32.
    bits: u16,
}

impl RawDecoder {
    /// A decoder for the stream, or why it cannot be decoded.
    pub fn new(info: &StreamInfo) -> Result<Self, Unsupported> {
        match info.depth {
            1 | 2 | 4 | 8 | 16 | 24 | 32 | 33 | 34 | 36 | 40 => Ok(RawDecoder {
                width: info.width as usize,
                height: info.height as usize,
                bits: info.bits(),
            }),
            d => Err(Unsupported::Depth(info.codec, d)),
        }
    }

    fn check_frame(&self, frame: &Frame) -> Result<(), DecodeError> {
        frame.check_shape(self.width, self.height, self.kind())
    }

    /// Depths 1, 2, 4 and 8: rows of packed indices at a stride of
    /// `sample length / height` bytes.
    fn decode_indexed(&self, sample: &[u8], out: &mut [u8]) -> Result<(), DecodeError> {
        let (w, h) = (self.width, self.height);
        let bits = usize::from(self.bits);
        let row_bytes = (w * bits).div_ceil(8);
        let stride = sample.len() / h;
        if stride < row_bytes {
            // Show the whole rows there are, then say what is missing.
            for (src, dst) in sample.chunks_exact(row_bytes).zip(out.chunks_exact_mut(w)) {
                match bits {
                    8 => dst.copy_from_slice(src),
                    _ => unpack_row(src, dst, bits),
                }
            }
            return Err(DecodeError::at(
                sample.len(),
                format!(
                    "the sample has {} bytes, too few for {h} rows of {row_bytes} bytes",
                    sample.len()
                ),
            ));
        }
        for (src, dst) in sample.chunks_exact(stride).zip(out.chunks_exact_mut(w)) {
            let src = &src[..row_bytes];
            match bits {
                8 => dst.copy_from_slice(src),
                _ => unpack_row(src, dst, bits),
            }
        }
        Ok(())
    }

    /// Depths 16 (into RGBA), 24 and 32 (their rows as stored).
    fn decode_direct(&self, sample: &[u8], out: &mut [u8]) -> Result<(), DecodeError> {
        let (w, h) = (self.width, self.height);
        let bpp = usize::from(self.bits / 8);
        let line = w * bpp;
        let out_line = w * self.kind().bytes_per_pixel();
        let row = |src: &[u8], dst: &mut [u8]| match bpp {
            2 => rgb555_row(src, dst),
            _ => dst.copy_from_slice(src),
        };
        if sample.len() < line * h {
            // Show the whole rows there are, then say what is missing.
            for (src, dst) in sample
                .chunks_exact(line)
                .zip(out.chunks_exact_mut(out_line))
            {
                row(src, dst);
            }
            return Err(DecodeError::at(
                sample.len(),
                format!(
                    "the sample has {} bytes, too few for {w}×{h} pixels of {} bits ({} bytes)",
                    sample.len(),
                    self.bits,
                    line * h
                ),
            ));
        }
        let padded = line.next_multiple_of(4);
        let stride = if padded * h <= sample.len() {
            padded
        } else {
            line
        };
        for (src, dst) in sample.chunks(stride).zip(out.chunks_exact_mut(out_line)) {
            row(&src[..line], dst);
        }
        Ok(())
    }
}

/// Unpacks 1-, 2- or 4-bit indices, most significant bits first.
fn unpack_row(src: &[u8], dst: &mut [u8], bits: usize) {
    let per = 8 / bits;
    let mask = (1u8 << bits) - 1;
    for (px, &byte) in dst.chunks_mut(per).zip(src) {
        for (k, p) in px.iter_mut().enumerate() {
            *p = (byte >> (8 - bits * (k + 1))) & mask;
        }
    }
}

/// Big-endian RGB 5-5-5 (top bit unused) to RGBA, each component widened to
/// 8 bits by bit replication.
#[inline(always)]
pub(super) fn rgb555_pixel(hi: u8, lo: u8) -> [u8; 4] {
    let v = u32::from(u16::from_be_bytes([hi, lo]));
    // R, G, B in bytes 0, 1, 2; then v << 3 | v >> 2 within each byte.
    let x = ((v >> 10) & 31) | (((v >> 5) & 31) << 8) | ((v & 31) << 16);
    let y = (x << 3) | ((x >> 2) & 0x0007_0707);
    (y | 0xFF00_0000).to_le_bytes()
}

/// Big-endian RGB 5-5-5 pixels to RGBA.
pub(super) fn rgb555_row(src: &[u8], dst: &mut [u8]) {
    for (d, s) in dst.chunks_exact_mut(4).zip(src.chunks_exact(2)) {
        d.copy_from_slice(&rgb555_pixel(s[0], s[1]));
    }
}

/// R G B pixels to RGBA (alpha 255).
pub(super) fn rgb24_row(src: &[u8], dst: &mut [u8]) {
    // Eight pixels at a time: three little-endian u64 in, four out.
    const A: u64 = 0xFF00_0000_FF00_0000;
    const LO: u64 = 0x00FF_FFFF;
    const HI: u64 = 0x00FF_FFFF_0000_0000;
    let mut d8 = dst.chunks_exact_mut(32);
    let mut s8 = src.chunks_exact(24);
    for (d, s) in (&mut d8).zip(&mut s8) {
        let word = |i: usize| {
            u64::from_le_bytes([
                s[i],
                s[i + 1],
                s[i + 2],
                s[i + 3],
                s[i + 4],
                s[i + 5],
                s[i + 6],
                s[i + 7],
            ])
        };
        let (a, b, c) = (word(0), word(8), word(16));
        let q0 = (a & LO) | ((a << 8) & HI) | A;
        let q1 = (((a >> 48) | (b << 16)) & LO) | ((b << 24) & HI) | A;
        let q2 = ((b >> 32) & LO) | ((((b >> 56) | (c << 8)) << 32) & HI) | A;
        let q3 = ((c >> 16) & LO) | ((c >> 8) & HI) | A;
        d[0..8].copy_from_slice(&q0.to_le_bytes());
        d[8..16].copy_from_slice(&q1.to_le_bytes());
        d[16..24].copy_from_slice(&q2.to_le_bytes());
        d[24..32].copy_from_slice(&q3.to_le_bytes());
    }
    for (d, s) in d8
        .into_remainder()
        .chunks_exact_mut(4)
        .zip(s8.remainder().chunks_exact(3))
    {
        d.copy_from_slice(&[s[0], s[1], s[2], 255]);
    }
}

/// A R G B pixels to RGBA.
pub(super) fn argb_row(src: &[u8], dst: &mut [u8]) {
    for (d, s) in dst.chunks_exact_mut(4).zip(src.chunks_exact(4)) {
        let v = u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
        d.copy_from_slice(&v.rotate_right(8).to_le_bytes());
    }
}

impl Decoder for RawDecoder {
    fn kind(&self) -> FrameKind {
        match self.bits {
            0..=8 => FrameKind::Indexed,
            24 => FrameKind::Rgb,
            32 => FrameKind::Argb,
            _ => FrameKind::Rgba,
        }
    }

    fn stored_as_is(&self, len: usize) -> bool {
        // Packed rows of 8-bit indices, R G B or A R G B: the frame's layout.
        matches!(self.bits, 8 | 24 | 32)
            && self
                .width
                .checked_mul(self.height)
                .and_then(|n| n.checked_mul(usize::from(self.bits / 8)))
                == Some(len)
    }

    fn decode(&mut self, sample: &[u8], _sync: bool, frame: &mut Frame) -> Result<(), DecodeError> {
        self.check_frame(frame)?;
        if self.bits <= 8 {
            self.decode_indexed(sample, &mut frame.data)
        } else {
            self.decode_direct(sample, &mut frame.data)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Palette;
    use crate::container::FourCC;
    use crate::limits::Limits;

    fn info(w: u32, h: u32, depth: u16) -> StreamInfo {
        StreamInfo {
            codec: FourCC(*b"raw "),
            width: w,
            height: h,
            depth,
            palette: (depth != 32 && depth & 0x1F <= 8).then(|| Palette::mac_default(depth & 0x1F)),
        }
    }

    fn decode(w: u32, h: u32, depth: u16, sample: &[u8]) -> Result<Frame, DecodeError> {
        let info = info(w, h, depth);
        let mut d = RawDecoder::new(&info).unwrap();
        let mut f = Frame::new(w, h, d.kind(), info.palette.clone(), &Limits::default()).unwrap();
        d.decode(sample, true, &mut f)?;
        Ok(f)
    }

    #[test]
    fn depths_supported() {
        for d in [1, 2, 4, 8, 16, 24, 32, 33, 34, 36, 40] {
            assert!(RawDecoder::new(&info(4, 4, d)).is_ok(), "depth {d}");
        }
        for d in [0, 3, 15, 12, 35, 48, 64] {
            assert!(RawDecoder::new(&info(4, 4, d)).is_err(), "depth {d}");
        }
    }

    #[test]
    fn one_bit_rows_at_sample_stride() {
        // 10 pixels per row need 2 bytes; the sample gives each row 3.
        let s = [
            0b1010_0000,
            0b1100_0000,
            0xEE,
            0b0111_1111,
            0b1111_1111,
            0xEE,
        ];
        let f = decode(10, 2, 1, &s).unwrap();
        assert_eq!(
            f.data,
            [1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]
        );
    }

    #[test]
    fn two_and_four_bit() {
        let f = decode(5, 1, 2, &[0b00_01_10_11, 0b10_00_00_00]).unwrap();
        assert_eq!(f.data, [0, 1, 2, 3, 2]);
        let f = decode(3, 2, 36, &[0x12, 0x30, 0xAB, 0xC0]).unwrap();
        assert_eq!(f.data, [1, 2, 3, 0xA, 0xB, 0xC]);
    }

    #[test]
    fn eight_bit_stride() {
        let f = decode(3, 2, 8, &[1, 2, 3, 9, 4, 5, 6, 9]).unwrap();
        assert_eq!(f.data, [1, 2, 3, 4, 5, 6]);
        // A stride shorter than a row is an error.
        assert!(decode(3, 2, 8, &[1, 2, 3, 4, 5]).is_err());
        assert!(decode(3, 2, 8, &[1]).is_err());
    }

    #[test]
    fn rgb555() {
        // 0x7FFF white, 0x001F blue, 0x4210 = (16,16,16), 0x8000 black (top bit ignored).
        let s = [0x7F, 0xFF, 0x00, 0x1F, 0x42, 0x10, 0x80, 0x00];
        let f = decode(4, 1, 16, &s).unwrap();
        assert_eq!(
            f.to_rgb24(),
            [255, 255, 255, 0, 0, 255, 0x84, 0x84, 0x84, 0, 0, 0]
        );
    }

    #[test]
    fn rgb24_packed_and_padded() {
        // 1×2: rows of 3 bytes; packed when the sample has 6 bytes, padded to 4 with 8.
        // Frames keep R G B as stored; RGBA when the picture is made.
        let f = decode(1, 2, 24, &[1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(f.kind, FrameKind::Rgb);
        assert_eq!(f.data, [1, 2, 3, 4, 5, 6]);
        assert_eq!(f.to_rgba(), [1, 2, 3, 255, 4, 5, 6, 255]);
        let f = decode(1, 2, 24, &[1, 2, 3, 0, 4, 5, 6, 0]).unwrap();
        assert_eq!(f.to_rgba(), [1, 2, 3, 255, 4, 5, 6, 255]);
        // 7 bytes: too short for padded rows, so packed.
        let f = decode(1, 2, 24, &[1, 2, 3, 4, 5, 6, 7]).unwrap();
        assert_eq!(f.to_rgba(), [1, 2, 3, 255, 4, 5, 6, 255]);
        assert!(decode(1, 2, 24, &[1, 2, 3, 4, 5]).is_err());
    }

    #[test]
    fn argb_keeps_alpha() {
        let f = decode(2, 1, 32, &[9, 1, 2, 3, 0, 4, 5, 6]).unwrap();
        assert_eq!(f.kind, FrameKind::Argb);
        assert_eq!(f.to_rgba(), [1, 2, 3, 9, 4, 5, 6, 0]);
        assert_eq!(f.to_rgb24(), [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn wrong_frame_is_an_error() {
        let info = info(4, 4, 24);
        let mut d = RawDecoder::new(&info).unwrap();
        let mut f = Frame::new(4, 3, FrameKind::Rgba, None, &Limits::default()).unwrap();
        assert!(d.decode(&[0; 48], true, &mut f).is_err());
        let mut f = Frame::new(4, 4, FrameKind::Indexed, None, &Limits::default()).unwrap();
        assert!(d.decode(&[0; 48], true, &mut f).is_err());
    }

    #[test]
    fn random_samples_never_panic() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for depth in [1, 2, 4, 8, 16, 24, 32, 34, 40] {
            for _ in 0..300 {
                let w = (next() % 9 + 1) as u32;
                let h = (next() % 9 + 1) as u32;
                let len = (next() % 400) as usize;
                let s: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                let r = decode(w, h, depth, &s);
                let bits = usize::from(if depth > 32 { depth - 32 } else { depth });
                let row = (w as usize * bits).div_ceil(8);
                if len < row * h as usize {
                    assert!(r.is_err(), "depth {depth} {w}×{h} len {len}");
                } else {
                    assert!(r.is_ok(), "depth {depth} {w}×{h} len {len}");
                }
            }
        }
    }
}
