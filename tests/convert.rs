//! `qtvr convert` from the command line: the archive that
//! tests/support/archive.rs builds (nested folders with Mac Roman names,
//! files without extensions, MacBinary and AppleDouble, an HFS image, a zip
//! with `__MACOSX/`, non-movies, broken and truncated movies, duplicates)
//! converted and its gallery checked in headless Chromium; the report and
//! gallery of sample movies, skipping on a second run and `--force`,
//! Ctrl+C, exit codes, shards. (What the walk itself finds is
//! tests/convert_discover.rs.)

#[path = "support/archive.rs"]
mod archive;
#[path = "support/browser.rs"]
mod browser;
mod common;
#[path = "support/diskimg.rs"]
mod diskimg;
#[path = "support/objects.rs"]
mod objects;
#[path = "support/sounds.rs"]
mod sounds;
#[path = "support/tours.rs"]
mod tours;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn qtvr() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qtvr"))
}

/// A folder of a few sample movies (names without extensions, in nested
/// folders) plus a text file and a broken movie.
fn input(name: &str) -> Option<PathBuf> {
    let samples = common::samples_dir()?;
    let dir = browser::temp_path(name).join("Archiv Café");
    for (from, to) in [
        ("gen/cube_raw24_small.mov", "Würfel/raw"),
        ("gen/cyl_partial180_smc.mov", "Zylinder/halb"),
        ("gen/multinode_2pano_1obj_links.mov", "Tour"),
        ("gen/object_3x12_rle16.mov", "Objekte/3x12"),
        ("gen/qtvr1_pano_cvid_hotspots.mov", "Objekte/qtvr1"),
    ] {
        let dest = dir.join(to);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::copy(samples.join(from), &dest).expect("copy");
    }
    std::fs::write(dir.join("LIESMICH.txt"), "nur Text\n").expect("write");
    // A movie cut short in its pictures (converts, with warnings), and one
    // cut inside its movie atom (cannot be read).
    let whole = std::fs::read(samples.join("gen/cube_std_jpeg.mov")).expect("read");
    std::fs::write(dir.join("halb kaputt"), &whole[..whole.len() * 2 / 3]).expect("write");
    std::fs::write(dir.join("kaputt"), &whole[..300]).expect("write");
    Some(dir)
}

fn report(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("report.json"))
        .expect("JSON")
}

fn entry<'a>(r: &'a Value, path_end: &str) -> &'a Value {
    r["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|e| e["path"].as_str().is_some_and(|p| p.ends_with(path_end)))
        .unwrap_or_else(|| panic!("no entry for {path_end} in {r:#}"))
}

fn run(args: &[&str], inputs: &[&Path], out: &Path) -> Output {
    qtvr()
        .arg("convert")
        .args(inputs)
        .arg("-o")
        .arg(out)
        .args(args)
        .output()
        .expect("qtvr runs")
}

fn tree_digest(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            let meta = std::fs::symlink_metadata(&p).expect("metadata");
            if meta.file_type().is_symlink() {
                // Links are not followed (the archive has a loop).
                let target = std::fs::read_link(&p).expect("link");
                out.push((p.clone(), target.to_string_lossy().as_bytes().to_vec()));
            } else if meta.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).expect("read")));
            }
        }
    }
    out.sort();
    out
}

/// Every file is in the report, the movies are converted into the input's
/// structure, the broken one fails with its reason (exit code 2), the input
/// is untouched; a second run skips everything; `--force` converts again.
#[test]
fn converts_reports_skips_and_redoes() {
    let Some(dir) = input("convert") else { return };
    let before = tree_digest(&dir);
    let out = browser::temp_path("convert-out");
    let o = run(&[], &[&dir], &out);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(tree_digest(&dir), before, "the input was written");
    let r = report(&out);
    assert_eq!(r["schema"], 1);
    assert_eq!(r["counts"]["movies"], 6, "{:#}", r["counts"]);
    assert_eq!(r["counts"]["converted"], 6);
    assert_eq!(r["counts"]["failed"], 1);
    let damaged = entry(&r, "/halb kaputt");
    assert_eq!(damaged["status"], "converted");
    assert!(
        !damaged["warnings"].as_array().expect("warnings").is_empty(),
        "{damaged}"
    );
    let tour = entry(&r, "/Tour");
    assert_eq!(tour["kind"], "qtvr");
    assert_eq!(tour["status"], "converted");
    assert!(
        tour["describe"].as_str().unwrap_or_default().contains('3'),
        "{tour}"
    );
    let index = tour["outputs"][0].as_str().expect("an output");
    assert_eq!(index, "Archiv Café/Tour/index.html");
    assert!(out.join(index).is_file());
    assert!(
        out.join(tour["thumbnail"].as_str().expect("thumbnail"))
            .is_file()
    );
    assert!(out.join("Archiv Café/Würfel/raw/index.html").is_file());
    let text = entry(&r, "LIESMICH.txt");
    assert_eq!(text["kind"], "not a movie");
    let broken = entry(&r, "/kaputt");
    assert_eq!(broken["kind"], "broken movie");
    assert_eq!(broken["status"], "failed");
    assert!(
        broken["reason"].as_str().is_some_and(|s| !s.is_empty()),
        "{broken}"
    );
    let gallery = std::fs::read_to_string(out.join("index.html")).expect("gallery");
    assert!(
        gallery.contains("kaputt") && gallery.contains("failed"),
        "the gallery lists the failure"
    );

    // Again: nothing to do.
    let o = run(&[], &[&dir], &out);
    assert_eq!(o.status.code(), Some(2));
    let r = report(&out);
    assert_eq!(r["counts"]["converted"], 0);
    assert_eq!(r["counts"]["already_converted"], 6);
    assert_eq!(
        entry(&r, "/Tour")["outputs"][0],
        "Archiv Café/Tour/index.html"
    );
    // --force: everything again.
    let o = run(&["--force"], &[&dir], &out);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(report(&out)["counts"]["converted"], 6);
    // Without the broken movie: exit 0.
    std::fs::remove_file(dir.join("kaputt")).expect("rm");
    let out2 = browser::temp_path("convert-out2");
    assert_eq!(
        run(&["--to", "equirect"], &[&dir], &out2).status.code(),
        Some(0)
    );
    let r = report(&out2);
    assert_eq!(entry(&r, "/Tour")["outputs"][0], "Archiv Café/Tour.jpg");
    assert!(out2.join("Archiv Café/Tour.jpg").is_file());
}

/// Nothing readable: exit code 1.
#[test]
fn nothing_readable_is_exit_code_1() {
    let out = browser::temp_path("convert-none");
    let o = run(&[], &[Path::new("/nonexistent/qtvr-archive")], &out);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Two shards convert every movie once between them.
#[test]
fn shards_split_the_movies() {
    let Some(dir) = input("shards") else { return };
    let mut seen = Vec::new();
    for i in 1..=2 {
        let out = browser::temp_path(&format!("shard{i}"));
        run(&["--shard", &format!("{i}/2")], &[&dir], &out);
        let r = report(&out);
        for e in r["files"].as_array().expect("files") {
            if e["status"] == "converted" {
                seen.push(e["path"].as_str().unwrap_or_default().to_string());
            }
        }
    }
    seen.sort();
    let n = seen.len();
    seen.dedup();
    assert_eq!(n, 6, "{seen:?}");
    assert_eq!(seen.len(), 6, "no movie twice");
}

/// Ctrl+C: the movie being converted finishes, no other starts, nothing is
/// left half-written, and the report says what was done.
#[test]
fn ctrl_c_stops_cleanly() {
    let Some(dir) = input("ctrlc") else { return };
    let out = browser::temp_path("ctrlc-out");
    let mut child = qtvr()
        .arg("convert")
        .arg(&dir)
        .arg("-o")
        .arg(&out)
        .args(["--jobs", "1"])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("qtvr runs");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    // Wait for the first movie to be done, then interrupt.
    for line in lines.by_ref() {
        if line.expect("a line").contains("[1/") {
            break;
        }
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("exits");
    let r = report(&out);
    let converted = r["counts"]["converted"].as_u64().unwrap_or(0);
    if converted == 6 {
        // The run ended before the signal arrived: nothing to check.
        eprintln!("the conversion finished before Ctrl+C: {rest:?}");
        return;
    }
    assert_eq!(status.code(), Some(2), "{rest:?}");
    assert_eq!(r["stopped"], true);
    assert!(converted >= 1);
    assert!(
        r["counts"]["not_converted"].as_u64().unwrap_or(0) >= 1,
        "{:#}",
        r["counts"]
    );
    // Every converted movie is whole; nothing partial anywhere.
    for e in r["files"].as_array().expect("files") {
        if e["status"] == "converted" {
            let o = e["outputs"][0].as_str().expect("output");
            assert!(out.join(o).is_file(), "{o}");
        }
    }
    let mut stack = vec![out.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            assert!(!name.contains("partial"), "left behind: {}", p.display());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
}

/// The gallery in headless Chromium shows a thumbnail for every movie that
/// converted, and links to it.
#[test]
fn the_gallery_shows_every_converted_movie() {
    let Some(b) = browser::browser() else { return };
    let Some(dir) = input("gallery") else { return };
    let out = browser::temp_path("gallery-out");
    run(&[], &[&dir], &out);
    let shot = browser::temp_path("gallery.png");
    let steps = json!([
        { "viewport": [1200, 900] },
        { "goto": browser::file_url(&out.join("index.html")) },
        { "waitFor": "[...document.images].every(i => i.complete)", "timeout": 20000 },
        { "screenshot": shot },
        { "eval": "[...document.querySelectorAll('.card')].map(c => ({ path: c.dataset.path, status: c.className, img: c.querySelector('img') ? [c.querySelector('img').naturalWidth, c.querySelector('img').naturalHeight] : null, link: c.querySelector('h2 a') ? c.querySelector('h2 a').href : null }))" },
    ]);
    let r = b.run_clean(&steps);
    let cards = r["results"][0].as_array().expect("cards").clone();
    let converted: Vec<&Value> = cards
        .iter()
        .filter(|c| {
            c["status"]
                .as_str()
                .is_some_and(|s| s.contains("converted"))
        })
        .collect();
    assert_eq!(converted.len(), 6, "{cards:#?}");
    for c in &converted {
        assert_eq!(c["img"], json!([320, 240]), "a thumbnail for {}", c["path"]);
        let link = c["link"].as_str().expect("a link");
        assert!(link.ends_with("/index.html"), "{link}");
    }
    // The thumbnails show pictures, not blank boxes.
    let img = image::open(&shot).expect("png").to_rgb8();
    let grey = img
        .pixels()
        .filter(|p| p[0] == p[1] && p[1] == p[2])
        .count();
    assert!(grey < img.pixels().len() * 9 / 10, "the gallery is blank");
}

/// The built archive: every file in the report with its kind, every QTVR
/// movie converted (duplicates pointing at the first), broken ones failed,
/// the inputs untouched, and the gallery showing a thumbnail for each.
#[test]
fn the_built_archive_converts_with_a_thumbnail_for_every_movie() {
    use archive::Want;
    let root = browser::temp_path("archive");
    std::fs::create_dir_all(&root).expect("mkdir");
    let expected = archive::build_archive(&root);
    let inputs: Vec<&Path> = expected.inputs.iter().map(|p| p.as_path()).collect();
    let inputs_now = || -> Vec<_> {
        expected
            .inputs
            .iter()
            .map(|p| {
                if p.is_dir() {
                    tree_digest(p)
                } else {
                    vec![(p.clone(), std::fs::read(p).expect("read"))]
                }
            })
            .collect()
    };
    let before = inputs_now();
    let out = browser::temp_path("archive-out");
    let o = run(&[], &inputs, &out);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(before == inputs_now(), "an input was written");
    let r = report(&out);
    let files = r["files"].as_array().expect("files");
    let by_path = |path: &str| {
        files
            .iter()
            .find(|e| e["path"] == path)
            .unwrap_or_else(|| panic!("{path} is not in the report"))
    };
    let mut movies = 0;
    for (path, want) in &expected.items {
        let e = by_path(path);
        let (kind, status) = (
            e["kind"].as_str().unwrap_or(""),
            e["status"].as_str().unwrap_or(""),
        );
        match want {
            Want::Qtvr { .. } => {
                movies += 1;
                assert_eq!((kind, status), ("qtvr", "converted"), "{path}: {e}");
                let index = e["outputs"][0].as_str().expect("an output");
                assert!(out.join(index).is_file(), "{path}: {index}");
            }
            Want::Broken => assert_eq!((kind, status), ("broken movie", "failed"), "{path}: {e}"),
            Want::Movie => assert_eq!(kind, "movie", "{path}: {e}"),
            Want::NotAMovie(_) | Want::Sidecar(_) => assert_eq!(kind, "not a movie", "{path}: {e}"),
            Want::Container(_) => assert_eq!(kind, "container", "{path}: {e}"),
            Want::Unreadable(_) => assert_eq!(kind, "unreadable", "{path}: {e}"),
        }
    }
    assert_eq!(r["counts"]["converted"], movies);
    for group in &expected.duplicates {
        for later in &group[1..] {
            assert_eq!(by_path(later)["duplicate_of"], group[0].as_str(), "{later}");
        }
    }
    for p in &expected.never_written {
        assert!(!p.exists(), "{} was written", p.display());
    }

    // The gallery: a thumbnail for every converted movie.
    let Some(b) = browser::browser() else { return };
    let steps = json!([
        { "viewport": [1200, 900] },
        { "goto": browser::file_url(&out.join("index.html")) },
        { "waitFor": "[...document.images].every(i => i.complete)", "timeout": 20000 },
        { "eval": "[...document.querySelectorAll('.card')].map(c => ({ path: c.dataset.path, status: c.className, img: c.querySelector('img') ? [c.querySelector('img').naturalWidth, c.querySelector('img').naturalHeight] : null }))" },
    ]);
    let res = b.run_clean(&steps);
    let cards = res["results"][0].as_array().expect("cards");
    let converted: Vec<&Value> = cards
        .iter()
        .filter(|c| {
            c["status"]
                .as_str()
                .is_some_and(|s| s.ends_with(" converted"))
        })
        .collect();
    assert_eq!(converted.len(), movies, "{cards:#?}");
    for c in converted {
        assert_eq!(c["img"], json!([320, 240]), "a thumbnail for {}", c["path"]);
    }
}

/// Every target keeps the movie's sound: the web export plays it (its
/// sound/ folder), the others write the movie's sound as a WAV file beside
/// their pictures; the report lists the sound tracks and what they are for.
#[test]
fn conversion_keeps_the_sound() {
    let dir = browser::temp_path("convert-sound-in");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Klang"), sounds::sound_tour()).unwrap();
    for (to, wav) in [
        ("web", "Klang/sound/node-1.wav"),
        ("equirect", "Klang.wav"),
        ("tiles", "Klang/sound.wav"),
    ] {
        let out = browser::temp_path(&format!("convert-sound-{to}"));
        let o = run(&["--to", to, "--jobs", "1"], &[&dir], &out);
        assert!(
            o.status.success(),
            "{to}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        // The input folder's name is kept in the output.
        let wav = out.join(dir.file_name().unwrap()).join(wav);
        assert!(wav.is_file(), "{to}: {} is missing", wav.display());
        let r = report(&out);
        let e = entry(&r, "Klang");
        let sound: Vec<&str> = e["sound"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(sound.len(), 4, "{to}: {sound:?}");
        assert!(sound[0].starts_with("track 10: 16-bit signed big-endian PCM ('twos'), 22050 Hz, 1 channel, 1.00 s, node 1"), "{}", sound[0]);
        assert!(sound[2].ends_with("node 3's views"), "{}", sound[2]);
        assert!(sound[3].ends_with("the whole movie"), "{}", sound[3]);
        if to != "web" {
            let outputs = e["outputs"].to_string();
            assert!(outputs.contains(".wav"), "{to}: {outputs}");
            // The whole movie's sound: every track mixed on its timeline,
            // 4.9 s of 32-bit float stereo at the first track's 22050 Hz.
            let bytes = std::fs::read(&wav).unwrap();
            let rate = u32::from_le_bytes(bytes[24..28].try_into().unwrap());
            assert_eq!(rate, 22050);
            let seconds = (bytes.len() - 80) as f64 / 8.0 / 22050.0;
            assert!((seconds - 4.9).abs() < 0.01, "{seconds} s");
        }
    }
}
