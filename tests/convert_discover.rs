//! `qtvr convert`'s discovery (`qtvr::convert::discover`) over the test
//! archive of `support/archive.rs`: every file is found once, under its
//! path from its input, with the kind it is — QTVR movies without
//! extensions, in MacBinary, as data forks with AppleDouble files beside
//! them or in `__MACOSX/`, inside an HFS disc image, a zip, a zip in a zip
//! and a disc image in a zip; plain and broken movies; non-movies — the
//! same movie reached twice has one digest, the hostile zip's members are
//! refused with warnings and written nowhere, and the inputs are byte for
//! byte what they were.

#[path = "support/archive.rs"]
mod archive;
#[path = "support/diskimg.rs"]
mod diskimg;
#[path = "support/objects.rs"]
mod objects;
#[path = "support/tours.rs"]
mod tours;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use archive::{Want, build_archive};
use qtvr::convert::discover::{Found, FoundKind, discover};
use sha2::{Digest, Sha256};

fn dir(tag: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("convert-discover-{tag}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every file, folder and link under `root` (links not followed): its
/// relative path → a digest of what it is.
fn tree(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            let m = std::fs::symlink_metadata(&p).unwrap();
            let what = if m.file_type().is_symlink() {
                format!("link to {}", std::fs::read_link(&p).unwrap().display())
            } else if m.is_dir() {
                todo.push(p.clone());
                "folder".to_string()
            } else {
                let h = Sha256::digest(std::fs::read(&p).unwrap());
                format!(
                    "file {}",
                    h.iter().map(|b| format!("{b:02x}")).collect::<String>()
                )
            };
            out.insert(rel, what);
        }
    }
    out
}

fn check_kind(f: &Found, want: &Want) -> Result<(), String> {
    let ok = match (want, &f.kind) {
        (
            Want::Qtvr { nodes, summary },
            FoundKind::Qtvr {
                nodes: n,
                summary: s,
            },
        ) => n == nodes && s == summary,
        (Want::Movie, FoundKind::Movie) => true,
        (Want::Broken, FoundKind::Broken(_)) => true,
        (Want::NotAMovie(part), FoundKind::NotAMovie(why)) => why.contains(part),
        (Want::Sidecar(of), FoundKind::NotAMovie(why)) => {
            *why == format!("AppleDouble resource fork of {of}")
        }
        (Want::Container(part), FoundKind::Container(what)) => what.contains(part),
        (Want::Unreadable(part), FoundKind::Unreadable(why)) => why.contains(part),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{}: expected {want:?}, found {:?}", f.path, f.kind))
    }
}

#[test]
fn the_archive_is_discovered_file_by_file() {
    let d = dir("archive");
    let input = d.join("input");
    std::fs::create_dir_all(&input).unwrap();
    let expected = build_archive(&input);
    let before = tree(&input);
    let work = d.join("out/.qtvr-work");

    let r = discover(&expected.inputs, &work);

    // The inputs are untouched, and nothing was written where the hostile
    // zip's names point.
    assert_eq!(tree(&input), before, "the inputs changed");
    let mut never = expected.never_written.clone();
    never.extend([d.join("escape.txt"), d.join("out/escape.txt")]);
    for p in &never {
        assert!(!p.exists(), "{} was written", p.display());
    }
    // Every extracted file is under the scratch folder.
    for f in &r.found {
        if f.open.starts_with(&input) || f.open.to_string_lossy().contains("//") {
            continue;
        }
        let open = std::path::absolute(&f.open).unwrap();
        assert!(
            open.starts_with(std::path::absolute(&work).unwrap()),
            "{}: {}",
            f.path,
            f.open.display()
        );
    }

    // Exactly the expected files, each once, with the expected kinds.
    let found: Vec<&str> = r.found.iter().map(|f| f.path.as_str()).collect();
    let mut errors = Vec::new();
    for (path, want) in &expected.items {
        match r
            .found
            .iter()
            .filter(|f| f.path == *path)
            .collect::<Vec<_>>()[..]
        {
            [f] => {
                if let Err(e) = check_kind(f, want) {
                    errors.push(e);
                }
            }
            [] => errors.push(format!("{path}: not found")),
            _ => errors.push(format!("{path}: found more than once")),
        }
    }
    for f in &r.found {
        if !expected.items.iter().any(|(p, _)| *p == f.path) {
            errors.push(format!("{}: not expected ({:?})", f.path, f.kind));
        }
    }
    assert!(
        errors.is_empty(),
        "{}\n\nfound: {found:#?}\nwarnings: {:#?}",
        errors.join("\n"),
        r.warnings
    );

    // In path order, the folder input first.
    let archive_part: Vec<&str> = found
        .iter()
        .copied()
        .take_while(|p| p.starts_with("Archive"))
        .collect();
    let mut sorted = archive_part.clone();
    sorted.sort_by(|a, b| a.split('/').cmp(b.split('/')));
    assert_eq!(archive_part, sorted);
    assert!(
        found[archive_part.len()..]
            .iter()
            .all(|p| p.starts_with("Extra.zip"))
    );

    // Each movie opens from `open` as the converter will open it.
    for f in &r.found {
        match &f.kind {
            FoundKind::Qtvr { nodes, .. } => {
                let (_, l) = qtvr_format::qtvr::open(&f.open)
                    .unwrap_or_else(|e| panic!("{}: {}: {e}", f.path, f.open.display()));
                assert_eq!(l.scene.map(|s| s.nodes.len()), Some(*nodes), "{}", f.path);
            }
            FoundKind::Movie => {
                let (_, l) = qtvr_format::qtvr::open(&f.open).unwrap();
                assert!(l.scene.is_none());
            }
            _ => {}
        }
    }

    // Digests: movies (good or broken) have one; the same bytes share it,
    // and nothing else does.
    for f in &r.found {
        let movie = matches!(
            f.kind,
            FoundKind::Qtvr { .. } | FoundKind::Movie | FoundKind::Broken(_)
        );
        assert_eq!(f.digest.is_some(), movie, "{}: {:?}", f.path, f.digest);
    }
    let digest = |p: &str| {
        r.found
            .iter()
            .find(|f| f.path == p)
            .and_then(|f| f.digest.clone())
            .unwrap_or_else(|| panic!("{p}: no digest"))
    };
    let mut by_digest: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for f in &r.found {
        if let Some(d) = &f.digest {
            by_digest.entry(d.clone()).or_default().push(&f.path);
        }
    }
    for group in &expected.duplicates {
        let d = digest(&group[0]);
        for p in group {
            assert_eq!(digest(p), d, "{p} and {} differ", group[0]);
        }
        assert_eq!(by_digest[&d].len(), group.len(), "{:?}", by_digest[&d]);
    }
    let shared = by_digest.values().filter(|v| v.len() > 1).count();
    assert_eq!(shared, expected.duplicates.len(), "{by_digest:#?}");
    // A plain file's digest is its sha256sum.
    let tour = std::fs::read(input.join("Archive/Café/Tour")).unwrap();
    let hex: String = Sha256::digest(&tour)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(digest("Archive/Café/Tour"), hex);

    // Sizes: files as they are; disc image entries both forks.
    let size = |p: &str| r.found.iter().find(|f| f.path == p).unwrap().size;
    assert_eq!(size("Archive/Café/Tour"), tour.len() as u64);
    assert_eq!(size("Archive/Misc/empty"), 0);

    // The refused members are warned about.
    for part in [
        "../../../escape.txt",
        "/tmp/qtvr-discover-abs.txt",
        "hostile/bomb",
    ] {
        assert!(
            r.warnings.iter().any(|w| w.contains(part)),
            "no warning for {part}: {:#?}",
            r.warnings
        );
    }
    assert!(
        r.warnings.iter().any(|w| w.contains("zip-slip")),
        "{:#?}",
        r.warnings
    );
    assert!(
        r.warnings.iter().any(|w| w.contains("zip bomb")),
        "{:#?}",
        r.warnings
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// A second discovery of the same inputs finds the same, with the scratch
/// folder of the first still there.
#[test]
fn discovery_is_repeatable() {
    let d = dir("twice");
    let input = d.join("input");
    std::fs::create_dir_all(&input).unwrap();
    let expected = build_archive(&input);
    let work = d.join("out/.qtvr-work");
    // Messages may name the scratch folder's numbered folders: kinds only.
    let strip = |r: &qtvr::convert::discover::Discovery| -> Vec<(String, String, Option<String>)> {
        r.found
            .iter()
            .map(|f| {
                let kind = match &f.kind {
                    FoundKind::Qtvr { summary, .. } => summary.clone(),
                    k => format!("{k:?}")
                        .split('(')
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                };
                (f.path.clone(), kind, f.digest.clone())
            })
            .collect()
    };
    let a = discover(&expected.inputs, &work);
    let b = discover(&expected.inputs, &work);
    assert_eq!(strip(&a), strip(&b));
    let _ = std::fs::remove_dir_all(&d);
}
