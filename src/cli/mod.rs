//! The commands besides the viewer: `qtvr info` (text and JSON), `qtvr
//! render` and `qtvr export` (offscreen, with the same renderer as the
//! window), and `qtvr install-desktop` / `uninstall-desktop` ([`desktop`]).
//! `src/main.rs` parses the command line and prints what these return.

pub mod convert;
pub mod desktop;
pub mod export;
pub mod info;
pub mod ls;
pub mod render;
pub mod sound;
