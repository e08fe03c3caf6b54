//! Movies that point elsewhere: reference movies (`rmra`) and alias records
//! (`alis` data references and reference-movie targets).
//!
//! A reference movie's `moov` holds no tracks but a `rmra` ("reference movie
//! record") atom with one `rmda` ("reference movie descriptor") per
//! alternate: its target (`rdrf`: a URL or an alias record) and the selectors
//! QuickTime chose by — data rate (`rmdr`), quality (`rmqu`), CPU speed
//! (`rmcs`), a version check (`rmvc`) and a language (`rmla`). Pages: QTFF
//! "Reference movies" and "Data reference atoms"; the alias record layout is
//! Inside Macintosh: Files / the Alias Manager's `AliasRecord` (version 2):
//! a volume name (Str27), a file name (Str63) and tagged extra data (tag 0: the
//! parent folder's name, tag 2: the full `Volume:Folder:File` path).
//!
//! Nothing maintained in Rust reads these, so they are read here. Every
//! length is checked against the atom it stands in; names are Mac Roman.

use serde::Serialize;

use super::FourCC;
use super::reader::AtomBody;
use crate::error::{Problem, Result};
use crate::text::mac_text;

/// Where an alias record points: the names it keeps (any may be missing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Alias {
    /// The volume's name.
    pub volume: String,
    /// The file's name.
    pub file: String,
    /// The name of the folder holding the file (extra data tag 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    /// The full path, `Volume:Folder:…:File` (extra data tag 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl Alias {
    /// The path's parts below the volume (`Folder`, …, `File`), from the full
    /// path when the record has one, else the folder and file names.
    pub fn parts(&self) -> Vec<String> {
        if let Some(p) = &self.path {
            let mut parts: Vec<String> = p.split(':').map(str::to_string).collect();
            if parts.len() > 1 {
                parts.remove(0);
            }
            parts.retain(|s| !s.is_empty());
            if !parts.is_empty() {
                return parts;
            }
        }
        self.folder
            .iter()
            .cloned()
            .chain(std::iter::once(self.file.clone()))
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// Reads an alias record (`AliasRecord`, version 2; version 3 records keep
/// only what the extra data says).
pub fn read_alias(data: &[u8]) -> Option<Alias> {
    let u16_at = |at: usize| -> Option<u16> {
        Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
    };
    let pascal = |at: usize, max: usize| -> Option<String> {
        let len = usize::from(*data.get(at)?).min(max);
        Some(mac_text(data.get(at + 1..at + 1 + len)?))
    };
    let version = u16_at(6)?;
    if version != 2 {
        return None;
    }
    let mut alias = Alias {
        volume: pascal(10, 27)?,
        file: pascal(50, 63)?,
        ..Alias::default()
    };
    // Extra data: (tag, length, bytes padded to even) until tag -1.
    let mut at = 150usize;
    for _ in 0..64 {
        let Some(tag) = u16_at(at).map(|t| t as i16) else {
            break;
        };
        if tag == -1 {
            break;
        }
        let Some(len) = u16_at(at + 2).map(usize::from) else {
            break;
        };
        let Some(bytes) = data.get(at + 4..at + 4 + len) else {
            break;
        };
        match tag {
            0 => alias.folder = Some(mac_text(bytes)),
            2 => alias.path = Some(mac_text(bytes)),
            _ => {}
        }
        at += 4 + len + (len & 1);
    }
    Some(alias)
}

/// What a reference movie's alternate (or a data reference) points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Target {
    /// A URL, absolute or relative to the movie's folder.
    Url { url: String },
    /// A file named by an alias record.
    Alias(Alias),
    /// A data reference of another kind (its type), not followed.
    Other { kind: String },
}

/// One alternate of a reference movie (`rmda`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alternate {
    pub target: Target,
    /// `rmdr`: the minimum data rate it needs, as stored (the highest that
    /// exists is taken to be the best).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_rate: Option<u32>,
    /// `rmqu`: its quality (higher is better).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<u32>,
    /// `rmcs`: the CPU speed it needs (QuickTime's rating: 100 to 2³¹ in
    /// steps of 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_speed: Option<u16>,
    /// `rmvc`: the Gestalt selector of a version check (e.g. `qtim`), as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_check: Option<String>,
    /// `rmla`: its language code (Mac language codes; 0 English).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<u16>,
}

/// Reads a data reference's target: `url ` text or an `alis` record; `kind`
/// is the reference type, `data` what follows it.
pub fn target(kind: FourCC, data: &[u8]) -> Target {
    match &kind.0 {
        b"url " => Target::Url {
            url: mac_text(data),
        },
        b"alis" => match read_alias(data) {
            Some(a) => Target::Alias(a),
            None => Target::Other {
                kind: kind.to_string(),
            },
        },
        _ => Target::Other {
            kind: kind.to_string(),
        },
    }
}

/// `rmra` (QTFF "Reference movie record atom"): its alternates, in order.
/// An `rmda` without a usable `rdrf` is skipped.
pub fn read_rmra(rmra: &AtomBody<'_>) -> Result<Vec<Alternate>> {
    let mut out = Vec::new();
    for rmda in rmra.children().lenient_tail() {
        let rmda = rmda?;
        if rmda.kind.0 != *b"rmda" {
            continue;
        }
        // At most a few thousand alternates: a reference movie lists a handful.
        if out.len() >= 4096 {
            return Err(rmra.error(Problem::Invalid("more than 4096 alternates".into())));
        }
        let mut alt = Alternate {
            target: Target::Other {
                kind: String::new(),
            },
            data_rate: None,
            quality: None,
            cpu_speed: None,
            version_check: None,
            language: None,
        };
        let mut has_target = false;
        for c in rmda.children().lenient_tail() {
            let c = c?;
            let mut f = c.fields();
            match &c.kind.0 {
                b"rdrf" => {
                    f.version_flags()?;
                    let kind = f.fourcc()?;
                    let len = f.u32()? as usize;
                    let data = f.bytes(len)?;
                    alt.target = target(kind, data);
                    has_target = true;
                }
                b"rmdr" => {
                    f.version_flags()?;
                    alt.data_rate = Some(f.u32()?);
                }
                b"rmqu" => alt.quality = Some(f.u32()?),
                b"rmcs" => {
                    f.version_flags()?;
                    alt.cpu_speed = Some(f.u16()?);
                }
                b"rmvc" => {
                    f.version_flags()?;
                    alt.version_check = Some(f.fourcc()?.to_string());
                }
                b"rmla" => {
                    f.version_flags()?;
                    alt.language = Some(f.u16()?);
                }
                _ => {}
            }
        }
        if has_target {
            out.push(alt);
        }
    }
    Ok(out)
}

/// The alternate to open: among those `exists` says are at hand, the one of
/// the highest data rate, then quality; where none is, the first that exists
/// at all; None when none does.
pub fn best_alternate(alternates: &[Alternate], exists: impl Fn(&Target) -> bool) -> Option<usize> {
    alternates
        .iter()
        .enumerate()
        .filter(|(_, a)| exists(&a.target))
        .max_by_key(|(i, a)| {
            (
                a.data_rate.unwrap_or(0),
                a.quality.unwrap_or(0),
                // Earlier alternates win ties.
                std::cmp::Reverse(*i),
            )
        })
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::build::{Body, container, full_atom};
    use crate::container::reader::parse_atom_at;
    use crate::error::Location;

    /// An alias record (version 2) for `Volume:Folder:File`.
    pub(crate) fn alias_record(volume: &str, folder: &str, file: &str) -> Vec<u8> {
        let mut r = vec![0u8; 150];
        r[6..8].copy_from_slice(&2u16.to_be_bytes());
        r[10] = volume.len() as u8;
        r[11..11 + volume.len()].copy_from_slice(volume.as_bytes());
        r[50] = file.len() as u8;
        r[51..51 + file.len()].copy_from_slice(file.as_bytes());
        let mut extra = |tag: i16, bytes: &[u8]| {
            r.extend_from_slice(&tag.to_be_bytes());
            r.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
            r.extend_from_slice(bytes);
            if bytes.len() % 2 == 1 {
                r.push(0);
            }
        };
        extra(0, folder.as_bytes());
        extra(2, format!("{volume}:{folder}:{file}").as_bytes());
        r.extend_from_slice(&(-1i16).to_be_bytes());
        r.extend_from_slice(&0u16.to_be_bytes());
        let size = r.len() as u16;
        r[4..6].copy_from_slice(&size.to_be_bytes());
        r
    }

    fn rmda(kind: &[u8; 4], data: &[u8], rate: Option<u32>, quality: Option<u32>) -> Vec<u8> {
        let mut children = vec![full_atom(
            b"rdrf",
            0,
            0,
            &Body::new()
                .bytes(kind)
                .u32(data.len() as u32)
                .bytes(data)
                .done(),
        )];
        if let Some(r) = rate {
            children.push(full_atom(b"rmdr", 0, 0, &Body::new().u32(r).done()));
        }
        if let Some(q) = quality {
            children.push(container(b"rmqu", &[q.to_be_bytes().to_vec()]));
        }
        children.push(full_atom(b"rmla", 0, 0, &Body::new().u16(0).done()));
        container(b"rmda", &children)
    }

    fn alternates(rmra: &[u8]) -> Vec<Alternate> {
        let (a, _) = parse_atom_at(rmra, 0, Location::file(0)).unwrap();
        read_rmra(&a).unwrap()
    }

    #[test]
    fn alternates_with_their_selectors_and_the_best_one() {
        let rmra = container(
            b"rmra",
            &[
                rmda(b"url ", b"small.mov\0", Some(2000), Some(100)),
                rmda(
                    b"alis",
                    &alias_record("CD", "Movies", "Big.mov"),
                    Some(20000),
                    Some(300),
                ),
                rmda(b"url ", b"http://example.com/x.mov\0", Some(50000), None),
            ],
        );
        let alts = alternates(&rmra);
        assert_eq!(alts.len(), 3);
        assert_eq!(
            alts[0].target,
            Target::Url {
                url: "small.mov".into()
            }
        );
        assert_eq!(
            (alts[0].data_rate, alts[0].quality),
            (Some(2000), Some(100))
        );
        assert_eq!(alts[0].language, Some(0));
        let Target::Alias(a) = &alts[1].target else {
            panic!("{:?}", alts[1].target)
        };
        assert_eq!(a.volume, "CD");
        assert_eq!(a.file, "Big.mov");
        assert_eq!(a.folder.as_deref(), Some("Movies"));
        assert_eq!(a.parts(), vec!["Movies".to_string(), "Big.mov".into()]);
        // The URL one is never at hand: the alias (highest rate among those
        // that exist), else the first.
        let local = |t: &Target| !matches!(t, Target::Url { url } if url.contains("://"));
        assert_eq!(best_alternate(&alts, local), Some(1));
        let only_small = |t: &Target| matches!(t, Target::Url { url } if url == "small.mov");
        assert_eq!(best_alternate(&alts, only_small), Some(0));
        assert_eq!(best_alternate(&alts, |_| false), None);
    }

    #[test]
    fn a_reference_movie_is_its_alternates_alone() {
        let file = container(
            b"moov",
            &[container(
                b"rmra",
                &[rmda(b"url ", b"movie_56k.mov\0", Some(5600), None)],
            )],
        );
        let movie =
            crate::container::read_movie(&file, &crate::limits::Budget::for_file(1 << 20)).unwrap();
        assert!(movie.tracks.is_empty());
        assert_eq!(movie.alternates.len(), 1);
        assert_eq!(
            movie.alternates[0].target,
            Target::Url {
                url: "movie_56k.mov".into()
            }
        );
        // An alias data reference to another file keeps its names.
        let mut dref = Vec::new();
        dref.extend_from_slice(&alias_record("Disc", "Media", "Scene.mov"));
        let a = read_alias(&dref).unwrap();
        assert_eq!(a.path.as_deref(), Some("Disc:Media:Scene.mov"));
    }

    #[test]
    fn broken_records_give_errors_or_nothing() {
        // An rdrf whose length runs past its atom.
        let bad = container(
            b"rmra",
            &[container(
                b"rmda",
                &[full_atom(
                    b"rdrf",
                    0,
                    0,
                    &Body::new().bytes(b"url ").u32(1000).done(),
                )],
            )],
        );
        let (a, _) = parse_atom_at(&bad, 0, Location::file(0)).unwrap();
        assert!(read_rmra(&a).is_err());
        // Alias records: too short, wrong version, names longer than their field.
        assert_eq!(read_alias(&[0; 20]), None);
        let mut r = alias_record("V", "F", "x");
        r[7] = 3;
        assert_eq!(read_alias(&r), None);
        let mut r = alias_record("V", "F", "x");
        r[10] = 200;
        r.truncate(40);
        assert_eq!(read_alias(&r), None);
        // Extra data that runs past the end is ignored, the names kept.
        let mut r = alias_record("Vol", "F", "file");
        r.truncate(160);
        let a = read_alias(&r).unwrap();
        assert_eq!((a.volume.as_str(), a.file.as_str()), ("Vol", "file"));
    }
}
