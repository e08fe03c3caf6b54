//! Every tile of every movie in ../shared/samples decodes; lossless tiles of the
//! generated movies match the SHA-256 of ffmpeg's RGB24 decode listed in their
//! ground truth; JPEG tiles reach 45 dB PSNR against ffmpeg's decode (when ffmpeg
//! is installed). Skips with a message when ../shared/samples is missing.

use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

use qtvr_format::qtvr::{TrackId, open};
use qtvr_format::tiles::{DecodeOptions, Role, TileStatus, decode_node, decode_track, node_tracks};

mod common;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn every_node_tile_decodes() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let mut checked = 0;
    for path in common::sample_movies(&dir) {
        let (src, loaded) = open(&path).unwrap();
        let scene = loaded.scene.as_ref().expect("a QTVR movie");
        for node in &scene.nodes {
            let uses = node_tracks(node);
            let results = decode_node(&src, &loaded.movie, node, &DecodeOptions::default());
            for ((u, role), r) in uses.iter().zip(results) {
                let d = r.unwrap_or_else(|e| panic!("{}: node {}: {e}", path.display(), node.id));
                assert_eq!(d.tiles.len(), u.samples.len());
                for t in &d.tiles {
                    let expected_kind = match role {
                        Role::HotSpots => qtvr_format::codec::FrameKind::Indexed,
                        Role::Image => t.frame.kind,
                    };
                    assert_eq!(t.frame.kind, expected_kind);
                    assert_eq!(
                        t.status,
                        TileStatus::Decoded,
                        "{}: node {} track {} sample {}",
                        path.display(),
                        node.id,
                        u.track_id,
                        t.sample + 1
                    );
                    assert_eq!((t.frame.width, t.frame.height), (u.width, u.height));
                    checked += 1;
                }
            }
        }
    }
    eprintln!("{checked} tiles decoded");
    assert!(checked > 500);
}

#[test]
fn lossless_tiles_match_ground_truth_hashes() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let mut matched = 0;
    for path in common::sample_movies(&dir)
        .into_iter()
        .filter(|p| p.parent().is_some_and(|d| d.ends_with("gen")))
    {
        let truth: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path.with_extension("json")).unwrap()).unwrap();
        let (src, loaded) = open(&path).unwrap();
        for t in truth["tracks"].as_array().unwrap() {
            let (Some(hashes), Some(true)) = (
                t["ffmpeg_rgb24_sha256"].as_array(),
                t["decode_exact"].as_bool(),
            ) else {
                continue;
            };
            let id = TrackId(t["track_id"].as_u64().unwrap() as u32);
            let track = loaded.movie.tracks.iter().find(|x| x.id == id).unwrap();
            let all: Vec<usize> = (0..track.samples.len()).collect();
            let d =
                decode_track(&src, track, &all, Role::Image, &DecodeOptions::default()).unwrap();
            assert_eq!(d.tiles.len(), hashes.len(), "{} track {id}", path.display());
            for (tile, want) in d.tiles.iter().zip(hashes) {
                let got = hex(&Sha256::digest(tile.frame.to_rgb24()));
                assert_eq!(
                    got,
                    want.as_str().unwrap(),
                    "{} track {id} sample {}: RGB24 differs from ffmpeg's",
                    path.display(),
                    tile.sample + 1
                );
                matched += 1;
            }
        }
    }
    eprintln!("{matched} lossless tiles match ffmpeg's hashes");
    assert!(matched > 100);
}

/// ffmpeg's RGB24 decode of video track `index`, or None without ffmpeg.
fn ffmpeg_rgb24(path: &Path, index: usize) -> Option<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-ignore_editlist", "1", "-i"])
        .arg(path)
        .args([
            "-map",
            &format!("0:v:{index}"),
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-fps_mode",
            "passthrough",
            "-",
        ])
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

#[test]
fn jpeg_tiles_within_45_db_of_ffmpeg() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    if !qtvr_testkit::require_tool("ffmpeg", "ffmpeg") {
        return;
    }
    let mut worst = f64::INFINITY;
    let mut tiles = 0;
    for path in common::sample_movies(&dir) {
        let (src, loaded) = open(&path).unwrap();
        let videos = loaded
            .movie
            .tracks
            .iter()
            .filter(|t| t.handler.0 == *b"vide");
        for (index, track) in videos.enumerate() {
            if !matches!(&track.descriptions[0].format.0, b"jpeg" | b"mjpa") {
                continue;
            }
            let reference = ffmpeg_rgb24(&path, index).unwrap();
            let all: Vec<usize> = (0..track.samples.len()).collect();
            let d =
                decode_track(&src, track, &all, Role::Image, &DecodeOptions::default()).unwrap();
            let mut at = 0;
            for tile in &d.tiles {
                let rgb = tile.frame.to_rgb24();
                let expected = &reference[at..at + rgb.len()];
                at += rgb.len();
                let mse = rgb
                    .iter()
                    .zip(expected)
                    .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
                    .sum::<f64>()
                    / rgb.len() as f64;
                let psnr = if mse == 0.0 {
                    99.0
                } else {
                    10.0 * (65025.0 / mse).log10()
                };
                assert!(
                    psnr >= 45.0,
                    "{} track {} sample {}: {psnr:.1} dB",
                    path.display(),
                    track.id,
                    tile.sample + 1
                );
                worst = worst.min(psnr);
                tiles += 1;
            }
            assert_eq!(
                at,
                reference.len(),
                "{} track {}: frame count differs",
                path.display(),
                track.id
            );
        }
    }
    eprintln!("{tiles} JPEG tiles, worst PSNR {worst:.1} dB");
    assert!(tiles > 100);
}

/// A panorama decoded in batches (as the viewer does, for its progress bar)
/// is the picture decoded in one piece, for every panorama node of every
/// sample.
#[test]
fn pictures_decoded_in_batches_are_the_pictures_decoded_at_once() {
    use qtvr_format::assemble::{panorama_picture, panorama_picture_in_batches};
    use qtvr_format::qtvr::NodeContent;
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let mut cylinders = 0;
    for path in common::sample_movies(&dir) {
        let (src, loaded) = open(&path).unwrap();
        let scene = loaded.scene.as_ref().expect("a QTVR movie");
        for node in &scene.nodes {
            let NodeContent::Panorama(p) = &node.content else {
                continue;
            };
            let opts = DecodeOptions::default();
            let whole = panorama_picture(&src, &loaded.movie, node, &opts);
            let mut calls = Vec::new();
            let batched =
                panorama_picture_in_batches(&src, &loaded.movie, node, &opts, 8, &mut |d, t| {
                    calls.push((d, t))
                });
            let what = format!("{} node {}", path.display(), node.id);
            match (whole, batched) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.surfaces.len(), b.surfaces.len(), "{what}");
                    for (x, y) in a.surfaces.iter().zip(&b.surfaces) {
                        assert!(x.image == y.image, "{what}: the pictures differ");
                        assert!(x.hotspots == y.hotspots, "{what}: the hot spot maps differ");
                    }
                    assert_eq!(
                        a.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
                        b.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
                        "{what}"
                    );
                }
                (a, b) => assert_eq!(
                    a.err().map(|e| e.to_string()),
                    b.err().map(|e| e.to_string()),
                    "{what}"
                ),
            }
            assert_eq!(
                calls.last().map(|c| c.0),
                Some(p.image_track.samples.len()),
                "{what}"
            );
            if matches!(p.projection, qtvr_format::qtvr::Projection::Cylinder { .. })
                && calls.len() > 1
            {
                cylinders += 1;
            }
        }
    }
    // Cylinders whose tiles came in several batches.
    assert!(
        cylinders >= 3,
        "only {cylinders} cylinders were decoded in batches"
    );
}
