//! The top level of a movie file: find `moov` among `ftyp`, `mdat`, `free`,
//! `skip`, `wide`, `pnot` and unknown atoms, in any order, and read it.

use super::FourCC;
use super::movie::{Movie, read_moov};
use super::reader::parse_atom_at;
use crate::error::{Error, Location, Problem, Result, Warning};
use crate::limits::Budget;
use crate::source::{ByteSource, read_vec};

/// A top-level atom as found in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopAtom {
    pub kind: FourCC,
    pub offset: u64,
    /// Declared size (for size 0: to the end of the file).
    pub size: u64,
    pub header_len: u64,
    /// The atom runs past the end of the file.
    pub truncated: bool,
}

/// Lists the top-level atoms. Fails only when the file does not look like QuickTime at all.
pub fn scan_top_level(src: &dyn ByteSource) -> Result<(Vec<TopAtom>, Vec<Warning>)> {
    let len = src.len();
    if len == 0 {
        return Err(Error::EmptyFile);
    }
    let mut atoms = Vec::new();
    let mut warnings = Vec::new();
    let mut offset = 0u64;
    while offset < len {
        let left = len - offset;
        if left < 8 {
            if atoms.is_empty() {
                return Err(Error::NotQuickTime(format!(
                    "only {len} bytes, too short for an atom"
                )));
            }
            warnings.push(Warning::at(
                offset,
                format!("{left} stray bytes at the end of the file ignored"),
            ));
            break;
        }
        let mut h = [0u8; 16];
        let n = left.min(16) as usize;
        src.read_exact_at(offset, &mut h[..n])
            .map_err(|source| Error::ReadAt {
                offset,
                len: n as u64,
                source,
            })?;
        let kind = FourCC([h[4], h[5], h[6], h[7]]);
        let size32 = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
        let (size, header_len) = match size32 {
            0 => (left, 8),
            1 if n >= 16 => (
                u64::from_be_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]]),
                16,
            ),
            1 => (0, 16),
            s => (u64::from(s), 8),
        };
        if atoms.is_empty() && !kind.is_printable() {
            return Err(Error::NotQuickTime(format!(
                "the first 8 bytes ({}) are not an atom header",
                h[..8]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            )));
        }
        if size < header_len || !kind.is_printable() {
            let e = Error::atom(
                kind,
                Location::file(offset),
                Problem::SizeTooSmall {
                    size,
                    header: header_len,
                },
            );
            if atoms.is_empty() {
                return Err(Error::NotQuickTime(e.to_string()));
            }
            if !kind.is_printable() {
                warnings.push(Warning::at(
                    offset,
                    format!(
                        "{} bytes of unrecognised data at the end of the file ignored",
                        left
                    ),
                ));
            } else {
                warnings.push(Warning::at(
                    offset,
                    format!("rest of the file ignored: {e}"),
                ));
            }
            break;
        }
        let truncated = size > left;
        atoms.push(TopAtom {
            kind,
            offset,
            size: size.min(left),
            header_len,
            truncated,
        });
        if truncated {
            warnings.push(Warning::at(
                offset,
                format!("'{kind}' atom claims {size} bytes but only {left} remain: the file is truncated"),
            ));
            break;
        }
        offset += size;
    }
    Ok((atoms, warnings))
}

/// Reads the movie atom of a file.
pub fn read_movie(src: &dyn ByteSource, budget: &Budget) -> Result<Movie> {
    let (atoms, warnings) = scan_top_level(src)?;
    let Some(moov) = atoms.iter().find(|a| a.kind.0 == *b"moov") else {
        return Err(no_moov_error(&atoms));
    };
    if moov.truncated {
        return Err(Error::atom(
            moov.kind,
            Location::file(moov.offset),
            Problem::OverrunsParent {
                size: moov.size + 1,
                available: moov.size,
            },
        ));
    }
    budget
        .reserve(moov.size)
        .map_err(|e| Error::atom(moov.kind, Location::file(moov.offset), e.into()))?;
    let bytes = read_vec(src, moov.offset, moov.size)?;
    movie_from_moov(src, &bytes, Location::file(moov.offset), warnings, budget)
}

/// Reads a movie whose movie atom comes from elsewhere than `src` (the `moov`
/// resource of a classic Mac OS file's resource fork) while its samples lie
/// in `src` (the data fork). `moov` holds the whole atom, header included;
/// `at` is where it was found, for messages (its offsets count in `moov`'s
/// own home, the resource fork). The data fork may be any bytes at all (a
/// bare `mdat`, or nothing but media), so it is not scanned for atoms.
pub fn read_movie_with_moov(
    src: &dyn ByteSource,
    moov: &[u8],
    at: Location,
    budget: &Budget,
) -> Result<Movie> {
    movie_from_moov(src, moov, at, Vec::new(), budget)
}

/// The movie of the movie atom `bytes` (found at `at`), its samples in `src`.
fn movie_from_moov(
    src: &dyn ByteSource,
    bytes: &[u8],
    at: Location,
    mut warnings: Vec<Warning>,
    budget: &Budget,
) -> Result<Movie> {
    let (body, _) = parse_atom_at(bytes, 0, at)?;
    if body.kind.0 != *b"moov" {
        return Err(Error::atom(
            body.kind,
            at,
            Problem::Invalid("expected the movie atom ('moov')".into()),
        ));
    }
    let mut movie = read_moov(&body, budget, 0)?;
    let len = src.len();
    for t in &movie.tracks {
        if !t.data_refs.iter().all(|d| d.self_contained) {
            continue;
        }
        let cut = t
            .samples
            .iter()
            .filter(|s| s.offset.saturating_add(u64::from(s.size)) > len)
            .count();
        if cut > 0 {
            warnings.push(Warning::at(
                t.offset,
                format!(
                    "track {}: {cut} of its {} samples lie past the end of the file and cannot be shown",
                    t.id,
                    t.samples.len()
                ),
            ));
        }
    }
    warnings.append(&mut movie.warnings);
    movie.warnings = warnings;
    Ok(movie)
}

/// Why a file without a movie atom cannot be read; `looked` lists where a
/// resource fork was looked for (empty: the caller did not look).
pub fn no_moov_error_looked(src: &dyn ByteSource, looked: &[String]) -> Error {
    let atoms = match scan_top_level(src) {
        Ok((atoms, _)) => atoms,
        Err(e) => return e,
    };
    match no_moov_error(&atoms) {
        Error::NoMovieAtom(mut msg) if !looked.is_empty() => {
            msg.push_str(&format!(
                " Looked for the resource fork in: {}.",
                looked.join("; ")
            ));
            Error::NoMovieAtom(msg)
        }
        e => e,
    }
}

fn no_moov_error(atoms: &[TopAtom]) -> Error {
    let kinds: Vec<String> = atoms
        .iter()
        .take(8)
        .map(|a| format!("'{}'", a.kind))
        .collect();
    let has_media = atoms.iter().any(|a| a.kind.0 == *b"mdat");
    let known = atoms.iter().any(|a| {
        matches!(
            &a.kind.0,
            b"mdat" | b"free" | b"skip" | b"wide" | b"pnot" | b"ftyp" | b"PICT"
        )
    });
    if !known {
        return Error::NotQuickTime(format!(
            "no QuickTime atoms found (first atoms: {})",
            kinds.join(", ")
        ));
    }
    let mut msg = format!(
        "no movie atom ('moov'): the file holds only {}. ",
        kinds.join(", ")
    );
    if has_media {
        msg.push_str(
            "This is the data fork of a classic Mac OS QuickTime movie whose movie atom lived in the \
             resource fork, which was lost when the file was copied off the Mac. Open the file that \
             still holds both forks (MacBinary, AppleSingle or BinHex, or the file inside its HFS \
             disk image), put its AppleDouble '._' file beside it, or re-save the movie as \
             self-contained (flattened) on a Mac.",
        );
    } else {
        msg.push_str("It has no media data either; it is not a complete movie.");
    }
    Error::NoMovieAtom(msg)
}
