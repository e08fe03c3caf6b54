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

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use scene::*;

/// What to say of a movie without a QTVR scene.
pub const NOT_QTVR: &str =
    "not a QuickTime VR movie (a plain QuickTime movie has no panorama or object nodes)";

use crate::container::file::no_moov_error_looked;
use crate::container::{FourCC, Movie, read_movie, read_movie_with_moov, scan_top_level};
use crate::error::{Error, Location, Result};
use crate::limits::Budget;
use crate::source::{ByteSource, read_vec};

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
    /// Where the movie's bytes came from (set by [`open_forks`]; `None` for
    /// bytes given to [`load`]).
    pub origin: Option<crate::mac::Origin>,
    /// The reference movies followed to reach this one ([`open`]), outermost
    /// first; empty when the file opened was the movie itself.
    pub references: Vec<Reference>,
    /// Other files the movie's media was found in ([`open`]).
    pub media_files: Vec<String>,
    /// The length of the movie's own bytes (its data fork), whatever the
    /// source [`open`] returns spans.
    pub data_len: u64,
}

/// A reference movie that was followed: its alternates and which was opened.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reference {
    /// The reference movie's path.
    pub file: String,
    pub alternates: Vec<crate::container::reference::Alternate>,
    /// Where each alternate's target is on this machine (None: a URL to
    /// another machine, never fetched, or a file that is not there).
    pub found: Vec<Option<String>>,
    /// The 0-based alternate opened.
    pub chosen: usize,
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
    with_scene(movie, src, budget)
}

/// The QTVR scene of a movie read from `src`.
fn with_scene(movie: Movie, src: &dyn ByteSource, budget: &Budget) -> Result<Loaded> {
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
        origin: None,
        references: Vec::new(),
        media_files: Vec::new(),
        data_len: src.len(),
    })
}

/// Reads the movie of a file's forks: the movie atom from the data fork, or
/// where the data fork has none and a resource fork was found, from the
/// resource fork's `moov` resource (the lowest ID), with the samples in the
/// data fork. Without either, the error says where the resource fork was
/// looked for ([`crate::mac::Forks::looked`]).
pub fn open_forks(forks: &crate::mac::Forks) -> Result<Loaded> {
    open_forks_at(forks, None).map(|(_, l)| l)
}

/// [`open_forks`] for the movie at `path`: media in other files (data
/// references, found as reference movies' targets are) is looked for from there, and the
/// returned source reads it too.
pub fn open_forks_at(
    forks: &crate::mac::Forks,
    path: Option<&Path>,
) -> Result<(Arc<dyn ByteSource>, Loaded)> {
    let data = forks.data.as_ref();
    let in_data = scan_top_level(data)
        .map(|(atoms, _)| atoms.iter().any(|a| a.kind.0 == *b"moov"))
        .unwrap_or(false);
    let origin = |moov_resource| crate::mac::Origin {
        how: forks.how.clone(),
        finder: forks.finder,
        moov_resource,
    };
    // The movie atom, from the data fork or the resource fork.
    let (mut movie, budget, moov_resource) = match &forks.resource {
        Some(r) if !in_data => {
            let resource = r.as_ref();
            let Some(moov) = crate::mac::resource::find_moov(
                resource,
                &format!("resource fork ({})", forks.how),
            )?
            else {
                return Err(match no_moov_error_looked(data, &[]) {
                    Error::NoMovieAtom(msg) => Error::NoMovieAtom(format!(
                        "{msg} A resource fork was found ({}), but it holds no 'moov' resource.",
                        forks.how
                    )),
                    e => e,
                });
            };
            let budget = Budget::for_file(data.len().saturating_add(resource.len()));
            let at = Location::file(moov.offset);
            budget
                .reserve(moov.len)
                .map_err(|e| Error::atom(FourCC::new(b"moov"), at, e.into()))?;
            let bytes = read_vec(resource, moov.offset, moov.len)?;
            // Offsets in messages about the movie atom count in the resource fork.
            let movie = read_movie_with_moov(data, &bytes, at, &budget)?;
            (movie, budget, Some(moov.id))
        }
        _ => {
            let budget = Budget::for_file(data.len());
            match read_movie(data, &budget) {
                Ok(m) => (m, budget, None),
                Err(Error::NoMovieAtom(_)) => {
                    return Err(no_moov_error_looked(data, &forks.looked));
                }
                Err(e) => return Err(e),
            }
        }
    };
    let (src, media_files) = match path {
        Some(p) => attach_media(p, forks, &mut movie),
        None => (forks.data.clone(), Vec::new()),
    };
    let mut l = with_scene(movie, src.as_ref(), &budget)?;
    l.origin = Some(origin(moov_resource));
    l.media_files = media_files;
    l.data_len = data.len();
    Ok((src, l))
}

/// Opens a movie file (plain, or a Mac file with forks, see
/// [`crate::mac::open`]) and reads it; the byte source is its data fork. A
/// reference movie opens its best alternate that is here ([`open_alternate`]).
pub fn open(path: &Path) -> Result<(Arc<dyn ByteSource>, Loaded)> {
    open_alternate(path, None)
}

/// [`open`], choosing alternate `alternate` (0-based) of a reference movie
/// instead of the best one: the highest data rate, then quality, among the
/// alternates whose targets are here (URLs to other machines are reported,
/// never fetched). Reference movies that point at reference movies are
/// followed up to 4 deep.
pub fn open_alternate(
    path: &Path,
    alternate: Option<usize>,
) -> Result<(Arc<dyn ByteSource>, Loaded)> {
    let mut path = path.to_path_buf();
    let mut references = Vec::new();
    for depth in 0..=4 {
        let forks = crate::mac::open(&path)?;
        let (src, mut loaded) = open_forks_at(&forks, Some(&path))?;
        let alternates = std::mem::take(&mut loaded.movie.alternates);
        if alternates.is_empty() || !loaded.movie.tracks.is_empty() {
            loaded.movie.alternates = alternates;
            loaded.references = references;
            return Ok((src, loaded));
        }
        if depth == 4 {
            break;
        }
        let found: Vec<Option<PathBuf>> = alternates
            .iter()
            .map(|a| reference_target(&path, &a.target))
            .collect();
        let chosen = match alternate.filter(|_| depth == 0) {
            Some(n) => {
                if n >= alternates.len() {
                    return Err(Error::Reference(format!(
                        "{}: a reference movie of {} alternates has no alternate {}",
                        path.display(),
                        alternates.len(),
                        n + 1
                    )));
                }
                if found[n].is_none() {
                    return Err(Error::Reference(format!(
                        "{}: alternate {} ({}) is not here",
                        path.display(),
                        n + 1,
                        target_text(&alternates[n].target)
                    )));
                }
                n
            }
            None => crate::container::reference::best_alternate(&alternates, |t| {
                alternates
                    .iter()
                    .position(|a| &a.target == t)
                    .is_some_and(|i| found[i].is_some())
            })
            .ok_or_else(|| {
                let list: Vec<String> = alternates.iter().map(|a| target_text(&a.target)).collect();
                Error::Reference(format!(
                    "{}: a reference movie none of whose {} alternates is here ({})",
                    path.display(),
                    alternates.len(),
                    list.join(", ")
                ))
            })?,
        };
        let next = found[chosen].clone().unwrap_or_default();
        references.push(Reference {
            file: path.display().to_string(),
            found: found
                .iter()
                .map(|f| f.as_ref().map(|p| p.display().to_string()))
                .collect(),
            alternates,
            chosen,
        });
        path = next;
    }
    Err(Error::Reference(format!(
        "{}: reference movies point at reference movies more than 4 deep",
        path.display()
    )))
}

/// Media in other files: the tracks whose data references point outside
/// the movie (`url ` relative to the movie's folder or `file://`, `alis` by
/// its names, found as [`open_alternate`] finds alternates) read their
/// samples from those files. The returned source is the movie's own bytes
/// followed, at offsets of 2⁴⁴ × k, by each file referred to; those tracks'
/// sample offsets are moved there, so every later stage reads them as if
/// they were in the movie. A file that is not here is a warning naming it;
/// its tracks keep their samples' offsets (and show placeholders).
fn attach_media(
    path: &Path,
    forks: &crate::mac::Forks,
    movie: &mut Movie,
) -> (Arc<dyn ByteSource>, Vec<String>) {
    let data = forks.data.clone();
    use crate::container::reference::Target;
    use crate::error::Warning;
    const STEP: u64 = 1 << 44;
    let mut files: Vec<(PathBuf, Arc<dyn ByteSource>)> = Vec::new();
    let mut warnings = Vec::new();
    for t in &mut movie.tracks {
        let refs = t.data_refs.clone();
        for (j, d) in refs.iter().enumerate() {
            // Media in a resource (`rsrc`): of this file's resource fork, or
            // of the file its alias names.
            if let Some((kind, id)) = d.resource {
                let fork = if d.self_contained {
                    forks.resource.clone().map(|r| (path.to_path_buf(), r))
                } else {
                    d.alias
                        .clone()
                        .and_then(|a| reference_target(path, &Target::Alias(a)))
                        .and_then(|f| Some((f.clone(), crate::mac::open(&f).ok()?.resource?)))
                };
                let found = fork.and_then(|(f, r)| {
                    let name = format!("resource fork of {}", f.display());
                    let res = crate::mac::resource::find(r.as_ref(), kind, &name).ok()?;
                    let res = res.into_iter().find(|x| x.id == id)?;
                    let src: Arc<dyn ByteSource> =
                        Arc::new(crate::mac::Range::new(r, res.offset, res.len));
                    Some((
                        PathBuf::from(format!("{} ('{kind}' resource {id})", f.display())),
                        src,
                    ))
                });
                let Some((label, src)) = found else {
                    warnings.push(Warning::at(
                        t.offset,
                        format!(
                            "track {}: its media is in '{kind}' resource {id}, which is not here",
                            t.id
                        ),
                    ));
                    continue;
                };
                if files.len() >= 64 {
                    continue;
                }
                let len = src.len();
                let k = match files.iter().position(|(p, _)| *p == label) {
                    Some(k) => k,
                    None => {
                        files.push((label, src));
                        files.len() - 1
                    }
                };
                let base = STEP * (k as u64 + 1);
                let past = move_samples(t, j, base, len);
                if past > 0 {
                    warnings.push(Warning::at(
                        t.offset,
                        format!(
                            "track {}: {past} of its samples lie past the end of '{kind}' resource {id}",
                            t.id
                        ),
                    ));
                }
                continue;
            }
            if d.self_contained {
                continue;
            }
            let target = match (&d.url, &d.alias) {
                (Some(url), _) => Target::Url { url: url.clone() },
                (None, Some(a)) => Target::Alias(a.clone()),
                _ => continue,
            };
            let Some(file) = reference_target(path, &target) else {
                warnings.push(Warning::at(
                    t.offset,
                    format!(
                        "track {}: its media is in {}, which is not here",
                        t.id,
                        target_text(&target)
                    ),
                ));
                continue;
            };
            let k = match files.iter().position(|(p, _)| *p == file) {
                Some(k) => k,
                None => match crate::mac::open(&file) {
                    Ok(f) if files.len() < 64 => {
                        files.push((file.clone(), f.data));
                        files.len() - 1
                    }
                    _ => continue,
                },
            };
            let base = STEP * (k as u64 + 1);
            let len = files[k].1.len();
            let past = move_samples(t, j, base, len);
            if past > 0 {
                warnings.push(Warning::at(
                    t.offset,
                    format!(
                        "track {}: {past} of its samples lie past the end of {}",
                        t.id,
                        file.display()
                    ),
                ));
            }
        }
    }
    movie.warnings.extend(warnings);
    let names = files.iter().map(|(p, _)| p.display().to_string()).collect();
    if files.is_empty() {
        return (data, names);
    }
    let src = Arc::new(WithMedia {
        movie: data,
        files: files.into_iter().map(|(_, f)| f).collect(),
    });
    (src, names)
}

/// Moves the samples of `t` that data reference `j` (0-based) holds by
/// `base`; returns how many of them run past `len`, the referenced data's
/// length.
fn move_samples(t: &mut crate::container::Track, j: usize, base: u64, len: u64) -> usize {
    let index = j as u16 + 1;
    let uses: Vec<bool> = t
        .descriptions
        .iter()
        .map(|desc| desc.data_ref_index == index)
        .collect();
    let mut past = 0usize;
    for s in &mut t.samples {
        let by = usize::try_from(s.description_index)
            .ok()
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| uses.get(i))
            .copied()
            .unwrap_or(false);
        if by {
            if s.offset.saturating_add(u64::from(s.size)) > len {
                past += 1;
            }
            s.offset = s.offset.saturating_add(base);
        }
    }
    past
}

/// A movie's bytes, then the files its media is in, each at 2⁴⁴ × k.
struct WithMedia {
    movie: Arc<dyn ByteSource>,
    files: Vec<Arc<dyn ByteSource>>,
}

impl ByteSource for WithMedia {
    fn len(&self) -> u64 {
        (self.files.len() as u64 + 1) << 44
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        let k = offset >> 44;
        let inner = offset & ((1 << 44) - 1);
        match k {
            0 => self.movie.read_exact_at(inner, buf),
            k => match self.files.get(k as usize - 1) {
                Some(f) => f.read_exact_at(inner, buf),
                None => Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "read past the end of the data",
                )),
            },
        }
    }
}

/// An alternate's target as text for messages.
pub fn target_text(t: &crate::container::reference::Target) -> String {
    use crate::container::reference::Target;
    match t {
        Target::Url { url } => format!("URL '{url}'"),
        Target::Alias(a) => match &a.path {
            Some(p) => format!("alias '{p}'"),
            None => format!("alias '{}' on '{}'", a.file, a.volume),
        },
        Target::Other { kind } => format!("a '{kind}' reference"),
    }
}

/// Where a reference movie's target is here: a relative URL or `file:` URL
/// against the movie's folder, an alias by its path below the volume tried
/// from the movie's folder up to the root (the disc image's root when the
/// movie is inside one), then by its file name in the movie's folder. None
/// for URLs to other machines and files that are not there.
fn reference_target(movie: &Path, t: &crate::container::reference::Target) -> Option<PathBuf> {
    use crate::container::reference::Target;
    let dir = movie.parent().unwrap_or(Path::new(""));
    // Whether a target is here, without reading it (the caller opens the
    // one it takes, once): on the host's disks a file, its name matched
    // exactly else ignoring case (a copy to a case-sensitive disk); inside a
    // disc image, a catalog look-up.
    let opens = |p: &Path| {
        if crate::disk::split_image_path(p).is_some() {
            return crate::mac::open(p).is_ok().then(|| p.to_path_buf());
        }
        let found = if p.exists() {
            p.to_path_buf()
        } else {
            match_case(p)?
        };
        found.is_file().then_some(found)
    };
    match t {
        Target::Url { url } => {
            let local = if let Some(rest) = url.strip_prefix("file://") {
                PathBuf::from(percent_decode(rest))
            } else if url.contains("://") || url.starts_with("data:") {
                return None;
            } else if let Some((image, inner)) = crate::disk::split_image_path(movie) {
                // Relative to the movie's folder inside the disc image.
                let folder = inner.rsplit_once('/').map_or("", |(f, _)| f);
                let sep = if folder.is_empty() { "" } else { "/" };
                PathBuf::from(format!(
                    "{}//{folder}{sep}{}",
                    image.display(),
                    percent_decode(url)
                ))
            } else {
                dir.join(percent_decode(url))
            };
            opens(&local)
        }
        Target::Alias(a) => {
            let parts = a.parts();
            if parts.is_empty() {
                return None;
            }
            let names: Vec<String> = parts.iter().map(|p| p.replace('/', ":")).collect();
            let last = dir.join(&names[names.len() - 1]);
            // Inside a disc image the volume's root is the image's.
            if let Some((image, inner)) = crate::disk::split_image_path(movie) {
                let mut folders: Vec<&str> = inner.split('/').filter(|s| !s.is_empty()).collect();
                folders.pop();
                let rel = names.join("/");
                return (0..=folders.len())
                    .rev()
                    .map(|n| {
                        let mut p = folders[..n].join("/");
                        if !p.is_empty() {
                            p.push('/');
                        }
                        PathBuf::from(format!("{}//{p}{rel}", image.display()))
                    })
                    .chain(std::iter::once(last))
                    .find_map(|p| opens(&p));
            }
            let rel: PathBuf = names.iter().collect();
            dir.ancestors()
                .map(|d| d.join(&rel))
                .chain(std::iter::once(last))
                .find_map(|p| opens(&p))
        }
        Target::Other { .. } => None,
    }
}

/// `path` with each part that does not exist as written replaced by the one
/// entry of its folder whose name matches ignoring case (folders of at most
/// 10,000 entries are searched).
fn match_case(path: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let mut at = PathBuf::new();
    for c in path.components() {
        let Component::Normal(name) = c else {
            at.push(c.as_os_str());
            continue;
        };
        let exact = at.join(name);
        if exact.exists() {
            at = exact;
            continue;
        }
        let want = name.to_str()?.to_lowercase();
        let folder = if at.as_os_str().is_empty() {
            Path::new(".")
        } else {
            at.as_path()
        };
        let entry = std::fs::read_dir(folder)
            .ok()?
            .take(10_000)
            .filter_map(|e| e.ok())
            .find(|e| {
                e.file_name()
                    .to_str()
                    .is_some_and(|n| n.to_lowercase() == want)
            })?;
        at = at.join(entry.file_name());
    }
    Some(at)
}

/// `%xx` escapes of a URL path decoded (bytes as UTF-8, else as they are).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests;
