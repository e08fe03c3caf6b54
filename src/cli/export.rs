//! `qtvr export FILE --to tiles -o DIR`: every decoded tile as a PNG file.
//!
//! Tiles are named `track<ID>-sample<N>.png` with N the 1-based sample number
//! (as `qtvr info` counts), zero-padded to four digits. Image tiles are RGB (RGBA
//! when a tile has transparency); hot spot tiles are 8-bit indexed PNGs whose
//! index values are the hot spot IDs, with the track's palette.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use qtvr_format::codec::{Frame, FrameKind, Palette};
use qtvr_format::container::Movie;
use qtvr_format::error::Warning;
use qtvr_format::qtvr::scene::{Scene, TrackId};
use qtvr_format::source::ByteSource;
use qtvr_format::tiles::{self, Role, Tile, TileStatus};

/// What an export wrote and what it had to say.
#[derive(Debug, Default)]
pub struct ExportReport {
    pub written: Vec<PathBuf>,
    pub warnings: Vec<Warning>,
    /// Tiles that are placeholders or damaged.
    pub imperfect: usize,
    /// Which tracks ffmpeg decoded.
    pub notes: Vec<String>,
}

/// The tracks to export: for a QTVR movie every image, preview, low-resolution and
/// hot spot track its nodes use; for a plain movie every video track.
pub fn export_tracks(movie: &Movie, scene: Option<&Scene>) -> Vec<(TrackId, Role)> {
    let mut out: Vec<(TrackId, Role)> = Vec::new();
    match scene {
        Some(scene) => {
            for node in &scene.nodes {
                for (u, role) in tiles::node_tracks(node) {
                    if !out.iter().any(|(id, _)| *id == u.track_id) {
                        out.push((u.track_id, role));
                    }
                }
            }
        }
        None => {
            for t in &movie.tracks {
                if t.handler.0 == *b"vide" {
                    out.push((t.id, Role::Image));
                }
            }
        }
    }
    out
}

/// Decodes every sample of the export tracks and writes one PNG per tile into `dir`.
pub fn export_tiles(
    src: &dyn ByteSource,
    movie: &Movie,
    scene: Option<&Scene>,
    dir: &Path,
) -> Result<ExportReport, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut report = ExportReport::default();
    let opts = crate::budget::decode_options();
    for (id, role) in export_tracks(movie, scene) {
        let Some(track) = movie.tracks.iter().find(|t| t.id == id) else {
            report.warnings.push(Warning {
                offset: None,
                message: format!("track {id} does not exist"),
            });
            continue;
        };
        report
            .notes
            .extend(tiles::external::note(track, &opts.fallback));
        // Each tile is written as soon as it is decoded (in parallel), so at
        // most one frame per worker is held, whatever the track's length.
        let all: Vec<usize> = (0..track.samples.len()).collect();
        // A worker holds its chain's frame, the tile being written and its
        // RGBA copy: as many workers as the budget has room for, else one;
        // a track whose one frame does not fit is not decoded.
        let (count, largest, _) = tiles::claimed_frames(track, &all);
        let held = u64::from(largest[0]) * u64::from(largest[1]) * 4 * 3;
        let needs = qtvr_format::limits::MemoryNeeds {
            frames: count,
            largest,
            bytes: held,
        };
        if let Err(e) = opts.limits.check_memory(&needs) {
            report.warnings.push(Warning {
                offset: Some(track.offset),
                message: format!("track {id}: {e}; its tiles were not written"),
            });
            report.imperfect += all.len();
            continue;
        }
        let workers = rayon::current_num_threads() as u64;
        let opts = tiles::DecodeOptions {
            parallel: held.saturating_mul(workers) <= opts.limits.memory,
            ..opts.clone()
        };
        let done: Mutex<(Vec<PathBuf>, usize, Option<String>)> = Mutex::new((Vec::new(), 0, None));
        let sink = |t: Tile| {
            let path = dir.join(format!("track{id}-sample{:04}.png", t.sample + 1));
            let written = write_png(&path, &t.frame, role);
            let mut d = done.lock().unwrap_or_else(|e| e.into_inner());
            d.1 += usize::from(t.status != TileStatus::Decoded);
            match written {
                Ok(()) => d.0.push(path),
                Err(e) => {
                    d.2.get_or_insert(e);
                }
            }
        };
        let result = tiles::for_each_tile(src, track, &all, role, &opts, &sink);
        let (mut written, imperfect, failure) =
            done.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = failure {
            return Err(e);
        }
        // A track that cannot be decoded (ffmpeg failed) is a warning: the
        // other tracks are still written.
        let warnings = match result {
            Ok(w) => w,
            Err(e) => vec![Warning {
                offset: Some(track.offset),
                message: format!(
                    "{e}; {} of its {} tiles were written",
                    written.len(),
                    all.len()
                ),
            }],
        };
        written.sort();
        let missing = all.len().saturating_sub(written.len());
        report.written.append(&mut written);
        report.imperfect += imperfect + missing;
        for w in warnings {
            if !report.warnings.iter().any(|x| x.message == w.message) {
                report.warnings.push(w);
            }
        }
    }
    Ok(report)
}

/// Writes a frame as PNG: hot spot maps as 8-bit indexed, pictures as RGB(A).
pub fn write_png(path: &Path, frame: &Frame, role: Role) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
    let file = File::create(path).map_err(|e| fail(&e))?;
    let mut enc = png::Encoder::new(BufWriter::new(file), frame.width, frame.height);
    enc.set_compression(png::Compression::Fast);
    let rgba;
    let data: &[u8] = if role == Role::HotSpots && frame.kind == FrameKind::Indexed {
        let pal = frame.palette.clone().unwrap_or_else(Palette::mac_256);
        let plte: Vec<u8> = pal.colors.iter().flat_map(|c| [c[0], c[1], c[2]]).collect();
        enc.set_color(png::ColorType::Indexed);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_palette(plte);
        &frame.data
    } else {
        rgba = frame.to_rgba();
        enc.set_depth(png::BitDepth::Eight);
        if rgba.chunks_exact(4).all(|p| p[3] == 255) {
            enc.set_color(png::ColorType::Rgb);
            let rgb: Vec<u8> = rgba
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect();
            let mut w = enc.write_header().map_err(|e| fail(&e))?;
            return w.write_image_data(&rgb).map_err(|e| fail(&e));
        }
        enc.set_color(png::ColorType::Rgba);
        &rgba
    };
    let mut w = enc.write_header().map_err(|e| fail(&e))?;
    w.write_image_data(data).map_err(|e| fail(&e))
}
