//! Every codec fixture (tests/fixtures/codecs, made by scripts/make-codec-fixtures.sh)
//! decodes to ffmpeg's own decode of it: exactly for lossless codecs, within 2 per
//! channel for Cinepak, Apple Video and Sorenson 1, at ≥ 45 dB PSNR for JPEG.
//! Sorenson Video 1's YUV planes are also compared with ffmpeg's `yuv410p`
//! decode, exactly.
//! On a mismatch the actual, expected and difference images are written to
//! test-output/codecs/.

use std::io::Read;
use std::path::{Path, PathBuf};

use qtvr_format::container::read_movie;
use qtvr_format::limits::Budget;
use qtvr_format::source::FileSource;
use qtvr_format::tiles::{DecodeOptions, Role, TileStatus, decode_track};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codecs")
}

/// How a codec's output is compared with ffmpeg's.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Rule {
    Exact,
    MaxDiff(u8),
    Psnr(f64),
}

fn rule_for(codec: &[u8; 4]) -> Rule {
    match codec {
        b"cvid" | b"rpza" | b"SVQ1" => Rule::MaxDiff(2),
        b"jpeg" | b"mjpa" | b"mjpb" => Rule::Psnr(45.0),
        _ => Rule::Exact,
    }
}

/// A fixture file and its movie.
fn open_fixture(mov: &Path) -> (FileSource, qtvr_format::container::Movie) {
    let src = FileSource::open(mov).unwrap();
    let movie = read_movie(
        &src,
        &Budget::for_file(qtvr_format::source::ByteSource::len(&src)),
    )
    .unwrap();
    (src, movie)
}

/// The movie's video track.
fn video_track(movie: &qtvr_format::container::Movie) -> &qtvr_format::container::Track {
    movie
        .tracks
        .iter()
        .find(|t| t.handler.0 == *b"vide")
        .expect("a video track")
}

/// Decodes every frame of the fixture's video track: (codec, width, height, frames as RGB24).
fn decode_fixture(mov: &Path) -> (String, u32, u32, Vec<Vec<u8>>, Vec<String>) {
    let (src, movie) = open_fixture(mov);
    let track = video_track(&movie);
    let all: Vec<usize> = (0..track.samples.len()).collect();
    // The project's own decoders: no ffmpeg fallback.
    let opts = DecodeOptions {
        fallback: qtvr_format::tiles::Fallback::Off,
        ..DecodeOptions::default()
    };
    let decoded = decode_track(&src, track, &all, Role::Image, &opts).unwrap();
    let codec = track.descriptions[0].format.to_string();
    let (w, h) = (decoded.tiles[0].frame.width, decoded.tiles[0].frame.height);
    let mut problems: Vec<String> = decoded.warnings.iter().map(|w| w.message.clone()).collect();
    for t in &decoded.tiles {
        if t.status != TileStatus::Decoded {
            problems.push(format!("sample {}: {:?}", t.sample + 1, t.status));
        }
    }
    let frames = decoded.tiles.iter().map(|t| t.frame.to_rgb24()).collect();
    (codec, w, h, frames, problems)
}

fn reference(mov: &Path) -> Vec<u8> {
    let gz = mov.with_extension("rgb24.gz");
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&gz).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn save_rgb(path: &Path, w: u32, h: u32, rgb: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image::save_buffer(path, rgb, w, h, image::ExtendedColorType::Rgb8).unwrap();
}

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let mse = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// Compares one frame; on failure writes the images and returns the complaint.
fn compare(
    name: &str,
    index: usize,
    w: u32,
    h: u32,
    actual: &[u8],
    expected: &[u8],
    rule: Rule,
) -> Option<String> {
    let max = actual
        .iter()
        .zip(expected)
        .map(|(&a, &e)| a.abs_diff(e))
        .max()
        .unwrap_or(0);
    let p = psnr(actual, expected);
    let ok = match rule {
        Rule::Exact => actual == expected,
        Rule::MaxDiff(d) => max <= d,
        Rule::Psnr(min) => p >= min,
    };
    if ok {
        return None;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-output/codecs");
    save_rgb(
        &dir.join(format!("{name}.{index}.actual.png")),
        w,
        h,
        actual,
    );
    save_rgb(
        &dir.join(format!("{name}.{index}.expected.png")),
        w,
        h,
        expected,
    );
    let diff: Vec<u8> = actual
        .iter()
        .zip(expected)
        .map(|(&a, &e)| a.abs_diff(e).saturating_mul(16))
        .collect();
    save_rgb(&dir.join(format!("{name}.{index}.diff.png")), w, h, &diff);
    Some(format!(
        "{name} frame {index}: {rule:?} not met (max difference {max}, PSNR {p:.1} dB); images in {}",
        dir.display()
    ))
}

#[test]
fn every_fixture_matches_ffmpeg() {
    let mut movs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mov"))
        .collect();
    movs.sort();
    assert!(
        movs.len() >= 40,
        "expected the committed fixtures, found {}",
        movs.len()
    );
    let mut failures = Vec::new();
    let mut unsupported = Vec::new();
    for mov in &movs {
        let name = mov.file_stem().unwrap().to_string_lossy().into_owned();
        let (codec, w, h, frames, problems) = decode_fixture(mov);
        let mut codec4 = [b' '; 4];
        codec4.copy_from_slice(&codec.as_bytes()[..4]);
        if problems.iter().any(|p| p.contains("is not supported")) {
            unsupported.push((name.clone(), codec.clone(), problems.clone()));
            continue;
        }
        if !problems.is_empty() {
            failures.push(format!("{name} ({codec}): {problems:?}"));
            continue;
        }
        let reference = reference(mov);
        // Sorenson Video's reference covers the whole chroma samples only
        // (scripts/make-codec-fixtures.sh says why).
        let (rw, rh) = if codec == "SVQ1" {
            (w / 4 * 4, h / 4 * 4)
        } else {
            (w, h)
        };
        let frames: Vec<Vec<u8>> = frames
            .iter()
            .map(|f| {
                f.chunks_exact(w as usize * 3)
                    .take(rh as usize)
                    .flat_map(|row| &row[..rw as usize * 3])
                    .copied()
                    .collect()
            })
            .collect();
        let (w, h) = (rw, rh);
        let frame_len = (w * h * 3) as usize;
        if reference.len() != frame_len * frames.len() {
            failures.push(format!(
                "{name}: ffmpeg decoded {} bytes, we decoded {} frames of {w}×{h}",
                reference.len(),
                frames.len()
            ));
            continue;
        }
        for (i, f) in frames.iter().enumerate() {
            let expected = &reference[i * frame_len..(i + 1) * frame_len];
            if let Some(msg) = compare(&name, i, w, h, f, expected, rule_for(&codec4)) {
                failures.push(msg);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every codec of the fixtures has a decoder (docs/formats.md, "Codecs").
    assert!(unsupported.is_empty(), "{unsupported:?}");
}

/// Sorenson Video 1 decodes to exactly ffmpeg's planes: every frame of every
/// SVQ1 fixture (key and delta frames; sizes 112×80, 70×46, 160×120 from the
/// size table, and 37×29) against `NAME.yuv410p.gz`.
#[test]
fn svq1_planes_are_ffmpegs() {
    use qtvr_format::codec::svq1::Svq1Decoder;
    use qtvr_format::codec::{Decoder, Frame, FrameKind, StreamInfo};
    use qtvr_format::limits::Limits;
    let mut movs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("svq1_") && n.ends_with(".mov")
        })
        .collect();
    movs.sort();
    assert!(movs.len() >= 4, "{movs:?}");
    for mov in &movs {
        let (src, movie) = open_fixture(mov);
        let track = video_track(&movie);
        let info = StreamInfo::from_description(&track.descriptions[0]).unwrap();
        let mut d = Svq1Decoder::new(&info).unwrap();
        let mut f = Frame::new(
            info.width,
            info.height,
            FrameKind::Rgba,
            None,
            &Limits::default(),
        )
        .unwrap();
        let mut gz = Vec::new();
        flate2::read::GzDecoder::new(
            std::fs::File::open(mov.with_extension("yuv410p.gz")).unwrap(),
        )
        .read_to_end(&mut gz)
        .unwrap();
        let (w, h) = (info.width as usize, info.height as usize);
        let (cw, ch) = (w.div_ceil(4), h.div_ceil(4));
        let frame_len = w * h + 2 * cw * ch;
        assert_eq!(
            gz.len(),
            frame_len * track.samples.len(),
            "{}",
            mov.display()
        );
        for (i, s) in track.samples.iter().enumerate() {
            let bytes = qtvr_format::source::read_vec(&src, s.offset, u64::from(s.size)).unwrap();
            d.decode(&bytes, s.is_sync, &mut f)
                .unwrap_or_else(|e| panic!("{} frame {i}: {e}", mov.display()));
            let p = d.last_picture().unwrap();
            let want = &gz[i * frame_len..(i + 1) * frame_len];
            let name = mov.file_name().unwrap().to_string_lossy();
            for (plane, got, want) in [
                ("Y", &p.y, &want[..w * h]),
                ("U", &p.u, &want[w * h..w * h + cw * ch]),
                ("V", &p.v, &want[w * h + cw * ch..]),
            ] {
                if got.as_slice() != want {
                    let first = got.iter().zip(want).position(|(a, b)| a != b);
                    panic!("{name} frame {i} plane {plane}: first difference at {first:?}");
                }
            }
        }
    }
}
