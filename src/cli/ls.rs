//! `qtvr ls IMAGE`: the QuickTime movies inside a disc image (HFS, HFS+,
//! Apple partition map, hybrid ISO 9660 + HFS), one per line, each named as
//! the other commands accept it (`IMAGE//Folder/Movie`). The listing itself
//! (which files are movies, and of what kind) is the viewer loader's
//! (`crate::viewer::listing`), shared with the window's disc image chooser.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use qtvr_format::disk::Image;

pub use crate::viewer::listing::{Kind, Listed, Listing, SCHEMA, list_image};

/// Opens and lists the image at `path`; `Err` is the message for stderr.
pub fn list(path: &Path) -> Result<Listing, String> {
    let shown = path.display().to_string();
    match Image::open(path) {
        Ok(Some(image)) => Ok(list_image(&image, &shown)),
        Ok(None) => Err(format!(
            "{shown}: not a disc image (no HFS, HFS+ or ISO 9660 volume, no Apple partition map)"
        )),
        Err(qtvr_format::Error::IsDirectory(_)) => {
            Err(format!("{shown} is a directory, not a disc image"))
        }
        Err(e @ qtvr_format::Error::Io { .. }) => Err(e.to_string()),
        Err(e) => Err(format!("{shown}: {e}")),
    }
}

/// One line per movie: path, data fork size in bytes and kind, separated by
/// tabs.
pub fn to_text(l: &Listing) -> String {
    let mut s = String::new();
    for m in &l.movies {
        let _ = writeln!(s, "{}\t{}\t{}", m.path, m.size, m.describe());
    }
    s
}

/// The listing as JSON (schema in docs/cli.md).
pub fn to_json(l: &Listing) -> String {
    serde_json::to_string_pretty(l).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// What the viewer opens for `qtvr FILE` when FILE is a disc image.
#[derive(Debug)]
pub enum Pick {
    /// Not a disc image: open FILE itself.
    NotAnImage,
    /// The image's only QTVR movie (`IMAGE//PATH`).
    Movie(PathBuf),
    /// None or several (`qtvr` of them): the message to print (the list to
    /// choose from). The window offers several in its chooser.
    Choose { qtvr: usize, message: String },
}

/// For the viewer: the one QTVR movie of a disc image, or the list to
/// choose from.
pub fn pick(path: &Path) -> Pick {
    // Anything that is not a readable image is left to the movie reader.
    let Ok(Some(image)) = Image::open(path) else {
        return Pick::NotAnImage;
    };
    let shown = path.display().to_string();
    let l = list_image(&image, &shown);
    let vr: Vec<&Listed> = l.movies.iter().filter(|m| m.kind.is_qtvr()).collect();
    if let [one] = vr[..] {
        return Pick::Movie(PathBuf::from(&one.path));
    }
    let mut msg = if vr.is_empty() {
        format!(
            "{shown} is a disc image ({} volume \"{}\") without QuickTime VR movies",
            l.volume_kind, l.volume
        )
    } else {
        format!(
            "{shown} is a disc image with {} QuickTime VR movies; open one of them:",
            vr.len()
        )
    };
    for m in &vr {
        let _ = write!(msg, "\n  qtvr '{}'", m.path.replace('\'', "'\\''"));
    }
    if vr.is_empty() && !l.movies.is_empty() {
        msg.push_str(&format!("\n{}", to_text(&l).trim_end()));
    }
    Pick::Choose {
        qtvr: vr.len(),
        message: msg,
    }
}
