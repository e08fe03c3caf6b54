//! `qtvr`: read and show QuickTime VR movies.
//!
//! Data flows one way, one folder per stage:
//!
//! 1. [`container`] — file bytes → atoms, tracks, sample tables.
//! 2. [`qtvr`] — tracks → the QTVR scene: nodes, panoramas, objects, hot spots
//!    (QTVR 1.0 and 2.x read into one model).
//! 3. [`cli`] — the command-line front end (`qtvr info`, ...).
//!
//! Every input file is untrusted: sizes are checked before allocation and drawn
//! from a [`limits::Budget`] set from the file size; errors name the atom and
//! its offset.

pub mod cli;
pub mod codec;
pub mod container;
pub mod error;
pub mod limits;
pub mod qtvr;
pub mod source;
pub mod text;
pub mod tiles;

pub use error::{Error, Result, Warning};
