//! `rpza` (Apple Video, "road pizza") decoder.
//!
//! A sample is a 4-byte header (`0xE1` and a 24-bit chunk length, which is
//! ignored: the sample's own size rules, as in ffmpeg) followed by opcodes that
//! walk the 4×4 blocks of the frame left to right, top to bottom. Colours are
//! big-endian RGB555 (the top bit is ignored):
//!
//! | opcode | meaning |
//! |---|---|
//! | `100n nnnn` | skip n+1 blocks (keep the previous frame's pixels) |
//! | `101n nnnn` *c* | fill n+1 blocks with colour *c* |
//! | `110n nnnn` *a b* + 4 bytes per block | n+1 blocks of four colours: *b*, two blends, *a*; each byte holds a row's four 2-bit indices, leftmost pixel in the top bits |
//! | *a* (top bit clear) *b* (top bit set) … | one 4-colour block using *a* and *b* as above |
//! | *a* (top bit clear) + 15 colours | one block of 16 raw colours, row by row |
//!
//! The two blended colours are (11·a + 21·b) >> 5 and (21·a + 11·b) >> 5 per
//! 5-bit channel, truncated, as ffmpeg computes them. The output is
//! RGBA; 5-bit channels widen by bit replication, `(v << 3) | (v >> 2)`, as
//! ffmpeg's RGB555 → RGB24 conversion does. Blocks that cross the right or bottom
//! edge are clipped.
//!
//! Malformed input follows ffmpeg's checks (a sample too short for the frame, a
//! block run past the last block, an unknown opcode) but stops with a
//! [`DecodeError`] wherever ffmpeg would silently read zeros past the end.

use super::{DecodeError, Decoder, Frame, FrameKind, StreamInfo, Unsupported};
use crate::container::be::be16;

/// Decoder for `rpza` streams.
pub struct RpzaDecoder {
    width: u32,
    height: u32,
}

impl RpzaDecoder {
    /// A decoder for the stream, or why it cannot be decoded. Any depth is
    /// accepted: the codec is always RGB555 (writers store 16 or 24).
    pub fn new(info: &StreamInfo) -> Result<Self, Unsupported> {
        if info.codec.0 != *b"rpza" {
            return Err(Unsupported::Codec(info.codec));
        }
        Ok(RpzaDecoder {
            width: info.width,
            height: info.height,
        })
    }
}

/// An RGB555 colour as an RGBA pixel (`u32::to_le_bytes` gives R, G, B, A),
/// each 5-bit channel widened by bit replication, `(v << 3) | (v >> 2)`.
#[inline(always)]
fn rgba(c: u16) -> u32 {
    let c = u32::from(c);
    // Each channel's 5 bits at the top of its byte: R in byte 0, G 1, B 2.
    let v = ((c & 0x7c00) >> 7) | ((c & 0x03e0) << 6) | ((c & 0x001f) << 19);
    // Copy each byte's top 3 bits into its bottom 3.
    v | ((v >> 5) & 0x0007_0707) | 0xff00_0000
}

/// The four colours of a 4-colour block: index 0 = `b`, 3 = `a`, 1 and 2 blends.
#[inline]
fn palette4(a: u16, b: u16) -> [u32; 4] {
    let mut c1 = 0u16;
    let mut c2 = 0u16;
    for shift in [10u16, 5, 0] {
        let ta = (a >> shift) & 0x1f;
        let tb = (b >> shift) & 0x1f;
        c1 |= ((11 * ta + 21 * tb) >> 5) << shift;
        c2 |= ((21 * ta + 11 * tb) >> 5) << shift;
    }
    [rgba(b), rgba(c1), rgba(c2), rgba(a)]
}

/// Four pixels as the bytes of one block row.
#[inline(always)]
fn row_bytes(px: [u32; 4]) -> [u8; 16] {
    let mut row = [0u8; 16];
    for (dst, p) in row.chunks_exact_mut(4).zip(px) {
        dst.copy_from_slice(&p.to_le_bytes());
    }
    row
}

/// The row of a 4-colour block that index byte `bits` selects (leftmost pixel
/// in the top two bits).
#[inline(always)]
fn four_colour_row(c: &[u32; 4], bits: u8) -> [u8; 16] {
    let i = usize::from(bits);
    row_bytes([c[i >> 6], c[(i >> 4) & 3], c[(i >> 2) & 3], c[i & 3]])
}

/// The RGBA picture and the walk over its 4×4 blocks.
struct Blocks<'a> {
    data: &'a mut [u8],
    /// Width and height in pixels.
    w: usize,
    h: usize,
    /// Top-left pixel of the current block.
    x: usize,
    y: usize,
    /// Blocks not yet visited, of `total`.
    left: usize,
    total: usize,
}

impl Blocks<'_> {
    /// Fails when no block is left for the next one to be coded (the run went
    /// past the end of the frame).
    #[inline(always)]
    fn check(&self, at: usize) -> Result<(), DecodeError> {
        if self.left == 0 {
            return Err(DecodeError::at(
                at,
                "the blocks run past the end of the frame",
            ));
        }
        Ok(())
    }

    /// Moves `n` blocks on (`n` at most the blocks left).
    #[inline(always)]
    fn skip(&mut self, n: usize) {
        self.left -= n;
        let done = self.total - self.left;
        let per_row = self.w.div_ceil(4);
        self.x = done % per_row * 4;
        self.y = done / per_row * 4;
    }

    #[inline(always)]
    fn advance(&mut self) {
        self.left -= 1;
        self.x += 4;
        if self.x >= self.w {
            self.x = 0;
            self.y += 4;
        }
    }

    /// Writes the current block, clipped to the frame.
    #[inline(always)]
    fn put(&mut self, rows: &[[u8; 16]; 4]) {
        let stride = self.w * 4;
        let mut o = (self.y * self.w + self.x) * 4;
        if self.x + 4 <= self.w && self.y + 4 <= self.h {
            for row in rows {
                self.data[o..o + 16].copy_from_slice(row);
                o += stride;
            }
        } else {
            let n = (self.w - self.x).min(4) * 4;
            let m = (self.h - self.y).min(4);
            for row in &rows[..m] {
                self.data[o..o + n].copy_from_slice(&row[..n]);
                o += stride;
            }
        }
    }
}

impl Blocks<'_> {
    /// A block that starts with a colour (`op` its first byte, top bit
    /// clear): a 16-colour block, or (when the next colour's top bit is set) a
    /// single 4-colour block.
    #[inline(always)]
    fn colour_block(
        &mut self,
        s: &[u8],
        p: &mut usize,
        op: u8,
        at: usize,
    ) -> Result<(), DecodeError> {
        let end = s.len();
        if *p >= end {
            return Err(DecodeError::truncated(*p));
        }
        let a = u16::from_be_bytes([op, s[*p]]);
        *p += 1;
        if *p < end && s[*p] & 0x80 != 0 {
            if self.left == 0 {
                // ffmpeg reads the second colour and paints nothing.
                if end - *p < 2 {
                    return Err(DecodeError::truncated(end));
                }
                *p += 2;
                return Ok(());
            }
            if end - *p < 2 + 4 {
                return Err(DecodeError::truncated(end));
            }
            let c = palette4(a, be16(s, *p));
            *p += 2;
            self.put(&four_colour(&c, &s[*p..*p + 4]));
            *p += 4;
        } else {
            if end - *p < 30 {
                return Err(DecodeError::truncated(end));
            }
            self.check(at)?;
            let mut px = [0u32; 16];
            px[0] = rgba(a);
            for (dst, c) in px[1..].iter_mut().zip(s[*p..*p + 30].chunks_exact(2)) {
                *dst = rgba(u16::from_be_bytes([c[0], c[1]]));
            }
            *p += 30;
            let row =
                |r: usize| row_bytes([px[4 * r], px[4 * r + 1], px[4 * r + 2], px[4 * r + 3]]);
            self.put(&[row(0), row(1), row(2), row(3)]);
        }
        self.advance();
        Ok(())
    }
}

impl Decoder for RpzaDecoder {
    fn kind(&self) -> FrameKind {
        FrameKind::Rgba
    }

    fn decode(&mut self, sample: &[u8], _sync: bool, frame: &mut Frame) -> Result<(), DecodeError> {
        frame.check_shape(self.width as usize, self.height as usize, FrameKind::Rgba)?;
        let (w, h) = (frame.width as usize, frame.height as usize);
        // Header: 0xE1 and a 24-bit length. ffmpeg only warns when either is
        // wrong, and so do we (by ignoring them).
        if sample.len() < 4 {
            return Err(DecodeError::truncated(sample.len()));
        }
        let total = w.div_ceil(4) * h.div_ceil(4);
        let s = sample;
        let end = s.len();
        // ffmpeg's plausibility check: at most 32 blocks per byte.
        if total / 32 > end - 4 {
            return Err(DecodeError::at(
                4,
                format!(
                    "{} bytes cannot code the {total} blocks of a {w}×{h} frame",
                    end - 4
                ),
            ));
        }
        let mut b = Blocks {
            data: &mut frame.data,
            w,
            h,
            x: 0,
            y: 0,
            left: total,
            total,
        };
        let mut p = 4;
        let mut ops = 0u32;
        while p < end {
            let at = p;
            // Every 64 opcodes (at most 2,048 blocks) the load's flag.
            ops = ops.wrapping_add(1);
            if ops.is_multiple_of(64) {
                super::check_interrupt(at)?;
            }
            let op = s[p];
            p += 1;
            if op & 0x80 == 0 {
                b.colour_block(s, &mut p, op, at)?;
                continue;
            }
            let n = (usize::from(op & 0x1f) + 1).min(b.left);
            match op & 0xe0 {
                0x80 => {
                    // Skip: the previous frame shows through.
                    b.skip(n);
                }
                0xa0 => {
                    if end - p < 2 {
                        return Err(DecodeError::truncated(end));
                    }
                    let c = rgba(be16(s, p));
                    p += 2;
                    let row = row_bytes([c; 4]);
                    let rows = [row; 4];
                    for _ in 0..n {
                        b.put(&rows);
                        b.advance();
                    }
                }
                0xc0 => {
                    if end - p < 4 {
                        return Err(DecodeError::truncated(end));
                    }
                    let c = palette4(be16(s, p), be16(s, p + 2));
                    p += 4;
                    if end - p < n * 4 {
                        return Err(DecodeError::truncated(end));
                    }
                    for idx in s[p..p + 4 * n].chunks_exact(4) {
                        b.put(&four_colour(&c, idx));
                        b.advance();
                    }
                    p += 4 * n;
                }
                _ => {
                    return Err(DecodeError::at(at, format!("unknown opcode 0x{op:02x}")));
                }
            }
        }
        Ok(())
    }
}

/// A 4-colour block from its colours and four index bytes (one per row).
#[inline(always)]
fn four_colour(c: &[u32; 4], idx: &[u8]) -> [[u8; 16]; 4] {
    [
        four_colour_row(c, idx[0]),
        four_colour_row(c, idx[1]),
        four_colour_row(c, idx[2]),
        four_colour_row(c, idx[3]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::smc::tests::{Rng, check_gen_tracks, clip_movie, hex};
    use crate::container::FourCC;

    fn setup(w: u32, h: u32) -> (RpzaDecoder, Frame) {
        let info = StreamInfo {
            codec: FourCC(*b"rpza"),
            width: w,
            height: h,
            depth: 16,
            palette: None,
        };
        let d = RpzaDecoder::new(&info).unwrap();
        let f = Frame::new(w, h, FrameKind::Rgba, None, &Default::default()).unwrap();
        (d, f)
    }

    /// A sample: 0xE1, the 24-bit length, then `body`.
    fn sample(body: &[u8]) -> Vec<u8> {
        let len = body.len() + 4;
        let mut s = vec![0xe1, (len >> 16) as u8, (len >> 8) as u8, len as u8];
        s.extend_from_slice(body);
        s
    }

    fn px(f: &Frame, x: usize, y: usize) -> [u8; 4] {
        let o = (y * f.width as usize + x) * 4;
        f.data[o..o + 4].try_into().unwrap()
    }

    /// RGB555 → RGBA the slow way.
    fn widen(c: u16) -> [u8; 4] {
        let f = |v: u16| ((v << 3) | (v >> 2)) as u8;
        [f((c >> 10) & 31), f((c >> 5) & 31), f(c & 31), 255]
    }

    #[test]
    fn colours_widen_by_bit_replication() {
        for c in 0..=u16::MAX {
            assert_eq!(rgba(c).to_le_bytes(), widen(c), "{c:04x}");
        }
    }

    #[test]
    fn four_colour_blends_truncate() {
        // a = white, b = black: blends 11·31 >> 5 = 10 and 21·31 >> 5 = 20.
        let c = palette4(0x7fff, 0x0000);
        let expect = [0u16, 10 * 0x421, 20 * 0x421, 0x7fff].map(widen);
        assert_eq!(c.map(u32::to_le_bytes), expect);
        // Channels blend independently: a = (1, 2, 3), b = (30, 20, 10).
        let (a, b) = ((1 << 10) | (2 << 5) | 3, (30 << 10) | (20 << 5) | 10);
        let blend = |x: u16, y: u16| (11 * x + 21 * y) >> 5;
        let c1 = (blend(1, 30) << 10) | (blend(2, 20) << 5) | blend(3, 10);
        let c2 = (blend(30, 1) << 10) | (blend(20, 2) << 5) | blend(10, 3);
        assert_eq!(palette4(a, b)[1].to_le_bytes(), widen(c1));
        assert_eq!(palette4(a, b)[2].to_le_bytes(), widen(c2));
    }

    #[test]
    fn every_opcode_by_hand() {
        // 6×5: blocks of 4×4, 2×4, 4×1 and 2×1 visible pixels.
        let (mut d, mut f) = setup(6, 5);
        let (red, blue, white) = (0x7c00u16, 0x001fu16, 0x7fffu16);
        let mut body = vec![0xa0, 0x7c, 0x00]; // fill 1 block red
        // One 4-colour block from a colour pair (a top bit clear, b top bit set):
        // rows of indices 3 3 0 0 / 0 0 3 3 / 1 2 1 2 / 0 1 2 3.
        body.extend_from_slice(&[0x7f, 0xff, 0x80, 0x00, 0xf0, 0x0f, 0x66, 0x1b]);
        // 16 colours: pixel i = i (blue levels).
        body.extend_from_slice(&[0x00, 0x00]);
        for i in 1..16u16 {
            body.extend_from_slice(&i.to_be_bytes());
        }
        // 4-colour run of 1 block, colours red and blue, all index 2.
        body.extend_from_slice(&[0xc0, 0x7c, 0x00, 0x00, 0x1f, 0xaa, 0xaa, 0xaa, 0xaa]);
        d.decode(&sample(&body), true, &mut f).unwrap();
        for y in 0..4 {
            for x in 0..4 {
                assert_eq!(px(&f, x, y), widen(red));
            }
        }
        let blend1 = (10 << 10) | (10 << 5) | 10; // 11·31 >> 5 per channel
        let blend2 = (20 << 10) | (20 << 5) | 20;
        let pal = [0x8000, blend1, blend2, white];
        let rows = [[3, 3, 0, 0], [0, 0, 3, 3], [1, 2, 1, 2], [0, 1, 2, 3]];
        for (y, row) in rows.iter().enumerate() {
            for x in 0..2 {
                assert_eq!(px(&f, 4 + x, y), widen(pal[row[x]]), "({}, {y})", 4 + x);
            }
        }
        for x in 0..4 {
            assert_eq!(px(&f, x, 4), widen(x as u16));
        }
        let mix = (blend(31, 0) << 10) | blend(0, 31);
        assert_eq!(px(&f, 4, 4), widen(mix));
        assert_eq!(px(&f, 5, 4), widen(mix));

        // Skips keep the previous picture.
        let before = f.clone();
        d.decode(&sample(&[0x82]), false, &mut f).unwrap();
        assert_eq!(f, before);
        d.decode(&sample(&[0x81, 0xa1, 0x00, 0x1f]), false, &mut f)
            .unwrap();
        assert_eq!(px(&f, 0, 0), widen(red));
        assert_eq!(px(&f, 0, 4), widen(blue));
        assert_eq!(px(&f, 5, 4), widen(blue));
    }

    fn blend(a: u16, b: u16) -> u16 {
        (21 * a + 11 * b) >> 5
    }

    #[test]
    fn malformed_samples_fail() {
        let (mut d, mut f) = setup(8, 4);
        let err = d.decode(&sample(&[0xe0]), true, &mut f).unwrap_err();
        assert_eq!(
            (err.at, err.what.as_str()),
            (Some(4), "unknown opcode 0xe0")
        );
        // A 16-colour block after the last block.
        let mut body = vec![0xa1, 0, 0, 0x00, 0x00];
        body.extend([0; 30]);
        let err = d.decode(&sample(&body), true, &mut f).unwrap_err();
        assert_eq!(err.at, Some(7));
        assert!(
            d.decode(&sample(&[0xc0, 0, 0, 0, 0, 1, 2]), true, &mut f)
                .is_err()
        );
        assert!(
            d.decode(&sample(&[0x00, 0x00, 0x00]), true, &mut f)
                .is_err()
        );
        assert!(d.decode(&[0xe1, 0], true, &mut f).is_err());
        // Too short for the frame: 64×64 has 256 blocks, at most 32 per byte.
        let (mut d, mut f) = setup(64, 64);
        assert!(d.decode(&sample(&[0x9f; 7]), true, &mut f).is_err());
        d.decode(&sample(&[0x9f; 8]), true, &mut f).unwrap();
    }

    /// A random but well-formed rpza sample covering every block of a `w×h`
    /// frame (skips only when `skips`), padded with 16 no-op skips.
    fn random_sample(rng: &mut Rng, w: usize, h: usize, skips: bool) -> Vec<u8> {
        let total = w.div_ceil(4) * h.div_ceil(4);
        let mut s = vec![0xe1, 0, 0, 0];
        let mut done = 0;
        let colour = |rng: &mut Rng| rng.next_u64() as u16;
        while done < total {
            let left = total - done;
            let kind = rng.below(if skips { 6 } else { 4 });
            let n = match kind {
                0 => {
                    let n = 1 + rng.below(left.min(32));
                    s.push(0xa0 | (n - 1) as u8);
                    s.extend(colour(rng).to_be_bytes());
                    n
                }
                1 => {
                    let n = 1 + rng.below(left.min(32));
                    s.push(0xc0 | (n - 1) as u8);
                    s.extend(colour(rng).to_be_bytes());
                    s.extend(colour(rng).to_be_bytes());
                    s.extend(rng.bytes(4 * n));
                    n
                }
                2 => {
                    s.extend((colour(rng) & 0x7fff).to_be_bytes());
                    s.extend((colour(rng) | 0x8000).to_be_bytes());
                    s.extend(rng.bytes(4));
                    1
                }
                3 => {
                    s.extend((colour(rng) & 0x7fff).to_be_bytes());
                    s.extend((colour(rng) & 0x7fff).to_be_bytes());
                    s.extend(rng.bytes(28));
                    1
                }
                _ => {
                    let n = 1 + rng.below(left.min(32));
                    s.push(0x80 | (n - 1) as u8);
                    n
                }
            };
            done += n;
        }
        s.extend([0x80; 16]);
        let len = s.len();
        s[1..4].copy_from_slice(&(len as u32).to_be_bytes()[1..]);
        s
    }

    /// Width, height, seed, frames.
    const RANDOM_CLIPS: [(usize, usize, u64, usize); 5] = [
        (70, 46, 11, 4),
        (69, 45, 12, 4),
        (13, 9, 13, 4),
        (64, 64, 14, 4),
        (3, 2, 15, 4),
    ];

    fn random_clip(w: usize, h: usize, seed: u64, frames: usize) -> Vec<Vec<u8>> {
        let mut rng = Rng::new(seed);
        (0..frames)
            .map(|i| random_sample(&mut rng, w, h, i > 0))
            .collect()
    }

    /// Writes each random clip as a movie, `$RPZA_DUMP/WxH.mov` (depth 16),
    /// for ffmpeg to make the expected hashes.
    #[test]
    #[ignore]
    fn dump_random_streams() {
        let dir = std::env::var("RPZA_DUMP").expect("RPZA_DUMP");
        for (w, h, seed, frames) in RANDOM_CLIPS {
            let clip = random_clip(w, h, seed, frames);
            let movie = clip_movie(b"rpza", w, h, 16, &clip);
            std::fs::write(format!("{dir}/{w}x{h}.mov"), movie).unwrap();
        }
    }

    /// Random streams of every opcode against ffmpeg's decode: the SHA-256 of
    /// each frame's RGB24. Made with ffmpeg 5.1.9 (Debian 5.1.9-0+deb12u1)
    /// from the movies of [`dump_random_streams`] (`RPZA_DUMP=DIR cargo test
    /// --release -p qtvr-format rpza::tests::dump_random_streams --
    /// --ignored`): `ffmpeg -v error -i DIR/WxH.mov -f rawvideo -pix_fmt
    /// rgb24 -`, each frame's W×H×3 bytes hashed with `sha256sum`.
    #[test]
    fn matches_ffmpeg_on_random_streams() {
        for ((w, h, seed, frames), want) in RANDOM_CLIPS.into_iter().zip(EXPECTED_RANDOM) {
            let (mut d, mut f) = setup(w as u32, h as u32);
            for (i, s) in random_clip(w, h, seed, frames).iter().enumerate() {
                d.decode(s, i == 0, &mut f).unwrap();
                assert_eq!(hex(&f.to_rgb24()), want[i], "{w}×{h} frame {i}");
            }
        }
    }

    const EXPECTED_RANDOM: [&[&str]; 5] = [
        &[
            "540cd4bf16023de562570283f17fac53281ab6d1eb3bae804bf61925b197e26b",
            "5d525877ee322918313abcf8c6001a2a9d2b83793a21b460fec9fadae93f0eff",
            "d7b0a3de8fec3b9f144334cbf272f7dcfff4821aa7cc05ce9977574417281816",
            "046c391a48b3f16d993d83c86c135eedebf89c2e7c1574ec1efe483ab8005157",
        ],
        &[
            "7a25393c8bcdcb3ba3c679029a52c2191cc91cedd1cb1a201876a7bf19cb264f",
            "76b007476883e4c24b031e02cb2e4dd4169132e37337038a7ce51f1c04d8e399",
            "fb631cf6712247d54f5979e190c32e2bc4412a37e5ea9d92d616b2797f22f947",
            "bcd4e789ca666b259b48ea037d580fae11330a7747bbc595e109b1ca6f0922b0",
        ],
        &[
            "b020fa07df4652c3daafd88a44197d79bcfd3cb51a9ad1148d661f82e055faf6",
            "3d68938a5c504949bb384e776274691770e959f3da275fad75d482bdefc0eecc",
            "d4fe3c03dc25074b7cc734cd712e8f349c2046cd0bea0134c459f68b9deacf09",
            "dad99c9cab30b665335f9605a5d76e26e154fbe2882b357d4b3f8b8f944a1881",
        ],
        &[
            "2f4854bbb5edcb31ce450c92746a0744871eab7ac7a02235473469260b54c39c",
            "bf73e6d07340195992e3658e4f89f30b192a059ea4f29ed48edcdd5e6da70536",
            "8f866ce24f07e5c0b52b9fd1b1b9c74f4e8bbc5a1202176a52a879425c4078bd",
            "3bf6e9944a05cbdeb38db1ac443ebee04afcf017e3d3a671be1054a9903a765a",
        ],
        &[
            "91b39c46b82b7ffd53193d9c0e21f800d8979586cf55058948c166d7c436f30a",
            "78db60bc520546ea6cb254ba453208c54d46453ff0ad2efb8fcbd4548ef7cbf3",
            "3b382a34f0f5ff45317e4ebcc3eef5ef41faff2e233196ba7133dc21fdaab274",
            "d0a4c92e44ad5a6a3a1492ecd15fbed8b00ff3ad0d81f26fe78a4da76cb38a5e",
        ],
    ];

    #[test]
    fn gen_samples_match_ffmpeg() {
        let n = check_gen_tracks("rpza");
        // Without the samples (a skip) nothing; with them, the rpza movies' frames.
        assert!(
            n > 0 || !qtvr_testkit::shared_samples().is_dir(),
            "no rpza frame of the generated samples was checked"
        );
    }

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
