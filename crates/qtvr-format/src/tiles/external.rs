//! The ffmpeg fallback: video samples of a codec that has no decoder in
//! [`crate::codec`] (`SVQ3`, `IV32`, `IV41`, `IV50`, `h263`, `mp4v`, `avc1`,
//! …) decoded by an `ffmpeg` executable. This is the only place in the
//! format crate that starts a process.
//!
//! * **Which ffmpeg.** [`Fallback::Auto`] (the default) takes `QTVR_FFMPEG`
//!   when it is set (a path, or a name looked up on `PATH`; set but empty
//!   turns the fallback off), else `ffmpeg` on `PATH`. The lookup is made once
//!   per process ([`find_ffmpeg`]).
//! * **One process per track and decode.** The samples a decode request wants
//!   from one sample description are decoded by one ffmpeg run, from the
//!   latest sync sample at or before the first of them (the first sample when
//!   the track has no sync sample table) to the last of them: every sample in
//!   that range with that description is decoded once. The run's input is a
//!   temporary QuickTime movie written next to nothing else
//!   (`std::env::temp_dir()`, removed afterwards): `moov` first, one video
//!   track holding the original sample description entry byte for byte (so
//!   `avcC`, `esds`, `SMI `, `glbl` … survive), every sample its own chunk with
//!   a constant duration, the sync sample table copied, composition offsets
//!   kept as an order (see below), no edit list; then `mdat`.
//! * **Frames in, tiles out.** ffmpeg writes raw RGBA frames on its standard
//!   output (`-f rawvideo -pix_fmt rgba -fps_mode passthrough`, edit lists
//!   ignored), scaled to the sample description's size if the stream's own
//!   size differs (`scale=W:H`), so every frame is exactly W×H×4 bytes; the
//!   size is checked against the frame limits before anything starts. Frame
//!   k of a run is the run's k-th sample, in sample order. Frames come out in
//!   presentation order, so for codecs whose frames are reordered (H.264 or
//!   MPEG-4 with B-frames, composition offsets in `ctts`) a sample's picture
//!   is the one shown at the sample's time — QuickTime's own rule, by which a
//!   QTVR tile is the picture at the tile's time. So that every sample's time
//!   is covered, such a run goes on past the last wanted sample until the
//!   pictures shown at the times of all its samples are among them (the
//!   composition times of the run's samples come before those of every later
//!   sample); the input movie keeps that order as composition offsets. A
//!   reader thread takes exactly one frame at a time from the pipe (at most
//!   three frames are held at once); frames of samples nobody asked for are
//!   dropped.
//! * **Failure is the track's alone.** Every way the run can go wrong — it
//!   cannot start, exits with an error, writes more frames than it was given
//!   samples, fewer, a partial frame, or runs past its time limit — ends the
//!   run with an error for that track ([`super::TrackError`]); which frame
//!   belongs to which sample is then unknown, so no tile of the run is kept.
//!   The time limit is [`Limits::fallback_time_ms`] plus
//!   [`Limits::fallback_time_per_sample_ms`] per sample and started megapixel.
//!   When the limit passes, when the decode is cancelled ([`super::Cancel`]),
//!   or on any error, the process is killed and waited for; the threads that
//!   read its pipes are never waited for, so a process whose children keep
//!   the pipes open cannot hold up the caller. Its standard error is kept
//!   (the last 16 KiB) for the error message.

use std::ffi::OsString;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::codec::{self, Frame, FrameKind, StreamInfo, Unsupported};
use crate::container::build::{Body, atom, container, full_atom};
use crate::container::{FourCC, Track};
use crate::limits::Limits;
use crate::source::ByteSource;

use super::Cancel;

/// The environment variable naming the ffmpeg executable.
pub const ENV: &str = "QTVR_FFMPEG";

/// Where codecs without a decoder here are decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Fallback {
    /// `QTVR_FFMPEG` when set (empty: no fallback), else `ffmpeg` on `PATH`
    /// (looked up once per process).
    #[default]
    Auto,
    /// No fallback: such samples show as placeholders.
    Off,
    /// This ffmpeg executable.
    Ffmpeg(PathBuf),
}

impl Fallback {
    /// The ffmpeg to run, if any.
    pub fn ffmpeg(&self) -> Option<PathBuf> {
        match self {
            Fallback::Auto => find_ffmpeg().map(Path::to_path_buf),
            Fallback::Off => None,
            Fallback::Ffmpeg(p) => Some(p.clone()),
        }
    }
}

/// The ffmpeg that [`Fallback::Auto`] runs: `QTVR_FFMPEG`, else `ffmpeg` on
/// `PATH`; looked up on the first call, then remembered.
pub fn find_ffmpeg() -> Option<&'static Path> {
    static FOUND: OnceLock<Option<PathBuf>> = OnceLock::new();
    FOUND
        .get_or_init(|| lookup(std::env::var_os(ENV), std::env::var_os("PATH")))
        .as_deref()
}

/// The executable `QTVR_FFMPEG` (`env`) names, else `ffmpeg` in a folder of
/// `path`. A name without a folder is looked up in `path`; empty folders of
/// `path` (the current directory) are not searched.
fn lookup(env: Option<OsString>, path: Option<OsString>) -> Option<PathBuf> {
    let name = match env {
        Some(v) if v.is_empty() => return None,
        Some(v) => PathBuf::from(v),
        None => PathBuf::from(if cfg!(windows) {
            "ffmpeg.exe"
        } else {
            "ffmpeg"
        }),
    };
    if name.is_absolute() || name.components().count() > 1 {
        return is_executable(&name).then_some(name);
    }
    std::env::split_paths(&path?)
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(&name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// Whether a stream's codec has no decoder here (so ffmpeg would decode it).
/// A codec that is known but not at the stream's depth is not handed over.
pub fn needs_fallback(info: &StreamInfo) -> bool {
    matches!(codec::decoder_for(info), Err(Unsupported::Codec(_)))
}

/// [`needs_fallback`] for a codec alone (any depth).
pub fn codec_needs_fallback(codec: FourCC) -> bool {
    needs_fallback(&StreamInfo {
        codec,
        width: 16,
        height: 16,
        depth: 24,
        palette: None,
    })
}

/// How a video track's samples are decoded (from its first video sample
/// description), for reports such as `qtvr info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoding {
    /// By this crate's own decoder.
    Native,
    /// By this ffmpeg.
    Ffmpeg(PathBuf),
    /// The codec has no decoder here and no ffmpeg was found: placeholders.
    NeedsFfmpeg(FourCC),
    /// Not at all (e.g. a known codec at a depth it does not have): placeholders.
    Unsupported(String),
}

/// How `track`'s samples are decoded with `fallback`; None for tracks
/// without a video sample description.
pub fn decoding(track: &Track, fallback: &Fallback) -> Option<Decoding> {
    let info = track
        .descriptions
        .iter()
        .find_map(StreamInfo::from_description)?;
    Some(match codec::decoder_for(&info) {
        Ok(_) => Decoding::Native,
        Err(Unsupported::Codec(c)) => match fallback.ffmpeg() {
            Some(p) => Decoding::Ffmpeg(p),
            None => Decoding::NeedsFfmpeg(c),
        },
        Err(u) => Decoding::Unsupported(u.to_string()),
    })
}

/// The note to show for a track that ffmpeg decodes ("track 5: codec
/// 'mp4v' is decoded by ffmpeg (/usr/bin/ffmpeg)"), if it is one.
pub fn note(track: &Track, fallback: &Fallback) -> Option<String> {
    match decoding(track, fallback)? {
        Decoding::Ffmpeg(p) => Some(format!(
            "track {}: codec '{}' is decoded by ffmpeg ({})",
            track.id,
            track.codec().unwrap_or(FourCC(*b"    ")),
            p.display()
        )),
        _ => None,
    }
}

/// The warning text for a codec that needs ffmpeg when none is found.
pub fn missing_text(codec: FourCC) -> String {
    format!(
        "codec '{codec}' is not supported without ffmpeg; install ffmpeg (or set {ENV}) to show it"
    )
}

/// One ffmpeg run: the samples of one description of a track.
pub(super) struct Job<'a> {
    pub src: &'a dyn ByteSource,
    pub track: &'a Track,
    pub info: &'a StreamInfo,
    /// 1-based sample description index; only samples with it are decoded.
    pub description_index: u32,
    /// First and last sample (0-based, inclusive) of the range to decode.
    pub first: usize,
    pub last: usize,
    pub ffmpeg: &'a Path,
    pub limits: &'a Limits,
    pub cancel: &'a Cancel,
}

/// What the pipe reader hands over.
enum Out {
    Frame(Vec<u8>),
    /// The output ended, `partial` bytes into a frame.
    End {
        partial: usize,
    },
    /// More bytes after the last frame expected.
    TooMuch,
    Failed(String),
}

/// How often the caller's thread looks at the cancel flag and the clock.
const POLL: Duration = Duration::from_millis(20);
/// How much of ffmpeg's standard error is kept.
const STDERR_KEEP: usize = 16 << 10;

/// Runs ffmpeg over the job's samples, handing each frame to `on_frame(sample,
/// frame)` as it arrives (in sample order: see the module's documentation).
/// Returns what ffmpeg said on its standard error when it succeeded anyway
/// (trimmed; empty when nothing), or why the run failed.
pub(super) fn run(job: &Job<'_>, on_frame: &mut dyn FnMut(usize, Frame)) -> Result<String, String> {
    let track = job.track;
    let samples = run_samples(track, job.description_index, job.first, job.last);
    let n = samples.len();
    if n == 0 {
        return Ok(String::new());
    }
    let (w, h) = (job.info.width, job.info.height);
    let frame_bytes = Frame::check_size(w, h, FrameKind::Rgba, job.limits)
        .map_err(|e| e.to_string())
        .and_then(|b| usize::try_from(b).map_err(|e| e.to_string()))?;
    let presentation = presentation_order(track, &samples);
    let input = TempMovie::write(job, &samples, &presentation)?;
    drop(presentation);
    if job.cancel.is_cancelled() {
        return Err(CANCELLED.into());
    }

    let mut child = Command::new(job.ffmpeg)
        .args(["-nostdin", "-hide_banner", "-loglevel", "error"])
        .args(["-ignore_editlist", "1", "-i"])
        .arg(&input.path)
        .args(["-map", "0:v:0", "-vf"])
        .arg(format!(
            "scale={w}:{h}:flags=bicubic+accurate_rnd+full_chroma_int,format=rgba"
        ))
        .args([
            "-fps_mode",
            "passthrough",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgba",
        ])
        .arg("pipe:1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("it cannot be started: {e}"))?;
    let started = Instant::now();
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    // Declared after `input`, so dropped (killed and waited for) before it is removed.
    RUNNING.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let mut proc = ChildGuard(Some(child));
    let (Some(stdout), Some(stderr)) = (stdout, stderr) else {
        return Err("its output pipes are missing".into());
    };
    // The pipes' readers are never joined (see the module's documentation).
    let err_tail = Arc::new(Mutex::new(Vec::new()));
    let (err_done_tx, err_done) = mpsc::channel();
    let no_thread =
        |e: std::io::Error| format!("a thread to read its output cannot be started: {e}");
    {
        let err_tail = Arc::clone(&err_tail);
        std::thread::Builder::new()
            .name("qtvr-ffmpeg-stderr".into())
            .spawn(move || {
                keep_tail(stderr, &err_tail);
                let _ = err_done_tx.send(());
            })
            .map_err(no_thread)?;
    }
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("qtvr-ffmpeg-stdout".into())
        .spawn(move || read_frames(stdout, frame_bytes, n, &tx))
        .map_err(no_thread)?;

    let limit = time_limit(job.limits, n, w, h);
    let timeout = || {
        format!(
            "it ran longer than {:.1} s for {n} sample(s) and was stopped",
            limit.as_secs_f64()
        )
    };
    // ffmpeg's standard error once it has exited (its reader given half a
    // second to see the end).
    let stderr_text = || {
        let _ = err_done.recv_timeout(Duration::from_millis(500));
        let bytes = err_tail.lock().map(|v| v.clone()).unwrap_or_default();
        tidy(&String::from_utf8_lossy(&bytes))
    };
    let mut frames = 0usize;
    let partial = loop {
        if job.cancel.is_cancelled() {
            return Err(CANCELLED.into());
        }
        let left = limit.checked_sub(started.elapsed()).ok_or_else(timeout)?;
        match rx.recv_timeout(left.min(POLL)) {
            Ok(Out::Frame(data)) => {
                let Some(&s) = samples.get(frames) else {
                    return Err(too_many(n));
                };
                frames += 1;
                on_frame(
                    s,
                    Frame {
                        width: w,
                        height: h,
                        kind: FrameKind::Rgba,
                        data,
                        palette: None,
                    },
                );
            }
            Ok(Out::End { partial }) => break partial,
            Ok(Out::TooMuch) => return Err(too_many(n)),
            Ok(Out::Failed(e)) => return Err(format!("its output cannot be read: {e}")),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break 0,
        }
    };
    let status = loop {
        if job.cancel.is_cancelled() {
            return Err(CANCELLED.into());
        }
        if started.elapsed() >= limit {
            return Err(timeout());
        }
        match proc.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("it cannot be waited for: {e}")),
        }
    };
    let said = stderr_text();
    let with_said = |what: String| {
        if said.is_empty() {
            what
        } else {
            format!("{what}: {said}")
        }
    };
    if !status.success() {
        return Err(with_said(format!("it failed ({})", exit_text(status))));
    }
    if partial > 0 {
        return Err(with_said(format!(
            "its output ends inside frame {} ({partial} of {frame_bytes} bytes)",
            frames + 1
        )));
    }
    if frames < n {
        return Err(with_said(format!(
            "it wrote {frames} frame(s) for {n} sample(s)"
        )));
    }
    drop(input);
    Ok(said)
}

const CANCELLED: &str = "the decode was cancelled";

fn too_many(n: usize) -> String {
    format!("it wrote more frames than the {n} sample(s) it was given")
}

fn exit_text(status: ExitStatus) -> String {
    match status.code() {
        Some(c) => format!("exit code {c}"),
        None => status.to_string(),
    }
}

/// The time limit of a run over `n` samples of `w`×`h`.
fn time_limit(limits: &Limits, n: usize, w: u32, h: u32) -> Duration {
    let megapixels = (u64::from(w) * u64::from(h)).div_ceil(1_000_000).max(1);
    let ms = limits.fallback_time_ms.saturating_add(
        limits
            .fallback_time_per_sample_ms
            .saturating_mul(n as u64)
            .saturating_mul(megapixels),
    );
    Duration::from_millis(ms)
}

/// The last lines of ffmpeg's standard error, on one line, at most 600 characters.
fn tidy(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let tail = lines[lines.len().saturating_sub(4)..].join("; ");
    let chars: Vec<char> = tail.chars().collect();
    if chars.len() > 600 {
        format!("…{}", chars[chars.len() - 600..].iter().collect::<String>())
    } else {
        tail
    }
}

/// A sample's composition time: decode time plus composition offset.
fn composition_time(track: &Track, s: usize) -> i128 {
    i128::from(track.samples[s].media_time)
        + i128::from(track.composition_offsets.get(s).copied().unwrap_or(0))
}

/// The samples of a run: those with `description_index` from `first` to
/// `last`; for a track with composition offsets, from an earlier sync sample
/// when a sample after `first` is shown before it (an open group of
/// pictures: those samples refer to pictures before `first`), and on past
/// `last` until every later sample of that description is shown after all
/// of the run's.
fn run_samples(track: &Track, description_index: u32, first: usize, last: usize) -> Vec<usize> {
    let end = track.samples.len();
    let of = |range: std::ops::Range<usize>| {
        range
            .filter(|&s| track.samples[s].description_index == description_index)
            .collect::<Vec<usize>>()
    };
    if track.composition_offsets.is_empty() {
        return of(first..(last + 1).min(end));
    }
    let first = clean_start(track, description_index, first.min(end));
    let mut samples = of(first..(last + 1).min(end));
    if samples.is_empty() {
        return samples;
    }
    let rest = of((last + 1).min(end)..end);
    // The earliest composition time from each later sample on.
    let mut later_min = vec![i128::MAX; rest.len() + 1];
    for (i, &s) in rest.iter().enumerate().rev() {
        later_min[i] = later_min[i + 1].min(composition_time(track, s));
    }
    let mut shown_last = samples
        .iter()
        .map(|&s| composition_time(track, s))
        .max()
        .unwrap_or(i128::MIN);
    for (i, &s) in rest.iter().enumerate() {
        if shown_last < later_min[i] {
            break;
        }
        samples.push(s);
        shown_last = shown_last.max(composition_time(track, s));
    }
    samples
}

/// `first`, or the latest sync sample before it (of the same description;
/// else the track's first sample) from which no later sample is shown
/// before the start.
fn clean_start(track: &Track, description_index: u32, first: usize) -> usize {
    let ours = |s: usize| track.samples[s].description_index == description_index;
    // The earliest composition time from each sample on.
    let mut from_min = vec![i128::MAX; track.samples.len() + 1];
    for s in (0..track.samples.len()).rev() {
        from_min[s] = if ours(s) {
            from_min[s + 1].min(composition_time(track, s))
        } else {
            from_min[s + 1]
        };
    }
    let mut start = first;
    while start > 0
        && start < track.samples.len()
        && from_min[start] < composition_time(track, start)
    {
        start = (0..start)
            .rev()
            .find(|&s| ours(s) && track.samples[s].is_sync)
            .unwrap_or(0);
    }
    start
}

/// `samples` (decode order) in presentation order: by composition time,
/// ties in decode order.
fn presentation_order(track: &Track, samples: &[usize]) -> Vec<usize> {
    let mut order = samples.to_vec();
    if !track.composition_offsets.is_empty() {
        order.sort_by_key(|&s| (composition_time(track, s), s));
    }
    order
}

/// The running ffmpeg: killed and waited for when dropped (on every way out
/// of [`run`]), unless it has already exited and been waited for.
pub(crate) struct ChildGuard(Option<Child>);

impl ChildGuard {
    /// Guards a process just started (counted by [`wait_for_ended`]).
    pub(crate) fn new(child: Child) -> ChildGuard {
        RUNNING.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        ChildGuard(Some(child))
    }

    /// The process's standard output and error, taken.
    pub(crate) fn pipes(&mut self) -> (Option<ChildStdout>, Option<std::process::ChildStderr>) {
        match self.0.as_mut() {
            Some(c) => (c.stdout.take(), c.stderr.take()),
            None => (None, None),
        }
    }

    pub(crate) fn try_wait(&mut self) -> std::io::Result<Option<ExitStatus>> {
        match self.0.as_mut() {
            Some(c) => c.try_wait(),
            None => Ok(None),
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            if !matches!(c.try_wait(), Ok(Some(_))) {
                let _ = c.kill();
                let _ = c.wait();
            }
            RUNNING.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// ffmpeg processes started and not yet ended (see [`wait_for_ended`]).
static RUNNING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Waits up to `limit` until no ffmpeg process of this program runs: a
/// program that cancelled its decodes calls it before it exits, since a
/// process left running would outlive it (each run polls its flag every
/// 20 ms and then kills and reaps its process). Whether none runs.
pub fn wait_for_ended(limit: Duration) -> bool {
    let end = Instant::now() + limit;
    loop {
        if RUNNING.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Reads up to `expected` frames of `frame_bytes` from ffmpeg's output and
/// hands them over one by one; then looks for one byte more. Stops when the
/// receiver is gone.
fn read_frames(mut out: ChildStdout, frame_bytes: usize, expected: usize, tx: &SyncSender<Out>) {
    for _ in 0..expected {
        let mut buf = Vec::new();
        if buf.try_reserve_exact(frame_bytes).is_err() {
            let _ = tx.send(Out::Failed(format!(
                "{frame_bytes} bytes for a frame cannot be allocated"
            )));
            return;
        }
        buf.resize(frame_bytes, 0);
        let mut got = 0;
        while got < frame_bytes {
            match out.read(&mut buf[got..]) {
                Ok(0) => {
                    let _ = tx.send(Out::End { partial: got });
                    return;
                }
                Ok(k) => got += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Out::Failed(e.to_string()));
                    return;
                }
            }
        }
        if tx.send(Out::Frame(buf)).is_err() {
            return;
        }
    }
    let mut one = [0u8; 1];
    let last = loop {
        match out.read(&mut one) {
            Ok(0) => break Out::End { partial: 0 },
            Ok(_) => break Out::TooMuch,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => break Out::Failed(e.to_string()),
        }
    };
    let _ = tx.send(last);
}

/// Reads `from` to its end, keeping the last [`STDERR_KEEP`] bytes in `tail`.
fn keep_tail(mut from: impl Read, tail: &Mutex<Vec<u8>>) {
    let mut buf = [0u8; 4096];
    loop {
        match from.read(&mut buf) {
            Ok(0) => return,
            Ok(k) => {
                let Ok(mut t) = tail.lock() else { return };
                t.extend_from_slice(&buf[..k]);
                if t.len() > STDERR_KEEP {
                    let cut = t.len() - STDERR_KEEP;
                    t.drain(..cut);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// The temporary input movie; removed when dropped.
struct TempMovie {
    path: PathBuf,
}

impl Drop for TempMovie {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Media time units per second of the input movie and each sample's duration in them.
const TIMESCALE: u32 = 1000;
const DURATION: u32 = 40;

impl TempMovie {
    /// Writes the input movie for `samples` (decode order; `presentation` is
    /// the same samples in presentation order).
    fn write(
        job: &Job<'_>,
        samples: &[usize],
        presentation: &[usize],
    ) -> Result<TempMovie, String> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let track = job.track;
        // Check every sample before writing anything: in the file, not too
        // large, and all of them together no more than the file holds.
        let max = job.limits.frame_max_bytes.max(1 << 20);
        let mut total: u64 = 0;
        for &s in samples {
            let sample = &track.samples[s];
            if u64::from(sample.size) > max {
                return Err(format!(
                    "sample {} is {} bytes, more than the {max} a sample may have",
                    s + 1,
                    sample.size
                ));
            }
            let end = sample.offset.checked_add(u64::from(sample.size));
            if end.is_none_or(|e| e > job.src.len()) {
                return Err(format!(
                    "sample {} (bytes {}..{}) lies past the end of the file ({} bytes)",
                    s + 1,
                    sample.offset,
                    sample.offset.saturating_add(u64::from(sample.size)),
                    job.src.len()
                ));
            }
            total = total.saturating_add(u64::from(sample.size));
        }
        if total > job.src.len() {
            return Err(format!(
                "its {} samples add up to {total} bytes, more than the file's {}",
                samples.len(),
                job.src.len()
            ));
        }
        let moov_at = |base: u64| input_moov(job, samples, presentation, base);
        let header = 16u64; // 64-bit mdat header
        let base = moov_at(0)?.len() as u64 + header;
        let moov = moov_at(base)?;

        let name = format!(
            "qtvr-ffmpeg-{}-{}.mov",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| format!("its input {} cannot be created: {e}", path.display()))?;
        let movie = TempMovie { path };
        let fail = |e: std::io::Error| {
            format!("its input {} cannot be written: {e}", movie.path.display())
        };
        let mut out = BufWriter::new(file);
        out.write_all(&moov).map_err(fail)?;
        out.write_all(&1u32.to_be_bytes()).map_err(fail)?;
        out.write_all(b"mdat").map_err(fail)?;
        out.write_all(&(total + header).to_be_bytes())
            .map_err(fail)?;
        let mut buf = Vec::new();
        for &s in samples {
            if job.cancel.is_cancelled() {
                return Err(CANCELLED.into());
            }
            let sample = &track.samples[s];
            buf.clear();
            buf.resize(sample.size as usize, 0);
            job.src
                .read_exact_at(sample.offset, &mut buf)
                .map_err(|e| format!("sample {} cannot be read: {e}", s + 1))?;
            out.write_all(&buf).map_err(fail)?;
        }
        out.flush().map_err(fail)?;
        Ok(movie)
    }
}

/// The input movie's `moov` for `samples`, its media data starting at file offset `base`.
fn input_moov(
    job: &Job<'_>,
    samples: &[usize],
    presentation: &[usize],
    base: u64,
) -> Result<Vec<u8>, String> {
    let track = job.track;
    let n = u32::try_from(samples.len()).map_err(|_| "too many samples".to_string())?;
    let duration = n.saturating_mul(DURATION);
    let (w, h) = (job.info.width, job.info.height);
    let desc = usize::try_from(job.description_index)
        .ok()
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| track.descriptions.get(i))
        .ok_or_else(|| format!("has no sample description {}", job.description_index))?;
    // The entry as stored: format, 6 reserved bytes, data reference 1, the rest verbatim.
    let entry = atom(
        &desc.format.0,
        &Body::new().zeros(6).u16(1).bytes(&desc.data).done(),
    );
    let matrix = Body::new()
        .u32(0x10000)
        .zeros(12)
        .u32(0x10000)
        .zeros(12)
        .u32(0x4000_0000)
        .done();
    let mvhd = full_atom(
        b"mvhd",
        0,
        0,
        &Body::new()
            .u32(0)
            .u32(0)
            .u32(TIMESCALE)
            .u32(duration)
            .u32(0x10000)
            .u16(0x100)
            .zeros(10)
            .bytes(&matrix)
            .zeros(24)
            .u32(2)
            .done(),
    );
    let tkhd = full_atom(
        b"tkhd",
        0,
        1,
        &Body::new()
            .u32(0)
            .u32(0)
            .u32(1)
            .u32(0)
            .u32(duration)
            .zeros(16)
            .bytes(&matrix)
            .u32(w.min(0x7fff) << 16)
            .u32(h.min(0x7fff) << 16)
            .done(),
    );
    let mdhd = full_atom(
        b"mdhd",
        0,
        0,
        &Body::new()
            .u32(0)
            .u32(0)
            .u32(TIMESCALE)
            .u32(duration)
            .u16(0)
            .u16(0)
            .done(),
    );
    let hdlr = |kind: &[u8; 4], sub: &[u8; 4]| {
        full_atom(
            b"hdlr",
            0,
            0,
            &Body::new().bytes(kind).bytes(sub).zeros(12).u8(0).done(),
        )
    };
    let vmhd = full_atom(b"vmhd", 0, 1, &Body::new().u16(0x40).zeros(6).done());
    let dinf = crate::container::build::dinf();
    let mut stbl = vec![
        full_atom(b"stsd", 0, 0, &Body::new().u32(1).bytes(&entry).done()),
        full_atom(
            b"stts",
            0,
            0,
            &Body::new().u32(1).u32(n).u32(DURATION).done(),
        ),
    ];
    // Composition offsets that reproduce the presentation order: sample k
    // (decode position) is shown at (its rank + shift) × DURATION.
    if presentation != samples {
        let mut rank = vec![0i64; samples.len()];
        for (r, s) in presentation.iter().enumerate() {
            if let Ok(k) = samples.binary_search(s) {
                rank[k] = r as i64;
            }
        }
        let shift = rank
            .iter()
            .enumerate()
            .map(|(k, &r)| k as i64 - r)
            .max()
            .unwrap_or(0)
            .max(0);
        let mut b = Body::new().u32(n);
        for (k, &r) in rank.iter().enumerate() {
            let offset = (r + shift - k as i64) * i64::from(DURATION);
            b = b.u32(1).u32(u32::try_from(offset).unwrap_or(0));
        }
        stbl.push(full_atom(b"ctts", 0, 0, &b.done()));
    }
    if track.has_sync_table {
        let sync: Vec<u32> = samples
            .iter()
            .enumerate()
            .filter(|&(_, &s)| track.samples[s].is_sync)
            .map(|(k, _)| k as u32 + 1)
            .collect();
        stbl.push(full_atom(
            b"stss",
            0,
            0,
            &sync
                .iter()
                .fold(Body::new().u32(sync.len() as u32), |b, &k| b.u32(k))
                .done(),
        ));
    }
    stbl.push(full_atom(
        b"stsc",
        0,
        0,
        &Body::new().u32(1).u32(1).u32(1).u32(1).done(),
    ));
    stbl.push(full_atom(
        b"stsz",
        0,
        0,
        &samples
            .iter()
            .fold(Body::new().u32(0).u32(n), |b, &s| {
                b.u32(track.samples[s].size)
            })
            .done(),
    ));
    let mut offset = base;
    let mut co64 = Body::new().u32(n);
    for &s in samples {
        co64 = co64.u64(offset);
        offset += u64::from(track.samples[s].size);
    }
    stbl.push(full_atom(b"co64", 0, 0, &co64.done()));
    let minf = container(
        b"minf",
        &[
            vmhd,
            hdlr(b"dhlr", b"alis"),
            dinf,
            container(b"stbl", &stbl),
        ],
    );
    let mdia = container(b"mdia", &[mdhd, hdlr(b"mhlr", b"vide"), minf]);
    let trak = container(b"trak", &[tkhd, mdia]);
    Ok(container(b"moov", &[mvhd, trak]))
}

#[cfg(all(test, unix))]
mod tests;
