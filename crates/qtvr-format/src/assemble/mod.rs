//! Stage 5 — assembly: decoded tiles → the pictures a node shows.
//!
//! A panorama becomes a list of [`Surface`]s, each one picture with the
//! geometry that places it around the viewer:
//!
//! - a cylinder is one upright image ([`Geometry::Cylinder`]): vertical
//!   cylinders' tiles are turned back upright (they are stored rotated 90°
//!   counter-clockwise, the first tile the right-most strip), horizontal ones
//!   are placed left to right, on any tile grid;
//! - a cube is one planar surface per face ([`Geometry::Plane`]), placed by its
//!   `cufa` orientation quaternion and centre (the six standard faces when the
//!   file has none). Tiles that share an orientation and lie on a regular grid
//!   are joined into one face image, so a 3×3-tiled cube is six surfaces, not 54;
//!   any other tile stays a surface of its own, so nonstandard cubes keep their
//!   exact layout;
//! - an object view is one [`Geometry::Flat`] picture.
//!
//! Hot spot maps (8-bit, value = hot spot ID) are assembled the same way at
//! their own resolution. Everything here is plain CPU data: the renderer
//! uploads it, the exporters and the hot spot picker read it.
//!
//! Plane geometry is the mapping of Apple's cubic engine as described with the
//! generated samples (see `Plane`): for a tile w×h pixels, with
//! n = (h − 1)/2, focal f = |q|²·n, centre c = centre·n, the world ray of pixel
//! (x, y) is `[x, y, 1]·P·R` where R rotates by the unit quaternion q/|q| and
//! P = [[−a/f, 0, 0], [−k/f, 1/f, 0], [((w−1)/2 − cx)·a/f + k·cy′, −cy′, 1]],
//! cy′ = ((h−1)/2 + cy)/f (a = aspect, k = skew). World axes: X left, Y down,
//! Z front (pan 0 looks along +Z; pan grows to the left, toward +X).

mod load;

pub use load::{
    ObjectFrame, PictureError, node_memory, object_memory, object_picture, object_pictures,
    panorama_picture, panorama_picture_in_batches,
};

use glam::DVec3;

use crate::codec::{Frame, FrameKind, ycbcr};
use crate::error::Warning;
use crate::limits::Limits;
use crate::qtvr::scene::{CubeFace, CylinderOrientation, NodeId, Panorama, Projection};
use crate::tiles::{DecodedTrack, TileStatus};

/// A picture read as RGBA, rows top to bottom. Alpha is always 255:
/// panoramas and object views are opaque (32-bit tracks' alpha bytes are
/// ignored). Stored as RGBA (4 bytes a pixel), or as the Y′CbCr planes a JPEG
/// tile was decoded to ([`ycbcr`]: about 1.5 bytes a pixel), which are
/// converted where they are read, the same to the bit.
#[derive(Debug, Clone, PartialEq)]
pub struct RgbaImage {
    pub width: u32,
    pub height: u32,
    data: Vec<u8>,
    /// Some: `data` is these planes; None: RGBA.
    planes: Option<ycbcr::Layout>,
}

impl RgbaImage {
    /// A picture of `width × height` RGBA pixels (`rgba` holds 4 bytes each).
    pub fn new(width: u32, height: u32, rgba: Vec<u8>) -> RgbaImage {
        RgbaImage {
            width,
            height,
            data: rgba,
            planes: None,
        }
    }

    /// A frame as a picture: Y′CbCr planes kept as they are (moved, not
    /// copied), any other layout turned into opaque RGBA.
    pub fn from_frame(frame: Frame) -> RgbaImage {
        let (width, height) = (frame.width, frame.height);
        match frame.kind {
            FrameKind::YCbCr(layout) => RgbaImage {
                width,
                height,
                data: frame.data,
                planes: Some(layout),
            },
            _ => RgbaImage::new(width, height, frame_pixels(frame, 4)),
        }
    }

    /// The bytes the picture holds (less than 4 a pixel when kept as planes).
    pub fn stored_bytes(&self) -> usize {
        self.data.len()
    }

    /// Frees the pixels (once they are on the GPU); the size stays.
    pub fn release(&mut self) {
        self.data = Vec::new();
        self.planes = None;
    }

    /// The pixels when they are stored as RGBA (None: kept as planes).
    pub fn as_rgba(&self) -> Option<&[u8]> {
        self.planes.is_none().then_some(&self.data[..])
    }

    /// The picture as RGBA bytes (moved out when stored so).
    pub fn into_rgba(self) -> Vec<u8> {
        match self.planes {
            None => self.data,
            Some(_) => self.rgba().into_owned(),
        }
    }

    /// Every pixel as RGBA, `width × height × 4` bytes (converted only when
    /// kept as planes).
    pub fn rgba(&self) -> std::borrow::Cow<'_, [u8]> {
        match self.planes {
            None => std::borrow::Cow::Borrowed(&self.data),
            Some(l) => std::borrow::Cow::Owned(l.to_rgba(
                &self.data,
                self.width as usize,
                self.height as usize,
            )),
        }
    }

    /// Pixel (x, y) as RGBA (opaque black outside the picture or once released).
    pub fn texel(&self, x: u32, y: u32) -> [u8; 4] {
        let (w, h) = (self.width as usize, self.height as usize);
        let (x, y) = (x as usize, y as usize);
        match self.planes {
            Some(l) => l.texel(&self.data, w, h, x, y),
            None if x < w && y < h => {
                let i = (y * w + x) * 4;
                match self.data.get(i..i + 4) {
                    Some(&[r, g, b, a]) => [r, g, b, a],
                    _ => [0, 0, 0, 255],
                }
            }
            None => [0, 0, 0, 255],
        }
    }

    /// Pixels `x..` of row `y` as RGBA into `out`, as many as it holds up to
    /// the row's end (nothing is written for pixels outside the picture).
    pub fn row_into(&self, y: u32, x: u32, out: &mut [u8]) {
        let (w, h) = (self.width as usize, self.height as usize);
        let (x, y) = (x as usize, y as usize);
        if x >= w || y >= h {
            return;
        }
        match self.planes {
            Some(l) => l.row_rgba(&self.data, w, h, x, y, out),
            None => {
                let n = (out.len() / 4).min(w - x);
                let start = (y * w + x) * 4;
                if let Some(src) = self.data.get(start..start + n * 4) {
                    out[..n * 4].copy_from_slice(src);
                }
            }
        }
    }
}

/// An 8-bit hot spot map: each value is a hot spot ID, 0 = none.
#[derive(Debug, Clone, PartialEq)]
pub struct IdImage {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl IdImage {
    /// The ID at a normalised position (0..1 across and down), sampled nearest.
    pub fn at_normalized(&self, u: f64, v: f64) -> u8 {
        if !(0.0..=1.0).contains(&u) || !(0.0..=1.0).contains(&v) || self.data.is_empty() {
            return 0;
        }
        let x = ((u * f64::from(self.width)) as u32).min(self.width - 1);
        let y = ((v * f64::from(self.height)) as u32).min(self.height - 1);
        self.data[(y as usize) * (self.width as usize) + x as usize]
    }
}

/// Where a surface's picture lies around the viewer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Geometry {
    /// An upright cylinder image: its left edge shows pan `pan[1]`, its right
    /// edge `pan[0]`; the horizon is the middle row; the radius is
    /// width·360 / (2π·(`pan[1]` − `pan[0]`)) pixels.
    Cylinder { pan: [f32; 2], wraps: bool },
    /// A planar face or tile of a cube.
    Plane(Plane),
    /// An object view: shown flat, centred in the window.
    Flat,
}

/// A planar surface's placement (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plane {
    /// Unit quaternion [w, x, y, z]: world = q·local·q*.
    pub rotation: [f32; 4],
    /// Focal length in pixels.
    pub focal: f32,
    /// Centre offset in pixels (x right, y up).
    pub centre: [f32; 2],
    pub aspect: f32,
    pub skew: f32,
}

impl Plane {
    /// The placement of one `cufa` entry for a w×h tile; `None` for a degenerate
    /// entry (zero or non-finite quaternion, zero aspect, tile height 1).
    pub fn from_cufa(face: &CubeFace, height: u32) -> Option<Plane> {
        Self::from_parts(face, 1.0, [0.0, 0.0], height)
    }

    /// A grid of `rows` tiles down, whose mean centre is `mean_centre` (in
    /// half-tile units), joined into one picture `height` pixels tall.
    fn from_parts(face: &CubeFace, rows: f64, mean_centre: [f64; 2], height: u32) -> Option<Plane> {
        let q = face.orientation.map(f64::from);
        let norm2 = q.iter().map(|c| c * c).sum::<f64>();
        let finite = q.iter().all(|c| c.is_finite())
            && face.center.iter().all(|c| c.is_finite())
            && face.aspect.is_finite()
            && face.skew.is_finite();
        if !finite || norm2 < 1e-12 || face.aspect.abs() < 1e-6 || height < 2 {
            return None;
        }
        let n = f64::from(height - 1) / 2.0;
        let centre = if rows == 1.0 {
            face.center.map(f64::from)
        } else {
            mean_centre
        };
        let norm = norm2.sqrt();
        Some(Plane {
            rotation: q.map(|c| (c / norm) as f32),
            focal: (norm2 / rows * n) as f32,
            centre: [(centre[0] / rows * n) as f32, (centre[1] / rows * n) as f32],
            aspect: face.aspect,
            skew: face.skew,
        })
    }

    /// The continuous texel position (pixel centres at +0.5) where a world ray
    /// meets this plane's w×h picture, or `None` when the ray points away from it.
    /// The position may lie outside 0..w × 0..h.
    pub fn texel_of_ray(&self, world: [f64; 3], width: u32, height: u32) -> Option<[f64; 2]> {
        self.projector(width, height).texel_of_ray(world)
    }

    /// The world ray through a continuous texel position of the w×h picture.
    pub fn ray_of_texel(&self, texel: [f64; 2], width: u32, height: u32) -> [f64; 3] {
        self.projector(width, height).ray_of_texel(texel)
    }

    /// The plane's projection for a w×h picture, its constants worked out
    /// once: for many texels (a cube face's gutters).
    pub fn projector(&self, width: u32, height: u32) -> Projector {
        let f = f64::from(self.focal);
        let a = f64::from(self.aspect);
        let k = f64::from(self.skew);
        let rotation = self.rotation.map(f64::from);
        let (half_w, half_h) = (
            (f64::from(width) - 1.0) / 2.0,
            (f64::from(height) - 1.0) / 2.0,
        );
        let (cx, cy_px) = (f64::from(self.centre[0]), f64::from(self.centre[1]));
        let cy = (half_h + cy_px) / f;
        Projector {
            rotation,
            inverse: conj(rotation),
            f,
            neg_f_over_a: -(f / a),
            kf_over_a: k * f / a,
            half_w,
            half_h,
            cx,
            cy_px,
            neg_a_over_f: -a / f,
            k_over_f: k / f,
            cy,
            c1: (half_w - cx) * a / f + k * cy,
        }
    }
}

/// A [`Plane`]'s projection for one picture size, with the constants that
/// do not depend on the texel or ray worked out once. The only
/// implementation of the plane's mapping (the plane's own methods make one),
/// so it gives the same results to the bit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projector {
    rotation: [f64; 4],
    inverse: [f64; 4],
    f: f64,
    neg_f_over_a: f64,
    kf_over_a: f64,
    half_w: f64,
    half_h: f64,
    cx: f64,
    cy_px: f64,
    neg_a_over_f: f64,
    k_over_f: f64,
    cy: f64,
    c1: f64,
}

impl Projector {
    /// [`Plane::texel_of_ray`].
    pub fn texel_of_ray(&self, world: [f64; 3]) -> Option<[f64; 2]> {
        let l = rotate(self.inverse, world);
        if l[2] <= 1e-12 {
            return None;
        }
        let (sx, sy) = (l[0] / l[2], l[1] / l[2]);
        let x = self.neg_f_over_a * sx - self.kf_over_a * sy + self.half_w - self.cx;
        let y = self.f * sy + self.half_h + self.cy_px;
        Some([x + 0.5, y + 0.5])
    }

    /// [`Plane::ray_of_texel`].
    pub fn ray_of_texel(&self, texel: [f64; 2]) -> [f64; 3] {
        let (x, y) = (texel[0] - 0.5, texel[1] - 0.5);
        let local = [
            self.neg_a_over_f * x - self.k_over_f * y + self.c1,
            y / self.f - self.cy,
            1.0,
        ];
        rotate(self.rotation, local)
    }

    /// Where the plane faces: the world direction of its local +z.
    pub fn facing(&self) -> [f64; 3] {
        rotate(self.rotation, [0.0, 0.0, 1.0])
    }
}

/// The conjugate of a quaternion [w, x, y, z].
pub fn conj(q: [f64; 4]) -> [f64; 4] {
    [q[0], -q[1], -q[2], -q[3]]
}

/// Rotates v by the unit quaternion q = [w, x, y, z] (q·v·q*), as
/// v + w·t + u×t with u = (x, y, z) and t = 2·u×v.
pub fn rotate(q: [f64; 4], v: [f64; 3]) -> [f64; 3] {
    let (w, u, v) = (q[0], DVec3::new(q[1], q[2], q[3]), DVec3::from_array(v));
    let t = 2.0 * u.cross(v);
    (v + w * t + u.cross(t)).to_array()
}

/// One picture of a node with its placement.
#[derive(Debug, Clone)]
pub struct Surface {
    pub geometry: Geometry,
    pub image: RgbaImage,
    /// The hot spot map covering the same area, at its own resolution.
    pub hotspots: Option<IdImage>,
}

impl Surface {
    /// The continuous texel position of a world ray on this surface (cylinders
    /// and planes; `None` for flat pictures and rays that miss a plane). The
    /// position may lie outside the picture; cylinder positions are wrapped into
    /// 0..width when the cylinder wraps.
    pub fn texel_of_ray(&self, world: [f64; 3]) -> Option<[f64; 2]> {
        let (w, h) = (self.image.width, self.image.height);
        match self.geometry {
            Geometry::Cylinder { pan, wraps } => Some(cylinder_texel(world, pan, wraps, w, h)),
            Geometry::Plane(p) => p.texel_of_ray(world, w, h),
            Geometry::Flat => None,
        }
    }

    /// Whether a texel position lies on the picture.
    pub fn contains(&self, t: [f64; 2]) -> bool {
        (0.0..=f64::from(self.image.width)).contains(&t[0])
            && (0.0..=f64::from(self.image.height)).contains(&t[1])
    }
}

/// Where a world ray meets an upright cylinder image (continuous texel position).
pub fn cylinder_texel(world: [f64; 3], pan: [f32; 2], wraps: bool, w: u32, h: u32) -> [f64; 2] {
    let [x, y, z] = world;
    let range = f64::from((pan[1] - pan[0]).max(1e-3));
    let theta = x.atan2(z).to_degrees();
    let mut d = f64::from(pan[1]) - theta;
    if wraps {
        d = d.rem_euclid(360.0);
    } else {
        // Put the part of the circle the image lacks evenly on both sides.
        let lo = -(360.0 - range) / 2.0;
        d = (d - lo).rem_euclid(360.0) + lo;
    }
    let wf = f64::from(w);
    let radius = wf * 360.0 / (2.0 * std::f64::consts::PI * range);
    let rho = (x * x + z * z).sqrt().max(1e-300);
    [d / range * wf, f64::from(h) / 2.0 + y * radius / rho]
}

/// The assembled pictures of a node.
#[derive(Debug, Clone)]
pub struct NodePicture {
    pub node: NodeId,
    pub surfaces: Vec<Surface>,
    /// What was repaired or replaced while assembling (damaged or missing tiles).
    pub warnings: Vec<Warning>,
}

impl NodePicture {
    /// True for cube panoramas (planar surfaces).
    pub fn is_cube(&self) -> bool {
        self.surfaces
            .iter()
            .any(|s| matches!(s.geometry, Geometry::Plane(_)))
    }

    /// The hot spot ID a world ray points at (0 = none), sampled nearest.
    pub fn hotspot_at_ray(&self, world: [f64; 3]) -> u8 {
        for s in &self.surfaces {
            let Some(t) = s.texel_of_ray(world) else {
                continue;
            };
            if !s.contains(t) {
                continue;
            }
            return s.hotspots.as_ref().map_or(0, |m| {
                m.at_normalized(
                    t[0] / f64::from(s.image.width),
                    t[1] / f64::from(s.image.height),
                )
            });
        }
        0
    }
}

/// Why a node's pictures could not be assembled at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssembleError {
    #[error("node {node}: its image track has no tiles")]
    NoTiles { node: NodeId },
    #[error("node {node}: tile {tile} is {got_w}x{got_h}, the others {want_w}x{want_h}")]
    TileSize {
        node: NodeId,
        tile: usize,
        got_w: u32,
        got_h: u32,
        want_w: u32,
        want_h: u32,
    },
    #[error("node {node}: the assembled picture would be {width}x{height}, over the limit")]
    TooLarge {
        node: NodeId,
        width: u64,
        height: u64,
    },
    #[error("node {node}: no cube face has a usable orientation ('cufa')")]
    NoFaces { node: NodeId },
    /// The load was cancelled (or ran out of time) while its picture was
    /// being assembled ([`crate::cancel`]; checked every tile).
    #[error("node {node}: {why}")]
    Cancelled { node: NodeId, why: String },
}

/// `Err` when the load assembling this picture was cancelled
/// ([`crate::cancel::interrupted`]).
fn check_cancelled(node: NodeId) -> Result<(), AssembleError> {
    match crate::cancel::current_reason() {
        Some(why) => Err(AssembleError::Cancelled { node, why }),
        None => Ok(()),
    }
}

/// Assembles a panorama from its decoded image track (and hot spot track),
/// each picture held to [`Limits::picture_max_side`] and
/// [`Limits::picture_max_bytes`].
pub fn panorama(
    node: NodeId,
    pano: &Panorama,
    image: DecodedTrack,
    hotspots: Option<DecodedTrack>,
    limits: &Limits,
) -> Result<NodePicture, AssembleError> {
    let mut warnings = Vec::new();
    for t in &image.tiles {
        match &t.status {
            TileStatus::Decoded => {}
            TileStatus::Damaged(w) | TileStatus::Placeholder(w) => warnings.push(Warning::general(
                format!("node {node}: sample {}: {w}", t.sample + 1),
            )),
        }
    }
    // The tiles are taken over: each is moved into its picture (a face of one
    // tile) or dropped once placed, so a node's frames and its picture are
    // not held twice.
    let frames: Vec<Frame> = image.tiles.into_iter().map(|t| t.frame).collect();
    let hs_frames: Option<Vec<Frame>> =
        hotspots.map(|h| h.tiles.into_iter().map(|t| t.frame).collect());
    if frames.is_empty() {
        return Err(AssembleError::NoTiles { node });
    }
    let surfaces = match &pano.projection {
        Projection::Cylinder { orientation, .. } => {
            let vertical = *orientation == CylinderOrientation::Vertical;
            let grid = grid_for(pano.tile_grid, frames.len(), vertical);
            let image = place_tiles(node, frames, grid, vertical, 4, limits)?;
            let hotspots = match hs_frames {
                Some(h) if !h.is_empty() => {
                    let grid = grid_for(pano.tile_grid, h.len(), vertical);
                    match place_tiles(node, h, grid, vertical, 1, limits) {
                        Ok(m) => Some(m),
                        Err(e) => {
                            warnings.push(Warning::general(format!("hot spots not shown: {e}")));
                            None
                        }
                    }
                }
                _ => None,
            };
            let pan = pano.image_pan;
            vec![Surface {
                geometry: Geometry::Cylinder {
                    pan,
                    wraps: pan[1] - pan[0] >= 359.99,
                },
                image: image.into_image(),
                hotspots: hotspots.map(Placed::into_ids),
            }]
        }
        Projection::Cube { faces, .. } => {
            cube_surfaces(node, faces, frames, hs_frames, &mut warnings, limits)?
        }
    };
    Ok(NodePicture {
        node,
        surfaces,
        warnings,
    })
}

/// An object view (or any single frame) as a flat surface.
pub fn flat(node: NodeId, frame: &Frame, hotspots: Option<&Frame>) -> NodePicture {
    NodePicture {
        node,
        surfaces: vec![Surface {
            geometry: Geometry::Flat,
            image: match frame.kind {
                FrameKind::YCbCr(_) => RgbaImage::from_frame(frame.clone()),
                _ => RgbaImage::new(frame.width, frame.height, opaque_rgba(frame)),
            },
            hotspots: hotspots.map(|h| IdImage {
                width: h.width,
                height: h.height,
                data: crate::tiles::to_index_frame(h.clone()).data,
            }),
        }],
        warnings: Vec::new(),
    }
}

/// The tile grid of a cylinder: the stored grid when it matches the tile count,
/// else one strip of tiles in the storage direction.
fn grid_for(stored: [u32; 2], n: usize, vertical: bool) -> [usize; 2] {
    let g = [stored[0] as usize, stored[1] as usize];
    if g[0].checked_mul(g[1]) == Some(n) {
        g
    } else if vertical {
        [1, n]
    } else {
        [n, 1]
    }
}

/// A frame's pixels as opaque RGBA (or, for `bpp` 1, hot spot indices),
/// reusing the frame's own bytes where they already are.
fn frame_pixels(frame: Frame, bpp: usize) -> Vec<u8> {
    if bpp == 1 {
        crate::tiles::to_index_frame(frame).data
    } else {
        let mut rgba = match frame.kind {
            FrameKind::Rgba => frame.data,
            _ => frame.to_rgba(),
        };
        opaque(&mut rgba);
        rgba
    }
}

fn opaque_rgba(frame: &Frame) -> Vec<u8> {
    let mut rgba = frame.to_rgba();
    opaque(&mut rgba);
    rgba
}

/// Sets every pixel's alpha to 255.
fn opaque(rgba: &mut [u8]) {
    for px in rgba.chunks_exact_mut(4) {
        px[3] = 255;
    }
}

fn check_size(
    node: NodeId,
    w: u64,
    h: u64,
    bpp: usize,
    limits: &Limits,
) -> Result<(), AssembleError> {
    let bytes = w.checked_mul(h).and_then(|p| p.checked_mul(bpp as u64));
    let side = limits.picture_max_side;
    if w == 0
        || h == 0
        || w > side
        || h > side
        || bytes.is_none_or(|b| b > limits.picture_max_bytes)
    {
        return Err(AssembleError::TooLarge {
            node,
            width: w,
            height: h,
        });
    }
    Ok(())
}

/// Places a grid of equally sized tiles (row-major) into the stored image and,
/// for vertical cylinders, turns it upright (90° clockwise) in the same pass.
/// Returns the upright image.
fn place_tiles(
    node: NodeId,
    tiles: Vec<Frame>,
    grid: [usize; 2],
    vertical: bool,
    bpp: usize,
    limits: &Limits,
) -> Result<Placed, AssembleError> {
    let (tw, th) = (tiles[0].width, tiles[0].height);
    for (i, t) in tiles.iter().enumerate() {
        if (t.width, t.height) != (tw, th) {
            return Err(AssembleError::TileSize {
                node,
                tile: i,
                got_w: t.width,
                got_h: t.height,
                want_w: tw,
                want_h: th,
            });
        }
    }
    let sw = u64::from(tw) * grid[0] as u64;
    let sh = u64::from(th) * grid[1] as u64;
    let (uw, uh) = if vertical { (sh, sw) } else { (sw, sh) };
    check_size(node, uw, uh, bpp, limits)?;
    if tiles.len() == 1 && !vertical {
        // One tile is the picture: its bytes are moved, not copied.
        check_cancelled(node)?;
        if let Some(t) = tiles.into_iter().next() {
            return Ok(Placed::One(Box::new(t)));
        }
        return Err(AssembleError::NoTiles { node });
    }
    let (tw, th, uw) = (tw as usize, th as usize, uw as usize);
    if bpp == 4
        && let Some(layout) = common_planes(&tiles)
    {
        return place_planes(node, tiles, layout, grid, vertical, [uw, uh as usize]);
    }
    let mut out = vec![0u8; uw * uh as usize * bpp];
    for (i, t) in tiles.into_iter().enumerate() {
        check_cancelled(node)?;
        let (ox, oy) = ((i % grid[0]) * tw, (i / grid[0]) * th);
        if bpp == 4 && !vertical {
            // Rows converted straight into place (tiles kept as planes are
            // never held as RGBA on their own).
            let img = RgbaImage::from_frame(t);
            for ty in 0..th {
                let d = ((oy + ty) * uw + ox) * 4;
                img.row_into(ty as u32, 0, &mut out[d..d + tw * 4]);
            }
            continue;
        }
        // Each tile is dropped once placed.
        let px = frame_pixels(t, bpp);
        if vertical {
            // stored (sx, sy) → upright (W − 1 − sy, sx), W = stored height.
            for ty in 0..th {
                let x = uw - 1 - (oy + ty);
                for tx in 0..tw {
                    let y = ox + tx;
                    let s = (ty * tw + tx) * bpp;
                    let d = (y * uw + x) * bpp;
                    out[d..d + bpp].copy_from_slice(&px[s..s + bpp]);
                }
            }
        } else {
            for ty in 0..th {
                let d = ((oy + ty) * uw + ox) * bpp;
                out[d..d + tw * bpp].copy_from_slice(&px[ty * tw * bpp..(ty + 1) * tw * bpp]);
            }
        }
    }
    Ok(Placed::Grid(uw as u32, uh as u32, out))
}

/// The Y′CbCr layout every tile is kept in, when they can be joined as
/// planes: all of one layout, each whole (its planes' bytes all there) and a
/// whole number of chroma samples across and down, so that each tile's chroma
/// samples cover its own pixels only.
fn common_planes(tiles: &[Frame]) -> Option<ycbcr::Layout> {
    let FrameKind::YCbCr(layout) = tiles.first()?.kind else {
        return None;
    };
    let (across, down) = layout.sampling();
    tiles
        .iter()
        .all(|t| {
            let (w, h) = (t.width as usize, t.height as usize);
            t.kind == FrameKind::YCbCr(layout)
                && w.is_multiple_of(across)
                && h.is_multiple_of(down)
                && layout.bytes(w, h) == Some(t.data.len())
        })
        .then_some(layout)
}

/// [`place_tiles`] for tiles of one Y′CbCr layout ([`common_planes`]): each
/// plane placed (and for vertical cylinders turned upright) as RGBA pixels
/// would be, so the picture stays planes, about 1.5 bytes a pixel instead of
/// 4, and is converted only where it is read. Turning 4:2:2 planes gives
/// 4:4:0 planes: a chroma sample covers the same pixels either way.
fn place_planes(
    node: NodeId,
    tiles: Vec<Frame>,
    layout: ycbcr::Layout,
    grid: [usize; 2],
    vertical: bool,
    upright: [usize; 2],
) -> Result<Placed, AssembleError> {
    let (across, down) = layout.sampling();
    let out_layout = if vertical { layout.turned() } else { layout };
    let [uw, uh] = upright;
    let Some(bytes) = out_layout.bytes(uw, uh) else {
        return Err(AssembleError::TooLarge {
            node,
            width: uw as u64,
            height: uh as u64,
        });
    };
    let mut out = vec![0u8; bytes];
    let (cw, ch) = out_layout.chroma_size(uw, uh);
    // Each output plane: (start, width); each tile's: (start, width, height).
    let planes_out = [(0, uw), (uw * uh, cw), (uw * uh + cw * ch, cw)];
    for (i, t) in tiles.into_iter().enumerate() {
        check_cancelled(node)?;
        let (tw, th) = (t.width as usize, t.height as usize);
        let (pw, ph) = (tw / across, th / down);
        let planes_in = [(0, tw, th), (tw * th, pw, ph), (tw * th + pw * ph, pw, ph)];
        for ((src_start, w, h), (dst_start, dst_w)) in planes_in.into_iter().zip(planes_out) {
            let (Some(src), Some(dst)) = (t.data.get(src_start..), out.get_mut(dst_start..)) else {
                continue;
            };
            // The tile's place in the stored (unturned) plane.
            let (ox, oy) = ((i % grid[0]) * w, (i / grid[0]) * h);
            for (ty, row) in src.chunks_exact(w).take(h).enumerate() {
                if vertical {
                    // stored (sx, sy) → upright (W − 1 − sy, sx), W = the
                    // stored plane's height = the upright one's width.
                    let x = dst_w - 1 - (oy + ty);
                    for (tx, &v) in row.iter().enumerate() {
                        if let Some(d) = dst.get_mut((ox + tx) * dst_w + x) {
                            *d = v;
                        }
                    }
                } else {
                    let d = (oy + ty) * dst_w + ox;
                    if let Some(d) = dst.get_mut(d..d + w) {
                        d.copy_from_slice(row);
                    }
                }
            }
        }
    }
    Ok(Placed::One(Box::new(Frame {
        width: uw as u32,
        height: uh as u32,
        kind: FrameKind::YCbCr(out_layout),
        data: out,
        palette: None,
    })))
}

/// What [`place_tiles`] made: the one tile that is the whole picture (or
/// tiles joined as Y′CbCr planes, [`place_planes`]), or the tiles joined
/// (width, height, pixels of the `bpp` asked for).
#[derive(Debug)]
enum Placed {
    One(Box<Frame>),
    Grid(u32, u32, Vec<u8>),
}

impl Placed {
    /// As a picture (a tile kept as planes stays so).
    fn into_image(self) -> RgbaImage {
        match self {
            Placed::One(f) => RgbaImage::from_frame(*f),
            Placed::Grid(w, h, data) => RgbaImage::new(w, h, data),
        }
    }

    /// As a hot spot map.
    fn into_ids(self) -> IdImage {
        match self {
            Placed::One(f) => IdImage {
                width: f.width,
                height: f.height,
                data: frame_pixels(*f, 1),
            },
            Placed::Grid(width, height, data) => IdImage {
                width,
                height,
                data,
            },
        }
    }
}

/// Groups cube tiles into faces and builds one planar surface per face.
fn cube_surfaces(
    node: NodeId,
    faces: &[CubeFace],
    frames: Vec<Frame>,
    hotspots: Option<Vec<Frame>>,
    warnings: &mut Vec<Warning>,
    limits: &Limits,
) -> Result<Vec<Surface>, AssembleError> {
    let n = faces.len().min(frames.len());
    if faces.len() != frames.len() {
        warnings.push(Warning::general(format!(
            "node {node}: {} cube face entries for {} tiles; using {n}",
            faces.len(),
            frames.len()
        )));
    }
    let hotspots = hotspots.filter(|h| {
        let ok = h.len() >= n;
        if !ok {
            warnings.push(Warning::general(format!(
                "node {node}: the hot spot track has {} tiles for {n} faces; hot spots not shown",
                h.len()
            )));
        }
        ok
    });
    let sizes: Vec<[u32; 2]> = frames.iter().map(|f| [f.width, f.height]).collect();
    let hs_sizes: Option<Vec<[u32; 2]>> = hotspots
        .as_ref()
        .map(|h| h.iter().map(|f| [f.width, f.height]).collect());
    // Each group takes its tiles out as it is joined.
    let mut frames: Vec<Option<Frame>> = frames.into_iter().map(Some).collect();
    let mut hotspots: Option<Vec<Option<Frame>>> =
        hotspots.map(|h| h.into_iter().map(Some).collect());
    let mut out = Vec::new();
    for group in group_tiles(&faces[..n], &sizes) {
        check_cancelled(node)?;
        let first = group.tiles[0];
        let th = sizes[first][1];
        let plane = if group.cols * group.rows == 1 {
            Plane::from_cufa(&faces[first], th)
        } else {
            Plane::from_parts(
                &faces[first],
                group.rows as f64,
                group.mean_centre,
                th * group.rows as u32,
            )
        };
        let Some(plane) = plane else {
            warnings.push(Warning::general(format!(
                "node {node}: cube face entry {} is degenerate; its tile is not shown",
                first + 1
            )));
            continue;
        };
        let image = join_grid(node, &mut frames, &group, 4, limits)?;
        let hs = match (hotspots.as_mut(), hs_sizes.as_ref()) {
            (Some(h), Some(hs)) => {
                let sizes_match = group.tiles.iter().all(|&i| hs[i] == hs[first]);
                if sizes_match {
                    Some(join_grid(node, h, &group, 1, limits)?.into_ids())
                } else {
                    None
                }
            }
            _ => None,
        };
        out.push(Surface {
            geometry: Geometry::Plane(plane),
            image: image.into_image(),
            hotspots: hs,
        });
    }
    if out.is_empty() {
        return Err(AssembleError::NoFaces { node });
    }
    Ok(out)
}

/// Tiles joined into one face: indexes row-major from the top-left.
struct TileGroup {
    tiles: Vec<usize>,
    cols: usize,
    rows: usize,
    mean_centre: [f64; 2],
}

/// Groups tiles that share orientation, focal length, aspect, skew and size and
/// whose centres form a complete grid 2 half-tile units apart (how writers cut
/// a face into n×m tiles). Everything else stays a group of one.
fn group_tiles(faces: &[CubeFace], sizes: &[[u32; 2]]) -> Vec<TileGroup> {
    let key = |i: usize| {
        let f = &faces[i];
        let q = f.orientation;
        // q and −q are the same rotation.
        let sign = if q.iter().find(|c| c.abs() > 1e-4).is_some_and(|c| *c < 0.0) {
            -1.0
        } else {
            1.0
        };
        let r = |v: f32| (v * 1000.0).round() as i64;
        (
            [
                r(q[0] * sign),
                r(q[1] * sign),
                r(q[2] * sign),
                r(q[3] * sign),
            ],
            r(f.aspect),
            r(f.skew),
            sizes[i][0],
            sizes[i][1],
        )
    };
    let mut groups: Vec<(_, Vec<usize>)> = Vec::new();
    for i in 0..faces.len() {
        let k = key(i);
        match groups.iter_mut().find(|(gk, _)| *gk == k) {
            Some((_, v)) => v.push(i),
            None => groups.push((k, vec![i])),
        }
    }
    let mut out = Vec::new();
    for (_, members) in groups {
        match as_grid(faces, &members) {
            Some(g) => out.push(g),
            None => out.extend(members.into_iter().map(|i| TileGroup {
                tiles: vec![i],
                cols: 1,
                rows: 1,
                mean_centre: faces[i].center.map(f64::from),
            })),
        }
    }
    out
}

fn as_grid(faces: &[CubeFace], members: &[usize]) -> Option<TileGroup> {
    if members.len() < 2 {
        return None;
    }
    let mut xs: Vec<f32> = Vec::new();
    let mut ys: Vec<f32> = Vec::new();
    for &i in members {
        let c = faces[i].center;
        if !xs.iter().any(|x| (x - c[0]).abs() < 0.01) {
            xs.push(c[0]);
        }
        if !ys.iter().any(|y| (y - c[1]).abs() < 0.01) {
            ys.push(c[1]);
        }
    }
    xs.sort_by(f32::total_cmp);
    ys.sort_by(|a, b| b.total_cmp(a)); // +y up: the top row first
    let evenly = |v: &[f32]| {
        v.windows(2)
            .all(|w| ((w[1] - w[0]).abs() - 2.0).abs() < 0.01)
    };
    if xs.len() * ys.len() != members.len() || !evenly(&xs) || !evenly(&ys) {
        return None;
    }
    let mut tiles = vec![usize::MAX; members.len()];
    for &i in members {
        let c = faces[i].center;
        let col = xs.iter().position(|x| (x - c[0]).abs() < 0.01)?;
        let row = ys.iter().position(|y| (y - c[1]).abs() < 0.01)?;
        let slot = &mut tiles[row * xs.len() + col];
        if *slot != usize::MAX {
            return None; // two tiles in one place
        }
        *slot = i;
    }
    let mean = |v: &[f32]| v.iter().map(|x| f64::from(*x)).sum::<f64>() / v.len() as f64;
    Some(TileGroup {
        tiles,
        cols: xs.len(),
        rows: ys.len(),
        mean_centre: [mean(&xs), mean(&ys)],
    })
}

/// Joins a group's tiles into one picture, taking them out of `frames`.
fn join_grid(
    node: NodeId,
    frames: &mut [Option<Frame>],
    group: &TileGroup,
    bpp: usize,
    limits: &Limits,
) -> Result<Placed, AssembleError> {
    // Groups partition the tiles, so each is still there.
    let grid: Vec<Frame> = group
        .tiles
        .iter()
        .filter_map(|&i| frames.get_mut(i).and_then(Option::take))
        .collect();
    if grid.len() != group.tiles.len() {
        return Err(AssembleError::NoTiles { node });
    }
    place_tiles(node, grid, [group.cols, group.rows], false, bpp, limits)
}

#[cfg(test)]
mod tests;
