//! `qtvr export --to pannellum`: a movie's panoramas as a
//! [Pannellum](https://pannellum.org) tour, for people who already use
//! Pannellum (2.5).
//!
//! The folder:
//!
//! ```text
//! index.html               the tour in Pannellum (needs pannellum.js and
//!                          pannellum.css beside it: see README.txt)
//! tour.json                the Pannellum tour configuration, for your own pages
//! README.txt               what to add and how to embed the tour
//! scenes/<id>/…            pictures (JPEG), each with a `.js` twin for file://
//! objects/                 the object nodes, as the web player (`--to web`)
//! ```
//!
//! Every panorama node is one scene whose ID is the node ID (`"1"`, `"2"`,
//! …); `default.firstScene` is the movie's default node (the first panorama
//! when that is an object). Pictures are rendered by the desktop renderer,
//! so every kind of panorama (cylinders, standard, tiled and `cufa` cubes)
//! comes out the same:
//!
//! - Cubes: six faces, `type: "cubemap"`, in Pannellum's order front, right,
//!   back, left, up, down (the views of [`CUBE_FACES`]: front is pan 0), each
//!   a 90° perspective view [`natural_width`]/4 texels square (at most
//!   [`MAX_FACE`]).
//! - Cylinders: the part of an equirectangular image that the cylinder covers
//!   (`type: "equirectangular"` with `haov`, `vaov`, `vOffset`): the sphere
//!   is rendered at the cylinder's own resolution (at most
//!   [`MAX_EQUIRECT_WIDTH`] across), then cut to the whole rows and columns
//!   inside the picture ([`cylinder_coverage`]); `haov`, `vaov` and `vOffset`
//!   are those of the rows and columns kept, so the picture sits exactly
//!   where the renderer put it.
//!
//! Angles. QuickTime VR's pan grows to the left (counter-clockwise seen from
//! above), Pannellum's yaw to the right: yaw = −pan, in −180..180. Pannellum
//! always centres a partial panorama on yaw 0, so a partial cylinder's yaws
//! are measured from the middle of its picture ([`Layout::yaw`]); the
//! offset is the same for the scene's view, limits and hot spots and for the
//! links arriving in it. Pitch is tilt. QuickTime VR's fields of view are
//! vertical, Pannellum's `hfov` horizontal: they are converted at the aspect
//! ratio [`ASPECT`] (4:3), so a 4:3 Pannellum viewer shows what
//! `qtvr render --size 640x480` does (a viewer of another shape shows the
//! same horizontal extent: Pannellum keeps `hfov` across any width).
//!
//! Limits. Views start at the node's default view and links arrive at their
//! destination views, both clamped to the node's limits as the viewer does
//! ([`clamp_panorama`] at 4:3). `minHfov`/`maxHfov` are the narrowest and
//! widest fields of view the limits allow at 4:3. Pannellum's
//! `minPitch`/`maxPitch` and `minYaw`/`maxYaw` bound the view's edges as
//! QuickTime VR's tilt and pan limits do: tilt limits of ±90 leave pitch
//! free, a wrapping pan range leaves yaw free; a cylinder's pitch is also
//! kept within its picture (`avoidShowingBackground`).
//!
//! Hot spots sit at the centroid of their region: the mean direction of the
//! hot spot map's pixels of that ID ([`hotspot_directions`]), with the hot
//! spot's name as `text`. Links to panoramas are `scene` hot spots with the
//! destination view (`targetYaw`, `targetPitch`, `targetHfov`); links to
//! object nodes are `info` hot spots whose `URL` opens the object in the web
//! player exported into `objects/` (`objects/index.html#node=N`); URL hot
//! spots are `info` hot spots with their URL; others are `info` hot spots
//! showing the name. Hot spots that the map never shows have no position and
//! are left out (with a note).
//!
//! Pannellum itself is not written: the exporter has no copy of it (it is
//! MIT-licensed; get `pannellum.js` and `pannellum.css` 2.5 from
//! pannellum.org or the npm package `pannellum`, `build/`). From a web
//! server the page loads the pictures as Pannellum always does; opened from
//! `file://`, where browsers refuse WebGL textures of other files, it reads
//! them through their `.js` twins (as the web player does) and hands
//! Pannellum `data:` URLs.
//!
//! The configuration sets `escapeHTML`: names come from the file and are
//! shown as text, never as markup.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use serde_json::{Map, Value, json};

use crate::cli::render::{CUBE_FACES, Report, ffmpeg_notes, natural_width, node_picture};
use crate::render::{Gpu, Renderer, UploadOptions, hotspot_ids};
use crate::view::tour::{destination_view, hotspot_name};
use crate::view::{MAX_FOV, MIN_FOV, Shot, clamp_panorama, horizontal_fov};
use crate::web::encode;
use qtvr_format::assemble::{Geometry, NodePicture, RgbaImage, Surface};
use qtvr_format::container::Movie;
use qtvr_format::qtvr::scene::{HotSpot, Node, NodeContent, NodeId, Scene, View, ViewLimits};
use qtvr_format::source::ByteSource;

/// The aspect ratio (width / height) at which vertical fields of view are
/// converted to Pannellum's horizontal ones.
pub const ASPECT: f64 = 4.0 / 3.0;
/// The widest equirectangular picture rendered for a cylinder. Pannellum
/// 2.5 takes equirectangular pictures up to twice the GPU's texture limit
/// across (it splits them in two), so 8192 needs a limit of 4096, which
/// every WebGL device has.
pub const MAX_EQUIRECT_WIDTH: u32 = 8192;
/// The largest cube face.
pub const MAX_FACE: u32 = 4096;
/// JPEG quality of the pictures (JPEG for every browser Pannellum runs in;
/// 92 as `qtvr render` writes JPEG).
pub const JPEG_QUALITY: u8 = 92;
/// Milliseconds of Pannellum's fade between scenes (the viewer's cross-fade).
const FADE_MS: u32 = 350;

/// Where a cylinder's picture lies in the equirectangular image of the whole
/// sphere, and the part of that image exported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coverage {
    /// The equirectangular image's size (width = 2 × height).
    pub full: [u32; 2],
    /// The first column kept (columns wrap round the image's seam) and how
    /// many.
    pub columns: [u32; 2],
    /// The first row kept and how many.
    pub rows: [u32; 2],
    /// Degrees across and down the kept part, and the tilt of its middle.
    pub haov: f64,
    pub vaov: f64,
    pub v_offset: f64,
    /// The pan at the middle of the kept part (Pannellum's yaw 0).
    pub centre_pan: f64,
}

/// The part of the `width`×`width/2` equirectangular image (pan 180 at its
/// left edge, as [`Shot::Equirect`]) that an upright cylinder image of
/// `size` pixels covering `pan` = [min, max] shows: the whole rows and
/// columns inside it; all columns when it wraps.
pub fn cylinder_coverage(pan: [f32; 2], wraps: bool, size: [u32; 2], width: u32) -> Coverage {
    let (w, h) = (f64::from(width), f64::from(width / 2));
    let range = f64::from((pan[1] - pan[0]).max(1e-3)).min(360.0);
    // The horizon is the middle row; radius in pixels of the cylinder image.
    let radius = f64::from(size[0]) * 360.0 / (2.0 * std::f64::consts::PI * range);
    let top = (f64::from(size[1]) / 2.0).atan2(radius).to_degrees();
    let eps = 1e-6;
    let r0 = ((90.0 - top) / 180.0 * h - eps).ceil().max(0.0);
    let r1 = ((90.0 + top) / 180.0 * h + eps)
        .floor()
        .min(h)
        .max(r0 + 1.0);
    let (c0, n) = if wraps || range >= 360.0 - 1e-3 {
        (0.0, w)
    } else {
        // The image's left edge shows pan max.
        let left = (180.0 - f64::from(pan[1])) / 360.0 * w;
        let c0 = (left - eps).ceil();
        let c1 = (left + range / 360.0 * w + eps).floor().max(c0 + 1.0);
        (c0, c1 - c0)
    };
    let centre_pan = if n >= w {
        0.0
    } else {
        wrap180(180.0 - (c0 + n / 2.0) / w * 360.0)
    };
    Coverage {
        full: [width, width / 2],
        columns: [c0.rem_euclid(w) as u32, n as u32],
        rows: [r0 as u32, (r1 - r0) as u32],
        haov: n / w * 360.0,
        vaov: (r1 - r0) / h * 180.0,
        v_offset: 90.0 - (r0 + r1) / 2.0 / h * 180.0,
        centre_pan,
    }
}

/// An angle in −180..180 (180 rather than −180).
fn wrap180(a: f64) -> f64 {
    let a = (a + 180.0).rem_euclid(360.0) - 180.0;
    if a <= -180.0 { a + 360.0 } else { a }
}

/// How a scene's pictures are laid out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Layout {
    Cube { face: u32 },
    Cylinder(Coverage),
}

impl Layout {
    /// The pan at Pannellum's yaw 0.
    fn centre_pan(&self) -> f64 {
        match self {
            Layout::Cube { .. } => 0.0,
            Layout::Cylinder(c) => c.centre_pan,
        }
    }

    /// Pannellum's yaw of a pan (degrees, −180..180).
    pub fn yaw(&self, pan: f64) -> f64 {
        wrap180(-(pan - self.centre_pan()))
    }
}

/// The layout of a node's picture: a cylinder (its first cylindrical
/// surface) or a cube.
pub fn layout_of(picture: &NodePicture) -> Result<Layout, String> {
    let natural = natural_width(picture);
    for s in &picture.surfaces {
        if let Geometry::Cylinder { pan, wraps } = s.geometry {
            let w = natural.clamp(4, MAX_EQUIRECT_WIDTH);
            let w = w + (w & 1);
            return Ok(Layout::Cylinder(cylinder_coverage(
                pan,
                wraps,
                [s.image.width, s.image.height],
                w,
            )));
        }
    }
    if picture.is_cube() {
        return Ok(Layout::Cube {
            face: (natural / 4).clamp(1, MAX_FACE),
        });
    }
    Err("it has no cylinder or cube picture".into())
}

/// The world ray (unnormalised) through a continuous texel position of a
/// panorama surface (`None` for flat pictures).
fn ray_of_texel(s: &Surface, t: [f64; 2]) -> Option<[f64; 3]> {
    let (w, h) = (s.image.width, s.image.height);
    match s.geometry {
        Geometry::Cylinder { pan, .. } => {
            // The inverse of `assemble::cylinder_texel`.
            let range = f64::from((pan[1] - pan[0]).max(1e-3));
            let wf = f64::from(w);
            let radius = wf * 360.0 / (2.0 * std::f64::consts::PI * range);
            let theta = (f64::from(pan[1]) - t[0] / wf * range).to_radians();
            let y = (t[1] - f64::from(h) / 2.0) / radius;
            Some([theta.sin(), y, theta.cos()])
        }
        Geometry::Plane(p) => Some(p.ray_of_texel(t, w, h)),
        Geometry::Flat => None,
    }
}

/// The mean direction (a unit vector) of the hot spot map pixels of each ID
/// in `ids`, over every surface of the picture; IDs no map shows are absent.
pub fn hotspot_directions(picture: &NodePicture, ids: &[u8]) -> HashMap<u8, [f64; 3]> {
    let mut wanted = [false; 256];
    for &i in ids {
        wanted[usize::from(i)] = i != 0;
    }
    let mut sums: HashMap<u8, [f64; 3]> = HashMap::new();
    for s in &picture.surfaces {
        let Some(m) = &s.hotspots else { continue };
        if m.width == 0 || m.height == 0 {
            continue;
        }
        let sx = f64::from(s.image.width) / f64::from(m.width);
        let sy = f64::from(s.image.height) / f64::from(m.height);
        for (y, row) in m.data.chunks_exact(m.width as usize).enumerate() {
            for (x, &id) in row.iter().enumerate() {
                if !wanted[usize::from(id)] {
                    continue;
                }
                let t = [(x as f64 + 0.5) * sx, (y as f64 + 0.5) * sy];
                let Some(r) = ray_of_texel(s, t) else {
                    continue;
                };
                let len = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt();
                if !(len > 0.0 && len.is_finite()) {
                    continue;
                }
                let e = sums.entry(id).or_insert([0.0; 3]);
                for c in 0..3 {
                    e[c] += r[c] / len;
                }
            }
        }
    }
    sums.into_iter()
        .filter_map(|(id, v)| {
            let len = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
            (len > 1e-9).then(|| (id, v.map(|c| c / len)))
        })
        .collect()
}

/// The pan and tilt (degrees) of a world direction (X left, Y down, Z front).
pub fn pan_tilt(d: [f64; 3]) -> (f64, f64) {
    let pan = d[0].atan2(d[2]).to_degrees();
    let tilt = (-d[1]).atan2(d[0].hypot(d[2])).to_degrees();
    (pan, tilt)
}

/// A view at 4:3 as Pannellum's yaw, pitch and hfov.
fn pannellum_view(layout: &Layout, v: View) -> (f64, f64, f64) {
    (
        round(layout.yaw(f64::from(v.pan))),
        round(f64::from(v.tilt)),
        round(horizontal_fov(f64::from(v.fov), ASPECT)),
    )
}

/// Four decimals: enough for any view, short in the configuration.
fn round(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

/// The scene's view and limits: `yaw`, `pitch`, `hfov`, `minHfov`,
/// `maxHfov`, and where they bind, `minPitch`/`maxPitch`/`minYaw`/`maxYaw`.
pub fn view_config(layout: &Layout, limits: &ViewLimits) -> Map<String, Value> {
    let mut c = Map::new();
    let (default, _) = clamp_panorama(limits.default, limits, ASPECT);
    let (yaw, pitch, hfov) = pannellum_view(layout, default);
    c.insert("yaw".into(), json!(yaw));
    c.insert("pitch".into(), json!(pitch));
    c.insert("hfov".into(), json!(hfov));
    // The narrowest and widest fields of view the limits allow (at the
    // tilt nearest the horizon they allow).
    let probe = |fov: f64| {
        clamp_panorama(
            View {
                pan: default.pan,
                tilt: 0.0,
                fov: fov as f32,
            },
            limits,
            ASPECT,
        )
        .0
        .fov
    };
    let (lo, hi) = (probe(MIN_FOV), probe(MAX_FOV));
    c.insert(
        "minHfov".into(),
        json!(round(horizontal_fov(f64::from(lo), ASPECT))),
    );
    c.insert(
        "maxHfov".into(),
        json!(round(horizontal_fov(f64::from(hi), ASPECT))),
    );
    // Pitch: the tilt limits unless they are the poles, within a cylinder's
    // picture.
    let [mut tlo, mut thi] = limits.tilt.map(f64::from);
    if !tlo.is_finite() {
        tlo = -90.0;
    }
    if !thi.is_finite() {
        thi = 90.0;
    }
    if let Layout::Cylinder(cov) = layout {
        let half = cov.vaov / 2.0;
        tlo = tlo.max(cov.v_offset - half);
        thi = thi.min(cov.v_offset + half);
    }
    if tlo > -90.0 {
        c.insert("minPitch".into(), json!(round(tlo.max(-90.0))));
    }
    if thi < 90.0 {
        c.insert("maxPitch".into(), json!(round(thi.min(90.0))));
    }
    // Yaw: the pan limits of a partial panorama (a wrapping pan range, or
    // one of 360° or more, leaves yaw free), within a cylinder's picture.
    let [plo, phi] = limits.pan.map(f64::from);
    let range = phi - plo;
    let mut yaws =
        (!limits.wraps && range.is_finite() && range > 0.0 && range < 360.0).then(|| {
            let mid = layout.yaw((plo + phi) / 2.0);
            (mid - range / 2.0, mid + range / 2.0)
        });
    if let Layout::Cylinder(cov) = layout
        && cov.haov < 360.0
    {
        let (lo, hi) = (-cov.haov / 2.0, cov.haov / 2.0);
        yaws = Some(match yaws {
            Some((a, b)) if a.max(lo) < b.min(hi) => (a.max(lo), b.min(hi)),
            _ => (lo, hi),
        });
    }
    if let Some((lo, hi)) = yaws {
        c.insert("minYaw".into(), json!(round(lo)));
        c.insert("maxYaw".into(), json!(round(hi)));
    }
    c
}

/// What the configuration needs to know of every exported panorama.
#[derive(Debug, Clone)]
pub struct SceneInfo {
    pub layout: Layout,
    pub limits: ViewLimits,
}

/// A hot spot's Pannellum entry, placed at the world direction `dir` of the
/// scene laid out as `here`; `exported` are the scenes of the tour.
pub fn hotspot_config(
    scene: &Scene,
    here: &Layout,
    h: &HotSpot,
    dir: [f64; 3],
    exported: &HashMap<NodeId, SceneInfo>,
) -> Value {
    let (pan, tilt) = pan_tilt(dir);
    let mut v = json!({
        "id": format!("hotspot-{}", h.id.0),
        "pitch": round(tilt),
        "yaw": round(here.yaw(pan)),
        "type": "info",
        "text": hotspot_name(h),
    });
    if let Some(link) = &h.link {
        let target = scene.node(link.to_node);
        match (target, exported.get(&link.to_node)) {
            (Some(t), Some(info)) => {
                let (view, _) = clamp_panorama(destination_view(t, link), &info.limits, ASPECT);
                let (yaw, pitch, hfov) = pannellum_view(&info.layout, view);
                v["type"] = json!("scene");
                v["sceneId"] = json!(link.to_node.0.to_string());
                v["targetYaw"] = json!(yaw);
                v["targetPitch"] = json!(pitch);
                v["targetHfov"] = json!(hfov);
            }
            (Some(t), None) if matches!(t.content, NodeContent::Object(_)) => {
                v["URL"] = json!(format!("objects/index.html#node={}", link.to_node.0));
            }
            (Some(_), None) => {
                v["text"] = json!(format!(
                    "{} (node {}, not exported)",
                    hotspot_name(h),
                    link.to_node
                ));
            }
            (None, _) => {
                v["text"] = json!(format!(
                    "{} (a link to node {}, which the movie lacks)",
                    hotspot_name(h),
                    link.to_node
                ));
            }
        }
    } else if let Some(url) = &h.url {
        v["URL"] = json!(url);
    }
    v
}

/// A scene's title: the node's name, else "Node N".
fn title(node: &Node) -> String {
    node.name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("Node {}", node.id))
}

/// A panorama node rendered: its layout, its pictures (paths relative to the
/// folder, in Pannellum's order) and its hot spots' directions.
struct Rendered {
    layout: Layout,
    pictures: Vec<String>,
    directions: HashMap<u8, [f64; 3]>,
}

/// The columns and rows of `cov` cut from the full equirectangular image, as
/// packed RGB.
fn crop(img: &RgbaImage, cov: &Coverage) -> Vec<u8> {
    let [c0, n] = cov.columns;
    let [r0, m] = cov.rows;
    let w = img.width as usize;
    let mut out = Vec::with_capacity(n as usize * m as usize * 3);
    let mut row = vec![0u8; w * 4];
    for y in r0..r0 + m {
        img.row_into(y, 0, &mut row);
        for k in 0..n {
            let x = (c0 + k) as usize % w;
            out.extend_from_slice(&row[x * 4..x * 4 + 3]);
        }
    }
    out
}

/// Renders a node's pictures (on the GPU, one after the other), encodes
/// them (in parallel) and writes them with their `.js` twins.
fn render_node(
    gpu: &Gpu,
    renderer: &mut Renderer,
    picture: NodePicture,
    node: &Node,
    out: &super::Out,
) -> Result<Rendered, String> {
    let layout = layout_of(&picture)?;
    let ids: Vec<u8> = hotspot_ids(node)
        .iter()
        .filter_map(|h| u8::try_from(h.0).ok())
        .collect();
    let directions = hotspot_directions(&picture, &ids);
    renderer
        .set_picture(gpu, picture, &hotspot_ids(node), UploadOptions::default())
        .map_err(|e| e.to_string())?;
    let id = node.id.0;
    // (path, packed RGB, width, height)
    let mut images: Vec<(String, Vec<u8>, u32, u32)> = Vec::new();
    match layout {
        Layout::Cube { face } => {
            // Pannellum's order: front, right, back, left, up, down.
            for (name, pan, tilt) in CUBE_FACES {
                let shot = Shot::Perspective(View {
                    pan,
                    tilt,
                    fov: 90.0,
                });
                let img = renderer
                    .render_image(gpu, &shot, face, face, false)
                    .map_err(|e| e.to_string())?;
                let rgb = encode::crop_rgb(&img, 0, 0, face, face);
                images.push((format!("scenes/{id}/{name}.jpg"), rgb, face, face));
            }
        }
        Layout::Cylinder(cov) => {
            let [w, h] = cov.full;
            let img = renderer
                .render_image(gpu, &Shot::Equirect, w, h, false)
                .map_err(|e| e.to_string())?;
            let rgb = crop(&img, &cov);
            images.push((
                format!("scenes/{id}/panorama.jpg"),
                rgb,
                cov.columns[1],
                cov.rows[1],
            ));
        }
    }
    let encoded: Vec<Result<(String, encode::Encoded), String>> = images
        .into_par_iter()
        .map(|(path, rgb, w, h)| {
            let bytes = encode::jpeg(&rgb, w, h, JPEG_QUALITY)?;
            Ok((path, encode::Encoded { bytes, ext: "jpg" }))
        })
        .collect();
    let mut pictures = Vec::new();
    for e in encoded {
        let (path, e) = e?;
        out.write(&path, &e.bytes)?;
        out.write(&format!("{path}.js"), &encode::wrapper(&path, &e))?;
        pictures.push(path);
    }
    Ok(Rendered {
        layout,
        pictures,
        directions,
    })
}

/// One scene's configuration.
fn scene_config(
    scene: &Scene,
    node: &Node,
    r: &Rendered,
    limits: &ViewLimits,
    exported: &HashMap<NodeId, SceneInfo>,
    notes: &mut Vec<String>,
) -> Value {
    let mut c = Map::new();
    c.insert("title".into(), json!(title(node)));
    let files = &r.pictures;
    match r.layout {
        Layout::Cube { .. } => {
            c.insert("type".into(), json!("cubemap"));
            c.insert("cubeMap".into(), json!(files));
        }
        Layout::Cylinder(cov) => {
            c.insert("type".into(), json!("equirectangular"));
            c.insert("panorama".into(), json!(files[0]));
            c.insert("haov".into(), json!(round(cov.haov)));
            c.insert("vaov".into(), json!(round(cov.vaov)));
            c.insert("vOffset".into(), json!(round(cov.v_offset)));
            c.insert("avoidShowingBackground".into(), json!(true));
        }
    }
    c.extend(view_config(&r.layout, limits));
    let mut spots = Vec::new();
    for h in &node.hotspots {
        let dir = u8::try_from(h.id.0).ok().and_then(|i| r.directions.get(&i));
        match dir {
            Some(d) => spots.push(hotspot_config(scene, &r.layout, h, *d, exported)),
            None => notes.push(format!(
                "node {}: hot spot {} ({}) is not in the hot spot map; left out of the tour",
                node.id,
                h.id,
                hotspot_name(h)
            )),
        }
    }
    c.insert("hotSpots".into(), Value::Array(spots));
    Value::Object(c)
}

/// The tour configuration: `default` (`firstScene`, …) and `scenes`.
fn tour_config(first: NodeId, title: Option<&str>, scenes: Vec<(NodeId, Value)>) -> Value {
    let mut default = json!({
        "firstScene": first.0.to_string(),
        "autoLoad": true,
        "sceneFadeDuration": FADE_MS,
        "escapeHTML": true,
    });
    if let Some(t) = title {
        default["title"] = json!(t);
    }
    let mut s = Map::new();
    for (id, v) in scenes {
        s.insert(id.0.to_string(), v);
    }
    json!({ "default": default, "scenes": s })
}

const README: &str = "\
This folder is a QuickTime VR movie as a Pannellum tour, written by qtvr.

Pannellum itself is not included. Copy pannellum.js and pannellum.css
(Pannellum 2.5, MIT licence: https://pannellum.org, or the npm package
`pannellum`, folder build/) into this folder, beside index.html, then open
index.html: from a web server, or straight from the disk (file://).

tour.json is the tour configuration (Pannellum's tour format: `default` and
`scenes`, one scene per panorama node, named by node ID), for your own pages:
    pannellum.viewer('panorama', config)
with `config` read from tour.json; picture paths are relative to this folder
(set `basePath` in `default` when the page is elsewhere).

Fields of view are converted from QuickTime VR's vertical ones at 4:3: a 4:3
viewer shows what QuickTime VR showed. Object movies, which Pannellum does not
show, are in objects/ (the qtvr web player), linked from the tour.
";

/// The page: Pannellum beside it, the configuration inline (a page opened
/// from file:// cannot read tour.json), the pictures through their `.js`
/// twins when opened from file://.
fn index_html(title: &str, config: &Value) -> String {
    let escaped = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    // `<` only occurs inside strings, where \u003c means the same: nothing in
    // the configuration can close the script element.
    let config = config.to_string().replace('<', "\\u003c");
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escaped}</title>
<link rel="stylesheet" href="pannellum.css">
<style>
  html, body {{ margin: 0; height: 100%; background: #000; }}
  #panorama {{ width: 100%; height: 100%; }}
  .qtvr-missing {{ color: #ddd; font: 16px/1.5 sans-serif; padding: 2em; max-width: 40em; }}
</style>
</head>
<body>
<div id="panorama"></div>
<script src="pannellum.js"></script>
<script>
(function () {{
  'use strict';
  var config = {config};
  window.tourConfig = config;
  if (!window.pannellum) {{
    var p = document.createElement('p');
    p.className = 'qtvr-missing';
    p.textContent = 'pannellum.js was not found. Copy pannellum.js and pannellum.css ' +
      '(Pannellum 2.5: pannellum.org, or the npm package pannellum) beside this page; see README.txt.';
    document.getElementById('panorama').appendChild(p);
    return;
  }}
  function start() {{
    window.viewer = window.pannellum.viewer('panorama', config);
  }}
  if (location.protocol !== 'file:') {{
    start();
    return;
  }}
  // From file:// browsers refuse WebGL textures of other files: read each
  // picture from its .js twin, which calls QTVR.file, as data: URLs.
  var urls = {{}};
  var waiting = {{}};
  window.QTVR = {{
    file: function (path, mime, b64) {{
      urls[path] = 'data:' + mime + ';base64,' + b64;
      if (waiting[path]) waiting[path]();
    }}
  }};
  function load(path) {{
    return new Promise(function (resolve, reject) {{
      waiting[path] = resolve;
      var s = document.createElement('script');
      s.src = path + '.js';
      s.onerror = function () {{ reject(new Error('cannot load ' + path + '.js')); }};
      document.head.appendChild(s);
    }});
  }}
  var scenes = Object.keys(config.scenes).map(function (k) {{ return config.scenes[k]; }});
  var paths = [];
  scenes.forEach(function (s) {{
    (s.cubeMap || []).concat(s.panorama ? [s.panorama] : []).forEach(function (p) {{
      if (p) paths.push(p);
    }});
  }});
  Promise.all(paths.map(load)).then(function () {{
    scenes.forEach(function (s) {{
      if (s.cubeMap) s.cubeMap = s.cubeMap.map(function (p) {{ return p && urls[p]; }});
      if (s.panorama) s.panorama = urls[s.panorama];
    }});
    start();
  }}, function (e) {{
    console.error(e.message);
  }});
}})();
</script>
</body>
</html>
"#
    )
}

/// Exports `scene`'s panoramas as a Pannellum tour into the existing, empty
/// folder `dir` (callers wrap it in an [`super::output::AtomicDir`], as
/// [`export_to`] does), and its object nodes with the web player into
/// `dir/objects`. `written` lists the main files (index.html, tour.json,
/// README.txt, objects/index.html), `notes` what was left out or moved.
pub fn export_pannellum(
    src: &dyn ByteSource,
    movie: &Movie,
    scene: &Scene,
    dir: &Path,
) -> Result<Report, String> {
    let mut report = Report::default();
    let out = super::Out::new(dir);
    let panoramas: Vec<&Node> = scene
        .nodes
        .iter()
        .filter(|n| matches!(n.content, NodeContent::Panorama(_)))
        .collect();
    let objects: Vec<NodeId> = scene
        .nodes
        .iter()
        .filter(|n| matches!(n.content, NodeContent::Object(_)))
        .map(|n| n.id)
        .collect();
    if panoramas.is_empty() {
        return Err(
            "the movie has no panorama nodes (Pannellum shows panoramas only); use --to web".into(),
        );
    }
    // Pass 1: render every panorama node and write its pictures (one node's
    // pictures held at a time).
    let gpu = Gpu::headless().map_err(|e| e.to_string())?;
    let mut renderer = Renderer::new(&gpu);
    let mut rendered: Vec<(&Node, ViewLimits, Rendered)> = Vec::new();
    for &node in &panoramas {
        let NodeContent::Panorama(p) = &node.content else {
            continue;
        };
        report.notes.extend(ffmpeg_notes(movie, node));
        let r = node_picture(src, movie, node, None).and_then(|mut picture| {
            report.warnings.append(&mut picture.warnings);
            render_node(&gpu, &mut renderer, picture, node, &out)
        });
        match r {
            Ok(r) => rendered.push((node, p.limits.clone(), r)),
            Err(e) => report
                .notes
                .push(format!("node {}: {e}; left out of the tour", node.id)),
        }
    }
    if rendered.is_empty() {
        return Err("no panorama node could be rendered".into());
    }
    let exported: HashMap<NodeId, SceneInfo> = rendered
        .iter()
        .map(|(n, limits, r)| {
            (
                n.id,
                SceneInfo {
                    layout: r.layout,
                    limits: limits.clone(),
                },
            )
        })
        .collect();
    // Pass 2: the configuration (links need their targets' layouts).
    let mut scenes = Vec::new();
    for (node, limits, r) in &rendered {
        scenes.push((
            node.id,
            scene_config(scene, node, r, limits, &exported, &mut report.notes),
        ));
    }
    let first = if exported.contains_key(&scene.default_node) {
        scene.default_node
    } else {
        let first = rendered[0].0.id;
        report.notes.push(format!(
            "the movie's default node {} is not a panorama in the tour; the tour starts at node {first}",
            scene.default_node
        ));
        first
    };
    let name = scene.name.as_deref().filter(|n| !n.trim().is_empty());
    let config = tour_config(first, name, scenes);
    let pretty = serde_json::to_string_pretty(&config).map_err(|e| e.to_string())? + "\n";
    report
        .written
        .push(out.write("tour.json", pretty.as_bytes())?);
    let page = index_html(name.unwrap_or("QuickTime VR tour"), &config);
    report
        .written
        .push(out.write("index.html", page.as_bytes())?);
    report
        .written
        .push(out.write("README.txt", README.as_bytes())?);
    if !objects.is_empty() {
        // The object nodes, in the web player, linked from the tour as info
        // hot spots with a URL.
        let objdir = dir.join("objects");
        std::fs::create_dir_all(&objdir)
            .map_err(|e| format!("cannot create {}: {e}", objdir.display()))?;
        let opts = super::WebOptions {
            nodes: Some(objects),
            source_name: None,
        };
        let web = super::export_web(src, movie, scene, &objdir, &opts)?;
        report.notes.extend(web.notes);
        report
            .notes
            .extend(web.warnings.into_iter().map(|w| format!("objects: {w}")));
        out.add(web.files, web.bytes);
        report.written.push(objdir.join("index.html"));
    }
    let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    report.notes.push(format!(
        "{}, {}, {:.1} MB",
        plural(rendered.len(), "scene"),
        plural(out.files(), "file"),
        out.bytes() as f64 / 1e6
    ));
    Ok(report)
}

/// `qtvr export --to pannellum` into `dest` (complete or not at all; an
/// existing non-empty folder only with `force`).
pub fn export_to(
    src: &dyn ByteSource,
    movie: &Movie,
    scene: &Scene,
    dest: &Path,
    force: bool,
) -> Result<Report, String> {
    let dir = super::output::AtomicDir::new(dest, force)?;
    let tmp = dir.path().to_path_buf();
    let mut report = export_pannellum(src, movie, scene, &tmp)?;
    dir.finish()?;
    // The files are where the folder was renamed to.
    for p in &mut report.written {
        if let Ok(rel) = p.strip_prefix(&tmp) {
            *p = dest.join(rel);
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qtvr_format::assemble::{IdImage, cylinder_texel};

    fn limits(pan: [f32; 2], tilt: [f32; 2], fov: [f32; 2], default: View) -> ViewLimits {
        ViewLimits {
            pan,
            tilt,
            fov,
            default,
            wraps: pan[1] - pan[0] >= 359.99,
            source: "test",
        }
    }

    fn v(pan: f32, tilt: f32, fov: f32) -> View {
        View { pan, tilt, fov }
    }

    fn num(c: &Map<String, Value>, k: &str) -> f64 {
        c.get(k)
            .and_then(Value::as_f64)
            .unwrap_or_else(|| panic!("no {k} in {c:?}"))
    }

    #[test]
    fn yaw_is_minus_pan_from_the_picture_centre() {
        let cube = Layout::Cube { face: 512 };
        // Pan grows to the left, yaw to the right.
        assert_eq!(cube.yaw(0.0), 0.0);
        assert_eq!(cube.yaw(90.0), -90.0);
        assert_eq!(cube.yaw(270.0), 90.0);
        assert_eq!(cube.yaw(-45.0), 45.0);
        assert_eq!(cube.yaw(180.0), 180.0);
        assert_eq!(cube.yaw(540.0), 180.0);
        // A partial cylinder's yaw 0 is the middle of its picture.
        let cov = cylinder_coverage([10.0, 170.0], false, [640, 200], 1440);
        let half = Layout::Cylinder(cov);
        assert!((cov.centre_pan - 90.0).abs() < 0.5, "{cov:?}");
        assert!(half.yaw(cov.centre_pan).abs() < 1e-9);
        assert!((half.yaw(cov.centre_pan + 30.0) + 30.0).abs() < 1e-9);
    }

    #[test]
    fn a_full_cylinder_covers_every_column_and_the_rows_of_its_height() {
        // 1024 wide for 360°: radius 1024/2π ≈ 163 px; 256 tall reaches
        // atan(128/163) ≈ 38.2° above and below the horizon.
        let cov = cylinder_coverage([0.0, 360.0], true, [1024, 256], 1024);
        assert_eq!(cov.full, [1024, 512]);
        assert_eq!(cov.columns, [0, 1024]);
        assert_eq!(cov.haov, 360.0);
        assert_eq!(cov.centre_pan, 0.0);
        let top = 128f64
            .atan2(1024.0 / (2.0 * std::f64::consts::PI))
            .to_degrees();
        // Whole rows inside the picture, symmetric about the horizon.
        assert!(cov.vaov <= 2.0 * top && cov.vaov > 2.0 * top - 2.0 * 180.0 / 512.0);
        assert_eq!(cov.v_offset, 0.0);
        assert_eq!(cov.rows[0] * 2 + cov.rows[1], 512);
        assert!((cov.vaov - f64::from(cov.rows[1]) * 180.0 / 512.0).abs() < 1e-9);
    }

    #[test]
    fn a_partial_cylinder_keeps_the_columns_of_its_pan_range() {
        // Pan 10..170 (the left edge shows 170): in a 1440-wide equirect
        // (4 px per degree, pan 180 at column 0) columns 40..680.
        let cov = cylinder_coverage([10.0, 170.0], false, [640, 200], 1440);
        assert_eq!(cov.columns, [40, 640]);
        assert!((cov.haov - 160.0).abs() < 1e-9);
        assert!((cov.centre_pan - 90.0).abs() < 1e-9);
        // Across the seam: pan 150..250 is columns 1160..1440 then 0..120.
        let cov = cylinder_coverage([150.0, 250.0], false, [400, 200], 1440);
        assert_eq!(cov.columns, [1160, 400]);
        assert!((cov.centre_pan - 200.0 + 360.0).abs() < 1e-9, "{cov:?}");
        // Fractional edges: only whole columns inside.
        let cov = cylinder_coverage([10.1, 169.9], false, [640, 200], 1440);
        assert_eq!(cov.columns, [41, 638]);
    }

    #[test]
    fn crops_wrap_round_the_seam() {
        let img = RgbaImage::new(4, 2, (0..8u8).flat_map(|i| [i, 0, 0, 255]).collect());
        let cov = Coverage {
            full: [4, 2],
            columns: [3, 2],
            rows: [1, 1],
            haov: 180.0,
            vaov: 90.0,
            v_offset: -45.0,
            centre_pan: 0.0,
        };
        assert_eq!(crop(&img, &cov), vec![7, 0, 0, 4, 0, 0]);
    }

    #[test]
    fn fields_of_view_become_horizontal_at_4_3() {
        let cube = Layout::Cube { face: 512 };
        let l = limits(
            [0.0, 360.0],
            [-90.0, 90.0],
            [20.0, 100.0],
            v(30.0, 10.0, 60.0),
        );
        let c = view_config(&cube, &l);
        let h = |f: f64| horizontal_fov(f, ASPECT);
        assert!((num(&c, "hfov") - h(60.0)).abs() < 1e-3);
        // 60° vertical at 4:3 is 2·atan(tan 30° · 4/3) ≈ 75.18° across.
        assert!((num(&c, "hfov") - 75.1782).abs() < 1e-3);
        assert!((num(&c, "minHfov") - h(20.0)).abs() < 1e-3);
        assert!((num(&c, "maxHfov") - h(100.0)).abs() < 1e-3);
        assert_eq!(num(&c, "yaw"), -30.0);
        assert_eq!(num(&c, "pitch"), 10.0);
        // Full sphere: no pitch or yaw limits.
        for k in ["minPitch", "maxPitch", "minYaw", "maxYaw"] {
            assert!(!c.contains_key(k), "{k} in {c:?}");
        }
    }

    #[test]
    fn limits_become_pitch_and_yaw_bounds() {
        let cube = Layout::Cube { face: 512 };
        // Pan 30..120 (yaw −120..−30), tilt −40..50.
        let l = limits(
            [30.0, 120.0],
            [-40.0, 50.0],
            [20.0, 60.0],
            v(75.0, 0.0, 40.0),
        );
        let c = view_config(&cube, &l);
        assert_eq!(num(&c, "minYaw"), -120.0);
        assert_eq!(num(&c, "maxYaw"), -30.0);
        assert_eq!(num(&c, "minPitch"), -40.0);
        assert_eq!(num(&c, "maxPitch"), 50.0);
        assert_eq!(num(&c, "yaw"), -75.0);
        // A cylinder's pitch stays within its picture, its yaw within a
        // partial picture.
        let cov = cylinder_coverage([10.0, 170.0], false, [640, 200], 1440);
        let half = Layout::Cylinder(cov);
        let l = limits(
            [0.0, 360.0],
            [-90.0, 90.0],
            [10.0, 60.0],
            v(90.0, 0.0, 40.0),
        );
        let c = view_config(&half, &l);
        let top = cov.v_offset + cov.vaov / 2.0;
        assert!((num(&c, "maxPitch") - top).abs() < 1e-3, "{c:?}");
        assert!((num(&c, "minPitch") + top).abs() < 1e-3);
        assert!((num(&c, "minYaw") + 80.0).abs() < 1e-3 && (num(&c, "maxYaw") - 80.0).abs() < 1e-3);
        // The default view (pan 90, the middle) looks at yaw 0.
        assert!(num(&c, "yaw").abs() < 1e-3);
        // Narrower pan limits inside the picture: pan 60..150 → yaw −60..30.
        let l = limits(
            [60.0, 150.0],
            [-20.0, 20.0],
            [10.0, 30.0],
            v(90.0, 0.0, 30.0),
        );
        let c = view_config(&half, &l);
        assert!((num(&c, "minYaw") + 60.0).abs() < 1e-3 && (num(&c, "maxYaw") - 30.0).abs() < 1e-3);
        assert_eq!(num(&c, "minPitch"), -20.0);
    }

    #[test]
    fn cylinder_rays_invert_cylinder_texels() {
        let s = Surface {
            geometry: Geometry::Cylinder {
                pan: [10.0, 170.0],
                wraps: false,
            },
            image: RgbaImage::new(640, 200, vec![0; 640 * 200 * 4]),
            hotspots: None,
        };
        for t in [[0.5, 0.5], [320.0, 100.0], [639.5, 12.25], [100.0, 199.0]] {
            let r = ray_of_texel(&s, t).unwrap();
            let back = cylinder_texel(r, [10.0, 170.0], false, 640, 200);
            assert!((back[0] - t[0]).abs() < 1e-9 && (back[1] - t[1]).abs() < 1e-9);
        }
        // The left edge shows pan 170, the horizon is the middle row.
        let (pan, tilt) = pan_tilt(ray_of_texel(&s, [0.0, 100.0]).unwrap());
        assert!((pan - 170.0).abs() < 1e-9 && tilt.abs() < 1e-9);
    }

    #[test]
    fn hot_spots_sit_at_the_mean_direction_of_their_pixels() {
        // A full cylinder 360 px wide (1 px per degree), map at half size:
        // ID 7 on map columns 10..20 (image 20..40: pan 340..320), rows
        // 20..30 (image 40..60, above the horizon at 100); ID 9 round the
        // seam (map columns 175..180 and 0..5); ID 3 not listed.
        let (w, h) = (360u32, 200u32);
        let mut map = IdImage {
            width: w / 2,
            height: h / 2,
            data: vec![0; (w * h / 4) as usize],
        };
        for y in 20..30 {
            for x in 10..20 {
                map.data[(y * w / 2 + x) as usize] = 7;
            }
        }
        for y in 45..55 {
            for x in (0..5).chain(175..180) {
                map.data[(y * w / 2 + x) as usize] = 9;
            }
            map.data[(y * w / 2 + 100) as usize] = 3;
        }
        let picture = NodePicture {
            node: NodeId(1),
            surfaces: vec![Surface {
                geometry: Geometry::Cylinder {
                    pan: [0.0, 360.0],
                    wraps: true,
                },
                image: RgbaImage::new(w, h, vec![0; (w * h * 4) as usize]),
                hotspots: Some(map),
            }],
            warnings: Vec::new(),
        };
        let d = hotspot_directions(&picture, &[7, 9]);
        assert_eq!(d.len(), 2, "ID 3 is not listed");
        let (pan, tilt) = pan_tilt(d[&7]);
        assert!((pan - (360.0 - 30.0 - 360.0)).abs() < 0.05, "pan {pan}");
        // Image rows 40..60 centre 50 px above the horizon; radius 360/2π.
        let want = (50.0f64)
            .atan2(360.0 / (2.0 * std::f64::consts::PI))
            .to_degrees();
        assert!((tilt - want).abs() < 0.5, "tilt {tilt}, want {want}");
        let (pan, tilt) = pan_tilt(d[&9]);
        assert!(pan.abs() < 1e-6 && tilt.abs() < 1e-6, "{pan} {tilt}");
        let layout = Layout::Cube { face: 1 };
        assert!((layout.yaw(pan_tilt(d[&7]).0) - 30.0).abs() < 0.05);
    }

    #[test]
    fn the_page_cannot_be_closed_by_a_name() {
        let config = json!({"default": {"title": "</script><script>alert(1)</script>"}});
        let page = index_html("a <b> & \"c\"", &config);
        assert!(page.contains("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>"));
        assert_eq!(page.matches("</script>").count(), 2, "{page}");
        assert!(page.contains("\\u003c/script>\\u003cscript>alert(1)\\u003c/script>"));
    }
}
