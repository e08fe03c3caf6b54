//! The tour model ([`Tour`], [`TourNode`], the node specs) and the encoding
//! of a tour into tracks: one image track (and hot spot track) per node, the
//! panorama and object tracks with one `pdat`/`obji` sample per node, and the
//! QTVR track with the world and one node information sample per node.

use image::{GrayImage, RgbImage};

use super::atoms::{
    Obji, Pdat, cuvw, hots, hsin, hspa, hstr, imtr, link, ndhd, obji, pdat_of, rle8_frame,
    string_atom, url, vrnp, vrsc,
};
use crate::codec::Palette;
use crate::container::build::{
    MovieWriter, SoundChunkSpec, TrackSpec, atom, qt_container, raw_entry, video_entry,
};
use crate::qtvr::scene::{HotspotId, NodeId, View};

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
    pub default_node: NodeId,
    pub nodes: Vec<TourNode>,
    /// JPEG quality of the image tiles, 1–100.
    pub jpeg_quality: u8,
}

/// One node of a [`Tour`].
#[derive(Debug, Clone)]
pub struct TourNode {
    /// Node ID (not 0, unique in the tour).
    pub id: NodeId,
    pub name: Option<String>,
    pub content: TourContent,
    /// The hot spots whose IDs the node's hot spot map holds.
    pub hotspots: Vec<TourHotSpot>,
}

/// A node's image track as samples already encoded (by ffmpeg, say), written
/// as they are in place of the JPEG tiles [`Tour::write`] makes from the
/// node's pictures ([`Tour::write_encoded`]); the pictures still give the
/// node's sizes and tile count.
#[derive(Debug, Clone, Default)]
pub struct EncodedImages {
    /// The whole sample description entry (size, format, body), stored byte
    /// for byte; its width and height must be the tile's.
    pub description: Vec<u8>,
    /// One sample per tile, in decode order, as the writer cuts the pictures:
    /// a cylinder's strips right to left, each turned 90° counter-clockwise;
    /// a cube's six faces; an object's frames.
    pub samples: Vec<Vec<u8>>,
    /// 1-based sync sample numbers (None: every sample is a sync sample).
    pub sync_samples: Option<Vec<u32>>,
    /// Composition offsets in media units (600 a second; a tile lasts 60),
    /// one per sample, or empty.
    pub composition_offsets: Vec<i32>,
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
    pub id: HotspotId,
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
        to_node: NodeId,
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
    /// The image (and hot spot) samples' movie time.
    duration: u32,
    /// The node's movie time: its samples', or its sound's when that is longer.
    span: u32,
}

/// A sound track to write with a [`Tour`] ([`Tour::write_with_sound`]).
#[derive(Debug, Clone)]
pub struct TourSound {
    /// Where it plays: a node's time (a panorama's looping sound; for an
    /// object node, a sound as long as the node gives each view its part),
    /// or the whole movie.
    pub at: SoundAt,
    /// The whole sample description entry ([`crate::container::build::sound_entry`]).
    pub description: Vec<u8>,
    /// Media time units per second (the sample rate, for classic sound).
    pub media_timescale: u32,
    /// The media, in chunks.
    pub media: SoundChunkSpec,
}

/// Where a [`TourSound`] plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoundAt {
    /// At the node's time; the node lasts at least as long as the sound.
    Node(NodeId),
    /// From the movie's start.
    Movie,
}

impl TourSound {
    /// The media's length in movie time units.
    fn movie_duration(&self) -> u32 {
        let units: u64 = self
            .media
            .chunks
            .iter()
            .map(|c| u64::from(c.1) * u64::from(self.media.sample_duration))
            .sum();
        let d = units * u64::from(TIMESCALE) / u64::from(self.media_timescale.max(1));
        u32::try_from(d).unwrap_or(u32::MAX)
    }
}

impl Tour {
    /// The movie file's bytes (`mdat` first, then `moov`), or what is wrong
    /// with the tour. The same tour always gives the same bytes.
    pub fn write(&self) -> Result<Vec<u8>, WriteError> {
        self.write_encoded(&[])
    }

    /// [`Tour::write`] with the image tracks of the nodes listed in `images`
    /// made of their already-encoded samples instead of JPEG tiles of their
    /// pictures: any codec, e.g. one that only ffmpeg decodes.
    pub fn write_encoded(&self, images: &[(NodeId, EncodedImages)]) -> Result<Vec<u8>, WriteError> {
        self.write_with_sound(images, &[])
    }

    /// [`Tour::write_encoded`] with sound tracks: each node sound starts
    /// at its node's time (the node lasting at least as long), a movie
    /// sound at the movie's start.
    pub fn write_with_sound(
        &self,
        images: &[(NodeId, EncodedImages)],
        sounds: &[TourSound],
    ) -> Result<Vec<u8>, WriteError> {
        self.check()?;
        let mut media = self.encode_nodes()?;
        for (id, encoded) in images {
            let Some(k) = self.nodes.iter().position(|n| n.id == *id) else {
                return invalid(format!(
                    "encoded images for node {id}, which is not in the tour"
                ));
            };
            use_encoded(*id, &mut media[k].image, encoded)?;
        }
        for sound in sounds {
            if let SoundAt::Node(id) = sound.at {
                let Some(k) = self.nodes.iter().position(|n| n.id == id) else {
                    return invalid(format!("a sound for node {id}, which is not in the tour"));
                };
                media[k].span = media[k].span.max(sound.movie_duration());
            }
        }
        let (starts, end) = node_starts(&media)?;
        let (vr, media_tracks) = place_media(media, &starts);
        let mut all = vec![self.qtvr_track(&starts, end, &vr)];
        all.extend(vr_tracks(vr));
        all.extend(media_tracks);
        let first_id = all.iter().map(|t| t.id).max().unwrap_or(0) + 1;
        for (id, sound) in (first_id..).zip(sounds) {
            let start = match sound.at {
                SoundAt::Node(id) => self
                    .nodes
                    .iter()
                    .position(|n| n.id == id)
                    .map_or(0, |k| starts[k]),
                SoundAt::Movie => 0,
            };
            all.push(TrackSpec {
                id,
                enabled: true,
                handler: *b"soun",
                media_timescale: sound.media_timescale,
                descriptions: vec![sound.description.clone()],
                sound_chunks: Some(sound.media.clone()),
                edits: edits(&[(start, sound.movie_duration(), 0)]),
                ..Default::default()
            });
        }
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

    /// Every node's media, in node order. Each panorama (object) node adds
    /// one image track to the panorama (object) track's `imgt` list and, with
    /// hot spots, one to its `hott` list; `pdat`/`obji` name them by their
    /// 1-based place there.
    fn encode_nodes(&self) -> Result<Vec<NodeMedia>, WriteError> {
        let mut media = Vec::with_capacity(self.nodes.len());
        let mut counts = [[0u32; 2]; 2]; // [pano, obje] × [imgt, hott]
        for n in &self.nodes {
            let c = &mut counts[usize::from(n.content.node_type() == b"obje")];
            let m = self.encode_node(n, c[0] + 1, c[1] + 1)?;
            c[0] += 1;
            c[1] += u32::from(m.hotspots.is_some());
            media.push(m);
        }
        Ok(media)
    }

    /// The QTVR track: the world and one node information sample per node,
    /// each lasting until the next node's start (the last one until `end`).
    fn qtvr_track(&self, starts: &[u32], end: u32, vr: &[VrTrack; 2]) -> TrackSpec {
        let world = self.world();
        let node_samples: Vec<(Vec<u8>, u32)> = self
            .nodes
            .iter()
            .zip(starts)
            .enumerate()
            .map(|(k, (n, _))| {
                let next = starts.get(k + 1).copied().unwrap_or(end);
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
        TrackSpec {
            id: 1,
            enabled: true,
            handler: *b"qtvr",
            media_timescale: TIMESCALE,
            descriptions: vec![raw_entry(b"qtvr", &world)],
            samples: node_samples,
            references: qtvr_refs,
            ..Default::default()
        }
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
            if n.id == NodeId(0) || !ids.insert(n.id) {
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
            check_node_hotspots(n, &ids)?;
        }
        Ok(())
    }

    fn world(&self) -> Vec<u8> {
        let mut atoms = vec![vrsc(
            if self.name.is_some() { 1 } else { 0 },
            self.default_node.0,
        )];
        if let Some(name) = &self.name {
            atoms.push(string_atom(1, name));
        }
        let nodes: Vec<(u32, &[u8; 4])> = self
            .nodes
            .iter()
            .map(|n| (n.id.0, n.content.node_type()))
            .collect();
        atoms.push(vrnp(&nodes));
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
        let at = TrackIndexes {
            image: img_index,
            hotspots: hot_index,
        };
        match &n.content {
            TourContent::Cylinder(c) => encode_cylinder(n.id, c, self.jpeg_quality, at),
            TourContent::Cube(c) => encode_cube(n.id, c, self.jpeg_quality, at),
            TourContent::Object(o) => encode_object(n.id, o, self.jpeg_quality, at),
        }
    }
}

/// A node's image and hot spot tracks' places (1-based) in its VR track's
/// `imgt` and `hott` lists.
#[derive(Debug, Clone, Copy)]
struct TrackIndexes {
    image: u32,
    hotspots: u32,
}

impl TrackIndexes {
    /// The hot spot track index a sample names: 0 when the node has none.
    fn hotspots_if(self, hotspots: &Option<TrackSpec>) -> u32 {
        if hotspots.is_some() { self.hotspots } else { 0 }
    }
}

/// Node times: one after another. Returns each node's start and the end of the last.
fn node_starts(media: &[NodeMedia]) -> Result<(Vec<u32>, u32), WriteError> {
    let mut starts = Vec::with_capacity(media.len());
    let mut t: u32 = 0;
    for m in media {
        starts.push(t);
        t = t
            .checked_add(m.span)
            .filter(|&t| i32::try_from(t).is_ok())
            .ok_or_else(|| WriteError::Invalid("the tour is too long".into()))?;
    }
    Ok((starts, t))
}

/// Gives each node's image and hot spot tracks their IDs and edits, and
/// collects the `[pano, obje]` VR tracks' references, samples and segments.
fn place_media(media: Vec<NodeMedia>, starts: &[u32]) -> ([VrTrack; 2], Vec<TrackSpec>) {
    let mut next_id = FIRST_MEDIA_TRACK;
    let mut tracks = Vec::new();
    let mut vr: [VrTrack; 2] = Default::default();
    for (m, &start) in media.into_iter().zip(starts) {
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
        v.samples.push((qt_container(&m.vr_sample_atoms), m.span));
        v.segments.push((start, m.span, v.used));
        v.used += m.span;
    }
    (vr, tracks)
}

/// The panorama (ID 2) and object (ID 3) tracks, those that have samples.
fn vr_tracks(vr: [VrTrack; 2]) -> Vec<TrackSpec> {
    let [pano, obje] = vr;
    let mut all = Vec::new();
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
    all
}

/// A node's hot spots: IDs 1–255 and unique, links to nodes in the tour
/// (`ids`), and maps holding only the node's hot spot IDs.
fn check_node_hotspots(
    n: &TourNode,
    ids: &std::collections::HashSet<NodeId>,
) -> Result<(), WriteError> {
    let mut hs = std::collections::HashSet::new();
    for h in &n.hotspots {
        if !(1..=255).contains(&h.id.0) || !hs.insert(h.id) {
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
            .find(|&&v| v != 0 && !hs.contains(&HotspotId(u32::from(v))))
        {
            return invalid(format!(
                "node {}: its hot spot map holds ID {v}, which is not one of its hot spots",
                n.id
            ));
        }
    }
    Ok(())
}

/// A cylinder node: its strips as JPEG tiles, its hot spot map's strips, one `pdat`.
fn encode_cylinder(
    node: NodeId,
    c: &CylinderSpec,
    quality: u8,
    at: TrackIndexes,
) -> Result<NodeMedia, WriteError> {
    let (w, h) = c.image.dimensions();
    let k = c.tiles;
    if k == 0 || w == 0 || h == 0 || w % k != 0 {
        return invalid(format!(
            "node {node}: a {w}x{h} panorama cannot be cut into {k} equal strips"
        ));
    }
    let l = &c.limits;
    check_cylinder_limits(node, l, w, h)?;
    let frames = u16_of(k, "tile count", node)?;
    let tiles: Vec<Vec<u8>> = (0..k)
        .map(|i| jpeg(&rotated_strip(&c.image, k, i), quality))
        .collect::<Result<_, _>>()?;
    let (tw, th) = (h, w / k);
    let image = video_track(b"jpeg", tw, th, 24, tiles, TILE_DURATION, false)?;
    let hotspots = match &c.hotspots {
        Some(m) => Some(cylinder_hotspot_track(node, m, k)?),
        None => None,
    };
    let pdat = pdat_of(&Pdat {
        image_track: at.image,
        hotspot_track: at.hotspots_if(&hotspots),
        pan: l.pan,
        tilt: l.tilt,
        fov: l.fov,
        default_view: [l.default.pan, l.default.tilt, l.default.fov],
        size: [h, w],
        frames: [1, frames],
        flags: 0,
        kind: *b"vcyl",
    });
    Ok(NodeMedia {
        kind: b"pano",
        vr_sample_atoms: vec![pdat],
        image,
        hotspots,
        duration: u32::from(frames) * TILE_DURATION,
        span: u32::from(frames) * TILE_DURATION,
    })
}

/// A cylinder's limits: pan 0..360, tilt within the `w`×`h` image's vertical
/// extent, and what [`check_limits`] asks.
fn check_cylinder_limits(node: NodeId, l: &PanoLimits, w: u32, h: u32) -> Result<(), WriteError> {
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
    check_limits(node, l)
}

/// A cylinder's hot spot map, cut into `k` strips like its image.
fn cylinder_hotspot_track(node: NodeId, m: &GrayImage, k: u32) -> Result<TrackSpec, WriteError> {
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
    video_track(b"rle ", mh, mw / k, 8, strips, TILE_DURATION, false)
}

/// A cube node: six JPEG faces, six hot spot maps, a standard `pdat` and the
/// node's limits in `cuvw`.
fn encode_cube(
    node: NodeId,
    c: &CubeSpec,
    quality: u8,
    at: TrackIndexes,
) -> Result<NodeMedia, WriteError> {
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
        .map(|f| jpeg(f, quality))
        .collect::<Result<Vec<_>, _>>()?;
    let image = video_track(b"jpeg", s, s, 24, faces, TILE_DURATION, false)?;
    let hotspots = match &c.hotspots {
        Some(maps) => Some(cube_hotspot_track(node, maps)?),
        None => None,
    };
    let l = &c.limits;
    let pdat = pdat_of(&Pdat {
        image_track: at.image,
        hotspot_track: at.hotspots_if(&hotspots),
        pan: [0.0, 360.0],
        tilt: [-45.0, 45.0],
        fov: [5.0, 90.0],
        default_view: [0.0, 0.0, 45.0],
        size: [s.saturating_mul(4), s],
        frames: [4, 1],
        flags: 1,
        kind: *b"cube",
    });
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
        span: 6 * TILE_DURATION,
    })
}

/// A cube's six hot spot maps, one sample each.
fn cube_hotspot_track(node: NodeId, maps: &[GrayImage; 6]) -> Result<TrackSpec, WriteError> {
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
    video_track(b"rle ", mw, mh, 8, samples, TILE_DURATION, false)
}

/// An object node: its frames as JPEG samples, its hot spot maps, and the
/// `obji` sample with its track references.
fn encode_object(
    node: NodeId,
    o: &ObjectSpec,
    quality: u8,
    at: TrackIndexes,
) -> Result<NodeMedia, WriteError> {
    let count = check_object_frames(node, o)?;
    let (w, h) = o.frames[0].dimensions();
    let frames = o
        .frames
        .iter()
        .map(|f| jpeg(f, quality))
        .collect::<Result<Vec<_>, _>>()?;
    let duration = u32::try_from(count)
        .ok()
        .and_then(|c| c.checked_mul(TILE_DURATION))
        .ok_or_else(|| WriteError::Invalid(format!("node {node}: too many frames")))?;
    let image = video_track(b"jpeg", w, h, 24, frames, TILE_DURATION, true)?;
    let hotspots = object_hotspot_track(node, &o.hotspots, duration)?;
    check_limits(
        node,
        &PanoLimits {
            pan: [o.pan[0].min(o.pan[1]), o.pan[0].max(o.pan[1])],
            tilt: [o.tilt[0].min(o.tilt[1]), o.tilt[0].max(o.tilt[1])],
            fov: o.fov,
            default: o.default,
        },
    )?;
    let mut atoms = vec![obji(&object_obji(o, w, h)), imtr(at.image)];
    if hotspots.is_some() {
        atoms.push(hstr(at.hotspots));
    }
    Ok(NodeMedia {
        kind: b"obje",
        vr_sample_atoms: atoms,
        image,
        hotspots,
        duration,
        span: duration,
    })
}

/// An object's frames: as many as rows × columns × states × frames per view,
/// all one size. Returns their count.
fn check_object_frames(node: NodeId, o: &ObjectSpec) -> Result<u64, WriteError> {
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
    Ok(count)
}

/// An object's hot spot maps: none, one lasting the whole node (`duration`),
/// or one per frame.
fn object_hotspot_track(
    node: NodeId,
    maps: &[GrayImage],
    duration: u32,
) -> Result<Option<TrackSpec>, WriteError> {
    let Some(first) = maps.first() else {
        return Ok(None);
    };
    let (mw, mh) = first.dimensions();
    if maps.iter().any(|m| m.dimensions() != (mw, mh)) {
        return invalid(format!(
            "node {node}: object hot spot maps must be all one size"
        ));
    }
    let per = if maps.len() == 1 {
        duration
    } else {
        TILE_DURATION
    };
    let samples = maps
        .iter()
        .map(|m| rle8_frame(m.as_raw(), mw as usize, mh as usize))
        .collect();
    Ok(Some(video_track(b"rle ", mw, mh, 8, samples, per, false)?))
}

/// The `obji` fields of an object of `w`×`h` frames.
fn object_obji(o: &ObjectSpec, w: u32, h: u32) -> Obji {
    let b = &o.behaviour;
    Obji {
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
        n.id.0,
        if n.name.is_some() { 1 } else { 0 },
    )];
    if let Some(name) = &n.name {
        atoms.push(string_atom(1, name));
    }
    if !n.hotspots.is_empty() {
        let hots: Vec<Vec<u8>> = n.hotspots.iter().map(hotspot_atom).collect();
        atoms.push(hspa(&hots));
    }
    qt_container(&atoms)
}

/// One hot spot's `hots` atom: its `hsin`, its action (`link`, `url `) and its name.
fn hotspot_atom(h: &TourHotSpot) -> Vec<u8> {
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
                to_node.0,
                valid,
                [pan.unwrap_or(0.0), tilt.unwrap_or(0.0), fov.unwrap_or(0.0)],
            ));
        }
        HotSpotAction::Url(u) => children.push(url(u)),
        HotSpotAction::Undefined => {}
    }
    if let Some(name) = &h.name {
        children.push(string_atom(1, name));
    }
    hots(h.id.0, &children)
}

/// Limits the reader accepts without repair: ordered ranges, the default inside.
fn check_limits(node: NodeId, l: &PanoLimits) -> Result<(), WriteError> {
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

fn u16_of(v: u32, what: &str, node: NodeId) -> Result<u16, WriteError> {
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

/// Replaces an image track's description and samples with `e`'s, after
/// checking that they fit: as many samples as tiles, the tile's size.
fn use_encoded(node: NodeId, image: &mut TrackSpec, e: &EncodedImages) -> Result<(), WriteError> {
    let d = &e.description;
    let size_field = d
        .get(..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let dims = d.get(32..36).map(|b| {
        (
            u16::from_be_bytes([b[0], b[1]]),
            u16::from_be_bytes([b[2], b[3]]),
        )
    });
    if d.len() < 86 || size_field != Some(d.len() as u32) {
        return invalid(format!(
            "node {node}: the encoded images' sample description is not one whole video description entry"
        ));
    }
    if dims != Some((image.width, image.height)) {
        return invalid(format!(
            "node {node}: the encoded images are {:?}, the tiles {}x{}",
            dims, image.width, image.height
        ));
    }
    if e.samples.len() != image.samples.len() {
        return invalid(format!(
            "node {node}: {} encoded samples for {} tiles",
            e.samples.len(),
            image.samples.len()
        ));
    }
    if !e.composition_offsets.is_empty() && e.composition_offsets.len() != e.samples.len() {
        return invalid(format!(
            "node {node}: {} composition offsets for {} samples",
            e.composition_offsets.len(),
            e.samples.len()
        ));
    }
    image.descriptions = vec![d.clone()];
    image.samples = e
        .samples
        .iter()
        .zip(&image.samples)
        .map(|(s, (_, duration))| (s.clone(), *duration))
        .collect();
    image.sync_samples = e.sync_samples.clone();
    image.composition_offsets = e.composition_offsets.clone();
    Ok(())
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
