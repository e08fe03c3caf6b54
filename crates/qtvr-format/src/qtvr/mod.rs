//! Stage 2 — the QTVR scene: tracks → nodes, panoramas, objects, hot spots.
//!
//! Written by hand: no crate reads QuickTime VR. QTVR 2.x (`v2.rs`) and QTVR
//! 1.0 (`v1.rs`) movies are read into one [`Scene`] model. This stage reads
//! only the small VR samples; image samples stay in the file until decoded.
//! [`write`](mod@write) goes the other way: it writes QTVR 2 movies (the parser tests'
//! movies and the viewer's bundled demo).

pub mod atom_container;
mod context;
mod limits;
pub mod scene;
mod v1;
mod v2;
pub mod write;

use std::path::Path;

pub use scene::*;

/// What to say of a movie without a QTVR scene.
pub const NOT_QTVR: &str =
    "not a QuickTime VR movie (a plain QuickTime movie has no panorama or object nodes)";

use crate::container::{FourCC, Movie, read_movie};
use crate::error::Result;
use crate::limits::Budget;
use crate::source::{ByteSource, FileSource};

/// Which kind of QTVR movie a QuickTime movie is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// QTVR 2.x (ctyp `qtvr`).
    V2,
    /// QTVR 1.0 panorama (ctyp `STpn` or `stpn`).
    V1Panorama,
    /// QTVR 1.0 object (ctyp `stna`).
    V1Object,
}

/// A movie read from a file: its container structure and, for QTVR movies, its scene.
#[derive(Debug)]
pub struct Loaded {
    pub movie: Movie,
    /// `None` for plain QuickTime movies.
    pub scene: Option<Scene>,
    /// The movie's controller type (`ctyp` user data), when stored.
    pub controller: Option<FourCC>,
}

/// The controller type (`ctyp`) from the movie's user data.
pub fn controller_type(movie: &Movie) -> Option<FourCC> {
    movie
        .user_data
        .iter()
        .find(|a| a.kind.0 == *b"ctyp" && a.data.len() >= 4)
        .map(|a| FourCC([a.data[0], a.data[1], a.data[2], a.data[3]]))
}

/// Decides the QTVR flavour from `ctyp`, or from the tracks when `ctyp` is missing.
pub fn flavor(movie: &Movie) -> Option<Flavor> {
    match controller_type(movie).map(|c| c.0) {
        Some(c) if c == *b"qtvr" => return Some(Flavor::V2),
        Some(c) if c == *b"STpn" || c == *b"stpn" => return Some(Flavor::V1Panorama),
        Some(c) if c == *b"stna" => return Some(Flavor::V1Object),
        _ => {}
    }
    let has = |h: &[u8; 4]| movie.tracks.iter().any(|t| t.handler.0 == *h);
    if has(b"qtvr") {
        Some(Flavor::V2)
    } else if has(b"STpn") || has(b"stpn") {
        Some(Flavor::V1Panorama)
    } else if movie.user_data.iter().any(|a| a.kind.0 == *b"NAVG") {
        Some(Flavor::V1Object)
    } else {
        None
    }
}

/// Reads a movie and its QTVR scene from bytes.
pub fn load(src: &dyn ByteSource) -> Result<Loaded> {
    let budget = Budget::for_file(src.len());
    load_with_budget(src, &budget)
}

/// [`load`] drawing on a given budget.
pub fn load_with_budget(src: &dyn ByteSource, budget: &Budget) -> Result<Loaded> {
    let movie = read_movie(src, budget)?;
    let controller = controller_type(&movie);
    let scene = match flavor(&movie) {
        None => None,
        Some(fl) => {
            let mut ctx = context::Ctx::new(&movie, src, budget);
            let ctyp = controller.unwrap_or(match fl {
                Flavor::V2 => FourCC::new(b"qtvr"),
                Flavor::V1Panorama => FourCC::new(b"STpn"),
                Flavor::V1Object => FourCC::new(b"stna"),
            });
            if controller.is_none() {
                ctx.warn(None, format!("no controller type ('ctyp') in the movie's user data; read as '{ctyp}' from its tracks"));
            }
            let mut scene = match fl {
                Flavor::V2 => v2::read_scene(&mut ctx, ctyp)?,
                Flavor::V1Panorama => v1::read_panorama_scene(&mut ctx, ctyp)?,
                Flavor::V1Object => v1::read_object_scene(&mut ctx, ctyp)?,
            };
            scene.warnings = movie.warnings.clone();
            scene.warnings.append(&mut ctx.warnings);
            Some(scene)
        }
    };
    Ok(Loaded {
        movie,
        scene,
        controller,
    })
}

/// Opens a movie file and reads it.
pub fn open(path: &Path) -> Result<(FileSource, Loaded)> {
    let src = FileSource::open(path)?;
    let loaded = load(&src)?;
    Ok((src, loaded))
}

#[cfg(test)]
mod tests;
