//! `smc ` (Apple Graphics) decoder.
//!
//! An 8-bit palettized codec over 4×4 blocks, walked left to right, top to
//! bottom. A sample is a 4-byte header (a flag byte and a 24-bit length, both
//! ignored: the sample's own size rules, as in ffmpeg) followed by opcodes. The
//! high nibble picks the operation; for the first four, bit 4 set means the
//! block count is the next byte + 1, else the low nibble + 1. For the colour
//! opcodes the count is always the low nibble + 1.
//!
//! | high nibble | meaning |
//! |---|---|
//! | 0, 1 | skip blocks (the previous frame shows through) |
//! | 2, 3 | repeat the previous block |
//! | 4, 5 | repeat the previous two blocks, alternating (count = pairs) |
//! | 6, 7 | fill blocks with one colour index |
//! | 8 / 9 | two colours: 2 new indices stored in the next slot of the pair cache / a cache slot byte; 16 flag bits per block |
//! | A / B | four colours, quad cache; 32 bits (2 per pixel) per block |
//! | C / D | eight colours, octet cache; 48 bits per block, stored as three 16-bit words whose low nibbles hold rows 2–3's top bits |
//! | E, F | sixteen raw indices per block |
//!
//! The caches (256 pairs, quads and octets) keep their contents from frame to
//! frame, as in ffmpeg; only the next slot to fill goes back to 0 at each
//! frame. A stream may so use slots written by earlier frames: a track's
//! samples must be decoded in order from its first, sync samples included
//! (the `sync` flag changes nothing).
//!
//! Blocks that cross the right or bottom edge are clipped. The output is
//! [`FrameKind::Indexed`] into the stream's palette.
//!
//! ## Matching ffmpeg's repeat opcodes at the start of a row
//!
//! Where a repeat opcode starts a block row, ffmpeg takes "the previous block"
//! (or two) to be at offset `row − 4·width + width − 4` (`− 8`, and `row −
//! 4·width + line − 4` for the pair) of its frame buffer, whose lines are longer
//! than the picture: the width rounded up to 4, then grown to a multiple of 64
//! bytes. Only when the line equals the width is that the last block of the row
//! above; otherwise it is some other 4×4 area, possibly running into the parts
//! of edge blocks outside the picture or the zeroed rest of the line. ffmpeg's
//! own smc encoder writes such opcodes (seen at widths 69–71), and there its
//! decode, the reference, differs from the encoder's picture. The decoder
//! reproduces ffmpeg's decode: it keeps the outside parts
//! of edge blocks (a strip at most 3 pixels wide right and below) and maps those
//! offsets onto the picture, the strips and zeros. Every other opcode reads only
//! the picture.

use super::{DecodeError, Decoder, Frame, FrameKind, Palette, StreamInfo, Unsupported};

/// Decoder for `smc ` streams.
pub struct SmcDecoder {
    width: u32,
    height: u32,
    palette: Palette,
    pairs: [[u8; 2]; 256],
    quads: [[u8; 4]; 256],
    octets: [[u8; 8]; 256],
    /// The parts of edge blocks outside the picture (see [`Blocks`]).
    right: Vec<u8>,
    bottom: Vec<u8>,
}

impl SmcDecoder {
    /// A decoder for the stream, or why it cannot be decoded (smc is 8-bit
    /// only; a grey depth 40 is accepted, its palette being the grey ramp).
    pub fn new(info: &StreamInfo) -> Result<Self, Unsupported> {
        if info.codec.0 != *b"smc " {
            return Err(Unsupported::Codec(info.codec));
        }
        if info.bits() != 8 {
            return Err(Unsupported::Depth(info.codec, info.depth));
        }
        let palette = info
            .palette
            .clone()
            .unwrap_or_else(|| Palette::mac_default(8));
        Ok(SmcDecoder {
            width: info.width,
            height: info.height,
            palette,
            pairs: [[0; 2]; 256],
            quads: [[0; 4]; 256],
            octets: [[0; 8]; 256],
            right: Vec::new(),
            bottom: Vec::new(),
        })
    }
}

/// The alignment of ffmpeg's frame lines (`STRIDE_ALIGN`: 64 in x86-64 builds
/// with AVX-512, as Debian's). See [`ffmpeg_stride`].
const FFMPEG_STRIDE_ALIGN: usize = 64;

/// The line length of ffmpeg's smc frame buffer for a picture `width` pixels
/// wide: the width rounded up to 4, then grown by its lowest set bit until it
/// is a multiple of `STRIDE_ALIGN` (libavcodec's `update_frame_pool`).
fn ffmpeg_stride(width: usize) -> usize {
    let mut w = width.div_ceil(4) * 4;
    while !w.is_multiple_of(FFMPEG_STRIDE_ALIGN) {
        w += w & w.wrapping_neg();
    }
    w
}

/// The picture as ffmpeg lays it out: `w × h` visible pixels (the frame) inside
/// a buffer `stride` pixels wide and `h` rounded up to 4 high. Blocks that cross
/// the right or bottom edge are written whole, their outside part kept in the
/// decoder's `right` strip (columns `w..w4`, all rows) and `bottom` strip (rows
/// `h..h4`, columns `0..w`); columns `w4..stride` stay 0. ffmpeg's repeat
/// opcodes can read there (see [`Blocks::copy_linear`]), so it is kept.
struct Blocks<'a> {
    data: &'a mut [u8],
    right: &'a mut [u8],
    bottom: &'a mut [u8],
    /// Visible width and height in pixels.
    w: usize,
    h: usize,
    /// `w` and `h` rounded up to 4, and ffmpeg's line length.
    w4: usize,
    h4: usize,
    stride: usize,
    /// Top-left pixel of the current block.
    x: usize,
    y: usize,
    /// Blocks not yet visited, of `total`.
    left: usize,
    total: usize,
}

impl Blocks<'_> {
    /// Moves `n` blocks on, leaving them as they are.
    #[inline(always)]
    fn skip(&mut self, n: usize, at: usize) -> Result<(), DecodeError> {
        if n > self.left {
            return Err(DecodeError::at(
                at,
                "the blocks run past the end of the frame",
            ));
        }
        self.left -= n;
        let done = self.total - self.left;
        let per_row = self.w4 / 4;
        self.x = done % per_row * 4;
        self.y = done / per_row * 4;
        Ok(())
    }

    /// Moves to the next block. `more` says whether the run has blocks after
    /// this one; they must fit in the frame.
    #[inline(always)]
    fn advance(&mut self, more: bool, at: usize) -> Result<(), DecodeError> {
        self.x += 4;
        if self.x >= self.w {
            self.x = 0;
            self.y += 4;
        }
        self.left -= 1;
        if more && self.left == 0 {
            return Err(DecodeError::at(
                at,
                "the blocks run past the end of the frame",
            ));
        }
        Ok(())
    }

    /// True when the current block lies wholly inside the visible picture.
    #[inline(always)]
    fn inside(&self) -> bool {
        self.x + 4 <= self.w && self.y + 4 <= self.h
    }

    /// The pixel at (`x`, `y`) of ffmpeg's buffer.
    #[inline]
    fn get(&self, x: usize, y: usize) -> u8 {
        if x < self.w {
            if y < self.h {
                self.data[y * self.w + x]
            } else if y < self.h4 {
                self.bottom[(y - self.h) * self.w + x]
            } else {
                0
            }
        } else if x < self.w4 && y < self.h4 {
            self.right[y * (self.w4 - self.w) + (x - self.w)]
        } else {
            0
        }
    }

    /// Sets the pixel at (`x`, `y`) of ffmpeg's buffer (`x < w4`, `y < h4`).
    #[inline]
    fn set(&mut self, x: usize, y: usize, v: u8) {
        if x < self.w {
            if y < self.h {
                self.data[y * self.w + x] = v;
            } else {
                self.bottom[(y - self.h) * self.w + x] = v;
            }
        } else {
            self.right[y * (self.w4 - self.w) + (x - self.w)] = v;
        }
    }

    /// Writes the current block from four rows (see [`row`]).
    #[inline(always)]
    fn put(&mut self, rows: [u32; 4]) {
        if self.inside() {
            let w = self.w;
            let mut o = self.y * w + self.x;
            for row in rows {
                self.data[o..o + 4].copy_from_slice(&row.to_le_bytes());
                o += w;
            }
        } else {
            self.put_edge(rows);
        }
    }

    #[cold]
    #[inline(never)]
    fn put_edge(&mut self, rows: [u32; 4]) {
        for (r, row) in rows.into_iter().enumerate() {
            for (c, v) in row.to_le_bytes().into_iter().enumerate() {
                self.set(self.x + c, self.y + r, v);
            }
        }
    }

    /// Copies the 4×4 block whose top-left pixel is at offset `src` of ffmpeg's
    /// buffer (`y × stride + x`) onto the current block, pixel by pixel in
    /// ffmpeg's order, each row of four read from consecutive offsets (so a
    /// source past the line's end wraps onto the next line, as in ffmpeg).
    #[inline(always)]
    fn copy_linear(&mut self, src: usize) {
        let (sy, sx) = (src / self.stride, src % self.stride);
        let (x, y) = (self.x, self.y);
        // Fast path: source and destination both whole, visible and apart.
        if self.inside()
            && sx + 4 <= self.w
            && sy + 4 <= self.h
            && (sy + 4 <= y || y + 4 <= sy || sx + 4 <= x || x + 4 <= sx)
        {
            let w = self.w;
            let mut s = sy * w + sx;
            let mut d = y * w + x;
            for _ in 0..4 {
                self.data.copy_within(s..s + 4, d);
                s += w;
                d += w;
            }
        } else {
            self.copy_slow(src);
        }
    }

    #[cold]
    #[inline(never)]
    fn copy_slow(&mut self, src: usize) {
        let stride = self.stride;
        for r in 0..4 {
            for c in 0..4 {
                let o = src + r * stride + c;
                let v = self.get(o % stride, o / stride);
                self.set(self.x + c, self.y + r, v);
            }
        }
    }
}

/// Four pixels of a block row, left to right, as the `u32` whose
/// little-endian bytes they are.
#[inline(always)]
fn row(a: u8, b: u8, c: u8, d: u8) -> u32 {
    u32::from(a) | (u32::from(b) << 8) | (u32::from(c) << 16) | (u32::from(d) << 24)
}

/// For 4 flag bits (leftmost pixel in the top bit), the row mask whose bytes
/// are 0xFF where the bit is set.
const BITS_TO_BYTES: [u32; 16] = {
    let mut t = [0u32; 16];
    let mut i = 0;
    while i < 16 {
        let mut c = 0;
        while c < 4 {
            if i & (8 >> c) != 0 {
                t[i] |= 0xff << (8 * c);
            }
            c += 1;
        }
        i += 1;
    }
    t
};

/// Reads byte `p` or fails as truncated.
#[inline(always)]
fn byte(s: &[u8], p: usize) -> Result<u8, DecodeError> {
    s.get(p)
        .copied()
        .ok_or_else(|| DecodeError::truncated(s.len()))
}

/// Checks that `n` more bytes follow `p`.
#[inline(always)]
fn need(s: &[u8], p: usize, n: usize) -> Result<(), DecodeError> {
    if s.len().saturating_sub(p) < n {
        return Err(DecodeError::truncated(s.len()));
    }
    Ok(())
}

/// A run of blocks' colours: `N` new ones (also stored in the cache's next
/// slot) when bit 0x10 of `op` is clear, else the cache entry a byte names.
#[inline(always)]
fn colours<const N: usize>(
    op: u8,
    s: &[u8],
    p: &mut usize,
    cache: &mut [[u8; N]; 256],
    next: &mut usize,
) -> Result<[u8; N], DecodeError> {
    if op & 0x10 == 0 {
        need(s, *p, N)?;
        let mut c = [0u8; N];
        c.copy_from_slice(&s[*p..*p + N]);
        *p += N;
        cache[*next] = c;
        *next = (*next + 1) % 256;
        Ok(c)
    } else {
        let i = byte(s, *p)?;
        *p += 1;
        Ok(cache[usize::from(i)])
    }
}

/// The caches' next slots to fill (each frame starts at slot 0).
#[derive(Default)]
struct NextSlots {
    pair: usize,
    quad: usize,
    octet: usize,
}

impl Blocks<'_> {
    /// Opcodes 0x20–0x3F: `n` copies of the previous block.
    #[inline(always)]
    fn repeat_block(&mut self, n: usize, at: usize) -> Result<(), DecodeError> {
        if self.x == 0 && self.y == 0 {
            return Err(DecodeError::at(
                at,
                "a repeat-block opcode before any block",
            ));
        }
        // ffmpeg's offsets (row start: `row - 4·width + width - 4`).
        let row = (self.y * self.stride) as isize;
        let src = if self.x == 0 {
            row - 3 * self.w as isize - 4
        } else {
            row + self.x as isize - 4
        };
        let src = usize::try_from(src)
            .map_err(|_| DecodeError::at(at, "a repeat-block opcode reaches before the picture"))?;
        for i in 1..=n {
            self.copy_linear(src);
            self.advance(i < n, at)?;
        }
        Ok(())
    }

    /// Opcodes 0x40–0x5F: `n` blocks repeating the previous two, alternating.
    #[inline(always)]
    fn repeat_two_blocks(&mut self, n: usize, at: usize) -> Result<(), DecodeError> {
        if self.y == 0 && self.x < 8 {
            return Err(DecodeError::at(
                at,
                "a repeat-two-blocks opcode before two blocks",
            ));
        }
        // ffmpeg's offsets, with its row-start special cases.
        let row = (self.y * self.stride) as isize;
        let (w, stride) = (self.w as isize, self.stride as isize);
        let (first, second) = match self.x {
            0 => (row - 3 * w - 8, row - 4 * w + stride - 4),
            4 => (row - 4 * w + stride - 4, row),
            x => (row + x as isize - 8, row + x as isize - 4),
        };
        let (Ok(first), Ok(second)) = (usize::try_from(first), usize::try_from(second)) else {
            return Err(DecodeError::at(
                at,
                "a repeat-two-blocks opcode reaches before the picture",
            ));
        };
        for i in 1..=n {
            self.copy_linear(if i % 2 == 1 { first } else { second });
            self.advance(i < n, at)?;
        }
        Ok(())
    }

    /// `n` blocks of the given four rows.
    #[inline(always)]
    fn repeat_rows(&mut self, rows: [u32; 4], n: usize, at: usize) -> Result<(), DecodeError> {
        for i in 1..=n {
            self.put(rows);
            self.advance(i < n, at)?;
        }
        Ok(())
    }

    /// Opcodes 0x80–0x9F: `n` two-colour blocks, 16 flag bits each.
    #[inline(always)]
    fn two_colour_blocks(
        &mut self,
        colours: [u8; 2],
        s: &[u8],
        p: &mut usize,
        n: usize,
        at: usize,
    ) -> Result<(), DecodeError> {
        need(s, *p, 2 * n)?;
        let first = u32::from(colours[0]) * 0x0101_0101;
        let second = u32::from(colours[1]) * 0x0101_0101;
        for i in 1..=n {
            let flags = u16::from_be_bytes([s[*p], s[*p + 1]]);
            *p += 2;
            // Each row's 4 flags pick bytes of the second colour.
            let rows = [12, 8, 4, 0].map(|shift| {
                let mask = BITS_TO_BYTES[usize::from((flags >> shift) & 0xf)];
                (first & !mask) | (second & mask)
            });
            self.put(rows);
            self.advance(i < n, at)?;
        }
        Ok(())
    }

    /// Opcodes 0xA0–0xBF: `n` four-colour blocks, 2 bits a pixel.
    #[inline(always)]
    fn four_colour_blocks(
        &mut self,
        colours: [u8; 4],
        s: &[u8],
        p: &mut usize,
        n: usize,
        at: usize,
    ) -> Result<(), DecodeError> {
        need(s, *p, 4 * n)?;
        for i in 1..=n {
            let rows = [0, 1, 2, 3].map(|r| {
                let bits = usize::from(s[*p + r]);
                let c = |i: usize| colours[i & 3];
                row(c(bits >> 6), c(bits >> 4), c(bits >> 2), c(bits))
            });
            *p += 4;
            self.put(rows);
            self.advance(i < n, at)?;
        }
        Ok(())
    }

    /// Opcodes 0xC0–0xDF: `n` eight-colour blocks, 3 bits a pixel in ffmpeg's
    /// nibble order.
    #[inline(always)]
    fn eight_colour_blocks(
        &mut self,
        colours: [u8; 8],
        s: &[u8],
        p: &mut usize,
        n: usize,
        at: usize,
    ) -> Result<(), DecodeError> {
        need(s, *p, 6 * n)?;
        for i in 1..=n {
            let q = *p;
            // Words 01 23 45 67 89 AB (nibbles) hold rows 0–1 as
            // 012 456 and rows 2–3 as 89A 37B.
            let v1 = u32::from(u16::from_be_bytes([s[q], s[q + 1]]));
            let v2 = u32::from(u16::from_be_bytes([s[q + 2], s[q + 3]]));
            let v3 = u32::from(u16::from_be_bytes([s[q + 4], s[q + 5]]));
            *p += 6;
            let top = ((v1 & 0xfff0) << 8) | (v2 >> 4);
            let bottom =
                ((v3 & 0xfff0) << 8) | ((v1 & 0x0f) << 8) | ((v2 & 0x0f) << 4) | (v3 & 0x0f);
            let c = |bits: u32, shift: u32| colours[((bits >> shift) & 7) as usize];
            let rows = [(top, 12), (top, 0), (bottom, 12), (bottom, 0)].map(|(bits, base)| {
                row(
                    c(bits, base + 9),
                    c(bits, base + 6),
                    c(bits, base + 3),
                    c(bits, base),
                )
            });
            self.put(rows);
            self.advance(i < n, at)?;
        }
        Ok(())
    }

    /// Opcodes 0xE0–0xFF: `n` blocks of 16 raw pixels.
    #[inline(always)]
    fn raw_blocks(
        &mut self,
        s: &[u8],
        p: &mut usize,
        n: usize,
        at: usize,
    ) -> Result<(), DecodeError> {
        need(s, *p, 16 * n)?;
        for i in 1..=n {
            let raw = &s[*p..*p + 16];
            let rows = [0, 4, 8, 12]
                .map(|o| u32::from_le_bytes([raw[o], raw[o + 1], raw[o + 2], raw[o + 3]]));
            *p += 16;
            self.put(rows);
            self.advance(i < n, at)?;
        }
        Ok(())
    }
}

impl SmcDecoder {
    /// Checks the sample against the frame's size (ffmpeg's plausibility
    /// check: at most 1024 blocks per byte) and allocates the strips outside
    /// the picture once the frame (and so its size) has passed the caller's
    /// limits. Returns the frame's block count.
    fn prepare(&mut self, sample: &[u8], frame: &mut Frame) -> Result<usize, DecodeError> {
        frame.check_shape(
            self.width as usize,
            self.height as usize,
            FrameKind::Indexed,
        )?;
        let (w, h) = (frame.width as usize, frame.height as usize);
        if frame.palette.as_ref() != Some(&self.palette) {
            frame.palette = Some(self.palette.clone());
        }
        let total = w.div_ceil(4) * h.div_ceil(4);
        if total / 1024 > sample.len() {
            return Err(DecodeError::at(
                0,
                format!(
                    "{} bytes cannot code the {total} blocks of a {w}×{h} frame",
                    sample.len()
                ),
            ));
        }
        let (w4, h4) = (w.div_ceil(4) * 4, h.div_ceil(4) * 4);
        if self.right.is_empty() && self.bottom.is_empty() {
            self.right = vec![0; (w4 - w) * h4];
            self.bottom = vec![0; (h4 - h) * w];
        }
        Ok(total)
    }
}

impl Decoder for SmcDecoder {
    fn kind(&self) -> FrameKind {
        FrameKind::Indexed
    }

    fn decode(&mut self, sample: &[u8], _sync: bool, frame: &mut Frame) -> Result<(), DecodeError> {
        let total = self.prepare(sample, frame)?;
        let (w, h) = (frame.width as usize, frame.height as usize);
        let (w4, h4) = (w.div_ceil(4) * 4, h.div_ceil(4) * 4);
        let s = sample;
        let mut b = Blocks {
            data: &mut frame.data,
            right: &mut self.right,
            bottom: &mut self.bottom,
            w,
            h,
            w4,
            h4,
            stride: ffmpeg_stride(w),
            x: 0,
            y: 0,
            left: total,
            total,
        };
        let mut next = NextSlots::default();
        // The header: a flag byte and the chunk length, both ignored.
        let mut p = 4;
        let mut ops = 0u32;
        while b.left > 0 {
            let at = p;
            // Every 64 opcodes (at most 16,384 blocks) the load's flag.
            ops = ops.wrapping_add(1);
            if ops.is_multiple_of(64) {
                super::check_interrupt(at)?;
            }
            let op = byte(s, p)?;
            p += 1;
            // Block count for opcodes 0x00–0x7F.
            let mut count = || -> Result<usize, DecodeError> {
                if op & 0x10 != 0 {
                    let c = byte(s, p)?;
                    p += 1;
                    Ok(usize::from(c) + 1)
                } else {
                    Ok(usize::from(op & 0x0f) + 1)
                }
            };
            // Block count for opcodes 0x80–0xFF.
            let short_count = usize::from(op & 0x0f) + 1;
            match op >> 4 {
                0x0 | 0x1 => {
                    let n = count()?;
                    b.skip(n, at)?;
                }
                0x2 | 0x3 => {
                    let n = count()?;
                    b.repeat_block(n, at)?;
                }
                0x4 | 0x5 => {
                    let n = count()? * 2;
                    b.repeat_two_blocks(n, at)?;
                }
                0x6 | 0x7 => {
                    let n = count()?;
                    let c = byte(s, p)?;
                    p += 1;
                    b.repeat_rows([u32::from(c) * 0x0101_0101; 4], n, at)?;
                }
                0x8 | 0x9 => {
                    let c = colours(op, s, &mut p, &mut self.pairs, &mut next.pair)?;
                    b.two_colour_blocks(c, s, &mut p, short_count, at)?;
                }
                0xa | 0xb => {
                    let c = colours(op, s, &mut p, &mut self.quads, &mut next.quad)?;
                    b.four_colour_blocks(c, s, &mut p, short_count, at)?;
                }
                0xc | 0xd => {
                    let c = colours(op, s, &mut p, &mut self.octets, &mut next.octet)?;
                    b.eight_colour_blocks(c, s, &mut p, short_count, at)?;
                }
                _ => b.raw_blocks(s, &mut p, short_count, at)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::container::FourCC;
    use sha2::{Digest, Sha256};

    fn info(w: u32, h: u32) -> StreamInfo {
        StreamInfo {
            codec: FourCC(*b"smc "),
            width: w,
            height: h,
            depth: 8,
            palette: Some(Palette::mac_default(8)),
        }
    }

    fn setup(w: u32, h: u32) -> (SmcDecoder, Frame) {
        let i = info(w, h);
        let d = SmcDecoder::new(&i).unwrap();
        let f = Frame::new(w, h, FrameKind::Indexed, None, &Default::default()).unwrap();
        (d, f)
    }

    /// A sample: the 4-byte header, then `body`.
    fn sample(body: &[u8]) -> Vec<u8> {
        let len = body.len() + 4;
        let mut s = vec![0, (len >> 16) as u8, (len >> 8) as u8, len as u8];
        s.extend_from_slice(body);
        s
    }

    /// The 4×4 block at block column `bx`, row `by`, row by row.
    fn block(f: &Frame, bx: usize, by: usize) -> Vec<u8> {
        let w = f.width as usize;
        let mut v = Vec::new();
        for y in by * 4..by * 4 + 4 {
            v.extend_from_slice(&f.data[y * w + bx * 4..y * w + bx * 4 + 4]);
        }
        v
    }

    #[test]
    fn every_opcode_by_hand() {
        let (mut d, mut f) = setup(16, 8);
        let raw: Vec<u8> = (100..116).collect();
        let mut body = vec![
            0x60, 7, // fill 1 block with 7
            0x80, 3, 9, 0xf0, 0x0f, // pair (3, 9), flags: rows 1 0 0 1
            0xa0, 10, 11, 12, 13, 0x1b, 0x1b, 0x1b, 0x1b, // quad, every row 0 1 2 3
            // octet 20..27; rows 0 1 2 3 / 4 5 6 7 / 7 6 5 4 / 3 2 1 0
            0xc0, 20, 21, 22, 23, 24, 25, 26, 27, 0x05, 0x36, 0x97, 0x78, 0xfa, 0xc8,
            0xe0, // 16 raw indices
        ];
        body.extend_from_slice(&raw);
        body.extend_from_slice(&[0x20, 0x40]); // repeat 1 block, then 1 pair
        d.decode(&sample(&body), true, &mut f).unwrap();
        assert_eq!(block(&f, 0, 0), vec![7; 16]);
        let (a, b) = (3, 9);
        assert_eq!(block(&f, 1, 0), [[b; 4], [a; 4], [a; 4], [b; 4]].concat());
        assert_eq!(block(&f, 2, 0), [10, 11, 12, 13].repeat(4));
        assert_eq!(
            block(&f, 3, 0),
            vec![
                20, 21, 22, 23, 24, 25, 26, 27, 27, 26, 25, 24, 23, 22, 21, 20
            ]
        );
        assert_eq!(block(&f, 0, 1), raw);
        assert_eq!(block(&f, 1, 1), raw);
        assert_eq!(block(&f, 2, 1), raw);
        assert_eq!(block(&f, 3, 1), raw);
        assert_eq!(f.palette, Some(Palette::mac_default(8)));

        // Next frame: skips keep the picture; the caches keep their slots.
        let before = f.data.clone();
        let body = [
            0x02, // skip 3
            0x90, 0, 0x00, 0x00, // pair slot 0 = (3, 9), all first colour
            0xb0, 0, 0xe4, 0xe4, 0xe4, 0xe4, // quad slot 0, every row 3 2 1 0
            0x10, 2, // skip 3 (long count)
        ];
        d.decode(&sample(&body), false, &mut f).unwrap();
        assert_eq!(block(&f, 3, 0), vec![3; 16]);
        assert_eq!(block(&f, 0, 1), [13, 12, 11, 10].repeat(4));
        for (bx, by) in [(0, 0), (1, 0), (2, 0), (1, 1), (2, 1), (3, 1)] {
            let mut g = f.clone();
            g.data = before.clone();
            assert_eq!(block(&f, bx, by), block(&g, bx, by), "block {bx},{by}");
        }
    }

    #[test]
    fn long_counts_and_runs_across_rows() {
        let (mut d, mut f) = setup(8, 8);
        // Fill 3 blocks (long count), then repeat the third for the last.
        d.decode(&sample(&[0x70, 2, 42, 0x20]), true, &mut f)
            .unwrap();
        assert!(f.data.iter().all(|&v| v == 42));
    }

    #[test]
    fn row_start_repeat_reads_where_ffmpeg_does() {
        // 64 pixels wide: ffmpeg's line is the width, so the previous block of a
        // row start is the last block of the row above.
        let (mut d, mut f) = setup(64, 8);
        let mut body = vec![0x6e, 1, 0xe0];
        body.extend(0..16u8);
        body.push(0x20);
        body.extend_from_slice(&[0x6e, 5]);
        d.decode(&sample(&body), true, &mut f).unwrap();
        assert_eq!(block(&f, 0, 1), (0..16).collect::<Vec<u8>>());

        // 8 pixels wide: ffmpeg's line is 64, and its offset 4·64 − 3·8 − 4
        // lands in the zeroed part of the line.
        let (mut d, mut f) = setup(8, 8);
        d.decode(&sample(&[0x61, 9, 0x20, 0x60, 9]), true, &mut f)
            .unwrap();
        assert_eq!(block(&f, 0, 1), vec![0; 16]);
        assert_eq!(block(&f, 1, 1), vec![9; 16]);
    }

    #[test]
    fn edge_blocks_are_clipped() {
        let (mut d, mut f) = setup(5, 6);
        let mut body = vec![0xe3];
        body.extend((0..64u8).map(|i| i + 1));
        d.decode(&sample(&body), true, &mut f).unwrap();
        // Block (0,0) = 1..16, (1,0) = 17..32, (0,1) = 33..48, (1,1) = 49..64.
        let expect: Vec<u8> = vec![
            1, 2, 3, 4, 17, //
            5, 6, 7, 8, 21, //
            9, 10, 11, 12, 25, //
            13, 14, 15, 16, 29, //
            33, 34, 35, 36, 49, //
            37, 38, 39, 40, 53,
        ];
        assert_eq!(f.data, expect);
    }

    #[test]
    fn malformed_samples_fail() {
        let (mut d, mut f) = setup(8, 8);
        let err = d.decode(&sample(&[0x20]), true, &mut f).unwrap_err();
        assert_eq!(err.at, Some(4));
        let err = d
            .decode(&sample(&[0x60, 1, 0x40]), true, &mut f)
            .unwrap_err();
        assert_eq!(err.at, Some(6));
        let err = d.decode(&sample(&[0x64, 1]), true, &mut f).unwrap_err();
        assert!(err.what.contains("past the end"), "{err}");
        let err = d
            .decode(&sample(&[0x61, 1, 0xe1, 0, 0]), true, &mut f)
            .unwrap_err();
        assert!(err.what.contains("ends early"), "{err}");
        assert!(d.decode(&sample(&[0x61, 1]), true, &mut f).is_err());
        assert!(d.decode(&[0, 0], true, &mut f).is_err());
        // Wrong frame.
        let mut g = Frame::new(8, 8, FrameKind::Rgba, None, &Default::default()).unwrap();
        assert!(d.decode(&sample(&[0x63, 1]), true, &mut g).is_err());
        let bad = StreamInfo {
            depth: 16,
            ..info(8, 8)
        };
        assert!(SmcDecoder::new(&bad).is_err());
    }

    pub(crate) use qtvr_testkit::Rng;

    /// A movie of one video track holding `samples` (20/600 s each), for
    /// ffmpeg to decode when the expected hashes are made.
    pub(crate) fn clip_movie(
        codec: &[u8; 4],
        w: usize,
        h: usize,
        depth: i16,
        samples: &[Vec<u8>],
    ) -> Vec<u8> {
        use crate::container::build::{MovieWriter, TrackSpec, video_entry};
        MovieWriter {
            timescale: 600,
            tracks: vec![TrackSpec {
                id: 1,
                enabled: true,
                handler: *b"vide",
                media_timescale: 600,
                descriptions: vec![video_entry(codec, w as u16, h as u16, depth, None)],
                samples: samples.iter().map(|s| (s.clone(), 20)).collect(),
                width: w as u16,
                height: h as u16,
                ..Default::default()
            }],
            ..Default::default()
        }
        .finish()
    }

    /// A random but well-formed smc sample covering every block of a `w×h`
    /// frame with every kind of opcode (skips only when `skips`), padded with
    /// 16 zero bytes.
    fn random_sample(rng: &mut Rng, w: usize, h: usize, skips: bool) -> Vec<u8> {
        let per_row = w.div_ceil(4);
        let total = per_row * h.div_ceil(4);
        let mut s = vec![0u8; 4];
        let mut done = 0;
        while done < total {
            let left = total - done;
            let mut kinds = vec![3, 4, 5, 6, 7, 8, 9, 10];
            if skips {
                kinds.extend([0, 0]);
            }
            if done > 0 {
                kinds.extend([1, 1]);
            }
            if done >= 2 && left >= 2 {
                kinds.extend([2, 2]);
            }
            let kind = kinds[rng.below(kinds.len())];
            let long = rng.below(10) < 3;
            let count = |rng: &mut Rng, max: usize, base: u8, s: &mut Vec<u8>| {
                if long {
                    let n = 1 + rng.below(max.min(256));
                    s.extend([base | 0x10, (n - 1) as u8]);
                    n
                } else {
                    let n = 1 + rng.below(max.min(16));
                    s.push(base | (n - 1) as u8);
                    n
                }
            };
            let n = match kind {
                0 => count(rng, left, 0x00, &mut s),
                1 => count(rng, left, 0x20, &mut s),
                2 => count(rng, left / 2, 0x40, &mut s) * 2,
                3 => {
                    let n = count(rng, left, 0x60, &mut s);
                    s.push(rng.byte());
                    n
                }
                _ => {
                    let n = 1 + rng.below(left.min(16));
                    let (op, colours, per_block) = match kind {
                        4 => (0x80, 2, 2),
                        5 => (0x90, 0, 2),
                        6 => (0xa0, 4, 4),
                        7 => (0xb0, 0, 4),
                        8 => (0xc0, 8, 6),
                        9 => (0xd0, 0, 6),
                        _ => (0xe0, 0, 16),
                    };
                    s.push(op | (n - 1) as u8);
                    if op & 0x10 != 0 && op != 0xf0 && op != 0xe0 {
                        s.push(rng.byte());
                    }
                    s.extend(rng.bytes(colours + per_block * n));
                    n
                }
            };
            done += n;
        }
        s.extend([0; 16]);
        s
    }

    /// The random clips of [`matches_ffmpeg_on_random_streams`]: width, height,
    /// seed, frames.
    const RANDOM_CLIPS: [(usize, usize, u64, usize); 6] = [
        (70, 46, 1, 4),
        (69, 45, 2, 4),
        (71, 47, 3, 4),
        (13, 9, 4, 4),
        (64, 64, 5, 4),
        (3, 2, 6, 4),
    ];

    fn random_clip(w: usize, h: usize, seed: u64, frames: usize) -> Vec<Vec<u8>> {
        let mut rng = Rng::new(seed);
        (0..frames)
            .map(|i| random_sample(&mut rng, w, h, i > 0))
            .collect()
    }

    pub(crate) fn hex(bytes: &[u8]) -> String {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Writes each random clip as a movie, `$SMC_DUMP/WxH.mov` (depth 8, the
    /// default Mac palette), for ffmpeg to make the expected hashes.
    #[test]
    #[ignore]
    fn dump_random_streams() {
        let dir = std::env::var("SMC_DUMP").expect("SMC_DUMP");
        for (w, h, seed, frames) in RANDOM_CLIPS {
            let clip = random_clip(w, h, seed, frames);
            let movie = clip_movie(b"smc ", w, h, 8, &clip);
            std::fs::write(format!("{dir}/{w}x{h}.mov"), movie).unwrap();
        }
    }

    /// Random streams of every opcode (repeats at row starts, cache slots from
    /// earlier frames, skips, edge blocks) against ffmpeg's decode: the SHA-256
    /// of each frame's indices. Made with ffmpeg 5.1.9 (Debian
    /// 5.1.9-0+deb12u1) from the movies of [`dump_random_streams`]
    /// (`SMC_DUMP=DIR cargo test --release -p qtvr-format
    /// smc::tests::dump_random_streams -- --ignored`): `ffmpeg -v error -i
    /// DIR/WxH.mov -f rawvideo -pix_fmt pal8 -`, each frame's first W×H bytes
    /// (its 1024-byte palette follows them) hashed with `sha256sum`.
    #[test]
    fn matches_ffmpeg_on_random_streams() {
        let expected: [&[&str]; 6] = EXPECTED_RANDOM;
        for ((w, h, seed, frames), want) in RANDOM_CLIPS.into_iter().zip(expected) {
            let (mut d, mut f) = setup(w as u32, h as u32);
            for (i, s) in random_clip(w, h, seed, frames).iter().enumerate() {
                d.decode(s, i == 0, &mut f).unwrap();
                assert_eq!(hex(&f.data), want[i], "{w}×{h} frame {i}");
            }
        }
    }

    /// Decodes every `codec` track of the generated sample movies
    /// (`shared/samples/gen` beside the checkout) in order and compares each frame's RGB24 with
    /// the ffmpeg SHA-256 its JSON lists. Returns the frames checked (0 after a
    /// skip, a failure under `CI=true`, when the folder is absent).
    pub(crate) fn check_gen_tracks(codec: &str) -> usize {
        use super::super::decoder_for;
        let Some(dir) = qtvr_testkit::samples_dir().map(|d| d.join("gen")) else {
            return 0;
        };
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut movies: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "mov"))
            .collect();
        movies.sort();
        let mut checked = 0;
        for path in movies {
            let Ok(json) = std::fs::read(path.with_extension("json")) else {
                continue;
            };
            let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
            let bytes = std::fs::read(&path).unwrap();
            let movie = crate::qtvr::load(&bytes).unwrap().movie;
            let Some(tracks) = json["tracks"].as_array() else {
                continue;
            };
            for (ti, jt) in tracks.iter().enumerate() {
                if jt["sample_description"]["format"].as_str() != Some(codec) {
                    continue;
                }
                let Some(want) = jt["ffmpeg_rgb24_sha256"].as_array() else {
                    continue;
                };
                let name = format!("{} track {ti}", path.display());
                let track = &movie.tracks[ti];
                let info = StreamInfo::from_description(&track.descriptions[0]).unwrap();
                let mut dec = decoder_for(&info).unwrap();
                let mut frame = Frame::new(
                    info.width,
                    info.height,
                    dec.kind(),
                    info.palette.clone(),
                    &Default::default(),
                )
                .unwrap();
                assert_eq!(want.len(), track.samples.len(), "{name}");
                for (i, (s, want)) in track.samples.iter().zip(want).enumerate() {
                    let data = &bytes[s.offset as usize..][..s.size as usize];
                    dec.decode(data, s.is_sync, &mut frame)
                        .unwrap_or_else(|e| panic!("{name} sample {i}: {e}"));
                    assert_eq!(
                        Some(hex(&frame.to_rgb24()).as_str()),
                        want.as_str(),
                        "{name} sample {i}"
                    );
                    checked += 1;
                }
            }
        }
        checked
    }

    #[test]
    fn gen_samples_match_ffmpeg() {
        let n = check_gen_tracks("smc ");
        // Without the samples (a skip) nothing; with them, the smc movies' frames.
        assert!(
            n > 0 || !qtvr_testkit::shared_samples().is_dir(),
            "no smc frame of the generated samples was checked"
        );
    }

    const EXPECTED_RANDOM: [&[&str]; 6] = [
        &[
            "5137be6c39aeaa3e52f95efd59c5ebd16d614676e0362a93f2f065ff14ffcf5f",
            "788c027d59e466004c09e431bde12ee6e33dc252ad452ea814317035b61ed3b9",
            "3423e0ab9ac4f835686fdd257f29798a1eadc0d4ea598db5bdf1b6b342af98fe",
            "104b0e60b0836af66bcafff3508867528b7999faef8dbc48c73564f9639303db",
        ],
        &[
            "d8b59bcb0181adf106fcb0e99ab1a3fdbb76c0c548142386bdcb07c46334e55a",
            "7b8d592ba9f74fba3971898fbcdd03d803f2449b9f97dfba71a074fbf9952cac",
            "6c4f5b952225af7c211d86b8b543531ca9a6ef059ef7aca685c5cf8fa76c6cb3",
            "d6b928847e54444ac878f7fedca770065fcddd7a1839cc4d27ba0ffa826f6c92",
        ],
        &[
            "4dd83d687c16bc855549930c64b0a50c9f020f97eb9c7c95b278beaa0fea2458",
            "82336ebae2e9203d4156435778aae6d8aaa441f644a055ea566dfeebcf4897ad",
            "b8af6d9e95a28c0900b7cbc9936cab6fae37b115db54926ade83079fb86d3bec",
            "57ed085a0bbf92c0a64b9a2bdfae30afb153d1492164a6e15e01c793b34bcaef",
        ],
        &[
            "9a97ab9493581027fa0c2e03ebef3ac466ff3df78f8289f739479c87b6da9ca6",
            "6221eef6efeee12b862e17313255ffa1b3294fc55057546a8fded1097aac9a08",
            "805155fcdfb58f0e57f68ce80d3d1aedc04e49befdeddd9692b50362675550bd",
            "da3bb99ae7e4cdc4bd025c2afcd75cef270ea1f87d04aa59ca9714cd89caa43e",
        ],
        &[
            "8cab013d2e6d965daf1ec81d223404891689f556dd116ac520f1a3f3c2cc0cd6",
            "9e706ad73838638779d2fb118c5988be93a4b7f7814f66a03fcff2824b1b9a81",
            "8b985d5a58515d7d488065df0aa8e173252d1d11dd4b583f6926eaad3f2cc005",
            "9850c9307f243d7f2563a5e7db9f52055663e6b3ff0bbf01ab05951d02aea32e",
        ],
        &[
            "ff35ffe14925642da6f3a258b35811e08101c03f8b5db346e5afcca448677564",
            "12ecf65002bf5b1bf509cda31ef6ca6b7c1b9a6f1165966dcbdaa261e6d2d00b",
            "b0f66adc83641586656866813fd9dd0b8ebb63796075661ba45d1aa8089e1d44",
            "745fc14354b084b19a5439b40fdd328652f32eb2141c1e4a03274d9564a4d989",
        ],
    ];

    /// Arbitrary bytes decode or fail, never panic, at any size.
    #[test]
    fn garbage_never_panics() {
        let mut rng = Rng::new(0x1234_5678);
        for (w, h) in [(1, 1), (3, 2), (5, 7), (8, 8), (70, 46), (4, 64)] {
            let (mut d, mut f) = setup(w, h);
            for _ in 0..3000 {
                let len = rng.below(400);
                let mut s = rng.bytes(len);
                if len > 4 && rng.below(2) == 0 {
                    // Mostly short block counts, so that runs reach the end.
                    for b in &mut s[4..] {
                        *b &= 0xef;
                    }
                }
                let _ = d.decode(&s, false, &mut f);
            }
        }
    }
}
