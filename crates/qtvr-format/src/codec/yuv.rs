//! Uncompressed 4:2:2 Y′CbCr video: `2vuy`, `yuvs` and `yuv2`.
//!
//! Every sample is one whole picture, rows top to bottom. Each pair of pixels is
//! four bytes, two luma samples sharing one Cb and one Cr sample:
//!
//! | codec | bytes of a pixel pair | chroma |
//! |---|---|---|
//! | `2vuy` | Cb Y0 Cr Y1 | unsigned, 128 = grey |
//! | `yuvs` | Y0 Cb Y1 Cr | unsigned |
//! | `yuv2` | Y0 Cb Y1 Cr | signed: stored XOR 0x80 |
//!
//! The values are BT.601 video range (luma 16–235, chroma 16–240). Nothing in
//! Rust reads these QuickTime layouts or converts them as ffmpeg does, and the
//! work is small, so it is written here by hand.
//!
//! The reference is ffmpeg (its `rawvideo` decoder, then swscale's conversion
//! to RGB24, which the fixtures' references and the sample ground truth use).
//! What it does, mirrored exactly:
//!
//! * Rows are `4 × ⌈width / 2⌉` bytes, one after the other from the start of
//!   the sample (an odd width still codes a whole last pair); a longer sample's
//!   extra bytes are ignored, a shorter one is an error (here the whole rows
//!   the sample holds are shown first, as `raw ` does).
//! * `yuv2`'s chroma is flipped back byte by byte for the odd bytes *below
//!   `2 × width`* of each row, so for an odd width the last pair's Cr is used
//!   as stored (unflipped).
//! * Even widths: each pixel takes the chroma of its own pair, and the
//!   conversion is swscale's lookup-table form of the BT.601 equations, found
//!   by measuring ffmpeg 5.1 on every (Y, Cb) and (Y, Cr) pair and a quarter
//!   of a million random (Y, Cb, Cr) triples, all identical here: each chroma
//!   sample adds an integer offset to the luma *index* (the 16.16 coefficients
//!   1.596, 0.392, 0.813 and 2.017 of the standard, divided by the luma gain
//!   255/219 and truncated), and a clamped linear table maps the index to the
//!   output level, `⌊(76309·i − 1304898) / 2¹⁶⌋`: (i − 16) scaled by 255/219
//!   less about 1.3 (so luma 235 gives 253, not 255).
//! * Odd widths: swscale then works with a chroma sample per pixel, so the
//!   chroma is interpolated across with its default bicubic filter (B = 0,
//!   C = 0.6; each pixel's chroma position mapped into the ⌈width / 2⌉
//!   centred chroma samples at a 16.16 step, five taps that start at the
//!   truncated position − 1.5, tails under 0.002 trimmed, taps beyond the
//!   row folded onto its end, weights normalised to 14 bits with the rounding
//!   error carried along), then converted with the 13-bit fixed-point BT.601
//!   equations in 32-bit arithmetic that wraps past 2³¹ (so a very bright
//!   overshoot comes out 0, as ffmpeg's does). This too is identical to
//!   ffmpeg 5.1, checked on 59 odd widths from 1 to 1199 with random,
//!   ramp and alternating chroma.

use super::{DecodeError, Decoder, Frame, FrameKind, StreamInfo, Unsupported};

/// The byte layout of a pixel pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// `2vuy`: Cb Y0 Cr Y1.
    Uyvy,
    /// `yuvs`: Y0 Cb Y1 Cr.
    Yuyv,
    /// `yuv2`: Y0 Cb Y1 Cr, chroma XOR 0x80.
    YuyvSigned,
}

/// Decoder for `2vuy`, `yuvs` and `yuv2` streams.
pub struct YuvDecoder {
    width: usize,
    height: usize,
    layout: Layout,
    /// For odd widths: the interpolating chroma filter and one row's chroma.
    odd: Option<OddWidth>,
}

/// swscale's horizontal chroma filter for an odd width, and scratch rows.
struct OddWidth {
    filter: ChromaFilter,
    cb: Vec<u8>,
    cr: Vec<u8>,
    luma: Vec<u8>,
}

impl YuvDecoder {
    /// A decoder for the stream, or why it cannot be decoded. Any depth is
    /// accepted (writers store 24; the layout is fixed by the codec).
    pub fn new(info: &StreamInfo) -> Result<Self, Unsupported> {
        let layout = match &info.codec.0 {
            b"2vuy" => Layout::Uyvy,
            b"yuvs" => Layout::Yuyv,
            b"yuv2" => Layout::YuyvSigned,
            _ => return Err(Unsupported::Codec(info.codec)),
        };
        let width = info.width as usize;
        let odd = (width % 2 == 1).then(|| {
            let pairs = width.div_ceil(2);
            OddWidth {
                filter: ChromaFilter::new(pairs, width),
                cb: vec![0; pairs],
                cr: vec![0; pairs],
                luma: vec![0; 2 * pairs],
            }
        });
        Ok(YuvDecoder {
            width,
            height: info.height as usize,
            layout,
            odd,
        })
    }

    /// Bytes per row: whole pixel pairs.
    fn stride(&self) -> usize {
        self.width.div_ceil(2) * 4
    }

    /// The (Y0, Cb, Y1, Cr) of each pair of a coded row.
    fn pairs<'a>(&self, src: &'a [u8]) -> impl Iterator<Item = [u8; 4]> + 'a {
        let layout = self.layout;
        // yuv2: ffmpeg flips the odd bytes below 2 × width, so the Cr of an odd
        // width's last pair stays as stored.
        let pairs = self.width.div_ceil(2);
        let last_cr_flip = if self.width % 2 == 1 { 0 } else { 0x80 };
        src.chunks_exact(4)
            .enumerate()
            .map(move |(p, s)| match layout {
                Layout::Uyvy => [s[1], s[0], s[3], s[2]],
                Layout::Yuyv => [s[0], s[1], s[2], s[3]],
                Layout::YuyvSigned => {
                    let flip = if p + 1 == pairs { last_cr_flip } else { 0x80 };
                    [s[0], s[1] ^ 0x80, s[2], s[3] ^ flip]
                }
            })
    }

    /// Converts one row of coded pairs into `dst` (`4 × width` bytes of RGBA).
    fn row(&mut self, src: &[u8], dst: &mut [u8]) {
        if let Some(mut odd) = self.odd.take() {
            for (p, [y0, cb, y1, cr]) in self.pairs(src).enumerate() {
                odd.luma[2 * p] = y0;
                odd.luma[2 * p + 1] = y1;
                odd.cb[p] = cb;
                odd.cr[p] = cr;
            }
            odd.filter.convert_row(&odd.luma, &odd.cb, &odd.cr, dst);
            self.odd = Some(odd);
            return;
        }
        convert_row(self.layout, src, dst);
    }
}

/// Converts a row of whole pixel pairs of an even width (as an even-width
/// [`FrameKind::Yuv422`] frame stores them) into RGBA.
pub(super) fn convert_row(layout: Layout, src: &[u8], dst: &mut [u8]) {
    // One loop per layout, so that each is straight-line code.
    match layout {
        Layout::Uyvy => convert_pairs(src, dst, |s| [s[1], s[0], s[3], s[2]]),
        Layout::Yuyv => convert_pairs(src, dst, |s| [s[0], s[1], s[2], s[3]]),
        Layout::YuyvSigned => convert_pairs(src, dst, |s| [s[0], s[1] ^ 0x80, s[2], s[3] ^ 0x80]),
    }
}

/// Converts a row of coded pairs (`pick` gives a pair's Y0, Cb, Y1, Cr from
/// its four bytes) into RGBA pixels: whole pairs as fixed-size writes, a
/// last pixel without its pair (a shorter `dst`) alone.
#[inline(always)]
fn convert_pairs(src: &[u8], dst: &mut [u8], pick: impl Fn(&[u8]) -> [u8; 4]) {
    let pixel = |y: u8, r: i32, g: i32, b: i32| {
        let y = i32::from(y);
        [level(y + r), level(y + g), level(y + b), 255]
    };
    let convert = |[y0, cb, y1, cr]: [u8; 4]| -> [[u8; 4]; 2] {
        let r = i32::from(R_CR[usize::from(cr)]);
        let g = i32::from(G_CB[usize::from(cb)]) + i32::from(G_CR[usize::from(cr)]);
        let b = i32::from(B_CB[usize::from(cb)]);
        [pixel(y0, r, g, b), pixel(y1, r, g, b)]
    };
    let mut chunks = dst.chunks_exact_mut(8);
    let mut coded = src.chunks_exact(4);
    for (d, s) in chunks.by_ref().zip(coded.by_ref()) {
        d.copy_from_slice(convert(pick(s)).as_flattened());
    }
    let d = chunks.into_remainder();
    if let Some(s) = coded.next()
        && !d.is_empty()
    {
        let px = convert(pick(s));
        let n = d.len();
        d.copy_from_slice(&px.as_flattened()[..n]);
    }
}

/// swscale's default (bicubic) horizontal filter from `src` chroma samples to
/// `dst` pixels, as it builds it: 14-bit weights over `taps` consecutive samples
/// from `first[i]` for pixel `i`.
struct ChromaFilter {
    taps: usize,
    first: Vec<usize>,
    weights: Vec<i32>,
}

impl ChromaFilter {
    fn new(src: usize, dst: usize) -> ChromaFilter {
        // Positions in 1/2^17 of a chroma sample; pixel i's chroma position is
        // (i + ½)·step − ½ (both planes' samples centred), step in 16.16.
        let (src_i, dst_i) = (src as i64, dst as i64);
        let step = ((src_i << 16) + (dst_i >> 1)) / dst_i;
        let size = 5.min(src_i - 2).max(1) as usize;
        let mut pos = step - (1 << 16);
        let mut first: Vec<i64> = Vec::with_capacity(dst);
        let mut filter: Vec<Vec<i64>> = Vec::with_capacity(dst);
        for _ in 0..dst {
            // The window starts at the position − 1.5, truncated toward zero.
            let start = (pos - (size as i64 - 2) * (1 << 16)) / (1 << 17);
            first.push(start);
            filter.push(
                (0..size as i64)
                    .map(|j| bicubic(((start + j) * (1 << 17) - pos).abs() << 13))
                    .collect(),
            );
            pos += 2 * step;
        }
        // Trim near-zero weights: leading ones by moving the window right (while
        // the windows stay in order), trailing ones by shortening every window
        // to the longest that is needed.
        const CUTOFF: i64 = 36_028_797_018_963; // 0.002 · 2^54
        let mut taps = 0;
        for i in (0..dst).rev() {
            let row = &mut filter[i];
            let mut sum = 0;
            for _ in 0..size {
                sum += row[0].abs();
                if sum > CUTOFF || (i + 1 < dst && first[i] >= first[i + 1]) {
                    break;
                }
                row.rotate_left(1);
                row[size - 1] = 0;
                first[i] += 1;
            }
            let mut needed = size;
            let mut sum = 0;
            for j in (1..size).rev() {
                sum += row[j].abs();
                if sum > CUTOFF {
                    break;
                }
                needed -= 1;
            }
            taps = taps.max(needed);
        }
        let mut weights = Vec::with_capacity(dst * taps);
        let mut starts = Vec::with_capacity(dst);
        for (row, &start) in filter.iter_mut().zip(&first) {
            row.truncate(taps);
            let mut start = start;
            // Weights before the row fold onto its first sample, those past it
            // onto its last.
            if start < 0 {
                for j in 1..taps {
                    let to = (j as i64 + start).max(0) as usize;
                    row[to] += row[j];
                    row[j] = 0;
                }
                start = 0;
            }
            if start + taps as i64 > src_i {
                let shift = start + (taps as i64 - src_i).min(0);
                let mut beyond = 0;
                for j in (0..taps).rev() {
                    if start + j as i64 >= src_i {
                        beyond += row[j];
                        row[j] = 0;
                    }
                }
                for j in (0..taps).rev() {
                    row[j] = if (j as i64) < shift {
                        0
                    } else {
                        row[j - shift as usize]
                    };
                }
                start -= shift;
                row[(src_i - 1 - start) as usize] += beyond;
            }
            // Normalise to 14 bits, carrying each weight's rounding error on.
            let sum = match (row.iter().sum::<i64>() + (1 << 13)) / (1 << 14) {
                0 => 1,
                s => s,
            };
            let mut error = 0;
            for &w in row.iter() {
                let v = w + error;
                let q = if v >= 0 {
                    (v + (sum >> 1)) / sum
                } else {
                    (v - (sum >> 1)) / sum
                };
                weights.push(q as i32);
                error = v - q * sum;
            }
            starts.push(start as usize);
        }
        ChromaFilter {
            taps,
            first: starts,
            weights,
        }
    }

    /// Chroma sample `i` of a row, filtered, in 15 bits (8 bits << 7).
    #[inline(always)]
    fn sample(&self, chroma: &[u8], i: usize) -> i32 {
        let last = chroma.len() - 1;
        let first = self.first[i];
        let w = &self.weights[i * self.taps..(i + 1) * self.taps];
        let sum: i32 = w
            .iter()
            .enumerate()
            .map(|(j, &w)| i32::from(chroma[(first + j).min(last)]) * w)
            .sum();
        (sum >> 7).min((1 << 15) - 1)
    }

    /// Converts a row: `luma` per pixel, `cb`/`cr` per pair, into RGBA.
    fn convert_row(&self, luma: &[u8], cb: &[u8], cr: &[u8], dst: &mut [u8]) {
        for (i, (px, &y)) in dst.chunks_exact_mut(4).zip(luma).enumerate() {
            let u = (self.sample(cb, i) - (128 << 7)) * 4;
            let v = (self.sample(cr, i) - (128 << 7)) * 4;
            let y = ((i32::from(y) << 9) - FULL_Y_OFFSET) * FULL_Y + (1 << 21);
            // 32-bit arithmetic that wraps, read back as signed (ffmpeg's).
            let r = y.wrapping_add(v.wrapping_mul(FULL_V_R));
            let g = y
                .wrapping_add(v.wrapping_mul(FULL_V_G))
                .wrapping_add(u.wrapping_mul(FULL_U_G));
            let b = y.wrapping_add(u.wrapping_mul(FULL_U_B));
            let out = |c: i32| (c.clamp(0, (1 << 30) - 1) >> 22) as u8;
            px.copy_from_slice(&[out(r), out(g), out(b), 255]);
        }
    }
}

/// The bicubic kernel (B = 0, C = 0.6) at distance `d` (in 1/2^30), in 1/2^54.
fn bicubic(d: i64) -> i64 {
    const ONE: i128 = 1 << 24;
    const C: i128 = 10_066_329; // 0.6 · 2^24, truncated
    if d >= 1 << 31 {
        return 0;
    }
    let d = i128::from(d);
    let dd = (d * d) >> 30;
    let ddd = (dd * d) >> 30;
    let v = if d < 1 << 30 {
        (12 * ONE - 6 * C) * ddd + (-18 * ONE + 6 * C) * dd + 6 * ONE * (1 << 30)
    } else {
        -6 * C * ddd + 30 * C * dd - 48 * C * d + 24 * C * (1 << 30)
    };
    v as i64
}

/// A 16.16 coefficient in 13 bits, rounded (down at halves below zero).
const fn q13(k: i64) -> i32 {
    ((k * 8192 + 32768) >> 16) as i32
}

/// The odd-width conversion's constants: luma gain and offset, chroma terms.
const FULL_Y: i32 = q13(CY);
const FULL_Y_OFFSET: i32 = 16 << 9;
const FULL_V_R: i32 = q13(104_597);
const FULL_U_G: i32 = q13(-25_675);
const FULL_V_G: i32 = q13(-53_279);
const FULL_U_B: i32 = q13(132_201);

/// Luma gain 255/219 in 16.16 fixed point (truncated).
const CY: i64 = 255 * 65536 / 219;

/// A BT.601 chroma coefficient (16.16) divided by the luma gain, as a 16.16
/// offset per chroma step on the luma index (rounded, then truncated toward zero).
const fn per_luma(coefficient: i64) -> i64 {
    (coefficient * 65536 + 0x8000) / CY
}

/// The luma-index offset of every chroma value for a coefficient: the chroma
/// value times the coefficient, floored, less the same for 128 (floored).
const fn offsets(coefficient: i64) -> [i16; 256] {
    let k = per_luma(coefficient);
    let mut t = [0i16; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = (((c as i64 * k) >> 16) - (k >> 9)) as i16;
        c += 1;
    }
    t
}

/// Cr's offset for red (1.596).
static R_CR: [i16; 256] = offsets(104_597);
/// Cb's offset for green (−0.392).
static G_CB: [i16; 256] = offsets(-25_675);
/// Cr's offset for green (−0.813).
static G_CR: [i16; 256] = offsets(-53_279);
/// Cb's offset for blue (2.017).
static B_CB: [i16; 256] = offsets(132_201);

/// Smallest luma index: luma 0 plus the most negative offset (Cb 0 for blue, −221).
const INDEX_MIN: i32 = -256;

/// Output level of every luma index from [`INDEX_MIN`] (luma 0–255 plus
/// offsets within ±256).
static LEVELS: [u8; 768] = {
    let mut t = [0u8; 768];
    let mut k = 0;
    while k < 768 {
        let i = k as i64 + INDEX_MIN as i64;
        // (i + 326)·CY − 400·2^16, rounded: swscale's table for video range.
        let v = ((i + 326) * CY - (400 << 16) + 0x8000) >> 16;
        t[k] = if v < 0 {
            0
        } else if v > 255 {
            255
        } else {
            v as u8
        };
        k += 1;
    }
    t
};

/// The output level of a luma index (luma plus a chroma offset).
#[inline(always)]
fn level(index: i32) -> u8 {
    // Luma 0..=255 plus offsets within ±256 always lands in the table; the
    // fallback only keeps this total.
    LEVELS[((index - INDEX_MIN) as usize).min(LEVELS.len() - 1)]
}

impl Decoder for YuvDecoder {
    fn kind(&self) -> FrameKind {
        // Even widths keep their pairs as stored (converted when the picture
        // is assembled); odd widths are filtered into RGBA here.
        if self.odd.is_some() {
            FrameKind::Rgba
        } else {
            FrameKind::Yuv422(self.layout)
        }
    }

    fn stored_as_is(&self, len: usize) -> bool {
        self.odd.is_none() && self.stride().checked_mul(self.height) == Some(len)
    }

    fn decode(&mut self, sample: &[u8], _sync: bool, frame: &mut Frame) -> Result<(), DecodeError> {
        let kind = self.kind();
        frame.check_shape(self.width, self.height, kind)?;
        let stride = self.stride();
        let need = stride * self.height;
        let rows = sample.chunks_exact(stride).zip(
            frame
                .data
                .chunks_exact_mut(self.width * kind.bytes_per_pixel()),
        );
        for (src, dst) in rows {
            if self.odd.is_some() {
                self.row(src, dst);
            } else {
                dst.copy_from_slice(src);
            }
        }
        if sample.len() < need {
            return Err(DecodeError::at(
                sample.len(),
                format!(
                    "the sample has {} bytes, too few for {}×{} pixels of 4:2:2 ({} rows of {stride} bytes, {need} bytes)",
                    sample.len(),
                    self.width,
                    self.height,
                    self.height
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::FourCC;
    use crate::limits::Limits;

    fn info(codec: &[u8; 4], w: u32, h: u32) -> StreamInfo {
        StreamInfo {
            codec: FourCC(*codec),
            width: w,
            height: h,
            depth: 24,
            palette: None,
        }
    }

    fn decode(codec: &[u8; 4], w: u32, h: u32, sample: &[u8]) -> (Frame, Result<(), DecodeError>) {
        let info = info(codec, w, h);
        let mut d = YuvDecoder::new(&info).unwrap();
        let mut f = Frame::new(w, h, d.kind(), None, &Limits::default()).unwrap();
        let r = d.decode(sample, true, &mut f);
        (f, r)
    }

    #[test]
    fn codecs_supported() {
        for c in [b"2vuy", b"yuvs", b"yuv2"] {
            assert!(YuvDecoder::new(&info(c, 2, 2)).is_ok());
        }
        assert!(YuvDecoder::new(&info(b"raw ", 2, 2)).is_err());
    }

    #[test]
    fn levels_match_ffmpeg() {
        // Grey: measured with ffmpeg 5.1 (`-f rawvideo -pix_fmt yuyv422 … -pix_fmt rgb24`).
        let grey = |y: u8| {
            let (f, r) = decode(b"yuvs", 2, 1, &[y, 128, y, 128]);
            r.unwrap();
            f.to_rgba()[0]
        };
        assert_eq!(grey(16), 0);
        assert_eq!(grey(17), 0);
        assert_eq!(grey(18), 1);
        assert_eq!(grey(128), 129);
        assert_eq!(grey(235), 253);
        assert_eq!(grey(240), 255);
        // Saturated colours (ffmpeg's output for these triples).
        let (f, _) = decode(b"yuvs", 2, 1, &[81, 90, 81, 240]);
        assert_eq!(&f.to_rgba()[..4], &[252, 0, 0, 255]);
        let (f, _) = decode(b"yuvs", 2, 1, &[41, 240, 41, 110]);
        assert_eq!(&f.to_rgba()[..4], &[0, 0, 253, 255]);
    }

    #[test]
    fn layouts() {
        // The same pair in each layout: Y0 = 50, Y1 = 200, Cb = 100, Cr = 180.
        let (a, r) = decode(b"yuvs", 2, 1, &[50, 100, 200, 180]);
        r.unwrap();
        let (b, r) = decode(b"2vuy", 2, 1, &[100, 50, 180, 200]);
        r.unwrap();
        let (c, r) = decode(b"yuv2", 2, 1, &[50, 100 ^ 0x80, 200, 180 ^ 0x80]);
        r.unwrap();
        // Even widths keep the pairs as stored until the picture is made.
        assert_eq!(b.kind, FrameKind::Yuv422(Layout::Uyvy));
        assert_eq!(b.data, [100, 50, 180, 200]);
        let (a, b, c) = (a.to_rgba(), b.to_rgba(), c.to_rgba());
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert!(a[0] < a[4], "{a:?}");
    }

    #[test]
    fn odd_width_rows_hold_whole_pairs() {
        // 3×2: rows of 8 bytes (the second pair's Y1 unused). Odd widths take
        // ffmpeg's other conversion: grey 235 gives 255 there, 128 gives 130.
        let row = [16u8, 128, 235, 128, 128, 128, 99, 128];
        let sample = [row, row].concat();
        let (f, r) = decode(b"yuvs", 3, 2, &sample);
        r.unwrap();
        let px = |i: usize| f.data[i * 4];
        assert_eq!([px(0), px(1), px(2)], [0, 255, 130]);
        assert_eq!([px(3), px(4), px(5)], [0, 255, 130]);
        // Chroma interpolated across: ffmpeg 5.1 gives (0, 255, 0), then
        // (245, 122, 0) twice for these pairs.
        let (f, r) = decode(b"yuvs", 3, 1, &[128, 0, 128, 0, 128, 0, 0, 200]);
        r.unwrap();
        assert_eq!(f.to_rgb24(), [0, 255, 0, 245, 122, 0, 245, 122, 0]);
        // yuv2 at an odd width: the last pair's Cr is used as stored.
        let (a, r) = decode(b"yuv2", 3, 1, &[128, 0, 128, 0, 128, 0, 0, 200]);
        r.unwrap();
        let (b, r) = decode(b"yuvs", 3, 1, &[128, 128, 128, 128, 128, 128, 0, 200]);
        r.unwrap();
        assert_eq!(a.data, b.data);
    }

    #[test]
    fn short_samples_show_whole_rows_and_say_where() {
        let row = [200u8, 128, 200, 128];
        let (f, r) = decode(b"yuvs", 2, 3, &[row, row, [1, 2, 3, 4]].concat()[..9]);
        let e = r.unwrap_err();
        assert_eq!(e.at, Some(9));
        assert!(e.what.contains("too few"), "{e}");
        // The rows not in the sample stay black.
        let rgba = f.to_rgba();
        assert_eq!(rgba[0], rgba[8]);
        assert_ne!(rgba[0], 0);
        assert_eq!(&rgba[16..24], &[0, 0, 0, 255, 0, 0, 0, 255]);
        for codec in [b"2vuy", b"yuvs", b"yuv2"] {
            let (f, _) = decode(codec, 2, 1, &[]);
            assert_eq!(f.to_rgba(), [0, 0, 0, 255, 0, 0, 0, 255], "{codec:?}");
        }
        // Extra bytes are ignored.
        let (_, r) = decode(b"2vuy", 2, 1, &[1, 2, 3, 4, 5, 6]);
        r.unwrap();
        let (_, r) = decode(b"2vuy", 2, 1, &[]);
        assert_eq!(r.unwrap_err().at, Some(0));
    }

    #[test]
    fn wrong_frame_is_an_error() {
        let mut d = YuvDecoder::new(&info(b"yuvs", 4, 4)).unwrap();
        let mut f = Frame::new(4, 3, FrameKind::Rgba, None, &Limits::default()).unwrap();
        assert!(d.decode(&[0; 32], true, &mut f).is_err());
    }

    #[test]
    fn every_index_is_in_the_table() {
        for c in 0..256 {
            for t in [&R_CR, &G_CB, &G_CR, &B_CB] {
                assert!((-255..=255).contains(&t[c]));
            }
        }
        let g = |cb: usize, cr: usize| i32::from(G_CB[cb]) + i32::from(G_CR[cr]);
        assert!((-255..=255).contains(&g(0, 0)) && (-255..=255).contains(&g(255, 255)));
        assert!((0..768).all(|k| LEVELS[k] == level(k as i32 + INDEX_MIN)));
    }
}
