//! `qtvr export --to web`: a QuickTime VR movie as a self-contained web
//! player folder, and `--to pannellum` ([`pannellum`]).
//!
//! The folder:
//!
//! ```text
//! index.html          the page (title, scripts, style)
//! player/nav.js       navigation and view geometry: src/view ported to JavaScript
//! player/player.js    drawing (WebGL 2, a 2D-canvas fallback), controls, tours
//! player/player.css
//! tour.js             the movie: nodes, limits, surfaces, hot spots, links, warnings
//! nodes/<id>/…        pictures (JPEG or lossless WebP), previews, hot spot maps (PNG)
//!                     each with a `.js` twin for pages opened from file://
//! sound/…             the movie's sound as WAV files ([`sound`])
//! ```
//!
//! Panorama pictures are the same assembled surfaces the desktop renderer
//! draws ([`qtvr_format::assemble`]): cylinders and cube faces (standard,
//! tiled and `cufa` planes alike) with their placement, cut into pages of at
//! most [`PAGE`] texels with a gutter of neighbouring texels so that filtering
//! is seamless across pages and a wrapping cylinder's seam. The player casts
//! a ray per pixel exactly as `shaders/panorama.wgsl` does, so the page and
//! `qtvr render` agree (tests/web_export.rs holds them to it). One
//! difference, a texel wide: where two faces of a standard cube overlap at
//! an edge (each reaches half a texel past it), the page shows the first in
//! the node's order and the desktop the face the ray points to.
//!
//! Object nodes write one picture per distinct frame sample, and one hot spot
//! map per distinct hot spot sample.
//!
//! Nothing is written outside the output folder, which appears complete or
//! not at all ([`output::AtomicDir`]).

pub mod encode;
pub mod output;
pub mod pannellum;
pub(crate) mod sound;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use rayon::prelude::*;
use serde_json::{Value, json};

use crate::view::tour::{destination_view, hotspot_name};
use qtvr_format::assemble::{self, Geometry, NodePicture, ObjectFrame, RgbaImage, Surface};
use qtvr_format::container::Movie;
use qtvr_format::qtvr::scene::{Node, NodeContent, NodeId, ObjectNode, Scene, View, ViewLimits};
use qtvr_format::source::ByteSource;

/// The largest page side (texels, gutters included): every WebGL 2
/// implementation takes textures of 2048 (the minimum it must support).
pub const PAGE: u32 = 2048;
/// Texels of neighbouring picture around each page.
pub const GUTTER: u32 = 2;
/// The longest side of a preview picture.
pub const PREVIEW: u32 = 384;
/// Object views decoded at a time (bounds the pictures held).
const OBJECT_BATCH: usize = 32;
/// The most views an object node may declare.
const MAX_OBJECT_VIEWS: u64 = 200_000;

/// The player's files, written into every export.
pub const ASSETS: [(&str, &str); 3] = [
    ("player/nav.js", include_str!("../../web/nav.js")),
    ("player/player.js", include_str!("../../web/player.js")),
    ("player/player.css", include_str!("../../web/player.css")),
];
const INDEX_HTML: &str = include_str!("../../web/index.html");

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct WebOptions {
    /// Only these nodes (links to others are kept and marked as leaving the export).
    pub nodes: Option<Vec<NodeId>>,
    /// The movie's file name, shown in the page's information panel.
    pub source_name: Option<String>,
}

/// What an export wrote and had to say.
#[derive(Debug, Default)]
pub struct WebReport {
    pub files: usize,
    pub bytes: u64,
    pub nodes: usize,
    /// What was repaired, replaced or skipped (also in the page).
    pub warnings: Vec<String>,
    /// Which tracks ffmpeg decoded, and similar.
    pub notes: Vec<String>,
}

/// Writes files under an export folder, counting them (from several threads).
pub(crate) struct Out<'a> {
    dir: &'a Path,
    files: AtomicUsize,
    bytes: AtomicU64,
}

impl<'a> Out<'a> {
    pub(crate) fn new(dir: &'a Path) -> Out<'a> {
        Out {
            dir,
            files: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// Files written so far.
    pub(crate) fn files(&self) -> usize {
        self.files.load(Ordering::Relaxed)
    }

    /// Bytes written so far.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Counts files written elsewhere (a nested export).
    pub(crate) fn add(&self, files: usize, bytes: u64) {
        self.files.fetch_add(files, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Writes `rel` (creating its folders); returns its path.
    pub(crate) fn write(&self, rel: &str, bytes: &[u8]) -> Result<PathBuf, String> {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(path)
    }

    /// Writes `stem.ext` and its `.js` twin; returns the picture's path.
    pub(crate) fn picture(&self, stem: &str, e: &encode::Encoded) -> Result<String, String> {
        let rel = format!("{stem}.{}", e.ext);
        self.write(&rel, &e.bytes)?;
        self.write(&format!("{rel}.js"), &encode::wrapper(&rel, e))?;
        Ok(rel)
    }
}

/// Exports `scene` into the existing, empty folder `dir` (callers wrap it in
/// an [`output::AtomicDir`]).
pub fn export_web(
    src: &dyn ByteSource,
    movie: &Movie,
    scene: &Scene,
    dir: &Path,
    opts: &WebOptions,
) -> Result<WebReport, String> {
    let out = Out::new(dir);
    let mut report = WebReport::default();
    report
        .warnings
        .extend(scene.warnings.iter().map(|w| w.message.clone()));
    let wanted = |id: NodeId| opts.nodes.as_ref().is_none_or(|n| n.contains(&id));
    let mut nodes = Vec::new();
    let mut failed = Vec::new();
    for node in scene.nodes.iter().filter(|n| wanted(n.id)) {
        report
            .notes
            .extend(crate::cli::render::ffmpeg_notes(movie, node));
        let mut warnings = Vec::new();
        let content = match &node.content {
            NodeContent::Panorama(p) => {
                panorama_node(src, movie, node, &p.limits, &out, &mut warnings)
            }
            NodeContent::Object(o) => object_node(src, movie, node, o, &out, &mut warnings),
        };
        let mut v = node_json(scene, node, &wanted);
        match content {
            Ok(c) => merge(&mut v, c),
            Err(e) => {
                warnings.push(format!("node {}: {e}", node.id));
                failed.push(format!("node {}: {e}", node.id));
                v["error"] = Value::from(e);
            }
        }
        for w in &warnings {
            report.warnings.push(w.clone());
        }
        v["warnings"] = json!(warnings);
        nodes.push(v);
    }
    if nodes.is_empty() {
        return Err("the movie has none of the nodes asked for".into());
    }
    let sound = sound::export_sound(src, movie, scene, &wanted, &out);
    report.warnings.extend(sound.warnings.iter().cloned());
    for v in &mut nodes {
        let id = NodeId(v["id"].as_u64().unwrap_or(0) as u32);
        if let Some(s) = sound.nodes.get(&id) {
            v["sound"] = s.clone();
        }
    }
    // A page of nothing but errors is not an export.
    if failed.len() == nodes.len() {
        return Err(failed.join("; "));
    }
    report.nodes = nodes.len();
    let default = if wanted(scene.default_node) && scene.node(scene.default_node).is_some() {
        scene.default_node.0
    } else {
        nodes[0]["id"].as_u64().unwrap_or(0) as u32
    };
    let title = scene
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| opts.source_name.clone())
        .unwrap_or_else(|| "QuickTime VR movie".into());
    let tour = json!({
        "title": title,
        "source": opts.source_name,
        "qtvrVersion": scene.qtvr_version,
        "defaultNode": default,
        "generator": format!("qtvr {}", env!("CARGO_PKG_VERSION")),
        "warnings": report.warnings,
        "notes": report.notes,
        "sound": sound.movie.map(|m| json!({ "movie": m })),
        "nodes": nodes,
    });
    out.write("tour.js", format!("QTVR.tour({tour});\n").as_bytes())?;
    for (rel, text) in ASSETS {
        out.write(rel, text.as_bytes())?;
    }
    out.write("index.html", index_html(&title).as_bytes())?;
    report.files = out.files();
    report.bytes = out.bytes();
    Ok(report)
}

/// `index.html` with the movie's title.
pub fn index_html(title: &str) -> String {
    let escaped = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    INDEX_HTML.replace("{{title}}", &escaped)
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        a.extend(b);
    }
}

fn view_json(v: View) -> Value {
    json!({ "pan": v.pan, "tilt": v.tilt, "fov": v.fov })
}

fn limits_json(l: &ViewLimits) -> Value {
    json!({
        "pan": l.pan,
        "tilt": l.tilt,
        "fov": l.fov,
        "wraps": l.wraps,
        "default": view_json(l.default),
    })
}

/// What every node has: ID, name, kind, hot spots with their actions.
fn node_json(scene: &Scene, node: &Node, wanted: &dyn Fn(NodeId) -> bool) -> Value {
    let hotspots: Vec<Value> = node
        .hotspots
        .iter()
        .map(|h| {
            let link = h.link.as_ref().map(|l| match scene.node(l.to_node) {
                Some(target) => json!({
                    "target": l.to_node.0,
                    "view": view_json(destination_view(target, l)),
                    "exported": wanted(l.to_node),
                }),
                None => json!({ "target": l.to_node.0, "view": null, "missing": true }),
            });
            json!({
                "id": h.id.0,
                "type": h.kind.to_string().trim(),
                "name": hotspot_name(h),
                "comment": h.comment,
                "bestView": h.best_view.map(view_json),
                "link": link,
                "url": h.url,
            })
        })
        .collect();
    json!({
        "id": node.id.0,
        "name": node.name.clone().filter(|n| !n.trim().is_empty()),
        "comment": node.comment,
        "kind": match node.content {
            NodeContent::Panorama(_) => "panorama",
            NodeContent::Object(_) => "object",
        },
        "hotspots": hotspots,
    })
}

/// The IDs of a node's hot spots (a map's other values are not hot spots).
fn hotspot_ids(node: &Node) -> Vec<u8> {
    node.hotspots
        .iter()
        .filter_map(|h| u8::try_from(h.id.0).ok())
        .collect()
}

/// One page of a surface: its rectangle on the picture and the texels it
/// holds around it.
struct PageCut {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    /// Gutter texels left, top, right, bottom.
    gutter: [u32; 4],
}

fn cut_pages(img: &RgbaImage, wraps: bool) -> Vec<PageCut> {
    let inner = PAGE - 2 * GUTTER;
    let mut pages = Vec::new();
    let mut y = 0;
    while y < img.height {
        let h = inner.min(img.height - y);
        let mut x = 0;
        while x < img.width {
            let w = inner.min(img.width - x);
            let gl = if wraps { GUTTER } else { GUTTER.min(x) };
            let gr = if wraps {
                GUTTER
            } else {
                GUTTER.min(img.width - x - w)
            };
            let gt = GUTTER.min(y);
            let gb = GUTTER.min(img.height - y - h);
            pages.push(PageCut {
                x,
                y,
                w,
                h,
                gutter: [gl, gt, gr, gb],
            });
            x += w;
        }
        y += h;
    }
    pages
}

/// A page's texels as packed RGB (columns wrap round a wrapping cylinder).
fn page_rgb(img: &RgbaImage, p: &PageCut) -> (Vec<u8>, u32, u32) {
    let [gl, gt, gr, gb] = p.gutter;
    let (pw, ph) = (p.w + gl + gr, p.h + gt + gb);
    let width = i64::from(img.width);
    let mut out = Vec::with_capacity(pw as usize * ph as usize * 3);
    let mut line = vec![0u8; img.width as usize * 4];
    for row in 0..ph {
        img.row_into(p.y + row - gt, 0, &mut line);
        for col in 0..pw {
            let x = (i64::from(p.x) + i64::from(col) - i64::from(gl)).rem_euclid(width) as usize;
            out.extend_from_slice(&line[x * 4..x * 4 + 3]);
        }
    }
    (out, pw, ph)
}

fn geometry_json(s: &Surface) -> Value {
    match s.geometry {
        Geometry::Cylinder { pan, wraps } => {
            json!({ "kind": "cylinder", "pan": pan, "wraps": wraps })
        }
        Geometry::Plane(p) => json!({
            "kind": "plane",
            "q": p.rotation,
            "focal": p.focal,
            "aspect": p.aspect,
            "skew": p.skew,
            "centre": p.centre,
        }),
        Geometry::Flat => json!({ "kind": "flat" }),
    }
}

/// A panorama node's surfaces: pages, previews and hot spot maps written.
fn panorama_node(
    src: &dyn ByteSource,
    movie: &Movie,
    node: &Node,
    limits: &ViewLimits,
    out: &Out,
    warnings: &mut Vec<String>,
) -> Result<Value, String> {
    let opts = crate::budget::decode_options();
    let picture: NodePicture =
        assemble::panorama_picture(src, movie, node, &opts).map_err(|e| e.to_string())?;
    warnings.extend(picture.warnings.iter().map(|w| w.message.clone()));
    let keep = hotspot_ids(node);
    let id = node.id.0;
    // Every page, preview and map of every surface, encoded in parallel.
    enum Job<'a> {
        Page(usize, usize, &'a Surface, PageCut),
        Preview(usize, &'a Surface),
        Map(usize, &'a Surface),
    }
    let mut jobs = Vec::new();
    let mut page_counts = Vec::new();
    for (i, s) in picture.surfaces.iter().enumerate() {
        let wraps = matches!(s.geometry, Geometry::Cylinder { wraps: true, .. });
        let pages = cut_pages(&s.image, wraps);
        page_counts.push(pages.len());
        jobs.push(Job::Preview(i, s));
        if s.hotspots.is_some() {
            jobs.push(Job::Map(i, s));
        }
        jobs.extend(
            pages
                .into_iter()
                .enumerate()
                .map(|(k, p)| Job::Page(i, k, s, p)),
        );
    }
    let done: Vec<Result<(usize, String, Value), String>> = jobs
        .into_par_iter()
        .map(|job| match job {
            Job::Page(i, k, s, p) => {
                let (rgb, pw, ph) = page_rgb(&s.image, &p);
                let e = encode::picture(&rgb, pw, ph)?;
                let file = out.picture(&format!("nodes/{id}/s{i}-p{k}"), &e)?;
                Ok((
                    i,
                    format!("page{k}"),
                    json!({
                        "file": file,
                        "rect": [p.x, p.y, p.w, p.h],
                        "gutter": p.gutter,
                        "size": [pw, ph],
                    }),
                ))
            }
            Job::Preview(i, s) => {
                let (rgb, w, h) = encode::shrink(&s.image, PREVIEW);
                let e = encode::Encoded {
                    bytes: encode::jpeg(&rgb, w, h, encode::PREVIEW_QUALITY)?,
                    ext: "jpg",
                };
                let file = out.picture(&format!("nodes/{id}/s{i}-preview"), &e)?;
                Ok((i, "preview".into(), json!({ "file": file, "size": [w, h] })))
            }
            Job::Map(i, s) => {
                let Some(m) = s.hotspots.as_ref() else {
                    return Ok((i, "hotspots".into(), Value::Null));
                };
                let e = encode::hotspot_png(m, &keep)?;
                let file = out.picture(&format!("nodes/{id}/s{i}-hotspots"), &e)?;
                Ok((
                    i,
                    "hotspots".into(),
                    json!({ "file": file, "size": [m.width, m.height] }),
                ))
            }
        })
        .collect();
    let mut surfaces: Vec<Value> = picture
        .surfaces
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut v = geometry_json(s);
            v["size"] = json!([s.image.width, s.image.height]);
            v["pages"] = Value::Array(vec![Value::Null; page_counts[i]]);
            v["hotspots"] = Value::Null;
            v
        })
        .collect();
    for r in done {
        let (i, key, v) = r?;
        if let Some(k) = key.strip_prefix("page") {
            let k: usize = k.parse().unwrap_or(0);
            surfaces[i]["pages"][k] = v;
        } else {
            surfaces[i][key] = v;
        }
    }
    Ok(json!({ "limits": limits_json(limits), "surfaces": surfaces }))
}

/// A frame written: its sample, its entry, and its hot spot map (sample, file).
type WrittenFrame = (usize, Value, Option<(usize, String)>);

/// An object node's frames and hot spot maps.
fn object_node(
    src: &dyn ByteSource,
    movie: &Movie,
    node: &Node,
    o: &ObjectNode,
    out: &Out,
    warnings: &mut Vec<String>,
) -> Result<Value, String> {
    let total = u64::from(o.rows)
        * u64::from(o.columns)
        * u64::from(o.view_states)
        * u64::from(o.frames_per_view);
    if total > MAX_OBJECT_VIEWS {
        return Err(format!(
            "declares {total} views (rows × columns × states × frames), more than {MAX_OBJECT_VIEWS}"
        ));
    }
    let id = node.id.0;
    // Every view's sample; each distinct sample is decoded and written once.
    let mut views: Vec<Option<usize>> = Vec::with_capacity(total as usize);
    let mut wanted: Vec<(usize, ObjectFrame)> = Vec::new();
    let mut seen: HashMap<usize, ()> = HashMap::new();
    for state in 0..o.view_states {
        for row in 0..o.rows {
            for column in 0..o.columns {
                for frame in 0..o.frames_per_view {
                    let s = o.sample_for(row, column, state, frame);
                    if let Some(s) = s
                        && seen.insert(s, ()).is_none()
                    {
                        wanted.push((
                            s,
                            ObjectFrame {
                                row,
                                column,
                                state,
                                frame,
                            },
                        ));
                    }
                    views.push(s);
                }
            }
        }
    }
    let missing = views.iter().filter(|v| v.is_none()).count();
    if missing > 0 {
        warnings.push(format!(
            "node {id}: {missing} of its {total} views have no frame in the image track"
        ));
    }
    let keep = hotspot_ids(node);
    let opts = crate::budget::decode_options();
    let mut files: HashMap<usize, Value> = HashMap::new();
    let mut maps: HashMap<usize, String> = HashMap::new();
    let mut size = [o.image_track.width, o.image_track.height];
    // Views are decoded in batches as large as the memory budget allows (a
    // view's frame, hot spot map and their encoding copies), up to
    // OBJECT_BATCH; a node whose one view does not fit is not decoded.
    let one = assemble::object_memory(movie, o, 1);
    opts.limits.check_memory(&one).map_err(|e| e.to_string())?;
    let batch_len = (opts.limits.memory / one.bytes.saturating_mul(2).max(1))
        .clamp(1, OBJECT_BATCH as u64) as usize;
    for batch in wanted.chunks(batch_len) {
        let frames: Vec<ObjectFrame> = batch.iter().map(|(_, f)| *f).collect();
        let pictures = match assemble::object_pictures(src, movie, node.id, o, &frames, &opts) {
            Ok(p) => p,
            Err(e) => {
                warnings.push(format!("node {id}: {e}"));
                continue;
            }
        };
        let encoded: Vec<Result<WrittenFrame, String>> = batch
            .par_iter()
            .zip(pictures.par_iter())
            .map(|((sample, f), p)| {
                let Some(s) = p.surfaces.first() else {
                    return Ok((*sample, Value::Null, None));
                };
                let img = &s.image;
                let rgb = encode::crop_rgb(img, 0, 0, img.width, img.height);
                let e = encode::picture(&rgb, img.width, img.height)?;
                let file = out.picture(&format!("nodes/{id}/f{}", sample + 1), &e)?;
                let map = match (
                    &s.hotspots,
                    o.hotspot_sample_for(f.row, f.column, f.state, f.frame),
                ) {
                    (Some(m), Some(hs)) => {
                        let e = encode::hotspot_png(m, &keep)?;
                        Some((hs, out.picture(&format!("nodes/{id}/h{}", hs + 1), &e)?))
                    }
                    _ => None,
                };
                Ok((
                    *sample,
                    json!({ "file": file, "size": [img.width, img.height] }),
                    map,
                ))
            })
            .collect();
        for r in encoded {
            let (sample, v, map) = r?;
            if let Some(w) = v["size"][0].as_u64() {
                size = [w as u32, v["size"][1].as_u64().unwrap_or(0) as u32];
            }
            files.insert(sample, v);
            if let Some((hs, f)) = map {
                maps.entry(hs).or_insert(f);
            }
        }
        for p in pictures {
            warnings.extend(p.warnings.iter().map(|w| w.message.clone()));
        }
    }
    // The hot spot map of each view, by the same parallel order.
    let mut frames = Vec::with_capacity(views.len());
    let mut k = 0usize;
    for state in 0..o.view_states {
        for row in 0..o.rows {
            for column in 0..o.columns {
                for frame in 0..o.frames_per_view {
                    let picture = views[k].and_then(|s| files.get(&s)).cloned();
                    let map = o
                        .hotspot_sample_for(row, column, state, frame)
                        .and_then(|h| maps.get(&h).cloned());
                    frames.push(match picture {
                        Some(mut p) => {
                            p["hotspots"] = json!(map);
                            p
                        }
                        None => Value::Null,
                    });
                    k += 1;
                }
            }
        }
    }
    Ok(json!({
        "object": object_json(o, size),
        "frames": frames,
    }))
}

fn object_json(o: &ObjectNode, size: [u32; 2]) -> Value {
    json!({
        "rows": o.rows,
        "columns": o.columns,
        "viewStates": o.view_states,
        "framesPerView": o.frames_per_view,
        "controller": o.controller,
        "movieType": o.movie_type,
        "animationSettings": o.animation_settings,
        "controlSettings": o.control_settings,
        "defaultViewState": o.default_view_state,
        "mouseDownViewState": o.mouse_down_view_state,
        "viewDuration": o.view_duration,
        "frameSeconds": o.frame_seconds,
        "mouseMotionScale": o.mouse_motion_scale,
        "pan": o.pan,
        "tilt": o.tilt,
        "fov": o.fov,
        "viewCenter": o.view_center,
        "viewRate": o.view_rate,
        "frameRate": o.frame_rate,
        "limits": limits_json(&o.limits),
        "width": o.image_track.width,
        "height": o.image_track.height,
        "frameSize": size,
    })
}

/// `qtvr export --to web` into `dest` (complete or not at all).
pub fn export_to(
    src: &dyn ByteSource,
    movie: &Movie,
    scene: &Scene,
    dest: &Path,
    force: bool,
    opts: &WebOptions,
) -> Result<(WebReport, PathBuf), String> {
    let dir = output::AtomicDir::new(dest, force)?;
    let report = export_web(src, movie, scene, dir.path(), opts)?;
    dir.finish()?;
    Ok((report, dest.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_the_picture_with_gutters() {
        let img = RgbaImage::new(
            5000,
            3,
            (0..5000 * 3)
                .flat_map(|i: u32| [(i % 5000 % 251) as u8, 0, 0, 255])
                .collect(),
        );
        let pages = cut_pages(&img, true);
        assert_eq!(pages.len(), 3);
        assert_eq!(pages.iter().map(|p| p.w).sum::<u32>(), 5000);
        assert!(
            pages
                .iter()
                .all(|p| p.w + p.gutter[0] + p.gutter[2] <= PAGE)
        );
        // Wrapping: the first page's left gutter is the picture's last columns.
        let (rgb, pw, _) = page_rgb(&img, &pages[0]);
        assert_eq!(rgb[0], (4998 % 251) as u8);
        assert_eq!(rgb[3 * 2], 0);
        assert_eq!(pw, pages[0].w + 2 * GUTTER);
        // Not wrapping: no gutter past the picture's edges.
        let pages = cut_pages(&img, false);
        assert_eq!(pages[0].gutter, [0, 0, GUTTER, 0]);
        assert_eq!(pages[2].gutter, [GUTTER, 0, 0, 0]);
    }
}
