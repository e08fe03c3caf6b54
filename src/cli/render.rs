//! `qtvr render` (one view, offscreen, with the window's renderer) and
//! `qtvr export --to panorama|equirect|cubemap`.

use std::path::{Path, PathBuf};

use crate::render::image_file::{ImageKind, save};
use crate::render::{Gpu, Renderer, UploadOptions, hotspot_ids};
use crate::view::{ObjectView, Shot, clamp_panorama, column_for_pan, row_for_tilt};
use qtvr_format::assemble::{self, Geometry, NodePicture};
use qtvr_format::container::Movie;
use qtvr_format::error::Warning;
use qtvr_format::qtvr::scene::{Node, NodeContent, NodeId, Scene, View};
use qtvr_format::source::ByteSource;
use qtvr_format::tiles::{Fallback, external};

/// What `qtvr render` was asked for.
#[derive(Debug, Clone, Default)]
pub struct RenderRequest {
    pub node: Option<NodeId>,
    pub pan: Option<f32>,
    pub tilt: Option<f32>,
    pub fov: Option<f32>,
    pub row: Option<u32>,
    pub column: Option<u32>,
    pub state: Option<u32>,
    pub frame: Option<u32>,
    pub size: [u32; 2],
    pub hotspots: bool,
    /// Draw as a moving window frame is drawn: at this fraction of the
    /// resolution, scaled up (motion quality; `None` or 1: full resolution).
    pub motion_scale: Option<f32>,
}

/// What a command did, for the caller to print.
#[derive(Debug, Default)]
pub struct Report {
    /// Angles moved into the node's limits, and similar notes.
    pub notes: Vec<String>,
    /// What was repaired or skipped while reading and decoding.
    pub warnings: Vec<Warning>,
    pub written: Vec<PathBuf>,
}

/// The index among `movie`'s video tracks (as ffmpeg's `-map 0:v:N` counts
/// them) of the image track of `scene`'s default node: the track its first
/// full-resolution picture is decoded from (a preview track may come
/// first). The benchmarks time ffmpeg decoding it.
pub fn default_image_track_index(movie: &Movie, scene: &Scene) -> Option<usize> {
    let node = pick_node(scene, None).ok()?;
    let id = match &node.content {
        NodeContent::Panorama(p) => p.image_track.track_id,
        NodeContent::Object(o) => o.image_track.track_id,
    };
    movie
        .tracks
        .iter()
        .filter(|t| &t.handler.0 == b"vide")
        .position(|t| t.id == id)
}

/// The node asked for, or the scene's default node.
pub fn pick_node(scene: &Scene, id: Option<NodeId>) -> Result<&Node, String> {
    let id = id.unwrap_or(scene.default_node);
    scene
        .node(id)
        .or_else(|| {
            if id == scene.default_node {
                scene.nodes.first()
            } else {
                None
            }
        })
        .ok_or_else(|| {
            let ids: Vec<String> = scene.nodes.iter().map(|n| n.id.to_string()).collect();
            format!("there is no node {id} (nodes: {})", ids.join(", "))
        })
}

/// Parses "WxH".
pub fn parse_size(s: &str) -> Result<[u32; 2], String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("size '{s}' should look like 1280x720"))?;
    let p = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|v| (1..=32768).contains(v))
            .ok_or_else(|| format!("size '{s}': each side must be 1..32768"))
    };
    Ok([p(w)?, p(h)?])
}

/// The shot a render request gives for a node, clamped into its limits (what
/// was moved is noted).
pub fn shot_for(
    node: &Node,
    req: &RenderRequest,
    notes: &mut Vec<String>,
) -> Result<(Shot, Option<ObjectView>), String> {
    let aspect = f64::from(req.size[0]) / f64::from(req.size[1]);
    match &node.content {
        NodeContent::Panorama(p) => {
            if req.row.is_some()
                || req.column.is_some()
                || req.state.is_some()
                || req.frame.is_some()
            {
                return Err(format!(
                    "node {} is a panorama: use --pan, --tilt and --fov, not --row/--column/--state/--frame",
                    node.id
                ));
            }
            let d = p.limits.default;
            let asked = View {
                pan: req.pan.unwrap_or(d.pan),
                tilt: req.tilt.unwrap_or(d.tilt),
                fov: req.fov.unwrap_or(d.fov),
            };
            let (view, clamped) = clamp_panorama(asked, &p.limits, aspect);
            notes.extend(clamped.iter().map(|c| c.to_string()));
            Ok((Shot::Perspective(view), None))
        }
        NodeContent::Object(o) => {
            let mut v = ObjectView::default_for(o);
            if let Some(p) = req.pan {
                v.column = column_for_pan(o, p);
            }
            if let Some(t) = req.tilt {
                v.row = row_for_tilt(o, t);
            }
            v.row = req.row.unwrap_or(v.row);
            v.column = req.column.unwrap_or(v.column);
            v.state = req.state.unwrap_or(v.state);
            v.frame = req.frame.unwrap_or(v.frame);
            if let Some(f) = req.fov {
                v.fov = f;
            }
            let (v, clamped) = v.clamped(o);
            notes.extend(clamped.iter().map(|c| c.to_string()));
            Ok((v.shot(o), Some(v)))
        }
    }
}

/// The pictures for a node (an object's for one view).
pub fn node_picture(
    src: &dyn ByteSource,
    movie: &Movie,
    node: &Node,
    object_view: Option<&ObjectView>,
) -> Result<NodePicture, String> {
    let opts = crate::budget::decode_options();
    match &node.content {
        NodeContent::Object(o) => {
            let v = object_view
                .copied()
                .unwrap_or_else(|| ObjectView::default_for(o));
            assemble::object_picture(src, movie, node.id, o, &v.object_frame(), &opts)
                .map_err(|e| picture_error(node, e))
        }
        NodeContent::Panorama(_) => {
            assemble::panorama_picture(src, movie, node, &opts).map_err(|e| picture_error(node, e))
        }
    }
}

/// A picture's error, naming the node where the error does not.
fn picture_error(node: &Node, e: assemble::PictureError) -> String {
    match e {
        assemble::PictureError::Memory(..) => format!("node {}: {e}", node.id),
        e => e.to_string(),
    }
}

/// Notes naming the tracks of `node` that ffmpeg decodes.
pub fn ffmpeg_notes(movie: &Movie, node: &Node) -> Vec<String> {
    let mut seen = Vec::new();
    let mut notes = Vec::new();
    for (u, _) in qtvr_format::tiles::node_tracks(node) {
        if seen.contains(&u.track_id) {
            continue;
        }
        seen.push(u.track_id);
        if let Some(t) = movie.tracks.iter().find(|t| t.id == u.track_id)
            && let Some(n) = external::note(t, &Fallback::Auto)
        {
            notes.push(n);
        }
    }
    notes
}

/// A renderer on a headless device with a node's pictures uploaded.
pub fn renderer_for(node: &Node, picture: NodePicture) -> Result<(Gpu, Renderer), String> {
    let gpu = Gpu::headless().map_err(|e| e.to_string())?;
    let mut r = Renderer::new(&gpu);
    r.set_picture(&gpu, picture, &hotspot_ids(node), UploadOptions::default())
        .map_err(|e| e.to_string())?;
    Ok((gpu, r))
}

/// `qtvr render`.
pub fn render(
    src: &dyn ByteSource,
    movie: &Movie,
    scene: &Scene,
    req: &RenderRequest,
    out: &Path,
) -> Result<Report, String> {
    let mut report = Report::default();
    let node = pick_node(scene, req.node)?;
    let (shot, ov) = shot_for(node, req, &mut report.notes)?;
    if let (NodeContent::Object(o), Some(v)) = (&node.content, &ov) {
        let sample = o
            .sample_for(v.row, v.column, v.state, v.frame)
            .map_or("no sample".to_string(), |i| {
                format!("sample {} of track {}", i + 1, o.image_track.track_id)
            });
        report.notes.push(format!(
            "view: row {}, column {}, state {}, frame {} ({sample})",
            v.row, v.column, v.state, v.frame
        ));
    }
    let kind = ImageKind::from_path(out)?;
    report.notes.extend(ffmpeg_notes(movie, node));
    let mut picture = node_picture(src, movie, node, ov.as_ref())?;
    report.warnings.append(&mut picture.warnings);
    let (gpu, mut r) = renderer_for(node, picture)?;
    let img = r
        .render_image_scaled(
            &gpu,
            &shot,
            req.size[0],
            req.size[1],
            req.hotspots,
            req.motion_scale.unwrap_or(1.0),
        )
        .map_err(|e| e.to_string())?;
    save(&img, out, kind)?;
    report.written.push(out.to_path_buf());
    Ok(report)
}

/// What `qtvr export` writes from a panorama.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanoramaExport {
    /// The upright cylinder image as stored (cylinders only).
    Panorama,
    /// An equirectangular image, 2:1.
    Equirect { width: Option<u32> },
    /// Six cube faces.
    Cubemap { size: Option<u32> },
}

/// The names and views of the six exported cube faces, in the standard order.
pub const CUBE_FACES: [(&str, f32, f32); 6] = [
    ("front", 0.0, 0.0),
    ("right", 270.0, 0.0),
    ("back", 180.0, 0.0),
    ("left", 90.0, 0.0),
    ("top", 0.0, 90.0),
    ("bottom", 0.0, -90.0),
];

/// `qtvr export --to panorama|equirect|cubemap`.
pub fn export_panorama(
    src: &dyn ByteSource,
    movie: &Movie,
    scene: &Scene,
    node: Option<NodeId>,
    what: PanoramaExport,
    out: &Path,
) -> Result<Report, String> {
    let mut report = Report::default();
    let node = pick_node(scene, node)?;
    if let NodeContent::Object(_) = node.content {
        return Err(format!(
            "node {} is an object movie, not a panorama; use `qtvr render` for its views or `--to tiles` for its frames",
            node.id
        ));
    }
    let kind = ImageKind::from_path(out)?;
    report.notes.extend(ffmpeg_notes(movie, node));
    let mut picture = node_picture(src, movie, node, None)?;
    report.warnings.append(&mut picture.warnings);
    let natural = natural_width(&picture);
    match what {
        PanoramaExport::Panorama => {
            let s = picture
                .surfaces
                .first()
                .filter(|s| matches!(s.geometry, Geometry::Cylinder { .. }))
                .ok_or_else(|| {
                    format!(
                        "node {} is a cube, which has no single panorama image; use --to equirect or --to cubemap",
                        node.id
                    )
                })?;
            save(&s.image, out, kind)?;
            report.written.push(out.to_path_buf());
        }
        PanoramaExport::Equirect { width } => {
            let w = width.unwrap_or(natural).max(2);
            let w = w + (w & 1);
            let (gpu, mut r) = renderer_for(node, picture)?;
            let img = r
                .render_image(&gpu, &Shot::Equirect, w, w / 2, false)
                .map_err(|e| e.to_string())?;
            save(&img, out, kind)?;
            report.written.push(out.to_path_buf());
        }
        PanoramaExport::Cubemap { size } => {
            let n = size.unwrap_or((natural / 4).max(1));
            let (gpu, mut r) = renderer_for(node, picture)?;
            for (name, pan, tilt) in CUBE_FACES {
                let shot = Shot::Perspective(View {
                    pan,
                    tilt,
                    fov: 90.0,
                });
                let img = r
                    .render_image(&gpu, &shot, n, n, false)
                    .map_err(|e| e.to_string())?;
                let path = face_path(out, name);
                save(&img, &path, kind)?;
                report.written.push(path);
            }
        }
    }
    Ok(report)
}

/// The texels across 360° at the picture's own resolution: a cylinder's width
/// scaled to a full turn, or four cube faces.
pub fn natural_width(p: &NodePicture) -> u32 {
    let mut best = 0f64;
    for s in &p.surfaces {
        let w = match s.geometry {
            Geometry::Cylinder { pan, .. } => {
                f64::from(s.image.width) * 360.0 / f64::from((pan[1] - pan[0]).max(1.0))
            }
            Geometry::Plane(pl) => {
                // 90° of a face spans its pixel centres 0..w − 1 = 2·focal.
                4.0 * (2.0 * f64::from(pl.focal) + 1.0)
            }
            Geometry::Flat => f64::from(s.image.width),
        };
        best = best.max(w);
    }
    (best.round() as u32).clamp(2, 32768)
}

/// `dir/name.ext` → `dir/name_front.ext`.
pub fn face_path(out: &Path, face: &str) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = out
        .extension()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!("{stem}_{face}.{ext}"))
}
