//! Disc images (HFS, HFS+, Apple partition maps, hybrid ISO 9660 + HFS):
//! `qtvr ls IMAGE` lists the movies inside by content and Finder type,
//! `IMAGE//PATH` opens one in every command (names case-insensitive, Mac
//! Roman and UTF-16 as UTF-8, `:` for `/`), fragmented HFS+ forks read
//! through the extents overflow file, a 700 MB image is listed reading only
//! its catalog and the movies' headers, and an image made by Debian's
//! hfsutils is listed and its movie renders exactly as the original.
//! Images are built by the test writers in `support/diskimg.rs`.

mod common;
use common::succeeded as stdout;
#[path = "support/diskimg.rs"]
mod diskimg;
#[path = "support/objects.rs"]
mod objects;
#[path = "support/tours.rs"]
mod tours;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use diskimg::{Content, FileSpec, Img};
use qtvr_format::disk::Image;
use qtvr_format::qtvr::View;
use qtvr_format::qtvr::scene::NodeId;
use qtvr_format::qtvr::write::{CylinderSpec, PanoLimits, Tour, TourContent, TourNode};
use qtvr_format::source::ByteSource;

fn qtvr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qtvr"))
        .args(args)
        .env("QTVR_FFMPEG", "")
        .output()
        .expect("run the qtvr binary")
}

fn dir(tag: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("disk-images-{tag}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A one-node cylinder panorama.
fn panorama() -> Vec<u8> {
    let image = image::RgbImage::from_fn(128, 32, |x, y| {
        image::Rgb([(x * 2) as u8, (y * 8) as u8, 200 - x as u8])
    });
    Tour {
        name: Some("Pano".into()),
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
        jpeg_quality: 90,
    }
    .write()
    .unwrap()
}

/// The files most tests put in an image: a tour found by its type, a
/// panorama found by its content only (type `????`), an object movie, a
/// text file named like a movie (not listed), a `MooV` that is not a movie
/// (listed as unreadable), a name with `/` and one with Mac Roman letters.
fn files() -> Vec<FileSpec> {
    let mut pano = FileSpec::new("Demos/Field Pano", Content::Bytes(panorama()), b"????");
    pano.creator = *b"????";
    vec![
        FileSpec::new("Demos/Tour", Content::Bytes(tours::tour()), b"MooV"),
        pano,
        FileSpec::new(
            "Objects/Café Die",
            Content::Bytes(objects::labelled_object(2, 2, Default::default())),
            b"MooV",
        ),
        FileSpec::new(
            "Read Me.mov",
            Content::Bytes(b"not a movie at all, just text".to_vec()),
            b"TEXT",
        ),
        FileSpec::new("Broken/A:B test", Content::Bytes(vec![7u8; 3000]), b"MooV"),
    ]
}

fn write(tag: &str, img: &Img) -> (PathBuf, String) {
    let d = dir(tag);
    let p = d.join("disc.img");
    img.to_file(&p);
    let s = p.display().to_string();
    (p, s)
}

/// `qtvr ls` lists the movies (not the text file), in catalog order, each
/// with its size and kind.
fn check_listing(image: &str, volume_kind: &str) {
    let f = files();
    let out = stdout(&qtvr(&["ls", image]));
    let lines: Vec<&str> = out.lines().collect();
    let expect = [
        format!("{image}//Broken/A:B test\t3000\tunreadable movie: "),
        format!(
            "{image}//Demos/Field Pano\t{}\tQTVR panorama",
            f[1].data.len()
        ),
        format!(
            "{image}//Demos/Tour\t{}\tQTVR tour (3 nodes)",
            f[0].data.len()
        ),
        format!(
            "{image}//Objects/Café Die\t{}\tQTVR object",
            f[2].data.len()
        ),
    ];
    assert_eq!(lines.len(), expect.len(), "{out}");
    for (l, e) in lines.iter().zip(&expect) {
        assert!(
            l.starts_with(e.as_str()),
            "line {l:?}, expected {e:?}\n{out}"
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&qtvr(&["ls", "--json", image]))).unwrap();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["volume"], "Disc Vol");
    assert_eq!(json["volume_kind"], volume_kind);
    let kinds: Vec<&str> = json["movies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["unreadable", "panorama", "tour", "object"]);
    assert_eq!(json["movies"][2]["file_type"], "MooV");
    assert_eq!(json["movies"][2]["path"], format!("{image}//Demos/Tour"));
}

/// A movie opened inside the image reads as the original: `qtvr info` says
/// where it came from, and `IMAGE//path` matches without case or accents.
fn check_open(image: &str, volume_kind: &str) {
    let out = stdout(&qtvr(&["info", &format!("{image}//demos/TOUR")]));
    assert!(out.contains("3 nodes"), "{out}");
    assert!(
        out.contains(&format!("{volume_kind} volume \"Disc Vol\" in {image}")),
        "{out}"
    );
    for path in [
        "Objects/Café Die",
        "objects/CAFE DIE",
        "Objects/Cafe\u{301} Die",
    ] {
        let out = stdout(&qtvr(&["info", "--json", &format!("{image}//{path}")]));
        assert!(out.contains("\"kind\": \"object\""), "{path}: {out}");
    }
    // The forks are the original bytes.
    let forks = qtvr_format::mac::open(Path::new(&format!("{image}//Demos/Tour"))).unwrap();
    let want = tours::tour();
    let mut got = vec![0u8; want.len()];
    forks.data.read_exact_at(0, &mut got).unwrap();
    assert_eq!(got, want);
    assert_eq!(forks.data.len(), want.len() as u64);
    assert_eq!(forks.finder.unwrap().file_type.0, *b"MooV");
    assert!(forks.resource.is_none());
    // What is not there: exit 1 and one line naming it.
    for (path, says) in [
        ("Demos/Nothing", "\"Demos/Nothing\" is not a file"),
        ("Demos", "is a folder"),
        ("Read Me.mov", "not a QuickTime movie"),
    ] {
        let o = qtvr(&["info", &format!("{image}//{path}")]);
        assert_eq!(o.status.code(), Some(1), "{path}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{path}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn hfs_image_lists_and_opens_its_movies() {
    let (_, image) = write("hfs", &diskimg::hfs("Disc Vol", 1024, &files()));
    check_listing(&image, "HFS");
    check_open(&image, "HFS");
}

/// An uncompressed `.dmg` (UDIF read/write: the disk's bytes, then a 512-byte
/// `koly` trailer), partitioned or not, reads like the raw image.
#[test]
fn uncompressed_dmg_images_read_like_raw_ones() {
    for (tag, img) in [
        ("dmg", diskimg::hfsplus("Disc Vol", &files())),
        ("dmg-apm", diskimg::hfsplus("Disc Vol", &files()).with_apm()),
    ] {
        let d = dir(tag);
        let mut bytes = img.to_vec();
        let mut koly = vec![0u8; 512];
        koly[..4].copy_from_slice(b"koly");
        koly[4..8].copy_from_slice(&4u32.to_be_bytes());
        koly[8..12].copy_from_slice(&512u32.to_be_bytes());
        bytes.extend_from_slice(&koly);
        let p = d.join("disc.dmg");
        std::fs::write(&p, bytes).unwrap();
        let image = p.display().to_string();
        check_listing(&image, "HFS+");
        check_open(&image, "HFS+");
    }
}

#[test]
fn hfsplus_image_lists_and_opens_its_movies() {
    let (_, image) = write("hfsplus", &diskimg::hfsplus("Disc Vol", &files()));
    check_listing(&image, "HFS+");
    check_open(&image, "HFS+");
}

#[test]
fn partition_maps_and_hybrid_cds() {
    for (tag, img) in [
        (
            "apm-hfs",
            diskimg::hfs("Disc Vol", 2048, &files()).with_apm(),
        ),
        (
            "apm-hfsplus",
            diskimg::hfsplus("Disc Vol", &files()).with_apm(),
        ),
    ] {
        // A hybrid CD: the ISO 9660 descriptor at 32768 beside the partition map.
        let mut img = img;
        img.writes.push((32768, b"\x01CD001\x01".to_vec()));
        let (_, image) = write(tag, &img);
        check_listing(&image, if tag.ends_with("plus") { "HFS+" } else { "HFS" });
        let json: serde_json::Value =
            serde_json::from_str(&stdout(&qtvr(&["ls", "--json", &image]))).unwrap();
        assert!(
            json["layout"].as_str().unwrap().contains("Apple_HFS"),
            "{json}"
        );
    }
    // A broken ISO 9660 descriptor: said so, exit 1.
    let mut iso = vec![0u8; 40000];
    iso[32768..32775].copy_from_slice(b"\x01CD001\x01");
    let d = dir("iso");
    let p = d.join("broken.iso");
    std::fs::write(&p, &iso).unwrap();
    let o = qtvr(&["ls", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("ISO 9660 volume descriptor at byte offset 32768"),
        "{err}"
    );
    // Not an image at all.
    let p = d.join("plain.bin");
    std::fs::write(&p, vec![1u8; 5000]).unwrap();
    let o = qtvr(&["ls", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a disc image"));
    let o = qtvr(&["info", &format!("{}//x", p.display())]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a disc image"));
}

#[test]
fn fragmented_hfsplus_forks_read_through_the_extents_overflow_file() {
    let movie = tours::tour();
    let mut files = Vec::new();
    for (i, pieces) in [1u32, 8, 9, 20].into_iter().enumerate() {
        let mut f = FileSpec::new(
            &format!("Deep/Er/Folder {i}/Tour {pieces}"),
            Content::Bytes(movie.clone()),
            b"MooV",
        );
        f.fragments = pieces;
        f.rsrc = Content::Bytes(vec![i as u8; 5000]);
        files.push(f);
    }
    let img = diskimg::hfsplus("Frag", &files);
    let bytes: Arc<dyn ByteSource> = Arc::new(img.to_vec());
    let image = Image::read(bytes).unwrap().expect("an image");
    assert_eq!(image.entries().len(), 4);
    for (i, e) in image.entries().iter().enumerate() {
        let forks = image.forks(e, "frag.img").unwrap();
        let mut got = vec![0u8; movie.len()];
        forks.data.read_exact_at(0, &mut got).unwrap();
        assert!(got == movie, "{}", e.path);
        let r = forks.resource.unwrap();
        let mut got = vec![0u8; 5000];
        r.read_exact_at(0, &mut got).unwrap();
        assert!(got.iter().all(|&b| b == i as u8));
        let loaded = qtvr_format::qtvr::open_forks(&image.forks(e, "frag.img").unwrap()).unwrap();
        assert_eq!(loaded.scene.unwrap().nodes.len(), 3);
    }
    // A fragmented fork whose overflow record is missing: a clear error.
    let mut files2 = files.clone();
    files2.truncate(4);
    let mut img = diskimg::hfsplus("Frag", &files2);
    // Drop the extents overflow file's leaves: its header says empty.
    for (at, b) in img.writes.iter_mut() {
        if *at == 4096 {
            b[14 + 2..14 + 14].fill(0);
        }
    }
    let image = Image::read(Arc::new(img.to_vec())).unwrap().unwrap();
    let e = image
        .entries()
        .iter()
        .find(|e| e.path.ends_with("Tour 9"))
        .unwrap();
    let err = image.forks(e, "frag.img").unwrap_err().to_string();
    assert!(err.contains("no extents overflow record"), "{err}");
    assert!(err.contains("byte offset"), "{err}");
}

/// Reads through a source, counting the bytes.
struct Counted {
    inner: qtvr_format::source::FileSource,
    bytes: AtomicU64,
}

impl ByteSource for Counted {
    fn len(&self) -> u64 {
        self.inner.len()
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.bytes.fetch_add(buf.len() as u64, Ordering::Relaxed);
        self.inner.read_exact_at(offset, buf)
    }
}

#[test]
fn a_700_mb_image_is_listed_from_its_catalog_and_movie_headers() {
    let mut files = files();
    for i in 0..4 {
        let mut big = FileSpec::new(
            &format!("Media/Big {i}"),
            Content::Sparse(180 << 20),
            if i % 2 == 0 { b"MPEG" } else { b"MooV" },
        );
        big.fragments = 12;
        files.push(big);
    }
    let img = diskimg::hfsplus("Disc Vol", &files);
    assert!(img.len > 700 << 20);
    let (path, shown) = write("big", &img);
    let src = Arc::new(Counted {
        inner: qtvr_format::source::FileSource::open(&path).unwrap(),
        bytes: AtomicU64::new(0),
    });
    let image = Image::read(src.clone()).unwrap().unwrap();
    let listing = qtvr::cli::ls::list_image(&image, &shown);
    let kinds: Vec<_> = listing
        .movies
        .iter()
        .map(|m| (m.inner.as_str(), m.kind))
        .collect();
    use qtvr::cli::ls::Kind;
    assert_eq!(
        kinds,
        [
            ("Broken/A:B test", Kind::Unreadable),
            ("Demos/Field Pano", Kind::Panorama),
            ("Demos/Tour", Kind::Tour),
            ("Media/Big 1", Kind::Unreadable),
            ("Media/Big 3", Kind::Unreadable),
            ("Objects/Café Die", Kind::Object)
        ]
    );
    let read = src.bytes.load(Ordering::Relaxed);
    let movies: u64 = files[..3].iter().map(|f| f.data.len()).sum();
    assert!(
        read < movies + (1 << 20),
        "listing read {read} bytes of a {} byte image (the movies are {movies} bytes)",
        img.len
    );
    // And the command line says the same.
    let out = stdout(&qtvr(&["ls", &shown]));
    assert_eq!(out.lines().count(), 6, "{out}");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn the_viewer_opens_the_only_qtvr_movie_or_offers_them() {
    use qtvr::cli::ls::{Pick, pick};
    let one = vec![
        FileSpec::new("Movies/Tour", Content::Bytes(tours::tour()), b"MooV"),
        FileSpec::new("Notes", Content::Bytes(b"text".to_vec()), b"TEXT"),
    ];
    let (p, shown) = write("pick-one", &diskimg::hfs("One", 512, &one));
    let movie = match pick(&p) {
        Pick::Movie(m) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(movie, PathBuf::from(format!("{shown}//Movies/Tour")));
    // What the viewer then loads (its loader, without a window).
    let open = qtvr::viewer::load::open_now(qtvr::viewer::load::Origin::File(movie)).unwrap();
    assert_eq!(open.loaded.scene.as_ref().unwrap().nodes.len(), 3);
    let (p, shown) = write("pick-many", &diskimg::hfs("Disc Vol", 512, &files()));
    match pick(&p) {
        Pick::Choose { qtvr: 3, message } => assert!(
            message.contains(&format!("qtvr '{shown}//Demos/Tour'")),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    // `qtvr IMAGE` with several opens the window on the image: its loader
    // offers them to choose from, each named as it opens, with its kind.
    match qtvr::viewer::load::open_or_list(qtvr::viewer::load::Origin::File(p.clone())) {
        Ok(qtvr::viewer::load::Opened::Choose { image, movies }) => {
            assert_eq!(image, "disc.img");
            let labels: Vec<&str> = movies.iter().map(|m| m.label.as_str()).collect();
            assert_eq!(
                labels,
                [
                    "Demos/Field Pano - QTVR panorama",
                    "Demos/Tour - QTVR tour (3 nodes)",
                    "Objects/Café Die - QTVR object",
                ]
            );
            assert_eq!(
                movies[1].path,
                PathBuf::from(format!("{shown}//Demos/Tour"))
            );
        }
        Ok(_) => panic!("opened a movie"),
        Err(e) => panic!("{e}"),
    }
    // None: `qtvr IMAGE` says so on stderr, exit 2, no window.
    let none = vec![FileSpec::new(
        "Read Me",
        Content::Bytes(b"text".to_vec()),
        b"TEXT",
    )];
    let (_, shown) = write("pick-none", &diskimg::hfs("Empty", 512, &none));
    let o = qtvr(&[&shown]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("without QuickTime VR movies"), "{err}");
    // Not an image: left to the movie reader.
    assert!(matches!(pick(Path::new("Cargo.toml")), Pick::NotAnImage));
}

/// An image made by Debian's hfsutils: listed, and its movie renders
/// exactly as the original file.
#[test]
fn an_hfsutils_image_is_listed_and_renders_like_the_original() {
    if !qtvr_testkit::require_tool("hformat", "hfsutils") {
        return;
    }
    let d = dir("hfsutils");
    let img = d.join("made by hfsutils.img");
    let movie = d.join("tour.mov");
    std::fs::write(&movie, tours::tour()).unwrap();
    let pano = d.join("pano.mov");
    std::fs::write(&pano, panorama()).unwrap();
    std::fs::write(&img, vec![0u8; 8 << 20]).unwrap();
    // hfsutils keeps its current volume in $HOME/.hcwd.
    let run = |args: &[&str]| {
        let o = Command::new(args[0])
            .args(&args[1..])
            .env("HOME", &d)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let i = img.to_str().unwrap();
    run(&["hformat", "-l", "QTVR Disc", i]);
    run(&["hmount", i]);
    run(&["hmkdir", ":Tours"]);
    run(&["hmkdir", ":Tours:Sub Folder"]);
    run(&[
        "hcopy",
        "-r",
        movie.to_str().unwrap(),
        ":Tours:Sub Folder:Three Nodes",
    ]);
    run(&[
        "hattrib",
        "-t",
        "MooV",
        "-c",
        "TVOD",
        ":Tours:Sub Folder:Three Nodes",
    ]);
    run(&["hcopy", "-r", pano.to_str().unwrap(), ":Panorama"]);
    run(&["hcopy", "-r", "Cargo.toml", ":Cargo.toml"]);
    run(&["humount"]);
    let out = stdout(&qtvr(&["ls", i]));
    assert_eq!(
        out,
        format!(
            "{i}//Panorama\t{}\tQTVR panorama\n{i}//Tours/Sub Folder/Three Nodes\t{}\tQTVR tour (3 nodes)\n",
            panorama().len(),
            tours::tour().len()
        )
    );
    for (inside, original, extra) in [
        (
            "tours/sub folder/three nodes",
            &movie,
            &["--node", "2", "--pan", "40"][..],
        ),
        ("Panorama", &pano, &["--pan", "100", "--fov", "20"][..]),
    ] {
        let a = d.join(format!(
            "{}-inside.png",
            original.file_stem().unwrap().to_str().unwrap()
        ));
        let b = d.join(format!(
            "{}-original.png",
            original.file_stem().unwrap().to_str().unwrap()
        ));
        let inside = format!("{i}//{inside}");
        let mut args_a = vec!["render", inside.as_str(), "--size", "160x120"];
        args_a.extend_from_slice(extra);
        args_a.extend_from_slice(&["-o", a.to_str().unwrap()]);
        stdout(&qtvr(&args_a));
        let mut args_b = vec!["render", original.to_str().unwrap(), "--size", "160x120"];
        args_b.extend_from_slice(extra);
        args_b.extend_from_slice(&["-o", b.to_str().unwrap()]);
        stdout(&qtvr(&args_b));
        let (pa, pb) = (
            image::open(&a).unwrap().to_rgba8(),
            image::open(&b).unwrap().to_rgba8(),
        );
        assert!(pa == pb, "{} and {} differ", a.display(), b.display());
    }
}

/// Plain ISO 9660 (no HFS volume): Joliet names as they are, or the primary
/// descriptor's upper-case names, matched in any case; no Finder types.
#[test]
fn iso9660_images_list_and_open_their_movies() {
    let f = files();
    let keep = [&f[0], &f[1], &f[2], &f[3]].map(|x| x.clone());
    let (_, image) = write("joliet", &diskimg::iso9660("QTVR_CD", &keep, true));
    let out = stdout(&qtvr(&["ls", &image]));
    assert_eq!(
        out,
        format!(
            "{image}//Demos/Field Pano\t{}\tQTVR panorama\n{image}//Demos/Tour\t{}\tQTVR tour (3 nodes)\n{image}//Objects/Café Die\t{}\tQTVR object\n",
            f[1].data.len(),
            f[0].data.len(),
            f[2].data.len()
        )
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&qtvr(&["ls", "--json", &image]))).unwrap();
    assert_eq!(json["volume_kind"], "ISO 9660");
    assert_eq!(json["volume"], "QTVR_CD");
    assert!(json["movies"][0]["file_type"].is_null(), "{json}");
    let out = stdout(&qtvr(&["info", &format!("{image}//objects/cafe die")]));
    assert!(out.contains("ISO 9660 volume \"QTVR_CD\""), "{out}");

    let plain = [
        FileSpec::new("DEMOS/TOUR.MOV", Content::Bytes(tours::tour()), b"MooV"),
        FileSpec::new("README.TXT", Content::Bytes(b"hello".to_vec()), b"TEXT"),
    ];
    let (_, image) = write("iso-primary", &diskimg::iso9660("QTVR_CD", &plain, false));
    let out = stdout(&qtvr(&["ls", &image]));
    assert_eq!(
        out,
        format!(
            "{image}//DEMOS/TOUR.MOV\t{}\tQTVR tour (3 nodes)\n",
            tours::tour().len()
        )
    );
    let out = stdout(&qtvr(&["info", &format!("{image}//Demos/Tour.mov")]));
    assert!(out.contains("3 nodes"), "{out}");
}

/// The test tour as a classic Mac file: the data fork with its movie atom
/// blanked to `free`, and the resource fork holding it as `moov` resource
/// 128.
fn mac_tour() -> (Vec<u8>, Vec<u8>) {
    use qtvr_format::container::{FourCC, scan_top_level};
    let flat = tours::tour();
    let (atoms, _) = scan_top_level(&flat).unwrap();
    let m = atoms.iter().find(|a| a.kind.0 == *b"moov").unwrap();
    let (at, size) = (m.offset as usize, m.size as usize);
    let moov = flat[at..at + size].to_vec();
    let mut data = flat;
    data[at + 4..at + 8].copy_from_slice(b"free");
    data[at + 8..at + size].fill(0);
    let rsrc = qtvr_format::mac::resource::write(&[(FourCC(*b"moov"), 128, &moov)]);
    (data, rsrc)
}

/// A MacBinary II file of `name` with both forks, type `MooV`, creator `TVOD`.
fn macbinary(name: &str, data: &[u8], rsrc: &[u8]) -> Vec<u8> {
    let mut h = vec![0u8; 128];
    h[1] = name.len() as u8;
    h[2..2 + name.len()].copy_from_slice(name.as_bytes());
    h[65..69].copy_from_slice(b"MooV");
    h[69..73].copy_from_slice(b"TVOD");
    h[83..87].copy_from_slice(&(data.len() as u32).to_be_bytes());
    h[87..91].copy_from_slice(&(rsrc.len() as u32).to_be_bytes());
    h[122] = 129;
    h[123] = 129;
    let crc = qtvr_format::mac::crc16_xmodem(&h[..124]);
    h[124..126].copy_from_slice(&crc.to_be_bytes());
    let mut out = h;
    for fork in [data, rsrc] {
        out.extend_from_slice(fork);
        out.resize(out.len().next_multiple_of(128), 0);
    }
    out
}

/// A movie whose movie atom is a `moov` resource opens from the volume's
/// resource fork, in HFS and HFS+ images of ours and in an image hfsutils
/// made from a MacBinary file (`hcopy -m`).
#[test]
fn resource_fork_movies_inside_images_open() {
    let (data, rsrc) = mac_tour();
    let mut f = FileSpec::new("Mac/Old Tour", Content::Bytes(data.clone()), b"????");
    f.rsrc = Content::Bytes(rsrc.clone());
    let mut images = vec![
        write("rsrc-hfs", &diskimg::hfs("Disc Vol", 512, &[f.clone()])).1,
        write("rsrc-hfsplus", &diskimg::hfsplus("Disc Vol", &[f])).1,
    ];
    if qtvr_testkit::require_tool("hcopy", "hfsutils") {
        let d = dir("rsrc-hfsutils");
        let img = d.join("mb.img");
        let mb = d.join("tour.bin");
        std::fs::write(&mb, macbinary("Old Tour", &data, &rsrc)).unwrap();
        std::fs::write(&img, vec![0u8; 4 << 20]).unwrap();
        let i = img.to_str().unwrap();
        for args in [
            &["hformat", "-l", "Disc Vol", i][..],
            &["hmount", i],
            &["hmkdir", ":Mac"],
            &["hcopy", "-m", mb.to_str().unwrap(), ":Mac:Old Tour"],
            &["humount"],
        ] {
            let o = Command::new(args[0])
                .args(&args[1..])
                .env("HOME", &d)
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        images.push(i.to_string());
    }
    for image in images {
        let json: serde_json::Value =
            serde_json::from_str(&stdout(&qtvr(&["ls", "--json", &image]))).unwrap();
        let m = &json["movies"][0];
        assert_eq!(m["kind"], "tour", "{image}: {json}");
        assert_eq!(m["resource_size"], rsrc.len(), "{image}");
        assert_eq!(m["size"], data.len(), "{image}");
        let out = stdout(&qtvr(&["info", &format!("{image}//mac/old tour")]));
        assert!(out.contains("3 nodes"), "{image}: {out}");
        assert!(out.contains("resource fork"), "{image}: {out}");
    }
}

/// An HFS volume that wraps an HFS+ volume (`drEmbedSigWord` `H+`, as Mac
/// OS 8.1 and later wrote them) opens the HFS+ volume inside.
#[test]
fn an_hfs_wrapper_opens_its_embedded_hfsplus_volume() {
    let inner = diskimg::hfsplus("Inner Vol", &files()).to_vec();
    // Wrapper: allocation blocks of 4096 bytes from sector 4; the embedded
    // volume is its allocation block 1, at byte 2048 + 4096.
    let at = 2048 + 4096;
    let mut img = vec![0u8; at + inner.len()];
    img[at..].copy_from_slice(&inner);
    let mdb = &mut img[1024..1024 + 162];
    mdb[0..2].copy_from_slice(b"BD");
    mdb[20..24].copy_from_slice(&4096u32.to_be_bytes());
    mdb[28..30].copy_from_slice(&4u16.to_be_bytes());
    mdb[36] = 7;
    mdb[37..44].copy_from_slice(b"Wrapper");
    mdb[124..126].copy_from_slice(b"H+");
    mdb[126..128].copy_from_slice(&1u16.to_be_bytes());
    mdb[128..130].copy_from_slice(&((inner.len() / 4096) as u16).to_be_bytes());
    let d = dir("wrapper");
    let p = d.join("wrapped.img");
    std::fs::write(&p, &img).unwrap();
    let image = p.display().to_string();
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&qtvr(&["ls", "--json", &image]))).unwrap();
    assert_eq!(json["volume_kind"], "HFS+");
    assert_eq!(json["volume"], "Inner Vol");
    assert_eq!(json["movies"].as_array().unwrap().len(), 4, "{json}");
    let out = stdout(&qtvr(&["info", &format!("{image}//Demos/Tour")]));
    assert!(out.contains("HFS+ volume \"Inner Vol\""), "{out}");
}

/// A truncated image (a partial download): what is past its end is named on
/// stderr, what is there is listed.
#[test]
fn a_truncated_image_says_what_is_missing() {
    let img = diskimg::hfsplus("Disc Vol", &files());
    let mut bytes = img.to_vec();
    // Keep the structure and the first movie's bytes, cut the rest.
    let tour_at = img.writes[img.meta..]
        .iter()
        .find(|(_, b)| *b == tours::tour())
        .map(|(at, _)| *at as usize)
        .unwrap();
    bytes.truncate(tour_at + tours::tour().len().next_multiple_of(4096));
    let d = dir("truncated");
    let p = d.join("cut.img");
    std::fs::write(&p, &bytes).unwrap();
    let image = p.display().to_string();
    let o = qtvr(&["ls", &image]);
    let out = stdout(&o);
    assert!(out.contains(&format!("{image}//Demos/Tour\t")), "{out}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("runs past the end of the image"), "{err}");
    assert!(err.contains("warning"), "{err}");
}

/// A hybrid CD made by xorriso (ISO 9660 + HFS+ behind an Apple partition
/// map): listed from its HFS+ side with the Finder types xorriso gave, names
/// with accents as typed, and rendered like the original movie.
#[test]
fn an_xorriso_hybrid_cd_is_listed_and_renders_like_the_original() {
    if !qtvr_testkit::require_tool("xorriso", "xorriso") {
        return;
    }
    let d = dir("xorriso");
    let root = d.join("root");
    std::fs::create_dir_all(root.join("Tours")).unwrap();
    let movie = root.join("Tours/Café Tour.mov");
    std::fs::write(&movie, tours::tour()).unwrap();
    std::fs::write(root.join("readme.txt"), b"not a movie").unwrap();
    let iso = d.join("hybrid.iso");
    let o = Command::new("xorriso")
        .args(["-as", "mkisofs", "-quiet", "-hfsplus", "-V", "QTVR CD"])
        .args([
            "-hfsplus-file-creator-type",
            "TVOD",
            "MooV",
            "/Tours/Café Tour.mov",
        ])
        .arg("-o")
        .arg(&iso)
        .arg(&root)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let i = iso.to_str().unwrap();
    let out = stdout(&qtvr(&["ls", i]));
    assert_eq!(
        out,
        format!(
            "{i}//Tours/Café Tour.mov\t{}\tQTVR tour (3 nodes)\n",
            tours::tour().len()
        )
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&qtvr(&[
        "info",
        "--json",
        &format!("{i}//tours/cafe tour.mov"),
    ])))
    .unwrap();
    assert_eq!(json["forks"]["finder"]["type"], "MooV", "{json}");
    let (a, b) = (d.join("inside.png"), d.join("original.png"));
    for (file, out) in [
        (format!("{i}//Tours/Café Tour.mov"), &a),
        (movie.display().to_string(), &b),
    ] {
        stdout(&qtvr(&[
            "render",
            &file,
            "--node",
            "2",
            "--size",
            "160x120",
            "-o",
            out.to_str().unwrap(),
        ]));
    }
    assert!(
        image::open(&a).unwrap().to_rgba8() == image::open(&b).unwrap().to_rgba8(),
        "{} and {} differ",
        a.display(),
        b.display()
    );
}
