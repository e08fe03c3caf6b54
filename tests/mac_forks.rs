//! Classic Mac OS files: a movie whose movie atom lives in the resource fork
//! (a `moov` resource) and whose media stay in the data fork, carried in each
//! wrapper `qtvr` reads — MacBinary II and III, AppleSingle, BinHex 4.0 — and
//! beside a plain data fork as an AppleDouble file (`._name`, `__MACOSX/`,
//! an unzipped archive's top `__MACOSX/`). Each opens to the same scene and
//! the same pictures as the flattened movie, `qtvr render` draws the same
//! PNG, `qtvr info` reports the Finder type and creator and how the forks
//! were found; CRC errors name their offsets; thousands of truncated and
//! mutated wrappers never panic or over-allocate; and Debian's macutils
//! (`binhex`, `hexbin`) agree with our BinHex and MacBinary.
//!
//! The inputs are built here: the test tour made with the project's writer,
//! split into a data fork (the movie atom replaced by a `free` atom of the
//! same size, so sample offsets stay) and a resource fork holding the movie
//! atom as `moov` resource 128.

#[path = "support/objects.rs"]
mod objects;
#[path = "support/tours.rs"]
mod tours;

mod common;
use common::succeeded as ok;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use qtvr_format::container::{FourCC, scan_top_level};
use qtvr_format::mac::{self, FinderInfo, Forks, apple_single, binhex, macbinary, resource};
use qtvr_format::qtvr::{Loaded, load, open_forks};
use qtvr_format::source::ByteSource;
use qtvr_testkit::{Rng, alloc, require_tool};

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

const MOOV_TVOD: FinderInfo = FinderInfo {
    file_type: FourCC(*b"MooV"),
    creator: FourCC(*b"TVOD"),
};

/// The flattened movie, its data fork (the movie atom replaced by `free`)
/// and its resource fork (the movie atom as `moov` resource 128, beside an
/// unrelated resource).
struct Split {
    flat: Vec<u8>,
    data: Vec<u8>,
    rsrc: Vec<u8>,
}

fn split(flat: Vec<u8>) -> Split {
    let (atoms, _) = scan_top_level(&flat).unwrap();
    let m = atoms.iter().find(|a| a.kind.0 == *b"moov").unwrap();
    let (at, size) = (m.offset as usize, m.size as usize);
    let moov = flat[at..at + size].to_vec();
    let mut data = flat.clone();
    data[at..at + 4].copy_from_slice(&(size as u32).to_be_bytes());
    data[at + 4..at + 8].copy_from_slice(b"free");
    data[at + 8..at + size].fill(0);
    let rsrc = resource::write(&[
        (FourCC(*b"STR "), 1, b"\x05hello"),
        (FourCC(*b"moov"), 128, &moov),
    ]);
    Split { flat, data, rsrc }
}

fn tour() -> Split {
    split(tours::tour())
}

fn dir(tag: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mac-forks-{tag}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Every node's pictures, pixels and hot spot maps, as comparable bytes.
fn pictures(src: &dyn ByteSource, l: &Loaded) -> Vec<Vec<u8>> {
    let scene = l.scene.as_ref().expect("a QTVR scene");
    let mut out = Vec::new();
    for n in &scene.nodes {
        let p = qtvr::cli::render::node_picture(src, &l.movie, n, None).unwrap();
        for s in &p.surfaces {
            out.push(format!("{:?}", s.image).into_bytes());
            out.push(format!("{:?}", s.hotspots).into_bytes());
        }
    }
    out
}

/// Opens `path` as the CLI and viewer do and checks it against the
/// flattened movie: same nodes, same pictures, Finder info, and the movie
/// atom from `moov` resource 128.
fn check_same(path: &Path, flat: &[u8], how: &str) -> Forks {
    let forks = mac::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(forks.how.contains(how), "{how}: {forks:?}");
    assert_eq!(forks.finder, Some(MOOV_TVOD), "{forks:?}");
    let l = open_forks(&forks).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let o = l.origin.as_ref().unwrap();
    assert_eq!(o.moov_resource, Some(128));
    assert_eq!(o.finder, Some(MOOV_TVOD));
    let f = load(&flat.to_vec()).unwrap();
    let (a, b) = (l.scene.as_ref().unwrap(), f.scene.as_ref().unwrap());
    assert_eq!(format!("{:?}", a.nodes), format!("{:?}", b.nodes));
    assert_eq!(
        pictures(forks.data.as_ref(), &l),
        pictures(&flat.to_vec(), &f),
        "{how}: the pictures differ from the flattened movie's"
    );
    forks
}

#[test]
fn the_movie_atom_is_read_from_the_resource_fork() {
    let s = tour();
    let forks = Forks {
        data: Arc::new(s.data.clone()),
        resource: Some(Arc::new(s.rsrc.clone())),
        finder: None,
        how: "a test".into(),
        looked: Vec::new(),
    };
    let l = open_forks(&forks).unwrap();
    assert_eq!(l.origin.as_ref().unwrap().moov_resource, Some(128));
    let f = load(&s.flat).unwrap();
    assert_eq!(
        format!("{:?}", l.scene.as_ref().unwrap().nodes),
        format!("{:?}", f.scene.as_ref().unwrap().nodes)
    );
    // As clean as the flattened movie: no warnings.
    assert!(
        l.scene.as_ref().unwrap().warnings.is_empty(),
        "{:?}",
        l.scene.as_ref().unwrap().warnings
    );
    // The data fork alone says the movie atom is missing.
    let e = load(&s.data).unwrap_err().to_string();
    assert!(e.contains("resource fork"), "{e}");
    // A resource fork without a 'moov' resource says so.
    let none = Forks {
        resource: Some(Arc::new(resource::write(&[(FourCC(*b"STR "), 1, b"x")]))),
        ..forks
    };
    let e = open_forks(&none).unwrap_err().to_string();
    assert!(e.contains("holds no 'moov' resource"), "{e}");
}

#[test]
fn every_wrapper_opens_like_the_flattened_movie() {
    let s = tour();
    let d = dir("wrappers");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "movie.bin",
            macbinary::write("movie", MOOV_TVOD, &s.data, &s.rsrc, false),
            "MacBinary II",
        ),
        (
            "movie3.bin",
            macbinary::write("movie", MOOV_TVOD, &s.data, &s.rsrc, true),
            "MacBinary III",
        ),
        (
            "movie.as",
            apple_single::write(MOOV_TVOD, Some(&s.data), &s.rsrc),
            "AppleSingle",
        ),
        (
            "movie.hqx",
            binhex::write("movie", MOOV_TVOD, &s.data, &s.rsrc),
            "BinHex 4.0",
        ),
    ];
    for (name, bytes, how) in cases {
        let p = d.join(name);
        write(&p, &bytes);
        check_same(&p, &s.flat, how);
        // The viewer opens it the same way.
        let m = qtvr::viewer::load::open_now(qtvr::viewer::load::Origin::File(p.clone()))
            .unwrap_or_else(|e| panic!("the viewer: {how}: {e}"));
        assert_eq!(m.scene().map(|s| s.nodes.len()), Some(3), "{how}");
        assert_eq!(m.src.len(), s.data.len() as u64, "{how}");
        // Not by name: the same bytes under a movie's name open the same.
        let q = d.join(format!("renamed-{name}.mov"));
        write(&q, &bytes);
        check_same(&q, &s.flat, how);
    }
}

#[test]
fn appledouble_sidecars_are_found_beside_the_data_fork() {
    let s = tour();
    let d = dir("sidecars");
    let double = apple_single::write(MOOV_TVOD, None, &s.rsrc);
    // dir/._name, dir/__MACOSX/._name, and an unzipped archive's top
    // __MACOSX folder two levels up.
    let places = [
        ("a/movie.mov", "a/._movie.mov"),
        ("b/movie.mov", "b/__MACOSX/._movie.mov"),
        ("top/sub/dir/movie.mov", "top/__MACOSX/sub/dir/._movie.mov"),
    ];
    for (movie, side) in places {
        write(&d.join(movie), &s.data);
        write(&d.join(side), &double);
        let f = check_same(&d.join(movie), &s.flat, "AppleDouble file");
        assert!(f.how.contains(side), "{f:?}");
    }
    // Without a sidecar, the error lists where it looked.
    write(&d.join("c/movie.mov"), &s.data);
    let forks = mac::open(&d.join("c/movie.mov")).unwrap();
    let e = open_forks(&forks).unwrap_err().to_string();
    assert!(e.contains("resource fork"), "{e}");
    assert!(e.contains("c/._movie.mov (not there)"), "{e}");
    assert!(e.contains("c/__MACOSX/._movie.mov (not there)"), "{e}");
    assert!(e.contains("..namedfork/rsrc"), "{e}");
    // A broken sidecar is named in the error, not fatal by itself.
    write(&d.join("c/._movie.mov"), &double[..30]);
    let forks = mac::open(&d.join("c/movie.mov")).unwrap();
    let e = open_forks(&forks).unwrap_err().to_string();
    assert!(
        e.contains("c/._movie.mov (unreadable: AppleDouble entry table"),
        "{e}"
    );
    // A flattened movie with a sidecar reads its own movie atom.
    write(&d.join("e/movie.mov"), &s.flat);
    write(&d.join("e/._movie.mov"), &double);
    let forks = mac::open(&d.join("e/movie.mov")).unwrap();
    let l = open_forks(&forks).unwrap();
    assert_eq!(l.origin.unwrap().moov_resource, None);
    // The AppleDouble file itself names the file to open.
    let e = mac::open(&d.join("a/._movie.mov")).unwrap_err().to_string();
    assert!(e.contains("open that file instead"), "{e}");
}

#[test]
fn crc_errors_name_their_offsets() {
    let s = tour();
    let mut mb = macbinary::write("movie", MOOV_TVOD, &s.data, &s.rsrc, false);
    mb[10] ^= 0x20; // a letter of the name
    let e = mac::unwrap(&(Arc::new(mb) as Arc<dyn ByteSource>), "m.bin")
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("MacBinary II header of m.bin, byte offset 124: header CRC"),
        "{e}"
    );

    let hqx = binhex::write("movie", MOOV_TVOD, &s.data, &s.rsrc);
    let text_start = hqx.iter().position(|&c| c == b':').unwrap() + 1;
    // Change one character of the encoded data fork, and one of the header.
    for (at, what) in [
        (text_start + 2000, "data fork CRC"),
        (text_start + 3, "header CRC"),
    ] {
        let mut bad = hqx.clone();
        bad[at] = if bad[at] == b'A' { b'B' } else { b'A' };
        let e = mac::unwrap(&(Arc::new(bad) as Arc<dyn ByteSource>), "m.hqx")
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("BinHex data of m.hqx (decoded), byte offset") && e.contains(what),
            "{what}: {e}"
        );
    }
    // A character outside the alphabet: its offset in the text.
    let mut bad = hqx.clone();
    bad[text_start + 5] = b'~';
    let e = mac::unwrap(&(Arc::new(bad) as Arc<dyn ByteSource>), "m.hqx")
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains(&format!(
            "BinHex text of m.hqx, byte offset {}",
            text_start + 5
        )),
        "{e}"
    );
}

fn qtvr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qtvr"))
        .args(args)
        .output()
        .expect("run the qtvr binary")
}

#[test]
fn info_and_render_through_the_command_line() {
    let s = tour();
    let d = dir("cli");
    let flat = d.join("flat.mov");
    write(&flat, &s.flat);
    let bin = d.join("movie.bin");
    write(
        &bin,
        &macbinary::write("movie", MOOV_TVOD, &s.data, &s.rsrc, false),
    );
    let hqx = d.join("movie.hqx");
    write(&hqx, &binhex::write("movie", MOOV_TVOD, &s.data, &s.rsrc));
    let side = d.join("x/movie.mov");
    write(&side, &s.data);
    write(
        &d.join("x/._movie.mov"),
        &apple_single::write(MOOV_TVOD, None, &s.rsrc),
    );

    let text = ok(&qtvr(&["info", bin.to_str().unwrap()]));
    assert!(
        text.contains(
            "file: MacBinary II (file \"movie\"), Finder type 'MooV' creator 'TVOD', movie atom from the resource fork ('moov' resource 128)"
        ),
        "{text}"
    );
    let flat_text = ok(&qtvr(&["info", flat.to_str().unwrap()]));
    assert!(!flat_text.contains("file:"), "{flat_text}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&qtvr(&["info", "--json", hqx.to_str().unwrap()]))).unwrap();
    assert_eq!(json["forks"]["finder"]["type"], "MooV");
    assert_eq!(json["forks"]["finder"]["creator"], "TVOD");
    assert_eq!(json["forks"]["moov_resource"], 128);
    assert!(
        json["forks"]["how"]
            .as_str()
            .unwrap()
            .starts_with("BinHex 4.0"),
        "{json}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&qtvr(&["info", "--json", flat.to_str().unwrap()]))).unwrap();
    assert_eq!(json["forks"]["how"], "a plain file");
    assert!(json["forks"]["finder"].is_null());

    // The same view of each is the same PNG.
    let render = |movie: &Path, out: &str| {
        let out = d.join(out);
        ok(&qtvr(&[
            "render",
            movie.to_str().unwrap(),
            "--pan",
            "40",
            "--size",
            "320x240",
            "-o",
            out.to_str().unwrap(),
        ]));
        std::fs::read(out).unwrap()
    };
    let want = render(&flat, "flat.png");
    assert_eq!(render(&hqx, "hqx.png"), want, "BinHex");
    assert_eq!(render(&side, "side.png"), want, "AppleDouble sidecar");

    // A relative path inside an unzipped archive: the archive's top
    // __MACOSX folder lies above the current folder.
    write(&d.join("top/sub/dir/movie.mov"), &s.data);
    write(
        &d.join("top/__MACOSX/sub/dir/._movie.mov"),
        &apple_single::write(MOOV_TVOD, None, &s.rsrc),
    );
    let o = Command::new(env!("CARGO_BIN_EXE_qtvr"))
        .current_dir(d.join("top/sub/dir"))
        .args(["info", "movie.mov"])
        .output()
        .unwrap();
    let text = ok(&o);
    assert!(
        text.contains("top/__MACOSX/sub/dir/._movie.mov, Finder type 'MooV' creator 'TVOD'"),
        "{text}"
    );

    // The data fork alone: the error says where it looked.
    let lone = d.join("lone/movie.mov");
    write(&lone, &s.data);
    let o = qtvr(&["info", lone.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("resource fork") && err.contains("._movie.mov (not there)"),
        "{err}"
    );
}

/// Opens `bytes` as a wrapper ("rsrc": as the resource fork beside `data`;
/// "double": as an AppleDouble file beside it) and decodes the first node's
/// pictures too (the data fork is a range of the wrapper).
fn open_in_memory(kind: &str, bytes: Vec<u8>, data: &[u8]) -> Result<(), String> {
    let file: Arc<dyn ByteSource> = Arc::new(bytes);
    let beside = |resource| Forks {
        resource,
        ..Forks::plain(Arc::new(data.to_vec()))
    };
    let forks = match kind {
        "rsrc" => beside(Some(file)),
        "double" => beside(
            apple_single::read(&file, "fuzz")
                .map_err(|e| e.to_string())?
                .resource,
        ),
        _ => match mac::unwrap(&file, "fuzz") {
            Ok(Some(f)) => f,
            Ok(None) => Forks::plain(file),
            Err(e) => return Err(e.to_string()),
        },
    };
    let l = open_forks(&forks).map_err(|e| e.to_string())?;
    if let Some(n) = l.scene.as_ref().and_then(|s| s.nodes.first()) {
        let _ = qtvr::cli::render::node_picture(forks.data.as_ref(), &l.movie, n, None);
    }
    Ok(())
}

fn mutate(base: &[u8], rng: &mut Rng, header: usize) -> Vec<u8> {
    let mut s = base.to_vec();
    match rng.below(5) {
        0 => s.truncate(rng.below(s.len() + 1)),
        1 => {
            // Sizes, counts and offsets live near the start.
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(s.len().min(header));
                s[i] = [0x00, 0xFF, 0x7F, 0x80, rng.byte()][rng.below(5)];
            }
        }
        2 => {
            for _ in 0..1 + rng.below(16) {
                let i = rng.below(s.len());
                s[i] = rng.byte();
            }
        }
        3 => {
            // The resource fork's header and map (the end of each wrapper).
            for _ in 0..1 + rng.below(4) {
                let i = s.len() - 1 - rng.below(s.len().min(400));
                s[i] ^= 1 << rng.below(8);
            }
        }
        _ => {
            s.truncate(rng.below(s.len() + 1));
            if !s.is_empty() {
                let i = rng.below(s.len());
                s[i] = rng.byte();
            }
        }
    }
    s
}

#[test]
fn mutated_wrappers_never_panic_or_overallocate() {
    // A small movie: one object node of 2×2 views.
    let s = split(small_movie());
    let mut bases: Vec<(&str, Vec<u8>, usize)> = vec![
        (
            "MacBinary",
            macbinary::write("m", MOOV_TVOD, &s.data, &s.rsrc, false),
            128,
        ),
        (
            "AppleSingle",
            apple_single::write(MOOV_TVOD, Some(&s.data), &s.rsrc),
            80,
        ),
        (
            "BinHex",
            binhex::write("m", MOOV_TVOD, &s.data, &s.rsrc),
            120,
        ),
    ];
    bases.push(("rsrc", s.rsrc.clone(), 64));
    bases.push(("double", apple_single::write(MOOV_TVOD, None, &s.rsrc), 80));
    for (kind, b, _) in &bases {
        open_in_memory(kind, b.clone(), &s.data).unwrap();
    }
    let variants = 1000;
    let mut failures = Vec::new();
    let mut errors = 0usize;
    for (kind, base, header) in &bases {
        // The movie's own allocations are bounded by its budget; a wrapper
        // adds at most its decoded forks.
        let allowance = (base.len() as u64) * 40 + (24 << 20);
        for v in 0..variants {
            let seed = 0x51D3_0A7E_u64 ^ (v as u64 * 0x1000_0001) ^ (kind.len() as u64) << 40;
            let mut rng = Rng::new(seed);
            let input = mutate(base, &mut rng, *header);
            alloc::reset();
            let r = catch_unwind(AssertUnwindSafe(|| open_in_memory(kind, input, &s.data)));
            let peak = alloc::peak();
            match r {
                Err(_) => failures.push(format!("{kind} seed {seed:#x}: panic")),
                Ok(Err(_)) => errors += 1,
                Ok(Ok(())) => {}
            }
            if peak > allowance {
                failures.push(format!(
                    "{kind} seed {seed:#x}: peak allocation {peak} > {allowance}"
                ));
            }
        }
    }
    eprintln!(
        "{errors} of {} mutated wrappers refused, the rest opened",
        variants * bases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The mutations did reach the checks.
    assert!(errors > variants, "only {errors} variants were refused");
}

/// A small object movie (a few kilobytes), for the mutation test.
fn small_movie() -> Vec<u8> {
    objects::labelled_object(2, 2, Default::default())
}

#[test]
fn macutils_agree_with_binhex_and_macbinary() {
    if !require_tool("hexbin", "macutils") || !require_tool("binhex", "macutils") {
        return;
    }
    let s = tour();
    let d = dir("macutils");
    // Our BinHex, decoded by hexbin into fork files and into MacBinary.
    let hqx = d.join("ours.hqx");
    write(&hqx, &binhex::write("movie", MOOV_TVOD, &s.data, &s.rsrc));
    let o = Command::new("hexbin")
        .current_dir(&d)
        .args(["-3", "ours.hqx"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(d.join("movie.data")).unwrap(), s.data);
    assert_eq!(std::fs::read(d.join("movie.rsrc")).unwrap(), s.rsrc);
    let info = std::fs::read(d.join("movie.info")).unwrap();
    assert_eq!(&info[65..73], b"MooVTVOD", "hexbin's Finder info");
    let o = Command::new("hexbin")
        .current_dir(&d)
        .args(["-s", "ours.hqx"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let theirs_bin = d.join("theirs.bin");
    write(&theirs_bin, &o.stdout);
    check_same(&theirs_bin, &s.flat, "MacBinary");

    // Our MacBinary, hexified by binhex; we read its BinHex.
    let bin = d.join("ours.bin");
    write(
        &bin,
        &macbinary::write("movie", MOOV_TVOD, &s.data, &s.rsrc, false),
    );
    let o = Command::new("binhex").arg(&bin).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let theirs_hqx = d.join("theirs.hqx");
    write(&theirs_hqx, &o.stdout);
    check_same(&theirs_hqx, &s.flat, "BinHex 4.0");
}
