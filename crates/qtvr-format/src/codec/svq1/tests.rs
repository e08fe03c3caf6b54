//! Frames written bit by bit here, checked sample by sample; the fixtures made
//! by ffmpeg's encoder are compared with ffmpeg's decode in tests/codecs.rs.

use super::*;
use crate::codec::FourCC;
use crate::limits::Limits;

/// Writes bits most significant first.
#[derive(Default)]
struct Writer {
    bytes: Vec<u8>,
    bits: u32,
}

impl Writer {
    fn put(&mut self, value: u32, n: u8) {
        for i in (0..n).rev() {
            if self.bits.is_multiple_of(8) {
                self.bytes.push(0);
            }
            if (value >> i) & 1 == 1 {
                let last = self.bytes.last_mut().unwrap();
                *last |= 0x80 >> (self.bits % 8);
            }
            self.bits += 1;
        }
    }

    fn code(&mut self, table: &[(u32, u8)], value: usize) {
        let (code, len) = table[value];
        self.put(code, len);
    }

    fn finish(mut self) -> Vec<u8> {
        // Some slack after the last block, as encoders leave.
        self.bytes.extend_from_slice(&[0, 0]);
        self.bytes
    }
}

fn info(w: u32, h: u32) -> StreamInfo {
    StreamInfo {
        codec: FourCC(*b"SVQ1"),
        width: w,
        height: h,
        depth: 24,
        palette: None,
    }
}

/// A key frame header with start code 0x20 and a custom size.
fn key_header(w: &mut Writer, width: u32, height: u32, tempref: u32) {
    w.put(0x20, 22);
    w.put(tempref, 8);
    w.put(0, 2); // key frame
    w.put(0, 5);
    w.put(7, 3);
    w.put(width, 12);
    w.put(height, 12);
    w.put(0, 1);
    w.put(0, 1);
}

/// A whole macroblock of one mean (no split, no stages).
fn flat_intra(w: &mut Writer, mean: usize) {
    w.put(0, 1);
    w.code(&vlc::INTRA_STAGES[5], 1);
    w.code(&vlc::INTRA_MEAN, mean);
}

fn decode(
    width: u32,
    height: u32,
    samples: &[Vec<u8>],
) -> (Svq1Decoder, Frame, Vec<Result<(), DecodeError>>) {
    let mut d = Svq1Decoder::new(&info(width, height)).unwrap();
    let mut f = Frame::new(width, height, FrameKind::Rgba, None, &Limits::default()).unwrap();
    let results = samples.iter().map(|s| d.decode(s, true, &mut f)).collect();
    (d, f, results)
}

#[test]
fn a_flat_key_frame_of_a_custom_size() {
    let mut w = Writer::default();
    key_header(&mut w, 20, 12, 0);
    flat_intra(&mut w, 100); // Y, columns 0–15
    flat_intra(&mut w, 200); // Y, columns 16–31
    flat_intra(&mut w, 90); // U
    flat_intra(&mut w, 240); // V
    let (d, f, r) = decode(20, 12, &[w.finish()]);
    r[0].as_ref().unwrap();
    let p = d.last_picture().unwrap();
    assert_eq!((p.width, p.height), (20, 12));
    for row in 0..12 {
        assert_eq!(&p.y[row * 20..row * 20 + 16], &[100; 16]);
        assert_eq!(&p.y[row * 20 + 16..row * 20 + 20], &[200; 4]);
    }
    assert_eq!(p.u, vec![90; 5 * 3]);
    assert_eq!(p.v, vec![240; 5 * 3]);
    // BT.601, limited range: Y 100, U 90, V 240.
    let rgb = |y: f64| {
        let l = (y - 16.0) * 255.0 / 219.0;
        let (u, v) = (90.0 - 128.0, 240.0 - 128.0);
        [
            l + 1.402 * 255.0 / 224.0 * v,
            l - 0.344136 * 255.0 / 224.0 * u - 0.714136 * 255.0 / 224.0 * v,
            l + 1.772 * 255.0 / 224.0 * u,
        ]
        .map(|c| c.round().clamp(0.0, 255.0) as u8)
    };
    let px = |x: usize, y: usize| &f.data[(y * 20 + x) * 4..][..4];
    assert_eq!(px(0, 0)[..3], rgb(100.0));
    assert_eq!(px(19, 11)[..3], rgb(200.0));
    assert_eq!(px(19, 11)[3], 255);
}

#[test]
fn a_split_tree_with_codebook_stages() {
    let mut w = Writer::default();
    key_header(&mut w, 16, 16, 0);
    // Root (16×16) split into A (top 16×8) and B (bottom 16×8); A split into
    // C (left 8×8) and D (right 8×8). Breadth first: root bit, A bit, B's bit
    // and vector, C's bit and vector, D's bit and vector.
    w.put(1, 1);
    w.put(1, 1);
    w.put(0, 1);
    w.code(&vlc::INTRA_STAGES[4], 1); // B: mean only
    w.code(&vlc::INTRA_MEAN, 50);
    w.put(0, 1);
    w.code(&vlc::INTRA_STAGES[3], 3); // C: two stages
    w.code(&vlc::INTRA_MEAN, 60);
    w.put(5, 4);
    w.put(11, 4);
    w.put(0, 1);
    w.code(&vlc::INTRA_STAGES[3], 0); // D: skipped, zero
    for _ in 0..2 {
        flat_intra(&mut w, 128);
    }
    let (d, _, r) = decode(16, 16, &[w.finish()]);
    r[0].as_ref().unwrap();
    let p = d.last_picture().unwrap();
    for y in 0..16 {
        for x in 0..16 {
            let want = if y >= 8 {
                50
            } else if x >= 8 {
                0
            } else {
                let i = y * 8 + x;
                let a = i32::from(codebooks::INTRA_8X8[5 * 64 + i]);
                let b = i32::from(codebooks::INTRA_8X8[(16 + 11) * 64 + i]);
                (60 + a + b).clamp(0, 255) as u8
            };
            assert_eq!(p.y[y * 16 + x], want, "({x}, {y})");
        }
    }
}

/// Two 32×16 frames: a key frame whose two luma macroblocks are `left` and
/// `right` (chroma neutral), then a delta frame whose first luma macroblock
/// moves by the half-pixel vector (`dx`, 0) with no residual and whose other
/// macroblocks are skipped. Returns the second picture's planes.
fn moved(left: usize, right: usize, dx: usize) -> Yuv410 {
    let mut key = Writer::default();
    key_header(&mut key, 32, 16, 0);
    for mean in [left, right, 128, 128] {
        flat_intra(&mut key, mean);
    }
    let mut delta = Writer::default();
    delta.put(0x20, 22);
    delta.put(1, 8); // temporal reference
    delta.put(1, 2); // delta frame
    delta.put(0, 2); // no optional header fields
    delta.code(&vlc::BLOCK_TYPE, 1);
    delta.code(&MOTION, dx);
    delta.put(0, 1); // positive
    delta.code(&MOTION, 0);
    delta.put(0, 1); // residual: no split
    delta.code(&vlc::INTER_STAGES[5], 0); // nothing added
    for _ in 0..3 {
        delta.code(&vlc::BLOCK_TYPE, 0);
    }
    let (d, _, r) = decode(32, 16, &[key.finish(), delta.finish()]);
    r[0].as_ref().unwrap();
    r[1].as_ref().unwrap();
    d.last_picture().unwrap()
}

#[test]
fn delta_frames_skip_and_move() {
    // (+16, 0) half-pixels: 8 pixels right; block 1 skipped.
    let p = moved(40, 220, 16);
    for y in 0..16 {
        let row = &p.y[y * 32..][..32];
        assert_eq!(&row[..8], &[40; 8], "row {y}");
        assert_eq!(&row[8..], &[220; 24], "row {y}");
    }
}

#[test]
fn half_pixel_vectors_average_with_rounding_up() {
    // (+15, 0): 7.5 pixels right: column 8 of the block averages columns 15
    // and 16: (41 + 200 + 1) / 2 = 121.
    let p = moved(41, 200, 15);
    assert_eq!(
        &p.y[..16],
        &[
            41, 41, 41, 41, 41, 41, 41, 41, 121, 200, 200, 200, 200, 200, 200, 200
        ]
    );
}

#[test]
fn broken_frames_are_errors_with_places() {
    let limits = Limits::default();
    let mut d = Svq1Decoder::new(&info(16, 16)).unwrap();
    let mut f = Frame::new(16, 16, FrameKind::Rgba, None, &limits).unwrap();
    // Not a start code.
    let e = d.decode(&[0xFF; 40], true, &mut f).unwrap_err();
    assert_eq!(e.at, Some(0));
    assert!(e.what.contains("start code"), "{e}");
    // Too short for anything.
    let e = d.decode(&[0x00], true, &mut f).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the sample ends early (at byte 1 of the sample)"
    );
    // A scrambling start code needs 36 bytes.
    let mut w = Writer::default();
    w.put(0x60, 22);
    let e = d.decode(&w.finish(), true, &mut f).unwrap_err();
    assert!(e.what.contains("too few for its header"), "{e}");
    // A delta frame first.
    let mut w = Writer::default();
    w.put(0x20, 22);
    w.put(1, 8);
    w.put(1, 2);
    w.put(0, 2);
    w.put(0, 16);
    let e = d.decode(&w.finish(), false, &mut f).unwrap_err();
    assert!(e.what.contains("no key frame"), "{e}");
    // Frame type 3.
    let mut w = Writer::default();
    w.put(0x20, 22);
    w.put(0, 8);
    w.put(3, 2);
    w.put(0, 16);
    let e = d.decode(&w.finish(), true, &mut f).unwrap_err();
    assert!(e.what.contains("frame type is 3"), "{e}");
    // Bigger than the description.
    let mut w = Writer::default();
    key_header(&mut w, 320, 240, 0);
    let e = d.decode(&w.finish(), true, &mut f).unwrap_err();
    assert!(
        e.what
            .contains("larger than the sample description's 16×16"),
        "{e}"
    );
    // A key frame that stops after its first block.
    let mut w = Writer::default();
    key_header(&mut w, 16, 16, 0);
    flat_intra(&mut w, 100);
    let e = d.decode(&w.bytes, true, &mut f).unwrap_err();
    assert_eq!(e.what, "the sample ends early", "{e}");
    // Stages on a 16×16 vector.
    let mut w = Writer::default();
    key_header(&mut w, 16, 16, 0);
    w.put(0, 1);
    w.code(&vlc::INTRA_STAGES[5], 2);
    w.put(0, 16);
    let e = d.decode(&w.finish(), true, &mut f).unwrap_err();
    assert!(
        e.what.contains("16×16 vector with 1 codebook stages"),
        "{e}"
    );
}

#[test]
fn every_code_table_is_a_prefix_code() {
    let tables: Vec<&[(u32, u8)]> = vec![
        &vlc::BLOCK_TYPE[..],
        &vlc::INTRA_MEAN[..],
        &vlc::INTER_MEAN[..],
        &MOTION[..],
    ]
    .into_iter()
    .chain(vlc::INTRA_STAGES.iter().map(|t| &t[..]))
    .chain(vlc::INTER_STAGES.iter().map(|t| &t[..]))
    .collect();
    for t in tables {
        let vlc = Vlc::new(t);
        // Every code decodes to its own value.
        for (value, &(code, len)) in t.iter().enumerate() {
            let word = (u64::from(code) << (64 - u32::from(len))).to_be_bytes();
            let mut padded = word.to_vec();
            padded.extend_from_slice(&[0; 8]);
            let mut br = Bits::new(&padded[..8]);
            assert_eq!(vlc.read(&mut br), Some(value as u16));
            assert_eq!(br.pos, u64::from(len));
        }
    }
}
