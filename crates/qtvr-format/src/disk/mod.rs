//! Disc images: HFS and HFS+ volumes, bare or inside an Apple partition map,
//! hybrid ISO 9660 + HFS CD-ROMs (their HFS side) and plain ISO 9660 — and
//! the files in them, opened as [`Forks`] without copying a byte.
//!
//! QuickTime VR was published on Mac CD-ROMs; their images (`.img`, `.toast`,
//! `.iso`, `.dsk`, `.cdr`) keep each movie's data fork, resource fork and
//! Finder type. Nothing on crates.io reads HFS or HFS+ well, so these formats
//! are implemented here by hand from Apple's documentation: *Inside
//! Macintosh: Files* (chapter 2, "Data Organization on Volumes": the master
//! directory block, the catalog and extents overflow B-trees, the Driver
//! Descriptor Map and partition map of *Inside Macintosh: Devices*) and
//! Technical Note TN1150 (HFS Plus); ISO 9660 from ECMA-119.
//!
//! What is read:
//!
//! * an HFS master directory block (`BD`) or an HFS+/HFSX volume header
//!   (`H+`, `HX`) 1024 bytes into the image, or into the first `Apple_HFS`
//!   partition of an Apple partition map (Driver Descriptor Map `ER` in
//!   block 0, partition entries `PM` after it); an HFS volume that wraps an
//!   HFS+ volume (`drEmbedSigWord` `H+`) opens the HFS+ volume. Hybrid ISO
//!   9660 + HFS CD-ROMs use one of these two layouts, so their HFS side
//!   opens;
//! * else an ISO 9660 file system (`CD001` at sector 16; Joliet names when
//!   there are some): files without resource forks or Finder types
//!   (`disk/iso9660.rs`);
//! * the catalog B-tree's leaf records (folders, files with their data and
//!   resource fork extents and Finder type and creator, [`btree`]) and the
//!   extents overflow B-tree for fragmented forks;
//! * names in Mac OS Roman (HFS) or UTF-16 (HFS+), as UTF-8.
//!
//! Every structure is untrusted: node sizes, node numbers, record bounds,
//! extent counts, name lengths and folder depths are checked, the leaf chain
//! is walked with each node visited once, and each error names the structure
//! and its byte offset in the image ([`Error::Disk`]).
//!
//! # Paths
//!
//! A file inside an image is named `IMAGE//PATH`: the image file, two
//! slashes, and the path from the volume's root folder, folders separated by
//! `/` (`cd.toast//QTVR Demos/Tower`). A `/` inside a Mac name is written `:`
//! (Mac names cannot hold `:`). Names match case-insensitively, and
//! accented Latin letters match with or without their accents (HFS+ keeps
//! names decomposed). See [`split_image_path`] and [`open_path`].

mod apm;
pub mod btree;
mod hfs;
mod hfsplus;
mod iso9660;
pub mod source;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::mac::{FinderInfo, Forks};
use crate::source::{ByteSource, FileSource};

use source::ExtentSource;

/// Deepest folder nesting followed (deeper paths, or loops in the folder
/// parents, leave the file out with a warning).
pub const MAX_DEPTH: usize = 100;
/// Longest path (UTF-8 bytes) of a file in an image; longer ones are left
/// out with a warning (this bounds the listing's memory).
pub const MAX_PATH: usize = 1024;
/// Most extents one fork may have.
pub const MAX_EXTENTS: usize = 65_536;

pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map_or(0, |s| u16::from_be_bytes([s[0], s[1]]))
}

pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

pub(crate) fn be64(b: &[u8], at: usize) -> u64 {
    (u64::from(be32(b, at)) << 32) | u64::from(be32(b, at + 4))
}

/// An [`Error::Disk`].
pub(crate) fn bad(structure: impl Into<String>, offset: u64, problem: impl Into<String>) -> Error {
    Error::Disk {
        structure: structure.into(),
        offset,
        problem: problem.into(),
    }
}

/// Reads `n` bytes at `offset` of the image, or the error naming `what`.
pub(crate) fn read(src: &dyn ByteSource, offset: u64, n: usize, what: &str) -> Result<Vec<u8>> {
    let mut b = vec![0u8; n];
    src.read_exact_at(offset, &mut b)
        .map_err(|e| bad(what, offset, format!("cannot read {n} bytes: {e}")))?;
    Ok(b)
}

/// Extent descriptors: (start block, block count).
pub(crate) type Extents = Vec<(u32, u32)>;

/// A fork as the catalog describes it: its length and first extents
/// (start block, block count).
#[derive(Debug, Clone, Default)]
pub(crate) struct RawFork {
    pub len: u64,
    pub extents: Extents,
}

/// A file record of the catalog.
#[derive(Debug, Clone)]
pub(crate) struct RawFile {
    pub parent: u32,
    pub name: String,
    pub id: u32,
    pub finder: Option<FinderInfo>,
    pub data: RawFork,
    pub rsrc: RawFork,
    /// Image offset of the record (for messages).
    pub offset: u64,
}

/// A volume's catalog, read into memory, and where its blocks lie.
#[derive(Debug, Default)]
pub(crate) struct Volume {
    /// `"HFS"`, `"HFS+"` or `"ISO 9660"`.
    pub kind: &'static str,
    pub name: String,
    /// Image offset of allocation block 0.
    pub block_base: u64,
    pub block_size: u64,
    /// Folder ID → (parent folder ID, name).
    pub folders: HashMap<u32, (u32, String)>,
    pub files: Vec<RawFile>,
    /// (file ID, fork type 0 data / 0xFF resource) → extent records by
    /// their first file block.
    pub overflow: HashMap<(u32, u8), BTreeMap<u32, Extents>>,
}

impl Volume {
    /// The image byte ranges of a fork: its first extents, then the extents
    /// overflow records that continue it, until they cover its length.
    pub fn pieces(
        &self,
        id: u32,
        fork_type: u8,
        fork: &RawFork,
    ) -> std::result::Result<Vec<(u64, u64)>, String> {
        let bs = self.block_size;
        let needed = fork.len.div_ceil(bs);
        let mut out = Vec::new();
        let mut covered = 0u64;
        let push = |ext: &[(u32, u32)],
                    covered: &mut u64,
                    out: &mut Vec<(u64, u64)>|
         -> std::result::Result<bool, String> {
            for &(start, count) in ext {
                if count == 0 || *covered >= needed {
                    return Ok(false);
                }
                if out.len() >= MAX_EXTENTS {
                    return Err(format!("more than {MAX_EXTENTS} extents"));
                }
                let at = u64::from(start)
                    .checked_mul(bs)
                    .and_then(|o| o.checked_add(self.block_base))
                    .ok_or("extent offset overflows")?;
                out.push((at, u64::from(count).saturating_mul(bs)));
                *covered = covered.saturating_add(u64::from(count));
            }
            Ok(true)
        };
        push(&fork.extents, &mut covered, &mut out)?;
        if covered < needed {
            let records = self.overflow.get(&(id, fork_type));
            while covered < needed {
                let rec = u32::try_from(covered)
                    .ok()
                    .and_then(|c| records.and_then(|r| r.get(&c)));
                let Some(ext) = rec else {
                    return Err(format!(
                        "the extents cover {} of its {} bytes and no extents overflow record starts at its block {covered}",
                        covered.saturating_mul(bs),
                        fork.len
                    ));
                };
                let before = covered;
                push(ext, &mut covered, &mut out)?;
                if covered == before {
                    return Err(format!(
                        "the extents overflow record at its block {covered} is empty"
                    ));
                }
            }
        }
        Ok(out)
    }
}

/// A file of the volume, as listed.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Its path from the root folder, `/` between names, `:` for a `/`
    /// inside a name (`Demos/Tower`).
    pub path: String,
    /// Data fork length in bytes.
    pub data_len: u64,
    /// Resource fork length in bytes.
    pub resource_len: u64,
    /// Finder type and creator (`None` on ISO 9660, which keeps none).
    pub finder: Option<FinderInfo>,
    index: usize,
}

/// An opened disc image: its volume's catalog, read once.
pub struct Image {
    image: Arc<dyn ByteSource>,
    vol: Volume,
    entries: Vec<Entry>,
    /// Where the volume was found (`"HFS volume at byte 0"`, `"partition 2
    /// (Apple_HFS) of an Apple partition map"`).
    pub layout: String,
    /// Files left out of the listing, and why.
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Image")
            .field("volume", &self.vol.name)
            .field("layout", &self.layout)
            .field("entries", &self.entries.len())
            .finish()
    }
}

/// Signature 1024 bytes into a volume: `BD` HFS, `H+` HFS+, `HX` HFSX.
pub(crate) fn volume_signature(src: &dyn ByteSource, at: u64) -> Option<[u8; 2]> {
    let mut s = [0u8; 2];
    src.read_exact_at(at.checked_add(1024)?, &mut s).ok()?;
    matches!(&s, b"BD" | b"H+" | b"HX").then_some(s)
}

impl Image {
    /// Reads the volume of a disc image. `Ok(None)`: the bytes are not a
    /// disc image this reader knows (no HFS/HFS+ signature at 1024, no Apple
    /// partition map, no ISO 9660 descriptor); `Err`: they are one, but
    /// broken, or a partition map without an HFS partition.
    pub fn read(image: Arc<dyn ByteSource>) -> Result<Option<Image>> {
        let src = image.as_ref();
        let (vol, layout) = if let Some(s) = volume_signature(src, 0) {
            let layout = format!("{} volume at the start of the image", sig_name(s));
            (read_hfs(&image, 0)?, layout)
        } else if let Some((at, layout)) = apm::find_hfs(src)? {
            (read_hfs(&image, at)?, layout)
        } else if iso9660::is_iso9660(src) {
            let layout = "ISO 9660 file system (no HFS volume)".to_string();
            (iso9660::read_volume(&image)?, layout)
        } else {
            return Ok(None);
        };
        let mut img = Image {
            image,
            vol,
            entries: Vec::new(),
            layout,
            warnings: Vec::new(),
        };
        img.list();
        Ok(Some(img))
    }

    /// Opens the disc image at `path`; `Ok(None)` when it is not one.
    pub fn open(path: &Path) -> Result<Option<Image>> {
        let src: Arc<dyn ByteSource> = Arc::new(FileSource::open(path)?);
        Image::read(src)
    }

    /// The volume's name (Mac Roman or UTF-16, as UTF-8).
    pub fn volume_name(&self) -> &str {
        &self.vol.name
    }

    /// `"HFS"`, `"HFS+"` or `"ISO 9660"`.
    pub fn volume_kind(&self) -> &'static str {
        self.vol.kind
    }

    /// Every file of the volume, in catalog order (by folder, then name).
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    fn list(&mut self) {
        let mut entries = Vec::with_capacity(self.vol.files.len());
        let mut paths: HashMap<u32, std::result::Result<String, String>> = HashMap::new();
        let mut ids = HashSet::new();
        for (index, f) in self.vol.files.iter().enumerate() {
            let place = folder_path(&self.vol.folders, &mut paths, f.parent);
            let why = match place {
                Ok(_) if !ids.insert(f.id) => {
                    Some(format!("its file ID {} is another file's too", f.id))
                }
                Ok(_) => None,
                Err(why) => Some(why),
            };
            if let Some(why) = why {
                self.warnings.push(format!(
                    "file \"{}\" (catalog record at byte offset {}) left out: {why}",
                    f.name, f.offset
                ));
                continue;
            }
            let folder = paths.get(&f.parent).and_then(|p| p.as_ref().ok());
            let name = shown_name(&f.name);
            if folder.map_or(0, String::len) + name.len() >= MAX_PATH {
                self.warnings.push(format!(
                    "file \"{}\" (catalog record at byte offset {}) left out: its path is longer than {MAX_PATH} bytes",
                    f.name, f.offset
                ));
                continue;
            }
            entries.push(Entry {
                path: match folder {
                    Some(p) if !p.is_empty() => format!("{p}/{name}"),
                    _ => name,
                },
                data_len: f.data.len,
                resource_len: f.rsrc.len,
                finder: f.finder,
                index,
            });
        }
        self.entries = entries;
    }

    /// The file at `path` (names separated by `/`, `:` for a `/` in a name;
    /// case-insensitive). `image_shown` names the image in the error.
    pub fn find(&self, path: &str, image_shown: &str) -> Result<&Entry> {
        let want: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let exact = want.join("/");
        if let Some(e) = self.entries.iter().find(|e| e.path == exact) {
            return Ok(e);
        }
        let folded: Vec<String> = want.iter().map(|s| fold(s)).collect();
        let matches = |e: &Entry| {
            let parts: Vec<&str> = e.path.split('/').collect();
            parts.len() == folded.len() && parts.iter().zip(&folded).all(|(a, b)| fold(a) == *b)
        };
        if let Some(e) = self.entries.iter().find(|e| matches(e)) {
            return Ok(e);
        }
        let is_folder = !folded.is_empty()
            && self.entries.iter().any(|e| {
                let parts: Vec<&str> = e.path.split('/').collect();
                parts.len() > folded.len() && parts.iter().zip(&folded).all(|(a, b)| fold(a) == *b)
            });
        let what = if folded.is_empty() {
            "the root folder".to_string()
        } else {
            format!("\"{exact}\"")
        };
        Err(Error::NotInImage(format!(
            "{what} is {} in the {} volume \"{}\" of {image_shown} (`qtvr ls {image_shown}` lists its movies)",
            if is_folder || folded.is_empty() {
                "a folder, not a file,"
            } else {
                "not a file"
            },
            self.vol.kind,
            self.vol.name
        )))
    }

    /// The forks of a listed file: its data fork and resource fork as
    /// sources over the image's bytes, and its Finder info.
    pub fn forks(&self, entry: &Entry, image_shown: &str) -> Result<Forks> {
        let f = &self.vol.files[entry.index];
        let fork = |t: u8, raw: &RawFork, which: &str| -> Result<ExtentSource> {
            let pieces = self.vol.pieces(f.id, t, raw).map_err(|p| {
                bad(
                    format!("the {which} fork of \"{}\" (catalog record)", entry.path),
                    f.offset,
                    p,
                )
            })?;
            ExtentSource::new(self.image.clone(), &pieces, raw.len).map_err(|p| {
                bad(
                    format!("the {which} fork of \"{}\" (catalog record)", entry.path),
                    f.offset,
                    p,
                )
            })
        };
        let data = fork(0, &f.data, "data")?;
        let how = format!(
            "{} volume \"{}\" in {image_shown}",
            self.vol.kind, self.vol.name
        );
        let (resource, looked): (Option<Arc<dyn ByteSource>>, Vec<String>) = if f.rsrc.len > 0 {
            (Some(Arc::new(fork(0xFF, &f.rsrc, "resource")?)), Vec::new())
        } else {
            (
                None,
                vec![format!(
                    "the resource fork of \"{}\" in the {how} (empty)",
                    entry.path
                )],
            )
        };
        Ok(Forks {
            data: Arc::new(data),
            resource,
            finder: f.finder,
            how,
            looked,
        })
    }
}

/// The HFS or HFS+ volume whose first byte is `at`.
fn read_hfs(image: &Arc<dyn ByteSource>, at: u64) -> Result<Volume> {
    match volume_signature(image.as_ref(), at) {
        Some([b'B', b'D']) => hfs::read(image, at),
        _ => hfsplus::read(image, at),
    }
}

/// The path of folder `id` from the root folder (ID 2, the empty path),
/// remembered in `paths` so that each folder is walked once.
fn folder_path(
    folders: &HashMap<u32, (u32, String)>,
    paths: &mut HashMap<u32, std::result::Result<String, String>>,
    id: u32,
) -> std::result::Result<(), String> {
    // Up to the root or a folder already known, at most MAX_DEPTH steps.
    let mut chain = Vec::new();
    let mut at = id;
    let base = loop {
        if at == 2 {
            break Ok(String::new());
        }
        if let Some(known) = paths.get(&at) {
            break known.clone();
        }
        if chain.len() >= MAX_DEPTH {
            break Err(format!(
                "its folders nest deeper than {MAX_DEPTH} (or loop)"
            ));
        }
        match folders.get(&at) {
            Some((parent, _)) => {
                chain.push(at);
                at = *parent;
            }
            None => break Err(format!("its folder {at} is not in the catalog")),
        }
    };
    // Down again, naming each folder of the chain.
    let mut path = base;
    for &f in chain.iter().rev() {
        path = path.and_then(|p| {
            let name = shown_name(&folders[&f].1);
            if p.len() + name.len() >= MAX_PATH {
                return Err(format!("its path is longer than {MAX_PATH} bytes"));
            }
            Ok(if p.is_empty() {
                name
            } else {
                format!("{p}/{name}")
            })
        });
        paths.insert(f, path.clone());
    }
    paths.insert(id, path.clone());
    path.map(|_| ())
}

fn sig_name(s: [u8; 2]) -> &'static str {
    match &s {
        b"BD" => "HFS",
        b"HX" => "HFSX",
        _ => "HFS+",
    }
}

/// A Mac name as paths show it: `/` becomes `:`.
fn shown_name(name: &str) -> String {
    name.replace('/', ":")
}

/// The form names are compared in: lower case, combining accents dropped,
/// precomposed accented Latin letters as their base letter.
pub fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        let base = match c {
            'À'..='Å' | 'à'..='å' => 'a',
            'Ç' | 'ç' => 'c',
            'È'..='Ë' | 'è'..='ë' => 'e',
            'Ì'..='Ï' | 'ì'..='ï' => 'i',
            'Ñ' | 'ñ' => 'n',
            'Ò'..='Ö' | 'ò'..='ö' => 'o',
            'Ù'..='Ü' | 'ù'..='ü' => 'u',
            'Ý' | 'ý' | 'ÿ' | 'Ÿ' => 'y',
            c => c,
        };
        out.extend(base.to_lowercase());
    }
    out
}

/// Splits `IMAGE//PATH` where `IMAGE` is an existing file: the first `//`
/// whose left side is a file. `None` when there is no such `//` (a plain
/// path).
pub fn split_image_path(path: &Path) -> Option<(PathBuf, String)> {
    let s = path.to_str()?;
    let mut from = 0;
    while let Some(i) = s[from..].find("//") {
        let at = from + i;
        let prefix = &s[..at];
        if !prefix.is_empty() && Path::new(prefix).is_file() {
            return Some((PathBuf::from(prefix), s[at + 2..].to_string()));
        }
        from = at + 1;
    }
    None
}

/// The forks of `IMAGE//PATH`, or `Ok(None)` when `path` is not of that form
/// (see [`split_image_path`]). An image that is not a disc image, or a path
/// that names no file in it, is an error.
pub fn open_path(path: &Path) -> Result<Option<Forks>> {
    let Some((image_path, inner)) = split_image_path(path) else {
        return Ok(None);
    };
    let shown = image_path.display().to_string();
    let Some(image) = Image::open(&image_path)? else {
        return Err(Error::NotInImage(format!(
            "{shown} is not a disc image (no HFS, HFS+ or ISO 9660 volume, no Apple partition map), so \"{inner}\" cannot be opened inside it"
        )));
    };
    let entry = image.find(&inner, &shown)?;
    image.forks(entry, &shown).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold() {
        assert_eq!(fold("Café Tour"), "cafe tour");
        assert_eq!(fold("Cafe\u{301} TOUR"), "cafe tour");
        assert_eq!(shown_name("A/B"), "A:B");
    }
}
