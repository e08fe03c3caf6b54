//! The QTVR scene model shared by QTVR 1.0 and 2.x movies: nodes (panoramas and
//! objects), their image/hot spot tracks, view limits and hot spots.
//!
//! Conventions: angles in degrees; pan grows to the left (counter-clockwise seen
//! from above); tilt grows upward; fields of view are vertical. A cylinder's
//! upright image runs from `pan.max` at its left edge to `pan.min` at its right
//! edge (column x shows pan = max - (x + 0.5) · range / width).

use serde::Serialize;

use crate::container::FourCC;
use crate::error::Warning;

pub use crate::ids::{HotspotId, NodeId, TrackId};

/// A QuickTime VR movie's content.
#[derive(Debug, Clone, Serialize)]
pub struct Scene {
    /// "1.0" for QTVR 1 movies, else the VR world header's major.minor (e.g. "2.0").
    pub qtvr_version: String,
    /// The movie's controller type (`ctyp`): `qtvr`, `STpn`, `stpn` or `stna`.
    pub controller: FourCC,
    /// The scene (world) name, when stored.
    pub name: Option<String>,
    /// The node shown first.
    pub default_node: NodeId,
    /// Panorama imaging settings from the VR world (`imgp`/`impn`).
    pub imaging: Vec<PanoImaging>,
    /// Custom cursors stored in the VR world (`vrcp` → `CURS`/`crsr`): (type, ID, bytes).
    pub cursors: Vec<(FourCC, u32, usize)>,
    /// All nodes, in file order.
    pub nodes: Vec<Node>,
    /// What was repaired or skipped while reading the movie and the scene
    /// (reported at the top level of `qtvr info --json`).
    #[serde(skip)]
    pub warnings: Vec<Warning>,
}

impl Scene {
    /// The node with ID `id`.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }
}

/// A panorama imaging atom (`impn`): how QuickTime VR drew while moving and at rest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanoImaging {
    /// Atom ID (an imaging mode).
    pub id: u32,
    pub imaging_mode: u32,
    pub valid_flags: u32,
    pub correction: u32,
    pub quality: u32,
    pub direct_draw: u32,
}

/// One node.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub id: NodeId,
    pub name: Option<String>,
    pub comment: Option<String>,
    /// Start of the node's samples, in movie time units.
    pub start_time: f64,
    /// Duration of the node's samples, in movie time units.
    pub duration: f64,
    #[serde(flatten)]
    pub content: NodeContent,
    pub hotspots: Vec<HotSpot>,
    /// Atoms of the node information that this reader does not interpret (type, ID).
    pub custom_atoms: Vec<(FourCC, u32)>,
}

impl Node {
    /// "panorama" or "object".
    pub fn kind_name(&self) -> &'static str {
        match self.content {
            NodeContent::Panorama(_) => "panorama",
            NodeContent::Object(_) => "object",
        }
    }
}

/// What a node shows.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum NodeContent {
    Panorama(Box<Panorama>),
    Object(Box<ObjectNode>),
}

/// Samples of one track used by a node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackUse {
    pub track_id: TrackId,
    /// Codec FourCC of the samples' description.
    pub codec: FourCC,
    /// 1-based number of the first sample used.
    pub first_sample: usize,
    /// How many samples.
    pub sample_count: usize,
    /// Sample (tile/frame) size as stored.
    pub width: u32,
    pub height: u32,
    /// Bits per pixel from the sample description.
    pub depth: i16,
    /// 0-based sample indexes, in the order the node uses them.
    #[serde(skip)]
    pub samples: Vec<usize>,
}

/// Pan, tilt and field of view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct View {
    pub pan: f32,
    pub tilt: f32,
    pub fov: f32,
}

/// The angles a viewer may show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewLimits {
    /// [min, max] pan.
    pub pan: [f32; 2],
    /// [min, max] tilt (always min ≤ max here, whatever the file's order).
    pub tilt: [f32; 2],
    /// [min, max] vertical field of view.
    pub fov: [f32; 2],
    pub default: View,
    /// True for a full 360° pan range: panning wraps around.
    pub wraps: bool,
    /// Where the limits came from: `pdat`, `cuvw`, `pano` (QTVR 1 description), `obji`, `NAVG`.
    pub source: &'static str,
}

/// A panoramic node.
#[derive(Debug, Clone, Serialize)]
pub struct Panorama {
    pub projection: Projection,
    /// Upright panorama size (cylinder), or the size of one cube face.
    pub image_size: [u32; 2],
    /// Tiles across and down: the stored grid of a cylinder, or the tiles along
    /// one edge of a cube face (n for n×n tiles per face).
    pub tile_grid: [u32; 2],
    /// The pan range the cylinder image covers, [min, max] (the header's range
    /// before any `pcon` constraint); [0, 360] for cubes.
    pub image_pan: [f32; 2],
    pub limits: ViewLimits,
    /// Further constraints (`pcon`/`tcon`/`fcon`), already applied to `limits`.
    pub constraints: Constraints,
    pub image_track: TrackUse,
    pub hotspot_track: Option<TrackUse>,
    /// Hot spot panorama size (same orientation as `image_size`), when there is a track.
    pub hotspot_image_size: Option<[u32; 2]>,
    /// The fast-start preview track (resolution 0x8000), if any.
    pub preview_track: Option<TrackUse>,
    /// Lower-resolution image tracks, with their `tref` resolution code.
    pub low_res_tracks: Vec<(u16, TrackUse)>,
}

/// Angle constraints as stored (None when absent).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Constraints {
    pub pan: Option<[f32; 2]>,
    pub tilt: Option<[f32; 2]>,
    pub fov: Option<[f32; 2]>,
}

/// How the panorama is projected and stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Projection {
    Cylinder {
        /// Vertical: tiles stored rotated 90° counter-clockwise, first tile the
        /// right-most strip. Horizontal: unrotated, first tile the left-most strip.
        orientation: CylinderOrientation,
        /// True when the orientation came from the legacy `flags` bit (panoType 0).
        legacy_flags: bool,
        /// Where the first tile goes in the upright image.
        first_tile: FirstTile,
    },
    Cube {
        /// One entry per image sample of the node: the face or tile it shows.
        faces: Vec<CubeFace>,
        /// True when no `cufa` was stored and the standard faces are used.
        standard: bool,
    },
}

/// Which strip of the upright cylinder the first tile is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FirstTile {
    /// Vertical cylinders: tiles run right to left.
    Rightmost,
    /// Horizontal cylinders: tiles run left to right.
    Leftmost,
}

impl CylinderOrientation {
    /// The tile order that goes with the orientation.
    pub fn first_tile(self) -> FirstTile {
        match self {
            CylinderOrientation::Vertical => FirstTile::Rightmost,
            CylinderOrientation::Horizontal => FirstTile::Leftmost,
        }
    }
}

/// Cylinder storage orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CylinderOrientation {
    Vertical,
    Horizontal,
}

/// One cube face or face tile (`cufa` entry).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CubeFace {
    /// Orientation quaternion [w, x, y, z]; its magnitude is √f (f = focal length
    /// in half-tile-heights: 1 for a whole face, n for n×n tiles).
    pub orientation: [f32; 4],
    /// Tile centre in half-tile-height units, +y up.
    pub center: [f32; 2],
    pub aspect: f32,
    pub skew: f32,
}

impl CubeFace {
    /// The six standard faces, in storage order front, right, back, left, top, bottom.
    pub fn standard() -> [CubeFace; 6] {
        let c = std::f32::consts::FRAC_1_SQRT_2;
        let q = [
            [1.0, 0.0, 0.0, 0.0],
            [c, 0.0, -c, 0.0],
            [0.0, 0.0, -1.0, 0.0],
            [-c, 0.0, -c, 0.0],
            [c, c, 0.0, 0.0],
            [c, -c, 0.0, 0.0],
        ];
        q.map(|orientation| CubeFace {
            orientation,
            center: [0.0, 0.0],
            aspect: 1.0,
            skew: 0.0,
        })
    }

    /// Standard faces cut into n×n tiles (row-major from the top-left of each face).
    pub fn standard_tiled(n: u32) -> Vec<CubeFace> {
        let s = (n as f32).sqrt();
        let mut v = Vec::new();
        for f in Self::standard() {
            for r in 0..n {
                for c in 0..n {
                    v.push(CubeFace {
                        orientation: f.orientation.map(|x| x * s),
                        center: [
                            (2 * c) as f32 - (n - 1) as f32,
                            (n - 1) as f32 - (2 * r) as f32,
                        ],
                        aspect: 1.0,
                        skew: 0.0,
                    });
                }
            }
        }
        v
    }
}

/// An object node.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectNode {
    pub rows: u32,
    pub columns: u32,
    pub view_states: u32,
    /// Animation frames per view (≥ 1).
    pub frames_per_view: u32,
    pub controller: ObjectController,
    /// Raw `movieType`.
    pub movie_type: u16,
    pub animation_settings: u32,
    pub control_settings: u32,
    /// 1-based, as stored.
    pub default_view_state: u16,
    /// 1-based, as stored.
    pub mouse_down_view_state: u16,
    /// Movie time of one view (all its frames).
    pub view_duration: u32,
    /// Seconds one animation frame lasts at frame rate 1 (the image track's
    /// sample duration in movie time over the movie's time scale).
    pub frame_seconds: f64,
    /// Degrees per window width of mouse motion.
    pub mouse_motion_scale: f32,
    /// [first column's pan, pan range end].
    pub pan: [f32; 2],
    /// Tilt of the top row and of the bottom row, as stored (either order).
    pub tilt: [f32; 2],
    pub fov: [f32; 2],
    pub view_center: [f32; 2],
    pub view_rate: f32,
    pub frame_rate: f32,
    pub limits: ViewLimits,
    pub image_track: TrackUse,
    pub hotspot_track: Option<TrackUse>,
}

/// `animationSettings` bits (QTFF "animationSettings").
pub mod animation {
    pub const ANIMATE_VIEW_FRAMES: u32 = 1 << 0;
    pub const PALINDROME_VIEW_FRAMES: u32 = 1 << 1;
    pub const START_FIRST_VIEW_FRAME: u32 = 1 << 2;
    pub const ANIMATE_VIEWS: u32 = 1 << 3;
    pub const PALINDROME_VIEWS: u32 = 1 << 4;
    pub const SYNC_VIEW_TO_FRAME_RATE: u32 = 1 << 5;
    pub const DONT_LOOP_VIEW_FRAMES: u32 = 1 << 6;
    pub const PLAY_EVERY_VIEW_FRAME: u32 = 1 << 7;
}

/// `controlSettings` bits (QTFF "controlSettings").
pub mod control {
    pub const WRAP_PAN: u32 = 1 << 0;
    pub const WRAP_TILT: u32 = 1 << 1;
    pub const CAN_ZOOM: u32 = 1 << 2;
    pub const REVERSE_H: u32 = 1 << 3;
    pub const REVERSE_V: u32 = 1 << 4;
    pub const SWAP_HV: u32 = 1 << 5;
    pub const TRANSLATION: u32 = 1 << 6;
}

/// Names of the set `animationSettings` bits, in bit order.
pub fn animation_names(bits: u32) -> Vec<&'static str> {
    use animation::*;
    named(
        bits,
        &[
            (ANIMATE_VIEW_FRAMES, "animate view frames"),
            (PALINDROME_VIEW_FRAMES, "palindrome frames"),
            (START_FIRST_VIEW_FRAME, "start on first frame"),
            (ANIMATE_VIEWS, "animate views"),
            (PALINDROME_VIEWS, "palindrome views"),
            (SYNC_VIEW_TO_FRAME_RATE, "sync views to frames"),
            (DONT_LOOP_VIEW_FRAMES, "don't loop frames"),
            (PLAY_EVERY_VIEW_FRAME, "play every frame"),
        ],
    )
}

/// Names of the set `controlSettings` bits, in bit order.
pub fn control_names(bits: u32) -> Vec<&'static str> {
    use control::*;
    named(
        bits,
        &[
            (WRAP_PAN, "wrap pan"),
            (WRAP_TILT, "wrap tilt"),
            (CAN_ZOOM, "can zoom"),
            (REVERSE_H, "reverse horizontal"),
            (REVERSE_V, "reverse vertical"),
            (SWAP_HV, "swap horizontal and vertical"),
            (TRANSLATION, "translation"),
        ],
    )
}

fn named(bits: u32, names: &[(u32, &'static str)]) -> Vec<&'static str> {
    names
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, n)| *n)
        .collect()
}

impl ObjectNode {
    /// Whether a `controlSettings` bit ([`control`]) is set.
    pub fn control(&self, bit: u32) -> bool {
        self.control_settings & bit != 0
    }

    /// Whether an `animationSettings` bit ([`animation`]) is set.
    pub fn animation(&self, bit: u32) -> bool {
        self.animation_settings & bit != 0
    }

    /// The 0-based default view state (a stored 0 or out-of-range value means the first).
    pub fn default_state(&self) -> u32 {
        state_index(self.default_view_state, self.view_states).unwrap_or(0)
    }

    /// The 0-based state shown while the mouse button is held, when the movie has a valid one.
    pub fn mouse_down_state(&self) -> Option<u32> {
        state_index(self.mouse_down_view_state, self.view_states)
    }

    /// The 0-based sample of the image track showing (row, column, state, frame),
    /// all 0-based: ((state·rows + row)·columns + column)·framesPerView + frame.
    pub fn sample_for(&self, row: u32, column: u32, state: u32, frame: u32) -> Option<usize> {
        if row >= self.rows
            || column >= self.columns
            || state >= self.view_states
            || frame >= self.frames_per_view
        {
            return None;
        }
        // u128: products of u32 values cannot overflow it.
        let k = (u128::from(state) * u128::from(self.rows) + u128::from(row))
            * u128::from(self.columns)
            + u128::from(column);
        let i = k * u128::from(self.frames_per_view) + u128::from(frame);
        self.image_track
            .samples
            .get(usize::try_from(i).ok()?)
            .copied()
    }

    /// The hot spot sample parallel to a view (the single frame when there is only one).
    pub fn hotspot_sample_for(
        &self,
        row: u32,
        column: u32,
        state: u32,
        frame: u32,
    ) -> Option<usize> {
        let hs = self.hotspot_track.as_ref()?;
        if hs.samples.len() == 1 {
            return hs.samples.first().copied();
        }
        let i = self
            .image_track
            .samples
            .iter()
            .position(|&s| Some(s) == self.sample_for(row, column, state, frame))?;
        hs.samples.get(i).copied()
    }
}

fn state_index(one_based: u16, count: u32) -> Option<u32> {
    let i = u32::from(one_based).checked_sub(1)?;
    (i < count).then_some(i)
}

/// Object controller types (`movieType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectController {
    GrabberScroller,
    OldJoystick,
    Joystick,
    Grabber,
    Absolute,
    Unknown,
}

impl ObjectController {
    /// From the stored `movieType`.
    pub fn from_movie_type(t: u16) -> Self {
        match t {
            1 => Self::GrabberScroller,
            2 => Self::OldJoystick,
            3 => Self::Joystick,
            4 => Self::Grabber,
            5 => Self::Absolute,
            _ => Self::Unknown,
        }
    }
}

/// A hot spot of a node.
#[derive(Debug, Clone, Serialize)]
pub struct HotSpot {
    /// Hot spot ID = its index value in the hot spot track.
    pub id: HotspotId,
    /// `link`, `url `, `navg`, `undf`, or a custom type.
    #[serde(rename = "type")]
    pub kind: FourCC,
    pub name: Option<String>,
    pub comment: Option<String>,
    pub best_view: Option<View>,
    pub best_view_center: Option<[f32; 2]>,
    /// Bounding rectangle as stored [top, left, bottom, right].
    pub rect: Option<[i16; 4]>,
    pub cursor_ids: [i32; 3],
    pub flags: u32,
    pub link: Option<Link>,
    pub url: Option<String>,
    /// Type-specific atoms this reader keeps raw (type, bytes).
    #[serde(skip)]
    pub custom: Vec<(FourCC, Vec<u8>)>,
}

/// A link hot spot's destination.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub to_node: NodeId,
    /// Destination angles; each is None when the file marks it invalid.
    pub to_pan: Option<f32>,
    pub to_tilt: Option<f32>,
    pub to_fov: Option<f32>,
    pub to_view_center: Option<[f32; 2]>,
    /// `toValidFlags` as stored (QTVR 2); 7 for QTVR 1 links with a zoom.
    pub to_valid_flags: u32,
}
