//! Every codec fixture (tests/fixtures/codecs, made by scripts/make-codec-fixtures.sh)
//! decodes to ffmpeg's own decode of it: exactly for lossless codecs, within 2 per
//! channel for Cinepak, Apple Video and Sorenson 1, at ≥ 45 dB PSNR for JPEG.
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
        b"jpeg" | b"mjpa" => Rule::Psnr(45.0),
        _ => Rule::Exact,
    }
}

/// Decodes every frame of the fixture's video track: (codec, width, height, frames as RGB24).
fn decode_fixture(mov: &Path) -> (String, u32, u32, Vec<Vec<u8>>, Vec<String>) {
    let src = FileSource::open(mov).unwrap();
    let movie = read_movie(
        &src,
        &Budget::for_file(qtvr_format::source::ByteSource::len(&src)),
    )
    .unwrap();
    let track = movie
        .tracks
        .iter()
        .find(|t| t.handler.0 == *b"vide")
        .expect("a video track");
    let all: Vec<usize> = (0..track.samples.len()).collect();
    let decoded = decode_track(&src, track, &all, Role::Image, &DecodeOptions::default()).unwrap();
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
    // Only the codec documented as unsupported may be (docs/formats.md, "Codecs").
    for (name, codec, problems) in &unsupported {
        assert_eq!(codec, "SVQ1", "{name}: {problems:?}");
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("track 1: codec 'SVQ1' is not supported")),
            "{name}: {problems:?}"
        );
    }
}
