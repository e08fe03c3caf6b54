//! Decode benchmark, side by side with ffmpeg (`cargo bench --bench decode`).
//!
//! For every video track of every movie in `../shared/samples` and in
//! `tests/fixtures/codecs`, and for larger per-codec clips made with ffmpeg's
//! encoders at run time (640×480, 150 frames), it times in one run:
//!
//! * ours, decode, one thread: open the file, read the movie, decode every
//!   sample in order into one frame (what `ffmpeg -f null` measures);
//! * ours, all tiles kept, parallel: the tiles stage as a node uses it (every
//!   frame decoded and kept, independent chains on all cores);
//! * `ffmpeg -v error -threads 1 -ignore_editlist 1 -i FILE -map 0:v:N -f null -`
//!   (`-ignore_editlist` so that ffmpeg, like us, decodes every sample);
//! * the same ffmpeg command with its default threads.
//!
//! Each is the best of several runs. ffmpeg's times include its process start-up,
//! measured separately on a one-frame movie and printed. The Markdown table goes to
//! stdout and to `target/bench-decode.md`. Options: `--quick` (fewer runs),
//! `--filter TEXT` (only movies whose path contains TEXT).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use qtvr_format::codec::{Frame, StreamInfo, decoder_for};
use qtvr_format::container::read_movie;
use qtvr_format::limits::{Budget, Limits};
use qtvr_format::source::{ByteSource, FileSource};
use qtvr_format::tiles::{DecodeOptions, Role, decode_track, read_and_decode};

struct Row {
    movie: String,
    track: usize,
    codec: String,
    size: String,
    frames: usize,
    ours_1: Duration,
    ours_n: Duration,
    ff_1: Option<Duration>,
    ff_n: Option<Duration>,
    note: String,
}

fn best<F: FnMut()>(runs: usize, min_time: Duration, mut f: F) -> Duration {
    let mut best = Duration::MAX;
    let start = Instant::now();
    let mut n = 0;
    while n < runs || (start.elapsed() < min_time && n < 50) {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed());
        n += 1;
    }
    best
}

/// The `index`-th video track of a movie.
fn open_track(path: &Path, index: usize) -> (FileSource, qtvr_format::container::Movie) {
    let src = FileSource::open(path).expect("readable movie");
    let movie = read_movie(&src, &Budget::for_file(src.len())).expect("a movie");
    assert!(
        movie
            .tracks
            .iter()
            .filter(|t| t.handler.0 == *b"vide")
            .nth(index)
            .is_some()
    );
    (src, movie)
}

fn video_track(
    movie: &qtvr_format::container::Movie,
    index: usize,
) -> &qtvr_format::container::Track {
    movie
        .tracks
        .iter()
        .filter(|t| t.handler.0 == *b"vide")
        .nth(index)
        .expect("the video track")
}

/// Codec speed, as `ffmpeg -f null` measures it: open the file, read the movie,
/// decode every sample in order into one frame, one thread (with `rgba`,
/// each frame also turned into RGBA, as the picture's assembly does for the
/// layouts decoders keep as stored). Returns the samples that failed.
fn ours_stream(path: &Path, index: usize, rgba: bool) -> usize {
    let (src, movie) = open_track(path, index);
    let track = video_track(&movie, index);
    let Some(info) = StreamInfo::from_description(&track.descriptions[0]) else {
        return track.samples.len();
    };
    let Ok(mut dec) = decoder_for(&info) else {
        return track.samples.len();
    };
    let mut frame = Frame::new(
        info.width,
        info.height,
        dec.kind(),
        info.palette.clone(),
        &Limits::default(),
    )
    .expect("a frame");
    let mut bad = 0;
    let mut buf = Vec::new();
    for s in &track.samples {
        // As the tiles stage reads and decodes each sample.
        let ok = read_and_decode(&src, s, dec.as_mut(), &mut frame, &mut buf).is_ok();
        if rgba {
            std::hint::black_box(frame.to_rgba());
        }
        bad += usize::from(!ok);
    }
    bad
}

/// The tiles stage as a node uses it: every sample decoded and kept, chains in
/// parallel on all cores.
fn ours_tiles(path: &Path, index: usize) {
    let (src, movie) = open_track(path, index);
    let track = video_track(&movie, index);
    let all: Vec<usize> = (0..track.samples.len()).collect();
    let d = decode_track(&src, track, &all, Role::Image, &DecodeOptions::default())
        .expect("decodable track");
    assert_eq!(d.tiles.len(), all.len());
}

fn ffmpeg(path: &Path, index: usize, threads: Option<u32>) -> Option<Duration> {
    ffmpeg_to(path, index, threads, &[])
}

/// Sorenson Video 1 decoded to its own YUV planes only, one thread (what
/// `ffmpeg -f null` measures for a YUV codec).
fn ours_svq1_yuv(path: &Path, index: usize) {
    let (src, movie) = open_track(path, index);
    let track = video_track(&movie, index);
    let info = StreamInfo::from_description(&track.descriptions[0]).expect("video");
    let mut dec = qtvr_format::codec::svq1::Svq1Decoder::new(&info).expect("SVQ1");
    let mut buf = Vec::new();
    for s in &track.samples {
        buf.resize(s.size as usize, 0);
        src.read_exact_at(s.offset, &mut buf)
            .expect("readable sample");
        let _ = dec.decode_yuv(&buf);
    }
}

/// The ffmpeg command with `extra` output options (e.g. `-pix_fmt rgba`).
fn ffmpeg_to(path: &Path, index: usize, threads: Option<u32>, extra: &[&str]) -> Option<Duration> {
    let run = || {
        let mut cmd = Command::new("ffmpeg");
        cmd.args(["-v", "error"]);
        if let Some(t) = threads {
            cmd.args(["-threads", &t.to_string()]);
        }
        // Without it ffmpeg honours edit lists and skips samples (the archon movies'
        // rate-6 edits show 4 of 24 tiles); we decode every sample, so must it.
        cmd.args(["-ignore_editlist", "1"]);
        cmd.arg("-i").arg(path);
        cmd.args(["-map", &format!("0:v:{index}")]);
        cmd.args(extra);
        cmd.args(["-f", "null", "-"]);
        let t = Instant::now();
        let ok = cmd.output().ok()?.status.success();
        ok.then(|| t.elapsed())
    };
    run()?;
    let mut best = Duration::MAX;
    for _ in 0..3 {
        best = best.min(run()?);
    }
    Some(best)
}

fn video_tracks(path: &Path) -> Vec<(usize, String, String, usize)> {
    let Ok(src) = FileSource::open(path) else {
        return Vec::new();
    };
    let Ok(movie) = read_movie(&src, &Budget::for_file(src.len())) else {
        return Vec::new();
    };
    movie
        .tracks
        .iter()
        .filter(|t| t.handler.0 == *b"vide")
        .enumerate()
        .map(|(i, t)| {
            let d = &t.descriptions[0];
            let size = d
                .video
                .as_ref()
                .map_or(String::new(), |v| format!("{}×{}", v.width, v.height));
            (i, d.format.to_string(), size, t.samples.len())
        })
        .collect()
}

/// Larger clips per codec, made with ffmpeg's encoders into `dir`.
fn make_clips(dir: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).expect("clip folder");
    let clips: &[(&str, &[&str])] = &[
        ("cvid", &["-c:v", "cinepak"]),
        ("rpza", &["-c:v", "rpza"]),
        ("smc", &["-c:v", "smc", "-pix_fmt", "pal8"]),
        ("rle24", &["-c:v", "qtrle", "-pix_fmt", "rgb24"]),
        ("rle16", &["-c:v", "qtrle", "-pix_fmt", "rgb555be"]),
        ("rle32", &["-c:v", "qtrle", "-pix_fmt", "argb"]),
        ("jpeg", &["-c:v", "mjpeg", "-q:v", "3"]),
        ("svq1", &["-c:v", "svq1"]),
        (
            "2vuy",
            &["-c:v", "rawvideo", "-pix_fmt", "uyvy422", "-tag:v", "2vuy"],
        ),
        (
            "yuvs",
            &["-c:v", "rawvideo", "-pix_fmt", "yuyv422", "-tag:v", "yuvs"],
        ),
        ("png", &["-c:v", "png"]),
        ("raw24", &["-c:v", "rawvideo", "-pix_fmt", "rgb24"]),
    ];
    let mut out = Vec::new();
    for (name, args) in clips {
        let path = dir.join(format!("clip_{name}.mov"));
        if !path.exists() {
            let ok = Command::new("ffmpeg")
                .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
                .arg("testsrc2=size=640x480:rate=30")
                .args(["-frames:v", "150"])
                .args(*args)
                .arg(&path)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                eprintln!("could not make {}", path.display());
                continue;
            }
        }
        out.push(path);
    }
    out
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let filter = args
        .iter()
        .position(|a| a == "--filter")
        .and_then(|i| args.get(i + 1).cloned());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let have_ffmpeg = Command::new("ffmpeg").arg("-version").output().is_ok();
    let mut movies: Vec<PathBuf> = Vec::new();
    let samples = root.join("../shared/samples");
    for sub in ["real", "tools-made", "gen"] {
        if let Ok(rd) = std::fs::read_dir(samples.join(sub)) {
            let mut v: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "mov"))
                .collect();
            v.sort();
            movies.extend(v);
        }
    }
    if movies.is_empty() {
        eprintln!("SKIP ../shared/samples: not found, benchmarking the fixtures only");
    }
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(root.join("tests/fixtures/codecs"))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "mov"))
                .collect()
        })
        .unwrap_or_default();
    fixtures.sort();
    movies.extend(fixtures);
    if have_ffmpeg {
        movies.extend(make_clips(&root.join("target/bench-clips")));
    } else {
        eprintln!("ffmpeg not found: timing ours only");
    }
    let runs = if quick { 2 } else { 5 };
    let min_time = Duration::from_millis(if quick { 50 } else { 300 });
    let startup = if have_ffmpeg {
        let tiny = root.join("target/bench-clips/tiny.mov");
        let _ = Command::new("ffmpeg")
            .args([
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "color=s=16x16",
                "-frames:v",
                "1",
                "-c:v",
                "png",
            ])
            .arg(&tiny)
            .status();
        ffmpeg(&tiny, 0, Some(1))
    } else {
        None
    };

    let mut rows = Vec::new();
    // Tracks timed two ways: (movie, codec, size, frames, ours, ffmpeg null,
    // ours to RGBA, ffmpeg to RGBA); for Sorenson Video 1 the first way is
    // its YUV planes, for uncompressed video the frames as stored.
    type BothWays = (
        String,
        String,
        String,
        usize,
        Duration,
        Option<Duration>,
        Duration,
        Option<Duration>,
    );
    let mut svq1: Vec<BothWays> = Vec::new();
    let mut stored: Vec<BothWays> = Vec::new();
    for path in &movies {
        let shown = path
            .strip_prefix(root)
            .or_else(|_| path.strip_prefix(root.join("..")))
            .unwrap_or(path)
            .display()
            .to_string();
        if filter.as_ref().is_some_and(|f| !shown.contains(f.as_str())) {
            continue;
        }
        for (index, codec, size, frames) in video_tracks(path) {
            let bad = ours_stream(path, index, false);
            let ours_1 = best(runs, min_time, || {
                ours_stream(path, index, false);
            });
            let ours_n = best(runs, min_time, || {
                ours_tiles(path, index);
            });
            let (ff_1, ff_n) = if have_ffmpeg {
                (ffmpeg(path, index, Some(1)), ffmpeg(path, index, None))
            } else {
                (None, None)
            };
            let ff_rgba = || {
                have_ffmpeg
                    .then(|| ffmpeg_to(path, index, Some(1), &["-pix_fmt", "rgba"]))
                    .flatten()
            };
            // Uncompressed video, kept as stored: also to RGBA, both sides.
            if ["raw ", "2vuy", "yuvs", "yuv2"].contains(&codec.as_str()) {
                let rgba = best(runs, min_time, || {
                    ours_stream(path, index, true);
                });
                stored.push((
                    shown.clone(),
                    codec.clone(),
                    size.clone(),
                    frames,
                    ours_1,
                    ff_1,
                    rgba,
                    ff_rgba(),
                ));
            }
            if codec == "SVQ1" {
                let yuv = best(runs, min_time, || ours_svq1_yuv(path, index));
                svq1.push((
                    shown.clone(),
                    codec.clone(),
                    size.clone(),
                    frames,
                    yuv,
                    ff_1,
                    ours_1,
                    ff_rgba(),
                ));
            }
            let note = if bad > 0 {
                format!("{bad} samples not decoded")
            } else {
                String::new()
            };
            eprintln!(
                "{shown} v:{index} {codec} {frames} frames: ours {} / {} ms, ffmpeg {} / {} ms",
                ms(ours_1),
                ms(ours_n),
                ff_1.map_or("–".into(), ms),
                ff_n.map_or("–".into(), ms)
            );
            rows.push(Row {
                movie: shown.clone(),
                track: index,
                codec,
                size,
                frames,
                ours_1,
                ours_n,
                ff_1,
                ff_n,
                note,
            });
        }
    }

    // ffmpeg's times less its start-up: what it spends reading and decoding.
    let su = startup.unwrap_or(Duration::ZERO);
    let net = |d: Option<Duration>| d.map(|d| d.saturating_sub(su));
    let r = |ff: Option<Duration>, ours: Duration| ff.map(|f| f.as_secs_f64() / ours.as_secs_f64());
    let fmt_ratio = |x: Option<f64>| x.map_or("–".into(), |x| format!("{x:.2}"));
    let mut md = String::new();
    md.push_str(&format!(
        "Decode times in ms, best of ≥{runs} runs, {} cores. Ours: open the file, read the movie, decode every sample of the track. ffmpeg: the whole command, and the same less its start-up ({} ms, measured on a one-frame movie). Ratios are ffmpeg's net time / ours: > 1 means we are faster.\n\n",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        startup.map_or("–".into(), ms)
    ));
    md.push_str("| movie | v | codec | size | frames | ours: decode, 1 thread | ffmpeg -threads 1 (net) | ratio | ours: all tiles kept, parallel | ffmpeg default threads (net) | ratio | note |\n");
    md.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for row in &rows {
        md.push_str(&format!(
            "| {} | {} | `{}` | {} | {} | {} | {} ({}) | {} | {} | {} ({}) | {} | {} |\n",
            row.movie,
            row.track,
            row.codec,
            row.size,
            row.frames,
            ms(row.ours_1),
            row.ff_1.map_or("–".into(), ms),
            net(row.ff_1).map_or("–".into(), ms),
            fmt_ratio(r(net(row.ff_1), row.ours_1)),
            ms(row.ours_n),
            row.ff_n.map_or("–".into(), ms),
            net(row.ff_n).map_or("–".into(), ms),
            fmt_ratio(r(net(row.ff_n), row.ours_n)),
            row.note
        ));
    }
    // Per codec, over the tracks where ffmpeg spends at least 5 ms beyond its
    // start-up (smaller ones measure process start-up, not decoding).
    let mut codecs: Vec<String> = rows.iter().map(|r| r.codec.clone()).collect();
    codecs.sort();
    codecs.dedup();
    md.push_str("\nPer codec, tracks we decode where ffmpeg's net times are ≥ 5 ms (geometric mean of the ratios, and the worst):\n\n| codec | tracks | 1 thread vs ffmpeg -threads 1 | worst | parallel vs ffmpeg default threads | worst |\n|---|---|---|---|---|---|\n");
    for c in codecs {
        let rs: Vec<(f64, f64)> = rows
            .iter()
            .filter(|row| {
                let enough = |d: Option<Duration>| d.is_some_and(|d| d >= Duration::from_millis(5));
                // Only tracks we decode, and where ffmpeg's decoding outweighs the
                // noise of its start-up.
                row.codec == c
                    && row.note.is_empty()
                    && enough(net(row.ff_1))
                    && enough(net(row.ff_n))
            })
            .filter_map(|row| Some((r(net(row.ff_1), row.ours_1)?, r(net(row.ff_n), row.ours_n)?)))
            .collect();
        if rs.is_empty() {
            md.push_str(&format!(
                "| `{c}` | 0 | (all tracks too small to time against ffmpeg) | | | |\n"
            ));
            continue;
        }
        let geo = |v: &mut dyn Iterator<Item = f64>| {
            let (sum, n) = v.fold((0.0, 0), |(s, n), x| (s + x.ln(), n + 1));
            (sum / f64::from(n)).exp()
        };
        let g1 = geo(&mut rs.iter().map(|x| x.0));
        let gn = geo(&mut rs.iter().map(|x| x.1));
        let w1 = rs.iter().map(|x| x.0).fold(f64::INFINITY, f64::min);
        let wn = rs.iter().map(|x| x.1).fold(f64::INFINITY, f64::min);
        md.push_str(&format!(
            "| `{c}` | {} | {g1:.2} | {w1:.2} | {gn:.2} | {wn:.2} |\n",
            rs.len()
        ));
    }
    // Ours and ffmpeg's net time and their ratio, for two ways of decoding.
    let both_ways = |a: Duration, ff_a: Option<Duration>, b: Duration, ff_b: Option<Duration>| {
        [(a, ff_a), (b, ff_b)]
            .map(|(ours, ff)| {
                format!(
                    "{} | {} | {}",
                    ms(ours),
                    net(ff).map_or("–".into(), ms),
                    fmt_ratio(r(net(ff), ours))
                )
            })
            .join(" | ")
    };
    if !stored.is_empty() {
        md.push_str("\nUncompressed video (`raw ` at 8, 24 and 32 bits, 4:2:2 Y′CbCr of even widths) is kept as stored when decoded, as ffmpeg's `rawvideo` decoder hands it on, and turned into RGBA where the picture is assembled. Both ways, one thread each: as stored against `ffmpeg -threads 1 … -f null`, and to RGBA against `ffmpeg -threads 1 … -pix_fmt rgba -f null` (net of start-up; ratio > 1: we are faster):\n\n| movie | codec | size | frames | ours: as stored | ffmpeg (net) | ratio | ours: RGBA | ffmpeg: RGBA (net) | ratio |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (movie, codec, size, frames, ours, ff, rgba, ff_rgba) in &stored {
            md.push_str(&format!(
                "| {movie} | `{codec}` | {size} | {frames} | {} |\n",
                both_ways(*ours, *ff, *rgba, *ff_rgba)
            ));
        }
    }
    if !svq1.is_empty() {
        md.push_str("\nSorenson Video 1 is YUV 4:1:0: ffmpeg's `-f null` stops at its planes, while our decoder also converts every frame to RGBA for the renderer. Codec against codec, one thread each: our planes only against `ffmpeg -threads 1 … -f null`, and our RGBA against `ffmpeg -threads 1 … -pix_fmt rgba -f null` (net of start-up; ratio > 1: we are faster):\n\n| movie | size | frames | ours: YUV | ffmpeg: YUV (net) | ratio | ours: RGBA | ffmpeg: RGBA (net) | ratio |\n|---|---|---|---|---|---|---|---|---|\n");
        for (movie, _, size, frames, yuv, ff_yuv, rgba, ff_rgba) in &svq1 {
            md.push_str(&format!(
                "| {movie} | {size} | {frames} | {} |\n",
                both_ways(*yuv, *ff_yuv, *rgba, *ff_rgba)
            ));
        }
    }
    println!("{md}");
    let _ = std::fs::write(root.join("target/bench-decode.md"), &md);
}
