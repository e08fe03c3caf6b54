//! Writes the codec fixtures no ffmpeg encoder makes: `raw ` at 1, 2, 4 and 8 bits
//! (default palettes and a stored colour table) and at the grey depths 33, 34, 36
//! and 40, and `rle ` at 1, 2, 4 and 8 bits with a second frame that is a partial
//! update with skips and repeats.
//!
//! Used by `scripts/make-codec-fixtures.sh`:
//! `cargo run --release --example craft_codec_fixtures -- FRAME1.png FRAME2.png OUTDIR`

use std::path::Path;

use qtvr_format::container::build::{MovieWriter, TrackSpec, video_entry};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 3 {
        eprintln!("usage: craft_codec_fixtures FRAME1.png FRAME2.png OUTDIR");
        std::process::exit(2);
    }
    let load = |p: &str| image::open(p).expect("readable PNG").to_rgb8();
    let (a, b) = (load(&args[0]), load(&args[1]));
    assert_eq!(a.dimensions(), b.dimensions());
    let (w, h) = a.dimensions();
    let out = Path::new(&args[2]);
    let frames = [a.into_raw(), b.into_raw()];

    for bits in [1u16, 2, 4, 8] {
        let idx: Vec<Vec<u8>> = frames.iter().map(|f| to_levels(f, bits)).collect();
        write(
            out,
            Fixture {
                name: format!("raw{bits}_default_palette"),
                codec: b"raw ",
                w,
                h,
                depth: bits as i16,
                ctab: None,
                samples: vec![pack_raw(&idx[0], w, h, bits)],
            },
        );
        write(
            out,
            Fixture {
                name: format!("raw{}_grey", 32 + bits),
                codec: b"raw ",
                w,
                h,
                depth: 32 + bits as i16,
                ctab: None,
                samples: vec![pack_raw(&idx[0], w, h, bits)],
            },
        );
        write(
            out,
            Fixture {
                name: format!("rle{bits}_default_palette"),
                codec: b"rle ",
                w,
                h,
                depth: bits as i16,
                ctab: None,
                samples: vec![
                    rle_frame(&idx[0], w, h, bits, None),
                    rle_frame(&idx[1], w, h, bits, Some(&idx[0])),
                ],
            },
        );
    }
    // 8 bits with a stored 3-3-2 colour table.
    let ctab: Vec<[u16; 4]> = (0..256u16)
        .map(|i| {
            let level = |v: u16, max: u32| (u32::from(v) * 0xFFFF / max) as u16;
            [
                i,
                level((i >> 5) & 7, 7),
                level((i >> 2) & 7, 7),
                level(i & 3, 3),
            ]
        })
        .collect();
    let idx: Vec<Vec<u8>> = frames.iter().map(|f| to_332(f)).collect();
    write(
        out,
        Fixture {
            name: "raw8_ctab".into(),
            codec: b"raw ",
            w,
            h,
            depth: 8,
            ctab: Some(&ctab),
            samples: vec![pack_raw(&idx[0], w, h, 8)],
        },
    );
    write(
        out,
        Fixture {
            name: "rle8_ctab".into(),
            codec: b"rle ",
            w,
            h,
            depth: 8,
            ctab: Some(&ctab),
            samples: vec![
                rle_frame(&idx[0], w, h, 8, None),
                rle_frame(&idx[1], w, h, 8, Some(&idx[0])),
            ],
        },
    );
}

/// One fixture movie: a single video track of `samples`.
struct Fixture<'a> {
    /// File name without `.mov`.
    name: String,
    codec: &'a [u8; 4],
    w: u32,
    h: u32,
    depth: i16,
    ctab: Option<&'a [[u16; 4]]>,
    samples: Vec<Vec<u8>>,
}

fn write(out: &Path, fixture: Fixture<'_>) {
    let Fixture {
        name,
        codec,
        w,
        h,
        depth,
        ctab,
        samples,
    } = fixture;
    // Animation frames after the first are difference frames: only the first is a sync sample.
    let sync_samples = (codec == b"rle ").then(|| vec![1]);
    let movie = MovieWriter {
        timescale: 600,
        tracks: vec![TrackSpec {
            id: 1,
            enabled: true,
            handler: *b"vide",
            media_timescale: 600,
            descriptions: vec![video_entry(codec, w as u16, h as u16, depth, ctab)],
            samples: samples.into_iter().map(|s| (s, 150)).collect(),
            sync_samples,
            width: w as u16,
            height: h as u16,
            ..Default::default()
        }],
        ..Default::default()
    };
    std::fs::write(out.join(format!("{name}.mov")), movie.finish())
        .expect("writable output folder");
}

/// Luma quantised to 2^bits levels, 0 = white (as the grey ramps and the
/// default palettes' first entry are white).
fn to_levels(rgb: &[u8], bits: u16) -> Vec<u8> {
    let max = (1u32 << bits) - 1;
    rgb.chunks_exact(3)
        .map(|p| {
            let y = (u32::from(p[0]) * 77 + u32::from(p[1]) * 150 + u32::from(p[2]) * 29) >> 8;
            (max - (y * max + 127) / 255) as u8
        })
        .collect()
}

fn to_332(rgb: &[u8]) -> Vec<u8> {
    rgb.chunks_exact(3)
        .map(|p| (p[0] & 0xE0) | ((p[1] >> 3) & 0x1C) | (p[2] >> 6))
        .collect()
}

/// Rows of `bits`-bit pixels, most significant first, each row padded to an even
/// number of bytes (QuickDraw row bytes).
fn pack_raw(idx: &[u8], w: u32, h: u32, bits: u16) -> Vec<u8> {
    let row_bits = w as usize * bits as usize;
    let row_bytes = row_bits.div_ceil(16) * 2;
    let mut out = vec![0u8; row_bytes * h as usize];
    for y in 0..h as usize {
        let row = &idx[y * w as usize..(y + 1) * w as usize];
        pack_bits(row, bits, &mut out[y * row_bytes..(y + 1) * row_bytes]);
    }
    out
}

fn pack_bits(px: &[u8], bits: u16, out: &mut [u8]) {
    let per_byte = 8 / bits as usize;
    for (i, &v) in px.iter().enumerate() {
        let shift = 8 - bits as usize * (i % per_byte + 1);
        out[i / per_byte] |= v << shift;
    }
}

/// What one coded line of an Animation frame does, in order.
enum Op {
    /// Leave n groups as they are.
    Skip(usize),
    /// One group n times.
    Repeat(usize, Vec<u8>),
    /// These groups as they are.
    Literal(Vec<Vec<u8>>),
}

/// One Animation (`rle `) frame at 1–8 bits. Without `prev`, every line is coded
/// from its start with literal runs. With `prev`, the frame is a partial update
/// (header flag 8) of lines 4..h-4 that skips the first group of each line, codes
/// runs of equal groups as repeats and skips groups equal to the previous frame.
fn rle_frame(idx: &[u8], w: u32, h: u32, bits: u16, prev: Option<&[u8]>) -> Vec<u8> {
    let group_px = match bits {
        1 | 2 => 16,
        4 => 8,
        _ => 4,
    };
    let group_bytes = group_px * bits as usize / 8;
    assert_eq!(
        w as usize % group_px,
        0,
        "fixture width must be whole groups"
    );
    let groups = w as usize / group_px;
    let group = |img: &[u8], y: usize, g: usize| {
        let mut b = vec![0u8; group_bytes];
        let row = y * w as usize;
        pack_bits(
            &img[row + g * group_px..row + (g + 1) * group_px],
            bits,
            &mut b,
        );
        b
    };
    let (first, last) = if prev.is_some() {
        (4, h as usize - 4)
    } else {
        (0, h as usize)
    };
    let mut lines: Vec<Vec<Op>> = Vec::new();
    for y in first..last {
        let mut ops = Vec::new();
        let mut g = 0;
        if prev.is_some() {
            ops.push(Op::Skip(1));
            g = 1;
        }
        while g < groups {
            let cur = group(idx, y, g);
            if let Some(p) = prev {
                let mut n = 0;
                while g + n < groups && n < 100 && group(idx, y, g + n) == group(p, y, g + n) {
                    n += 1;
                }
                if n > 0 {
                    ops.push(Op::Skip(n));
                    g += n;
                    continue;
                }
                let mut r = 1;
                while g + r < groups && r < 100 && group(idx, y, g + r) == cur {
                    r += 1;
                }
                if r > 1 {
                    ops.push(Op::Repeat(r, cur));
                    g += r;
                    continue;
                }
            }
            let n = (groups - g).min(if prev.is_some() { 1 } else { 100 });
            ops.push(Op::Literal((g..g + n).map(|k| group(idx, y, k)).collect()));
            g += n;
        }
        lines.push(ops);
    }
    let mut body = Vec::new();
    if prev.is_some() {
        body.extend_from_slice(&8u16.to_be_bytes());
        body.extend_from_slice(&(first as u16).to_be_bytes());
        body.extend_from_slice(&0u16.to_be_bytes());
        body.extend_from_slice(&((last - first) as u16).to_be_bytes());
        body.extend_from_slice(&0u16.to_be_bytes());
    } else {
        body.extend_from_slice(&0u16.to_be_bytes());
    }
    for ops in &lines {
        if bits == 1 {
            // Pairs (skip, code): a skip with the top bit set starts the next line.
            let mut new_line = true;
            let mut skip = 0;
            for op in ops {
                let mark =
                    |skip: usize, new_line: bool| (skip as u8) | if new_line { 0x80 } else { 0 };
                match op {
                    Op::Skip(n) => skip += n,
                    Op::Repeat(n, grp) => {
                        body.extend_from_slice(&[mark(skip, new_line), (-(*n as i32)) as i8 as u8]);
                        body.extend_from_slice(grp);
                        (skip, new_line) = (0, false);
                    }
                    Op::Literal(grps) => {
                        body.extend_from_slice(&[mark(skip, new_line), grps.len() as u8]);
                        grps.iter().for_each(|g| body.extend_from_slice(g));
                        (skip, new_line) = (0, false);
                    }
                }
            }
            if new_line {
                body.extend_from_slice(&[0x80, 0xFF]); // a line with nothing to change
            }
        } else {
            let mut ops = ops.iter().peekable();
            let initial = match ops.peek() {
                Some(Op::Skip(n)) => {
                    let n = *n;
                    ops.next();
                    n
                }
                _ => 0,
            };
            body.push(initial as u8 + 1);
            for op in ops {
                match op {
                    Op::Skip(n) => body.extend_from_slice(&[0, *n as u8 + 1]),
                    Op::Repeat(n, grp) => {
                        body.push((-(*n as i32)) as i8 as u8);
                        body.extend_from_slice(grp);
                    }
                    Op::Literal(grps) => {
                        body.push(grps.len() as u8);
                        grps.iter().for_each(|g| body.extend_from_slice(g));
                    }
                }
            }
            body.push(0xFF);
        }
    }
    if bits == 1 {
        body.extend_from_slice(&[0, 0]); // end of frame
    }
    let mut sample = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    sample.extend_from_slice(&body);
    sample
}
