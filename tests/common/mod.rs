//! What the integration tests share beyond crates/qtvr-testkit: reading the
//! ground truth's indexed hot spot maps (and, re-exported, the testkit's
//! sample finder and skip rule).

#![allow(dead_code, unused_imports)]

use std::path::Path;
use std::process::Output;

// The sample finder and the skip rule live in crates/qtvr-testkit.
pub use qtvr_testkit::{sample_movies, samples_dir, skip};

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

/// The standard output of a command that must have succeeded (else the
/// failure with its exit code and both outputs).
pub fn succeeded(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// ffmpeg's decode of stream `map` (e.g. `0:a:0`) of `path` as 64-bit float
/// samples (interleaved), the reference the sound tests compare with.
#[allow(dead_code)]
pub fn ffmpeg_f64(path: &Path, map: &str) -> Vec<f64> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-map", map, "-f", "f64le", "-c:a", "pcm_f64le", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "ffmpeg failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect()
}
