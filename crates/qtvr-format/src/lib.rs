//! `qtvr-format`: read and write QuickTime VR movies — bytes in, scenes and
//! pixels out, and back. No windows, no GPU: this crate depends only on
//! decoders (`image`, `png`, `zune-jpeg`, `flate2`), `rayon`, `serde`,
//! `thiserror` and `unicode-normalization` (HFS+ names). The viewer (`qtvr`) draws what it makes.
//!
//! Data flows one way, one module per stage:
//!
//! 0. [`mac`] — where the bytes come from: a plain file, or the data and
//!    resource forks of a classic Mac OS file (MacBinary, AppleSingle,
//!    BinHex 4.0, AppleDouble sidecars, the macOS named fork);
//!    [`qtvr::open_forks`] reads a movie whose movie atom is the resource
//!    fork's `moov` resource.
//!    [`disk`] opens files inside disc images (HFS, HFS+, Apple partition
//!    maps, ISO 9660; `IMAGE//PATH`) as forks over the image's bytes.
//! 1. [`container`] — file bytes → atoms, tracks, sample tables (Apple's
//!    *QuickTime File Format* specification).
//! 2. [`qtvr`](mod@qtvr) — tracks → the QTVR scene: nodes, panoramas, objects, hot
//!    spots (QTVR 1.0 and 2.x read into one model). [`qtvr::write`] goes the
//!    other way: it writes QTVR 2 movies (tours of cylinders, cubes and
//!    object movies).
//! 3. [`codec`] — one video sample → pixels (JPEG, Cinepak, Apple Video,
//!    Graphics, Animation, raw, PNG/GIF/TIFF), with the Mac palettes.
//! 4. [`tiles`] — the samples of image and hot spot tracks decoded in order from
//!    sync samples, in parallel; codecs without a decoder here by an `ffmpeg`
//!    executable when one is found ([`tiles::external`], the only code here
//!    that starts a process); placeholders for what cannot be decoded.
//! 5. [`assemble`] — decoded tiles → the node's pictures: upright cylinders,
//!    cube faces placed by their orientation, object frames.
//!
//! Every input file is untrusted: sizes are checked before allocation and drawn
//! from a [`limits::Budget`] set from the file size; errors name the atom and
//! its offset. Files are read through a [`source::ByteSource`] (a byte slice, a
//! `Vec<u8>` or a [`source::FileSource`]).
//!
//! # Example
//!
//! Write a one-node panorama with the crate's own writer, open it, list its
//! nodes and decode the first node's picture:
//!
//! ```
//! use qtvr_format::assemble::{Geometry, panorama_picture};
//! use qtvr_format::qtvr::write::{CylinderSpec, PanoLimits, Tour, TourContent, TourNode};
//! use qtvr_format::qtvr::{NodeContent, NodeId, View, load};
//! use qtvr_format::tiles::DecodeOptions;
//!
//! // A 64×16 upright panorama, stored as 2 tiles.
//! let image = image::RgbImage::from_fn(64, 16, |x, y| image::Rgb([x as u8 * 4, y as u8 * 16, 128]));
//! let bytes: Vec<u8> = Tour {
//!     name: Some("Example".into()),
//!     default_node: NodeId(1),
//!     nodes: vec![TourNode {
//!         id: NodeId(1),
//!         name: Some("Field".into()),
//!         content: TourContent::Cylinder(CylinderSpec {
//!             image,
//!             tiles: 2,
//!             hotspots: None,
//!             limits: PanoLimits {
//!                 pan: [0.0, 360.0],
//!                 tilt: [-20.0, 20.0],
//!                 fov: [5.0, 40.0],
//!                 default: View { pan: 0.0, tilt: 0.0, fov: 30.0 },
//!             },
//!         }),
//!         hotspots: Vec::new(),
//!     }],
//!     jpeg_quality: 90,
//! }
//! .write()?;
//!
//! // Open it (any `ByteSource`: bytes in memory or a `FileSource`).
//! let loaded = load(&bytes)?;
//! let scene = loaded.scene.as_ref().expect("a QuickTime VR movie");
//! for node in &scene.nodes {
//!     println!("node {} {:?}", node.id, node.name);
//! }
//! assert_eq!(scene.nodes.len(), 1);
//!
//! // Decode the node's picture: one upright cylinder, 64×16 RGBA.
//! let node = &scene.nodes[0];
//! assert!(matches!(node.content, NodeContent::Panorama(_)));
//! let picture = panorama_picture(&bytes, &loaded.movie, node, &DecodeOptions::default())?;
//! let surface = &picture.surfaces[0];
//! assert!(matches!(surface.geometry, Geometry::Cylinder { wraps: true, .. }));
//! assert_eq!((surface.image.width, surface.image.height), (64, 16));
//! assert!(picture.warnings.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

pub mod assemble;
pub mod cancel;
pub mod codec;
pub mod container;
pub mod disk;
pub mod error;
mod ids;
pub mod limits;
pub mod mac;
pub mod qtvr;
pub mod sound;
pub mod source;
pub mod text;
pub mod tiles;

pub use error::{Error, Result, SceneError, Warning};
