//! Sorenson Video 1 (`SVQ1`): QuickTime 3's default codec for the web, common in
//! object movies.
//!
//! A frame is three planes, Y at full size and U, V at a quarter of the width and
//! height (4:1:0), each cut into 16×16 macroblocks. A macroblock is a tree: a
//! 16×16 vector may be split in two (16×8), again (8×8), and so on down to 4×2;
//! each leaf is a mean plus up to six stages of codebook vectors (the
//! "multistage vector quantiser"), the stages' sum clamped to 0–255. Key frames
//! code every leaf that way; delta frames first choose per macroblock: skip
//! (copy the previous frame), inter (one motion vector at half-pixel precision,
//! predicted from the median of the neighbours, then a residual tree), inter with
//! four vectors (one per 8×8 quarter), or intra.
//!
//! Nothing maintained in Rust decodes it, so it is written here by hand. The
//! bitstream follows ffmpeg's decoder, which is the reference this module is
//! tested against (YUV planes exactly, RGB within 2 per channel):
//!
//! * The 22-bit start code must be one of ffmpeg's accepted values; codes other
//!   than 0x20 scramble bytes 4–19 of the header, undone before reading.
//! * Key frames carry a frame size code (seven sizes from a table, or 7 for a
//!   12-bit width and height), and under some start codes a 16-bit checksum and
//!   an embedded, obfuscated text: both are read past, as ffmpeg does (it does
//!   not reject a frame whose checksum disagrees). Two optional groups of flag
//!   bits follow; a non-zero reserved field is an error.
//! * Frame type 2 is a delta frame that later frames do not predict from.
//! * Motion vectors are clipped so that every prediction lies inside the
//!   16-aligned plane, exactly as ffmpeg clips them.
//! * ffmpeg's "buggy encoder" rule: when this and the previous frame both have
//!   temporal reference 0, inter means of ±128 are swapped.
//!
//! Pixels come out as RGBA through BT.601 (limited range), each chroma sample
//! covering its 4×4 pixels — what `ffmpeg -sws_flags
//! neighbor+full_chroma_int+accurate_rnd -pix_fmt rgb24` gives, so the decoder
//! invents no chroma detail the stream does not hold.
//!
//! The codebooks (`codebooks.rs`) and variable-length codes (`vlc.rs`) are facts of
//! the format. Their numbers were taken from FFmpeg's `libavcodec/svq1_cb.h` and
//! `svq1_vlc.h` (LGPL) by `scripts/svq1-tables.py`; the motion vector code is
//! H.263's (ITU-T H.263 Table 14); the frame sizes are FFmpeg's
//! `ff_svq1_frame_size_table`. Everything else here is the project's own.

mod codebooks;
mod vlc;

use std::sync::OnceLock;

use super::{DecodeError, Decoder, Frame, FrameKind, StreamInfo, Unsupported};

/// The sizes a key frame's 3-bit size code 0–6 stands for.
const FRAME_SIZES: [(u32, u32); 7] = [
    (160, 120),
    (128, 96),
    (176, 144),
    (352, 288),
    (704, 576),
    (240, 180),
    (320, 240),
];

/// H.263's motion vector difference code, `(code, length)` by magnitude 0–32.
#[rustfmt::skip]
const MOTION: [(u32, u8); 33] = [
    (1, 1), (1, 2), (1, 3), (1, 4), (3, 6), (5, 7), (4, 7), (3, 7),
    (11, 9), (10, 9), (9, 9), (17, 10), (16, 10), (15, 10), (14, 10), (13, 10),
    (12, 10), (11, 10), (10, 10), (9, 10), (8, 10), (7, 10), (6, 10), (5, 10),
    (4, 10), (7, 11), (6, 11), (5, 11), (4, 11), (3, 11), (2, 11), (3, 12),
    (2, 12),
];

/// Bytes of the header that start codes other than 0x20 scramble are 4..20,
/// undone with the words at 20..36.
const SCRAMBLED_END: usize = 36;

/// Block types of delta frames.
const SKIP: u16 = 0;
const INTER: u16 = 1;
const INTER_4V: u16 = 2;

// ---------------------------------------------------------------------------
// Variable-length codes

/// A prefix code decoder: one lookup of the next `FAST` bits; codes longer than
/// that continue in a second table for their first `FAST` bits.
struct Vlc {
    /// Indexed by the next `FAST` bits: `value << 8 | length` for a code of
    /// `FAST` bits or fewer, `LONG | start << 5 | bits` for the second table
    /// at `long[start..]` indexed by the following `bits` bits, 0 where no
    /// code starts with these bits.
    fast: Vec<u32>,
    long: Vec<u32>,
}

const FAST: u32 = 9;
const LONG: u32 = 1 << 31;

impl Vlc {
    fn new(codes: &[(u32, u8)]) -> Vlc {
        let mut fast = vec![0u32; 1 << FAST];
        // The longest code under each prefix of FAST bits.
        let mut longest = vec![0u32; 1 << FAST];
        for &(code, len) in codes {
            let len = u32::from(len);
            if len > FAST {
                let prefix = (code >> (len - FAST)) as usize;
                longest[prefix] = longest[prefix].max(len - FAST);
            }
        }
        let mut long = Vec::new();
        for (prefix, &bits) in longest.iter().enumerate() {
            if bits > 0 {
                fast[prefix] = LONG | (long.len() as u32) << 5 | bits;
                long.resize(long.len() + (1 << bits), 0);
            }
        }
        for (value, &(code, len)) in codes.iter().enumerate() {
            let len = u32::from(len);
            let entry = (value as u32) << 8 | len;
            if len <= FAST {
                let first = (code << (FAST - len)) as usize;
                fast[first..first + (1 << (FAST - len))].fill(entry);
            } else {
                let rest = len - FAST;
                let head = fast[(code >> rest) as usize];
                let (start, bits) = (((head & !LONG) >> 5) as usize, head & 31);
                let low = (code & ((1 << rest) - 1)) << (bits - rest);
                let first = start + low as usize;
                long[first..first + (1 << (bits - rest))].fill(entry);
            }
        }
        Vlc { fast, long }
    }

    /// The next value, or None when the bits start no code.
    #[inline(always)]
    fn read(&self, br: &mut Bits<'_>) -> Option<u16> {
        let peek = br.peek32();
        let mut e = self.fast[(peek >> (32 - FAST)) as usize];
        if e & LONG != 0 {
            let (start, bits) = (((e & !LONG) >> 5) as usize, e & 31);
            e = self.long[start + ((peek << FAST) >> (32 - bits)) as usize];
        }
        if e == 0 {
            return None;
        }
        br.skip(e & 0xFF);
        Some((e >> 8) as u16)
    }
}

/// Every code table, built once.
struct Tables {
    block_type: Vlc,
    intra_stages: [Vlc; 6],
    inter_stages: [Vlc; 6],
    intra_mean: Vlc,
    inter_mean: Vlc,
    motion: Vlc,
    /// BT.601 chroma terms in fixed point with 6 fraction bits: V→R, U→G,
    /// V→G, U→B, each with half of the luma offset and rounding (see
    /// `convert_row`).
    vr: [i16; 256],
    ug: [i16; 256],
    vg: [i16; 256],
    ub: [i16; 256],
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        // Luma's offset (16·149/2) less the rounding half (32), split over the
        // two green terms and carried whole by the red and blue ones.
        let term = |k: f64, bias: f64| -> [i16; 256] {
            std::array::from_fn(|i| ((i as f64 - 128.0) * k * 64.0 + bias).round() as i16)
        };
        let (whole, half) = (32.0 - 1192.0, (32.0 - 1192.0) / 2.0);
        Tables {
            block_type: Vlc::new(&vlc::BLOCK_TYPE),
            intra_stages: std::array::from_fn(|l| Vlc::new(&vlc::INTRA_STAGES[l])),
            inter_stages: std::array::from_fn(|l| Vlc::new(&vlc::INTER_STAGES[l])),
            intra_mean: Vlc::new(&vlc::INTRA_MEAN),
            inter_mean: Vlc::new(&vlc::INTER_MEAN),
            motion: Vlc::new(&MOTION),
            vr: term(1.402 * 255.0 / 224.0, whole),
            ug: term(-0.344_136 * 255.0 / 224.0, half),
            vg: term(-0.714_136 * 255.0 / 224.0, half),
            ub: term(1.772 * 255.0 / 224.0, whole),
        }
    })
}

/// The codebook of a level (0 = 4×2 … 3 = 8×8).
fn codebook(intra: bool, level: usize) -> &'static [i8] {
    match (intra, level) {
        (true, 0) => &codebooks::INTRA_4X2,
        (true, 1) => &codebooks::INTRA_4X4,
        (true, 2) => &codebooks::INTRA_8X4,
        (true, _) => &codebooks::INTRA_8X8,
        (false, 0) => &codebooks::INTER_4X2,
        (false, 1) => &codebooks::INTER_4X4,
        (false, 2) => &codebooks::INTER_8X4,
        (false, _) => &codebooks::INTER_8X8,
    }
}

// ---------------------------------------------------------------------------
// Bits

/// Reads bits most significant first; past the end of `data` it reads zeros,
/// and [`Bits::overrun`] says so.
struct Bits<'a> {
    data: &'a [u8],
    /// Bits of real data.
    len: u64,
    pos: u64,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Bits<'a> {
        Bits {
            data,
            len: data.len() as u64 * 8,
            pos: 0,
        }
    }

    #[inline(always)]
    fn peek32(&self) -> u32 {
        let byte = (self.pos >> 3) as usize;
        let mut b = [0u8; 8];
        match self.data.get(byte..byte + 8) {
            Some(s) => b.copy_from_slice(s),
            // The last bytes, then zeros.
            None => {
                let tail = self.data.get(byte..).unwrap_or(&[]);
                b[..tail.len()].copy_from_slice(tail);
            }
        }
        ((u64::from_be_bytes(b) << (self.pos & 7)) >> 32) as u32
    }

    #[inline(always)]
    fn skip(&mut self, n: u32) {
        self.pos += u64::from(n);
    }

    /// Up to 25 bits.
    #[inline(always)]
    fn bits(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        let v = self.peek32() >> (32 - n);
        self.skip(n);
        v
    }

    #[inline(always)]
    fn bit(&mut self) -> bool {
        self.bits(1) == 1
    }

    fn overrun(&self) -> bool {
        self.pos > self.len
    }

    /// The byte being read (for error messages).
    fn byte(&self) -> usize {
        (self.pos.min(self.len) / 8) as usize
    }

    fn left(&self) -> i64 {
        self.len as i64 - self.pos as i64
    }

    /// An error at the current place; "ends early" when the reading ran past
    /// the end (the zeros read there are what made no sense).
    fn fail(&self, what: impl Into<String>) -> DecodeError {
        if self.overrun() {
            DecodeError::truncated(self.byte())
        } else {
            DecodeError::at(self.byte(), what)
        }
    }
}

// ---------------------------------------------------------------------------
// Planes

/// One plane of a picture, its width and height multiples of 16.
#[derive(Clone, Default)]
struct Plane {
    data: Vec<u8>,
    width: usize,
    height: usize,
}

impl Plane {
    fn resize(&mut self, width: usize, height: usize) {
        self.width = width;
        self.height = height;
        self.data.clear();
        self.data.resize(width * height, 128);
    }
}

/// A decoded picture: Y, U, V and the picture's own size (the planes are
/// 16-aligned).
#[derive(Clone, Default)]
struct Picture {
    planes: [Plane; 3],
    width: usize,
    height: usize,
}

impl Picture {
    fn shape(&mut self, width: usize, height: usize) {
        if self.width == width && self.height == height && !self.planes[0].data.is_empty() {
            return;
        }
        self.width = width;
        self.height = height;
        self.planes[0].resize(width.next_multiple_of(16), height.next_multiple_of(16));
        // Chroma is decoded over `(size / 4)` rounded up to 16 but shown over
        // `size / 4` rounded up: a picture 65 pixels wide shows a 17th chroma
        // column that no block covers (it stays neutral grey).
        let (cw, ch) = (
            width.div_ceil(4).next_multiple_of(16).max(16),
            height.div_ceil(4).next_multiple_of(16).max(16),
        );
        for p in &mut self.planes[1..] {
            p.resize(cw, ch);
        }
    }

    fn is_empty(&self) -> bool {
        self.planes[0].data.is_empty()
    }
}

/// A decoded picture's planes, cropped to the picture: what ffmpeg's `yuv410p`
/// output holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Yuv410 {
    pub width: usize,
    pub height: usize,
    /// `width × height` luma samples.
    pub y: Vec<u8>,
    /// `ceil(width/4) × ceil(height/4)` samples each.
    pub u: Vec<u8>,
    pub v: Vec<u8>,
}

// ---------------------------------------------------------------------------
// The decoder

/// Decoder for `SVQ1` streams.
pub struct Svq1Decoder {
    width: usize,
    height: usize,
    /// The last reference picture (key frames and delta frames of type 1).
    reference: Picture,
    /// The picture being decoded.
    current: Picture,
    /// Whether `current` holds the last decoded picture (it does until the next
    /// reference swaps it in).
    shown_is_current: bool,
    last_tempref: u32,
    /// The sample with its header unscrambled (start codes other than 0x20).
    scratch: Vec<u8>,
    /// Motion vectors of the row above and the left neighbour.
    motion: Vec<(i32, i32)>,
    /// Chroma terms of the row being converted (see `convert`).
    terms: Vec<i16>,
}

/// What the frame header says.
struct Header {
    key: bool,
    /// Delta frames of type 2: later frames do not predict from them.
    disposable: bool,
    buggy: bool,
    width: usize,
    height: usize,
}

impl Svq1Decoder {
    /// A decoder for the stream (any depth: SVQ1 is always 4:1:0 YUV).
    pub fn new(info: &StreamInfo) -> Result<Self, Unsupported> {
        Ok(Svq1Decoder {
            width: info.width as usize,
            height: info.height as usize,
            reference: Picture::default(),
            current: Picture::default(),
            shown_is_current: false,
            last_tempref: 0,
            scratch: Vec::new(),
            motion: Vec::new(),
            terms: Vec::new(),
        })
    }

    /// Decodes one sample into the decoder's own YUV planes, without the
    /// conversion to RGBA that [`Decoder::decode`] adds (see
    /// [`Svq1Decoder::last_picture`]); for comparisons codec against codec.
    pub fn decode_yuv(&mut self, sample: &[u8]) -> Result<(), DecodeError> {
        self.decode_sample(sample)
    }

    /// The planes of the last picture decoded, as ffmpeg's `yuv410p` holds them.
    pub fn last_picture(&self) -> Option<Yuv410> {
        let p = if self.shown_is_current {
            &self.current
        } else {
            &self.reference
        };
        if p.is_empty() {
            return None;
        }
        let crop = |plane: &Plane, w: usize, h: usize| -> Vec<u8> {
            plane
                .data
                .chunks_exact(plane.width)
                .take(h)
                .flat_map(|row| &row[..w])
                .copied()
                .collect()
        };
        let (cw, ch) = (p.width.div_ceil(4), p.height.div_ceil(4));
        Some(Yuv410 {
            width: p.width,
            height: p.height,
            y: crop(&p.planes[0], p.width, p.height),
            u: crop(&p.planes[1], cw, ch),
            v: crop(&p.planes[2], cw, ch),
        })
    }

    fn header(&mut self, br: &mut Bits<'_>, code: u32) -> Result<Header, DecodeError> {
        let bad = |br: &Bits<'_>, what: String| DecodeError::at(br.byte(), what);
        let tempref = br.bits(8);
        let buggy = tempref == 0 && self.last_tempref == 0;
        self.last_tempref = tempref;
        let (key, disposable) = match br.bits(2) {
            0 => (true, false),
            1 => (false, false),
            2 => (false, true),
            _ => return Err(bad(br, "the frame type is 3, which does not exist".into())),
        };
        let (mut width, mut height) = (self.reference.width, self.reference.height);
        if key {
            if code == 0x50 || code == 0x60 {
                br.skip(16); // checksum of the packet; ffmpeg ignores it
            }
            if (code ^ 0x10) >= 0x50 {
                // An embedded, obfuscated text: its length, then its bytes.
                let len = br.bits(8);
                br.skip(8 * len);
            }
            br.skip(5);
            match br.bits(3) {
                7 => {
                    width = br.bits(12) as usize;
                    height = br.bits(12) as usize;
                    if width == 0 || height == 0 {
                        return Err(bad(br, format!("the frame header says {width}×{height}")));
                    }
                }
                c => {
                    (width, height) = (
                        FRAME_SIZES[c as usize].0 as usize,
                        FRAME_SIZES[c as usize].1 as usize,
                    )
                }
            }
        }
        if br.bit() {
            br.skip(2); // packet and component checksum flags
            let reserved = br.bits(2);
            if reserved != 0 {
                return Err(bad(
                    br,
                    format!("reserved header bits are {reserved}, not 0"),
                ));
            }
        }
        if br.bit() {
            br.skip(8);
            // Extra bytes, each announced by a 1 bit.
            while br.bit() {
                br.skip(8);
                if br.overrun() {
                    break;
                }
            }
        }
        if br.left() <= 0 {
            return Err(DecodeError::truncated(br.byte()));
        }
        Ok(Header {
            key,
            disposable,
            buggy,
            width,
            height,
        })
    }

    fn decode_sample(&mut self, sample: &[u8]) -> Result<(), DecodeError> {
        if sample.len() < 3 {
            return Err(DecodeError::truncated(sample.len()));
        }
        let code = u32::from_be_bytes([0, sample[0], sample[1], sample[2]]) >> 2;
        if code & !0x70 != 0 || code & 0x60 == 0 {
            return Err(DecodeError::at(
                0,
                format!("the start code is {code:#x}, not one of Sorenson Video 1's"),
            ));
        }
        if code == 0x20 {
            return self.decode_frame(sample, code);
        }
        if sample.len() < SCRAMBLED_END {
            return Err(DecodeError::at(
                sample.len(),
                format!(
                    "the frame has {} bytes, too few for its header",
                    sample.len()
                ),
            ));
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        scratch.extend_from_slice(sample);
        for word in 0..4 {
            let at = 4 + 4 * word;
            let key = 4 + 4 * (7 - word);
            let w = [sample[at + 2], sample[at + 3], sample[at], sample[at + 1]];
            for k in 0..4 {
                scratch[at + k] = w[k] ^ sample[key + k];
            }
        }
        let result = self.decode_frame(&scratch, code);
        self.scratch = scratch;
        result
    }

    fn decode_frame(&mut self, data: &[u8], code: u32) -> Result<(), DecodeError> {
        let mut br = Bits::new(data);
        br.skip(22);
        let h = self.header(&mut br, code)?;
        if h.width.saturating_mul(h.height) > self.width.saturating_mul(self.height) {
            return Err(DecodeError::at(
                0,
                format!(
                    "the frame header says {}×{}, larger than the sample description's {}×{}",
                    h.width, h.height, self.width, self.height
                ),
            ));
        }
        if !h.key
            && (self.reference.is_empty()
                || self.reference.width != h.width
                || self.reference.height != h.height)
        {
            return Err(DecodeError::at(
                0,
                "a delta frame with no key frame of its size before it",
            ));
        }
        self.current.shape(h.width, h.height);
        let t = tables();
        let mut result = Ok(());
        for p in 0..3 {
            crate::codec::check_interrupt(0)?;
            let (pw, ph) = if p == 0 {
                (h.width.next_multiple_of(16), h.height.next_multiple_of(16))
            } else {
                (
                    (h.width / 4).next_multiple_of(16),
                    (h.height / 4).next_multiple_of(16),
                )
            };
            result = if h.key {
                decode_key_plane(t, &mut br, &mut self.current.planes[p], pw, ph)
            } else {
                self.motion.clear();
                self.motion.resize(pw / 8 + 3, (0, 0));
                decode_delta_plane(
                    t,
                    &mut br,
                    &mut self.current.planes[p],
                    &self.reference.planes[p],
                    pw,
                    ph,
                    &mut self.motion,
                    h.buggy,
                )
            };
            if result.is_err() {
                break;
            }
        }
        self.shown_is_current = true;
        if result.is_ok() && !h.disposable {
            std::mem::swap(&mut self.current, &mut self.reference);
            self.shown_is_current = false;
        }
        result
    }

    /// Writes the last decoded picture into `frame` as RGBA (the part that fits).
    fn convert(&mut self, frame: &mut Frame) {
        let p = if self.shown_is_current {
            &self.current
        } else {
            &self.reference
        };
        if p.is_empty() {
            return;
        }
        let t = tables();
        let out_w = self.width;
        let w = p.width.min(out_w);
        let h = p.height.min(self.height);
        let [yp, up, vp] = &p.planes;
        // The chroma terms of one chroma row, spread over its pixels (the
        // same for four rows of pixels), so that the per-pixel loop is
        // straight arithmetic the compiler vectorises.
        let terms = &mut self.terms;
        terms.clear();
        terms.resize(3 * w, 0);
        let (rt, rest) = terms.split_at_mut(w);
        let (gt, bt) = rest.split_at_mut(w);
        for (row, out) in frame.data.chunks_exact_mut(out_w * 4).take(h).enumerate() {
            if row % 4 == 0 {
                let crow = row / 4;
                let us = &up.data[crow * up.width..][..w.div_ceil(4)];
                let vs = &vp.data[crow * vp.width..][..w.div_ceil(4)];
                for (x, ((r, g), b)) in rt
                    .iter_mut()
                    .zip(gt.iter_mut())
                    .zip(bt.iter_mut())
                    .enumerate()
                {
                    let (u, v) = (usize::from(us[x / 4]), usize::from(vs[x / 4]));
                    *r = t.vr[v];
                    *g = t.ug[u] + t.vg[v];
                    *b = t.ub[u];
                }
            }
            let ys = &yp.data[row * yp.width..][..w];
            convert_row(ys, rt, gt, bt, &mut out[..w * 4]);
        }
    }
}

/// One row of pixels to RGBA: luma `ys`, the chroma terms of each pixel (the
/// `Tables` fields, 6 fraction bits). Sixteen pixels at a time in fixed-size
/// arrays of 16-bit lanes, which the compiler turns into vector code
/// (saturating adds, min/max clamps).
fn convert_row(ys: &[u8], rt: &[i16], gt: &[i16], bt: &[i16], out: &mut [u8]) {
    #[inline(always)]
    fn luma(y: u8) -> i16 {
        // (255/219)·64 = 74.52 ≈ 149/2; y·149 fits 16 bits unsigned.
        ((u16::from(y) * 149) >> 1) as i16
    }
    #[inline(always)]
    fn channel(l: i16, c: i16) -> u8 {
        (l.saturating_add(c) >> 6).clamp(0, 255) as u8
    }
    const N: usize = 16;
    let n = ys.len() / N * N;
    for ((((o, y), r), g), b) in out[..n * 4]
        .chunks_exact_mut(4 * N)
        .zip(ys.chunks_exact(N))
        .zip(rt.chunks_exact(N))
        .zip(gt.chunks_exact(N))
        .zip(bt.chunks_exact(N))
    {
        let mut l = [0i16; N];
        for i in 0..N {
            l[i] = luma(y[i]);
        }
        // Red and green, blue and opaque alpha, as 16-bit pairs, then the
        // pairs interleaved into pixels.
        let (mut rg, mut ba) = ([0u16; N], [0u16; N]);
        for i in 0..N {
            rg[i] = u16::from(channel(l[i], r[i])) | u16::from(channel(l[i], g[i])) << 8;
            ba[i] = u16::from(channel(l[i], b[i])) | 0xFF00;
        }
        let mut halves = [[0u8; 2]; 2 * N];
        for i in 0..N {
            halves[2 * i] = rg[i].to_le_bytes();
            halves[2 * i + 1] = ba[i].to_le_bytes();
        }
        o.copy_from_slice(halves.as_flattened());
    }
    for i in n..ys.len() {
        let l = luma(ys[i]);
        out[i * 4..i * 4 + 4].copy_from_slice(&[
            channel(l, rt[i]),
            channel(l, gt[i]),
            channel(l, bt[i]),
            255,
        ]);
    }
}

impl Decoder for Svq1Decoder {
    fn kind(&self) -> FrameKind {
        FrameKind::Rgba
    }

    fn decode(&mut self, sample: &[u8], _sync: bool, frame: &mut Frame) -> Result<(), DecodeError> {
        frame.check_shape(self.width, self.height, FrameKind::Rgba)?;
        let result = self.decode_yuv(sample);
        self.convert(frame);
        result
    }
}

// ---------------------------------------------------------------------------
// Blocks

/// Size of a vector at `level` (5 = 16×16, 4 = 16×8, 3 = 8×8, 2 = 8×4, 1 = 4×4,
/// 0 = 4×2).
#[inline]
fn vector_size(level: usize) -> (usize, usize) {
    (1 << ((4 + level) / 2), 1 << ((3 + level) / 2))
}

/// Decodes one macroblock's vector tree into `plane` at byte `origin`, adding to
/// what is there (inter) or replacing it (intra).
fn decode_tree(
    t: &Tables,
    br: &mut Bits<'_>,
    plane: &mut [u8],
    stride: usize,
    origin: usize,
    intra: bool,
    buggy: bool,
) -> Result<(), DecodeError> {
    // Most macroblocks are one 16×16 vector.
    if !br.bit() {
        return decode_vector(t, br, plane, stride, origin, 5, intra, buggy);
    }
    // Breadth first: the split bits and vectors come in that order. Each
    // entry: the vector's offset from `origin` (under 16 rows) and its level.
    let mut queue = [0u32; 62];
    let half = stride << 3;
    queue[0] = 4;
    queue[1] = (half as u32) << 3 | 4;
    let (mut head, mut tail) = (0, 2);
    while head < tail {
        let (at, level) = ((queue[head] >> 3) as usize, (queue[head] & 7) as usize);
        head += 1;
        if level > 0 && br.bit() {
            let step = if level & 1 == 1 {
                stride << ((level >> 1) + 1)
            } else {
                1 << ((level >> 1) + 1)
            };
            let child = level as u32 - 1;
            queue[tail] = (at as u32) << 3 | child;
            queue[tail + 1] = ((at + step) as u32) << 3 | child;
            tail += 2;
            continue;
        }
        decode_vector(t, br, plane, stride, origin + at, level, intra, buggy)?;
    }
    Ok(())
}

/// Decodes one vector of the tree (a leaf) at byte `at` of `plane`.
#[allow(clippy::too_many_arguments)]
fn decode_vector(
    t: &Tables,
    br: &mut Bits<'_>,
    plane: &mut [u8],
    stride: usize,
    at: usize,
    level: usize,
    intra: bool,
    buggy: bool,
) -> Result<(), DecodeError> {
    let (w, h) = vector_size(level);
    let stages_vlc = if intra {
        &t.intra_stages[level]
    } else {
        &t.inter_stages[level]
    };
    let stages = i32::from(
        stages_vlc
            .read(br)
            .ok_or_else(|| br.fail("an invalid stage count code"))?,
    ) - 1;
    if stages < 0 {
        if intra {
            for row in 0..h {
                plane[at + row * stride..][..w].fill(0);
            }
        }
        return Ok(());
    }
    if stages > 0 && level >= 4 {
        return Err(br.fail(format!(
            "a {w}×{h} vector with {stages} codebook stages (only 8×8 and smaller have any)"
        )));
    }
    let mean = if intra {
        i32::from(
            t.intra_mean
                .read(br)
                .ok_or_else(|| br.fail("an invalid mean code"))?,
        )
    } else {
        let m = i32::from(
            t.inter_mean
                .read(br)
                .ok_or_else(|| br.fail("an invalid mean code"))?,
        ) - 256;
        match m {
            -128 if buggy => 128,
            128 if buggy => -128,
            m => m,
        }
    };
    let stages = stages as usize;
    if stages == 0 && !intra && mean == 0 {
        return Ok(());
    }
    if stages == 0 {
        // A mean alone: a fill (intra) or a constant added (inter).
        for row in 0..h {
            let dst = &mut plane[at + row * stride..][..w];
            if intra {
                dst.fill(mean.clamp(0, 255) as u8);
            } else {
                add_clamped(dst, mean);
            }
        }
        return Ok(());
    }
    // Stages: the mean plus one vector of each stage's codebook, summed in
    // 16 bits (at most 255 + 255 + 6·128 in size), then clamped.
    let n = w * h;
    let book = codebook(intra, level);
    let picks = br.bits(4 * stages as u32);
    let mut sum = [0i16; 64];
    let sum = &mut sum[..n];
    if intra {
        sum.fill(mean as i16);
    } else {
        for row in 0..h {
            let src = &plane[at + row * stride..][..w];
            for (s, &p) in sum[row * w..][..w].iter_mut().zip(src) {
                *s = mean as i16 + i16::from(p);
            }
        }
    }
    for s in 0..stages {
        let index = ((picks >> (4 * (stages - 1 - s))) & 15) as usize;
        let vector = &book[(s * 16 + index) * n..][..n];
        for (acc, &c) in sum.iter_mut().zip(vector) {
            *acc += i16::from(c);
        }
    }
    for row in 0..h {
        let dst = &mut plane[at + row * stride..][..w];
        for (d, &v) in dst.iter_mut().zip(&sum[row * w..][..w]) {
            *d = v.clamp(0, 255) as u8;
        }
    }
    Ok(())
}

/// Adds `mean` to every pixel of `dst`, clamped to 0–255.
fn add_clamped(dst: &mut [u8], mean: i32) {
    let m = mean.clamp(-512, 512) as i16;
    for d in dst {
        *d = (i16::from(*d) + m).clamp(0, 255) as u8;
    }
}

fn decode_key_plane(
    t: &Tables,
    br: &mut Bits<'_>,
    plane: &mut Plane,
    width: usize,
    height: usize,
) -> Result<(), DecodeError> {
    let stride = plane.width;
    for y in (0..height).step_by(16) {
        for x in (0..width).step_by(16) {
            decode_tree(t, br, &mut plane.data, stride, y * stride + x, true, false)?;
        }
        if br.overrun() {
            return Err(DecodeError::truncated(br.byte()));
        }
    }
    Ok(())
}

/// The median of three.
#[inline]
fn median(a: i32, b: i32, c: i32) -> i32 {
    a.max(b).min(a.min(b).max(c))
}

/// Reads one motion vector, predicted from the median of three.
fn read_vector(
    t: &Tables,
    br: &mut Bits<'_>,
    p: [(i32, i32); 3],
) -> Result<(i32, i32), DecodeError> {
    let mut component = |pick: fn((i32, i32)) -> i32| -> Result<i32, DecodeError> {
        let mut diff = i32::from(
            t.motion
                .read(br)
                .ok_or_else(|| br.fail("an invalid motion vector code"))?,
        );
        if diff != 0 && br.bit() {
            diff = -diff;
        }
        let v = diff + median(pick(p[0]), pick(p[1]), pick(p[2]));
        // Six-bit wrap-around, as the format keeps vectors in -32..=31.
        Ok(((v + 32) & 63) - 32)
    };
    let x = component(|v| v.0)?;
    let y = component(|v| v.1)?;
    Ok((x, y))
}

/// Copies a `N`×`N` block from `src` at half-pixel vector `mv` (already
/// clipped to the plane) relative to (`x`, `y`) into `dst` at (`dx`, `dy`).
/// Rows are fixed-size arrays, so the copies and averages are inline vector
/// code rather than calls.
#[allow(clippy::too_many_arguments)]
fn predict<const N: usize>(
    dst: &mut [u8],
    src: &[u8],
    stride: usize,
    x: usize,
    y: usize,
    (dx, dy): (usize, usize),
    mv: (i32, i32),
) {
    let sx = (x as i32 + (mv.0 >> 1)) as usize;
    let sy = (y as i32 + (mv.1 >> 1)) as usize;
    let (hx, hy) = (mv.0 & 1 == 1, mv.1 & 1 == 1);
    let row_of = |r: usize, shift: usize| -> [u8; N] {
        let mut a = [0u8; N];
        a.copy_from_slice(&src[(sy + r) * stride + sx + shift..][..N]);
        a
    };
    for row in 0..N {
        let s0 = row_of(row, 0);
        let out: [u8; N] = match (hx, hy) {
            (false, false) => s0,
            (true, false) => {
                let s0r = row_of(row, 1);
                std::array::from_fn(|i| ((u16::from(s0[i]) + u16::from(s0r[i]) + 1) >> 1) as u8)
            }
            (false, true) => {
                let s1 = row_of(row + 1, 0);
                std::array::from_fn(|i| ((u16::from(s0[i]) + u16::from(s1[i]) + 1) >> 1) as u8)
            }
            (true, true) => {
                let (s0r, s1, s1r) = (row_of(row, 1), row_of(row + 1, 0), row_of(row + 1, 1));
                std::array::from_fn(|i| {
                    let sum =
                        u16::from(s0[i]) + u16::from(s0r[i]) + u16::from(s1[i]) + u16::from(s1r[i]);
                    ((sum + 2) >> 2) as u8
                })
            }
        };
        dst[(dy + row) * stride + dx..][..N].copy_from_slice(&out);
    }
}

/// Clips a half-pixel vector so that a `size` block at (`x`, `y`) moved by it
/// stays inside a `width`×`height` plane.
fn clip_vector(
    mv: (i32, i32),
    x: usize,
    y: usize,
    size: usize,
    width: usize,
    height: usize,
) -> (i32, i32) {
    let (x, y, size) = (x as i32, y as i32, size as i32);
    (
        mv.0.clamp(-2 * x, 2 * (width as i32 - x - size)),
        mv.1.clamp(-2 * y, 2 * (height as i32 - y - size)),
    )
}

#[allow(clippy::too_many_arguments)]
fn decode_delta_plane(
    t: &Tables,
    br: &mut Bits<'_>,
    plane: &mut Plane,
    previous: &Plane,
    width: usize,
    height: usize,
    motion: &mut [(i32, i32)],
    buggy: bool,
) -> Result<(), DecodeError> {
    let stride = plane.width;
    if previous.width != stride || previous.data.len() != plane.data.len() {
        return Err(DecodeError::header(
            "the reference picture has another size",
        ));
    }
    let bad_type = |br: &Bits<'_>| br.fail("an invalid block type code");
    for y in (0..height).step_by(16) {
        for x in (0..width).step_by(16) {
            let kind = t.block_type.read(br).ok_or_else(|| bad_type(br))?;
            let col = x / 8;
            if kind == SKIP || kind > INTER_4V {
                motion[0] = (0, 0);
                motion[col + 2] = (0, 0);
                motion[col + 3] = (0, 0);
            }
            let at = y * stride + x;
            match kind {
                SKIP => {
                    predict::<16>(
                        &mut plane.data,
                        &previous.data,
                        stride,
                        x,
                        y,
                        (x, y),
                        (0, 0),
                    );
                }
                INTER => {
                    let p = if y == 0 {
                        [motion[0]; 3]
                    } else {
                        [motion[0], motion[col + 2], motion[col + 4]]
                    };
                    let mv = read_vector(t, br, p)?;
                    motion[0] = mv;
                    motion[col + 2] = mv;
                    motion[col + 3] = mv;
                    let mv = clip_vector(mv, x, y, 16, width, height);
                    predict::<16>(&mut plane.data, &previous.data, stride, x, y, (x, y), mv);
                    decode_tree(t, br, &mut plane.data, stride, at, false, buggy)?;
                }
                INTER_4V => {
                    let above = |i: usize| if y == 0 { None } else { Some(motion[i]) };
                    // Top left, predicted like a whole block's vector.
                    let p0 = match (above(col + 2), above(col + 4)) {
                        (Some(a), Some(b)) => [motion[0], a, b],
                        _ => [motion[0]; 3],
                    };
                    let v0 = read_vector(t, br, p0)?;
                    // Top right: from top left, above right column, above right.
                    let p1 = match (above(col + 3), above(col + 4)) {
                        (Some(a), Some(b)) => [v0, a, b],
                        _ => [v0; 3],
                    };
                    let v1 = read_vector(t, br, p1)?;
                    motion[0] = v1;
                    // Bottom left: from top left, top right, and the left
                    // neighbour's bottom right.
                    let v2 = read_vector(t, br, [v0, v1, motion[col + 1]])?;
                    motion[col + 2] = v2;
                    // Bottom right: from top left, top right, bottom left.
                    let v3 = read_vector(t, br, [v0, v1, v2])?;
                    motion[col + 3] = v3;
                    for (i, v) in [v0, v1, v2, v3].into_iter().enumerate() {
                        let (ox, oy) = ((i & 1) * 8, (i >> 1) * 8);
                        let mv = (v.0 + 2 * ox as i32, v.1 + 2 * oy as i32);
                        let mv = clip_vector(mv, x, y, 8, width, height);
                        predict::<8>(
                            &mut plane.data,
                            &previous.data,
                            stride,
                            x,
                            y,
                            (x + ox, y + oy),
                            mv,
                        );
                    }
                    decode_tree(t, br, &mut plane.data, stride, at, false, buggy)?;
                }
                _ => decode_tree(t, br, &mut plane.data, stride, at, true, false)?,
            }
        }
        motion[0] = (0, 0);
        if br.overrun() {
            return Err(DecodeError::truncated(br.byte()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
