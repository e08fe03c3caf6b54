//! Reference movies (`rmra`): `qtvr::open` opens the best alternate that is
//! here (URL targets reported, never fetched), `open_alternate` another; alias
//! targets are found from the movie's folder up; `qtvr info` lists the
//! alternates and `--alternate N` picks one.

use std::path::{Path, PathBuf};
use std::process::Command;

use qtvr_format::container::build::{Body, container, full_atom};
use qtvr_format::container::reference::Target;
use qtvr_format::qtvr::{open, open_alternate};

#[path = "support/diskimg.rs"]
mod diskimg;
#[path = "support/tours.rs"]
mod tours;

fn dir(tag: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("reference-{tag}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// An alias record (version 2) for `Volume:Folder:File`.
fn alias(volume: &str, folder: &str, file: &str) -> Vec<u8> {
    let mut r = vec![0u8; 150];
    r[6..8].copy_from_slice(&2u16.to_be_bytes());
    r[10] = volume.len() as u8;
    r[11..11 + volume.len()].copy_from_slice(volume.as_bytes());
    r[50] = file.len() as u8;
    r[51..51 + file.len()].copy_from_slice(file.as_bytes());
    let path = format!("{volume}:{folder}:{file}");
    for (tag, bytes) in [(0i16, folder.as_bytes()), (2, path.as_bytes())] {
        r.extend_from_slice(&tag.to_be_bytes());
        r.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
        r.extend_from_slice(bytes);
        if bytes.len() % 2 == 1 {
            r.push(0);
        }
    }
    r.extend_from_slice(&[0xFF, 0xFF, 0, 0]);
    r
}

/// A reference movie: one `rmda` per (reference type, data, data rate).
fn reference_movie(alternates: &[(&[u8; 4], Vec<u8>, u32)]) -> Vec<u8> {
    let rmdas: Vec<Vec<u8>> = alternates
        .iter()
        .map(|(kind, data, rate)| {
            container(
                b"rmda",
                &[
                    full_atom(
                        b"rdrf",
                        0,
                        0,
                        &Body::new()
                            .bytes(*kind)
                            .u32(data.len() as u32)
                            .bytes(data)
                            .done(),
                    ),
                    full_atom(b"rmdr", 0, 0, &Body::new().u32(*rate).done()),
                ],
            )
        })
        .collect();
    container(b"moov", &[container(b"rmra", &rmdas)])
}

/// `qtvr render DIR/NAME` at 160×120 into DIR/OUT; the PNG's bytes.
fn render_png(d: &Path, name: &str, out: &str) -> Vec<u8> {
    let o = Command::new(env!("CARGO_BIN_EXE_qtvr"))
        .args(["render", d.join(name).to_str().unwrap()])
        .args(["--size", "160x120", "-o", d.join(out).to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read(d.join(out)).unwrap()
}

fn url(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

#[test]
fn the_best_alternate_here_opens_and_others_are_reported() {
    let d = dir("best");
    let tour = tours::tour();
    std::fs::write(d.join("tour small.mov"), &tour).unwrap();
    std::fs::create_dir_all(d.join("Movies")).unwrap();
    std::fs::write(d.join("Movies/Big.mov"), &tour).unwrap();
    let r = d.join("ref.mov");
    std::fs::write(
        &r,
        reference_movie(&[
            (b"url ", url("tour%20small.mov"), 1000),
            // Stored on the Mac as "MOVIES:big.MOV": found ignoring case.
            (b"alis", alias("Disc", "MOVIES", "big.MOV"), 20000),
            (b"url ", url("http://example.com/huge.mov"), 90000),
            (b"url ", url("missing.mov"), 50000),
        ]),
    )
    .unwrap();
    // The highest data rate among those here: the alias (found from the
    // movie's folder), not the URL to another machine or the missing file.
    let (_, loaded) = open(&r).unwrap();
    assert!(loaded.scene.is_some(), "the tour opened");
    assert_eq!(loaded.references.len(), 1);
    let reference = &loaded.references[0];
    assert_eq!(reference.chosen, 1);
    assert_eq!(reference.alternates.len(), 4);
    assert_eq!(
        reference.found[1].as_deref(),
        Some(d.join("Movies/Big.mov").to_str().unwrap())
    );
    assert_eq!(
        reference.found[0].as_deref(),
        Some(d.join("tour small.mov").to_str().unwrap()),
        "relative URLs are percent-decoded"
    );
    assert_eq!(reference.found[2], None, "never fetched");
    assert_eq!(reference.found[3], None);
    assert!(
        matches!(&reference.alternates[2].target, Target::Url { url } if url.starts_with("http"))
    );
    // Another alternate by number; ones that are not here are errors.
    let (_, other) = open_alternate(&r, Some(0)).unwrap();
    assert_eq!(other.references[0].chosen, 0);
    let e = open_alternate(&r, Some(2))
        .err()
        .expect("an error")
        .to_string();
    assert!(
        e.contains("alternate 3 (URL 'http://example.com/huge.mov') is not here"),
        "{e}"
    );
    let e = open_alternate(&r, Some(7))
        .err()
        .expect("an error")
        .to_string();
    assert!(e.contains("has no alternate 8"), "{e}");
    // None here: the error lists them.
    let lone = d.join("lone.mov");
    std::fs::write(&lone, reference_movie(&[(b"url ", url("gone.mov"), 1)])).unwrap();
    let e = open(&lone).err().expect("an error").to_string();
    assert!(
        e.contains("none of whose 1 alternates is here (URL 'gone.mov')"),
        "{e}"
    );
    // A reference movie pointing at itself stops.
    let own = d.join("own.mov");
    std::fs::write(&own, reference_movie(&[(b"url ", url("own.mov"), 1)])).unwrap();
    let e = open(&own).err().expect("an error").to_string();
    assert!(e.contains("more than 4 deep"), "{e}");
}

#[test]
fn info_lists_the_alternates_and_alternate_picks_one() {
    let d = dir("cli");
    std::fs::write(d.join("a.mov"), tours::tour()).unwrap();
    let r = d.join("ref.mov");
    std::fs::write(
        &r,
        reference_movie(&[
            (b"url ", url("a.mov"), 1000),
            (b"url ", url("rtsp://example.com/live"), 5000),
        ]),
    )
    .unwrap();
    let qtvr = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_qtvr"))
            .args(args)
            .output()
            .unwrap()
    };
    let o = qtvr(&["info", r.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("reference movie"), "{out}");
    assert!(out.contains("1. URL 'a.mov', data rate 1000"), "{out}");
    assert!(out.contains("(opened)"), "{out}");
    assert!(
        out.contains("2. URL 'rtsp://example.com/live', data rate 5000 — not here"),
        "{out}"
    );
    let o = qtvr(&["info", "--json", r.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["references"][0]["chosen"], 0);
    assert_eq!(
        json["references"][0]["alternates"][1]["target"]["url"],
        "rtsp://example.com/live"
    );
    let o = qtvr(&["info", "--alternate", "2", r.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("alternate 2"),
        "{o:?}"
    );
}

/// The atoms directly inside `bytes[start..end]`: (offset, size, type).
fn atoms_in(bytes: &[u8], start: usize, end: usize) -> Vec<(usize, usize, [u8; 4])> {
    let mut out = Vec::new();
    let mut at = start;
    while at + 8 <= end {
        let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = bytes[at + 4..at + 8].try_into().unwrap();
        if size < 8 || at + size > end {
            break;
        }
        out.push((at, size, kind));
        at += size;
    }
    out
}

/// Every `dref` of a video track with the chain of atoms above it
/// (outermost first).
fn drefs(bytes: &[u8]) -> Vec<(usize, usize, Vec<usize>)> {
    fn walk(
        bytes: &[u8],
        start: usize,
        end: usize,
        above: &mut Vec<usize>,
        out: &mut Vec<(usize, usize, Vec<usize>)>,
    ) {
        for (at, size, kind) in atoms_in(bytes, start, end) {
            match &kind {
                b"trak" => {
                    // Only video tracks (handler subtype 'vide').
                    let body = &bytes[at..at + size];
                    let video = body
                        .windows(4)
                        .position(|w| w == b"hdlr")
                        .is_some_and(|h| body.get(h + 12..h + 16) == Some(b"vide"));
                    if video {
                        above.push(at);
                        walk(bytes, at + 8, at + size, above, out);
                        above.pop();
                    }
                }
                b"dref" => out.push((at, size, above.clone())),
                b"moov" | b"mdia" | b"minf" | b"dinf" => {
                    above.push(at);
                    walk(bytes, at + 8, at + size, above, out);
                    above.pop();
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(bytes, 0, bytes.len(), &mut Vec::new(), &mut out);
    out
}

/// The movie with its pictures moved out: the data references of its video
/// tracks are a `url ` to `name` (not self-contained), and their samples
/// here are zeros (the node descriptions stay in the movie).
fn media_elsewhere(movie: &[u8], name: &str) -> Vec<u8> {
    media_moved(movie, full_atom(b"url ", 0, 0, &url(name)))
}

/// The movie with its video tracks' data references replaced by `entry` and
/// their samples here zeroed.
fn media_moved(movie: &[u8], entry: Vec<u8>) -> Vec<u8> {
    let mut bytes = movie.to_vec();
    let m = qtvr_format::container::read_movie(
        &bytes,
        &qtvr_format::limits::Budget::for_file(bytes.len() as u64),
    )
    .unwrap();
    for t in m.tracks.iter().filter(|t| t.handler.0 == *b"vide") {
        for s in &t.samples {
            let at = s.offset as usize;
            bytes[at..at + s.size as usize].fill(0);
        }
    }
    let dref = full_atom(b"dref", 0, 0, &Body::new().u32(1).bytes(&entry).done());
    let mut found = drefs(&bytes);
    assert!(!found.is_empty());
    // Last first, so that earlier offsets stay put.
    found.sort_by_key(|d| std::cmp::Reverse(d.0));
    for (at, size, above) in found {
        let delta = dref.len() as i64 - size as i64;
        bytes.splice(at..at + size, dref.iter().copied());
        for a in above {
            let old = u32::from_be_bytes(bytes[a..a + 4].try_into().unwrap()) as i64;
            bytes[a..a + 4].copy_from_slice(&((old + delta) as u32).to_be_bytes());
        }
    }
    bytes
}

#[test]
fn media_in_another_file_is_found_or_named() {
    let d = dir("media");
    let movie = tours::tour();
    std::fs::write(d.join("media.mov"), &movie).unwrap();
    std::fs::write(d.join("scene.mov"), media_elsewhere(&movie, "media.mov")).unwrap();
    std::fs::write(d.join("whole.mov"), &movie).unwrap();
    let (_, loaded) = open(&d.join("scene.mov")).unwrap();
    assert_eq!(
        loaded.media_files,
        vec![d.join("media.mov").display().to_string()]
    );
    // What the user sees: the same pictures as the self-contained movie.
    let render = |name: &str, out: &str| render_png(&d, name, out);
    assert_eq!(
        render("scene.mov", "scene.png"),
        render("whole.mov", "whole.png")
    );
    // Without the media file: a warning naming it, and the movie still opens.
    std::fs::remove_file(d.join("media.mov")).unwrap();
    let (_, loaded) = open(&d.join("scene.mov")).unwrap();
    assert!(loaded.media_files.is_empty());
    assert!(
        loaded.movie.warnings.iter().any(|w| w
            .message
            .contains("its media is in URL 'media.mov', which is not here")),
        "{:?}",
        loaded.movie.warnings
    );
}

#[test]
fn inside_a_disc_image_targets_are_found_from_the_movie_folder_and_the_volume_root() {
    use diskimg::{Content, FileSpec};
    let d = dir("image");
    let tour = tours::tour();
    let files = vec![
        FileSpec::new("Movies/Big.mov", Content::Bytes(tour.clone()), b"MooV"),
        FileSpec::new("Movies/media.mov", Content::Bytes(tour.clone()), b"MooV"),
        FileSpec::new(
            "Movies/scene.mov",
            Content::Bytes(media_elsewhere(&tour, "media.mov")),
            b"MooV",
        ),
        FileSpec::new(
            "Start/ref.mov",
            Content::Bytes(reference_movie(&[
                (b"url ", url("gone.mov"), 90000),
                (b"alis", alias("Disc", "Movies", "Big.mov"), 20000),
            ])),
            b"MooV",
        ),
    ];
    let image = d.join("disc.img");
    diskimg::hfs("Disc", 1024, &files).to_file(&image);
    let inside = |p: &str| PathBuf::from(format!("{}//{p}", image.display()));
    // The alias's path is below the volume: found from the image's root.
    let (_, loaded) = open(&inside("Start/ref.mov")).unwrap();
    assert!(loaded.scene.is_some());
    assert_eq!(loaded.references[0].chosen, 1);
    assert_eq!(
        loaded.references[0].found[1].as_deref(),
        Some(inside("Movies/Big.mov").to_str().unwrap())
    );
    // A relative URL data reference: beside the movie, in the image.
    let (_, loaded) = open(&inside("Movies/scene.mov")).unwrap();
    assert_eq!(
        loaded.media_files,
        vec![inside("Movies/media.mov").display().to_string()]
    );
}

/// `rsrc` data references: the media in a resource of the movie's own
/// resource fork (here an AppleDouble file beside it).
#[test]
fn media_in_a_resource_is_read_from_the_resource_fork() {
    use qtvr_format::container::FourCC;
    use qtvr_format::mac::{FinderInfo, apple_single, resource};
    let d = dir("rsrc");
    let movie = tours::tour();
    // Flag 1: in this file; the data: resource type and ID.
    let entry = full_atom(b"rsrc", 0, 1, &Body::new().bytes(b"Data").u16(128).done());
    std::fs::write(d.join("scene.mov"), media_moved(&movie, entry)).unwrap();
    let fork = resource::write(&[(FourCC(*b"Data"), 128, &movie)]);
    let finder = FinderInfo {
        file_type: FourCC(*b"MooV"),
        creator: FourCC(*b"TVOD"),
    };
    std::fs::write(
        d.join("._scene.mov"),
        apple_single::write(finder, None, &fork),
    )
    .unwrap();
    std::fs::write(d.join("whole.mov"), &movie).unwrap();
    let (_, loaded) = open(&d.join("scene.mov")).unwrap();
    assert_eq!(loaded.media_files.len(), 1, "{:?}", loaded.movie.warnings);
    assert!(
        loaded.media_files[0].ends_with("('Data' resource 128)"),
        "{:?}",
        loaded.media_files
    );
    let render = |name: &str, out: &str| render_png(&d, name, out);
    assert_eq!(
        render("scene.mov", "scene.png"),
        render("whole.mov", "whole.png")
    );
    // Without the resource fork: a warning naming the resource.
    std::fs::remove_file(d.join("._scene.mov")).unwrap();
    let (_, loaded) = open(&d.join("scene.mov")).unwrap();
    assert!(
        loaded.movie.warnings.iter().any(|w| w
            .message
            .contains("its media is in 'Data' resource 128, which is not here")),
        "{:?}",
        loaded.movie.warnings
    );
}
