//! `qtvr`: read and show QuickTime VR movies.
//!
//! Data flows one way, one folder per stage:
//!
//! 1. [`container`] — file bytes → atoms, tracks, sample tables.
//! 2. [`qtvr`] — tracks → the QTVR scene: nodes, panoramas, objects, hot spots
//!    (QTVR 1.0 and 2.x read into one model).
//! 3. [`codec`] — one video sample → pixels (JPEG, Cinepak, Apple Video,
//!    Graphics, Animation, raw, PNG/GIF/TIFF), with the Mac palettes.
//! 4. [`tiles`] — the samples of image and hot spot tracks decoded in order from
//!    sync samples, in parallel, with placeholders for what cannot be decoded.
//! 5. [`assemble`] — decoded tiles → the node's pictures: upright cylinders,
//!    cube faces placed by their orientation, object views.
//! 6. [`render`] — the wgpu renderer: pictures → GPU textures → frames, in a
//!    window or offscreen. Navigation state and view geometry ([`view`]) are
//!    plain data shared with it.
//! 7. [`cli`] — the command-line front end (`qtvr info`, `qtvr render`, `qtvr export`, ...).
//! 8. [`app`] — the desktop viewer: the window shell (the only module that
//!    knows winit), drawing with the same renderer plus the controls of
//!    [`ui`], navigating with [`view::nav`].
//!
//! [`demo`] makes the bundled demo movie (`assets/demo.mov`) with the QTVR
//! writer [`qtvr::write`].
//!
//! Every input file is untrusted: sizes are checked before allocation and drawn
//! from a [`limits::Budget`] set from the file size; errors name the atom and
//! its offset.

pub mod app;
pub mod assemble;
pub mod cli;
pub mod codec;
pub mod container;
pub mod demo;
pub mod error;
pub mod limits;
pub mod qtvr;
pub mod render;
pub mod source;
pub mod text;
pub mod tiles;
pub mod ui;
pub mod view;

pub use error::{Error, Result, Warning};
