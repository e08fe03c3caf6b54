//! Writes QuickTime VR 2 movies: the inverse of the QTVR 2 reader (`v2.rs`).
//!
//! Written by hand because no crate writes QuickTime VR (nor reads it). Two
//! layers:
//!
//! - atom builders, one per QTVR atom the reader interprets ([`string_atom`],
//!   [`ndhd`], [`hsin`], [`link`], [`pdat`], [`cuvw`], [`obji`], ...), on top of
//!   the generic QuickTime writers in [`crate::container::build`]. The parser
//!   tests build their movies with them;
//! - [`Tour`]: a whole multinode movie from pictures — vertical cylinders,
//!   standard six-face cubes and object movies, with link hot spots between
//!   them. Image tiles are stored as Photo-JPEG (`jpeg`), hot spot maps as 8-bit
//!   Animation (`rle `) key frames with the standard Mac palette stored as the
//!   colour table: codecs that QuickTime, this project and ffmpeg all decode.
//!   The viewer's bundled demo (the `qtvr-demo` crate) is made with it.
//!
//! Layout of a written tour (movie and media time scale 600): track 1 is the
//! QTVR track (one node information sample per node, node after node in
//! time), track 2 the panorama track (one `pdat` sample per panorama node, at
//! that node's time), track 3 the object track; then each node's image track
//! and hot spot track. Every track is placed at its node's time by its edit
//! list, so all of a node's samples start when its QTVR sample starts, which
//! is how the reader finds them.

use image::{GrayImage, RgbImage};

use super::scene::View;
use crate::codec::Palette;
use crate::container::build::{
    Body, MovieWriter, TrackSpec, atom, qt_container, qt_leaf, qt_parent, raw_entry, video_entry,
};

/// `vrsg` (QTVR string atom) with atom ID `id`: usage 0, length, the bytes
/// (cut at 65535 bytes, the most its length field holds).
pub fn string_atom(id: u32, s: &str) -> Vec<u8> {
    let b = &s.as_bytes()[..s.len().min(usize::from(u16::MAX))];
    qt_leaf(
        b"vrsg",
        id,
        &Body::new().u16(0).u16(b.len() as u16).bytes(b).done(),
    )
}

/// `vrsc` (VR world header): version 2.0, the world's name string ID and the default node.
pub fn vrsc(name_id: u32, default_node: u32) -> Vec<u8> {
    qt_leaf(
        b"vrsc",
        1,
        &Body::new()
            .u16(2)
            .u16(0)
            .u32(name_id)
            .u32(default_node)
            .u32(0)
            .u32(0)
            .u32(0)
            .done(),
    )
}

/// `nloc` (node location atom) with the node type (`pano` or `obje`).
pub fn nloc(kind: &[u8; 4]) -> Vec<u8> {
    qt_leaf(
        b"nloc",
        1,
        &Body::new()
            .u16(2)
            .u16(0)
            .bytes(kind)
            .u32(0)
            .u32(0)
            .u32(0)
            .u32(0)
            .done(),
    )
}

/// `ndhd` (node header atom): node type, node ID and the ID of its name string (0 = none).
pub fn ndhd(kind: &[u8; 4], id: u32, name_id: u32) -> Vec<u8> {
    qt_leaf(
        b"ndhd",
        1,
        &Body::new()
            .u16(2)
            .u16(0)
            .bytes(kind)
            .u32(id)
            .u32(name_id)
            .u32(0)
            .u32(0)
            .u32(0)
            .done(),
    )
}

/// `hsin` (hot spot information atom): type, name string ID, best view
/// `[pan, tilt, fov]` and rectangle `[top, left, bottom, right]`.
pub fn hsin(kind: &[u8; 4], name_id: u32, best: [f32; 3], rect: [i16; 4]) -> Vec<u8> {
    let b = Body::new()
        .u16(2)
        .u16(0)
        .bytes(kind)
        .u32(name_id)
        .u32(0)
        .i32(0)
        .i32(0)
        .i32(0)
        .f32(best[0])
        .f32(best[1])
        .f32(best[2])
        .f32(0.0)
        .f32(0.0)
        .i16(rect[0])
        .i16(rect[1])
        .i16(rect[2])
        .i16(rect[3])
        .u32(0)
        .u32(0)
        .u32(0);
    qt_leaf(b"hsin", 1, &b.done())
}

/// `link` (link hot spot atom): destination node, valid flags (1 pan, 2 tilt,
/// 4 field of view) and the destination view `[pan, tilt, fov]`.
pub fn link(to: u32, valid: u32, view: [f32; 3]) -> Vec<u8> {
    let b = Body::new()
        .u16(2)
        .u16(0)
        .u32(to)
        .u32(0)
        .f32(0.0)
        .f32(0.0)
        .f32(0.0)
        .f32(0.0)
        .f32(0.0)
        .u32(valid)
        .f32(view[0])
        .f32(view[1])
        .f32(view[2])
        .f32(0.0)
        .f32(0.0)
        .f32(0.0)
        .u32(0)
        .u32(0)
        .u32(0);
    qt_leaf(b"link", 1, &b.done())
}

/// `pdat` (panorama sample atom): image and hot spot track indexes (1-based
/// into the panorama track's `imgt`/`hott` lists, 0 = none), pan, tilt and
/// field-of-view ranges, default view, image size and tile grid (the hot spot
/// image gets the same), flags and panorama type (`vcyl`, `hcyl`, `cube`).
#[allow(clippy::too_many_arguments)]
pub fn pdat(
    img: u32,
    hs: u32,
    pan: [f32; 2],
    tilt: [f32; 2],
    fov: [f32; 2],
    def: [f32; 3],
    size: [u32; 2],
    frames: [u16; 2],
    flags: u32,
    ty: &[u8; 4],
) -> Vec<u8> {
    let b = Body::new()
        .u16(2)
        .u16(0)
        .u32(img)
        .u32(hs)
        .f32(pan[0])
        .f32(pan[1])
        .f32(tilt[0])
        .f32(tilt[1])
        .f32(fov[0])
        .f32(fov[1])
        .f32(def[0])
        .f32(def[1])
        .f32(def[2])
        .u32(size[0])
        .u32(size[1])
        .u16(frames[0])
        .u16(frames[1])
        .u32(size[0])
        .u32(size[1])
        .u16(frames[0])
        .u16(frames[1]);
    qt_leaf(b"pdat", 1, &b.u32(flags).bytes(ty).u32(0).done())
}

/// `cuvw` (cubic view atom): pan, tilt and field-of-view ranges and the default view.
pub fn cuvw(pan: [f32; 2], tilt: [f32; 2], fov: [f32; 2], def: [f32; 3]) -> Vec<u8> {
    qt_leaf(
        b"cuvw",
        1,
        &f32s(&[
            pan[0], pan[1], tilt[0], tilt[1], fov[0], fov[1], def[0], def[1], def[2],
        ]),
    )
}

/// The fields of an `obji` atom (QTFF "Object sample atom"), in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Obji {
    /// Controller type: 1 grabber-scroller, 2 old joystick, 3 joystick, 4 grabber, 5 absolute.
    pub movie_type: u16,
    pub view_states: u16,
    /// 1-based.
    pub default_view_state: u16,
    pub mouse_down_view_state: u16,
    /// Media time one view lasts (one image sample's duration for still views).
    pub view_duration: u32,
    pub columns: u32,
    pub rows: u32,
    pub mouse_motion_scale: f32,
    /// First and last column's pan.
    pub pan: [f32; 2],
    pub default_pan: f32,
    /// Top row's and bottom row's tilt (stored in that order).
    pub tilt: [f32; 2],
    pub default_tilt: f32,
    /// Smallest and widest field of view.
    pub fov: [f32; 2],
    pub default_fov: f32,
    /// Default view centre, pixels from the frame's top left.
    pub view_center: [f32; 2],
    pub view_rate: f32,
    pub frame_rate: f32,
    pub animation_settings: u32,
    pub control_settings: u32,
}

/// `obji` (object sample atom).
pub fn obji(o: &Obji) -> Vec<u8> {
    let b = Body::new()
        .u16(2)
        .u16(0)
        .u16(o.movie_type)
        .u16(o.view_states)
        .u16(o.default_view_state)
        .u16(o.mouse_down_view_state)
        .u32(o.view_duration)
        .u32(o.columns)
        .u32(o.rows)
        .f32(o.mouse_motion_scale)
        .f32(o.pan[0])
        .f32(o.pan[1])
        .f32(o.default_pan)
        .f32(o.tilt[0])
        .f32(o.tilt[1])
        .f32(o.default_tilt)
        .f32(o.fov[0])
        .f32(o.fov[1])
        .f32(o.default_fov)
        .f32(o.view_center[0])
        .f32(o.view_center[1])
        .f32(o.view_rate)
        .f32(o.frame_rate)
        .u32(o.animation_settings)
        .u32(o.control_settings);
    qt_leaf(b"obji", 1, &b.done())
}

/// Big-endian f32 values, back to back (bodies of `cuvw`, `cufa`, `pcon`, ...).
pub fn f32s(v: &[f32]) -> Vec<u8> {
    v.iter().fold(Body::new(), |b, &x| b.f32(x)).done()
}

/// One 8-bit Animation (`rle `) key frame: every line coded from its start in
/// 4-pixel groups (a row that is not a whole number of groups is padded with
/// index 0), runs of equal groups as repeats, the rest as literals.
pub fn rle8_frame(indices: &[u8], width: usize, height: usize) -> Vec<u8> {
    let groups = width.div_ceil(4);
    let mut body = 0u16.to_be_bytes().to_vec();
    let mut row = vec![0u8; groups * 4];
    for y in 0..height {
        row.fill(0);
        let start = (y * width).min(indices.len());
        let src = &indices[start..(start + width).min(indices.len())];
        row[..src.len()].copy_from_slice(src);
        let group = |g: usize| &row[g * 4..g * 4 + 4];
        body.push(1); // skip byte: start at pixel 0
        let mut g = 0;
        while g < groups {
            let mut run = 1;
            while g + run < groups && run < 128 && group(g + run) == group(g) {
                run += 1;
            }
            if run >= 2 {
                body.push((-(run as i32)) as i8 as u8);
                body.extend_from_slice(group(g));
                g += run;
                continue;
            }
            // Literal groups up to the next repeat (or 127 groups).
            let first = g;
            while g < groups && g - first < 127 && !(g + 1 < groups && group(g + 1) == group(g)) {
                g += 1;
            }
            if g == first {
                g += 1;
            }
            body.push((g - first) as u8);
            body.extend_from_slice(&row[first * 4..g * 4]);
        }
        body.push(0xFF);
    }
    let mut sample = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    sample.extend_from_slice(&body);
    sample
}

/// Why a tour cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The tour's description is inconsistent (sizes, IDs, links, limits).
    #[error("{0}")]
    Invalid(String),
    /// A picture could not be encoded.
    #[error("JPEG encoding failed: {0}")]
    Jpeg(String),
}

fn invalid<T>(msg: impl Into<String>) -> Result<T, WriteError> {
    Err(WriteError::Invalid(msg.into()))
}

/// A multinode QTVR 2 movie to write.
#[derive(Debug, Clone)]
pub struct Tour {
    /// The VR world's name (`vrsc` name string).
    pub name: Option<String>,
    pub default_node: u32,
    pub nodes: Vec<TourNode>,
    /// JPEG quality of the image tiles, 1–100.
    pub jpeg_quality: u8,
}

/// One node of a [`Tour`].
#[derive(Debug, Clone)]
pub struct TourNode {
    /// Node ID (not 0, unique in the tour).
    pub id: u32,
    pub name: Option<String>,
    pub content: TourContent,
    /// The hot spots whose IDs the node's hot spot map holds.
    pub hotspots: Vec<TourHotSpot>,
}

/// What a node shows.
#[derive(Debug, Clone)]
pub enum TourContent {
    Cylinder(CylinderSpec),
    Cube(Box<CubeSpec>),
    Object(ObjectSpec),
}

/// View limits of a panorama node (degrees; fields of view are vertical).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PanoLimits {
    pub pan: [f32; 2],
    pub tilt: [f32; 2],
    pub fov: [f32; 2],
    pub default: View,
}

/// A full (360°) vertical cylinder, stored as `tiles` strips rotated 90°
/// counter-clockwise, the right-most strip first (panorama type `vcyl`).
#[derive(Debug, Clone)]
pub struct CylinderSpec {
    /// The upright panorama: its left edge shows pan 360, its right edge pan 0
    /// (pan grows to the left), the horizon is its middle row.
    pub image: RgbImage,
    /// Strips the image is cut into (they must be equally wide).
    pub tiles: u32,
    /// Hot spot map (value = hot spot ID, 0 = none) over the same panorama, at
    /// any resolution whose width the tile count divides.
    pub hotspots: Option<GrayImage>,
    /// Pan must be 0..360; tilt within the image's vertical extent.
    pub limits: PanoLimits,
}

/// A standard cube: six square faces, front, right, back, left, top, bottom
/// (faces span ±45° edge to edge; the top face's bottom edge touches the front
/// face, the bottom face's top edge touches it too).
#[derive(Debug, Clone)]
pub struct CubeSpec {
    pub faces: [RgbImage; 6],
    /// Hot spot maps of the six faces (value = hot spot ID, 0 = none), all one size.
    pub hotspots: Option<[GrayImage; 6]>,
    pub limits: PanoLimits,
}

/// An object movie: `rows` × `columns` views in `behaviour.view_states`
/// states of `behaviour.frames_per_view` animation frames each.
#[derive(Debug, Clone)]
pub struct ObjectSpec {
    /// In sample order: ((state·rows + row)·columns + column)·framesPerView +
    /// frame, row 0 the top (largest tilt); all one size.
    pub frames: Vec<RgbImage>,
    pub rows: u32,
    pub columns: u32,
    /// Pan of the first and (one past the) last column: columns step by
    /// `(pan[1] − pan[0]) / columns`; 0..360 wraps.
    pub pan: [f32; 2],
    /// Tilt of the top and bottom rows.
    pub tilt: [f32; 2],
    /// Smallest and widest field of view (the widest shows the whole frame).
    pub fov: [f32; 2],
    pub default: View,
    /// Hot spot maps: none, one for every view, or one per frame.
    pub hotspots: Vec<GrayImage>,
    /// Controller, states, animation and control settings.
    pub behaviour: ObjectBehaviour,
}

/// How an object movie behaves (the `obji` fields beyond its grid and angles).
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectBehaviour {
    /// Controller type (`movieType`): 1 grabber-scroller, 2 old joystick,
    /// 3 joystick, 4 grabber, 5 absolute.
    pub movie_type: u16,
    pub view_states: u16,
    /// Animation frames per view (≥ 1); each frame lasts 60/600 s.
    pub frames_per_view: u16,
    /// 1-based.
    pub default_view_state: u16,
    /// 1-based.
    pub mouse_down_view_state: u16,
    /// Degrees per window width of drag.
    pub mouse_motion_scale: f32,
    pub view_rate: f32,
    pub frame_rate: f32,
    pub animation_settings: u32,
    pub control_settings: u32,
}

impl Default for ObjectBehaviour {
    /// Grabber-scroller, one state, still views, wrap pan + can zoom + translate.
    fn default() -> ObjectBehaviour {
        ObjectBehaviour {
            movie_type: 1,
            view_states: 1,
            frames_per_view: 1,
            default_view_state: 1,
            mouse_down_view_state: 1,
            mouse_motion_scale: 180.0,
            view_rate: 1.0,
            frame_rate: 1.0,
            animation_settings: 0,
            control_settings: 0x45,
        }
    }
}

/// A hot spot of a node: its ID is the value its pixels have in the node's hot spot map.
#[derive(Debug, Clone, PartialEq)]
pub struct TourHotSpot {
    /// 1–255.
    pub id: u32,
    pub name: Option<String>,
    /// The view that shows it best (zeros when `None`).
    pub best_view: Option<View>,
    /// Its bounding rectangle `[top, left, bottom, right]` in the node's image, if known.
    pub rect: Option<[i16; 4]>,
    pub action: HotSpotAction,
}

/// What clicking a hot spot does.
#[derive(Debug, Clone, PartialEq)]
pub enum HotSpotAction {
    /// Go to another node (hot spot type `link`), arriving at the given view
    /// (each angle optional: `None` keeps the destination's default).
    Link {
        to_node: u32,
        pan: Option<f32>,
        tilt: Option<f32>,
        fov: Option<f32>,
    },
    /// Open a URL (hot spot type `url `).
    Url(String),
    /// Nothing the viewer acts on (hot spot type `undf`).
    Undefined,
}

/// Sample duration of every image and hot spot sample (media units of 1/600 s).
const TILE_DURATION: u32 = 60;
const TIMESCALE: u32 = 600;
/// First per-node track ID (1–3: QTVR, panorama and object tracks).
const FIRST_MEDIA_TRACK: u32 = 4;

/// What the panorama or object track collects from its nodes.
#[derive(Default)]
struct VrTrack {
    imgt: Vec<u32>,
    hott: Vec<u32>,
    samples: Vec<(Vec<u8>, u32)>,
    /// (movie start, duration, media start) of each node's sample.
    segments: Vec<(u32, u32, u32)>,
    used: u32,
}

/// One node's encoded media.
struct NodeMedia {
    kind: &'static [u8; 4],
    /// The atoms of the node's `pdat`/`obji` sample.
    vr_sample_atoms: Vec<Vec<u8>>,
    image: TrackSpec,
    hotspots: Option<TrackSpec>,
    duration: u32,
}

impl Tour {
    /// The movie file's bytes (`mdat` first, then `moov`), or what is wrong
    /// with the tour. The same tour always gives the same bytes.
    pub fn write(&self) -> Result<Vec<u8>, WriteError> {
        self.check()?;
        // Each panorama (object) node adds one image track to the panorama
        // (object) track's `imgt` list and, with hot spots, one to its `hott`
        // list; `pdat`/`obji` name them by their 1-based place there.
        let mut media = Vec::with_capacity(self.nodes.len());
        let mut counts = [[0u32; 2]; 2]; // [pano, obje] × [imgt, hott]
        for n in &self.nodes {
            let c = &mut counts[usize::from(n.content.node_type() == b"obje")];
            let m = self.encode_node(n, c[0] + 1, c[1] + 1)?;
            c[0] += 1;
            c[1] += u32::from(m.hotspots.is_some());
            media.push(m);
        }
        // Node times: one after another.
        let mut starts = Vec::with_capacity(media.len());
        let mut t: u32 = 0;
        for m in &media {
            starts.push(t);
            t = t
                .checked_add(m.duration)
                .filter(|&t| i32::try_from(t).is_ok())
                .ok_or_else(|| WriteError::Invalid("the tour is too long".into()))?;
        }

        let mut next_id = FIRST_MEDIA_TRACK;
        let mut tracks = Vec::new();
        // [pano, obje]: imgt, hott, samples, segments, media time used.
        let mut vr: [VrTrack; 2] = Default::default();
        for (m, &start) in media.into_iter().zip(&starts) {
            let v = &mut vr[usize::from(m.kind == b"obje")];
            let mut image = m.image;
            image.id = next_id;
            image.edits = edits(&[(start, m.duration, 0)]);
            next_id += 1;
            v.imgt.push(image.id);
            tracks.push(image);
            if let Some(mut h) = m.hotspots {
                h.id = next_id;
                h.edits = edits(&[(start, m.duration, 0)]);
                next_id += 1;
                v.hott.push(h.id);
                tracks.push(h);
            }
            v.samples
                .push((qt_container(&m.vr_sample_atoms), m.duration));
            v.segments.push((start, m.duration, v.used));
            v.used += m.duration;
        }

        // QTVR track: the world and one node information sample per node.
        let world = self.world();
        let node_samples: Vec<(Vec<u8>, u32)> = self
            .nodes
            .iter()
            .zip(&starts)
            .enumerate()
            .map(|(k, (n, _))| {
                let next = starts.get(k + 1).copied().unwrap_or(t);
                (node_info(n), next - starts[k])
            })
            .collect();
        let [pano, obje] = vr;
        let mut qtvr_refs = Vec::new();
        if !pano.samples.is_empty() {
            qtvr_refs.push((*b"pano", vec![2]));
        }
        if !obje.samples.is_empty() {
            qtvr_refs.push((*b"obje", vec![3]));
        }
        let mut all = vec![TrackSpec {
            id: 1,
            enabled: true,
            handler: *b"qtvr",
            media_timescale: TIMESCALE,
            descriptions: vec![raw_entry(b"qtvr", &world)],
            samples: node_samples,
            references: qtvr_refs,
            ..Default::default()
        }];
        for (id, handler, v) in [(2, b"pano", pano), (3, b"obje", obje)] {
            if v.samples.is_empty() {
                continue;
            }
            let mut references = vec![(*b"imgt", v.imgt)];
            if !v.hott.is_empty() {
                references.push((*b"hott", v.hott));
            }
            all.push(TrackSpec {
                id,
                enabled: true,
                handler: *handler,
                media_timescale: TIMESCALE,
                descriptions: vec![raw_entry(handler, &[])],
                samples: v.samples,
                edits: edits(&v.segments),
                references,
                ..Default::default()
            });
        }
        all.extend(tracks);
        let writer = MovieWriter {
            timescale: TIMESCALE,
            tracks: all,
            user_data: vec![atom(b"ctyp", b"qtvr")],
            co64: false,
        };
        let bytes = writer.finish();
        if bytes.len() as u64 > u64::from(u32::MAX) {
            return invalid("the movie would be larger than 4 GiB");
        }
        Ok(bytes)
    }

    fn check(&self) -> Result<(), WriteError> {
        if self.nodes.is_empty() {
            return invalid("a tour needs at least one node");
        }
        if !(1..=100).contains(&self.jpeg_quality) {
            return invalid(format!("JPEG quality {} is not 1–100", self.jpeg_quality));
        }
        let mut ids = std::collections::HashSet::new();
        for n in &self.nodes {
            if n.id == 0 || !ids.insert(n.id) {
                return invalid(format!("node ID {} is 0 or used twice", n.id));
            }
        }
        if !ids.contains(&self.default_node) {
            return invalid(format!(
                "default node {} is not in the tour",
                self.default_node
            ));
        }
        for n in &self.nodes {
            let mut hs = std::collections::HashSet::new();
            for h in &n.hotspots {
                if !(1..=255).contains(&h.id) || !hs.insert(h.id) {
                    return invalid(format!(
                        "node {}: hot spot ID {} is not 1–255 or is used twice",
                        n.id, h.id
                    ));
                }
                if let HotSpotAction::Link { to_node, .. } = h.action
                    && !ids.contains(&to_node)
                {
                    return invalid(format!(
                        "node {}: hot spot {} links to node {to_node}, which is not in the tour",
                        n.id, h.id
                    ));
                }
            }
            let maps: Vec<&GrayImage> = match &n.content {
                TourContent::Cylinder(c) => c.hotspots.iter().collect(),
                TourContent::Cube(c) => c.hotspots.iter().flatten().collect(),
                TourContent::Object(o) => o.hotspots.iter().collect(),
            };
            for m in maps {
                if let Some(v) = m
                    .as_raw()
                    .iter()
                    .find(|&&v| v != 0 && !hs.contains(&u32::from(v)))
                {
                    return invalid(format!(
                        "node {}: its hot spot map holds ID {v}, which is not one of its hot spots",
                        n.id
                    ));
                }
            }
        }
        Ok(())
    }

    fn world(&self) -> Vec<u8> {
        let mut atoms = vec![vrsc(
            if self.name.is_some() { 1 } else { 0 },
            self.default_node,
        )];
        if let Some(name) = &self.name {
            atoms.push(string_atom(1, name));
        }
        let vrni: Vec<Vec<u8>> = self
            .nodes
            .iter()
            .map(|n| qt_parent(b"vrni", n.id, &[nloc(n.content.node_type())]))
            .collect();
        atoms.push(qt_parent(b"vrnp", 1, &vrni));
        qt_container(&atoms)
    }

    /// Encodes a node's pictures; `img_index` and `hot_index` are its image and
    /// hot spot tracks' places in the `imgt` and `hott` lists.
    fn encode_node(
        &self,
        n: &TourNode,
        img_index: u32,
        hot_index: u32,
    ) -> Result<NodeMedia, WriteError> {
        let q = self.jpeg_quality;
        let node = n.id;
        match &n.content {
            TourContent::Cylinder(c) => {
                let (w, h) = c.image.dimensions();
                let k = c.tiles;
                if k == 0 || w == 0 || h == 0 || w % k != 0 {
                    return invalid(format!(
                        "node {node}: a {w}x{h} panorama cannot be cut into {k} equal strips"
                    ));
                }
                let l = &c.limits;
                if l.pan != [0.0, 360.0] {
                    return invalid(format!("node {node}: cylinders are written 0..360 only"));
                }
                let r = f64::from(w) / (2.0 * std::f64::consts::PI);
                let half = (f64::from(h) / 2.0 / r).atan().to_degrees();
                if f64::from(l.tilt[0]) < -half - 0.01 || f64::from(l.tilt[1]) > half + 0.01 {
                    return invalid(format!(
                        "node {node}: tilt limits {:?} pass the image's vertical extent ±{half:.3}",
                        l.tilt
                    ));
                }
                check_limits(node, l)?;
                let frames = u16_of(k, "tile count", node)?;
                let tiles: Vec<Vec<u8>> = (0..k)
                    .map(|i| jpeg(&rotated_strip(&c.image, k, i), q))
                    .collect::<Result<_, _>>()?;
                let (tw, th) = (h, w / k);
                let image = video_track(b"jpeg", tw, th, 24, tiles, TILE_DURATION, false)?;
                let hotspots = match &c.hotspots {
                    Some(m) => {
                        let (mw, mh) = m.dimensions();
                        if mw == 0 || mh == 0 || mw % k != 0 {
                            return invalid(format!(
                                "node {node}: a {mw}x{mh} hot spot map cannot be cut into {k} strips"
                            ));
                        }
                        let strips = (0..k)
                            .map(|i| {
                                let s = rotated_strip(m, k, i);
                                rle8_frame(s.as_raw(), s.width() as usize, s.height() as usize)
                            })
                            .collect();
                        Some(video_track(
                            b"rle ",
                            mh,
                            mw / k,
                            8,
                            strips,
                            TILE_DURATION,
                            false,
                        )?)
                    }
                    None => None,
                };
                let hot = if hotspots.is_some() { hot_index } else { 0 };
                let pdat = pdat(
                    img_index,
                    hot,
                    l.pan,
                    l.tilt,
                    l.fov,
                    [l.default.pan, l.default.tilt, l.default.fov],
                    [h, w],
                    [1, frames],
                    0,
                    b"vcyl",
                );
                Ok(NodeMedia {
                    kind: b"pano",
                    vr_sample_atoms: vec![pdat],
                    image,
                    hotspots,
                    duration: u32::from(frames) * TILE_DURATION,
                })
            }
            TourContent::Cube(c) => {
                let (s, sh) = c.faces[0].dimensions();
                if s == 0 || s != sh || c.faces.iter().any(|f| f.dimensions() != (s, s)) {
                    return invalid(format!(
                        "node {node}: cube faces must be square and all one size"
                    ));
                }
                check_limits(node, &c.limits)?;
                let faces = c
                    .faces
                    .iter()
                    .map(|f| jpeg(f, q))
                    .collect::<Result<Vec<_>, _>>()?;
                let image = video_track(b"jpeg", s, s, 24, faces, TILE_DURATION, false)?;
                let hotspots = match &c.hotspots {
                    Some(maps) => {
                        let (mw, mh) = maps[0].dimensions();
                        if mw == 0 || mh == 0 || maps.iter().any(|m| m.dimensions() != (mw, mh)) {
                            return invalid(format!(
                                "node {node}: cube hot spot maps must be all one size"
                            ));
                        }
                        let samples = maps
                            .iter()
                            .map(|m| rle8_frame(m.as_raw(), mw as usize, mh as usize))
                            .collect();
                        Some(video_track(
                            b"rle ",
                            mw,
                            mh,
                            8,
                            samples,
                            TILE_DURATION,
                            false,
                        )?)
                    }
                    None => None,
                };
                let l = &c.limits;
                let hot = if hotspots.is_some() { hot_index } else { 0 };
                let pdat = pdat(
                    img_index,
                    hot,
                    [0.0, 360.0],
                    [-45.0, 45.0],
                    [5.0, 90.0],
                    [0.0, 0.0, 45.0],
                    [s.saturating_mul(4), s],
                    [4, 1],
                    1,
                    b"cube",
                );
                let cuvw = cuvw(
                    l.pan,
                    l.tilt,
                    l.fov,
                    [l.default.pan, l.default.tilt, l.default.fov],
                );
                Ok(NodeMedia {
                    kind: b"pano",
                    vr_sample_atoms: vec![pdat, cuvw],
                    image,
                    hotspots,
                    duration: 6 * TILE_DURATION,
                })
            }
            TourContent::Object(o) => {
                let b = &o.behaviour;
                let count = u64::from(o.rows)
                    * u64::from(o.columns)
                    * u64::from(b.view_states)
                    * u64::from(b.frames_per_view);
                if count == 0 || count != o.frames.len() as u64 {
                    return invalid(format!(
                        "node {node}: {} rows x {} columns x {} states x {} frames need {count} frames, {} given",
                        o.rows,
                        o.columns,
                        b.view_states,
                        b.frames_per_view,
                        o.frames.len()
                    ));
                }
                let (w, h) = o.frames[0].dimensions();
                if w == 0 || h == 0 || o.frames.iter().any(|f| f.dimensions() != (w, h)) {
                    return invalid(format!("node {node}: object frames must be all one size"));
                }
                let hs_ok = o.hotspots.len() <= 1 || o.hotspots.len() as u64 == count;
                if !hs_ok {
                    return invalid(format!(
                        "node {node}: {} hot spot maps for {count} frames (give none, one, or one per frame)",
                        o.hotspots.len()
                    ));
                }
                let frames = o
                    .frames
                    .iter()
                    .map(|f| jpeg(f, q))
                    .collect::<Result<Vec<_>, _>>()?;
                let duration = u32::try_from(count)
                    .ok()
                    .and_then(|c| c.checked_mul(TILE_DURATION))
                    .ok_or_else(|| WriteError::Invalid(format!("node {node}: too many frames")))?;
                let image = video_track(b"jpeg", w, h, 24, frames, TILE_DURATION, true)?;
                let hotspots = match o.hotspots.first() {
                    Some(first) => {
                        let (mw, mh) = first.dimensions();
                        if o.hotspots.iter().any(|m| m.dimensions() != (mw, mh)) {
                            return invalid(format!(
                                "node {node}: object hot spot maps must be all one size"
                            ));
                        }
                        let per = if o.hotspots.len() == 1 {
                            duration
                        } else {
                            TILE_DURATION
                        };
                        let samples = o
                            .hotspots
                            .iter()
                            .map(|m| rle8_frame(m.as_raw(), mw as usize, mh as usize))
                            .collect();
                        Some(video_track(b"rle ", mw, mh, 8, samples, per, false)?)
                    }
                    None => None,
                };
                check_limits(
                    node,
                    &PanoLimits {
                        pan: [o.pan[0].min(o.pan[1]), o.pan[0].max(o.pan[1])],
                        tilt: [o.tilt[0].min(o.tilt[1]), o.tilt[0].max(o.tilt[1])],
                        fov: o.fov,
                        default: o.default,
                    },
                )?;
                let obji = obji(&Obji {
                    movie_type: b.movie_type,
                    view_states: b.view_states,
                    default_view_state: b.default_view_state,
                    mouse_down_view_state: b.mouse_down_view_state,
                    view_duration: u32::from(b.frames_per_view) * TILE_DURATION,
                    columns: o.columns,
                    rows: o.rows,
                    mouse_motion_scale: b.mouse_motion_scale,
                    pan: o.pan,
                    default_pan: o.default.pan,
                    tilt: o.tilt,
                    default_tilt: o.default.tilt,
                    fov: o.fov,
                    default_fov: o.default.fov,
                    view_center: [w as f32 / 2.0, h as f32 / 2.0],
                    view_rate: b.view_rate,
                    frame_rate: b.frame_rate,
                    animation_settings: b.animation_settings,
                    control_settings: b.control_settings,
                });
                // Track reference entries (type, resolution, index) for the image and hot spot tracks.
                let entry = |kind: &[u8; 4], i: u32| Body::new().bytes(kind).u16(0).u32(i).done();
                let mut atoms = vec![obji, qt_leaf(b"imtr", 1, &entry(b"imgt", img_index))];
                if hotspots.is_some() {
                    atoms.push(qt_leaf(b"hstr", 1, &entry(b"hott", hot_index)));
                }
                Ok(NodeMedia {
                    kind: b"obje",
                    vr_sample_atoms: atoms,
                    image,
                    hotspots,
                    duration,
                })
            }
        }
    }
}

impl TourContent {
    /// `pano` or `obje`.
    pub fn node_type(&self) -> &'static [u8; 4] {
        match self {
            TourContent::Object(_) => b"obje",
            _ => b"pano",
        }
    }
}

/// The node information sample: `ndhd`, its name, its hot spots.
fn node_info(n: &TourNode) -> Vec<u8> {
    let mut atoms = vec![ndhd(
        n.content.node_type(),
        n.id,
        if n.name.is_some() { 1 } else { 0 },
    )];
    if let Some(name) = &n.name {
        atoms.push(string_atom(1, name));
    }
    if !n.hotspots.is_empty() {
        let hots: Vec<Vec<u8>> = n
            .hotspots
            .iter()
            .map(|h| {
                let best = h.best_view.map_or([0.0; 3], |v| [v.pan, v.tilt, v.fov]);
                let kind = match h.action {
                    HotSpotAction::Link { .. } => b"link",
                    HotSpotAction::Url(_) => b"url ",
                    HotSpotAction::Undefined => b"undf",
                };
                let name_id = if h.name.is_some() { 1 } else { 0 };
                let mut children = vec![hsin(kind, name_id, best, h.rect.unwrap_or([0; 4]))];
                match &h.action {
                    HotSpotAction::Link {
                        to_node,
                        pan,
                        tilt,
                        fov,
                    } => {
                        let valid = u32::from(pan.is_some())
                            | u32::from(tilt.is_some()) << 1
                            | u32::from(fov.is_some()) << 2;
                        children.push(link(
                            *to_node,
                            valid,
                            [pan.unwrap_or(0.0), tilt.unwrap_or(0.0), fov.unwrap_or(0.0)],
                        ));
                    }
                    HotSpotAction::Url(u) => {
                        let mut b = u.as_bytes().to_vec();
                        b.push(0);
                        children.push(qt_leaf(b"url ", 1, &b));
                    }
                    HotSpotAction::Undefined => {}
                }
                if let Some(name) = &h.name {
                    children.push(string_atom(1, name));
                }
                qt_parent(b"hots", h.id, &children)
            })
            .collect();
        atoms.push(qt_parent(b"hspa", 1, &hots));
    }
    qt_container(&atoms)
}

/// Limits the reader accepts without repair: ordered ranges, the default inside.
fn check_limits(node: u32, l: &PanoLimits) -> Result<(), WriteError> {
    let ok = |r: [f32; 2]| r[0].is_finite() && r[1].is_finite() && r[0] <= r[1];
    let d = l.default;
    if !ok(l.pan) || !ok(l.tilt) || !ok(l.fov) || l.fov[0] <= 0.0 {
        return invalid(format!(
            "node {node}: view limits {l:?} are not ordered ranges"
        ));
    }
    let inside = |v: f32, r: [f32; 2]| v >= r[0] && v <= r[1];
    let wraps = l.pan[1] - l.pan[0] >= 359.99;
    if !(wraps && d.pan.is_finite() || inside(d.pan, l.pan))
        || !inside(d.tilt, l.tilt)
        || !inside(d.fov, l.fov)
    {
        return invalid(format!(
            "node {node}: default view {d:?} lies outside its limits"
        ));
    }
    Ok(())
}

fn u16_of(v: u32, what: &str, node: u32) -> Result<u16, WriteError> {
    u16::try_from(v)
        .map_err(|_| WriteError::Invalid(format!("node {node}: {what} {v} is over 65535")))
}

/// A video track of equal-duration samples (ID and edits are set later).
fn video_track(
    codec: &[u8; 4],
    width: u32,
    height: u32,
    depth: i16,
    samples: Vec<Vec<u8>>,
    duration: u32,
    enabled: bool,
) -> Result<TrackSpec, WriteError> {
    let (Ok(w), Ok(h)) = (u16::try_from(width), u16::try_from(height)) else {
        return invalid(format!(
            "a {width}x{height} tile is over 65535 pixels on a side"
        ));
    };
    let ctab: Option<Vec<[u16; 4]>> = (depth == 8).then(|| {
        Palette::mac_256()
            .colors
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let w = |v: u8| u16::from(v) * 257;
                [i as u16, w(c[0]), w(c[1]), w(c[2])]
            })
            .collect()
    });
    Ok(TrackSpec {
        enabled,
        handler: *b"vide",
        media_timescale: TIMESCALE,
        descriptions: vec![video_entry(codec, w, h, depth, ctab.as_deref())],
        samples: samples.into_iter().map(|s| (s, duration)).collect(),
        width: w,
        height: h,
        ..Default::default()
    })
}

/// Edit list placing media segments `(movie start, duration, media start)` in
/// movie time, with empty edits for the gaps; none when the media simply
/// plays from time 0.
fn edits(segments: &[(u32, u32, u32)]) -> Vec<(u32, i32, f64)> {
    if let [(0, _, 0)] = segments {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut t = 0u32;
    for &(start, duration, media) in segments {
        if start > t {
            out.push((start - t, -1, 1.0));
        }
        out.push((duration, media as i32, 1.0));
        t = start + duration;
    }
    out
}

/// Strip `i` of `k` (0 = the right-most) of an upright picture, rotated 90°
/// counter-clockwise: stored pixel (x, y) is upright pixel (W − 1 − (i·s + y), x).
fn rotated_strip<P: image::Pixel>(
    img: &image::ImageBuffer<P, Vec<P::Subpixel>>,
    k: u32,
    i: u32,
) -> image::ImageBuffer<P, Vec<P::Subpixel>> {
    let (w, h) = img.dimensions();
    let s = w / k;
    image::ImageBuffer::from_fn(h, s, |x, y| *img.get_pixel(w - 1 - (i * s + y), x))
}

/// Baseline JPEG of an RGB picture.
fn jpeg(img: &RgbImage, quality: u8) -> Result<Vec<u8>, WriteError> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| WriteError::Jpeg(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::rle::RleDecoder;
    use crate::codec::{Decoder, Frame, FrameLimits, StreamInfo};
    use crate::container::FourCC;
    use crate::qtvr::scene::NodeContent;

    fn rle_round_trip(indices: &[u8], w: u32, h: u32) -> Vec<u8> {
        let info = StreamInfo {
            codec: FourCC(*b"rle "),
            width: w,
            height: h,
            depth: 8,
            palette: Some(Palette::mac_256()),
        };
        let mut d = RleDecoder::new(&info).unwrap();
        let mut f = Frame::new(w, h, d.kind(), info.palette, &FrameLimits::default()).unwrap();
        d.decode(&rle8_frame(indices, w as usize, h as usize), true, &mut f)
            .unwrap();
        f.data
    }

    #[test]
    fn rle8_frames_decode_back_to_their_indices() {
        // Long runs (over 128 groups), long literals (over 127 groups), short
        // runs, and a width that is not a whole number of 4-pixel groups.
        let (w, h) = (1030u32, 5u32);
        let px: Vec<u8> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                match y {
                    0 => 0,
                    1 => (x * 7 % 251) as u8,
                    2 => (x / 9) as u8,
                    3 => u8::from(x > 600) * 42,
                    _ => (x % 3) as u8 + 1,
                }
            })
            .collect();
        assert_eq!(rle_round_trip(&px, w, h), px);
        // A blank map: skip, one repeat of 128 groups, end — 7 bytes a line.
        assert_eq!(rle8_frame(&vec![0; 512 * 256], 512, 256).len(), 6 + 256 * 7);
    }

    fn tiny_tour() -> Tour {
        let limits = PanoLimits {
            pan: [0.0, 360.0],
            tilt: [-20.0, 20.0],
            fov: [5.0, 40.0],
            default: View {
                pan: 90.0,
                tilt: 0.0,
                fov: 30.0,
            },
        };
        let mut map = GrayImage::new(64, 16);
        map.put_pixel(3, 3, image::Luma([7]));
        Tour {
            name: None,
            default_node: 5,
            jpeg_quality: 80,
            nodes: vec![
                TourNode {
                    id: 5,
                    name: Some("Cyl".into()),
                    content: TourContent::Cylinder(CylinderSpec {
                        image: RgbImage::new(128, 32),
                        tiles: 4,
                        hotspots: Some(map),
                        limits,
                    }),
                    hotspots: vec![TourHotSpot {
                        id: 7,
                        name: None,
                        best_view: None,
                        rect: None,
                        action: HotSpotAction::Link {
                            to_node: 9,
                            pan: None,
                            tilt: Some(3.0),
                            fov: None,
                        },
                    }],
                },
                TourNode {
                    id: 9,
                    name: None,
                    content: TourContent::Object(ObjectSpec {
                        frames: vec![RgbImage::new(16, 8); 6],
                        behaviour: ObjectBehaviour::default(),
                        rows: 2,
                        columns: 3,
                        pan: [0.0, 360.0],
                        tilt: [10.0, -10.0],
                        fov: [10.0, 40.0],
                        default: View {
                            pan: 120.0,
                            tilt: -10.0,
                            fov: 40.0,
                        },
                        hotspots: Vec::new(),
                    }),
                    hotspots: Vec::new(),
                },
            ],
        }
    }

    #[test]
    fn tour_reads_back() {
        let bytes = tiny_tour().write().unwrap();
        let s = crate::qtvr::load(&bytes).unwrap().scene.unwrap();
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        assert_eq!((s.default_node, s.nodes.len()), (5, 2));
        let NodeContent::Panorama(p) = &s.nodes[0].content else {
            panic!("a panorama")
        };
        assert_eq!((p.image_size, p.tile_grid), ([128, 32], [1, 4]));
        assert_eq!(p.hotspot_image_size, Some([64, 16]));
        assert_eq!(p.limits.default.pan, 90.0);
        let k = s.nodes[0].hotspots[0].link.as_ref().unwrap();
        assert_eq!(
            (k.to_node, k.to_pan, k.to_tilt, k.to_fov),
            (9, None, Some(3.0), None)
        );
        let NodeContent::Object(o) = &s.nodes[1].content else {
            panic!("an object")
        };
        assert_eq!((o.rows, o.columns, o.frames_per_view), (2, 3, 1));
        assert_eq!(o.image_track.sample_count, 6);
        assert!(o.hotspot_track.is_none());
    }

    #[test]
    fn inconsistent_tours_are_refused() {
        let check = |f: &dyn Fn(&mut Tour), want: &str| {
            let mut t = tiny_tour();
            f(&mut t);
            let e = t.write().unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
        };
        check(&|t| t.default_node = 1, "default node 1");
        check(&|t| t.jpeg_quality = 0, "JPEG quality 0");
        check(
            &|t| {
                t.nodes[0].hotspots[0].action = HotSpotAction::Link {
                    to_node: 4,
                    pan: None,
                    tilt: None,
                    fov: None,
                }
            },
            "links to node 4",
        );
        check(&|t| t.nodes[0].hotspots[0].id = 8, "holds ID 7");
        check(&|t| t.nodes[1].id = 5, "used twice");
        check(
            &|t| {
                if let TourContent::Cylinder(c) = &mut t.nodes[0].content {
                    c.tiles = 3;
                }
            },
            "3 equal strips",
        );
        check(
            &|t| {
                if let TourContent::Cylinder(c) = &mut t.nodes[0].content {
                    c.limits.tilt = [-40.0, 40.0];
                }
            },
            "vertical extent",
        );
        check(
            &|t| {
                if let TourContent::Object(o) = &mut t.nodes[1].content {
                    o.frames.pop();
                }
            },
            "need 6 frames",
        );
    }
}
