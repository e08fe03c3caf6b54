//! `qtvr`: show QuickTime VR movies.
//!
//! Two crates. The format library, `qtvr-format` ([`qtvr_format`], in
//! `crates/qtvr-format`), turns bytes into scenes and pixels and back, with no
//! window or GPU code; this crate, the viewer, draws and navigates what it
//! makes. Data flows one way, one folder per stage:
//!
//! 1. [`qtvr_format::container`] — file bytes → atoms, tracks, sample tables.
//! 2. [`qtvr_format::qtvr`] — tracks → the QTVR scene: nodes, panoramas,
//!    objects, hot spots (QTVR 1.0 and 2.x read into one model); its `write`
//!    module writes QTVR 2 movies.
//! 3. [`qtvr_format::codec`] — one video sample → pixels (JPEG, Cinepak, Apple
//!    Video, Graphics, Animation, raw, PNG/GIF/TIFF), with the Mac palettes.
//! 4. [`qtvr_format::tiles`] — the samples of image and hot spot tracks decoded
//!    in order from sync samples, in parallel, with placeholders for what
//!    cannot be decoded.
//! 5. [`qtvr_format::assemble`] — decoded tiles → the node's pictures: upright
//!    cylinders, cube faces placed by their orientation, object frames.
//!
//! Then, in this crate:
//!
//! 6. [`render`] — the wgpu renderer (the only module that knows wgpu):
//!    pictures → GPU textures → frames, in a window surface or offscreen.
//!    Navigation state and view geometry ([`view`]) are plain data shared with
//!    it.
//! 7. [`cli`] — the command-line front end (`qtvr info`, `qtvr render`, `qtvr export`, ...).
//! 8. [`viewer`] — the desktop viewer's logic as plain data (no window, no
//!    GPU): input events in, effects out, navigating with [`view::nav`] and
//!    drawing the controls of [`ui`].
//! 9. [`app`] — the window shell (the only module that knows winit): winit
//!    events into the viewer, its effects carried out with the renderer.
//!
//! [`timeline`] marks the stages of a launch for performance work.
//!
//! The bundled demo movie (`assets/demo.mov`, embedded in the program) is made
//! by the `qtvr-demo` tools crate (`crates/qtvr-demo`) with the QTVR writer.
//! `tests/architecture.rs` keeps these boundaries.
//!
//! Every input file is untrusted: sizes are checked before allocation and drawn
//! from a [`qtvr_format::limits::Budget`] set from the file size; errors name
//! the atom and its offset.

// `unsafe` only where a system library loaded at run time is called:
// src/audio/output/alsa.rs (checked by tests/architecture.rs).
#![deny(unsafe_code)]

pub mod app;
pub mod audio;
pub mod budget;
pub mod cli;
pub mod convert;
pub mod render;
pub mod timeline;
pub mod ui;
pub mod view;
pub mod viewer;
pub mod web;
