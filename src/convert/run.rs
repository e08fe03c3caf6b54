//! The conversion of everything [`super::discover`] found: each QTVR movie
//! converted on a worker (in parallel, the decoded pictures held at once kept
//! under a budget), a thumbnail of its default view, a record per movie so
//! that a second run skips what is done, then the gallery (`index.html`) and
//! `report.json`.
//!
//! Every output appears complete or not at all: folders through
//! [`crate::web::output::AtomicDir`], files written to a temporary name and
//! renamed. Stopping (Ctrl+C, [`Stop`]) lets the movies being converted
//! finish (or abandons them, leaving nothing), starts no others, and still
//! writes the gallery and the report of what was done.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use serde::Serialize;

use super::discover::{Found, FoundKind};
use crate::render::image_file::{ImageKind, save};
use crate::render::{Gpu, Renderer, UploadOptions, hotspot_ids};
use crate::view::{ObjectView, Shot, clamp_panorama};
use qtvr_format::qtvr::scene::{NodeContent, Scene};

/// What `qtvr convert` writes for each movie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// The web player folder (`qtvr export --to web`).
    Web,
    /// A Pannellum tour folder.
    Pannellum,
    /// An equirectangular JPEG of the default node.
    Equirect,
    /// Six cube face JPEGs of the default node.
    Cubemap,
    /// Every decoded tile as PNG.
    Tiles,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Web => "web",
            Target::Pannellum => "pannellum",
            Target::Equirect => "equirect",
            Target::Cubemap => "cubemap",
            Target::Tiles => "tiles",
        }
    }
}

/// How to convert.
#[derive(Debug, Clone)]
pub struct Options {
    pub inputs: Vec<PathBuf>,
    pub out: PathBuf,
    pub to: Target,
    /// Movies converted at once (≥ 1).
    pub jobs: usize,
    /// Convert again what an earlier run converted.
    pub force: bool,
    /// `(i, n)`: only every n-th QTVR movie, starting with the i-th (1-based),
    /// in path order.
    pub shard: Option<(usize, usize)>,
    /// Decoded picture bytes the running conversions may hold together.
    pub budget: u64,
}

/// Set when the user asks to stop.
pub type Stop = AtomicBool;

/// One line of `report.json`: a file looked at.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Where it is, from its input (`Found::path`).
    pub path: String,
    pub size: u64,
    /// "qtvr", "movie" (QuickTime, not QTVR), "broken movie", "not a movie",
    /// "container" (a zip or disc image, listed member by member), "unreadable".
    pub kind: String,
    /// QTVR movies: "panorama", "object", "tour of N nodes".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub describe: Option<String>,
    /// "converted", "already converted", "failed", "skipped" (not a QTVR
    /// movie), "other shard", "not converted (stopped)".
    pub status: String,
    /// Why a movie failed, or why a file is not a movie.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub warnings: Vec<String>,
    /// Files and folders written, relative to the output folder.
    pub outputs: Vec<String>,
    /// The gallery's thumbnail, relative to the output folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
    /// Codecs of the movie's video tracks.
    pub codecs: Vec<String>,
    /// The movie's sound tracks: codec, rate, channels, length, and the node
    /// or views each belongs to (kept with every target: the web page plays
    /// them, the other targets get the movie's sound as a WAV file).
    #[serde(default)]
    pub sound: Vec<String>,
    /// SHA-256 of the data fork, where read (duplicates share it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Another entry with the same bytes, converted (or to be) under that path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    pub seconds: f64,
}

/// `report.json`.
#[derive(Debug, Serialize)]
pub struct Report {
    pub schema: u32,
    pub generator: String,
    pub target: Target,
    pub inputs: Vec<String>,
    pub started: String,
    pub seconds: f64,
    pub stopped: bool,
    pub counts: Counts,
    pub warnings: Vec<String>,
    pub files: Vec<Entry>,
}

/// Totals of a run.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Counts {
    pub files: usize,
    pub movies: usize,
    pub converted: usize,
    pub already_converted: usize,
    pub failed: usize,
    pub not_converted: usize,
}

/// What the caller shows as the run goes.
#[derive(Debug, Clone)]
pub enum Progress {
    /// Discovery is done: `files` looked at, `movies` QTVR movies to convert.
    Found { files: usize, movies: usize },
    /// One movie is done (converted, skipped, failed).
    Done {
        entry: Box<Entry>,
        done: usize,
        movies: usize,
    },
}

/// The schema version of `report.json` (README documents it).
pub const SCHEMA: u32 = 1;

/// Runs a conversion; `Err` when nothing could be read at all.
pub fn run(
    opts: &Options,
    stop: &Stop,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Report, String> {
    let started = Instant::now();
    let started_at = now_text();
    std::fs::create_dir_all(&opts.out)
        .map_err(|e| format!("cannot create {}: {e}", opts.out.display()))?;
    clean_partials(&opts.out);
    let work = opts.out.join(".qtvr-work");
    let _ = std::fs::remove_dir_all(&work);
    let discovery = super::discover::discover(&opts.inputs, &work);
    let mut warnings = discovery.warnings.clone();
    let found = discovery.found;
    if found.is_empty() {
        let _ = std::fs::remove_dir_all(&work);
        return Err(format!(
            "nothing could be read in {}",
            opts.inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    // The QTVR movies, in path order; the first of identical files converts,
    // the others point at it.
    let mut entries: Vec<Entry> = found.iter().map(entry_of).collect();
    let mut first_of: std::collections::HashMap<String, String> = Default::default();
    let mut todo: Vec<usize> = Vec::new();
    let mut k = 0usize;
    for (i, f) in found.iter().enumerate() {
        if !matches!(f.kind, FoundKind::Qtvr { .. }) {
            continue;
        }
        if let Some(d) = &f.digest {
            if let Some(first) = first_of.get(d) {
                entries[i].duplicate_of = Some(first.clone());
            } else {
                first_of.insert(d.clone(), f.path.clone());
            }
        }
        let mine = opts.shard.is_none_or(|(s, n)| k % n == s - 1);
        k += 1;
        if mine {
            todo.push(i);
        } else {
            entries[i].status = "other shard".into();
        }
    }
    progress(Progress::Found {
        files: found.len(),
        movies: todo.len(),
    });

    let gpu = match Gpu::headless() {
        Ok(g) => Some(g),
        Err(e) => {
            warnings.push(format!("no thumbnails: {e}"));
            None
        }
    };
    let budget = Budget::new(opts.budget);
    let done = AtomicUsize::new(0);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Entry)>> = Mutex::new(Vec::new());
    let jobs = opts.jobs.clamp(1, 64).min(todo.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = todo.get(n) else { break };
                    let mut e = entries[i].clone();
                    convert_one(&found[i], &mut e, opts, gpu.as_ref(), &budget);
                    let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress(Progress::Done {
                        entry: Box::new(e.clone()),
                        done: d,
                        movies: todo.len(),
                    });
                    results
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((i, e));
                }
            });
        }
    });
    for (i, e) in results.into_inner().unwrap_or_else(|p| p.into_inner()) {
        entries[i] = e;
    }
    let stopped = stop.load(Ordering::Relaxed);
    for &i in &todo {
        if entries[i].status == "pending" {
            entries[i].status = "not converted (stopped)".into();
        }
    }
    let _ = std::fs::remove_dir_all(&work);

    let mut counts = Counts {
        files: entries.len(),
        ..Default::default()
    };
    for e in &entries {
        if e.kind == "qtvr" {
            counts.movies += 1;
        }
        match e.status.as_str() {
            "converted" => counts.converted += 1,
            "already converted" => counts.already_converted += 1,
            "failed" => counts.failed += 1,
            "not converted (stopped)" => counts.not_converted += 1,
            _ => {}
        }
    }
    let report = Report {
        schema: SCHEMA,
        generator: format!("qtvr {}", env!("CARGO_PKG_VERSION")),
        target: opts.to,
        inputs: opts
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        started: started_at,
        seconds: started.elapsed().as_secs_f64(),
        stopped,
        counts,
        warnings,
        files: entries,
    };
    let json = serde_json::to_vec_pretty(&report).map_err(|e| e.to_string())?;
    write_atomic(&opts.out.join("report.json"), &json)?;
    write_atomic(
        &opts.out.join("index.html"),
        super::gallery::html(&report).as_bytes(),
    )?;
    Ok(report)
}

/// The report line of a file before conversion.
fn entry_of(f: &Found) -> Entry {
    let (kind, describe, status, reason) = match &f.kind {
        FoundKind::Qtvr { summary, .. } => ("qtvr", Some(summary.clone()), "pending", None),
        FoundKind::Movie => (
            "movie",
            None,
            "skipped",
            Some("a QuickTime movie without QuickTime VR content".to_string()),
        ),
        FoundKind::Broken(e) => ("broken movie", None, "failed", Some(e.clone())),
        FoundKind::NotAMovie(why) => ("not a movie", None, "skipped", Some(why.clone())),
        FoundKind::Container(what) => ("container", Some(what.clone()), "listed", None),
        FoundKind::Unreadable(e) => ("unreadable", None, "failed", Some(e.clone())),
    };
    Entry {
        path: f.path.clone(),
        size: f.size,
        kind: kind.into(),
        describe,
        status: status.into(),
        reason,
        warnings: Vec::new(),
        outputs: Vec::new(),
        thumbnail: None,
        codecs: Vec::new(),
        sound: Vec::new(),
        digest: f.digest.clone(),
        duplicate_of: None,
        seconds: 0.0,
    }
}

/// A path from the input made safe as a relative output path: each part
/// without `/`, NUL or control characters, never `.` or `..`.
pub fn output_rel(path: &str) -> String {
    path.split('/')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let clean: String = p
                .chars()
                .map(|c| if c.is_control() || c == '\\' { '_' } else { c })
                .collect();
            match clean.as_str() {
                "." | ".." => clean.replace('.', "_"),
                _ => clean,
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The record of a converted movie (for skipping it next time).
#[derive(Debug, Serialize, serde::Deserialize)]
struct Record {
    path: String,
    size: u64,
    digest: Option<String>,
    target: String,
    outputs: Vec<String>,
    thumbnail: Option<String>,
    warnings: Vec<String>,
    codecs: Vec<String>,
    #[serde(default)]
    sound: Vec<String>,
}

/// A short name for a movie's files of one target (its record, its thumbnail).
fn key(rel: &str, to: Target) -> String {
    use sha2::Digest;
    let h = sha2::Sha256::digest(format!("{}\0{rel}", to.name()).as_bytes());
    h.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

fn record_path(out: &Path, rel: &str, to: Target) -> PathBuf {
    out.join(".qtvr-convert")
        .join(format!("{}.json", key(rel, to)))
}

/// Removes what an interrupted run left half-written under `dir` (hidden
/// `.NAME.qtvr-partial-PID` folders and `.NAME.partial` files), and old
/// folders a replacement did not get to remove.
fn clean_partials(dir: &Path) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(list) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in list.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(t) = e.file_type() else { continue };
            let stale = name.starts_with('.')
                && (name.contains(".qtvr-partial-")
                    || name.contains(".qtvr-old-")
                    || name.ends_with(".partial"));
            if stale {
                if t.is_dir() {
                    let _ = std::fs::remove_dir_all(&p);
                } else {
                    let _ = std::fs::remove_file(&p);
                }
            } else if t.is_dir() && name != ".qtvr-work" {
                stack.push(p);
            }
        }
    }
}

/// Converts one QTVR movie, filling in its entry.
fn convert_one(f: &Found, e: &mut Entry, opts: &Options, gpu: Option<&Gpu>, budget: &Budget) {
    let t = Instant::now();
    let rel = output_rel(&f.path);
    let record = record_path(&opts.out, &rel, opts.to);
    if !opts.force
        && let Ok(bytes) = std::fs::read(&record)
        && let Ok(r) = serde_json::from_slice::<Record>(&bytes)
        && r.size == f.size
        && r.digest == f.digest
        && r.outputs.iter().all(|o| opts.out.join(o).exists())
    {
        e.status = "already converted".into();
        e.outputs = r.outputs;
        e.thumbnail = r.thumbnail;
        e.warnings = r.warnings;
        e.codecs = r.codecs;
        e.sound = r.sound;
        e.seconds = t.elapsed().as_secs_f64();
        return;
    }
    match convert(f, e, &rel, opts, gpu, budget) {
        Ok(false) => e.status = "skipped".into(),
        Ok(true) => {
            e.status = "converted".into();
            let r = Record {
                path: f.path.clone(),
                size: f.size,
                digest: f.digest.clone(),
                target: opts.to.name().into(),
                outputs: e.outputs.clone(),
                thumbnail: e.thumbnail.clone(),
                warnings: e.warnings.clone(),
                codecs: e.codecs.clone(),
                sound: e.sound.clone(),
            };
            if let Ok(json) = serde_json::to_vec_pretty(&r) {
                let _ = std::fs::create_dir_all(record.parent().unwrap_or(&opts.out));
                let _ = write_atomic(&record, &json);
            }
        }
        Err(msg) => {
            e.status = "failed".into();
            e.reason = Some(msg);
        }
    }
    e.seconds = t.elapsed().as_secs_f64();
}

/// The decoded pixels each node of a movie would hold, from the file's
/// claims ([`qtvr_format::assemble::node_memory`]; an object's views are
/// decoded in batches, counted as one here): the node errors of those over the program's budget,
/// and the bytes of the largest that fits (the movie's estimate for the
/// scheduling budget).
fn node_needs(movie: &qtvr_format::container::Movie, scene: &Scene) -> (Vec<String>, u64) {
    let limits = crate::budget::limits();
    let mut over = Vec::new();
    let mut largest = 0;
    for n in &scene.nodes {
        let needs = qtvr_format::assemble::node_memory(movie, n, 1);
        match limits.check_memory(&needs) {
            Ok(()) => largest = largest.max(needs.bytes),
            Err(e) => over.push(format!("node {}: {e}", n.id)),
        }
    }
    (over, largest)
}

fn convert(
    f: &Found,
    e: &mut Entry,
    rel: &str,
    opts: &Options,
    gpu: Option<&Gpu>,
    budget: &Budget,
) -> Result<bool, String> {
    let (src, loaded) = qtvr_format::qtvr::open(&f.open).map_err(|e| e.to_string())?;
    let scene = loaded
        .scene
        .as_ref()
        .ok_or_else(|| qtvr_format::qtvr::NOT_QTVR.to_string())?;
    let mut codecs: Vec<String> = loaded
        .movie
        .tracks
        .iter()
        .filter(|t| t.handler.0 == *b"vide")
        .flat_map(|t| {
            t.descriptions
                .iter()
                .map(|d| d.format.to_string().trim().to_string())
        })
        .collect();
    codecs.sort();
    codecs.dedup();
    e.codecs = codecs;
    e.warnings
        .extend(scene.warnings.iter().map(|w| w.message.clone()));
    // Nothing of a movie whose every node is over the budget is decoded.
    let (over, largest) = node_needs(&loaded.movie, scene);
    if !over.is_empty() && over.len() == scene.nodes.len() {
        return Err(over.join("; "));
    }
    let _held = budget.take(largest);
    let out = &opts.out;
    let dest = out.join(rel);
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    match opts.to {
        Target::Web => {
            let web = crate::web::WebOptions {
                nodes: None,
                source_name: f.path.rsplit('/').next().map(str::to_string),
            };
            let (r, _) =
                crate::web::export_to(src.as_ref(), &loaded.movie, scene, &dest, true, &web)?;
            e.warnings.extend(r.warnings);
            e.outputs.push(format!("{rel}/index.html"));
        }
        Target::Pannellum => {
            let r =
                crate::web::pannellum::export_to(src.as_ref(), &loaded.movie, scene, &dest, true)?;
            e.warnings
                .extend(r.warnings.iter().map(|w| w.message.clone()));
            e.outputs.push(format!("{rel}/index.html"));
        }
        Target::Tiles => {
            let dir = crate::web::output::AtomicDir::new(&dest, true)?;
            let r = crate::cli::export::export_tiles(
                src.as_ref(),
                &loaded.movie,
                Some(scene),
                dir.path(),
            )?;
            dir.finish()?;
            e.warnings
                .extend(r.warnings.iter().map(|w| w.message.clone()));
            e.outputs.push(rel.to_string());
        }
        Target::Equirect | Target::Cubemap => {
            use crate::cli::render::PanoramaExport as P;
            // The default node's panorama, or the first panorama of a tour
            // that starts at an object; movies of objects only have none.
            let pano = scene
                .node(scene.default_node)
                .filter(|n| matches!(n.content, NodeContent::Panorama(_)))
                .or_else(|| {
                    scene
                        .nodes
                        .iter()
                        .find(|n| matches!(n.content, NodeContent::Panorama(_)))
                });
            let Some(pano) = pano else {
                e.reason = Some(format!(
                    "an object movie has no panorama for --to {}; --to web shows it",
                    opts.to.name()
                ));
                return Ok(false);
            };
            let file = dest.with_file_name(format!(
                "{}.jpg",
                dest.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ));
            let what = if opts.to == Target::Equirect {
                P::Equirect { width: None }
            } else {
                P::Cubemap { size: None }
            };
            let r = crate::cli::render::export_panorama(
                src.as_ref(),
                &loaded.movie,
                scene,
                Some(pano.id),
                what,
                &file,
            )?;
            e.warnings
                .extend(r.warnings.iter().map(|w| w.message.clone()));
            for p in r.written {
                if let Ok(p) = p.strip_prefix(out) {
                    e.outputs.push(p.to_string_lossy().replace('\\', "/"));
                }
            }
        }
    }
    e.sound = sound_list(&loaded.movie, scene);
    if opts.to != Target::Web && !e.sound.is_empty() {
        // The web page plays the sound; the other targets keep it beside
        // their pictures.
        let wav = match opts.to {
            Target::Pannellum | Target::Tiles => dest.join("sound.wav"),
            _ => dest.with_file_name(format!(
                "{}.wav",
                dest.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            )),
        };
        match crate::cli::sound::export_sound(src.as_ref(), &loaded.movie, scene, None, &wav) {
            Ok(r) => {
                e.warnings
                    .extend(r.warnings.iter().map(|w| w.message.clone()));
                if let Ok(p) = wav.strip_prefix(out) {
                    e.outputs.push(p.to_string_lossy().replace('\\', "/"));
                }
            }
            Err(err) => e.warnings.push(format!("the sound is not kept: {err}")),
        }
    }
    if let Some(gpu) = gpu {
        let thumb = format!("gallery/{}.jpg", key(rel, opts.to));
        match thumbnail(gpu, src.as_ref(), &loaded.movie, scene, &out.join(&thumb)) {
            Ok(()) => e.thumbnail = Some(thumb),
            Err(err) => e.warnings.push(format!("no thumbnail: {err}")),
        }
    }
    Ok(true)
}

/// One line per sound track: what `qtvr info` says of it.
fn sound_list(movie: &qtvr_format::container::Movie, scene: &Scene) -> Vec<String> {
    use qtvr_format::sound::{self, SoundRole};
    sound::sound_tracks(movie)
        .map(|t| match sound::track_info(movie, t) {
            Ok(i) => {
                let role =
                    match sound::place(scene, movie.timescale, i.start, i.start + i.seconds).role {
                        SoundRole::Node(n) => format!("node {n}"),
                        SoundRole::Views(n) => format!("node {n}'s views"),
                        SoundRole::Movie => "the whole movie".into(),
                    };
                format!(
                    "track {}: {} ('{}'), {} Hz, {} channel{}, {:.2} s, {role}{}",
                    t.id,
                    i.codec.describe(),
                    i.description.format,
                    i.description.rate.round(),
                    i.description.channels,
                    if i.description.channels == 1 { "" } else { "s" },
                    i.seconds,
                    if t.enabled { "" } else { " (disabled)" }
                )
            }
            Err(err) => format!("track {}: cannot be read: {err}", t.id),
        })
        .collect()
}

/// Thumbnail size.
const THUMB: [u32; 2] = [320, 240];

/// A JPEG of the movie's default view.
fn thumbnail(
    gpu: &Gpu,
    src: &dyn qtvr_format::source::ByteSource,
    movie: &qtvr_format::container::Movie,
    scene: &Scene,
    path: &Path,
) -> Result<(), String> {
    let node = crate::cli::render::pick_node(scene, Some(scene.default_node))?;
    let aspect = f64::from(THUMB[0]) / f64::from(THUMB[1]);
    let (shot, ov) = match &node.content {
        NodeContent::Panorama(p) => (
            Shot::Perspective(clamp_panorama(p.limits.default, &p.limits, aspect).0),
            None,
        ),
        NodeContent::Object(o) => {
            let v = ObjectView::default_for(o);
            (v.shot(o), Some(v))
        }
    };
    let picture = crate::cli::render::node_picture(src, movie, node, ov.as_ref())?;
    let mut r = Renderer::new(gpu);
    r.set_picture(gpu, picture, &hotspot_ids(node), UploadOptions::default())
        .map_err(|e| e.to_string())?;
    let img = r
        .render_image(gpu, &shot, THUMB[0], THUMB[1], false)
        .map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let tmp = path.with_file_name(format!(
        ".{}.partial",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    save(&img, &tmp, ImageKind::Jpeg)?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

/// Writes a file through a temporary name.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_file_name(format!(
        ".{}.partial",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    std::fs::write(&tmp, bytes).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// A shared allowance of decoded picture bytes: a conversion waits until its
/// estimate fits beside the running ones (one larger than the whole budget
/// runs alone).
struct Budget {
    total: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

struct Held<'a> {
    budget: &'a Budget,
    bytes: u64,
}

impl Budget {
    fn new(total: u64) -> Budget {
        Budget {
            total: total.max(1),
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    fn take(&self, want: u64) -> Held<'_> {
        let bytes = want.min(self.total);
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        while *used > 0 && *used + bytes > self.total {
            used = self.freed.wait(used).unwrap_or_else(|p| p.into_inner());
        }
        *used += bytes;
        Held {
            budget: self,
            bytes,
        }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|p| p.into_inner());
        *used = used.saturating_sub(self.bytes);
        self.budget.freed.notify_all();
    }
}

/// The time now as `YYYY-MM-DDTHH:MM:SSZ` (UTC), for the report.
fn now_text() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_paths_stay_inside() {
        assert_eq!(output_rel("a/../b/./c"), "a/__/b/_/c");
        assert_eq!(output_rel("/x//y/"), "x/y");
        assert_eq!(output_rel("Café/Ω\u{7}"), "Café/Ω_");
    }

    #[test]
    fn the_budget_waits_for_room() {
        let b = Budget::new(100);
        // Larger than the whole budget: runs, alone.
        drop(b.take(1000));
        let a = b.take(60);
        let waited = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let _second = b.take(60);
                assert!(
                    waited.load(Ordering::SeqCst),
                    "the second waits for the first"
                );
            });
            std::thread::sleep(std::time::Duration::from_millis(100));
            waited.store(true, Ordering::SeqCst);
            drop(a);
        });
        assert_eq!(*b.used.lock().unwrap(), 0);
    }

    #[test]
    fn dates_read_as_utc() {
        let t = now_text();
        assert_eq!(t.len(), 20);
        assert!(t.starts_with("20"));
    }
}
