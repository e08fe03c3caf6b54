//! Writes the codec fixtures no ffmpeg encoder makes: `raw ` at 1, 2, 4 and 8 bits
//! (default palettes and a stored colour table) and at the grey depths 33, 34, 36
//! and 40, `rle ` at 1, 2, 4 and 8 bits with a second frame that is a partial
//! update with skips and repeats, `8BPS` (Planar RGB) at depths 8, 24 and 32
//! (odd sizes, flat areas for PackBits repeats), `mjpb` (Motion-JPEG B) from
//! JPEGs by the `image` crate and, when given, from JPEG fields made by ffmpeg,
//! and `yuv2` at an odd width (which ffmpeg's encoder gets wrong).
//!
//! Used by `scripts/make-codec-fixtures.sh`:
//! `cargo run --release --example craft_codec_fixtures -- FRAME1.png FRAME2.png OUTDIR [TOP1.jpg BOTTOM1.jpg TOP2.jpg BOTTOM2.jpg]`
//! (the JPEGs: the two fields of each frame, for an interlaced `mjpb` movie).

use std::path::Path;

use qtvr_format::codec::mjpb;
use qtvr_format::container::build::{MovieWriter, TrackSpec, video_entry};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 3 && args.len() != 7 {
        eprintln!(
            "usage: craft_codec_fixtures FRAME1.png FRAME2.png OUTDIR [TOP1.jpg BOTTOM1.jpg TOP2.jpg BOTTOM2.jpg]"
        );
        std::process::exit(2);
    }
    let load = |p: &str| image::open(p).expect("readable PNG").to_rgb8();
    let (a, b) = (load(&args[0]), load(&args[1]));
    assert_eq!(a.dimensions(), b.dimensions());
    let (w, h) = a.dimensions();
    let out = Path::new(&args[2]);
    planar_fixtures(out, [&a, &b]);
    mjpb_fixtures(out, [&a, &b], &args[3..]);
    yuv2_odd_fixture(out, [&a, &b]);
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
    let ctab = ctab_332();
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

/// The 3-3-2 colour table of the 8-bit fixtures (index → R G B levels).
fn ctab_332() -> Vec<[u16; 4]> {
    (0..256u16)
        .map(|i| {
            let level = |v: u16, max: u32| (u32::from(v) * 0xFFFF / max) as u16;
            [
                i,
                level((i >> 5) & 7, 7),
                level((i >> 2) & 7, 7),
                level(i & 3, 3),
            ]
        })
        .collect()
}

/// The top-left `w × h` of a frame, with flat areas painted in (a band of rows
/// and a block), so PackBits codes repeats as well as literals.
fn crop_with_flat_areas(img: &image::RgbImage, w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        if (10..14).contains(&y) {
            image::Rgb([200, 40, 90])
        } else if (30..40).contains(&y) && x < 20 {
            image::Rgb([10, 220, 30])
        } else {
            *img.get_pixel(x, y)
        }
    })
}

/// PackBits: runs of three or more equal bytes as repeats (code 257 − n), the
/// rest as literals (code n − 1), at most 128 bytes per code.
fn packbits(row: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < row.len() {
        let mut run = 1;
        while i + run < row.len() && run < 128 && row[i + run] == row[i] {
            run += 1;
        }
        if run >= 3 {
            out.extend_from_slice(&[(257 - run) as u8, row[i]]);
            i += run;
            continue;
        }
        let start = i;
        while i < row.len()
            && i - start < 128
            && !(i + 2 < row.len() && row[i] == row[i + 1] && row[i] == row[i + 2])
        {
            i += 1;
        }
        out.push((i - start - 1) as u8);
        out.extend_from_slice(&row[start..i]);
    }
    out
}

/// One `8BPS` sample: every plane's row lengths, then every row's PackBits.
fn planar_sample(planes: &[Vec<u8>], w: u32) -> Vec<u8> {
    let rows: Vec<Vec<u8>> = planes
        .iter()
        .flat_map(|p| p.chunks_exact(w as usize).map(packbits))
        .collect();
    let mut s = Vec::new();
    for r in &rows {
        s.extend_from_slice(&(r.len() as u16).to_be_bytes());
    }
    for r in &rows {
        s.extend_from_slice(r);
    }
    s
}

/// `8BPS` at depths 8 (3-3-2 colour table), 24 and 32 (alpha: opaque left
/// third, a ramp, a flat band), at an odd size, two frames each.
fn planar_fixtures(out: &Path, frames: [&image::RgbImage; 2]) {
    let (w, h) = (frames[0].width() - 1, frames[0].height() - 1);
    let imgs: Vec<image::RgbImage> = frames
        .iter()
        .map(|f| crop_with_flat_areas(f, w, h))
        .collect();
    let channel =
        |img: &image::RgbImage, c: usize| -> Vec<u8> { img.pixels().map(|p| p[c]).collect() };
    let alpha: Vec<u8> = (0..h)
        .flat_map(|y| {
            (0..w).map(move |x| {
                if x < w / 3 || (50..54).contains(&y) {
                    255
                } else {
                    (x * 2 + y) as u8
                }
            })
        })
        .collect();
    let ctab = ctab_332();
    for depth in [8i16, 24, 32] {
        let samples = imgs
            .iter()
            .map(|img| {
                let planes = match depth {
                    8 => vec![to_332(img.as_raw())],
                    24 => (0..3).map(|c| channel(img, c)).collect(),
                    _ => {
                        let mut p: Vec<Vec<u8>> = (0..3).map(|c| channel(img, c)).collect();
                        p.push(alpha.clone());
                        p
                    }
                };
                planar_sample(&planes, w)
            })
            .collect();
        write(
            out,
            Fixture {
                name: if depth == 8 {
                    "8bps8_ctab".into()
                } else {
                    format!("8bps{depth}_photo")
                },
                codec: b"8BPS",
                w,
                h,
                depth,
                ctab: (depth == 8).then_some(&ctab[..]),
                samples,
            },
        );
    }
}

/// A baseline JPEG (4:4:4, the standard Huffman tables) by the `image` crate.
fn image_jpeg(img: &image::RgbImage) -> Vec<u8> {
    let mut j = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut j, 92)
        .encode_image(img)
        .expect("JPEG encoding");
    j
}

/// `mjpb`: one field per frame from `image`'s JPEGs at an odd size (the first
/// sample with Huffman tables, the second without: the standard ones); and, when
/// `fields` names four JPEG files (top and bottom field of two frames), an
/// interlaced movie of two samples of two fields each.
fn mjpb_fixtures(out: &Path, frames: [&image::RgbImage; 2], fields: &[String]) {
    let (w, h) = (frames[0].width() - 1, frames[0].height() - 1);
    let samples = frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let img = image::imageops::crop_imm(*f, 0, 0, w, h).to_image();
            mjpb::sample_from_jpegs(&[&image_jpeg(&img)], i == 0).expect("a baseline JPEG")
        })
        .collect();
    write(
        out,
        Fixture {
            name: "mjpb_photo".into(),
            codec: b"mjpb",
            w,
            h,
            depth: 24,
            ctab: None,
            samples,
        },
    );
    if fields.is_empty() {
        return;
    }
    let jpegs: Vec<Vec<u8>> = fields
        .iter()
        .map(|p| std::fs::read(p).expect("readable JPEG"))
        .collect();
    let samples = jpegs
        .chunks_exact(2)
        .enumerate()
        .map(|(i, pair)| {
            mjpb::sample_from_jpegs(&[&pair[0], &pair[1]], i == 0).expect("baseline JPEG fields")
        })
        .collect();
    let (w, h) = frames[0].dimensions();
    write(
        out,
        Fixture {
            name: "mjpb_fields422_photo".into(),
            codec: b"mjpb",
            w,
            h,
            depth: 24,
            ctab: None,
            samples,
        },
    );
}

/// `yuv2` at an odd width (ffmpeg's encoder flips the wrong bytes there): BT.601
/// video-range Y′CbCr, each pair's chroma the mean of its two pixels (the last
/// pair's second pixel repeats the first), chroma stored signed (XOR 0x80).
fn yuv2_odd_fixture(out: &Path, frames: [&image::RgbImage; 2]) {
    let (w, h) = (frames[0].width() - 1, frames[0].height());
    let ycc = |p: &image::Rgb<u8>| {
        let [r, g, b] = p.0.map(f64::from);
        let y = 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0;
        let cb = 128.0 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255.0;
        let cr = 128.0 + (112.0 * r - 93.786 * g - 18.214 * b) / 255.0;
        [y, cb, cr]
    };
    let byte = |v: f64| v.round().clamp(0.0, 255.0) as u8;
    let samples = frames
        .iter()
        .map(|f| {
            let mut s = Vec::new();
            for y in 0..h {
                for x in (0..w).step_by(2) {
                    let a = ycc(f.get_pixel(x, y));
                    let b = ycc(f.get_pixel((x + 1).min(w - 1), y));
                    s.extend_from_slice(&[
                        byte(a[0]),
                        byte((a[1] + b[1]) / 2.0) ^ 0x80,
                        byte(b[0]),
                        byte((a[2] + b[2]) / 2.0) ^ 0x80,
                    ]);
                }
            }
            s
        })
        .collect();
    write(
        out,
        Fixture {
            name: "yuv2_odd_photo".into(),
            codec: b"yuv2",
            w,
            h,
            depth: 24,
            ctab: None,
            samples,
        },
    );
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
