//! `qtvr convert`: every QuickTime VR movie in folders, zip archives and disc
//! images converted at once. [`discover`] finds and tells apart every file
//! of the inputs (by content, never by name); [`run`] converts the QTVR
//! movies in parallel under a memory budget, skipping what an earlier run
//! did, and writes `report.json` and the gallery ([`gallery`]). The command
//! line (progress, Ctrl+C, exit codes) is `crate::cli::convert`.

pub mod discover;
pub mod gallery;
pub mod run;
