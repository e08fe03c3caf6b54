//! The ffmpeg fallback against fake ffmpeg executables (shell scripts the
//! tests write): the input movie it is given, frames mapped to samples, and
//! every way a run can go wrong — it hangs, crashes, writes too much, too
//! little or a partial frame, is cancelled — ending as an error for that track
//! only, in time, with the process gone.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::super::{
    Cancel, DecodeOptions, Fallback, Request, Role, TileStatus, TrackError, decode,
};
use super::*;
use crate::container::build::{MovieWriter, TrackSpec, video_entry};
use crate::container::read_movie;
use crate::limits::Budget;

const W: u16 = 20;
const H: u16 = 4;
/// Bytes of one RGBA frame.
const FRAME: usize = W as usize * H as usize * 4;

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("qtvr-ffmpeg-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// An executable shell script `dir/name` with `body`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// Shell that writes frames of the given byte values (octal) to stdout.
fn frames(octal: &[&str]) -> String {
    octal
        .iter()
        .map(|v| format!("head -c {FRAME} /dev/zero | tr '\\0' '\\{v}'\n"))
        .collect()
}

/// Shell that copies the input movie (the argument after `-i`) to `to`.
fn copy_input(to: &Path) -> String {
    format!(
        "while [ $# -gt 0 ]; do if [ \"$1\" = -i ]; then cp \"$2\" '{}'; fi; shift; done\n",
        to.display()
    )
}

fn sample_bytes(k: u8) -> Vec<u8> {
    (0..10 + k)
        .map(|i| i.wrapping_mul(7).wrapping_add(k))
        .collect()
}

/// A video track of `IV50` (a codec without a decoder here) with `n` samples.
fn iv50(id: u32, n: u8, sync: Option<Vec<u32>>, ctts: Vec<i32>) -> TrackSpec {
    TrackSpec {
        id,
        enabled: true,
        handler: *b"vide",
        media_timescale: 600,
        descriptions: vec![video_entry(b"IV50", W, H, 24, None)],
        samples: (0..n).map(|k| (sample_bytes(k), 100)).collect(),
        sync_samples: sync,
        composition_offsets: ctts,
        width: W,
        height: H,
        ..Default::default()
    }
}

fn movie(tracks: Vec<TrackSpec>) -> (Vec<u8>, crate::container::Movie) {
    let bytes = MovieWriter {
        timescale: 600,
        tracks,
        ..Default::default()
    }
    .finish();
    let m = read_movie(&bytes, &Budget::for_file(bytes.len() as u64)).unwrap();
    (bytes, m)
}

fn opts(ffmpeg: &Path, time_ms: u64) -> DecodeOptions {
    DecodeOptions {
        limits: Limits {
            fallback_time_ms: time_ms,
            fallback_time_per_sample_ms: 0,
            ..Limits::default()
        },
        fallback: Fallback::Ffmpeg(ffmpeg.to_path_buf()),
        ..DecodeOptions::default()
    }
}

fn first_pixel(f: &Frame) -> [u8; 4] {
    let rgba = f.to_rgba();
    [rgba[0], rgba[1], rgba[2], rgba[3]]
}

#[test]
fn frames_map_to_samples_and_the_input_holds_the_description_and_samples() {
    let dir = scratch("good");
    let input = dir.join("input.mov");
    let args = dir.join("args");
    let ffmpeg = script(
        &dir,
        "ffmpeg",
        &format!(
            "echo \"$@\" > '{}'\n{}{}",
            args.display(),
            copy_input(&input),
            frames(&["050", "120", "170"])
        ),
    );
    let (bytes, m) = movie(vec![iv50(7, 3, None, Vec::new())]);
    let track = &m.tracks[0];
    let d = super::super::decode_track(
        &bytes,
        track,
        &[2, 0, 2],
        Role::Image,
        &opts(&ffmpeg, 20_000),
    )
    .unwrap();
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let got: Vec<(usize, [u8; 4])> = d
        .tiles
        .iter()
        .map(|t| (t.sample, first_pixel(&t.frame)))
        .collect();
    assert_eq!(
        got,
        [(2, [120, 120, 120, 120]), (0, [40; 4]), (2, [120; 4])]
    );
    assert!(d.tiles.iter().all(|t| t.status == TileStatus::Decoded));
    assert!(
        d.tiles
            .iter()
            .all(|t| (t.frame.width, t.frame.height) == (u32::from(W), u32::from(H)))
    );
    // The command line asks for raw RGBA at the description's size, no edits.
    let args = std::fs::read_to_string(args).unwrap();
    for part in [
        "-nostdin",
        "-ignore_editlist 1",
        "-map 0:v:0",
        "scale=20:4:",
        "-fps_mode passthrough",
        "-f rawvideo -pix_fmt rgba pipe:1",
    ] {
        assert!(args.contains(part), "{part} in {args}");
    }
    // The input: the description byte for byte, every sample once, no edits;
    // and it was removed afterwards.
    let input_bytes = std::fs::read(&input).unwrap();
    let im = read_movie(&input_bytes, &Budget::for_file(input_bytes.len() as u64)).unwrap();
    assert!(im.warnings.is_empty(), "{:?}", im.warnings);
    let it = &im.tracks[0];
    assert_eq!(im.tracks.len(), 1);
    assert!(it.edits.is_empty());
    assert!(!it.has_sync_table);
    assert_eq!(it.descriptions.len(), 1);
    assert_eq!(it.descriptions[0].format, track.descriptions[0].format);
    assert_eq!(it.descriptions[0].data, track.descriptions[0].data);
    assert_eq!(it.samples.len(), 3);
    for (k, s) in it.samples.iter().enumerate() {
        let mut b = vec![0; s.size as usize];
        input_bytes.read_exact_at(s.offset, &mut b).unwrap();
        assert_eq!(b, sample_bytes(k as u8));
    }
    let given = args
        .split(' ')
        .skip_while(|a| *a != "-i")
        .nth(1)
        .expect("an input file");
    assert!(given.contains("qtvr-ffmpeg-"), "{given}");
    assert!(!Path::new(given).exists(), "{given} was removed");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_run_starts_at_the_sync_sample_before_the_first_wanted_one() {
    let dir = scratch("sync");
    let input = dir.join("input.mov");
    let ffmpeg = script(
        &dir,
        "ffmpeg",
        &format!("{}{}", copy_input(&input), frames(&["001", "002"])),
    );
    // Sync samples 1 and 3 (0-based 0 and 2): sample 3 (0-based) needs 2 and 3.
    let (bytes, m) = movie(vec![iv50(7, 5, Some(vec![1, 3]), Vec::new())]);
    let d = super::super::decode_track(
        &bytes,
        &m.tracks[0],
        &[3],
        Role::Image,
        &opts(&ffmpeg, 20_000),
    )
    .unwrap();
    assert_eq!(d.tiles[0].sample, 3);
    assert_eq!(first_pixel(&d.tiles[0].frame), [2; 4]);
    let input_bytes = std::fs::read(&input).unwrap();
    let im = read_movie(&input_bytes, &Budget::for_file(input_bytes.len() as u64)).unwrap();
    let it = &im.tracks[0];
    assert_eq!(it.samples.len(), 2);
    assert!(it.has_sync_table);
    assert_eq!(
        it.samples.iter().map(|s| s.is_sync).collect::<Vec<_>>(),
        [true, false]
    );
    assert_eq!(it.samples[1].size as usize, sample_bytes(3).len());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reordered_frames_run_until_every_samples_picture_is_in() {
    // Decode order I0 P1 B2 B3 P4, shown as I0 B2 B3 P1 P4 (one tile of delay).
    let ctts = vec![100, 300, 0, 0, 100];
    let (bytes, m) = movie(vec![iv50(7, 5, None, ctts)]);
    let track = &m.tracks[0];
    assert_eq!(track.composition_offsets, [100, 300, 0, 0, 100]);
    // Sample 1 alone: its time's picture is B2's... the run goes on to B3.
    assert_eq!(run_samples(track, 1, 0, 1), [0, 1, 2, 3]);
    assert_eq!(run_samples(track, 1, 0, 0), [0]);
    assert_eq!(run_samples(track, 1, 0, 3), [0, 1, 2, 3]);
    assert_eq!(run_samples(track, 1, 4, 4), [4]);
    assert_eq!(presentation_order(track, &[0, 1, 2, 3]), [0, 2, 3, 1]);
    // An open group of pictures: the second sync sample's B-frames are shown
    // before it and refer to the picture before it, so a run that wants them
    // starts at the sync sample before.
    let (_, open) = movie(vec![iv50(
        7,
        5,
        Some(vec![1, 2]),
        vec![100, 300, 0, 0, 100],
    )]);
    let open = &open.tracks[0];
    assert_eq!(run_samples(open, 1, 1, 2), [0, 1, 2, 3]);
    assert_eq!(clean_start(open, 1, 1), 0);
    assert_eq!(clean_start(open, 1, 4), 4);
    // The input movie keeps that order as composition offsets; frame k is
    // the run's k-th sample.
    let dir = scratch("ctts");
    let input = dir.join("input.mov");
    let ffmpeg = script(
        &dir,
        "ffmpeg",
        &format!(
            "{}{}",
            copy_input(&input),
            frames(&["001", "002", "003", "004"])
        ),
    );
    let d = super::super::decode_track(&bytes, track, &[1], Role::Image, &opts(&ffmpeg, 20_000))
        .unwrap();
    assert_eq!(first_pixel(&d.tiles[0].frame), [2; 4]);
    let input_bytes = std::fs::read(&input).unwrap();
    let im = read_movie(&input_bytes, &Budget::for_file(input_bytes.len() as u64)).unwrap();
    let it = &im.tracks[0];
    assert_eq!(it.samples.len(), 4);
    assert_eq!(presentation_order(it, &[0, 1, 2, 3]), [0, 2, 3, 1]);
    assert!(it.composition_offsets.iter().all(|&o| o >= 0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Decodes every sample of an `IV50` track beside a raw track with `ffmpeg`;
/// the raw track must come through whatever happens to the other one.
fn failing(ffmpeg: &Path, time_ms: u64, cancel: Option<Duration>) -> (TrackError, Duration) {
    let raw = TrackSpec {
        id: 2,
        enabled: true,
        handler: *b"vide",
        media_timescale: 600,
        descriptions: vec![video_entry(b"raw ", W, H, 24, None)],
        samples: vec![([9u8, 8, 7].repeat(usize::from(W) * usize::from(H)), 100)],
        width: W,
        height: H,
        ..Default::default()
    };
    let (bytes, m) = movie(vec![raw, iv50(7, 3, None, Vec::new())]);
    let o = opts(ffmpeg, time_ms);
    if let Some(after) = cancel {
        let c: Cancel = o.cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(after);
            c.cancel();
        });
    }
    let requests = [
        Request {
            track: &m.tracks[0],
            samples: &[0],
            role: Role::Image,
        },
        Request {
            track: &m.tracks[1],
            samples: &[0, 1, 2],
            role: Role::Image,
        },
    ];
    let started = Instant::now();
    let mut r = decode(&bytes, &requests, &o);
    let took = started.elapsed();
    let e = r.pop().unwrap().unwrap_err();
    if cancel.is_none() {
        let raw = r.pop().unwrap().unwrap();
        assert_eq!(first_pixel(&raw.tiles[0].frame), [9, 8, 7, 255]);
    }
    assert_eq!(e.track_id, TrackId(7));
    (e, took)
}

/// Whether process `pid` still exists (Linux: its /proc entry).
fn alive(pid_file: &Path) -> bool {
    let pid = std::fs::read_to_string(pid_file).unwrap();
    Path::new("/proc").join(pid.trim()).exists()
}

use crate::ids::TrackId;

#[test]
fn a_hanging_ffmpeg_is_stopped_at_the_time_limit() {
    let dir = scratch("hang");
    let pid = dir.join("pid");
    // Not `exec`: the shell's `sleep` keeps the pipes open after the shell is killed.
    let ffmpeg = script(
        &dir,
        "ffmpeg",
        &format!("echo $$ > '{}'\nsleep 30", pid.display()),
    );
    let (e, took) = failing(&ffmpeg, 1000, None);
    assert!(e.what.contains("ran longer than 1.0 s"), "{e}");
    assert!(e.what.contains("could not decode codec 'IV50'"), "{e}");
    assert!(took < Duration::from_secs(6), "{took:?}");
    if Path::new("/proc/self").exists() {
        assert!(!alive(&pid), "the process was killed");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_cancelled_decode_kills_ffmpeg() {
    let dir = scratch("cancel");
    let pid = dir.join("pid");
    let ffmpeg = script(
        &dir,
        "ffmpeg",
        &format!("echo $$ > '{}'\nexec sleep 30", pid.display()),
    );
    let (e, took) = failing(&ffmpeg, 60_000, Some(Duration::from_millis(300)));
    assert_eq!(e.to_string(), "track 7: decoding was cancelled");
    assert!(took < Duration::from_secs(6), "{took:?}");
    if Path::new("/proc/self").exists() {
        assert!(!alive(&pid), "the process was killed");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_crash_is_an_error_naming_what_ffmpeg_said() {
    let dir = scratch("crash");
    let ffmpeg = script(
        &dir,
        "ffmpeg",
        "echo 'x.mov: Invalid data found when processing input' >&2\nexit 1",
    );
    let (e, _) = failing(&ffmpeg, 20_000, None);
    assert!(
        e.what.ends_with(
            "could not decode codec 'IV50': it failed (exit code 1): x.mov: Invalid data found when processing input"
        ),
        "{e}"
    );
    assert!(e.what.contains(&ffmpeg.display().to_string()), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn too_many_frames_are_an_error() {
    let dir = scratch("many");
    let ffmpeg = script(&dir, "ffmpeg", &frames(&["001", "002", "003", "004"]));
    let (e, _) = failing(&ffmpeg, 20_000, None);
    assert!(
        e.what
            .ends_with("it wrote more frames than the 3 sample(s) it was given"),
        "{e}"
    );
    // Endless output: stopped after one byte too many, without holding it.
    let ffmpeg = script(&dir, "flood", "exec cat /dev/zero");
    let (e, took) = failing(&ffmpeg, 20_000, None);
    assert!(e.what.contains("more frames than the 3 sample(s)"), "{e}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn too_few_frames_and_partial_frames_are_errors() {
    let dir = scratch("few");
    let ffmpeg = script(&dir, "ffmpeg", &frames(&["001", "002"]));
    let (e, _) = failing(&ffmpeg, 20_000, None);
    assert!(
        e.what.ends_with("it wrote 2 frame(s) for 3 sample(s)"),
        "{e}"
    );
    let ffmpeg = script(
        &dir,
        "partial",
        &format!(
            "{}head -c {} /dev/zero",
            frames(&["001", "002"]),
            FRAME - 10
        ),
    );
    let (e, _) = failing(&ffmpeg, 20_000, None);
    assert!(
        e.what.ends_with(&format!(
            "its output ends inside frame 3 ({} of {FRAME} bytes)",
            FRAME - 10
        )),
        "{e}"
    );
    // Nothing at all, and an error message on the way out.
    let ffmpeg = script(&dir, "nothing", "echo 'no frames' >&2");
    let (e, _) = failing(&ffmpeg, 20_000, None);
    assert!(
        e.what
            .ends_with("it wrote 0 frame(s) for 3 sample(s): no frames"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_ffmpeg_that_cannot_start_is_an_error() {
    let (e, _) = failing(Path::new("/nonexistent/qtvr/ffmpeg"), 20_000, None);
    assert!(e.what.contains("it cannot be started"), "{e}");
}

#[test]
fn without_ffmpeg_the_samples_are_placeholders_and_the_warning_says_why() {
    let (bytes, m) = movie(vec![iv50(7, 3, None, Vec::new())]);
    let o = DecodeOptions {
        fallback: Fallback::Off,
        ..DecodeOptions::default()
    };
    let d = super::super::decode_track(&bytes, &m.tracks[0], &[0, 1, 2], Role::Image, &o).unwrap();
    assert!(
        d.tiles
            .iter()
            .all(|t| matches!(t.status, TileStatus::Placeholder(_)))
    );
    assert_eq!(d.warnings.len(), 1);
    assert_eq!(
        d.warnings[0].message,
        "track 7: codec 'IV50' is not supported without ffmpeg; install ffmpeg (or set QTVR_FFMPEG) to show it; its 3 sample(s) show as a grey checkerboard"
    );
    assert_eq!(
        decoding(&m.tracks[0], &Fallback::Off),
        Some(Decoding::NeedsFfmpeg(FourCC(*b"IV50")))
    );
    let p = PathBuf::from("/x/ffmpeg");
    assert_eq!(
        decoding(&m.tracks[0], &Fallback::Ffmpeg(p.clone())),
        Some(Decoding::Ffmpeg(p))
    );
}

#[test]
fn frames_over_the_limits_never_start_ffmpeg() {
    let dir = scratch("limits");
    let ran = dir.join("ran");
    let ffmpeg = script(&dir, "ffmpeg", &format!("touch '{}'", ran.display()));
    let (bytes, m) = movie(vec![iv50(7, 1, None, Vec::new())]);
    let mut o = opts(&ffmpeg, 20_000);
    o.limits.frame_max_side = u32::from(W) - 1;
    let d = super::super::decode_track(&bytes, &m.tracks[0], &[0], Role::Image, &o).unwrap();
    assert!(matches!(d.tiles[0].status, TileStatus::Placeholder(_)));
    assert!(
        d.warnings[0].message.contains("more than 19 on a side"),
        "{:?}",
        d.warnings
    );
    assert!(!ran.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ffmpeg_is_found_on_the_path_or_named_by_the_variable() {
    use std::ffi::OsString;
    let dir = scratch("lookup");
    let a = dir.join("a");
    let b = dir.join("b");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    // Not executable in `a`; executable in `b`.
    std::fs::write(a.join("ffmpeg"), "").unwrap();
    let found = script(&b, "ffmpeg", "true");
    let other = script(&b, "my-ffmpeg", "true");
    let path = std::env::join_paths([&a, &b]).unwrap();
    assert_eq!(lookup(None, Some(path.clone())), Some(found.clone()));
    assert_eq!(lookup(None, Some(OsString::from(&a))), None);
    assert_eq!(lookup(None, None), None);
    assert_eq!(lookup(Some(OsString::new()), Some(path.clone())), None);
    assert_eq!(
        lookup(Some(OsString::from("my-ffmpeg")), Some(path.clone())),
        Some(other.clone())
    );
    assert_eq!(
        lookup(Some(other.clone().into_os_string()), None),
        Some(other)
    );
    assert_eq!(
        lookup(Some(a.join("ffmpeg").into_os_string()), Some(path)),
        None
    );
    let _ = std::fs::remove_dir_all(&dir);
}
