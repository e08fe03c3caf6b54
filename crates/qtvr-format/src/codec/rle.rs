//! Apple Animation (`rle `): run-length coded lines that update the previous
//! frame in place.
//!
//! A sample is a 4-byte chunk size (top two bits are flags), a 16-bit header
//! and, when the header has bit 3 (0x0008) set, the first line to update and
//! the number of lines (each followed by an unused 16-bit word); without it the
//! whole height is coded. Samples shorter than 8 bytes change nothing.
//!
//! At depths 2 to 32 each coded line is a skip byte (start at pixel
//! `skip − 1`), then codes until −1 ends the line: 0 is followed by another skip
//! byte (advance `skip − 1`), a negative code −n (n ≥ 2) repeats the next
//! pixel n times, a positive code n copies n literal pixels. The unit of every count is a
//! "pixel" of the stream: 4 bytes (4, 8 or 16 indices, most significant bits
//! first) at depths 8, 4 and 2; one big-endian RGB 5-5-5 word at 16; R G B at
//! 24; A R G B at 32. Depth 1 is different: pairs of (skip, code) bytes where
//! a skip with the top bit set starts the next line at `16 × (skip & 0x7F)`
//! pixels, any other skip advances `16 × skip` pixels, code 0 ends the frame,
//! −1 does nothing more, −n repeats the next 2 bytes (16 pixels) n times and n
//! copies 2n bytes. Grey depths (33–40) code like the colour depth with the
//! same bits, through the grey palette.
//!
//! No maintained Rust crate decodes this format, and it is small, so it is
//! written here by hand. The reference is ffmpeg's `qtrle` decoder, whose
//! behaviour it mirrors: the chunk size check (a sample less than 5% the size
//! its chunk size field claims is rejected), a header-flagged sample shorter
//! than 14 bytes changes nothing, one whose line range passes the bottom
//! changes nothing (and is reported as an error here), depth 1
//! accepts one line marker more than the line count, 16-bit pixels widen 5 to
//! 8 bits by bit replication, 32-bit pixels keep their alpha byte, and data
//! that ends at a line boundary (or with a lone 0 byte there) simply ends the
//! update. Where ffmpeg would write outside the line (runs past the padded
//! width, skips before the line start) this decoder stops with an error
//! instead; index pixels past the width inside the last 4-byte group are
//! dropped.

use super::raw::{argb_row, rgb24_row, rgb555_pixel, rgb555_row};
use super::{DecodeError, Decoder, Frame, FrameKind, StreamInfo, Unsupported};
use crate::container::be::{be16, be32};

/// Decoder for `rle ` streams.
pub struct RleDecoder {
    width: usize,
    height: usize,
    /// Bits per pixel without the grey flag: 1, 2, 4, 8, 16, 24 or 32.
    bits: u16,
}

/// ffmpeg's default `discard_damaged_percentage`: a sample shorter than its
/// chunk size field by more than this share of it is rejected.
const DAMAGED_PERCENT: i64 = 95;

impl RleDecoder {
    /// A decoder for the stream, or why it cannot be decoded.
    pub fn new(info: &StreamInfo) -> Result<Self, Unsupported> {
        match info.depth {
            1 | 2 | 4 | 8 | 16 | 24 | 32 | 33 | 34 | 36 | 40 => Ok(RleDecoder {
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
}

impl Decoder for RleDecoder {
    fn kind(&self) -> FrameKind {
        if self.bits <= 8 {
            FrameKind::Indexed
        } else {
            FrameKind::Rgba
        }
    }

    fn decode(&mut self, sample: &[u8], _sync: bool, frame: &mut Frame) -> Result<(), DecodeError> {
        self.check_frame(frame)?;
        if sample.len() < 8 {
            return Ok(());
        }
        let chunk = i64::from(be32(sample, 0) & 0x3FFF_FFFF);
        let len = sample.len() as i64;
        if chunk - len > chunk * DAMAGED_PERCENT / 100 {
            return Err(DecodeError::at(
                0,
                format!("the chunk size field says {chunk} bytes but the sample has {len}"),
            ));
        }
        let header = be16(sample, 4);
        let (start, lines, pos) = if header & 0x0008 != 0 {
            if sample.len() < 14 {
                return Ok(());
            }
            let start = usize::from(be16(sample, 6));
            let lines = usize::from(be16(sample, 10));
            if start > self.height || lines > self.height - start {
                return Err(DecodeError::at(
                    6,
                    format!(
                        "the update of {lines} lines from line {start} passes the bottom of the {} lines",
                        self.height
                    ),
                ));
            }
            (start, lines, 14)
        } else {
            (0, self.height, 6)
        };
        let (w, out) = (self.width, &mut frame.data[..]);
        match self.bits {
            1 => decode_1bpp(sample, pos, start, lines, w, self.height, out),
            2 => decode_lines::<Index2>(sample, pos, start, lines, w, out),
            4 => decode_lines::<Index4>(sample, pos, start, lines, w, out),
            8 => decode_lines::<Index8>(sample, pos, start, lines, w, out),
            16 => decode_lines::<Rgb555>(sample, pos, start, lines, w, out),
            24 => decode_lines::<Rgb24>(sample, pos, start, lines, w, out),
            _ => decode_lines::<Argb>(sample, pos, start, lines, w, out),
        }
    }
}

/// One depth's stream "pixel" (the unit of runs and skips).
trait Format {
    /// Frame pixels per unit.
    const PIXELS: usize;
    /// Stream bytes per unit.
    const BYTES: usize;
    /// Frame bytes per pixel.
    const OUT: usize;
    /// Writes literal units `src` (whole units) to `dst`, the frame bytes of
    /// their pixels that lie inside the width (a prefix of what they cover).
    fn literal(src: &[u8], dst: &mut [u8]);
    /// Fills `dst` (as for `literal`) with repeats of the unit `unit`.
    fn repeat(unit: &[u8], dst: &mut [u8]);
}

/// Unpacks indices of `bits` bits, most significant first, into `dst` (which
/// may end before the last byte's pixels do).
#[inline]
fn unpack(src: &[u8], dst: &mut [u8], bits: u32) {
    let per = (8 / bits) as usize;
    let mask = (1u8 << bits) - 1;
    for (px, &byte) in dst.chunks_mut(per).zip(src) {
        for (k, p) in px.iter_mut().enumerate() {
            *p = (byte >> (8 - bits * (k as u32 + 1))) & mask;
        }
    }
}

/// Repeats the unpacked pixels of a 4-byte index unit over `dst`.
#[inline]
fn repeat_indices(unit: &[u8], dst: &mut [u8], bits: u32) {
    let mut pattern = [0u8; 16];
    let n = 32 / bits as usize;
    unpack(unit, &mut pattern[..n], bits);
    for c in dst.chunks_mut(n) {
        c.copy_from_slice(&pattern[..c.len()]);
    }
}

struct Index2;
impl Format for Index2 {
    const PIXELS: usize = 16;
    const BYTES: usize = 4;
    const OUT: usize = 1;
    fn literal(src: &[u8], dst: &mut [u8]) {
        unpack(src, dst, 2);
    }
    fn repeat(unit: &[u8], dst: &mut [u8]) {
        repeat_indices(unit, dst, 2);
    }
}

struct Index4;
impl Format for Index4 {
    const PIXELS: usize = 8;
    const BYTES: usize = 4;
    const OUT: usize = 1;
    fn literal(src: &[u8], dst: &mut [u8]) {
        unpack(src, dst, 4);
    }
    fn repeat(unit: &[u8], dst: &mut [u8]) {
        repeat_indices(unit, dst, 4);
    }
}

struct Index8;
impl Format for Index8 {
    const PIXELS: usize = 4;
    const BYTES: usize = 4;
    const OUT: usize = 1;
    fn literal(src: &[u8], dst: &mut [u8]) {
        let n = dst.len();
        dst.copy_from_slice(&src[..n]);
    }
    fn repeat(unit: &[u8], dst: &mut [u8]) {
        let mut chunks = dst.chunks_exact_mut(4);
        for c in &mut chunks {
            c.copy_from_slice(unit);
        }
        let rest = chunks.into_remainder();
        let n = rest.len();
        rest.copy_from_slice(&unit[..n]);
    }
}

/// Fills RGBA pixels with one colour.
#[inline]
fn fill_rgba(dst: &mut [u8], px: [u8; 4]) {
    for d in dst.chunks_exact_mut(4) {
        d.copy_from_slice(&px);
    }
}

struct Rgb555;
impl Format for Rgb555 {
    const PIXELS: usize = 1;
    const BYTES: usize = 2;
    const OUT: usize = 4;
    fn literal(src: &[u8], dst: &mut [u8]) {
        rgb555_row(src, dst);
    }
    fn repeat(unit: &[u8], dst: &mut [u8]) {
        fill_rgba(dst, rgb555_pixel(unit[0], unit[1]));
    }
}

struct Rgb24;
impl Format for Rgb24 {
    const PIXELS: usize = 1;
    const BYTES: usize = 3;
    const OUT: usize = 4;
    fn literal(src: &[u8], dst: &mut [u8]) {
        rgb24_row(src, dst);
    }
    fn repeat(unit: &[u8], dst: &mut [u8]) {
        fill_rgba(dst, [unit[0], unit[1], unit[2], 255]);
    }
}

struct Argb;
impl Format for Argb {
    const PIXELS: usize = 1;
    const BYTES: usize = 4;
    const OUT: usize = 4;
    fn literal(src: &[u8], dst: &mut [u8]) {
        argb_row(src, dst);
    }
    fn repeat(unit: &[u8], dst: &mut [u8]) {
        fill_rgba(dst, [unit[1], unit[2], unit[3], unit[0]]);
    }
}

/// Decodes `lines` coded lines from line `start` (depths 2 to 32), reading
/// `data` from byte `p`.
fn decode_lines<F: Format>(
    data: &[u8],
    mut p: usize,
    start: usize,
    lines: usize,
    width: usize,
    out: &mut [u8],
) -> Result<(), DecodeError> {
    let row_len = width * F::OUT;
    // Units that fit in a line (the last may reach past the width).
    let cap = width.div_ceil(F::PIXELS);
    let unit_len = F::PIXELS * F::OUT;
    for row in out.chunks_exact_mut(row_len).skip(start).take(lines) {
        super::check_interrupt(p)?;
        // The line's skip byte; data that ends here ends the update.
        let skip = match data.get(p) {
            None => return Ok(()),
            Some(0) if p + 1 == data.len() => return Ok(()),
            Some(0) => return Err(DecodeError::at(p, "a line starts with skip byte 0")),
            Some(&s) => usize::from(s),
        };
        p += 1;
        let mut x = skip - 1;
        loop {
            let at = p;
            let code = *data.get(p).ok_or_else(|| DecodeError::truncated(p))? as i8;
            p += 1;
            if code == -1 {
                break;
            }
            if code == 0 {
                let s = *data.get(p).ok_or_else(|| DecodeError::truncated(p))?;
                p += 1;
                x = (x + usize::from(s)).checked_sub(1).ok_or_else(|| {
                    DecodeError::at(at, "a skip moves before the start of the line")
                })?;
                continue;
            }
            let n = usize::from(code.unsigned_abs());
            if x + n > cap {
                return Err(DecodeError::at(
                    at,
                    format!("a run of {n} from unit {x} passes the end of the line ({cap} units)"),
                ));
            }
            // Index units may reach past the width: keep the visible part.
            let (a, b) = if F::PIXELS == 1 {
                (x * unit_len, (x + n) * unit_len)
            } else {
                (
                    (x * unit_len).min(row_len),
                    ((x + n) * unit_len).min(row_len),
                )
            };
            if code < 0 {
                let unit = data
                    .get(p..p + F::BYTES)
                    .ok_or_else(|| DecodeError::truncated(data.len()))?;
                p += F::BYTES;
                F::repeat(unit, &mut row[a..b]);
            } else {
                let src = data
                    .get(p..p + n * F::BYTES)
                    .ok_or_else(|| DecodeError::truncated(data.len()))?;
                p += n * F::BYTES;
                F::literal(src, &mut row[a..b]);
            }
            x += n;
        }
    }
    Ok(())
}

/// Depth 1: (skip, code) pairs; see the module documentation.
fn decode_1bpp(
    data: &[u8],
    mut p: usize,
    start: usize,
    lines: usize,
    width: usize,
    height: usize,
    out: &mut [u8],
) -> Result<(), DecodeError> {
    // Units of 16 pixels (2 bytes) that fit in a line.
    let cap = width.div_ceil(16);
    // Like ffmpeg, count one marker more than the lines: the first marker
    // starts line `start`, and the marker after the last line is still decoded.
    let mut markers = lines + 1;
    let mut row: Option<usize> = None;
    let mut x = 0usize;
    while markers > 0 {
        // Data that ends between pairs ends the update (a missing byte reads as 0).
        let (Some(&skip), Some(&code)) = (data.get(p), data.get(p + 1)) else {
            return Ok(());
        };
        let at = p;
        p += 2;
        let code = code as i8;
        if code == 0 {
            break;
        }
        if skip & 0x80 != 0 {
            markers -= 1;
            row = Some(row.map_or(start, |r| r + 1));
            x = usize::from(skip & 0x7F);
        } else {
            x += usize::from(skip);
        }
        if code == -1 {
            continue;
        }
        let r = match row {
            Some(r) if r < height => r,
            Some(_) => return Err(DecodeError::at(at, "a run below the bottom of the frame")),
            None => return Err(DecodeError::at(at, "a run before the first line marker")),
        };
        let n = usize::from(code.unsigned_abs());
        if x + n > cap {
            return Err(DecodeError::at(
                at,
                format!("a run of {n} from unit {x} passes the end of the line ({cap} units)"),
            ));
        }
        let line = &mut out[r * width..(r + 1) * width];
        let a = (x * 16).min(width);
        let b = ((x + n) * 16).min(width);
        if code < 0 {
            let unit = data
                .get(p..p + 2)
                .ok_or_else(|| DecodeError::truncated(data.len()))?;
            p += 2;
            let mut pattern = [0u8; 16];
            unpack(unit, &mut pattern, 1);
            for c in line[a..b].chunks_mut(16) {
                c.copy_from_slice(&pattern[..c.len()]);
            }
        } else {
            let src = data
                .get(p..p + 2 * n)
                .ok_or_else(|| DecodeError::truncated(data.len()))?;
            p += 2 * n;
            unpack(src, &mut line[a..b], 1);
        }
        x += n;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Palette;
    use crate::container::FourCC;
    use crate::limits::Limits;

    fn info(w: u32, h: u32, depth: u16) -> StreamInfo {
        StreamInfo {
            codec: FourCC(*b"rle "),
            width: w,
            height: h,
            depth,
            palette: (depth != 32 && depth & 0x1F <= 8).then(|| Palette::mac_default(depth & 0x1F)),
        }
    }

    fn new_frame(w: u32, h: u32, depth: u16) -> (RleDecoder, Frame) {
        let info = info(w, h, depth);
        let d = RleDecoder::new(&info).unwrap();
        let f = Frame::new(w, h, d.kind(), info.palette.clone(), &Limits::default()).unwrap();
        (d, f)
    }

    /// A sample: chunk size, header 0 and `body`.
    fn sample(body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 6) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(body);
        v
    }

    /// A sample updating `lines` lines from `start`.
    fn partial(start: u16, lines: u16, body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 14) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(&[0, 8]);
        v.extend_from_slice(&start.to_be_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(&lines.to_be_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(body);
        v
    }

    fn rgb(f: &Frame) -> Vec<u8> {
        f.to_rgb24()
    }

    #[test]
    fn rgb24_codes() {
        let (mut d, mut f) = new_frame(6, 2, 24);
        // Line 0: literal 2, repeat 3 of (7,8,9), then skip 1 (0, 2): leaves pixel 5 black.
        // Line 1: skip 2 pixels (skip byte 3), repeat 2 of (1,1,1), end.
        let s = sample(&[
            1, 2, 10, 20, 30, 40, 50, 60, 0xFD, 7, 8, 9, 0, 2, 0xFF, //
            3, 0xFE, 1, 1, 1, 0xFF, 0,
        ]);
        d.decode(&s, true, &mut f).unwrap();
        #[rustfmt::skip]
        let want = [
            10, 20, 30, 40, 50, 60, 7, 8, 9, 7, 8, 9, 7, 8, 9, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
        ];
        assert_eq!(rgb(&f), want);
        assert!(f.data.chunks(4).all(|p| p[3] == 255));
    }

    #[test]
    fn rgb555_codes() {
        let (mut d, mut f) = new_frame(3, 1, 16);
        let s = sample(&[1, 1, 0x7C, 0x00, 0xFE, 0x03, 0xE0, 0xFF]);
        d.decode(&s, true, &mut f).unwrap();
        assert_eq!(rgb(&f), [255, 0, 0, 0, 255, 0, 0, 255, 0]);
        let s = sample(&[1, 1, 0x42, 0x10, 0xFF]);
        d.decode(&s, true, &mut f).unwrap();
        assert_eq!(rgb(&f)[..3], [0x84, 0x84, 0x84]);
    }

    #[test]
    fn argb_codes_keep_alpha() {
        let (mut d, mut f) = new_frame(3, 1, 32);
        let s = sample(&[1, 1, 9, 1, 2, 3, 0xFE, 0x80, 4, 5, 6, 0xFF]);
        d.decode(&s, true, &mut f).unwrap();
        assert_eq!(f.data, [1, 2, 3, 9, 4, 5, 6, 0x80, 4, 5, 6, 0x80]);
    }

    #[test]
    fn index8_groups_of_four() {
        // Width 6: two groups, the second half visible.
        let (mut d, mut f) = new_frame(6, 2, 8);
        let s = sample(&[
            1, 1, 1, 2, 3, 4, 0xFF, // line 0: literal 1 group
            2, 1, 9, 8, 7, 6, 0xFF, // line 1: skip a group, literal group (2 visible)
        ]);
        d.decode(&s, true, &mut f).unwrap();
        assert_eq!(f.data, [1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 9, 8]);
        // Repeat across both groups.
        let s = sample(&[1, 0xFE, 5, 6, 7, 8, 0xFF]);
        let mut f2 = f.clone();
        let (mut d2, _) = new_frame(6, 2, 8);
        d2.decode(&partial(1, 1, &s[6..]), false, &mut f2).unwrap();
        assert_eq!(f2.data, [1, 2, 3, 4, 0, 0, 5, 6, 7, 8, 5, 6]);
        d.decode(&s, false, &mut f).unwrap();
        assert_eq!(f.data, [5, 6, 7, 8, 5, 6, 0, 0, 0, 0, 9, 8]);
        // A run past the padded width is an error.
        let mut bad = vec![1, 3];
        bad.extend([0; 12]);
        let bad = sample(&bad);
        assert!(d.decode(&bad, false, &mut f).is_err());
    }

    #[test]
    fn index4_and_index2() {
        let (mut d, mut f) = new_frame(10, 1, 4);
        // Repeat 2 of a 8-pixel group (0..7), clipped to 10 pixels.
        let s = sample(&[1, 0xFE, 0x01, 0x23, 0x45, 0x67, 0xFF]);
        d.decode(&s, true, &mut f).unwrap();
        assert_eq!(f.data, [0, 1, 2, 3, 4, 5, 6, 7, 0, 1]);
        let s = sample(&[2, 1, 0xFE, 0xDC, 0xBA, 0x98, 0xFF]);
        d.decode(&s, false, &mut f).unwrap();
        assert_eq!(f.data, [0, 1, 2, 3, 4, 5, 6, 7, 15, 14]);

        let (mut d, mut f) = new_frame(40, 1, 34);
        let s = sample(&[
            1,
            1,
            0b00_01_10_11,
            0xFF,
            0,
            0b11_10_01_00,
            0xFE,
            0x55,
            0x55,
            0x55,
            0x55,
            0xFF,
        ]);
        d.decode(&s, true, &mut f).unwrap();
        assert_eq!(
            f.data[..16],
            [0, 1, 2, 3, 3, 3, 3, 3, 0, 0, 0, 0, 3, 2, 1, 0]
        );
        assert_eq!(f.data[16..], [1; 24]);
    }

    #[test]
    fn one_bit_pairs() {
        let (mut d, mut f) = new_frame(20, 3, 1);
        let s = sample(&[
            0x80, 1, 0xF0, 0x0F, // line 0: literal 16 px
            0x81, 0xFF, // line 1: skip 16 px, nothing
            0x00, 0xFF, // still line 1
            0x80, 0xFE, 0xAA, 0x55, // line 2: repeat 2 → 20 visible px
            0, 0,
        ]);
        d.decode(&s, true, &mut f).unwrap();
        #[rustfmt::skip]
        let want = [
            1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0,
        ];
        assert_eq!(f.data, want);
        // A run before any line marker is an error.
        let bad = sample(&[0x00, 0x01, 0xFF, 0xFF]);
        assert!(d.decode(&bad, false, &mut f).is_err());
        // A partial update starts at its first line.
        let s = partial(1, 1, &[0x80, 0xFF, 0x00, 0x01, 0xFF, 0xFF, 0, 0]);
        d.decode(&s, false, &mut f).unwrap();
        assert_eq!(&f.data[20..36], &[1; 16]);
        // As in ffmpeg, the marker after the last announced line is still decoded
        // (one line update writes lines 0 and 1), and a further one is not.
        let s = partial(
            0,
            1,
            &[0x80, 0xFE, 0, 0, 0x80, 0xFE, 0, 0, 0x80, 0xFE, 0, 0],
        );
        d.decode(&s, false, &mut f).unwrap();
        assert!(f.data[..40].iter().all(|&v| v == 0));
        assert_eq!(f.data[40..60], want[40..60]);
    }

    #[test]
    fn partial_update_and_empty_samples_keep_the_frame() {
        let (mut d, mut f) = new_frame(2, 3, 24);
        let full = sample(&[
            1, 0xFE, 1, 1, 1, 0xFF, 1, 0xFE, 2, 2, 2, 0xFF, 1, 0xFE, 3, 3, 3, 0xFF, 0,
        ]);
        d.decode(&full, true, &mut f).unwrap();
        let before = rgb(&f);
        for s in [&[][..], &[0, 0, 0, 6][..], &[0, 0, 0, 8, 0, 8, 0, 0][..]] {
            d.decode(s, false, &mut f).unwrap();
            assert_eq!(rgb(&f), before);
        }
        // Line 1 only.
        d.decode(&partial(1, 1, &[1, 0xFE, 9, 9, 9, 0xFF, 0]), false, &mut f)
            .unwrap();
        assert_eq!(
            rgb(&f),
            [1, 1, 1, 1, 1, 1, 9, 9, 9, 9, 9, 9, 3, 3, 3, 3, 3, 3]
        );
        // A range past the bottom is an error and changes nothing.
        let after = rgb(&f);
        assert!(d.decode(&partial(2, 2, &[1, 0xFF]), false, &mut f).is_err());
        assert_eq!(rgb(&f), after);
        // Fewer coded lines than announced: the rest stays.
        d.decode(&sample(&[1, 0xFE, 7, 7, 7, 0xFF, 0]), false, &mut f)
            .unwrap();
        assert_eq!(
            rgb(&f),
            [7, 7, 7, 7, 7, 7, 9, 9, 9, 9, 9, 9, 3, 3, 3, 3, 3, 3]
        );
    }

    #[test]
    fn chunk_size_far_beyond_the_sample_is_rejected() {
        let (mut d, mut f) = new_frame(2, 1, 24);
        let mut s = sample(&[1, 0xFE, 1, 1, 1, 0xFF]);
        s[..4].copy_from_slice(&1000u32.to_be_bytes());
        assert!(d.decode(&s, true, &mut f).is_err());
        // The flag bits are not part of the size.
        s[..4].copy_from_slice(&(0xC000_0000u32 | 12).to_be_bytes());
        assert!(d.decode(&s, true, &mut f).is_ok());
    }

    #[test]
    fn skips_and_bad_skips() {
        let (mut d, mut f) = new_frame(4, 1, 24);
        // Skip back one pixel with skip byte 0 inside the line.
        let s = sample(&[1, 2, 1, 1, 1, 2, 2, 2, 0, 0, 1, 5, 5, 5, 0xFF]);
        d.decode(&s, true, &mut f).unwrap();
        assert_eq!(rgb(&f), [1, 1, 1, 5, 5, 5, 0, 0, 0, 0, 0, 0]);
        // A line starting with skip 0 (not at the end) is an error.
        assert!(d.decode(&sample(&[0, 0xFF, 0]), false, &mut f).is_err());
        // Skipping before the line start is an error.
        assert!(d.decode(&sample(&[1, 0, 0, 0xFF]), false, &mut f).is_err());
    }

    #[test]
    fn wrong_frame_is_an_error() {
        let (mut d, _) = new_frame(4, 4, 24);
        let mut f = Frame::new(4, 4, FrameKind::Indexed, None, &Limits::default()).unwrap();
        assert!(d.decode(&sample(&[1, 0xFF]), true, &mut f).is_err());
    }

    /// A valid sample for `depth`: every line gets a literal, a repeat and a skip.
    fn valid_sample(w: usize, h: usize, bits: u16, seed: &mut u64) -> Vec<u8> {
        let mut body = Vec::new();
        if bits == 1 {
            for _ in 0..h {
                body.extend_from_slice(&[0x80, 1, 0x5A, 0xA5]);
                body.extend_from_slice(&[0, 0xFE, 0x33, 0xCC]);
            }
            body.extend_from_slice(&[0, 0]);
            let _ = w;
            return sample(&body);
        }
        let unit_bytes = match bits {
            2 | 4 | 8 => 4,
            b => usize::from(b / 8),
        };
        for _ in 0..h {
            body.push(1);
            body.push(1);
            for _ in 0..unit_bytes {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                body.push(*seed as u8);
            }
            body.extend_from_slice(&[0, 1, 0xFE]);
            body.extend(std::iter::repeat_n(7, unit_bytes));
            body.push(0xFF);
        }
        body.push(0);
        sample(&body)
    }

    #[test]
    fn truncated_and_mutated_samples_never_panic() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for depth in [1, 2, 4, 8, 16, 24, 32, 40] {
            let (w, h) = (40, 5);
            let bits = if depth > 32 { depth - 32 } else { depth };
            let s = valid_sample(w, h, bits, &mut seed);
            let (mut d, mut f) = new_frame(w as u32, h as u32, depth);
            d.decode(&s, true, &mut f)
                .unwrap_or_else(|e| panic!("depth {depth}: {e}"));
            // Truncations inside the coded lines are errors (depth 1 has no
            // line-end codes, so only truncations inside a run are).
            for cut in 8..s.len() - 1 {
                let r = d.decode(&s[..cut], false, &mut f);
                if depth != 1 && cut > 6 {
                    let at_line_end = s[cut - 1] == 0xFF && s[cut] == 1;
                    if !at_line_end {
                        assert!(r.is_err(), "depth {depth} cut {cut}");
                    }
                }
            }
            for _ in 0..3000 {
                let mut m = s.clone();
                let n = 1 + (seed % 4) as usize;
                for _ in 0..n {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let i = (seed >> 8) as usize % m.len();
                    m[i] = (seed >> 40) as u8;
                }
                let _ = d.decode(&m, seed & 1 == 0, &mut f);
            }
        }
    }
}
