//! A test archive as archivists hand them to `qtvr convert`: nested folders
//! with Mac Roman names (as UTF-8), QuickTime VR movies without file name
//! extensions — flat, in MacBinary, as a data fork with its AppleDouble
//! `._NAME` — an HFS disc image and a damaged one, a zip made on a Mac
//! (`__MACOSX/` members, a deep one, a Mac Roman name, a nested zip, a disc
//! image, a duplicate), a hostile zip (zip-slip names, a declared zip
//! bomb), non-movies (text, PNG, JPEG, `.DS_Store`, an empty file, a
//! MacBinary text file), a corrupt and a truncated movie, a plain QuickTime
//! movie, duplicates, and a link to a folder.
//! [`build_archive`] writes it and says what discovery should find.
//!
//! The test that includes this file also includes `support/diskimg.rs`,
//! `support/objects.rs` and `support/tours.rs` as the modules `diskimg`,
//! `objects` and `tours` of its crate root.

#![allow(dead_code)]

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use crate::diskimg::{self, Content, FileSpec};
use crate::{objects, tours};
use qtvr_format::container::build::{Layout, MovieWriter, TrackSpec, video_entry};
use qtvr_format::container::{FourCC, scan_top_level};
use qtvr_format::mac::{FinderInfo, apple_single, macbinary, resource};
use qtvr_format::qtvr::View;
use qtvr_format::qtvr::scene::NodeId;
use qtvr_format::qtvr::write::{CylinderSpec, PanoLimits, Tour, TourContent, TourNode};

/// What discovery should say of one file.
#[derive(Debug, Clone, PartialEq)]
pub enum Want {
    /// A QTVR movie of `nodes` nodes, `summary` as `discover::summary` says.
    Qtvr { nodes: usize, summary: &'static str },
    /// A plain QuickTime movie.
    Movie,
    /// A broken movie.
    Broken,
    /// Not a movie; the reason contains this.
    NotAMovie(&'static str),
    /// The AppleDouble resource fork of this file (as `Found::path`).
    Sidecar(String),
    /// A zip archive or disc image; what it is contains this.
    Container(&'static str),
    /// Not read (a refused zip member); the message contains this.
    Unreadable(&'static str),
}

/// What [`build_archive`] made.
pub struct Expected {
    /// The inputs to hand to discovery.
    pub inputs: Vec<PathBuf>,
    /// Every file discovery should list (`Found::path`), and what it is.
    pub items: Vec<(String, Want)>,
    /// Groups of paths whose movies are the same bytes (equal digests); no
    /// other two movies share a digest.
    pub duplicates: Vec<Vec<String>>,
    /// Paths that must never be written: where the hostile zip's members
    /// would land if their names were followed.
    pub never_written: Vec<PathBuf>,
}

const MOOV_TVOD: FinderInfo = FinderInfo {
    file_type: FourCC(*b"MooV"),
    creator: FourCC(*b"TVOD"),
};

const TOUR: &str = "tour of 3 nodes: 1 cylindrical panorama, 1 cubic panorama, 1 object";
const PANO: &str = "cylindrical panorama";
const OBJECT: &str = "object";

/// A one-node cylinder panorama, its colours set by `seed` (so each is
/// different bytes).
pub fn panorama(seed: u8) -> Vec<u8> {
    let image = image::RgbImage::from_fn(96, 32, |x, y| {
        image::Rgb([
            (x * 2) as u8 ^ seed,
            (y * 8) as u8,
            200u8
                .wrapping_sub(x as u8)
                .wrapping_add(seed.wrapping_mul(37)),
        ])
    });
    Tour {
        name: Some(format!("Pano {seed}")),
        default_node: NodeId(1),
        nodes: vec![TourNode {
            id: NodeId(1),
            name: Some("Field".into()),
            content: TourContent::Cylinder(CylinderSpec {
                image,
                tiles: 2,
                hotspots: None,
                limits: PanoLimits {
                    pan: [0.0, 360.0],
                    tilt: [-20.0, 20.0],
                    fov: [5.0, 40.0],
                    default: View {
                        pan: 0.0,
                        tilt: 0.0,
                        fov: 30.0,
                    },
                },
            }),
            hotspots: Vec::new(),
        }],
        jpeg_quality: 85,
    }
    .write()
    .expect("a valid panorama")
}

/// A QuickTime movie that is not QTVR: one JPEG video frame.
pub fn plain_movie() -> Vec<u8> {
    MovieWriter {
        timescale: 600,
        tracks: vec![TrackSpec {
            id: 1,
            enabled: true,
            handler: *b"vide",
            media_timescale: 600,
            descriptions: vec![video_entry(b"jpeg", 64, 48, 24, None)],
            samples: vec![(b"\xff\xd8\xff\xe0 not really a JPEG \xff\xd9".to_vec(), 600)],
            width: 64,
            height: 48,
            ..Default::default()
        }],
        ..Default::default()
    }
    .finish_with(Layout {
        ftyp: false,
        moov_first: true,
    })
}

/// Where the movie atom of a flat movie is: (offset, size).
fn moov_of(flat: &[u8]) -> (usize, usize) {
    let (atoms, _) = scan_top_level(&flat.to_vec()).expect("a movie");
    let m = atoms
        .iter()
        .find(|a| a.kind.0 == *b"moov")
        .expect("a movie atom");
    (m.offset as usize, m.size as usize)
}

/// A flat movie as a classic Mac file: the data fork (its movie atom
/// blanked to `free`) and the resource fork (the movie atom as `moov`
/// resource 128).
pub fn split(flat: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (at, size) = moov_of(flat);
    let moov = flat[at..at + size].to_vec();
    let mut data = flat.to_vec();
    data[at + 4..at + 8].copy_from_slice(b"free");
    data[at + 8..at + size].fill(0);
    let rsrc = resource::write(&[(FourCC(*b"moov"), 128, &moov)]);
    (data, rsrc)
}

/// A movie whose movie atom's first child claims more bytes than the
/// movie atom holds.
pub fn corrupt(flat: &[u8]) -> Vec<u8> {
    let (at, _) = moov_of(flat);
    let mut v = flat.to_vec();
    v[at + 8..at + 12].copy_from_slice(&0xFFFF_FF00u32.to_be_bytes());
    v
}

/// A movie cut in the middle of its movie atom.
pub fn truncated(flat: &[u8]) -> Vec<u8> {
    let (at, size) = moov_of(flat);
    flat[..at + size / 2].to_vec()
}

/// A zip of `(name, bytes)` members, deflated, made "on a Mac" when `mac`.
pub fn zip_of(members: &[(&str, &[u8])], mac: bool) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    if mac {
        opts = opts.system(zip::System::OsDarwin);
    }
    for (name, bytes) in members {
        w.start_file(*name, opts).expect("a zip member");
        w.write_all(bytes).expect("zip bytes");
    }
    w.finish().expect("a zip").into_inner()
}

/// Replaces each `from` in `bytes` by `to` (same length): a member name,
/// in its local and central headers.
pub fn patch_name(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut hits = 0;
    for i in 0..=bytes.len() - from.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            hits += 1;
        }
    }
    assert_eq!(hits, 2, "{}", String::from_utf8_lossy(from));
}

/// Sets member `i`'s declared uncompressed size in both of its headers.
pub fn patch_size(zip: &mut [u8], i: usize, size: u32) {
    let a = zip::ZipArchive::new(Cursor::new(zip.to_vec())).expect("a zip");
    let m = a.by_index_data(i).expect("a member");
    let (local, central) = (m.header_start() as usize, m.central_header_start() as usize);
    zip[local + 22..local + 26].copy_from_slice(&size.to_le_bytes());
    zip[central + 24..central + 28].copy_from_slice(&size.to_le_bytes());
}

/// A tiny PNG and JPEG.
fn png() -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbImage::from_pixel(8, 8, image::Rgb([200, 30, 30]))
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("a PNG");
    out
}

fn jpeg() -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbImage::from_pixel(16, 16, image::Rgb([30, 200, 30]))
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .expect("a JPEG");
    out
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("folders");
    std::fs::write(path, bytes).expect("a file");
}

/// Builds the archive inside `dir` (which should be empty): the folder
/// `dir/Archive` and the zip `dir/Extra.zip`, the two inputs.
pub fn build_archive(dir: &Path) -> Expected {
    let root = dir.join("Archive");
    let mut items: Vec<(String, Want)> = Vec::new();
    let mut add = |p: &str, w: Want| items.push((p.to_string(), w));
    let qtvr = |nodes, summary| Want::Qtvr { nodes, summary };
    let sidecar = |of: &str| Want::Sidecar(of.to_string());
    let tour = tours::tour();

    // Flat movies in folders with Mac Roman names, one hidden.
    write(&root.join("Café/Tour"), &tour);
    add("Archive/Café/Tour", qtvr(3, TOUR));
    write(&root.join("Café/Übersicht/Pano"), &panorama(1));
    add("Archive/Café/Übersicht/Pano", qtvr(1, PANO));
    write(&root.join("Café/Übersicht/.Hidden Pano"), &panorama(2));
    add("Archive/Café/Übersicht/.Hidden Pano", qtvr(1, PANO));

    // MacBinary, and a data fork with its AppleDouble file.
    let (data, rsrc) = split(&objects::labelled_object(2, 3, Default::default()));
    write(
        &root.join("Ω/Die"),
        &macbinary::write("Die", MOOV_TVOD, &data, &rsrc, false),
    );
    add("Archive/Ω/Die", qtvr(1, OBJECT));
    let (data, rsrc) = split(&panorama(3));
    write(&root.join("Ω/Fork Tour"), &data);
    write(
        &root.join("Ω/._Fork Tour"),
        &apple_single::write(MOOV_TVOD, None, &rsrc),
    );
    add("Archive/Ω/Fork Tour", qtvr(1, PANO));
    add("Archive/Ω/._Fork Tour", sidecar("Archive/Ω/Fork Tour"));

    // An HFS disc image.
    let (old_data, old_rsrc) = split(&tour);
    let mut old = FileSpec::new("QTVR Demos/Old Tour", Content::Bytes(old_data), b"MooV");
    old.rsrc = Content::Bytes(old_rsrc);
    let cd = diskimg::hfs(
        "QTVR CD",
        512,
        &[
            FileSpec::new("QTVR Demos/Tower", Content::Bytes(panorama(4)), b"MooV"),
            FileSpec::new(
                "QTVR Demos/Café Die",
                Content::Bytes(objects::labelled_object(1, 4, Default::default())),
                b"MooV",
            ),
            old,
            FileSpec::new(
                "QTVR Demos/Broken",
                Content::Bytes(vec![7u8; 3000]),
                b"MooV",
            ),
            FileSpec::new(
                "Read Me",
                Content::Bytes(b"Double-click the movies.\r".to_vec()),
                b"TEXT",
            ),
        ],
    );
    std::fs::create_dir_all(root.join("Discs")).expect("a folder");
    cd.to_file(&root.join("Discs/QTVR CD"));
    add("Archive/Discs/QTVR CD", Want::Container("HFS disc image"));
    add("Archive/Discs/QTVR CD/QTVR Demos/Tower", qtvr(1, PANO));
    add("Archive/Discs/QTVR CD/QTVR Demos/Café Die", qtvr(1, OBJECT));
    add("Archive/Discs/QTVR CD/QTVR Demos/Old Tour", qtvr(3, TOUR));
    add("Archive/Discs/QTVR CD/QTVR Demos/Broken", Want::Broken);
    add(
        "Archive/Discs/QTVR CD/Read Me",
        Want::NotAMovie("text; Mac type 'TEXT'"),
    );

    // A disc image cut after its volume header: its catalog is missing.
    let mut damaged = cd.to_vec();
    damaged.truncate(1536);
    write(&root.join("Discs/Damaged CD"), &damaged);
    add(
        "Archive/Discs/Damaged CD",
        Want::Unreadable("a disc image that cannot be read"),
    );

    // A zip made on a Mac, without an extension.
    let z = "Archive/Downloads/pans archive";
    let (kitchen, kitchen_rsrc) = split(&panorama(5));
    let (hall, hall_rsrc) = split(&panorama(6));
    let inner = zip_of(&[("Inner Pano", &panorama(7))], true);
    let small_cd = diskimg::hfs(
        "Zip CD",
        512,
        &[FileSpec::new(
            "Demos/Zip Pano",
            Content::Bytes(panorama(8)),
            b"MooV",
        )],
    )
    .to_vec();
    let kitchen_double = apple_single::write(MOOV_TVOD, None, &kitchen_rsrc);
    let hall_double = apple_single::write(MOOV_TVOD, None, &hall_rsrc);
    let garden = panorama(9);
    let mut pans = zip_of(
        &[
            ("pans/", b""),
            ("pans/Kitchen", &kitchen),
            ("__MACOSX/pans/._Kitchen", &kitchen_double),
            ("pans/Garden", &garden),
            ("pans/notes.txt", b"Kitchen and garden, May 1997.\n"),
            ("pans/CafX Menu", b"Coffee, tea.\n"),
            ("pans/a/b/c/d/e/Hall", &hall),
            ("__MACOSX/pans/a/b/c/d/e/._Hall", &hall_double),
            ("pans/inner", &inner),
            ("pans/cd.img", &small_cd),
            ("pans/Tour copy", &tour),
        ],
        true,
    );
    // A Mac Roman name, without the UTF-8 flag: "Café Menu".
    patch_name(&mut pans, b"CafX Menu", b"Caf\x8E Menu");
    write(&root.join("Downloads/pans archive"), &pans);
    add(z, Want::Container("zip archive, 11 members"));
    let zp = |p: &str| format!("{z}/{p}");
    add(&zp("pans/Kitchen"), qtvr(1, PANO));
    add(&zp("__MACOSX/pans/._Kitchen"), sidecar(&zp("pans/Kitchen")));
    add(&zp("pans/Garden"), qtvr(1, PANO));
    add(&zp("pans/notes.txt"), Want::NotAMovie("text"));
    add(&zp("pans/Café Menu"), Want::NotAMovie("text"));
    add(&zp("pans/a/b/c/d/e/Hall"), qtvr(1, PANO));
    add(
        &zp("__MACOSX/pans/a/b/c/d/e/._Hall"),
        sidecar(&zp("pans/a/b/c/d/e/Hall")),
    );
    add(&zp("pans/inner"), Want::Container("zip archive, 1 member"));
    add(&zp("pans/inner/Inner Pano"), qtvr(1, PANO));
    add(&zp("pans/cd.img"), Want::Container("HFS disc image"));
    add(&zp("pans/cd.img/Demos/Zip Pano"), qtvr(1, PANO));
    add(&zp("pans/Tour copy"), qtvr(3, TOUR));

    // A hostile zip: names that climb out or are absolute, and a member
    // that declares more than any archive may extract.
    let h = "Archive/Downloads/hostile";
    let mut hostile = zip_of(
        &[
            ("ZZ/ZZ/ZZ/escape.txt", b"out"),
            ("Xtmp/qtvr-discover-abs.txt", b"abs"),
            ("bomb", &[0u8; 4096]),
            ("fine.txt", b"fine"),
        ],
        false,
    );
    patch_name(&mut hostile, b"ZZ/ZZ/ZZ/escape", b"../../../escape");
    patch_name(
        &mut hostile,
        b"Xtmp/qtvr-discover-abs",
        b"/tmp/qtvr-discover-abs",
    );
    patch_size(&mut hostile, 2, 0xF000_0000);
    write(&root.join("Downloads/hostile"), &hostile);
    add(h, Want::Container("zip archive, 4 members"));
    add(
        &format!("{h}/../../../escape.txt"),
        Want::Unreadable("zip-slip"),
    );
    add(
        &format!("{h}//tmp/qtvr-discover-abs.txt"),
        Want::Unreadable("zip-slip"),
    );
    add(&format!("{h}/bomb"), Want::Unreadable("zip bomb"));
    add(&format!("{h}/fine.txt"), Want::NotAMovie("text"));

    // Not movies.
    write(
        &root.join("Misc/readme"),
        b"These are the panoramas of 1997.\n",
    );
    add("Archive/Misc/readme", Want::NotAMovie("text"));
    write(&root.join("Misc/photo"), &png());
    add("Archive/Misc/photo", Want::NotAMovie("PNG image"));
    write(&root.join("Misc/photo 2"), &jpeg());
    add("Archive/Misc/photo 2", Want::NotAMovie("JPEG image"));
    write(&root.join("Misc/.DS_Store"), b"\0\0\0\x01Bud1\0\0\x10\0");
    add(
        "Archive/Misc/.DS_Store",
        Want::NotAMovie("not a QuickTime file"),
    );
    write(&root.join("Misc/empty"), b"");
    add("Archive/Misc/empty", Want::NotAMovie("empty file"));
    let text_type = FinderInfo {
        file_type: FourCC(*b"TEXT"),
        creator: FourCC(*b"ttxt"),
    };
    write(
        &root.join("Misc/Note.bin"),
        &macbinary::write("Note", text_type, b"A SimpleText note.\r", &[], false),
    );
    add(
        "Archive/Misc/Note.bin",
        Want::NotAMovie("text; MacBinary II (file \"Note\"); Mac type 'TEXT', creator 'ttxt'"),
    );

    // A corrupt and a truncated movie, and a plain QuickTime movie.
    write(&root.join("Broken/Corrupt Tour"), &corrupt(&tour));
    add("Archive/Broken/Corrupt Tour", Want::Broken);
    write(
        &root.join("Broken/Truncated Pano"),
        &truncated(&panorama(10)),
    );
    add("Archive/Broken/Truncated Pano", Want::Broken);
    write(&root.join("Plain/Clip"), &plain_movie());
    add("Archive/Plain/Clip", Want::Movie);

    // The tour again, in another folder.
    write(&root.join("Copies/Tour"), &tour);
    add("Archive/Copies/Tour", qtvr(3, TOUR));

    // A link to a folder (not followed).
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("..", root.join("Copies/up")).expect("a link");
        add(
            "Archive/Copies/up",
            Want::NotAMovie("symbolic link to a folder"),
        );
    }

    // A second input: a zip given by itself, holding the MacBinary die's
    // movie as a data fork and its AppleDouble file.
    let (die_data, die_rsrc) = split(&objects::labelled_object(2, 3, Default::default()));
    let extra = zip_of(
        &[
            ("Die", &die_data),
            (
                "__MACOSX/._Die",
                &apple_single::write(MOOV_TVOD, None, &die_rsrc),
            ),
        ],
        true,
    );
    write(&dir.join("Extra.zip"), &extra);
    add("Extra.zip", Want::Container("zip archive, 2 members"));
    add("Extra.zip/Die", qtvr(1, OBJECT));
    add("Extra.zip/__MACOSX/._Die", sidecar("Extra.zip/Die"));

    Expected {
        inputs: vec![root, dir.join("Extra.zip")],
        items,
        duplicates: vec![
            vec![
                "Archive/Café/Tour".into(),
                "Archive/Copies/Tour".into(),
                zp("pans/Tour copy"),
            ],
            // The same classic Mac file: in MacBinary, and unzipped as a
            // data fork with its AppleDouble file.
            vec!["Archive/Ω/Die".into(), "Extra.zip/Die".into()],
        ],
        never_written: vec![
            dir.join("escape.txt"),
            dir.parent().map_or(dir.join("x"), |p| p.join("escape.txt")),
            PathBuf::from("/tmp/qtvr-discover-abs.txt"),
        ],
    }
}
