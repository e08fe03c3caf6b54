//! What the integration tests share: finding the sample movies, reading
//! the ground truth's indexed hot spot maps.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Under `CI=true` a missing sample folder or tool fails the test (CI must
/// never pass by skipping); elsewhere the test skips, saying why.
pub fn skip(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and {why}: a test may not skip in CI");
    }
    eprintln!("SKIP: {why}");
}

/// `../shared/samples` beside the checkout, or None (with a SKIP line on
/// stderr; under `CI=true` a failure).
pub fn samples_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    if dir.is_dir() {
        Some(dir)
    } else {
        skip(&format!(
            "../shared/samples not found (looked for {}); sample movie tests skipped",
            dir.display()
        ));
        None
    }
}

/// Every `.mov` under `real/`, `tools-made/` and `gen/` of the samples folder, sorted.
pub fn sample_movies(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for sub in ["real", "tools-made", "gen"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("mov")) {
                v.push(p);
            }
        }
    }
    v.sort();
    v
}

/// The raw palette indices of an 8-bit indexed PNG (a ground-truth hot spot
/// map: each index is a hot spot ID).
pub fn png_indices(path: &Path) -> image::GrayImage {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut dec = png::Decoder::new(std::io::BufReader::new(file));
    dec.set_transformations(png::Transformations::IDENTITY);
    let mut reader = dec.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "{}", path.display());
    image::GrayImage::from_raw(
        info.width,
        info.height,
        buf[..(info.width * info.height) as usize].to_vec(),
    )
    .expect("one byte per pixel")
}
