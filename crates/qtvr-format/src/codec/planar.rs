//! `8BPS` (Planar RGB, the Photoshop compressor) decoder.
//!
//! A sample codes one picture as planes of 8-bit samples, each row of each plane
//! compressed with PackBits:
//!
//! | depth | planes |
//! |---|---|
//! | 8 | one: palette indices (the description's colour table) |
//! | 24 | three: red, green, blue |
//! | 32 | four: red, green, blue, alpha |
//!
//! The sample starts with the coded length of every row, a big-endian `u16`
//! each: `height` of them for the first plane, then the second plane's, and so
//! on. The rows' PackBits data follows, plane by plane, row by row. A PackBits
//! code byte `n` below 128 is followed by `n + 1` literal bytes; a code byte
//! `n` of 128 or more repeats the next byte `257 − n` times (ffmpeg's reading:
//! 128 repeats 129 times, it is not the no-op of Apple's PackBits).
//!
//! Nothing maintained in Rust reads this QuickTime codec, and it is a few lines
//! of PackBits, so it is written here by hand. The reference is ffmpeg's
//! `8bps` decoder, whose output for well-formed samples this matches exactly
//! (depth 32 keeps the fourth plane as alpha, as ffmpeg's RGB32 output does).
//! Like ffmpeg, the row data is read in order: a row's coded length says where
//! its codes stop, not where they start. A row may code fewer pixels than the
//! width (the rest of the row keeps what the frame held); pixels coded past
//! the width are dropped, as ffmpeg drops them into its row padding.
//!
//! Malformed input is an error where ffmpeg would read past a row's coded
//! length or past the sample: a code whose bytes cross the end of its row's
//! coded length, and a sample too short for its length tables or its rows. The
//! rows decoded before the problem are kept.

use super::{DecodeError, Decoder, Frame, FrameKind, StreamInfo, Unsupported};

/// Decoder for `8BPS` streams.
pub struct PlanarDecoder {
    width: usize,
    height: usize,
    /// 1 (indices), 3 (RGB) or 4 (RGBA).
    planes: usize,
}

impl PlanarDecoder {
    /// A decoder for the stream, or why it cannot be decoded (depths 8, 24 and 32).
    pub fn new(info: &StreamInfo) -> Result<Self, Unsupported> {
        if info.codec.0 != *b"8BPS" {
            return Err(Unsupported::Codec(info.codec));
        }
        let planes = match info.depth {
            8 => 1,
            24 => 3,
            32 => 4,
            d => return Err(Unsupported::Depth(info.codec, d)),
        };
        Ok(PlanarDecoder {
            width: info.width as usize,
            height: info.height as usize,
            planes,
        })
    }

    /// Bytes per pixel of the frame: 1 (indexed) or 4 (RGBA).
    fn step(&self) -> usize {
        self.kind().bytes_per_pixel()
    }
}

/// Decodes one row's PackBits codes, `sample[pos..end]`, into every `step`-th byte of
/// `dst` (the frame row, starting at the plane's channel).
fn unpack_row(
    sample: &[u8],
    mut pos: usize,
    end: usize,
    dst: &mut [u8],
    step: usize,
    what: impl Fn() -> String,
) -> Result<(), DecodeError> {
    let width = dst.len().div_ceil(step);
    let mut x = 0;
    // Every row of every plane, the load's flag.
    super::check_interrupt(pos)?;
    while pos < end {
        let Some(&code) = sample.get(pos) else {
            return Err(DecodeError::truncated(sample.len()));
        };
        let (count, literal) = if code < 128 {
            (usize::from(code) + 1, true)
        } else {
            (257 - usize::from(code), false)
        };
        let data_len = if literal { count } else { 1 };
        let next = pos + 1 + data_len;
        if next > end && end <= sample.len() {
            return Err(DecodeError::at(
                pos,
                format!(
                    "a {} of {count} pixels needs {data_len} byte(s) after its code but {} ends at byte {end}",
                    if literal { "literal run" } else { "repeat run" },
                    what()
                ),
            ));
        }
        if next > sample.len() {
            return Err(DecodeError::truncated(sample.len()));
        }
        let n = count.min(width.saturating_sub(x));
        let out = dst.iter_mut().skip(x * step).step_by(step).take(n);
        if literal {
            for (o, &v) in out.zip(&sample[pos + 1..next]) {
                *o = v;
            }
        } else {
            let v = sample[pos + 1];
            for o in out {
                *o = v;
            }
        }
        x += count;
        pos = next;
    }
    Ok(())
}

impl Decoder for PlanarDecoder {
    fn kind(&self) -> FrameKind {
        if self.planes == 1 {
            FrameKind::Indexed
        } else {
            FrameKind::Rgba
        }
    }

    fn decode(&mut self, sample: &[u8], _sync: bool, frame: &mut Frame) -> Result<(), DecodeError> {
        let (w, h, planes) = (self.width, self.height, self.planes);
        frame.check_shape(w, h, self.kind())?;
        let tables = planes * h * 2;
        if sample.len() < tables {
            return Err(DecodeError::at(
                sample.len(),
                format!(
                    "the sample has {} bytes, too few for the row lengths of {planes} plane(s) of {h} rows ({tables} bytes)",
                    sample.len()
                ),
            ));
        }
        let step = self.step();
        let row_bytes = w * step;
        let mut pos = tables;
        for p in 0..planes {
            for (row, dst) in frame.data.chunks_exact_mut(row_bytes).enumerate() {
                let at = (p * h + row) * 2;
                let len = usize::from(u16::from_be_bytes([sample[at], sample[at + 1]]));
                let end = pos + len;
                let what = || format!("row {row} of plane {p} (coded length at byte {at})");
                unpack_row(sample, pos, end, &mut dst[p..], step, what)?;
                pos = end;
            }
        }
        Ok(())
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
            codec: FourCC(*b"8BPS"),
            width: w,
            height: h,
            depth,
            palette: (depth == 8).then(|| Palette::mac_default(8)),
        }
    }

    fn decode(w: u32, h: u32, depth: u16, sample: &[u8]) -> (Frame, Result<(), DecodeError>) {
        let info = info(w, h, depth);
        let mut d = PlanarDecoder::new(&info).unwrap();
        let mut f = Frame::new(w, h, d.kind(), info.palette.clone(), &Limits::default()).unwrap();
        let r = d.decode(sample, true, &mut f);
        (f, r)
    }

    /// PackBits for one row: repeats for runs of 3 or more, literals otherwise.
    fn pack(row: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < row.len() {
            let mut r = 1;
            while i + r < row.len() && r < 128 && row[i + r] == row[i] {
                r += 1;
            }
            if r >= 3 {
                out.extend_from_slice(&[(257 - r) as u8, row[i]]);
                i += r;
                continue;
            }
            let start = i;
            while i < row.len() && i - start < 128 {
                if i + 2 < row.len() && row[i] == row[i + 1] && row[i] == row[i + 2] {
                    break;
                }
                i += 1;
            }
            out.push((i - start - 1) as u8);
            out.extend_from_slice(&row[start..i]);
        }
        out
    }

    /// A sample from planes of rows.
    fn sample(planes: &[Vec<Vec<u8>>]) -> Vec<u8> {
        let coded: Vec<Vec<Vec<u8>>> = planes
            .iter()
            .map(|rows| rows.iter().map(|r| pack(r)).collect())
            .collect();
        let mut s = Vec::new();
        for rows in &coded {
            for r in rows {
                s.extend_from_slice(&(r.len() as u16).to_be_bytes());
            }
        }
        for rows in &coded {
            for r in rows {
                s.extend_from_slice(r);
            }
        }
        s
    }

    #[test]
    fn depths_supported() {
        for d in [8, 24, 32] {
            assert!(PlanarDecoder::new(&info(4, 4, d)).is_ok(), "depth {d}");
        }
        for d in [1, 16, 40, 0] {
            assert!(PlanarDecoder::new(&info(4, 4, d)).is_err(), "depth {d}");
        }
    }

    #[test]
    fn rgb_planes_with_literals_and_repeats() {
        // 5×2 (odd width), rows with both runs.
        let r = vec![vec![1, 2, 9, 9, 9], vec![7, 7, 7, 7, 3]];
        let g = vec![vec![10, 11, 12, 13, 14], vec![0; 5]];
        let b = vec![vec![200; 5], vec![5, 6, 5, 6, 5]];
        let s = sample(&[r.clone(), g.clone(), b.clone()]);
        let (f, res) = decode(5, 2, 24, &s);
        res.unwrap();
        for y in 0..2 {
            for x in 0..5 {
                assert_eq!(
                    &f.data[(y * 5 + x) * 4..][..4],
                    &[r[y][x], g[y][x], b[y][x], 255],
                    "({x},{y})"
                );
            }
        }
        // The same with an alpha plane.
        let a = vec![vec![0, 64, 128, 192, 255], vec![9; 5]];
        let s = sample(&[r.clone(), g.clone(), b.clone(), a.clone()]);
        let (f, res) = decode(5, 2, 32, &s);
        res.unwrap();
        assert_eq!(&f.data[4..8], &[2, 11, 200, 64]);
        assert_eq!(&f.data[36..40], &[3, 0, 5, 9]);
    }

    #[test]
    fn indexed() {
        let s = sample(&[vec![vec![0, 0, 0, 255], vec![4, 5, 6, 7], vec![1; 4]]]);
        let (f, res) = decode(4, 3, 8, &s);
        res.unwrap();
        assert_eq!(f.kind, FrameKind::Indexed);
        assert_eq!(f.data, [0, 0, 0, 255, 4, 5, 6, 7, 1, 1, 1, 1]);
    }

    #[test]
    fn code_128_repeats_129_times_and_extra_pixels_are_dropped() {
        // One 3-pixel row: 0x80 repeats 129 times (ffmpeg); the rest fall off.
        let (f, res) = decode(3, 1, 8, &[0, 2, 0x80, 42]);
        res.unwrap();
        assert_eq!(f.data, [42, 42, 42]);
        // A literal longer than the row, then nothing for the next row.
        let (f, res) = decode(2, 2, 8, &[0, 5, 0, 0, 3, 1, 2, 3, 4]);
        res.unwrap();
        assert_eq!(f.data, [1, 2, 0, 0]);
    }

    #[test]
    fn short_rows_keep_the_frame() {
        // Row 0 codes one pixel of three; row 1 none.
        let (f, res) = decode(3, 2, 8, &[0, 2, 0, 0, 0, 7]);
        res.unwrap();
        assert_eq!(f.data, [7, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn a_run_crossing_its_row_end_is_an_error_at_its_code() {
        // Row 0's coded length is 2, but its literal needs 3 bytes: code at byte 4.
        let s = [0, 2, 0, 2, 2, 9, 9, 9, 0, 1];
        let (f, res) = decode(3, 2, 8, &s);
        let e = res.unwrap_err();
        assert_eq!(e.at, Some(4), "{e}");
        assert!(e.what.contains("row 0 of plane 0"), "{e}");
        assert_eq!(f.data, [0; 6]);
        // A repeat whose value byte lies in the next row's data.
        let s = [0, 1, 0, 2, 0xFE, 5, 0, 1];
        let (_, res) = decode(3, 2, 8, &s);
        assert_eq!(res.unwrap_err().at, Some(4));
        // Rows before the problem are kept: row 1 of plane 1 is bad.
        let mut s = sample(&[
            vec![vec![1, 2], vec![3, 4]],
            vec![vec![5, 6], vec![7, 8]],
            vec![vec![9, 9], vec![9, 9]],
        ]);
        s[7] += 1; // plane 1, row 1: one byte more than its codes
        let (f, res) = decode(2, 2, 24, &s);
        assert!(res.is_err());
        assert_eq!(&f.data[..8], &[1, 5, 0, 255, 2, 6, 0, 255]);
    }

    #[test]
    fn truncated_samples_say_where() {
        let s = sample(&[vec![vec![1, 2, 3, 3, 3, 3], vec![4, 5, 6, 7, 8, 9]]]);
        for cut in 0..s.len() {
            let (_, res) = decode(6, 2, 8, &s[..cut]);
            let e = res.unwrap_err();
            assert!(e.at.is_some_and(|at| at <= cut), "cut {cut}: {e}");
            if cut < 4 {
                assert!(e.what.contains("row lengths"), "{e}");
            }
        }
        decode(6, 2, 8, &s).1.unwrap();
    }

    #[test]
    fn wrong_frame_is_an_error() {
        let mut d = PlanarDecoder::new(&info(4, 4, 24)).unwrap();
        let mut f = Frame::new(4, 4, FrameKind::Indexed, None, &Limits::default()).unwrap();
        assert!(d.decode(&[0; 24], true, &mut f).is_err());
    }

    #[test]
    fn random_samples_never_panic() {
        let mut rng = qtvr_testkit::Rng::new(0x2545_F491_4F6C_DD1D);
        for depth in [8, 24, 32] {
            for _ in 0..500 {
                let w = rng.below(9) as u32 + 1;
                let h = rng.below(9) as u32 + 1;
                let len = rng.below(300);
                let mut s = rng.bytes(len);
                // Mostly small row lengths, so decoding gets past the tables.
                for b in s.iter_mut().take(h as usize * 8).step_by(2) {
                    *b = 0;
                }
                let _ = decode(w, h, depth, &s);
            }
        }
    }
}
