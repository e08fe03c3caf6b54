//! Stage 1 — the QuickTime container: atoms, tracks, sample tables.
//!
//! Written by hand because no maintained crate reads classic QuickTime movie
//! structure as QTVR needs it (QT atom containers, `gmhd` media, `cmov`
//! compressed headers, 1990s writer quirks); the MP4 crates stop at ISO BMFF.
//! This stage knows nothing of QTVR: it turns file bytes into [`Movie`]s with
//! [`Track`]s whose samples have byte ranges, times and descriptions.

pub(crate) mod be;
pub mod build;
pub mod file;
mod fourcc;
pub mod movie;
pub mod reader;
pub mod reference;
pub mod sample_desc;
pub mod samples;
pub mod timing;

pub use file::{read_movie, read_movie_with_moov, scan_top_level};
pub use fourcc::FourCC;
pub use movie::{DataRef, Edit, Movie, RawAtom, Track, TrackReference};
pub use sample_desc::{ColorTable, SampleDescription, VideoDescription};
pub use samples::{Sample, SoundChunk, SoundChunks};
