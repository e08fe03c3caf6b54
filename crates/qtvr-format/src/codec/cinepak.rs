//! `cvid` (Cinepak) decoder, matching ffmpeg's decoder (the reference) bit for
//! bit. Written by hand: no maintained Rust crate decodes Cinepak.
//!
//! A frame is a 10-byte header (flags, 24-bit size, width, height, strip count)
//! and up to 32 strips. Each strip has a 12-byte header (id, 24-bit size, top,
//! left, bottom or height, right) and chunks:
//!
//! * `0x20`–`0x27`: a codebook of 256 entries, each four 2×2 luma values plus
//!   (unless bit 2 is set) a chroma pair. Bit 1 picks the V1 codebook over V4;
//!   bit 0 makes it a partial update, where a 32-bit flag word before each 32
//!   entries says which entries follow.
//! * `0x30`: intra blocks, one flag bit per 4×4 block: V4 (four indices, one per
//!   2×2 quadrant) or V1 (one index, its four values each doubled to 2×2).
//! * `0x31`: inter blocks: one bit per block says coded or skipped (the frame
//!   keeps its pixels), and coded blocks take a second bit, V4 or V1.
//! * `0x32`: V1 blocks only, no flags.
//!
//! Anything after a block chunk ends the strip; other chunk ids are skipped.
//!
//! Where ffmpeg's behaviour is a choice it is followed exactly:
//!
//! * Codebooks live per strip index and persist across frames; unless bit 0 of
//!   the frame flags is set, strip *i* starts from strip *i − 1*'s codebooks as
//!   they stand after decoding it.
//! * A strip's top field of 0 means "just below the previous strip" and its
//!   bottom field is then a height; otherwise both are absolute rows. The
//!   strip must lie within the frame rounded up to multiples of 4.
//! * 12-byte entries become RGB through Cinepak's own colour transform
//!   (`r = y + 2v`, `g = y − u/2 − v`, `b = y + 2u`, clamped); 4-byte entries are
//!   grey (`r = g = b = y`).
//! * Depth 8 streams are palettized: the output is palette indices, taken from
//!   the entries' red values (the luma bytes of 4-byte entries). Every other
//!   depth, grey depth 40 included, gives RGB.
//! * Blocks reaching past the frame's right or bottom edge are clipped.
//! * The Sega FILM variant (2 or 6 extra header bytes, detected on the first
//!   frame when the frame's size field disagrees with the sample size) is
//!   recognised as ffmpeg does.
//! * A frame with no strips leaves the picture as it was. Header problems leave
//!   it untouched; a problem inside a strip stops decoding there, keeping the
//!   strips and blocks already decoded (ffmpeg shows that partial frame), and is
//!   reported as an error.
//!
//! For speed, a strip's codebooks are kept as one table of ready-made RGBA 2×2
//! quadrants (V1 entries pre-expanded), so every block is four table lookups
//! chosen without branching on its kind and copied into the frame row by row;
//! runs of skipped inter blocks are passed over a flag word at a time.

use super::{DecodeError, Decoder, Frame, FrameKind, Palette, StreamInfo, Unsupported};
use crate::container::be::{be16, be24, be32};

/// ffmpeg decodes at most this many strips per frame, ignoring the rest.
const MAX_STRIPS: usize = 32;

/// A 2×2 quadrant of a 4×4 block: four RGBA pixels, its top row (bytes 0..8)
/// then its bottom row (bytes 8..16). Palettized streams use the red bytes.
type Quad = [u8; 16];

/// Where V1 entries start in [`Codebooks::quads`].
const V1_BASE: usize = 256;

/// A strip's two codebooks as one table of quadrants, so that every block,
/// V1 or V4, is four indices into it:
///
/// * `0..256`: the V4 codebook, entry *i* as its own 2×2 pixels;
/// * `256 + 4i + q`: V1 entry *i*'s pixel *q* doubled to 2×2, which is
///   quadrant *q* of the block it paints.
#[derive(Clone)]
struct Codebooks {
    quads: [Quad; V1_BASE + 4 * 256],
}

/// Opaque black.
const BLACK: [u8; 4] = [0, 0, 0, 255];

/// A quadrant from its four pixels in reading order.
fn quad(px: [[u8; 4]; 4]) -> Quad {
    let mut q = [0; 16];
    for (dst, p) in q.chunks_exact_mut(4).zip(px) {
        dst.copy_from_slice(&p);
    }
    q
}

/// Four copies of a pixel.
fn quad_of(px: [u8; 4]) -> Quad {
    quad([px; 4])
}

impl Codebooks {
    fn new() -> Box<Codebooks> {
        // ffmpeg's codebooks start zeroed: black.
        Box::new(Codebooks {
            quads: [quad_of(BLACK); V1_BASE + 4 * 256],
        })
    }
}

/// Decoder for `cvid` streams.
pub struct CinepakDecoder {
    width: usize,
    height: usize,
    /// The frame size rounded up to multiples of 4 (strips must fit in it).
    width4: usize,
    height4: usize,
    /// Depth 8: palette indices out.
    indexed: bool,
    palette: Option<Palette>,
    /// Codebooks per strip index, grown as strips appear.
    strips: Vec<Box<Codebooks>>,
    /// Extra header bytes of Sega FILM data, decided on the first frame.
    sega_skip: Option<usize>,
}

impl CinepakDecoder {
    /// A decoder for the stream, or why it cannot be decoded.
    pub fn new(info: &StreamInfo) -> Result<Self, Unsupported> {
        if &info.codec.0 != b"cvid" {
            return Err(Unsupported::Codec(info.codec));
        }
        let indexed = info.depth == 8;
        let palette = if indexed {
            Some(
                info.palette
                    .clone()
                    .unwrap_or_else(|| Palette::mac_default(8)),
            )
        } else {
            None
        };
        let width = info.width as usize;
        let height = info.height as usize;
        Ok(CinepakDecoder {
            width,
            height,
            width4: (width + 3) & !3,
            height4: (height + 3) & !3,
            indexed,
            palette,
            strips: Vec::new(),
            sega_skip: None,
        })
    }
}

impl Decoder for CinepakDecoder {
    fn kind(&self) -> FrameKind {
        if self.indexed {
            FrameKind::Indexed
        } else {
            FrameKind::Rgba
        }
    }

    fn decode(&mut self, sample: &[u8], _sync: bool, frame: &mut Frame) -> Result<(), DecodeError> {
        frame.check_shape(self.width, self.height, self.kind())?;
        if self.indexed && frame.palette.is_none() {
            frame.palette = self.palette.clone();
        }
        self.decode_frame(sample, frame)
    }
}

/// A strip's rectangle in pixels.
#[derive(Debug, Clone, Copy)]
struct Rect {
    x1: usize,
    y1: usize,
    x2: usize,
    y2: usize,
}

/// What a frame's header says: its flags (bit 0: each strip has its own
/// codebooks), its strip count and where the first strip starts.
struct FrameHeader {
    flags: u8,
    strips: usize,
    first_strip: usize,
}

/// Strip `i`'s header at `pos`: its rectangle (a relative strip starts at
/// `y0`, below the previous one) and its stated size.
fn strip_header(s: &[u8], pos: usize, i: usize, y0: usize) -> Result<(Rect, usize), DecodeError> {
    if pos + 12 > s.len() {
        return Err(DecodeError::at(
            pos,
            format!("strip {i}'s header runs past the end of the sample"),
        ));
    }
    let top = usize::from(be16(s, pos + 4));
    let (y1, y2) = if top == 0 {
        // Relative: starts below the previous strip; the field is a height.
        // (ffmpeg keeps these in 16 bits.)
        (y0, (y0 + usize::from(be16(s, pos + 8))) & 0xFFFF)
    } else {
        (top, usize::from(be16(s, pos + 8)))
    };
    let rect = Rect {
        x1: usize::from(be16(s, pos + 6)),
        y1,
        x2: usize::from(be16(s, pos + 10)),
        y2,
    };
    let stated = be24(s, pos + 1) as usize;
    if stated < 12 {
        return Err(DecodeError::at(
            pos + 1,
            format!("strip {i}'s size {stated} is less than its 12-byte header"),
        ));
    }
    Ok((rect, stated))
}

impl CinepakDecoder {
    fn decode_frame(&mut self, s: &[u8], frame: &mut Frame) -> Result<(), DecodeError> {
        let Some(h) = self.frame_header(s)? else {
            // ffmpeg returns without a new picture: the previous one stays.
            return Ok(());
        };
        let num_strips = h.strips.min(MAX_STRIPS);
        while self.strips.len() < num_strips {
            self.strips.push(Codebooks::new());
        }

        let mut pos = h.first_strip;
        let mut y0: usize = 0;
        for i in 0..num_strips {
            super::check_interrupt(pos)?;
            let (rect, stated) = strip_header(s, pos, i, y0)?;
            pos += 12;
            let end = (pos + stated - 12).min(s.len());

            if i > 0 && h.flags & 1 == 0 {
                let (before, after) = self.strips.split_at_mut(i);
                after[0].clone_from(&before[i - 1]);
            }

            if rect.x2 > self.width4
                || rect.y2 > self.height4
                || rect.x1 >= rect.x2
                || rect.y1 >= rect.y2
            {
                return Err(DecodeError::at(
                    pos - 12,
                    format!(
                        "strip {i} covers x {}..{}, y {}..{}, outside the {}×{} frame",
                        rect.x1, rect.x2, rect.y1, rect.y2, self.width, self.height
                    ),
                ));
            }
            self.decode_strip(i, rect, s, pos, end, frame)?;
            pos = end;
            y0 = rect.y2;
        }
        Ok(())
    }

    /// The frame header, after ffmpeg's pre-decode checks (failing them leaves
    /// the frame untouched); `None` for a frame of no strips. Learns the Sega
    /// FILM padding after the header from the first frame.
    fn frame_header(&mut self, s: &[u8]) -> Result<Option<FrameHeader>, DecodeError> {
        if s.len() < 10 {
            return Err(DecodeError::truncated(s.len()));
        }
        let flags = s[0];
        let encoded_size = be24(s, 1) as usize;
        let num_strips = usize::from(be16(s, 8));
        if num_strips == 0 {
            return Ok(None);
        }

        // (The default `discard_damaged_percentage` of 95 lets a sample be as
        // short as 5% of its stated size.)
        if (s.len() as u64) < encoded_size as u64 * 5 / 100 {
            return Err(DecodeError::at(
                1,
                format!(
                    "the frame says it is {encoded_size} bytes, but the sample has only {}",
                    s.len()
                ),
            ));
        }
        let skip = match self.sega_skip {
            Some(skip) => skip,
            None => {
                if encoded_size == 0 {
                    return Err(DecodeError::at(1, "the frame's size field is 0"));
                }
                let skip = if encoded_size != s.len() && !s.len().is_multiple_of(encoded_size) {
                    if s.len() >= 16 && s[10..16] == [0xFE, 0, 0, 0x06, 0, 0] {
                        6
                    } else {
                        2
                    }
                } else {
                    0
                };
                self.sega_skip = Some(skip);
                skip
            }
        };
        let first = 10 + skip;
        if s.len() < first + num_strips * 12 {
            return Err(DecodeError::at(
                8,
                format!(
                    "{num_strips} strip headers of 12 bytes do not fit in the {}-byte sample",
                    s.len()
                ),
            ));
        }
        let first_size = be24(s, first + 1) as usize;
        if first_size < 12 || first_size > encoded_size {
            return Err(DecodeError::at(
                first + 1,
                format!(
                    "the first strip's size {first_size} is not between 12 and the frame's size {encoded_size}"
                ),
            ));
        }
        Ok(Some(FrameHeader {
            flags,
            strips: num_strips,
            first_strip: first,
        }))
    }

    /// Decodes the chunks of strip `i`, bytes `pos..end` of the sample.
    fn decode_strip(
        &mut self,
        i: usize,
        rect: Rect,
        s: &[u8],
        mut pos: usize,
        end: usize,
        frame: &mut Frame,
    ) -> Result<(), DecodeError> {
        while pos + 4 <= end {
            let id = s[pos];
            let stated = be24(s, pos + 1) as usize;
            if stated < 4 {
                return Err(DecodeError::at(
                    pos + 1,
                    format!("chunk 0x{id:02x}'s size {stated} is less than its 4-byte header"),
                ));
            }
            let start = pos + 4;
            let stop = (start + stated - 4).min(end);
            let cb = &mut self.strips[i];
            match id {
                0x20 | 0x21 | 0x24 | 0x25 => load_v4(cb, id, &s[start..stop]),
                0x22 | 0x23 | 0x26 | 0x27 => load_v1(cb, id, &s[start..stop]),
                0x30..=0x32 => {
                    let chunk = BlockChunk {
                        cb,
                        id,
                        rect,
                        s: &s[..stop],
                        pos: start,
                    };
                    let r = if self.indexed {
                        decode_blocks::<Indexed>(chunk, self.width, self.height, frame)
                    } else {
                        decode_blocks::<Rgba>(chunk, self.width, self.height, frame)
                    };
                    return r;
                }
                _ => {}
            }
            pos = stop;
        }
        Err(DecodeError::at(pos, "a strip ends without a block chunk"))
    }
}

/// Reads codebook chunk `id`'s entries, handing each changed entry's index and
/// four RGBA pixels to `store`. Like ffmpeg, it stops quietly where the data
/// runs out.
#[inline(always)]
fn load_codebook(id: u8, d: &[u8], mut store: impl FnMut(usize, [[u8; 4]; 4])) {
    let partial = id & 1 != 0;
    let n = if id & 4 != 0 { 4 } else { 6 };
    let mut p = 0usize;
    let mut flag = 0u32;
    let mut mask = 0u32;
    for i in 0..256 {
        if partial {
            mask >>= 1;
            if mask == 0 {
                if p + 4 > d.len() {
                    break;
                }
                flag = be32(d, p);
                p += 4;
                mask = 0x8000_0000;
            }
            if flag & mask == 0 {
                continue;
            }
        }
        let Some(e) = d.get(p..p + n) else {
            break;
        };
        p += n;
        let px = if n == 6 {
            let u = i32::from(e[4] as i8);
            let v = i32::from(e[5] as i8);
            let (dr, dg, db) = (v * 2, -(u / 2) - v, u * 2);
            let rgb = |y: u8| {
                let y = i32::from(y);
                [
                    (y + dr).clamp(0, 255) as u8,
                    (y + dg).clamp(0, 255) as u8,
                    (y + db).clamp(0, 255) as u8,
                    255,
                ]
            };
            [rgb(e[0]), rgb(e[1]), rgb(e[2]), rgb(e[3])]
        } else {
            let grey = |y: u8| [y, y, y, 255];
            [grey(e[0]), grey(e[1]), grey(e[2]), grey(e[3])]
        };
        store(i, px);
    }
}

fn load_v4(cb: &mut Codebooks, id: u8, d: &[u8]) {
    load_codebook(id, d, |i, px| {
        cb.quads[i] = quad(px);
    });
}

fn load_v1(cb: &mut Codebooks, id: u8, d: &[u8]) {
    load_codebook(id, d, |i, px| {
        for (q, p) in px.into_iter().enumerate() {
            cb.quads[V1_BASE + 4 * i + q] = quad_of(p);
        }
    });
}

/// How blocks are written into the frame: RGBA or palette indices.
trait Out {
    const BPP: usize;

    /// Writes a whole block at byte offset `at` of the four rows `r`.
    fn put(r: &mut [&mut [u8]; 4], at: usize, q: [&Quad; 4]);

    /// Writes the top `rows` rows and left `cols` columns of a block at byte
    /// offset `at` of rows `r`: a block the frame's right or bottom edge clips.
    fn put_clipped(r: &mut [&mut [u8]; 4], at: usize, q: [&Quad; 4], rows: usize, cols: usize) {
        for (y, row) in r.iter_mut().enumerate().take(rows) {
            for c in 0..cols {
                let (k, i) = pixel_at(y, c);
                let o = at + c * Self::BPP;
                row[o..o + Self::BPP].copy_from_slice(&q[k][i..i + Self::BPP]);
            }
        }
    }
}

/// Index in the block's quadrant list, and byte offset in that quadrant, of
/// pixel (r, c) of a block.
#[inline(always)]
fn pixel_at(r: usize, c: usize) -> (usize, usize) {
    ((r >> 1) * 2 + (c >> 1), ((r & 1) * 2 + (c & 1)) * 4)
}

struct Rgba;

impl Out for Rgba {
    const BPP: usize = 4;

    #[inline(always)]
    fn put(r: &mut [&mut [u8]; 4], at: usize, q: [&Quad; 4]) {
        let [q0, q1, q2, q3] = q;
        for (k, row) in r.iter_mut().enumerate() {
            let (left, right, half) = if k < 2 {
                (q0, q1, k * 8)
            } else {
                (q2, q3, (k - 2) * 8)
            };
            let dst = &mut row[at..at + 16];
            dst[..8].copy_from_slice(&left[half..half + 8]);
            dst[8..].copy_from_slice(&right[half..half + 8]);
        }
    }
}

struct Indexed;

impl Out for Indexed {
    const BPP: usize = 1;

    #[inline(always)]
    fn put(r: &mut [&mut [u8]; 4], at: usize, q: [&Quad; 4]) {
        for (k, row) in r.iter_mut().enumerate() {
            let (left, right, half) = if k < 2 {
                (q[0], q[1], k * 8)
            } else {
                (q[2], q[3], (k - 2) * 8)
            };
            row[at..at + 4].copy_from_slice(&[
                left[half],
                left[half + 4],
                right[half],
                right[half + 4],
            ]);
        }
    }
}

/// Flag bits, read as ffmpeg reads them: a big-endian 32-bit word whenever the
/// previous one is used up, most significant bit first.
struct Flags {
    /// The unread bits of the current word, left-aligned.
    bits: u32,
    /// How many are unread.
    left: u32,
}

impl Flags {
    /// Makes sure a bit is unread, reading a new word at `pos` if needed.
    #[inline(always)]
    fn fill(&mut self, s: &[u8], pos: &mut usize, id: u8) -> Result<(), DecodeError> {
        if self.left == 0 {
            let Some(w) = s.get(*pos..*pos + 4) else {
                return Err(short(id, *pos));
            };
            self.bits = u32::from_be_bytes([w[0], w[1], w[2], w[3]]);
            self.left = 32;
            *pos += 4;
        }
        Ok(())
    }

    /// The next bit.
    #[inline(always)]
    fn bit(&mut self, s: &[u8], pos: &mut usize, id: u8) -> Result<bool, DecodeError> {
        self.fill(s, pos, id)?;
        let b = self.bits & 0x8000_0000 != 0;
        self.bits <<= 1;
        self.left -= 1;
        Ok(b)
    }
}

/// A block chunk that ends before its blocks do.
fn short(id: u8, at: usize) -> DecodeError {
    DecodeError::at(
        at,
        format!("block chunk 0x{id:02x} ends before its last block"),
    )
}

/// A block chunk to decode: its ID (0x30, 0x31 or 0x32), the strip's
/// codebooks and rectangle, and the sample's bytes, the chunk's blocks from
/// `pos` up to the end of `s`.
#[derive(Clone, Copy)]
struct BlockChunk<'a> {
    cb: &'a Codebooks,
    id: u8,
    rect: Rect,
    s: &'a [u8],
    pos: usize,
}

/// Decodes a block chunk into a `width`×`height` frame.
fn decode_blocks<O: Out>(
    chunk: BlockChunk<'_>,
    width: usize,
    height: usize,
    frame: &mut Frame,
) -> Result<(), DecodeError> {
    let data = &mut frame.data[..];
    match chunk.id {
        0x30 => blocks::<O, false, false>(chunk, width, height, data),
        0x31 => blocks::<O, true, false>(chunk, width, height, data),
        _ => blocks::<O, false, true>(chunk, width, height, data),
    }
}

/// The block loop, for intra (one flag bit per block: V4 or V1), inter (a
/// coded-or-skipped bit per block, then the V4-or-V1 bit) and V1-only chunks.
#[inline(always)]
fn blocks<O: Out, const INTER: bool, const V1_ONLY: bool>(
    chunk: BlockChunk<'_>,
    width: usize,
    height: usize,
    data: &mut [u8],
) -> Result<(), DecodeError> {
    let BlockChunk {
        cb,
        id,
        rect,
        s,
        mut pos,
    } = chunk;
    let stride = width * O::BPP;
    let quads = &cb.quads;
    let per_row = (rect.x2 - rect.x1).div_ceil(4);
    let block_rows = (rect.y2 - rect.y1).div_ceil(4);
    // Blocks of each row wholly left of the frame's right edge; those past it
    // are clipped, as are rows past the bottom (ffmpeg drops those pixels).
    let whole = if rect.x1 >= width {
        0
    } else {
        ((width - rect.x1) / 4).min(per_row)
    };
    let mut flags = Flags { bits: 0, left: 0 };
    // Blocks still to skip in an inter chunk (runs cross rows).
    let mut skip = 0usize;
    for by in 0..block_rows {
        let y = rect.y1 + 4 * by;
        let rows = height.saturating_sub(y).min(4);
        let band_at = y.min(height) * stride;
        let mut it = data[band_at..band_at + rows * stride].chunks_exact_mut(stride.max(1));
        let mut r: [&mut [u8]; 4] = [
            it.next().unwrap_or_default(),
            it.next().unwrap_or_default(),
            it.next().unwrap_or_default(),
            it.next().unwrap_or_default(),
        ];
        // Whole blocks need all four rows.
        let whole = if rows == 4 { whole } else { 0 };
        let mut bx = 0;
        while bx < per_row {
            if INTER {
                if skip > 0 {
                    let n = skip.min(per_row - bx);
                    skip -= n;
                    bx += n;
                    continue;
                }
                flags.fill(s, &mut pos, id)?;
                if flags.bits & 0x8000_0000 == 0 {
                    // A run of skipped blocks: the frame keeps its pixels.
                    let left_in_chunk = (block_rows - by) * per_row - bx;
                    let run = flags.bits.leading_zeros().min(flags.left) as usize;
                    let run = run.min(left_in_chunk);
                    flags.bits = flags.bits.checked_shl(run as u32).unwrap_or(0);
                    flags.left -= run as u32;
                    skip = run;
                    continue;
                }
                flags.bits <<= 1;
                flags.left -= 1;
            }
            let v1 = V1_ONLY || !flags.bit(s, &mut pos, id)?;
            // The block's quadrants: four V4 entries, or one V1 entry's four.
            let k = if let Some(i) = s.get(pos..pos + 4) {
                // Without branches: V1 and V4 blocks come in unpredictable order.
                let v1_base = V1_BASE + 4 * usize::from(i[0]);
                let m = 0usize.wrapping_sub(usize::from(v1));
                let pick = |n: usize| (v1_base + n) & m | usize::from(i[n]) & !m;
                pos += 4 - 3 * usize::from(v1);
                [pick(0), pick(1), pick(2), pick(3)]
            } else if v1 && pos < s.len() {
                let v1_base = V1_BASE + 4 * usize::from(s[pos]);
                pos += 1;
                [v1_base, v1_base + 1, v1_base + 2, v1_base + 3]
            } else {
                return Err(short(id, pos));
            };
            let q = [&quads[k[0]], &quads[k[1]], &quads[k[2]], &quads[k[3]]];
            let x = rect.x1 + bx * 4;
            if bx < whole {
                O::put(&mut r, x * O::BPP, q);
            } else {
                let cols = width.saturating_sub(x).min(4);
                O::put_clipped(&mut r, x * O::BPP, q, rows, cols);
            }
            bx += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::FourCC;
    use crate::limits::Limits;

    fn info(width: u32, height: u32, depth: u16) -> StreamInfo {
        StreamInfo {
            codec: FourCC(*b"cvid"),
            width,
            height,
            depth,
            palette: (depth == 8).then(|| Palette::mac_default(8)),
        }
    }

    fn setup(width: u32, height: u32, depth: u16) -> (CinepakDecoder, Frame) {
        let dec = CinepakDecoder::new(&info(width, height, depth)).unwrap();
        let frame = Frame::new(width, height, dec.kind(), None, &Limits::default()).unwrap();
        (dec, frame)
    }

    /// A chunk: id, 24-bit size including the 4-byte header, body.
    fn chunk(id: u8, body: &[u8]) -> Vec<u8> {
        let n = body.len() + 4;
        let mut c = vec![id, (n >> 16) as u8, (n >> 8) as u8, n as u8];
        c.extend_from_slice(body);
        c
    }

    /// A strip: header fields as stored (top 0 = relative, then `bottom` is a height).
    fn strip(top: u16, left: u16, bottom: u16, right: u16, chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let n = body.len() + 12;
        let mut s = vec![0x10, (n >> 16) as u8, (n >> 8) as u8, n as u8];
        for v in [top, left, bottom, right] {
            s.extend_from_slice(&v.to_be_bytes());
        }
        s.extend(body);
        s
    }

    /// A frame: flags, size, dimensions (ignored by decoders), strips.
    fn frame(flags: u8, strips: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = strips.concat();
        let n = body.len() + 10;
        let mut f = vec![flags, (n >> 16) as u8, (n >> 8) as u8, n as u8, 0, 0, 0, 0];
        f.extend_from_slice(&(strips.len() as u16).to_be_bytes());
        f.extend(body);
        f
    }

    fn px(f: &Frame, x: usize, y: usize) -> [u8; 4] {
        let o = (y * f.width as usize + x) * 4;
        f.data[o..o + 4].try_into().unwrap()
    }

    fn grey(v: u8) -> [u8; 4] {
        [v, v, v, 255]
    }

    #[test]
    fn colour_entries_use_the_cinepak_transform() {
        // y 100, 150, 200, 250; u = -21 (u/2 truncates to -10), v = 30.
        let cb = chunk(0x22, &[100, 150, 200, 250, (-21i8) as u8, 30]);
        let (mut dec, mut f) = setup(4, 4, 24);
        let s = frame(0, &[strip(0, 0, 4, 4, &[cb, chunk(0x32, &[0])])]);
        dec.decode(&s, true, &mut f).unwrap();
        let rgb = |y: i32| {
            let c = |v: i32| v.clamp(0, 255) as u8;
            [c(y + 60), c(y + 10 - 30), c(y - 42), 255]
        };
        // V1: each value paints a 2×2 quadrant.
        for (x, y, luma) in [(0, 0, 100), (3, 1, 150), (1, 2, 200), (2, 3, 250)] {
            assert_eq!(px(&f, x, y), rgb(luma), "pixel ({x}, {y})");
        }
        assert_eq!(px(&f, 3, 3), [255, 230, 208, 255]);
    }

    #[test]
    fn v4_blocks_and_grey_entries() {
        // Four 4-byte (grey) V4 entries, one block using 3, 2, 1, 0.
        let entries: Vec<u8> = (0..16).map(|i| i * 10).collect();
        let (mut dec, mut f) = setup(4, 4, 40);
        assert_eq!(dec.kind(), FrameKind::Rgba);
        let blocks = chunk(0x30, &[0x80, 0, 0, 0, 3, 2, 1, 0]);
        let s = frame(0, &[strip(0, 0, 4, 4, &[chunk(0x24, &entries), blocks])]);
        dec.decode(&s, true, &mut f).unwrap();
        // Quadrant q of the block is entry 3 - q, its pixels in reading order.
        for y in 0..4 {
            for x in 0..4 {
                let q = (y / 2) * 2 + x / 2;
                let e = 3 - q;
                let v = (e * 4 + (y % 2) * 2 + x % 2) * 10;
                assert_eq!(px(&f, x, y), grey(v as u8), "pixel ({x}, {y})");
            }
        }
    }

    #[test]
    fn inter_blocks_keep_skipped_pixels() {
        let (mut dec, mut f) = setup(8, 4, 40);
        let books = chunk(0x26, &[10, 10, 10, 10, 20, 20, 20, 20]);
        let s = frame(0, &[strip(0, 0, 4, 8, &[books, chunk(0x32, &[0, 0])])]);
        dec.decode(&s, true, &mut f).unwrap();
        assert_eq!(px(&f, 0, 0), grey(10));
        // Inter: block 0 skipped (bit 0), block 1 coded (1) as V1 (0): index 1.
        let s = frame(
            0,
            &[strip(
                0,
                0,
                4,
                8,
                &[chunk(0x31, &[0b0100_0000, 0, 0, 0, 1])],
            )],
        );
        dec.decode(&s, false, &mut f).unwrap();
        assert_eq!(px(&f, 3, 3), grey(10));
        assert_eq!(px(&f, 4, 0), grey(20));
        assert_eq!(px(&f, 7, 3), grey(20));
    }

    #[test]
    fn partial_codebook_updates_change_only_flagged_entries() {
        let (mut dec, mut f) = setup(8, 4, 40);
        let full = chunk(0x26, &[1, 1, 1, 1, 2, 2, 2, 2]);
        let s = frame(0, &[strip(0, 0, 4, 8, &[full, chunk(0x32, &[0, 1])])]);
        dec.decode(&s, true, &mut f).unwrap();
        assert_eq!((px(&f, 0, 0), px(&f, 4, 0)), (grey(1), grey(2)));
        // Flags 0x40000000: only entry 1 follows.
        let part = chunk(0x27, &[0x40, 0, 0, 0, 9, 9, 9, 9]);
        let s = frame(0, &[strip(0, 0, 4, 8, &[part, chunk(0x32, &[0, 1])])]);
        dec.decode(&s, true, &mut f).unwrap();
        assert_eq!((px(&f, 0, 0), px(&f, 4, 0)), (grey(1), grey(9)));
    }

    #[test]
    fn codebooks_are_inherited_from_the_strip_above_unless_flag_0_is_set() {
        let books = chunk(0x26, &[50, 50, 50, 50]);
        let blocks = || chunk(0x32, &[0]);
        // Frame flags 0: strip 1 starts from strip 0's codebooks.
        let (mut dec, mut f) = setup(4, 8, 40);
        let s = frame(
            0,
            &[
                strip(0, 0, 4, 4, &[books.clone(), blocks()]),
                strip(0, 0, 4, 4, &[blocks()]),
            ],
        );
        dec.decode(&s, true, &mut f).unwrap();
        assert_eq!(px(&f, 0, 7), grey(50));
        // Frame flags 1: strip 1 keeps its own (still black) codebooks.
        let (mut dec, mut f) = setup(4, 8, 40);
        f.data.fill(7);
        let s = frame(
            1,
            &[
                strip(0, 0, 4, 4, &[books, blocks()]),
                strip(0, 0, 4, 4, &[blocks()]),
            ],
        );
        dec.decode(&s, true, &mut f).unwrap();
        assert_eq!(px(&f, 0, 0), grey(50));
        assert_eq!(px(&f, 0, 7), [0, 0, 0, 255]);
        // Codebooks also persist across frames, per strip.
        let s = frame(1, &[strip(0, 0, 4, 4, &[blocks()])]);
        f.data.fill(7);
        dec.decode(&s, false, &mut f).unwrap();
        assert_eq!(px(&f, 0, 0), grey(50));
    }

    #[test]
    fn strip_positions_relative_and_absolute() {
        let (mut dec, mut f) = setup(4, 12, 40);
        let books = chunk(0x26, &[1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
        // Strip 0: relative, height 4. Strip 1: absolute rows 8..12. Strip 2:
        // relative again, so it starts at row 12 — past the frame: an error,
        // after the first two strips are drawn.
        let s = frame(
            0,
            &[
                strip(0, 0, 4, 4, &[books, chunk(0x32, &[0])]),
                strip(8, 0, 12, 4, &[chunk(0x32, &[1])]),
                strip(0, 0, 4, 4, &[chunk(0x32, &[2])]),
            ],
        );
        let err = dec.decode(&s, true, &mut f).unwrap_err();
        assert!(err.what.contains("strip 2"), "{err}");
        assert_eq!(px(&f, 0, 3), grey(1));
        assert_eq!(px(&f, 0, 4), [0, 0, 0, 255]);
        assert_eq!(px(&f, 0, 8), grey(2));
    }

    #[test]
    fn edges_clip_blocks_when_the_size_is_not_a_multiple_of_4() {
        let (mut dec, mut f) = setup(6, 5, 40);
        let entries: Vec<u8> = (1..=16).collect();
        // Rows of blocks at y 0 and 4, two blocks each; all V4 with entries 0..3.
        let blocks = chunk(
            0x30,
            &[
                0xF0, 0, 0, 0, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
            ],
        );
        let s = frame(0, &[strip(0, 0, 8, 8, &[chunk(0x24, &entries), blocks])]);
        dec.decode(&s, true, &mut f).unwrap();
        // Entry e's pixel k is 4e + k + 1.
        assert_eq!(px(&f, 2, 0), grey(5));
        assert_eq!(px(&f, 5, 1), grey(4));
        assert_eq!(px(&f, 5, 3), grey(12));
        assert_eq!(px(&f, 4, 4), grey(1));
        assert_eq!(px(&f, 5, 4), grey(2));
    }

    #[test]
    fn depth_8_gives_palette_indices() {
        let (mut dec, mut f) = setup(4, 4, 8);
        assert_eq!(dec.kind(), FrameKind::Indexed);
        let books = chunk(0x26, &[5, 6, 7, 8]);
        let s = frame(0, &[strip(0, 0, 4, 4, &[books, chunk(0x32, &[0])])]);
        dec.decode(&s, true, &mut f).unwrap();
        assert_eq!(f.data, [5, 5, 6, 6, 5, 5, 6, 6, 7, 7, 8, 8, 7, 7, 8, 8]);
        assert_eq!(f.palette, Some(Palette::mac_default(8)));
    }

    #[test]
    fn header_problems_leave_the_frame_alone() {
        let (mut dec, mut f) = setup(4, 4, 24);
        f.data.fill(9);
        let before = f.data.clone();
        assert!(dec.decode(&[0; 9], true, &mut f).is_err());
        // No strips: nothing to do.
        dec.decode(&frame(0, &[]), true, &mut f).unwrap();
        // Strip headers that do not fit.
        let mut s = frame(0, &[strip(0, 0, 4, 4, &[chunk(0x32, &[0])])]);
        s[9] = 3;
        assert!(dec.decode(&s, true, &mut f).is_err());
        assert_eq!(f.data, before);
    }

    #[test]
    fn truncated_blocks_keep_what_was_decoded() {
        let (mut dec, mut f) = setup(8, 4, 40);
        let books = chunk(0x26, &[30, 30, 30, 30]);
        // Two V1-only blocks, but one index byte.
        let s = frame(0, &[strip(0, 0, 4, 8, &[books, chunk(0x32, &[0])])]);
        let err = dec.decode(&s, true, &mut f).unwrap_err();
        assert!(err.at.is_some(), "{err}");
        assert_eq!(px(&f, 0, 0), grey(30));
        assert_eq!(px(&f, 4, 0), [0, 0, 0, 255]);
    }

    #[test]
    fn strips_past_32_and_chunks_after_the_blocks_are_ignored() {
        let (mut dec, mut f) = setup(4, 4, 40);
        let mut strips = vec![strip(
            0,
            0,
            4,
            4,
            &[chunk(0x26, &[40; 4]), chunk(0x32, &[0])],
        )];
        for _ in 1..32 {
            strips.push(strip(
                1,
                0,
                4,
                4,
                &[chunk(0x32, &[0]), chunk(0x26, &[99; 4])],
            ));
        }
        // Strip 33 would paint 99 (and is itself malformed).
        strips.push(strip(
            0,
            0,
            4,
            4,
            &[chunk(0x26, &[99; 4]), chunk(0x32, &[0])],
        ));
        dec.decode(&frame(0, &strips), true, &mut f).unwrap();
        assert_eq!(px(&f, 0, 0), grey(40));
    }

    #[test]
    fn unknown_chunks_are_skipped_and_a_strip_needs_blocks() {
        let (mut dec, mut f) = setup(4, 4, 40);
        let s = frame(
            0,
            &[strip(
                0,
                0,
                4,
                4,
                &[
                    chunk(0x11, &[1, 2, 3]),
                    chunk(0x26, &[60; 4]),
                    chunk(0x32, &[0]),
                ],
            )],
        );
        dec.decode(&s, true, &mut f).unwrap();
        assert_eq!(px(&f, 2, 2), grey(60));
        let s = frame(0, &[strip(0, 0, 4, 4, &[chunk(0x26, &[60; 4])])]);
        assert!(dec.decode(&s, true, &mut f).is_err());
    }

    #[test]
    fn long_skip_runs_cross_rows_and_flag_words() {
        // 12×12: 9 blocks; an inter chunk skipping 8 then coding the last.
        let (mut dec, mut f) = setup(12, 12, 40);
        let s = frame(
            0,
            &[strip(
                0,
                0,
                12,
                12,
                &[chunk(0x26, &[70; 4]), chunk(0x32, &[0; 9])],
            )],
        );
        dec.decode(&s, true, &mut f).unwrap();
        let s = frame(
            0,
            &[strip(
                0,
                0,
                12,
                12,
                &[chunk(0x26, &[80; 4]), chunk(0x31, &[0, 0x80, 0, 0, 0])],
            )],
        );
        dec.decode(&s, false, &mut f).unwrap();
        assert_eq!(px(&f, 7, 7), grey(70));
        assert_eq!(px(&f, 8, 8), grey(80));
        assert_eq!(px(&f, 11, 11), grey(80));
    }

    /// Random but mostly well-formed streams that use every feature of the
    /// format: several strips with relative and absolute positions, heights
    /// that are not multiples of 4, unaligned left edges, full and partial V1
    /// and V4 codebooks in both entry sizes, intra, inter and V1-only block
    /// chunks, unknown chunks, codebook inheritance on and off, and now and
    /// then a truncated chunk, a strip without blocks or a strip outside the
    /// frame (where ffmpeg shows the partly decoded frame). Deterministic from
    /// the seed.
    mod cvid_gen {
        pub(super) use qtvr_testkit::Rng;

        /// True `pct` percent of the time.
        fn pct(rng: &mut Rng, pct: usize) -> bool {
            rng.below(100) < pct
        }

        fn put16(v: &mut Vec<u8>, x: usize) {
            v.extend_from_slice(&(x as u16).to_be_bytes());
        }

        fn put24(v: &mut [u8], at: usize, x: usize) {
            v[at] = (x >> 16) as u8;
            v[at + 1] = (x >> 8) as u8;
            v[at + 2] = x as u8;
        }

        /// A codebook chunk (id 0x20–0x27).
        fn codebook_chunk(rng: &mut Rng, id: u8) -> Vec<u8> {
            let n = if id & 4 != 0 { 4 } else { 6 };
            let mut c = vec![id, 0, 0, 0];
            let entries = if pct(rng, 60) { 256 } else { rng.below(257) };
            // Smooth-ish luma so pictures are not pure noise; chroma across its range.
            let base = rng.byte();
            let entry = |c: &mut Vec<u8>, rng: &mut Rng| {
                for _ in 0..4 {
                    c.push(base.wrapping_add(rng.byte() >> 2));
                }
                if n == 6 {
                    c.push(rng.byte());
                    c.push(rng.byte());
                }
            };
            if id & 1 == 0 {
                for _ in 0..entries {
                    entry(&mut c, rng);
                }
            } else {
                let words = entries.div_ceil(32);
                for w in 0..words {
                    let flags = match rng.below(4) {
                        0 => 0xFFFF_FFFF,
                        1 => 0,
                        _ => rng.next_u32(),
                    };
                    c.extend_from_slice(&flags.to_be_bytes());
                    for b in 0..32 {
                        if w * 32 + b < 256 && flags & (0x8000_0000 >> b) != 0 {
                            entry(&mut c, rng);
                        }
                    }
                }
            }
            if pct(rng, 10) && c.len() > 4 {
                // Ends mid-entry or mid-flags: the decoder stops there.
                let cut = rng.below(c.len() - 4);
                c.truncate(4 + cut);
            }
            let len = c.len();
            put24(&mut c, 1, len);
            c
        }

        /// Writes flag bits the way the decoder reads them: a new big-endian word
        /// whenever the previous one is used up.
        struct Bits {
            word_at: Option<usize>,
            mask: u32,
        }

        impl Bits {
            fn put(&mut self, c: &mut Vec<u8>, bit: bool) {
                self.mask >>= 1;
                if self.mask == 0 {
                    self.word_at = Some(c.len());
                    c.extend_from_slice(&[0; 4]);
                    self.mask = 0x8000_0000;
                }
                if bit {
                    let at = self.word_at.unwrap();
                    let w =
                        u32::from_be_bytes([c[at], c[at + 1], c[at + 2], c[at + 3]]) | self.mask;
                    c[at..at + 4].copy_from_slice(&w.to_be_bytes());
                }
            }
        }

        /// A block chunk (id 0x30, 0x31 or 0x32) for `blocks` blocks.
        fn block_chunk(rng: &mut Rng, id: u8, blocks: usize) -> Vec<u8> {
            let mut c = vec![id, 0, 0, 0];
            let mut bits = Bits {
                word_at: None,
                mask: 0,
            };
            let skip_pct = rng.below(60);
            let v1_pct = rng.below(101);
            for _ in 0..blocks {
                if id & 1 != 0 {
                    let coded = !pct(rng, skip_pct);
                    bits.put(&mut c, coded);
                    if !coded {
                        continue;
                    }
                }
                let v1 = if id & 2 != 0 {
                    true
                } else {
                    let v1 = pct(rng, v1_pct);
                    bits.put(&mut c, !v1);
                    v1
                };
                let count = if v1 { 1 } else { 4 };
                for _ in 0..count {
                    c.push(rng.byte());
                }
            }
            if pct(rng, 4) && c.len() > 4 {
                let cut = rng.below(c.len() - 4);
                c.truncate(4 + cut);
            }
            let len = c.len();
            put24(&mut c, 1, len);
            c
        }

        /// One frame of a `width × height` stream.
        pub(super) fn frame(rng: &mut Rng, width: usize, height: usize) -> Vec<u8> {
            let w4 = (width + 3) & !3;
            let h4 = (height + 3) & !3;
            let flags = rng.below(2) as u8;
            let strips = if pct(rng, 3) {
                rng.between(30, 35) as usize
            } else {
                rng.between(1, 5) as usize
            };
            let mut f = vec![flags, 0, 0, 0];
            put16(&mut f, width);
            put16(&mut f, height);
            put16(&mut f, strips);
            let mut y0 = 0usize;
            for i in 0..strips {
                let start = f.len();
                let key = pct(rng, 50);
                f.extend_from_slice(&[if key { 0x10 } else { 0x11 }, 0, 0, 0]);
                // Vertical placement: relative (top 0, a height) or absolute rows.
                let (y1, y2) = if y0 < h4 && pct(rng, 70) {
                    let left = h4 - y0;
                    let h = if i + 1 == strips || pct(rng, 20) {
                        left
                    } else {
                        rng.between(1, left as u64) as usize
                    };
                    let h = if pct(rng, 2) { h + 4 } else { h }; // sometimes past the frame
                    put16(&mut f, 0);
                    (y0, y0 + h)
                } else {
                    let y1 = rng.between(1, h4 as u64 - 1) as usize;
                    let y2 = rng.between(y1 as u64 + 1, h4 as u64) as usize;
                    put16(&mut f, y1);
                    (y1, y2)
                };
                // Horizontal placement: usually the whole width.
                let (x1, x2) = if pct(rng, 75) {
                    (0, w4)
                } else if pct(rng, 50) || width < 8 {
                    let x1 = 4 * rng.below(w4 / 4);
                    (x1, rng.between(x1 as u64 + 1, w4 as u64) as usize)
                } else {
                    // Unaligned left edge, every block still inside the picture.
                    let x1 = rng.between(1, (width - 5) as u64) as usize;
                    (x1, rng.between(x1 as u64 + 1, (width - 3) as u64) as usize)
                };
                f.truncate(start + 6);
                put16(&mut f, x1);
                if y1 == y0 && f[start + 4..start + 6] == [0, 0] {
                    put16(&mut f, y2 - y1);
                } else {
                    put16(&mut f, y2);
                }
                put16(&mut f, x2);
                // Chunks.
                for _ in 0..rng.below(4) {
                    if pct(rng, 12) {
                        let mut id = rng.byte();
                        while (0x20..=0x27).contains(&id) || (0x30..=0x32).contains(&id) {
                            id = rng.byte();
                        }
                        let len = rng.between(4, 20) as usize;
                        let mut c = vec![id, 0, 0, 0];
                        c.extend((4..len).map(|_| rng.byte()));
                        put24(&mut c, 1, len);
                        f.extend(c);
                    } else {
                        let id = 0x20 + rng.below(8) as u8;
                        f.extend(codebook_chunk(rng, id));
                    }
                }
                if !pct(rng, 3) {
                    let cols = if x2 > x1 { (x2 - x1).div_ceil(4) } else { 0 };
                    let rows = if y2 > y1 { (y2 - y1).div_ceil(4) } else { 0 };
                    let id = match rng.below(10) {
                        0..=3 => 0x30,
                        4..=7 => 0x31,
                        _ => 0x32,
                    };
                    f.extend(block_chunk(rng, id, cols * rows));
                    if pct(rng, 10) {
                        // Ignored: nothing after a block chunk is read.
                        f.extend_from_slice(&[0x20, 0, 0, 10, 1, 2, 3, 4, 5, 6]);
                    }
                }
                let len = f.len() - start;
                put24(&mut f, start + 1, len);
                y0 = y2;
            }
            let len = f.len();
            put24(&mut f, 1, len);
            f
        }

        /// `count` frames of a random stream.
        pub(super) fn stream(seed: u64, width: usize, height: usize, count: usize) -> Vec<Vec<u8>> {
            let mut rng = Rng::new(seed);
            (0..count).map(|_| frame(&mut rng, width, height)).collect()
        }
    }

    /// (seed, width, height, depth, frames, SHA-256 of ffmpeg's output for
    /// `cvid_gen::stream(seed, width, height, frames)` muxed into a movie of that
    /// depth (depth 8 with the default Mac palette)): all frames as RGB24, or
    /// for a PAL8 stream the indices without the palette. Made with ffmpeg
    /// 5.1.9 (Debian 5.1.9-0+deb12u1) from the movies of
    /// [`dump_random_streams`] (`CVID_DUMP=DIR cargo test --release -p
    /// qtvr-format cinepak::tests::dump_random_streams -- --ignored`), named
    /// `SEED.PIXFMT.mov`: `ffmpeg -v error -i DIR/SEED.PIXFMT.mov -f rawvideo
    /// -pix_fmt PIXFMT -`, for PAL8 each frame's 1024-byte palette cut out,
    /// hashed with `sha256sum` (ffmpeg gives one picture per sample).
    const FFMPEG: &[(u64, u32, u32, u16, usize, &str)] = &[
        (
            1,
            64,
            48,
            24,
            20,
            "d5ead91f86086a4d2fee9585e4a96c7dcbedefb0a93a8abaa18ad1845dba71fc",
        ),
        (
            2,
            150,
            94,
            24,
            16,
            "facc452baf0c30a63ece3da2e0af696fccd78054997f022733242751fababa91",
        ),
        (
            3,
            13,
            7,
            24,
            12,
            "b8f2446f46db434a79cb1d4d96575ea74112abae9254e80f9806657bf7c96099",
        ),
        (
            4,
            1,
            1,
            24,
            6,
            "e1d92ccf37a1fe53ec348209e8bf12eb9b29c753d70a48aba1b709f64fcfa027",
        ),
        (
            5,
            70,
            33,
            40,
            16,
            "f8049b5d1f058f3312949d6ddfa955ddf08309aa1ead705b83d40f33fef5471d",
        ),
        (
            6,
            37,
            21,
            8,
            16,
            "734a4c64736c0c6dd61ae35160e0a0b9ab3e3197584e8fdac22a3d3ba6588406",
        ),
        (
            7,
            64,
            64,
            8,
            16,
            "ed0b717c97a2399fd0bda50b4377e05317e91d4a3f557884338baf73b21329cb",
        ),
        (
            8,
            5,
            9,
            36,
            10,
            "c8da2bdb18f36a7aa9d0466fbf2b5cc529d708a143018af3c80dc0eb457a6abc",
        ),
        (
            9,
            200,
            120,
            24,
            24,
            "faa7198b53fa9872bbad9331347f09dfbc1b5e9c2e191f3531004659c72c0855",
        ),
        (
            10,
            99,
            101,
            40,
            12,
            "7ba0c6bb3902d5fd802af32df7671cd11bd932c8aec72449e13197d6d1413208",
        ),
        (
            11,
            3,
            66,
            8,
            10,
            "116f031a291f2596e713b5694368e1c59cbd49654989a29b021d374301d3c164",
        ),
        (
            12,
            160,
            120,
            24,
            30,
            "cb495666d64d74cefcbd70299249afc55055beb682eeed1b2126b39e224685e5",
        ),
    ];

    /// Writes each stream of [`FFMPEG`] as a movie, `$CVID_DUMP/SEED.PIXFMT.mov`
    /// (PIXFMT `pal8` or `rgb24`: what the frame is compared as), for ffmpeg to
    /// make the expected hashes.
    #[test]
    #[ignore]
    fn dump_random_streams() {
        let dir = std::env::var("CVID_DUMP").expect("CVID_DUMP");
        for &(seed, width, height, depth, frames, _) in FFMPEG {
            let (w, h) = (width as usize, height as usize);
            let stream = cvid_gen::stream(seed, w, h, frames);
            let movie = crate::codec::smc::tests::clip_movie(b"cvid", w, h, depth as i16, &stream);
            let pix = match setup(width, height, depth).1.kind {
                FrameKind::Indexed => "pal8",
                _ => "rgb24",
            };
            std::fs::write(format!("{dir}/{seed}.{pix}.mov"), movie).unwrap();
        }
    }

    /// The bytes ffmpeg writes for a frame: RGB24, or a PAL8 frame's indices.
    fn ffmpeg_bytes(f: &Frame) -> Vec<u8> {
        match f.kind {
            FrameKind::Indexed => f.data.clone(),
            _ => f.to_rgb24(),
        }
    }

    #[test]
    fn random_streams_match_ffmpeg() {
        use sha2::{Digest, Sha256};
        let mut failures = Vec::new();
        for &(seed, width, height, depth, frames, want) in FFMPEG {
            let (mut dec, mut f) = setup(width, height, depth);
            let mut hash = Sha256::new();
            for (i, sample) in cvid_gen::stream(seed, width as usize, height as usize, frames)
                .iter()
                .enumerate()
            {
                // Some strips are malformed on purpose: ffmpeg then shows the
                // partly decoded frame, as the decoder leaves it.
                let _ = dec.decode(sample, i == 0, &mut f);
                hash.update(ffmpeg_bytes(&f));
            }
            let got: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
            if got != want {
                failures.push(format!(
                    "seed {seed} ({width}×{height}, depth {depth}): {got}, ffmpeg {want}"
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn truncated_and_mutated_samples_do_not_panic() {
        let mut rng = cvid_gen::Rng::new(77);
        for round in 0..40u64 {
            let width = rng.between(1, 40) as u32;
            let height = rng.between(1, 40) as u32;
            let depth = [24, 40, 8][round as usize % 3];
            let stream = cvid_gen::stream(round + 1000, width as usize, height as usize, 6);
            // Every truncation of every frame. Cutting inside the header or the
            // strip headers is a header error; cutting later may still decode
            // when the frame's size field allows it, but a cut inside the first
            // strip's blocks must be reported.
            let (mut dec, mut f) = setup(width, height, depth);
            for sample in &stream {
                for cut in 0..sample.len() {
                    let r = dec.decode(&sample[..cut], false, &mut f);
                    if cut < 22 {
                        assert!(r.is_err(), "round {round}: a {cut}-byte sample decoded");
                    }
                }
                let _ = dec.decode(sample, false, &mut f);
            }
            // Random byte changes, insertions and deletions.
            let (mut dec, mut f) = setup(width, height, depth);
            for sample in &stream {
                for _ in 0..20 {
                    let mut m = sample.clone();
                    for _ in 0..rng.between(1, 8) {
                        let at = rng.below(m.len());
                        match rng.below(4) {
                            0 => m.insert(at, rng.byte()),
                            1 if m.len() > 1 => {
                                m.remove(at);
                            }
                            _ => m[at] = rng.byte(),
                        }
                    }
                    let _ = dec.decode(&m, false, &mut f);
                }
            }
        }
        // A frame of a different size than the stream's is refused.
        let (mut dec, _) = setup(8, 8, 24);
        let (_, mut small) = setup(4, 4, 24);
        assert!(
            dec.decode(&cvid_gen::stream(1, 8, 8, 1)[0], true, &mut small)
                .is_err()
        );
    }
}
