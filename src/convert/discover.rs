//! What `qtvr convert` looks at: every file under its inputs, each told by
//! its content (never its name) as a QuickTime VR movie, a plain QuickTime
//! movie, a broken movie, something else, a container whose contents are
//! listed too, or a file that could not be read.
//!
//! * Folders are walked in name order; symbolic links to folders are listed,
//!   not followed (and a folder met twice, through a bind mount, is not
//!   walked again). Hidden files are looked at like any other. AppleDouble
//!   files (`._NAME`, and everything in `__MACOSX` folders) are the resource
//!   forks of their data files, which the movie reader finds beside them
//!   ([`qtvr_format::mac::sidecars`]); they are listed as such, never as
//!   items of their own.
//! * A zip archive (by its local header signature) is extracted into a
//!   numbered folder of the scratch folder `work` and walked like a folder,
//!   so its `__MACOSX/._NAME` members are the resource forks of `NAME`. Names
//!   are UTF-8 when the bytes are UTF-8 (the UTF-8 flag, Info-ZIP's Unicode
//!   path field, or macOS's Archive Utility, which writes UTF-8 without the
//!   flag); otherwise Mac OS Roman when the archive was made on a Mac (its
//!   "made by" system is Macintosh or OS X, or it has `__MACOSX` members),
//!   else code page 437, as the zip specification says; all composed (NFC).
//!   Members that would land outside their folder (`..`, absolute paths),
//!   links, encrypted members, and members that would pass the extraction
//!   allowance ([`Limits`]) or hold more bytes than they declare are not
//!   extracted: they are listed as unreadable with a warning. A zip inside a
//!   zip is opened too, one level deep ([`Limits::zip_nesting`]).
//! * A disc image ([`qtvr_format::disk::Image`]) is listed with the viewer's
//!   listing ([`crate::viewer::listing`]): one entry per file of its volume,
//!   opened as `IMAGE//PATH`. Archives and disc images inside disc images
//!   are not opened (their entry says so).
//! * Anything else is tried as a movie: the Mac wrappers and sidecars are
//!   unwrapped ([`qtvr_format::mac::open`]), and only a file that looks like a
//!   movie — Finder type `MooV`, QuickTime atoms in its data fork, or a
//!   `moov` resource — is read ([`qtvr_format::qtvr::open`], the movie atom and
//!   the small QTVR samples only), so photos and documents are told apart
//!   from their first bytes, never read whole.
//!
//! Inputs are only read. Everything is untrusted: names, sizes and counts
//! are checked before use, and nothing here panics on any input.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use qtvr_format::disk::Image;
use qtvr_format::mac::{self, Forks};
use qtvr_format::qtvr::{NodeContent, Projection, Scene};
use qtvr_format::source::{ByteSource, FileSource};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::viewer::listing::{Kind, Listed, list_image};

/// One file looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where it is, relative to the input it came from, `/`-separated,
    /// starting with the input's own name (`CD1.toast/QTVR Demos/Tower`,
    /// `archive.zip/pans/Kitchen`, `photos/readme.txt`). Always UTF-8 and
    /// composed (NFC): file names that are not UTF-8 are read as Mac OS
    /// Roman (with a warning); zip member names as the module documentation
    /// says; names inside disc images as the disc reader gives them (a `/`
    /// inside a Mac name is `:`). Two inputs of the same name get ` (2)`,
    /// ` (3)`… after the second one's name. A zip member refused for its
    /// name is shown with the name as stored (`x.zip/../../etc/passwd`).
    pub path: String,
    /// What [`qtvr_format::qtvr::open`] takes to open it: the file's path,
    /// `IMAGE//PATH` for a file inside a disc image, or the extracted copy
    /// (under `work`) of a zip member (the zip archive itself for a member
    /// that was not extracted).
    pub open: PathBuf,
    /// Bytes: the file's length; for a file inside a disc image, its data
    /// fork and resource fork together; for a zip member, its extracted
    /// length (or, when it was not extracted, its declared length).
    pub size: u64,
    pub kind: FoundKind,
    /// SHA-256 (lower-case hex) of a movie's forks, for [`FoundKind::Qtvr`],
    /// [`FoundKind::Movie`] and [`FoundKind::Broken`]: of the data fork alone
    /// when there is no resource fork (so a plain file's is its `sha256sum`),
    /// else of the data fork, the resource fork and the data fork's length
    /// (8 bytes, big-endian). The same movie reached twice — in a folder and
    /// in a zip, as MacBinary and as a data fork with its AppleDouble file —
    /// has the same digest.
    pub digest: Option<String>,
}

/// What a file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoundKind {
    /// A QuickTime VR movie (panorama, object, tour): its node count and
    /// what its nodes are, in words (`cylindrical panorama`, `tour of 3
    /// nodes: 1 cylindrical panorama, 1 cubic panorama, 1 object`).
    Qtvr { nodes: usize, summary: String },
    /// A QuickTime movie that is not QuickTime VR.
    Movie,
    /// Looks like a QuickTime movie (QuickTime atoms, Finder type `MooV`, a
    /// `moov` resource, or a Mac wrapper that cannot be unwrapped) but cannot
    /// be read: the reader's error.
    Broken(String),
    /// Not a movie, and why, briefly (`not a QuickTime file (JPEG image)`,
    /// `AppleDouble resource fork of pans/Kitchen`, `empty file`,
    /// `symbolic link to a folder (not followed)`).
    NotAMovie(String),
    /// A container that was opened and whose contents are listed as entries
    /// of their own (a zip archive, a disc image): what it is.
    Container(String),
    /// Could not be read at all (permissions, I/O, a zip member not
    /// extracted and why): the message.
    Unreadable(String),
}

impl FoundKind {
    /// Whether it is a QuickTime VR movie (what `qtvr convert` converts).
    pub fn is_qtvr(&self) -> bool {
        matches!(self, FoundKind::Qtvr { .. })
    }
}

/// Everything found, and what went wrong on the way.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Each input's files in path order (inputs in the order given).
    pub found: Vec<Found>,
    /// Inputs that are missing, folders that cannot be read, zip members
    /// refused, files left out of a disc image's catalog, names that are not
    /// UTF-8.
    pub warnings: Vec<String>,
}

/// Limits on what one discovery does.
#[derive(Debug, Clone)]
pub struct Limits {
    /// One zip archive may extract to this many times its own size…
    pub zip_ratio: u64,
    /// …or this many bytes, whichever is more.
    pub zip_floor: u64,
    /// All zip archives of one discovery together may extract this many bytes.
    pub zip_total: u64,
    /// Most members one zip archive may have (a larger one is not opened).
    pub zip_members: usize,
    /// How deep zip archives inside zip archives are opened: 1 opens the zips
    /// found in a zip, not the zips found in those.
    pub zip_nesting: usize,
    /// Deepest folder nesting walked.
    pub folder_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            zip_ratio: 8,
            zip_floor: 1 << 30,
            zip_total: 64 << 30,
            zip_members: 100_000,
            zip_nesting: 1,
            folder_depth: 100,
        }
    }
}

/// Finds every file under `inputs` (files, folders, zip archives, disc
/// images). `work` is a scratch folder for extracted zip members (created;
/// the caller removes it afterwards); it, and the folder that holds it (the
/// output folder) when it lies inside an input, are left out of the walk.
pub fn discover(inputs: &[PathBuf], work: &Path) -> Discovery {
    discover_with(inputs, work, &Limits::default())
}

/// [`discover`] with other limits.
pub fn discover_with(inputs: &[PathBuf], work: &Path, limits: &Limits) -> Discovery {
    let work = std::path::absolute(work).unwrap_or_else(|_| work.to_path_buf());
    let mut w = Walker {
        limits,
        work: work.clone(),
        scratch: None,
        output: None,
        found: Vec::new(),
        warnings: Vec::new(),
        extracted: 0,
        next_dir: 0,
        seen: HashSet::new(),
        renamed: HashMap::new(),
    };
    if let Err(e) = fs::create_dir_all(&work) {
        w.warnings.push(format!(
            "cannot create the scratch folder {}: {e} (zip archives will not be opened)",
            work.display()
        ));
    }
    w.scratch = work.canonicalize().ok();
    w.output = work.parent().and_then(|p| p.canonicalize().ok());
    let mut names: HashMap<String, usize> = HashMap::new();
    for input in inputs {
        // `a//b` and `a/./b` are `a/b` (a `//` would read as `IMAGE//PATH`).
        let input: PathBuf = input.components().collect();
        let mut name = input_name(&input);
        let n = names.entry(name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            let renamed = format!("{name} ({n})");
            w.warnings.push(format!(
                "{}: another input is also named \"{name}\"; its files are listed under \"{renamed}\"",
                input.display()
            ));
            name = renamed;
        }
        let start = w.found.len();
        w.input(&input, name);
        w.found[start..].sort_by(|a, b| a.path.split('/').cmp(b.path.split('/')));
    }
    Discovery {
        found: w.found,
        warnings: w.warnings,
    }
}

/// An input's own name: its last component, or the name of the folder it
/// resolves to (`.`, `..`, `/`).
fn input_name(input: &Path) -> String {
    let last = input
        .file_name()
        .map(PathBuf::from)
        .or_else(|| input.canonicalize().ok()?.file_name().map(PathBuf::from));
    match last {
        Some(n) => os_name(n.as_os_str()).0,
        None => input.display().to_string(),
    }
}

/// A file name as UTF-8, composed (macOS keeps names decomposed), and
/// whether it had to be read as Mac OS Roman.
fn os_name(name: &std::ffi::OsStr) -> (String, bool) {
    if let Some(s) = name.to_str() {
        return (s.nfc().collect(), false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        (qtvr_format::text::mac_roman(name.as_bytes()), true)
    }
    #[cfg(not(unix))]
    {
        (name.to_string_lossy().into_owned(), true)
    }
}

/// Where a file is walked from.
#[derive(Debug, Clone, Copy)]
struct Ctx {
    /// Zip archives this file is inside.
    zips: usize,
    /// Inside a `__MACOSX` folder.
    macosx: bool,
    /// Folders below the input.
    depth: usize,
}

struct Walker<'a> {
    limits: &'a Limits,
    work: PathBuf,
    /// The scratch folder and the folder that holds it (the output folder),
    /// canonical: not walked (the output folder is, when it is an input).
    scratch: Option<PathBuf>,
    output: Option<PathBuf>,
    found: Vec<Found>,
    warnings: Vec<String>,
    /// Bytes extracted from zip archives so far.
    extracted: u64,
    /// The next numbered folder of `work`.
    next_dir: usize,
    /// Folders walked (device, inode), against loops.
    seen: HashSet<(u64, u64)>,
    /// Extracted files whose shown path is not their path in the
    /// extraction folder (deep `__MACOSX` members moved beside their data
    /// file), by real path.
    renamed: HashMap<PathBuf, String>,
}

/// A folder's (device, inode), where the platform has them.
fn dir_id(meta: &fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

impl Walker<'_> {
    fn push(&mut self, path: String, open: &Path, size: u64, kind: FoundKind) {
        self.push_digest(path, open, size, kind, None);
    }

    fn push_digest(
        &mut self,
        path: String,
        open: &Path,
        size: u64,
        kind: FoundKind,
        digest: Option<String>,
    ) {
        self.found.push(Found {
            path,
            open: open.to_path_buf(),
            size,
            kind,
            digest,
        });
    }

    fn input(&mut self, input: &Path, name: String) {
        let ctx = Ctx {
            zips: 0,
            macosx: false,
            depth: 0,
        };
        match fs::metadata(input) {
            Ok(m) if m.is_dir() => self.dir(input, &name, &m, ctx),
            Ok(m) => self.file(input, name, &m, ctx),
            Err(e) => {
                let msg = format!("cannot read {}: {e}", input.display());
                self.warnings.push(msg.clone());
                self.push(name, input, 0, FoundKind::Unreadable(msg));
            }
        }
    }

    fn dir(&mut self, real: &Path, shown: &str, meta: &fs::Metadata, ctx: Ctx) {
        if let Ok(c) = real.canonicalize() {
            if self.scratch.as_ref() == Some(&c) {
                self.warnings
                    .push(format!("{shown}: left out (the scratch folder)"));
                return;
            }
            if self.output.as_ref() == Some(&c) {
                if ctx.depth > 0 || ctx.zips > 0 {
                    self.warnings
                        .push(format!("{shown}: left out (the output folder)"));
                    return;
                }
                self.warnings.push(format!(
                    "{shown}: the output folder is an input: what an earlier run wrote there is listed too"
                ));
            }
        }
        if let Some(id) = dir_id(meta)
            && !self.seen.insert(id)
        {
            self.push(
                shown.to_string(),
                real,
                0,
                FoundKind::NotAMovie("a folder already walked (a loop): not walked again".into()),
            );
            return;
        }
        if ctx.depth >= self.limits.folder_depth {
            let msg = format!(
                "a folder nested deeper than {} folders: not walked",
                self.limits.folder_depth
            );
            self.warnings.push(format!("{shown}: {msg}"));
            self.push(shown.to_string(), real, 0, FoundKind::Unreadable(msg));
            return;
        }
        let read = fs::read_dir(real).and_then(|rd| rd.collect::<io::Result<Vec<_>>>());
        let mut entries = match read {
            Ok(e) => e,
            Err(e) => {
                let msg = format!("cannot read the folder {}: {e}", real.display());
                self.warnings.push(msg.clone());
                self.push(shown.to_string(), real, 0, FoundKind::Unreadable(msg));
                return;
            }
        };
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let (name, roman) = os_name(&e.file_name());
            let path = e.path();
            let child = match self.renamed.get(&path) {
                Some(s) => s.clone(),
                None => format!("{shown}/{name}"),
            };
            if roman {
                self.warnings.push(format!(
                    "{child}: the name is not UTF-8; shown read as Mac OS Roman"
                ));
            }
            self.entry(&path, child, &name, ctx);
        }
    }

    /// One entry of a folder.
    fn entry(&mut self, real: &Path, shown: String, name: &str, ctx: Ctx) {
        let link = match fs::symlink_metadata(real) {
            Ok(m) => m,
            Err(e) => {
                let msg = format!("cannot read {}: {e}", real.display());
                self.push(shown, real, 0, FoundKind::Unreadable(msg));
                return;
            }
        };
        let meta = if link.file_type().is_symlink() {
            match fs::metadata(real) {
                Ok(m) if m.is_dir() => {
                    self.push(
                        shown,
                        real,
                        0,
                        FoundKind::NotAMovie("symbolic link to a folder (not followed)".into()),
                    );
                    return;
                }
                Ok(m) => m,
                Err(e) => {
                    let target = fs::read_link(real)
                        .map(|t| t.display().to_string())
                        .unwrap_or_default();
                    self.push(
                        shown,
                        real,
                        0,
                        FoundKind::Unreadable(format!("broken symbolic link to {target}: {e}")),
                    );
                    return;
                }
            }
        } else {
            link
        };
        if meta.is_dir() {
            let inner = Ctx {
                macosx: ctx.macosx || name == "__MACOSX",
                depth: ctx.depth + 1,
                ..ctx
            };
            self.dir(real, &shown, &meta, inner);
        } else {
            self.file(real, shown, &meta, ctx);
        }
    }

    /// A file (not a folder). A reader that panics (a bug) costs this file
    /// only: it is listed as unreadable, with a warning.
    fn file(&mut self, real: &Path, shown: String, meta: &fs::Metadata, ctx: Ctx) {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.classify(real, shown.clone(), meta, ctx)
        }));
        if let Err(p) = caught {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let why = format!("the reader failed on this file (a bug: {msg})");
            self.warnings.push(format!("{shown}: {why}"));
            self.push(shown, real, meta.len(), FoundKind::Unreadable(why));
        }
    }

    fn classify(&mut self, real: &Path, shown: String, meta: &fs::Metadata, ctx: Ctx) {
        let size = meta.len();
        if !meta.is_file() {
            // A named pipe would block the reader; devices never end.
            self.push(
                shown,
                real,
                0,
                FoundKind::NotAMovie("not a regular file (a named pipe, socket or device)".into()),
            );
            return;
        }
        let head = match read_head(real, 512) {
            Ok(h) => h,
            Err(e) => {
                let msg = format!("cannot read {}: {e}", real.display());
                self.push(shown, real, size, FoundKind::Unreadable(msg));
                return;
            }
        };
        let name = shown.rsplit('/').next().unwrap_or_default();
        if ctx.macosx || name.starts_with("._") {
            if is_apple_double(&head) {
                let of = sidecar_of(&shown);
                self.push(
                    shown,
                    real,
                    size,
                    FoundKind::NotAMovie(format!("AppleDouble resource fork of {of}")),
                );
                return;
            }
            if ctx.macosx {
                self.push(
                    shown,
                    real,
                    size,
                    FoundKind::NotAMovie("macOS archive metadata (in a __MACOSX folder)".into()),
                );
                return;
            }
        }
        if size == 0 {
            self.push(shown, real, 0, FoundKind::NotAMovie("empty file".into()));
            return;
        }
        if is_zip(&head) {
            self.zip(real, shown, size, ctx);
            return;
        }
        let image_err = match Image::open(real) {
            Ok(Some(image)) => {
                self.image(real, shown, size, &image);
                return;
            }
            Ok(None) => None,
            Err(e) => Some(e),
        };
        let (mut kind, mut digest) = classify_file(real, &head);
        if let Some(e) = image_err
            && !matches!(kind, FoundKind::Qtvr { .. } | FoundKind::Movie)
        {
            // The disc image's signature, and not a movie: a broken image.
            let msg = format!("a disc image that cannot be read: {e}");
            self.warnings.push(format!("{shown}: {msg}"));
            kind = FoundKind::Unreadable(msg);
            digest = None;
        }
        self.push_digest(shown, real, size, kind, digest);
    }

    /// The files of a disc image.
    fn image(&mut self, real: &Path, shown: String, size: u64, image: &Image) {
        let Some(real_s) = real.to_str() else {
            // `IMAGE//PATH` needs a UTF-8 path.
            let msg =
                "a disc image whose path is not UTF-8: its files cannot be named as IMAGE//PATH"
                    .to_string();
            self.warnings.push(format!("{shown}: {msg}"));
            self.push(shown, real, size, FoundKind::Unreadable(msg));
            return;
        };
        let listing = list_image(image, real_s);
        let entries = image.entries();
        self.push(
            shown.clone(),
            real,
            size,
            FoundKind::Container(format!(
                "{} disc image, volume \"{}\", {} file{} ({})",
                image.volume_kind(),
                image.volume_name(),
                entries.len(),
                if entries.len() == 1 { "" } else { "s" },
                image.layout
            )),
        );
        for w in &listing.warnings {
            self.warnings.push(format!("{shown}: {w}"));
        }
        let listed: HashMap<&str, &Listed> = listing
            .movies
            .iter()
            .map(|m| (m.inner.as_str(), m))
            .collect();
        for e in entries {
            let path = format!("{shown}/{}", e.path);
            let open = PathBuf::from(format!("{real_s}//{}", e.path));
            let size = e.data_len.saturating_add(e.resource_len);
            let forks = match image.forks(e, real_s) {
                Ok(f) => f,
                Err(err) => {
                    self.push(path, &open, size, FoundKind::Unreadable(err.to_string()));
                    continue;
                }
            };
            let Some(m) = listed.get(e.path.as_str()) else {
                let why = not_a_movie(&forks, true);
                self.push(path, &open, size, FoundKind::NotAMovie(why));
                continue;
            };
            let kind = match m.kind {
                Kind::Panorama | Kind::Object | Kind::Tour => {
                    match qtvr_format::qtvr::open_forks(&forks) {
                        Ok(l) => match &l.scene {
                            Some(s) => FoundKind::Qtvr {
                                nodes: s.nodes.len(),
                                summary: summary(s),
                            },
                            None => FoundKind::Movie,
                        },
                        Err(err) => FoundKind::Broken(err.to_string()),
                    }
                }
                Kind::Quicktime => FoundKind::Movie,
                Kind::Unreadable => {
                    FoundKind::Broken(m.error.clone().unwrap_or_else(|| "unreadable".into()))
                }
            };
            let digest = match digest(&forks) {
                Ok(d) => Some(d),
                Err(err) => {
                    self.warnings
                        .push(format!("{path}: cannot read it for its digest: {err}"));
                    None
                }
            };
            self.push_digest(path, &open, size, kind, digest);
        }
    }

    /// A fresh numbered folder of `work` for one zip archive.
    fn fresh_dir(&mut self) -> io::Result<PathBuf> {
        loop {
            let d = self.work.join(self.next_dir.to_string());
            self.next_dir += 1;
            match fs::create_dir(&d) {
                Ok(()) => return Ok(d),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// A zip archive: its members extracted and walked.
    fn zip(&mut self, real: &Path, shown: String, size: u64, ctx: Ctx) {
        if ctx.zips > self.limits.zip_nesting {
            self.push(
                shown,
                real,
                size,
                FoundKind::NotAMovie(format!(
                    "a zip archive inside {} zip archives: not opened (zips inside zips are opened {} level{} deep)",
                    ctx.zips,
                    self.limits.zip_nesting,
                    if self.limits.zip_nesting == 1 { "" } else { "s" }
                )),
            );
            return;
        }
        let archive = fs::File::open(real)
            .map_err(zip::result::ZipError::Io)
            .and_then(|f| zip::ZipArchive::new(BufReader::new(f)));
        let mut archive = match archive {
            Ok(a) => a,
            Err(e) => {
                let msg = format!("a zip archive that cannot be read: {e}");
                self.warnings.push(format!("{shown}: {msg}"));
                self.push(shown, real, size, FoundKind::Unreadable(msg));
                return;
            }
        };
        let members = archive.len();
        if members > self.limits.zip_members {
            let msg = format!(
                "a zip archive of {members} members, more than the {} read: not opened",
                self.limits.zip_members
            );
            self.warnings.push(format!("{shown}: {msg}"));
            self.push(shown, real, size, FoundKind::Unreadable(msg));
            return;
        }
        let dest = match self.fresh_dir() {
            Ok(d) => d,
            Err(e) => {
                let msg = format!(
                    "a zip archive that cannot be extracted (scratch folder {}: {e})",
                    self.work.display()
                );
                self.warnings.push(format!("{shown}: {msg}"));
                self.push(shown, real, size, FoundKind::Unreadable(msg));
                return;
            }
        };
        self.push(
            shown.clone(),
            real,
            size,
            FoundKind::Container(format!(
                "zip archive, {members} member{}",
                if members == 1 { "" } else { "s" }
            )),
        );
        let allowance = size
            .saturating_mul(self.limits.zip_ratio)
            .max(self.limits.zip_floor);
        let mut used = 0u64;
        let mac = (0..members).any(|i| {
            archive.by_index_data(i).is_ok_and(|m| {
                m.name_raw().starts_with(b"__MACOSX/")
                    || matches!(m.system(), zip::System::Macintosh | zip::System::OsDarwin)
            })
        });
        for i in 0..members {
            let Ok(meta) = archive.by_index_data(i) else {
                continue;
            };
            let raw = meta.name_raw().to_vec();
            let name = member_name(&raw, mac, meta.name().ok().as_deref());
            let (is_dir, is_link, encrypted) = (meta.is_dir(), meta.is_symlink(), meta.encrypted());
            let declared = meta.size();
            let member_shown = match safe_parts(&name) {
                Ok(parts) => format!("{shown}/{}", parts.join("/")),
                Err(_) => format!("{shown}/{}", name.replace('\0', "_")),
            };
            let refuse = |w: &mut Walker, why: String| {
                w.warnings.push(format!("{member_shown}: {why}"));
                w.push(
                    member_shown.clone(),
                    real,
                    declared,
                    FoundKind::Unreadable(why),
                );
            };
            let parts = match safe_parts(&name) {
                Ok(p) => p,
                Err(why) => {
                    refuse(
                        self,
                        format!("zip member not extracted: its name is {why} (zip-slip)"),
                    );
                    continue;
                }
            };
            // Deep `__MACOSX/DIR/._NAME` members go beside `DIR/NAME`, where
            // the movie reader finds them (it looks for `__MACOSX` only
            // SIDECAR_LEVELS folders up).
            let mut target_parts = parts.clone();
            if parts.len() > mac::SIDECAR_LEVELS + 2
                && parts[0] == "__MACOSX"
                && parts.last().is_some_and(|n| n.starts_with("._"))
            {
                target_parts.remove(0);
            }
            let target = target_parts.iter().fold(dest.clone(), |p, s| p.join(s));
            if is_dir {
                if let Err(e) = fs::create_dir_all(&target) {
                    self.warnings
                        .push(format!("{member_shown}: cannot create the folder: {e}"));
                }
                continue;
            }
            if is_link {
                self.push(
                    member_shown,
                    real,
                    declared,
                    FoundKind::NotAMovie(
                        "a symbolic link in the zip archive (not extracted)".into(),
                    ),
                );
                continue;
            }
            if encrypted {
                refuse(
                    self,
                    "zip member not extracted: it is encrypted".to_string(),
                );
                continue;
            }
            let left = allowance
                .saturating_sub(used)
                .min(self.limits.zip_total.saturating_sub(self.extracted));
            if declared > left {
                refuse(
                    self,
                    format!(
                        "zip member not extracted: its {declared} bytes would pass what the archive may extract ({allowance} bytes for this archive, {} for all archives together; a zip bomb?)",
                        self.limits.zip_total
                    ),
                );
                continue;
            }
            match extract(&mut archive, i, &dest, &target, declared) {
                Ok(n) => {
                    used += n;
                    self.extracted += n;
                    if target_parts.len() != parts.len() {
                        self.renamed.insert(target, member_shown);
                    }
                }
                Err(why) => refuse(self, format!("zip member not extracted: {why}")),
            }
        }
        let inner = Ctx {
            zips: ctx.zips + 1,
            macosx: false,
            depth: ctx.depth + 1,
        };
        // The extracted folder, its files shown under the archive's name.
        match fs::metadata(&dest) {
            Ok(m) => self.dir(&dest, &shown, &m, inner),
            Err(e) => self
                .warnings
                .push(format!("{shown}: the extracted folder is gone: {e}")),
        }
    }
}

/// Up to `n` bytes from the start of a file.
fn read_head(path: &Path, n: usize) -> io::Result<Vec<u8>> {
    let mut f = fs::File::open(path)?;
    let mut head = Vec::with_capacity(n);
    (&mut f).take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// AppleDouble's magic number.
fn is_apple_double(head: &[u8]) -> bool {
    head.starts_with(&[0x00, 0x05, 0x16, 0x07])
}

/// A zip archive's local file header, or an empty archive's end record.
fn is_zip(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")
}

/// The data file an AppleDouble file belongs to, as shown: `._` dropped
/// from its name and the nearest `__MACOSX` folder from its path.
fn sidecar_of(shown: &str) -> String {
    let mut parts: Vec<&str> = shown.split('/').collect();
    let last = parts.pop().unwrap_or_default();
    if let Some(i) = parts.iter().rposition(|p| *p == "__MACOSX") {
        parts.remove(i);
    }
    parts.push(last.strip_prefix("._").unwrap_or(last));
    parts.join("/")
}

/// A zip member's name as UTF-8 (see the module documentation), composed.
/// `cp437` is the zip crate's reading of it (UTF-8 or code page 437).
fn member_name(raw: &[u8], mac: bool, cp437: Option<&str>) -> String {
    let s = match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) if mac => qtvr_format::text::mac_roman(raw),
        Err(_) => cp437.map_or_else(|| String::from_utf8_lossy(raw).into_owned(), str::to_string),
    };
    s.nfc().collect()
}

/// A zip member's name split into folder and file names that stay inside
/// the extraction folder, or why it would not.
fn safe_parts(name: &str) -> Result<Vec<String>, &'static str> {
    if name.starts_with('/') || name.starts_with('\\') {
        return Err("an absolute path");
    }
    if name.contains('\0') {
        return Err("a name with a NUL byte");
    }
    let parts: Vec<&str> = name
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.contains(&"..") {
        return Err("a path that climbs out of the archive ('..')");
    }
    if let Some(first) = parts.first()
        && first.len() >= 2
        && first.as_bytes()[1] == b':'
        && first.as_bytes()[0].is_ascii_alphabetic()
    {
        return Err("an absolute path (a drive letter)");
    }
    if parts.is_empty() {
        return Err("empty");
    }
    Ok(parts
        .iter()
        .map(|p| {
            p.chars()
                .map(|c| {
                    let bad = c.is_control() || (cfg!(windows) && "<>:\"|?*".contains(c));
                    if bad { '_' } else { c }
                })
                .collect()
        })
        .collect())
}

/// Extracts member `i` to `target` (inside `dest`): at most `declared`
/// bytes; a member that holds more, or does not read, is removed again.
fn extract<R: Read + io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    i: usize,
    dest: &Path,
    target: &Path,
    declared: u64,
) -> Result<u64, String> {
    if !target.starts_with(dest) {
        return Err("its path leaves the extraction folder".into());
    }
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("cannot create its folder: {e}"))?;
    }
    let mut member = archive.by_index(i).map_err(|e| e.to_string())?;
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(target)
        .map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                "another member of the same name was extracted already".to_string()
            } else {
                format!("cannot write {}: {e}", target.display())
            }
        })?;
    let mut out = BufWriter::new(file);
    let copied = io::copy(
        &mut (&mut member).take(declared.saturating_add(1)),
        &mut out,
    )
    .and_then(|n| out.flush().map(|()| n));
    drop(out);
    let result = match copied {
        Ok(n) if n > declared => Err(format!(
            "it holds more than the {declared} bytes it declares (a zip bomb?)"
        )),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("cannot extract it: {e}")),
    };
    if result.is_err() {
        let _ = fs::remove_file(target);
    }
    result
}

/// QuickTime top-level atom types a movie's data fork starts with.
const STARTS: [&[u8; 4]; 8] = [
    b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"ftyp", b"PICT",
];

/// Whether `src` is laid out as QuickTime atoms: it starts with a known
/// top-level type (whatever its size, so truncated movies count), or a
/// chain of well-formed atoms from the start reaches `moov` or `mdat`.
fn looks_like_quicktime(src: &dyn ByteSource) -> bool {
    let len = src.len();
    let mut at = 0u64;
    for n in 0..16 {
        let mut h = [0u8; 16];
        if at.saturating_add(8) > len || src.read_exact_at(at, &mut h[..8]).is_err() {
            return false;
        }
        let kind = [h[4], h[5], h[6], h[7]];
        if n == 0 && STARTS.iter().any(|s| **s == kind) {
            return true;
        }
        if &kind == b"moov" || &kind == b"mdat" {
            return true;
        }
        if !kind.iter().all(|c| (0x20..0x7F).contains(c)) {
            return false;
        }
        let size = match u32::from_be_bytes([h[0], h[1], h[2], h[3]]) {
            0 => return false,
            1 => {
                if src.read_exact_at(at + 8, &mut h[8..16]).is_err() {
                    return false;
                }
                u64::from_be_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]])
            }
            s => u64::from(s),
        };
        if size < 8 {
            return false;
        }
        match at.checked_add(size) {
            Some(next) if next <= len => at = next,
            _ => return false,
        }
    }
    false
}

// Whether a resource fork's map lists the type `moov` (the listing's test).
use crate::viewer::listing::has_moov_resource;

/// Finder type `MooV`.
fn typed_moov(forks: &Forks) -> bool {
    forks.finder.is_some_and(|f| f.file_type.0 == *b"MooV")
}

/// Whether the forks hold something the movie reader should try.
fn movie_candidate(forks: &Forks) -> bool {
    typed_moov(forks)
        || looks_like_quicktime(forks.data.as_ref())
        || forks.resource.as_deref().is_some_and(has_moov_resource)
}

/// ISO media brands of still images (HEIF, AVIF, JPEG 2000): `ftyp` files
/// that are not movies.
fn still_image_brand(head: &[u8]) -> Option<&'static str> {
    if head.get(4..8) != Some(b"ftyp") {
        return None;
    }
    match head.get(8..12)? {
        b"heic" | b"heix" | b"heim" | b"heis" | b"mif1" | b"msf1" | b"hevc" | b"hevx" => {
            Some("HEIF image")
        }
        b"avif" | b"avis" => Some("AVIF image"),
        b"jp2 " | b"jpx " | b"jpm " => Some("JPEG 2000 image"),
        b"crx " => Some("Canon raw image"),
        _ => None,
    }
}

/// What a file that is not a movie seems to be, from its first bytes (and
/// its last 512, for a compressed `.dmg`; for a file inside a disc image,
/// whether it is a disc image itself).
fn what_it_is(data: &Arc<dyn ByteSource>, in_image: bool) -> Option<&'static str> {
    let src = data.as_ref();
    if src.is_empty() {
        return Some("empty data fork");
    }
    let mut head = vec![0u8; src.len().min(512) as usize];
    src.read_exact_at(0, &mut head).ok()?;
    let h = head.as_slice();
    let at = |o: usize, m: &[u8]| h.get(o..o + m.len()) == Some(m);
    let it = if let Some(s) = still_image_brand(h) {
        s
    } else if at(0, b"\xFF\xD8\xFF") {
        "JPEG image"
    } else if at(0, b"\x89PNG\r\n\x1a\n") {
        "PNG image"
    } else if at(0, b"GIF87a") || at(0, b"GIF89a") {
        "GIF image"
    } else if at(0, b"II*\0") || at(0, b"MM\0*") {
        "TIFF image"
    } else if at(0, b"8BPS") {
        "Photoshop document"
    } else if at(0, b"%PDF") {
        "PDF document"
    } else if at(0, b"%!PS") {
        "PostScript document"
    } else if at(0, b"PK\x03\x04") || at(0, b"PK\x05\x06") {
        if in_image {
            "zip archive; archives inside disc images are not opened: copy it out first"
        } else {
            "zip archive"
        }
    } else if at(0, b"SIT!") || at(0, b"StuffIt (c)") || at(0, b"SITD") {
        "StuffIt archive, not opened: expand it first"
    } else if at(0, b"\x1F\x8B") {
        "gzip file, not opened"
    } else if at(257, b"ustar") {
        "tar archive, not opened"
    } else if at(0, b"Rar!") {
        "RAR archive, not opened"
    } else if at(0, b"7z\xBC\xAF\x27\x1C") {
        "7-Zip archive, not opened"
    } else if at(0, b"RIFF") {
        "RIFF file (AVI, WAVE)"
    } else if at(0, b"FORM") {
        "IFF file (AIFF)"
    } else if at(0, b"\0\0\x01\xBA") || at(0, b"\0\0\x01\xB3") {
        "MPEG stream"
    } else if src.len() >= 512 && {
        let mut t = [0u8; 4];
        src.read_exact_at(src.len() - 512, &mut t).is_ok() && &t == b"koly"
    } {
        "compressed disc image (.dmg), not opened: convert it to a raw image first"
    } else if in_image && Image::read(data.clone()).is_ok_and(|i| i.is_some()) {
        "disc image; disc images inside disc images are not opened"
    } else if h
        .iter()
        .all(|&b| b >= 0x20 && b != 0x7F || matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
    {
        "text"
    } else {
        return None;
    };
    Some(it)
}

/// Why forks that are not a movie candidate are not a movie.
fn not_a_movie(forks: &Forks, in_image: bool) -> String {
    let mut about = Vec::new();
    if let Some(what) = what_it_is(&forks.data, in_image) {
        about.push(what.to_string());
    }
    let wrapped = ["MacBinary", "AppleSingle", "BinHex"]
        .iter()
        .any(|w| forks.how.starts_with(w));
    if wrapped {
        about.push(forks.how.clone());
    }
    if let Some(f) = forks.finder {
        about.push(format!(
            "Mac type '{}', creator '{}'",
            f.file_type, f.creator
        ));
    }
    if about.is_empty() {
        "not a QuickTime file".into()
    } else {
        format!("not a QuickTime file ({})", about.join("; "))
    }
}

/// A file that is neither a zip archive nor a disc image: what it is, and
/// its digest when it is a movie (good or broken).
fn classify_file(path: &Path, head: &[u8]) -> (FoundKind, Option<String>) {
    let forks = match mac::open(path) {
        Ok(f) => f,
        Err(e @ qtvr_format::Error::Io { .. }) => {
            return (FoundKind::Unreadable(e.to_string()), None);
        }
        Err(_) if is_apple_double(head) => {
            return (
                FoundKind::NotAMovie(
                    "an AppleDouble file (the resource fork of another file, named without '._')"
                        .into(),
                ),
                None,
            );
        }
        Err(e) => {
            // A Mac wrapper (MacBinary, AppleSingle, BinHex) that does not
            // unwrap: a broken movie as far as anyone can tell.
            let d = FileSource::open(path)
                .ok()
                .and_then(|f| hash(&f, None).ok());
            return (FoundKind::Broken(e.to_string()), d);
        }
    };
    if !movie_candidate(&forks) {
        return (FoundKind::NotAMovie(not_a_movie(&forks, false)), None);
    }
    let mut dhead = vec![0u8; forks.data.len().min(16) as usize];
    if forks.data.read_exact_at(0, &mut dhead).is_ok()
        && !typed_moov(&forks)
        && let Some(what) = still_image_brand(&dhead)
        && qtvr_format::qtvr::open_forks(&forks).is_err()
    {
        return (
            FoundKind::NotAMovie(format!("not a QuickTime file ({what})")),
            None,
        );
    }
    let kind = match qtvr_format::qtvr::open(path) {
        Ok((_, l)) => match &l.scene {
            Some(s) => FoundKind::Qtvr {
                nodes: s.nodes.len(),
                summary: summary(s),
            },
            None => FoundKind::Movie,
        },
        Err(e @ qtvr_format::Error::Io { .. }) => {
            return (FoundKind::Unreadable(e.to_string()), None);
        }
        Err(e) => FoundKind::Broken(e.to_string()),
    };
    match digest(&forks) {
        Ok(d) => (kind, Some(d)),
        Err(e) => (
            FoundKind::Unreadable(format!("cannot read it whole: {e}")),
            None,
        ),
    }
}

/// SHA-256 of a movie's forks (see [`Found::digest`]).
fn digest(forks: &Forks) -> io::Result<String> {
    hash(forks.data.as_ref(), forks.resource.as_deref())
}

fn hash(data: &dyn ByteSource, resource: Option<&dyn ByteSource>) -> io::Result<String> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut feed = |src: &dyn ByteSource, h: &mut Sha256| -> io::Result<()> {
        let len = src.len();
        let mut at = 0u64;
        while at < len {
            let n = (len - at).min(buf.len() as u64) as usize;
            src.read_exact_at(at, &mut buf[..n])?;
            h.update(&buf[..n]);
            at += n as u64;
        }
        Ok(())
    };
    feed(data, &mut h)?;
    if let Some(r) = resource {
        feed(r, &mut h)?;
        h.update(data.len().to_be_bytes());
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// A scene in words: `cylindrical panorama`, `cubic panorama`, `object`
/// for one node; `tour of 3 nodes: 2 cylindrical panoramas, 1 object` for
/// several.
pub fn summary(scene: &Scene) -> String {
    let kind = |c: &NodeContent| match c {
        NodeContent::Panorama(p) => match p.projection {
            Projection::Cylinder { .. } => "cylindrical panorama",
            Projection::Cube { .. } => "cubic panorama",
        },
        NodeContent::Object(_) => "object",
    };
    match scene.nodes.as_slice() {
        [] => "QuickTime VR movie without nodes".into(),
        [one] => kind(&one.content).into(),
        nodes => {
            let mut counts: Vec<(&str, usize)> = Vec::new();
            for n in nodes {
                let k = kind(&n.content);
                match counts.iter_mut().find(|(c, _)| *c == k) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((k, 1)),
                }
            }
            let parts: Vec<String> = counts
                .iter()
                .map(|(k, n)| format!("{n} {k}{}", if *n == 1 { "" } else { "s" }))
                .collect();
            format!("tour of {} nodes: {}", nodes.len(), parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fresh folder for one test.
    fn scratch(tag: &str) -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        let d = std::env::temp_dir().join(format!(
            "qtvr-discover-{}-{tag}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    /// A zip of `(name, bytes)` members, deflated.
    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in members {
            w.start_file(*name, opts).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    /// Replaces every `from` in `bytes` by `to` (same length): member names
    /// in both the local and the central headers.
    fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) {
        assert_eq!(from.len(), to.len());
        let mut hits = 0;
        for i in 0..=bytes.len() - from.len() {
            if &bytes[i..i + from.len()] == from {
                bytes[i..i + from.len()].copy_from_slice(to);
                hits += 1;
            }
        }
        assert!(
            hits >= 2,
            "{} found {hits} times",
            String::from_utf8_lossy(from)
        );
    }

    /// Sets member `i`'s declared uncompressed size (`size`) or OR-s its
    /// general purpose flags (`flags`) in both of its headers.
    fn patch_member(zip: &mut [u8], i: usize, size: Option<u32>, flags: u16) {
        let a = zip::ZipArchive::new(Cursor::new(zip.to_vec())).unwrap();
        let m = a.by_index_data(i).unwrap();
        let (local, central) = (m.header_start() as usize, m.central_header_start() as usize);
        drop(m);
        if let Some(size) = size {
            zip[local + 22..local + 26].copy_from_slice(&size.to_le_bytes());
            zip[central + 24..central + 28].copy_from_slice(&size.to_le_bytes());
        }
        for at in [local + 6, central + 8] {
            let f = u16::from_le_bytes([zip[at], zip[at + 1]]) | flags;
            zip[at..at + 2].copy_from_slice(&f.to_le_bytes());
        }
    }

    fn find<'a>(d: &'a Discovery, path: &str) -> &'a Found {
        d.found
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("{path} not found in {:#?}", d.found))
    }

    fn paths(d: &Discovery) -> Vec<&str> {
        d.found.iter().map(|f| f.path.as_str()).collect()
    }

    /// Every file under `dir`, relative.
    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut todo = vec![dir.to_path_buf()];
        while let Some(d) = todo.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    todo.push(p);
                } else {
                    out.push(p.strip_prefix(dir).unwrap().to_path_buf());
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn member_names_stay_inside_the_extraction_folder() {
        assert_eq!(safe_parts("a/b").unwrap(), ["a", "b"]);
        assert_eq!(safe_parts("./a//b/").unwrap(), ["a", "b"]);
        assert_eq!(safe_parts("a\\b").unwrap(), ["a", "b"]);
        assert_eq!(safe_parts("a/b\u{1}c").unwrap(), ["a", "b_c"]);
        for bad in [
            "../x",
            "a/../../x",
            "a/..",
            "/etc/passwd",
            "\\x",
            "C:/x",
            "c:x",
            "",
            "./",
            "a\0b",
        ] {
            assert!(safe_parts(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn member_names_are_decoded_and_composed() {
        assert_eq!(member_name("Café".as_bytes(), false, None), "Café");
        // macOS's Archive Utility: UTF-8, decomposed, no flag.
        assert_eq!(member_name("Cafe\u{301}".as_bytes(), false, None), "Café");
        assert_eq!(member_name(b"Caf\x8E \xBD", true, None), "Café Ω");
        assert_eq!(member_name(b"Caf\x82", false, Some("Café")), "Café");
    }

    #[test]
    fn sidecars_name_their_data_files() {
        assert_eq!(
            sidecar_of("z.zip/__MACOSX/pans/._Kitchen"),
            "z.zip/pans/Kitchen"
        );
        assert_eq!(sidecar_of("a/b/._Tour"), "a/b/Tour");
        assert_eq!(sidecar_of("a/__MACOSX/._Tour"), "a/Tour");
    }

    #[test]
    fn quicktime_is_told_by_its_atoms() {
        let qt = |b: &[u8]| looks_like_quicktime(&b.to_vec());
        let atom = |kind: &[u8; 4], body: usize| {
            let mut v = ((body + 8) as u32).to_be_bytes().to_vec();
            v.extend_from_slice(kind);
            v.resize(body + 8, 0);
            v
        };
        assert!(qt(&atom(b"moov", 100)));
        // Truncated: the first atom's size runs past the end.
        assert!(qt(&atom(b"moov", 100)[..50]));
        assert!(qt(&[
            atom(b"uuid", 20),
            atom(b"junk", 3),
            atom(b"mdat", 10)
        ]
        .concat()));
        assert!(!qt(&[atom(b"uuid", 20), atom(b"junk", 3)].concat()));
        assert!(!qt(b"\xFF\xD8\xFF\xE0\0\x10JFIF\0"));
        assert!(!qt(b"hello, this is text and not a movie at all"));
        assert!(!qt(&[0u8; 64]));
        assert!(!qt(b""));
        // A 64-bit size that runs past the end.
        let mut big = 1u32.to_be_bytes().to_vec();
        big.extend_from_slice(b"uuid");
        big.extend_from_slice(&u64::MAX.to_be_bytes());
        assert!(!qt(&big));
    }

    #[test]
    fn moov_resources_are_found_in_the_map() {
        use qtvr_format::container::FourCC;
        use qtvr_format::mac::resource;
        let with = resource::write(&[
            (FourCC(*b"STR "), 1, b"\x02hi"),
            (FourCC(*b"moov"), 128, b"x"),
        ]);
        let without = resource::write(&[(FourCC(*b"STR "), 1, b"\x02hi")]);
        assert!(has_moov_resource(&with));
        assert!(!has_moov_resource(&without));
        assert!(!has_moov_resource(&vec![0xFFu8; 64]));
        assert!(!has_moov_resource(&Vec::new()));
    }

    #[test]
    fn files_are_told_by_their_first_bytes() {
        let d = scratch("sniff");
        let input = d.join("in");
        fs::create_dir_all(&input).unwrap();
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0\x90\x91h6";
        fs::write(input.join("picture.mov"), png).unwrap();
        fs::write(input.join("photo"), b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\0\0\0\0").unwrap();
        fs::write(input.join("notes"), "Read me.\nNothing here.\n").unwrap();
        fs::write(input.join("empty"), b"").unwrap();
        fs::write(input.join("archive.sit"), b"SIT!\0\0\0\0rLau stuff").unwrap();
        fs::write(
            input.join(".DS_Store"),
            [0u8, 0, 0, 1, b'B', b'u', b'd', b'1', 0, 0],
        )
        .unwrap();
        let r = discover(&[input], &d.join("out/.qtvr-work"));
        let kind = |p: &str| find(&r, p).kind.clone();
        let nm = |s: &str| FoundKind::NotAMovie(s.to_string());
        assert_eq!(
            kind("in/picture.mov"),
            nm("not a QuickTime file (PNG image)")
        );
        assert_eq!(kind("in/photo"), nm("not a QuickTime file (JPEG image)"));
        assert_eq!(kind("in/notes"), nm("not a QuickTime file (text)"));
        assert_eq!(kind("in/empty"), nm("empty file"));
        assert_eq!(
            kind("in/archive.sit"),
            nm("not a QuickTime file (StuffIt archive, not opened: expand it first)")
        );
        assert_eq!(kind("in/.DS_Store"), nm("not a QuickTime file"));
        assert_eq!(
            paths(&r),
            [
                "in/.DS_Store",
                "in/archive.sit",
                "in/empty",
                "in/notes",
                "in/photo",
                "in/picture.mov"
            ]
        );
        assert!(r.found.iter().all(|f| f.digest.is_none()), "{r:#?}");
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn zip_slip_members_are_refused() {
        let d = scratch("slip");
        let input = d.join("in");
        fs::create_dir_all(&input).unwrap();
        let mut z = zip_of(&[
            ("ZZ/ZZ/escape.txt", b"out!"),
            ("Xtmp/qtvr-abs.txt", b"abs"),
            ("ok/inside.txt", b"fine"),
            ("D:/drive.txt", b"drive"),
        ]);
        patch(&mut z, b"ZZ/ZZ/escape", b"../../escape");
        patch(&mut z, b"Xtmp/qtvr-abs", b"/tmp/qtvr-abs");
        fs::write(input.join("evil"), &z).unwrap();
        let work = d.join("out/.qtvr-work");
        let r = discover(std::slice::from_ref(&input), &work);
        assert!(!d.join("escape.txt").exists() && !input.join("../escape.txt").exists());
        assert!(!Path::new("/tmp/qtvr-abs.txt").exists());
        assert_eq!(
            find(&r, "in/evil").kind,
            FoundKind::Container("zip archive, 4 members".into())
        );
        assert!(matches!(
            &find(&r, "in/evil/ok/inside.txt").kind,
            FoundKind::NotAMovie(_)
        ));
        for (p, why) in [
            ("in/evil/../../escape.txt", "climbs out"),
            ("in/evil//tmp/qtvr-abs.txt", "absolute"),
            ("in/evil/D:/drive.txt", "drive letter"),
        ] {
            match &find(&r, p).kind {
                FoundKind::Unreadable(m) => {
                    assert!(m.contains(why) && m.contains("zip-slip"), "{m}")
                }
                k => panic!("{p}: {k:?}"),
            }
            assert!(
                r.warnings
                    .iter()
                    .any(|w| w.starts_with(p) && w.contains("zip-slip")),
                "{:?}",
                r.warnings
            );
        }
        assert_eq!(files_under(&work), [PathBuf::from("0/ok/inside.txt")]);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn zip_bombs_are_refused() {
        let d = scratch("bomb");
        let input = d.join("in");
        fs::create_dir_all(&input).unwrap();
        let zeros = vec![0u8; 1 << 20];
        let mut z = zip_of(&[
            ("big", &zeros),
            ("liar", &zeros),
            ("small", b"a few bytes"),
            ("locked", b"secret"),
        ]);
        // "liar" declares 1000 bytes and holds a MiB; "locked" says it is encrypted.
        patch_member(&mut z, 1, Some(1000), 0);
        patch_member(&mut z, 3, None, 1);
        fs::write(input.join("bomb.zip"), &z).unwrap();
        let limits = Limits {
            zip_ratio: 4,
            zip_floor: 64 << 10,
            ..Limits::default()
        };
        let work = d.join("work");
        let r = discover_with(&[input], &work, &limits);
        let refused = |p: &str, why: &str| match &find(&r, p).kind {
            FoundKind::Unreadable(m) => {
                assert!(m.contains(why), "{p}: {m}");
                assert!(
                    r.warnings.iter().any(|w| w.starts_with(p)),
                    "{:?}",
                    r.warnings
                );
            }
            k => panic!("{p}: {k:?}"),
        };
        refused("in/bomb.zip/big", "zip bomb");
        // The zip reader stops it, or the extraction's own cap does.
        refused("in/bomb.zip/liar", "declare");
        refused("in/bomb.zip/locked", "encrypted");
        assert_eq!(find(&r, "in/bomb.zip/big").size, 1 << 20);
        assert!(matches!(
            find(&r, "in/bomb.zip/small").kind,
            FoundKind::NotAMovie(_)
        ));
        assert_eq!(files_under(&work), [PathBuf::from("0/small")]);

        // All archives together: the second copy finds the total spent.
        fs::write(
            d.join("in/again.zip"),
            zip_of(&[("a", &zeros[..40 << 10]), ("b", &zeros[..40 << 10])]),
        )
        .unwrap();
        let limits = Limits {
            zip_total: 60 << 10,
            ..Limits::default()
        };
        let r = discover_with(&[d.join("in")], &d.join("work2"), &limits);
        assert!(matches!(
            find(&r, "in/again.zip/a").kind,
            FoundKind::NotAMovie(_)
        ));
        refused_in(&r, "in/again.zip/b", "zip bomb");
        let _ = fs::remove_dir_all(&d);
    }

    fn refused_in(r: &Discovery, p: &str, why: &str) {
        match &find(r, p).kind {
            FoundKind::Unreadable(m) => assert!(m.contains(why), "{p}: {m}"),
            k => panic!("{p}: {k:?}"),
        }
    }

    #[test]
    fn zips_in_zips_are_opened_one_level_deep() {
        let d = scratch("nested");
        let input = d.join("in");
        fs::create_dir_all(&input).unwrap();
        let innermost = zip_of(&[("deepest.txt", b"three down")]);
        let inner = zip_of(&[("inner.txt", b"two down"), ("innermost.zip", &innermost)]);
        let outer = zip_of(&[("outer.txt", b"one down"), ("sub/inner", &inner)]);
        fs::write(input.join("outer"), outer).unwrap();
        let r = discover(&[input], &d.join("work"));
        assert_eq!(
            paths(&r),
            [
                "in/outer",
                "in/outer/outer.txt",
                "in/outer/sub/inner",
                "in/outer/sub/inner/inner.txt",
                "in/outer/sub/inner/innermost.zip",
            ]
        );
        assert!(matches!(
            find(&r, "in/outer/sub/inner").kind,
            FoundKind::Container(_)
        ));
        match &find(&r, "in/outer/sub/inner/innermost.zip").kind {
            FoundKind::NotAMovie(m) => assert!(m.contains("not opened"), "{m}"),
            k => panic!("{k:?}"),
        }
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn mac_roman_member_names_without_the_utf8_flag() {
        let d = scratch("roman");
        let input = d.join("in");
        fs::create_dir_all(&input).unwrap();
        let mut z = zip_of(&[
            ("CafX/read me", b"text"),
            ("__MACOSX/CafX/._read me", b"\0\x05\x16\x07\0\x02\0\0"),
        ]);
        patch(&mut z, b"CafX", b"Caf\x8E");
        fs::write(input.join("a.zip"), z).unwrap();
        let r = discover(&[input], &d.join("work"));
        assert_eq!(
            paths(&r),
            [
                "in/a.zip",
                "in/a.zip/Café/read me",
                "in/a.zip/__MACOSX/Café/._read me"
            ]
        );
        assert_eq!(
            find(&r, "in/a.zip/__MACOSX/Café/._read me").kind,
            FoundKind::NotAMovie("AppleDouble resource fork of in/a.zip/Café/read me".into())
        );
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn inputs_missing_twice_named_or_holding_the_output_folder() {
        let d = scratch("inputs");
        for sub in ["a/photos", "b/photos"] {
            fs::create_dir_all(d.join(sub)).unwrap();
            fs::write(d.join(sub).join("x.txt"), b"x").unwrap();
        }
        // The output folder inside an input, with a file from an earlier run.
        fs::create_dir_all(d.join("a/photos/out")).unwrap();
        fs::write(d.join("a/photos/out/report.json"), b"{}").unwrap();
        let r = discover(
            &[d.join("a/photos"), d.join("b/photos"), d.join("missing")],
            &d.join("a/photos/out/.qtvr-work"),
        );
        assert_eq!(paths(&r), ["photos/x.txt", "photos (2)/x.txt", "missing"]);
        assert!(matches!(find(&r, "missing").kind, FoundKind::Unreadable(_)));
        assert!(
            r.warnings.iter().any(|w| w.contains("photos (2)")),
            "{:?}",
            r.warnings
        );
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("photos/out: left out")),
            "{:?}",
            r.warnings
        );
        // The output folder as the input itself is walked, its scratch
        // folder not.
        fs::write(d.join("a/photos/out/movie"), b"text").unwrap();
        let r = discover(
            &[d.join("a/photos/out")],
            &d.join("a/photos/out/.qtvr-work"),
        );
        assert_eq!(paths(&r), ["out/movie", "out/report.json"]);
        // "." is named after the folder it is.
        assert_eq!(
            input_name(&d.join("a/photos/.").components().collect::<PathBuf>()),
            "photos"
        );
        let _ = fs::remove_dir_all(&d);
    }

    /// Zip archives with random bytes changed, cut short or with random
    /// member sizes: discovery lists each as something and never panics.
    #[test]
    fn mutated_zips_never_panic() {
        let d = scratch("mutated");
        let input = d.join("in");
        fs::create_dir_all(&input).unwrap();
        let text = b"some text, some text, some text, some text".repeat(20);
        let base = zip_of(&[
            ("a/one.txt", &text[..]),
            ("__MACOSX/a/._one.txt", b"\0\x05\x16\x07\0\x02\0\0"),
            ("b/two", &[0x55; 3000]),
            ("c/", b""),
        ]);
        let mut rng = qtvr_testkit::Rng::new(19);
        for i in 0..300 {
            let mut z = base.clone();
            match i % 3 {
                0 => {
                    for _ in 0..1 + rng.below(8) {
                        let at = rng.below(z.len());
                        z[at] = rng.byte();
                    }
                }
                1 => z.truncate(rng.below(z.len())),
                _ => {
                    let n = zip::ZipArchive::new(Cursor::new(z.clone())).unwrap().len();
                    patch_member(
                        &mut z,
                        rng.below(n),
                        Some(rng.next_u32()),
                        rng.next_u32() as u16,
                    );
                }
            }
            let p = input.join(format!("z{i}"));
            fs::write(&p, &z).unwrap();
            let r = discover_with(
                std::slice::from_ref(&p),
                &d.join("work"),
                &Limits {
                    zip_floor: 1 << 20,
                    ..Limits::default()
                },
            );
            assert!(!r.found.is_empty(), "{i}");
            assert!(
                r.found.iter().all(|f| !f.kind.is_qtvr()
                    && !matches!(&f.kind, FoundKind::Unreadable(m) if m.contains("a bug"))),
                "{i}: {:?}",
                r.found
            );
            fs::remove_file(&p).unwrap();
        }
        let _ = fs::remove_dir_all(&d);
    }

    #[cfg(unix)]
    #[test]
    fn links_pipes_and_loops_are_not_followed() {
        let d = scratch("links");
        let input = d.join("in");
        fs::create_dir_all(input.join("sub")).unwrap();
        fs::write(input.join("sub/file.txt"), b"text").unwrap();
        std::os::unix::fs::symlink("..", input.join("sub/up")).unwrap();
        std::os::unix::fs::symlink("sub/file.txt", input.join("link.txt")).unwrap();
        std::os::unix::fs::symlink("nowhere", input.join("dangling")).unwrap();
        let fifo = input.join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        let r = discover(&[input], &d.join("work"));
        assert_eq!(
            find(&r, "in/sub/up").kind,
            FoundKind::NotAMovie("symbolic link to a folder (not followed)".into())
        );
        assert!(matches!(
            find(&r, "in/link.txt").kind,
            FoundKind::NotAMovie(_)
        ));
        assert!(matches!(
            find(&r, "in/dangling").kind,
            FoundKind::Unreadable(_)
        ));
        if made.is_ok_and(|s| s.success()) {
            assert!(
                matches!(&find(&r, "in/pipe").kind, FoundKind::NotAMovie(m) if m.contains("named pipe"))
            );
        }
        let _ = fs::remove_dir_all(&d);
    }
}
