//! The QuickTime movies inside a disc image (HFS, HFS+, Apple partition
//! map, hybrid ISO 9660 + HFS), each named as every command accepts it
//! (`IMAGE//Folder/Movie`) and told by kind: what `qtvr ls` prints and what
//! the viewer's loader offers to choose from when a disc image is opened.
//!
//! A file is a movie candidate by its content or its Finder type, never by
//! its name: Finder type `MooV`, a data fork that starts with a QuickTime
//! atom (`moov`, `mdat`, `free`, `skip`, `wide`, `pnot`, `ftyp`), or a
//! resource fork whose resource map has a `moov` type. Each candidate is then
//! loaded (movie atom and the small QTVR samples only — media is never read)
//! to tell its kind.

use serde::Serialize;

use qtvr_format::disk::{Entry, Image};
use qtvr_format::qtvr::NodeContent;
use qtvr_format::source::ByteSource;

/// Version of the JSON layout.
pub const SCHEMA: u32 = 1;

/// What a listed movie is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A QTVR movie with one panorama node.
    Panorama,
    /// A QTVR movie with one object node.
    Object,
    /// A QTVR movie with several nodes.
    Tour,
    /// A QuickTime movie that is not QuickTime VR.
    Quicktime,
    /// Looks like a movie (type `MooV` or QuickTime atoms) but does not load.
    Unreadable,
}

impl Kind {
    /// Whether the viewer shows it.
    pub fn is_qtvr(self) -> bool {
        matches!(self, Kind::Panorama | Kind::Object | Kind::Tour)
    }
}

/// One movie of the image.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    /// `IMAGE//Folder/Movie`, as every command accepts it.
    pub path: String,
    /// The path inside the image (`Folder/Movie`).
    pub inner: String,
    /// Data fork bytes.
    pub size: u64,
    /// Resource fork bytes.
    pub resource_size: u64,
    /// Finder type and creator (`MooV`, `TVOD`; `None` on ISO 9660).
    pub file_type: Option<String>,
    pub creator: Option<String>,
    pub kind: Kind,
    /// QTVR nodes (0 for plain QuickTime).
    pub nodes: usize,
    /// Why an unreadable one does not load.
    pub error: Option<String>,
}

/// The listing of an image.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    pub schema: u32,
    pub image: String,
    /// `"HFS"` or `"HFS+"`.
    pub volume_kind: String,
    pub volume: String,
    /// Where the volume was found in the image.
    pub layout: String,
    pub movies: Vec<Listed>,
    /// Files of the catalog left out, and why.
    pub warnings: Vec<String>,
}

/// QuickTime atom types a movie's data fork may start with.
const STARTS: [&[u8; 4]; 7] = [
    b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"ftyp",
];

fn starts_like_quicktime(src: &dyn ByteSource) -> bool {
    let mut h = [0u8; 8];
    src.read_exact_at(0, &mut h).is_ok() && STARTS.iter().any(|s| h[4..8] == s[..])
}

/// Whether a resource fork's map lists the type `moov` (reads its header
/// and type list only).
pub(crate) fn has_moov_resource(src: &dyn ByteSource) -> bool {
    let mut h = [0u8; 16];
    if src.read_exact_at(0, &mut h).is_err() {
        return false;
    }
    let map = u64::from(u32::from_be_bytes([h[4], h[5], h[6], h[7]]));
    let mut m = [0u8; 30];
    if src.read_exact_at(map, &mut m).is_err() {
        return false;
    }
    let list = map + u64::from(u16::from_be_bytes([m[24], m[25]]));
    let count = usize::from(u16::from_be_bytes([m[28], m[29]])).wrapping_add(1) & 0xFFFF;
    let mut types = vec![0u8; 8 * count.min(4096)];
    src.read_exact_at(list + 2, &mut types).is_ok() && types.chunks(8).any(|t| &t[..4] == b"moov")
}

/// Lists the movies of `image` (named `shown` in paths), sorted by path.
pub fn list_image(image: &Image, shown: &str) -> Listing {
    let mut movies = Vec::new();
    let mut warnings = image.warnings.clone();
    for e in image.entries() {
        if let Some(m) = movie(image, e, shown, &mut warnings) {
            movies.push(m);
        }
    }
    movies.sort_by(|a, b| a.inner.cmp(&b.inner));
    Listing {
        schema: SCHEMA,
        image: shown.to_string(),
        volume_kind: image.volume_kind().to_string(),
        volume: image.volume_name().to_string(),
        layout: image.layout.clone(),
        movies,
        warnings,
    }
}

/// Finder type `MooV`.
fn typed(e: &Entry) -> bool {
    e.finder.is_some_and(|f| f.file_type.0 == *b"MooV")
}

fn movie(image: &Image, e: &Entry, shown: &str, warnings: &mut Vec<String>) -> Option<Listed> {
    let forks = match image.forks(e, shown) {
        Ok(f) => f,
        Err(err) => {
            // A truncated image, or a broken catalog record: say so, whatever
            // the file is.
            warnings.push(format!("{shown}//{}: {err}", e.path));
            return None;
        }
    };
    let candidate = typed(e)
        || starts_like_quicktime(forks.data.as_ref())
        || forks.resource.as_deref().is_some_and(has_moov_resource);
    if !candidate {
        return None;
    }
    let (kind, nodes, error) = match qtvr_format::qtvr::open_forks(&forks) {
        Ok(loaded) => match loaded.scene.as_ref() {
            None => (Kind::Quicktime, 0, None),
            Some(s) if s.nodes.len() > 1 => (Kind::Tour, s.nodes.len(), None),
            Some(s) => match s.nodes.first().map(|n| &n.content) {
                Some(NodeContent::Object(_)) => (Kind::Object, 1, None),
                _ => (Kind::Panorama, s.nodes.len(), None),
            },
        },
        Err(err) => (Kind::Unreadable, 0, Some(err.to_string())),
    };
    Some(Listed {
        path: format!("{shown}//{}", e.path),
        inner: e.path.clone(),
        size: e.data_len,
        resource_size: e.resource_len,
        file_type: e.finder.map(|f| f.file_type.to_string()),
        creator: e.finder.map(|f| f.creator.to_string()),
        kind,
        nodes,
        error,
    })
}

impl Listed {
    /// Its kind in words: `QTVR tour (3 nodes)`, `QuickTime movie (not QTVR)`.
    pub fn describe(&self) -> String {
        match self.kind {
            Kind::Panorama => "QTVR panorama".to_string(),
            Kind::Object => "QTVR object".to_string(),
            Kind::Tour => format!("QTVR tour ({} nodes)", self.nodes),
            Kind::Quicktime => "QuickTime movie (not QTVR)".to_string(),
            Kind::Unreadable => format!(
                "unreadable movie: {}",
                self.error.as_deref().unwrap_or("unknown error")
            ),
        }
    }
}
