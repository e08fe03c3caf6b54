//! Errors and warnings for everything read from a movie file.
//!
//! Every error that comes from file data names the atom it was reading and that
//! atom's byte offset, so that a user (or a bug report) can find the broken spot
//! with a hex editor. Offsets inside a compressed movie header (`cmov`) are
//! offsets into the inflated header and say so.

use std::fmt;

use crate::container::FourCC;
use crate::qtvr::{NodeId, TrackId};

/// Where an atom was found: a file offset, or an offset inside the inflated
/// compressed movie header whose `cmov` atom sits at `cmov_offset` in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Offset of the atom's first header byte.
    pub offset: u64,
    /// File offset of the `cmov` atom when `offset` counts inside its inflated data.
    pub cmov_offset: Option<u64>,
}

impl Location {
    /// A plain file offset.
    pub fn file(offset: u64) -> Self {
        Location {
            offset,
            cmov_offset: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cmov_offset {
            None => write!(f, "file offset {}", self.offset),
            Some(c) => write!(
                f,
                "offset {} of the compressed movie header ('cmov' at file offset {c})",
                self.offset
            ),
        }
    }
}

/// What is wrong with an atom.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    /// Fewer bytes remain in the parent than an atom header needs.
    #[error("atom header is cut off ({available} bytes left, {needed} needed)")]
    HeaderTruncated { needed: u64, available: u64 },
    /// The size field is smaller than the header itself.
    #[error("size {size} is smaller than its {header}-byte header")]
    SizeTooSmall { size: u64, header: u64 },
    /// The atom claims more bytes than its parent (or the file) has left.
    #[error("size {size} runs past the end of its parent ({available} bytes left)")]
    OverrunsParent { size: u64, available: u64 },
    /// A field lies past the end of the atom's body.
    #[error("body is {have} bytes but at least {need} are needed")]
    BodyTooShort { need: u64, have: u64 },
    /// A table claims more entries than its atom can hold.
    #[error("{count} entries of {entry_size} bytes do not fit in the {available} bytes left")]
    TooManyEntries {
        count: u64,
        entry_size: u64,
        available: u64,
    },
    /// A version this reader does not know.
    #[error("unsupported version {0}")]
    UnsupportedVersion(u32),
    /// Compressed movie header with an algorithm other than zlib.
    #[error("unsupported compression '{0}' (only 'zlib' is defined)")]
    UnknownCompression(FourCC),
    /// The zlib stream of a compressed movie header is broken.
    #[error("zlib data is broken: {0}")]
    Inflate(String),
    /// A required child atom is missing.
    #[error("required child atom '{0}' is missing")]
    MissingChild(FourCC),
    /// Atoms nest deeper than any real movie does.
    #[error("atoms nest deeper than {0} levels")]
    NestingTooDeep(u32),
    /// A value that cannot be right.
    #[error("{0}")]
    Invalid(String),
    /// Reading it would exceed the allocation budget.
    #[error(transparent)]
    OverBudget(#[from] crate::limits::OverBudget),
}

/// An error while opening or reading a movie.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The operating system could not read the file.
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A read inside the file failed (short file, I/O error).
    #[error("cannot read {len} bytes at file offset {offset}: {source}")]
    ReadAt {
        offset: u64,
        len: u64,
        #[source]
        source: std::io::Error,
    },
    /// The path names a directory.
    #[error("{0} is a directory, not a movie file")]
    IsDirectory(String),
    /// The file has no bytes.
    #[error("the file is empty")]
    EmptyFile,
    /// The file does not start like a QuickTime movie.
    #[error("not a QuickTime movie: {0}")]
    NotQuickTime(String),
    /// The file is atom-structured but has no movie atom.
    #[error("{0}")]
    NoMovieAtom(String),
    /// A reference movie none of whose alternates can be opened here (or
    /// whose asked-for alternate does not exist).
    #[error("{0}")]
    Reference(String),
    /// A specific atom is broken.
    #[error("'{atom}' atom at {location}: {problem}")]
    Atom {
        atom: FourCC,
        location: Location,
        problem: Problem,
    },
    /// A Mac file wrapper (MacBinary, AppleSingle, AppleDouble, BinHex) or a
    /// resource fork is broken; `offset` counts in the file or fork named
    /// by `structure`.
    #[error("{structure}, byte offset {offset}: {problem}")]
    Mac {
        /// What was being read, and in which file or fork.
        structure: String,
        offset: u64,
        problem: String,
    },
    /// The movie is QuickTime but lacks what a QTVR scene needs.
    #[error(transparent)]
    Scene(#[from] SceneError),
    /// A structure of a disc image (HFS, HFS+, partition map) is broken;
    /// `offset` is the byte offset of the structure in the image file.
    #[error("{structure} at byte offset {offset}: {problem}")]
    Disk {
        structure: String,
        offset: u64,
        problem: String,
    },
    /// A path inside a disc image (`IMAGE//PATH`) names nothing there, or
    /// the image holds no volume this reader knows.
    #[error("{0}")]
    NotInImage(String),
}

/// What a QuickTime movie lacks that its QTVR scene needs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SceneError {
    /// A QTVR 2 movie has no track with handler `qtvr`.
    #[error("QTVR 2 movie without a QTVR track (no track with handler 'qtvr')")]
    NoQtvrTrack,
    /// The QTVR track presents no samples, so there are no nodes.
    #[error("the QTVR track {track} has no samples: no nodes")]
    EmptyQtvrTrack { track: TrackId },
    /// Every node of a QTVR 2 movie failed to read.
    #[error(
        "no node of this QTVR movie could be read: {}",
        first_skip.as_deref().unwrap_or("no node samples")
    )]
    NoNodes {
        /// The warning that reported the first skipped node, if any was tried.
        first_skip: Option<String>,
    },
    /// A panorama node in a movie without a panorama track.
    #[error("node {node} is a panorama but the movie has no panorama track")]
    NoPanoramaTrack { node: NodeId },
    /// An object node in a movie without an object track.
    #[error("node {node} is an object but the movie has no object track")]
    NoObjectTrack { node: NodeId },
    /// A node whose type is neither `pano` nor `obje`.
    #[error("node {node} has unknown node type '{node_type}'")]
    UnknownNodeType { node: NodeId, node_type: FourCC },
    /// The panorama or object track has no sample at the node's time.
    #[error(
        "node {node}: track {track} (the '{samples}' samples) has no sample at the node's time"
    )]
    NoNodeSample {
        node: NodeId,
        track: TrackId,
        /// The atom the sample should hold (`pdat`, `obji`).
        samples: FourCC,
    },
    /// The panorama or object track lists no image track (`imgt`).
    #[error("node {node}: the {track_kind} track references no image track ('imgt')")]
    NoImageTrackReference {
        node: NodeId,
        /// "panorama" or "object".
        track_kind: &'static str,
    },
    /// The node's image track has no samples in the node's time span.
    #[error("node {node}: no image samples")]
    NoImageSamples { node: NodeId },
    /// A cube without `cufa` whose tile count is not 6·n².
    #[error(
        "node {node}: a cube without 'cufa' needs 6 or 6·n² tiles, its image track holds {tiles}"
    )]
    CubeTileCount { node: NodeId, tiles: usize },
    /// A VR track has fewer samples than a node needs.
    #[error("track {track} has no sample {sample}")]
    NoSample {
        track: TrackId,
        /// 1-based sample number.
        sample: usize,
    },
    /// A QTVR 1 panorama movie without a track with handler `STpn`.
    #[error("QTVR 1 panorama movie without a panorama track (handler 'STpn')")]
    NoV1PanoramaTrack,
    /// The QTVR 1 panorama track has no `pano` sample description.
    #[error("QTVR 1 panorama track {track} has no 'pano' sample description")]
    NoPanoDescription { track: TrackId },
    /// Every node of a QTVR 1 panorama failed to read.
    #[error(
        "no node of this QTVR 1 panorama could be read: {}",
        first_skip.as_deref().unwrap_or("the node list matches no panorama sample")
    )]
    NoV1Nodes {
        /// The warning that reported the first skipped node, if any was tried.
        first_skip: Option<String>,
    },
    /// A QTVR 1 panorama sample without its node header (`pHdr`).
    #[error("panorama sample at {location} has no node header ('pHdr')")]
    NoNodeHeader { location: Location },
    /// The QTVR 1 panorama node's scene track has no samples in the node's time span.
    #[error("node {node}: no scene samples")]
    NoSceneSamples { node: NodeId },
    /// A QTVR 1 object movie without `NAVG` user data.
    #[error("QTVR 1 object movie without its 'NAVG' user data")]
    NoNavg,
    /// A QTVR 1 object movie without a video track with samples.
    #[error("QTVR 1 object movie without a video track")]
    NoVideoTrack,
}

impl Error {
    /// Builds an [`Error::Mac`].
    pub fn mac(structure: impl Into<String>, offset: u64, problem: impl Into<String>) -> Self {
        Error::Mac {
            structure: structure.into(),
            offset,
            problem: problem.into(),
        }
    }

    /// Builds an [`Error::Atom`].
    pub fn atom(atom: FourCC, location: Location, problem: Problem) -> Self {
        Error::Atom {
            atom,
            location,
            problem,
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Something the reader noticed, worked around, and wants the user to know.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Warning {
    /// Where in the file, when it is known.
    pub offset: Option<u64>,
    /// What happened and what was done about it.
    pub message: String,
}

impl Warning {
    /// A warning tied to a file offset.
    pub fn at(offset: u64, message: impl Into<String>) -> Self {
        Warning {
            offset: Some(offset),
            message: message.into(),
        }
    }
    /// A warning about the movie as a whole.
    pub fn general(message: impl Into<String>) -> Self {
        Warning {
            offset: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(o) => write!(f, "{} (at file offset {o})", self.message),
            None => f.write_str(&self.message),
        }
    }
}
