//! Stage 0: where a movie's bytes come from — a plain file, or the forks of a
//! classic Mac OS file as today's disks and archives hold them.
//!
//! A QuickTime movie made on a Mac may keep its movie atom in the resource
//! fork (a `moov` resource) with the media in the data fork. Copied off the
//! Mac, the two forks travel in a wrapper (MacBinary, AppleSingle, BinHex),
//! side by side (AppleDouble `._name`, `__MACOSX/`, the macOS named fork), or
//! inside a disc image (HFS, HFS+, hybrid ISO 9660). This module finds the
//! forks of a path and hands them on as [`Forks`]; [`crate::qtvr::open_forks`]
//! reads the movie from them.
//!
//! Every format here is implemented by hand from its public description
//! (no crate reads these formats as a movie viewer needs them): the resource
//! fork ([`resource`]), MacBinary I/II/III ([`macbinary`]), AppleSingle and
//! AppleDouble ([`apple_single`]), BinHex 4.0 ([`binhex`]). A wrapper is
//! recognised by its content, never by its name. Wrapped forks are ranges of
//! the file ([`Range`]), except BinHex's, which are decoded into memory up to
//! the lengths its header declares.
//!
//! [`open`] tries, in order: the file as AppleSingle, BinHex or MacBinary
//! (both forks from it); else the file is the data fork, and the resource
//! fork is looked for in the macOS named fork (`path/..namedfork/rsrc`) and
//! in AppleDouble files beside it (`dir/._name`, `dir/__MACOSX/._name`, and
//! for a file of an unzipped archive `top/__MACOSX/sub/dir/._name` up to
//! [`SIDECAR_LEVELS`] folders up). Every place tried is listed in
//! [`Forks::looked`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::container::FourCC;
use crate::error::{Error, Result};
use crate::source::{ByteSource, FileSource};

pub mod apple_single;
pub mod binhex;
pub mod macbinary;
pub mod resource;

/// How many folders up an `__MACOSX` folder of an unzipped archive is looked
/// for.
pub const SIDECAR_LEVELS: usize = 4;

/// The Finder's type and creator of a file (`MooV`/`TVOD` for a QuickTime
/// movie).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FinderInfo {
    #[serde(rename = "type")]
    pub file_type: FourCC,
    pub creator: FourCC,
}

/// A QuickTime movie's Finder type and creator (for the wrappers' tests).
#[cfg(test)]
pub(crate) const MOOV_TVOD: FinderInfo = FinderInfo {
    file_type: FourCC(*b"MooV"),
    creator: FourCC(*b"TVOD"),
};

/// The forks of one file.
#[derive(Clone)]
pub struct Forks {
    /// The data fork: the movie file's bytes (media, and the movie atom of a
    /// flattened movie).
    pub data: Arc<dyn ByteSource>,
    /// The resource fork, when one was found.
    pub resource: Option<Arc<dyn ByteSource>>,
    /// The Finder type and creator, when the wrapper or volume keeps them.
    pub finder: Option<FinderInfo>,
    /// How the forks were found, for messages (`"a plain file"`,
    /// `"MacBinary II"`, `"AppleDouble file ._movie.mov"`, …).
    pub how: String,
    /// Every place a resource fork was looked for, and what was found there
    /// (for the error when the movie atom is not in the data fork).
    pub looked: Vec<String>,
}

impl std::fmt::Debug for Forks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forks")
            .field("data", &self.data.len())
            .field("resource", &self.resource.as_ref().map(|r| r.len()))
            .field("finder", &self.finder)
            .field("how", &self.how)
            .field("looked", &self.looked)
            .finish()
    }
}

impl Forks {
    /// A plain file's bytes as its data fork, nothing else.
    pub fn plain(data: Arc<dyn ByteSource>) -> Forks {
        Forks {
            data,
            resource: None,
            finder: None,
            how: "a plain file".into(),
            looked: Vec::new(),
        }
    }
}

/// Where a movie's bytes came from, as `qtvr info` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// How the forks were found ([`Forks::how`]).
    pub how: String,
    /// The Finder type and creator, when known.
    pub finder: Option<FinderInfo>,
    /// The ID of the resource fork's `moov` resource the movie atom was
    /// read from; `None` when it came from the data fork.
    pub moov_resource: Option<i16>,
}

/// A range of another byte source (a fork inside a wrapper), read in place.
pub struct Range {
    inner: Arc<dyn ByteSource>,
    start: u64,
    len: u64,
}

impl Range {
    /// `len` bytes of `inner` from `start`; reads past `inner`'s end fail.
    pub fn new(inner: Arc<dyn ByteSource>, start: u64, len: u64) -> Range {
        Range { inner, start, len }
    }
}

impl ByteSource for Range {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        let end = offset.checked_add(buf.len() as u64);
        let at = self.start.checked_add(offset);
        match (end, at) {
            (Some(e), Some(at)) if e <= self.len => self.inner.read_exact_at(at, buf),
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "read past the end of the fork",
            )),
        }
    }
}

/// CRC-16/XMODEM (polynomial 0x1021, initial value 0, not reflected): the
/// CRC of MacBinary II/III headers and of BinHex 4.0.
pub fn crc16_xmodem(bytes: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The forks of the file at `path`.
pub fn open(path: &Path) -> Result<Forks> {
    // `IMAGE//PATH`: a file inside a disc image (crate::disk).
    if let Some(forks) = crate::disk::open_path(path)? {
        return Ok(forks);
    }
    let file: Arc<dyn ByteSource> = Arc::new(FileSource::open(path)?);
    let shown = path.display().to_string();
    if let Some(forks) = unwrap(&file, &shown)? {
        return Ok(forks);
    }
    let mut forks = Forks::plain(file);
    find_resource_fork(path, &mut forks);
    Ok(forks)
}

/// Both forks of `file` when it is AppleSingle, BinHex 4.0 or MacBinary;
/// `None` for any other file. An AppleDouble header file by itself is an
/// error that names the file it belongs to.
pub fn unwrap(file: &Arc<dyn ByteSource>, name: &str) -> Result<Option<Forks>> {
    if apple_single::magic(file.as_ref()).is_some() {
        let e = apple_single::read(file, name)?;
        if e.double {
            return Err(Error::mac(
                format!("AppleDouble header of {name}"),
                0,
                "this is an AppleDouble file, which holds only the resource fork and Finder info of \
                 another file (for '._NAME' or '__MACOSX/._NAME': NAME); open that file instead",
            ));
        }
        let Some(data) = e.data else {
            return Err(Error::mac(
                format!("AppleSingle entry table of {name}"),
                24,
                "no data fork (entry 1)",
            ));
        };
        return Ok(Some(Forks {
            data,
            resource: e.resource,
            finder: e.finder,
            how: "AppleSingle".into(),
            looked: vec![format!("{name} (AppleSingle)")],
        }));
    }
    if let Some(f) = binhex::read(file, name)? {
        return Ok(Some(f));
    }
    if looks_like_quicktime(file.as_ref()) {
        // MacBinary has no magic number: a movie whose first bytes happen
        // to fit its header is still a movie.
        return Ok(None);
    }
    macbinary::read(file, name)
}

/// Whether `file` starts with a QuickTime top-level atom that fits it.
fn looks_like_quicktime(file: &dyn ByteSource) -> bool {
    let mut h = [0u8; 8];
    if file.len() < 8 || file.read_exact_at(0, &mut h).is_err() {
        return false;
    }
    let size = u64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]]));
    let known = matches!(
        &[h[4], h[5], h[6], h[7]],
        b"moov" | b"mdat" | b"free" | b"skip" | b"wide" | b"ftyp" | b"pnot" | b"PICT"
    );
    known && (size <= 1 || (8..=file.len()).contains(&size))
}

/// The AppleDouble files that may hold the resource fork of `path`, nearest
/// first.
pub fn sidecars(path: &Path) -> Vec<PathBuf> {
    let Some(name) = path.file_name() else {
        return Vec::new();
    };
    let mut dot = std::ffi::OsString::from("._");
    dot.push(name);
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut out = vec![dir.join(&dot), dir.join("__MACOSX").join(&dot)];
    // An unzipped archive: top/__MACOSX/sub/dir/._name for top/sub/dir/name.
    let mut rel = PathBuf::new();
    let mut up = dir;
    for _ in 0..SIDECAR_LEVELS {
        let (Some(parent), Some(last)) = (up.parent(), up.file_name()) else {
            break;
        };
        rel = Path::new(last).join(&rel);
        out.push(parent.join("__MACOSX").join(&rel).join(&dot));
        up = parent;
    }
    out
}

/// Looks for the resource fork of the plain file `path` beside it, filling
/// `forks.resource`, `finder`, `how` and `looked`. A broken sidecar is noted
/// in `looked` and passed over.
fn find_resource_fork(path: &Path, forks: &mut Forks) {
    let named = path.join("..namedfork").join("rsrc");
    match std::fs::metadata(&named) {
        Ok(m) if m.is_file() && m.len() > 0 => {
            if let Ok(f) = FileSource::open(&named) {
                forks.looked.push(format!("{} (found)", named.display()));
                forks.resource = Some(Arc::new(f));
                forks.how = "a plain file with its macOS named resource fork".into();
                return;
            }
        }
        _ => {}
    }
    forks
        .looked
        .push(format!("{} (not there)", named.display()));
    // A relative path's folders above the current one count too (an
    // unzipped archive's top __MACOSX may lie above it).
    let full = match (path.parent(), path.file_name()) {
        (Some(d), Some(n)) if path.is_relative() => {
            let d = if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            };
            d.canonicalize().map_or(path.to_path_buf(), |d| d.join(n))
        }
        _ => path.to_path_buf(),
    };
    for side in sidecars(&full) {
        if !side.is_file() {
            forks.looked.push(format!("{} (not there)", side.display()));
            continue;
        }
        let shown = side.display().to_string();
        let read = FileSource::open(&side).and_then(|f| {
            let f: Arc<dyn ByteSource> = Arc::new(f);
            apple_single::read(&f, &shown)
        });
        match read {
            Ok(e) if e.double => {
                forks.finder = e.finder.or(forks.finder);
                if let Some(r) = e.resource {
                    forks.looked.push(format!("{shown} (found)"));
                    forks.resource = Some(r);
                    forks.how = format!(
                        "a plain file with the resource fork from AppleDouble file {shown}"
                    );
                    return;
                }
                forks
                    .looked
                    .push(format!("{shown} (AppleDouble without a resource fork)"));
            }
            Ok(_) => forks.looked.push(format!(
                "{shown} (AppleSingle, not AppleDouble: passed over)"
            )),
            Err(e) => forks.looked.push(format!("{shown} (unreadable: {e})")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_xmodem_check_value() {
        assert_eq!(crc16_xmodem(b"123456789"), 0x31C3);
    }

    #[test]
    fn sidecars_include_archive_folders() {
        let s = sidecars(Path::new("/top/sub/dir/movie.mov"));
        let s: Vec<String> = s.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(s[0], "/top/sub/dir/._movie.mov");
        assert_eq!(s[1], "/top/sub/dir/__MACOSX/._movie.mov");
        assert!(
            s.contains(&"/top/sub/__MACOSX/dir/._movie.mov".to_string()),
            "{s:?}"
        );
        assert!(
            s.contains(&"/top/__MACOSX/sub/dir/._movie.mov".to_string()),
            "{s:?}"
        );
    }

    #[test]
    fn a_movie_that_fits_a_macbinary_header_stays_a_movie() {
        // An 'mdat' of 69632 bytes first: byte 1 is 1 (a MacBinary name
        // length), and the media bytes happen to claim MacBinary II.
        let mut m = vec![0u8; 70000];
        m[..8].copy_from_slice(&[0, 1, 0x10, 0, b'm', b'd', b'a', b't']);
        m[123] = 129;
        let file: Arc<dyn ByteSource> = Arc::new(m.clone());
        // As a wrapper, it would be a MacBinary II with a broken CRC.
        assert!(macbinary::read(&file, "m").is_err());
        assert!(unwrap(&file, "m").unwrap().is_none());
    }

    #[test]
    fn range_reads_stay_inside() {
        let all: Arc<dyn ByteSource> = Arc::new((0u8..100).collect::<Vec<u8>>());
        let r = Range::new(all, 10, 20);
        let mut b = [0u8; 5];
        r.read_exact_at(15, &mut b).unwrap();
        assert_eq!(b, [25, 26, 27, 28, 29]);
        assert!(r.read_exact_at(16, &mut b).is_err());
        assert!(r.read_exact_at(u64::MAX, &mut b).is_err());
    }
}
