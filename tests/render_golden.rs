//! Golden tests for the GPU renderer: headless renders compared with an
//! independent CPU reference projection written here (f64, bilinear).
//!
//! The reference follows the format's description, not the renderer's code:
//! cameras are built from rotations, cylinders from the pan range and radius,
//! cube faces and tiles through the `[x, y, 1]·P·R` matrix of the `cufa`
//! description (inverted numerically), and lossless generated movies use the
//! generator's own source pictures instead of our decoder and assembly.
//!
//! Per view: mean absolute error ≤ 2/255 and at most 0.5% of pixels off by more
//! than 16/255. On failure, `target/golden/<name>-{actual,expected,diff}.png`.
//! Views are chosen so the picture is magnified (mip level 0): the reference is
//! bilinear.

mod common;

use std::path::Path;
use std::sync::{Mutex, OnceLock};

use qtvr::render::{Gpu, NEUTRAL, Renderer, UploadOptions};
use qtvr::view::Shot;
use qtvr_format::assemble::{self, NodePicture};
use qtvr_format::codec::Frame;
use qtvr_format::qtvr::scene::{
    CubeFace, CylinderOrientation, Node, NodeContent, NodeId, Panorama, Projection, TrackId, View,
};
use qtvr_format::tiles::{self, DecodeOptions, Role};

// ---------------------------------------------------------------- reference

/// A picture in the reference: RGBA, row-major.
#[derive(Clone)]
struct Pic {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl Pic {
    fn from_frame(f: &Frame) -> Pic {
        Pic {
            w: f.width as usize,
            h: f.height as usize,
            px: f.to_rgba(),
        }
    }
    fn at(&self, x: usize, y: usize) -> [f64; 4] {
        let i = (y * self.w + x) * 4;
        std::array::from_fn(|c| f64::from(self.px[i + c]))
    }
    /// Bilinear at pixel-centre coordinates (x, y); x wraps when asked, else clamps.
    fn bilinear(&self, x: f64, y: f64, wrap_x: bool) -> [f64; 4] {
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let ix = |i: i64| {
            if wrap_x {
                i.rem_euclid(self.w as i64) as usize
            } else {
                i.clamp(0, self.w as i64 - 1) as usize
            }
        };
        let iy = |i: i64| i.clamp(0, self.h as i64 - 1) as usize;
        let (x0, y0) = (x0 as i64, y0 as i64);
        let a = self.at(ix(x0), iy(y0));
        let b = self.at(ix(x0 + 1), iy(y0));
        let c = self.at(ix(x0), iy(y0 + 1));
        let d = self.at(ix(x0 + 1), iy(y0 + 1));
        std::array::from_fn(|k| {
            (a[k] * (1.0 - fx) + b[k] * fx) * (1.0 - fy) + (c[k] * (1.0 - fx) + d[k] * fx) * fy
        })
    }
}

type M3 = [[f64; 3]; 3];

fn mul(a: &M3, b: &M3) -> M3 {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum()))
}

fn transpose(a: &M3) -> M3 {
    std::array::from_fn(|i| std::array::from_fn(|j| a[j][i]))
}

fn inverse(m: &M3) -> M3 {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    let c =
        |r0: usize, c0: usize, r1: usize, c1: usize| m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
    let adj = [
        [c(1, 1, 2, 2), -c(0, 1, 2, 2), c(0, 1, 1, 2)],
        [-c(1, 0, 2, 2), c(0, 0, 2, 2), -c(0, 0, 1, 2)],
        [c(1, 0, 2, 1), -c(0, 0, 2, 1), c(0, 0, 1, 1)],
    ];
    adj.map(|r| r.map(|v| v / det))
}

/// Rotation matrix (column-vector convention) of a unit quaternion [w, x, y, z].
fn quat_matrix(q: [f64; 4]) -> M3 {
    let [w, x, y, z] = q;
    [
        [
            1.0 - 2.0 * (y * y + z * z),
            2.0 * (x * y - w * z),
            2.0 * (x * z + w * y),
        ],
        [
            2.0 * (x * y + w * z),
            1.0 - 2.0 * (x * x + z * z),
            2.0 * (y * z - w * x),
        ],
        [
            2.0 * (x * z - w * y),
            2.0 * (y * z + w * x),
            1.0 - 2.0 * (x * x + y * y),
        ],
    ]
}

/// A cube face or tile: its picture and the inverse of its `P·R` matrix.
struct RefTile {
    pic: Pic,
    inv: M3,
}

impl RefTile {
    /// From a `cufa` entry, as the format describes it: n = (h − 1)/2,
    /// f = |q|²·n, c = centre·n, q′ = q/|q| with w negated,
    /// R = transpose(rowVectorMatrix(q′)), world = [x, y, 1]·P·R.
    fn new(pic: Pic, f: &CubeFace) -> RefTile {
        let q = f.orientation.map(f64::from);
        let norm2: f64 = q.iter().map(|v| v * v).sum();
        let norm = norm2.sqrt();
        let qn = [-q[0] / norm, q[1] / norm, q[2] / norm, q[3] / norm];
        let row_vector_matrix = transpose(&quat_matrix(qn));
        let r = transpose(&row_vector_matrix);
        let (w, h) = (pic.w as f64, pic.h as f64);
        let n = (h - 1.0) / 2.0;
        let focal = norm2 * n;
        let (cx, cy) = (f64::from(f.center[0]) * n, f64::from(f.center[1]) * n);
        let (a, k) = (f64::from(f.aspect), f64::from(f.skew));
        let cyp = ((h - 1.0) / 2.0 + cy) / focal;
        let p = [
            [-a / focal, 0.0, 0.0],
            [-k / focal, 1.0 / focal, 0.0],
            [((w - 1.0) / 2.0 - cx) * a / focal + k * cyp, -cyp, 1.0],
        ];
        RefTile {
            pic,
            inv: inverse(&mul(&p, &r)),
        }
    }

    /// How squarely a world ray meets this tile's plane: the cosine between
    /// the ray and the plane's normal (its picture's centre line, +1 face on).
    fn facing(&self, d: [f64; 3]) -> f64 {
        // The plane's normal in world space: the row of M whose [x, y, 1]
        // weight is the constant term, minus the in-plane parts: its
        // direction is that of x-axis × y-axis.
        let m = inverse(&self.inv);
        let n = [
            m[0][1] * m[1][2] - m[0][2] * m[1][1],
            m[0][2] * m[1][0] - m[0][0] * m[1][2],
            m[0][0] * m[1][1] - m[0][1] * m[1][0],
        ];
        let sign = if (0..3).map(|i| n[i] * m[2][i]).sum::<f64>() < 0.0 {
            -1.0
        } else {
            1.0
        };
        let dot: f64 = (0..3).map(|i| n[i] * d[i]).sum::<f64>() * sign;
        let len = |v: [f64; 3]| v.iter().map(|c| c * c).sum::<f64>().sqrt();
        dot / (len(n) * len(d))
    }

    /// The pixel-centre position of a world ray on this tile, if it is on it.
    fn locate(&self, d: [f64; 3]) -> Option<[f64; 2]> {
        // [x, y, 1]·M = λ·d  ⇒  [x, y, 1] = λ·d·M⁻¹
        let v: [f64; 3] = std::array::from_fn(|j| (0..3).map(|i| d[i] * self.inv[i][j]).sum());
        if v[2] <= 0.0 {
            return None;
        }
        let (x, y) = (v[0] / v[2], v[1] / v[2]);
        let (w, h) = (self.pic.w as f64, self.pic.h as f64);
        (x >= -0.5 && x <= w - 0.5 && y >= -0.5 && y <= h - 0.5).then_some([x, y])
    }
}

/// Bilinear on a cube tile; neighbours beyond its edge are the texels of the
/// adjoining tile in that direction (nearest), so seams blend as on a real cube.
fn cube_bilinear(tiles: &[RefTile], i: usize, x: f64, y: f64) -> [f64; 4] {
    let t = &tiles[i];
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let texel = |ix: f64, iy: f64| -> [f64; 4] {
        if ix >= 0.0 && iy >= 0.0 && ix < t.pic.w as f64 && iy < t.pic.h as f64 {
            return t.pic.at(ix as usize, iy as usize);
        }
        // The world ray of that texel centre: [x, y, 1]·M, M = inverse(inv).
        let m = inverse(&t.inv);
        let d: [f64; 3] = std::array::from_fn(|j| ix * m[0][j] + iy * m[1][j] + m[2][j]);
        for (k, o) in tiles.iter().enumerate() {
            if k == i {
                continue;
            }
            if let Some([ox, oy]) = o.locate(d) {
                let cx = ox.round().clamp(0.0, o.pic.w as f64 - 1.0);
                let cy = oy.round().clamp(0.0, o.pic.h as f64 - 1.0);
                return o.pic.at(cx as usize, cy as usize);
            }
        }
        t.pic.at(
            ix.clamp(0.0, t.pic.w as f64 - 1.0) as usize,
            iy.clamp(0.0, t.pic.h as f64 - 1.0) as usize,
        )
    };
    let a = texel(x0, y0);
    let b = texel(x0 + 1.0, y0);
    let c = texel(x0, y0 + 1.0);
    let d = texel(x0 + 1.0, y0 + 1.0);
    std::array::from_fn(|k| {
        (a[k] * (1.0 - fx) + b[k] * fx) * (1.0 - fy) + (c[k] * (1.0 - fx) + d[k] * fx) * fy
    })
}

enum Reference {
    Cylinder { pic: Pic, pan: [f64; 2] },
    Cube(Vec<RefTile>),
}

impl Reference {
    fn sample(&self, d: [f64; 3]) -> [f64; 4] {
        let neutral = NEUTRAL.map(f64::from);
        match self {
            Reference::Cylinder { pic, pan } => {
                let range = pan[1] - pan[0];
                let wraps = range >= 359.99;
                let theta = d[0].atan2(d[2]).to_degrees();
                let mid = (pan[0] + pan[1]) / 2.0;
                let off = (mid - theta + 540.0).rem_euclid(360.0) - 180.0; // (-180, 180]
                let along = off + range / 2.0; // degrees from the left edge
                let (w, h) = (pic.w as f64, pic.h as f64);
                let radius = w * 360.0 / (2.0 * std::f64::consts::PI * range);
                let u = along.rem_euclid(if wraps { 360.0 } else { f64::INFINITY }) / range * w;
                let v = h / 2.0 + d[1] * radius / (d[0] * d[0] + d[2] * d[2]).sqrt();
                if !(0.0..=w).contains(&u) || !(0.0..=h).contains(&v) {
                    return neutral;
                }
                pic.bilinear(u - 0.5, v - 0.5, wraps)
            }
            Reference::Cube(tiles) => {
                // A ray crosses a cube through one face: where the tiles
                // of two faces overlap (a standard face reaches half a
                // texel past its edge), the one facing the ray most, then
                // the first in order.
                let mut best: Option<(f64, usize, [f64; 2])> = None;
                for (i, t) in tiles.iter().enumerate() {
                    if let Some(at) = t.locate(d) {
                        let facing = t.facing(d);
                        if best.is_none_or(|(f, _, _)| facing > f + 1e-9) {
                            best = Some((facing, i, at));
                        }
                    }
                }
                best.map_or(neutral, |(_, i, [x, y])| cube_bilinear(tiles, i, x, y))
            }
        }
    }

    /// The reference picture of a perspective view.
    fn render(&self, v: View, w: usize, h: usize) -> Vec<u8> {
        let t = (f64::from(v.fov).to_radians() / 2.0).tan();
        let (pan, tilt) = (
            f64::from(v.pan).to_radians(),
            f64::from(v.tilt).to_radians(),
        );
        let mut out = vec![0u8; w * h * 4];
        for y in 0..h {
            for x in 0..w {
                // Camera frame: x right, y up, z forward.
                let cx = (2.0 * (x as f64 + 0.5) / w as f64 - 1.0) * t * w as f64 / h as f64;
                let cy = (1.0 - 2.0 * (y as f64 + 0.5) / h as f64) * t;
                // Tilt: turn about the camera's x axis.
                let (cy, cz) = (cy * tilt.cos() + tilt.sin(), -cy * tilt.sin() + tilt.cos());
                // Into world axes at pan 0 (X left, Y down, Z front), then pan about Y.
                let (wx, wy, wz) = (-cx, -cy, cz);
                let (wx, wz) = (
                    wx * pan.cos() + wz * pan.sin(),
                    -wx * pan.sin() + wz * pan.cos(),
                );
                let c = self.sample([wx, wy, wz]);
                for k in 0..4 {
                    out[(y * w + x) * 4 + k] = c[k].round().clamp(0.0, 255.0) as u8;
                }
            }
        }
        out
    }
}

// ---------------------------------------------------------------- plumbing

fn gpu() -> &'static Mutex<Gpu> {
    static GPU: OnceLock<Mutex<Gpu>> = OnceLock::new();
    GPU.get_or_init(|| {
        Mutex::new(Gpu::headless().expect(
            "no graphics adapter: install mesa-vulkan-drivers (lavapipe) or run on a machine with a GPU",
        ))
    })
}

fn render(
    pic: &NodePicture,
    opts: UploadOptions,
    views: &[(String, View)],
    w: u32,
    h: u32,
) -> Vec<(String, View, Vec<u8>)> {
    let gpu = gpu().lock().unwrap_or_else(|e| e.into_inner());
    let mut r = Renderer::new(&gpu);
    r.set_picture(&gpu, pic.clone(), &[], opts).expect("upload");
    views
        .iter()
        .map(|(name, v)| {
            let img = r
                .render_image(&gpu, &Shot::Perspective(*v), w, h, false)
                .expect("render");
            (name.clone(), *v, img.into_rgba())
        })
        .collect()
}

/// Compares; returns a failure message (and writes PNGs) when off.
fn compare(name: &str, actual: &[u8], expected: &[u8], w: usize, h: usize) -> Option<String> {
    let mut sum = 0u64;
    let mut off = 0usize;
    let mut diff = vec![0u8; w * h * 4];
    for i in 0..w * h {
        let mut worst = 0u8;
        for c in 0..3 {
            let d = actual[i * 4 + c].abs_diff(expected[i * 4 + c]);
            sum += u64::from(d);
            worst = worst.max(d);
            diff[i * 4 + c] = d.saturating_mul(8);
        }
        diff[i * 4 + 3] = 255;
        if worst > 16 {
            off += 1;
        }
    }
    let mae = sum as f64 / (w * h * 3) as f64;
    let frac = off as f64 / (w * h) as f64;
    if mae <= 2.0 && frac <= 0.005 {
        return None;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden");
    let _ = std::fs::create_dir_all(&dir);
    let save = |suffix: &str, px: &[u8]| {
        let p = dir.join(format!("{name}-{suffix}.png"));
        let _ = image::save_buffer(&p, px, w as u32, h as u32, image::ExtendedColorType::Rgba8);
        p
    };
    save("actual", actual);
    save("expected", expected);
    let p = save("diff", &diff);
    Some(format!(
        "{name}: mean abs error {mae:.2}/255, {:.2}% pixels off by > 16/255 (see {})",
        frac * 100.0,
        p.display()
    ))
}

fn check(
    name: &str,
    reference: &Reference,
    pic: &NodePicture,
    opts: UploadOptions,
    views: &[(String, View)],
    w: u32,
    h: u32,
) -> Vec<String> {
    let mut failures = Vec::new();
    for (vname, v, actual) in render(pic, opts, views, w, h) {
        let expected = reference.render(v, w as usize, h as usize);
        let label = format!("{name}-{vname}");
        match compare(&label, &actual, &expected, w as usize, h as usize) {
            Some(f) => failures.push(f),
            None => eprintln!("ok {label} (pan {} tilt {} fov {})", v.pan, v.tilt, v.fov),
        }
    }
    failures
}

fn view(name: &str, pan: f64, tilt: f64, fov: f64) -> (String, View) {
    (
        name.to_string(),
        View {
            pan: pan as f32,
            tilt: tilt as f32,
            fov: fov as f32,
        },
    )
}

/// Views of a cylinder: default, across the 360° seam (or the edge of a partial
/// one), at both tilt limits, across a tile edge.
fn cylinder_views(p: &Panorama, fov: f64, tiles: u32) -> Vec<(String, View)> {
    let [pmin, pmax] = p.image_pan.map(f64::from);
    let [tmin, tmax] = p.limits.tilt.map(f64::from);
    let range = pmax - pmin;
    let mut v = vec![
        view("default", f64::from(p.limits.default.pan), 0.0, fov),
        view("seam", pmax, 0.0, fov),
        view("tilt-top", (pmin + pmax) / 2.0, tmax - fov / 2.0, fov),
        view("tilt-bottom", pmin + range / 3.0, tmin + fov / 2.0, fov),
        view(
            "tile-edge",
            pmax - range / f64::from(tiles.max(1)),
            (tmax - fov / 2.0) * 0.5,
            fov,
        ),
    ];
    if range < 359.0 {
        v[1] = view("edge", pmax - fov / 3.0, 0.0, fov);
    }
    v
}

/// Views of a cube: a face centre, across a vertical edge, into a corner, up, down,
/// across a tile edge (n×n tiles: tangent 1 − 2/n).
fn cube_views(fov: f64, n: u32) -> Vec<(String, View)> {
    let tile_edge = (1.0 - 2.0 / f64::from(n.max(1))).atan().to_degrees();
    vec![
        view("front", 0.0, 0.0, fov),
        view("edge", 45.0, 0.0, fov),
        view("corner", 135.0, 35.26, fov),
        view("up", 20.0, 90.0, fov),
        view("down", 250.0, -70.0, fov),
        view("tile-edge", tile_edge, 10.0, fov),
    ]
}

// ---------------------------------------------------------------- fixtures made here

/// A smooth but detailed test pattern (stripes, rings and a grid) as RGBA.
fn pattern(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f64, y as f64);
            let r = 128.0 + 100.0 * (fx * 0.09 + seed as f64).sin() * (fy * 0.05).cos();
            let g = 128.0 + 90.0 * ((fx + fy) * 0.031 + seed as f64 * 0.7).sin();
            let grid = if x % 16 == 0 || y % 16 == 0 {
                60.0
            } else {
                0.0
            };
            let b = (40.0 * seed as f64 + fx * 0.7 + fy * 0.3) % 200.0 + grid;
            v.extend_from_slice(&[r as u8, g as u8, b.min(255.0) as u8, 255]);
        }
    }
    v
}

fn rgba_frame(w: u32, h: u32, data: Vec<u8>) -> Frame {
    Frame {
        width: w,
        height: h,
        kind: qtvr_format::codec::FrameKind::Rgba,
        data,
        palette: None,
    }
}

fn decoded(frames: Vec<Frame>) -> tiles::DecodedTrack {
    tiles::DecodedTrack {
        track_id: TrackId(1),
        tiles: frames
            .into_iter()
            .enumerate()
            .map(|(sample, frame)| tiles::Tile {
                sample,
                frame,
                status: tiles::TileStatus::Decoded,
            })
            .collect(),
        warnings: Vec::new(),
    }
}

fn panorama_model(projection: Projection, grid: [u32; 2], pan: [f32; 2]) -> Panorama {
    // Only the fields assembly reads matter here; the rest are plausible.
    let limits = qtvr_format::qtvr::scene::ViewLimits {
        pan,
        tilt: [-30.0, 30.0],
        fov: [5.0, 90.0],
        default: View {
            pan: 0.0,
            tilt: 0.0,
            fov: 45.0,
        },
        wraps: pan[1] - pan[0] >= 359.99,
        source: "test",
    };
    let track = qtvr_format::qtvr::scene::TrackUse {
        track_id: qtvr_format::qtvr::TrackId(1),
        codec: qtvr_format::container::FourCC::new(b"raw "),
        first_sample: 1,
        sample_count: 0,
        width: 0,
        height: 0,
        depth: 32,
        samples: Vec::new(),
    };
    Panorama {
        projection,
        image_size: [0, 0],
        tile_grid: grid,
        image_pan: pan,
        limits,
        constraints: Default::default(),
        image_track: track,
        hotspot_track: None,
        hotspot_image_size: None,
        preview_track: None,
        low_res_tracks: Vec::new(),
    }
}

/// Rotates an RGBA picture 90° counter-clockwise (as vertical cylinders store tiles).
fn rotate_ccw(w: u32, h: u32, px: &[u8]) -> Vec<u8> {
    // out is h wide, w tall: out(x', y') = in(w − 1 − y', x')
    let (w, h) = (w as usize, h as usize);
    let mut out = vec![0u8; px.len()];
    for yo in 0..w {
        for xo in 0..h {
            let (xi, yi) = (w - 1 - yo, xo);
            out[(yo * h + xo) * 4..(yo * h + xo) * 4 + 4]
                .copy_from_slice(&px[(yi * w + xi) * 4..(yi * w + xi) * 4 + 4]);
        }
    }
    out
}

#[test]
fn made_here_vertical_cylinder_split_and_whole() {
    // 1536×384 upright, 12 rotated tiles (first = right-most strip), full circle.
    let (w, h, n) = (1536u32, 384u32, 12u32);
    let upright = pattern(w, h, 1);
    let strip_w = w / n;
    let mut frames = Vec::new();
    for i in 0..n {
        // tile i = strip from the right: x in [w − (i+1)·sw, w − i·sw)
        let x0 = (w - (i + 1) * strip_w) as usize;
        let mut strip = Vec::new();
        for y in 0..h as usize {
            strip.extend_from_slice(
                &upright[(y * w as usize + x0) * 4..(y * w as usize + x0 + strip_w as usize) * 4],
            );
        }
        frames.push(rgba_frame(h, strip_w, rotate_ccw(strip_w, h, &strip)));
    }
    let proj = Projection::Cylinder {
        orientation: CylinderOrientation::Vertical,
        legacy_flags: false,
        first_tile: CylinderOrientation::Vertical.first_tile(),
    };
    let p = panorama_model(proj, [1, n], [0.0, 360.0]);
    let pic =
        assemble::panorama(NodeId(1), &p, decoded(frames), None, &Default::default()).unwrap();
    assert_eq!(
        (pic.surfaces[0].image.width, pic.surfaces[0].image.height),
        (w, h)
    );
    assert_eq!(
        pic.surfaces[0].image.rgba().into_owned(),
        upright,
        "assembled upright image"
    );
    let reference = Reference::Cylinder {
        pic: Pic {
            w: w as usize,
            h: h as usize,
            px: upright,
        },
        pan: [0.0, 360.0],
    };
    // texels per degree 4.27; 240 px tall → fov ≤ 56° keeps magnification
    let mut views = cylinder_views(&p, 40.0, n);
    views.push(view(
        "split-page-edge",
        360.0 - 512.0 / w as f64 * 360.0,
        5.0,
        30.0,
    ));
    let mut failures = check(
        "made-vcyl",
        &reference,
        &pic,
        UploadOptions::default(),
        &views,
        320,
        240,
    );
    // Forced into 3 pages of 512 texels: the split must not show.
    let split = UploadOptions {
        max_texture_side: Some(512 + 16),
        ..UploadOptions::default()
    };
    failures.extend(check(
        "made-vcyl-split",
        &reference,
        &pic,
        split,
        &views,
        320,
        240,
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn made_here_partial_horizontal_cylinder() {
    let (w, h, n) = (900u32, 300u32, 3u32);
    let upright = pattern(w, h, 2);
    let tw = w / n;
    let frames = (0..n)
        .map(|i| {
            let mut t = Vec::new();
            for y in 0..h as usize {
                let x0 = (i * tw) as usize;
                t.extend_from_slice(
                    &upright[(y * w as usize + x0) * 4..(y * w as usize + x0 + tw as usize) * 4],
                );
            }
            rgba_frame(tw, h, t)
        })
        .collect();
    let proj = Projection::Cylinder {
        orientation: CylinderOrientation::Horizontal,
        legacy_flags: false,
        first_tile: CylinderOrientation::Horizontal.first_tile(),
    };
    let p = panorama_model(proj, [n, 1], [20.0, 200.0]);
    let pic =
        assemble::panorama(NodeId(1), &p, decoded(frames), None, &Default::default()).unwrap();
    let reference = Reference::Cylinder {
        pic: Pic {
            w: w as usize,
            h: h as usize,
            px: upright,
        },
        pan: [20.0, 200.0],
    };
    let mut views = cylinder_views(&p, 40.0, n);
    views.push(view("beyond-edge", 205.0, 0.0, 40.0)); // half the view is outside: neutral
    let failures = check(
        "made-partial",
        &reference,
        &pic,
        UploadOptions::default(),
        &views,
        320,
        240,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Quaternion product a·b ([w, x, y, z]).
fn qmul(a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
    [
        a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
        a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
        a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
        a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
    ]
}

#[test]
fn made_here_nonstandard_tiled_cube() {
    // Six 256² faces in 2×2 tiles of 128². The left face's tiles are stored
    // rotated 90° counter-clockwise, with their orientation and centres turned
    // to match, and the order of the samples is shuffled: placement must come
    // from `cufa` alone.
    let (f, n) = (256u32, 2u32);
    let t = f / n;
    let faces: Vec<Vec<u8>> = (0..6).map(|i| pattern(f, f, 10 + i)).collect();
    let std_tiled = CubeFace::standard_tiled(n);
    let c = std::f32::consts::FRAC_1_SQRT_2;
    let mut frames = Vec::new();
    let mut cufa = Vec::new();
    for (k, entry) in std_tiled.iter().enumerate() {
        let (face, r, col) = (k / 4, (k % 4) / 2, k % 2);
        let mut tile = Vec::new();
        for y in 0..t as usize {
            let row = (r * t as usize + y) * f as usize + col * t as usize;
            tile.extend_from_slice(&faces[face][row * 4..(row + t as usize) * 4]);
        }
        let mut e = *entry;
        let mut stored = tile.clone();
        if face == 3 {
            stored = rotate_ccw(t, t, &tile);
            // Turn the tile about its own view axis, and its centre with it.
            e.orientation = qmul(e.orientation, [c, 0.0, 0.0, -c]);
            e.center = [-e.center[1], e.center[0]];
        }
        frames.push(rgba_frame(t, t, stored));
        cufa.push(e);
    }
    // Shuffle the storage order (a cube's tiles are placed by cufa, not by order).
    let order: Vec<usize> = (0..24).map(|i| (i * 7) % 24).collect();
    let frames: Vec<Frame> = order.iter().map(|&i| frames[i].clone()).collect();
    let cufa: Vec<CubeFace> = order.iter().map(|&i| cufa[i]).collect();
    let p = panorama_model(
        Projection::Cube {
            faces: cufa,
            standard: false,
        },
        [8, 3],
        [0.0, 360.0],
    );
    let pic =
        assemble::panorama(NodeId(1), &p, decoded(frames), None, &Default::default()).unwrap();
    // Each face's tiles are joined, the rotated ones in their own frame.
    assert_eq!(pic.surfaces.len(), 6);
    let std = CubeFace::standard();
    let reference = Reference::Cube(
        faces
            .iter()
            .zip(&std)
            .map(|(px, q)| {
                RefTile::new(
                    Pic {
                        w: f as usize,
                        h: f as usize,
                        px: px.clone(),
                    },
                    q,
                )
            })
            .collect(),
    );
    let views = cube_views(45.0, n);
    let failures = check(
        "made-cube",
        &reference,
        &pic,
        UploadOptions::default(),
        &views,
        320,
        240,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A first view's layers first, the rest later: every view drawn after a
/// picture uploaded with a `first_view` (one face, then views showing the
/// others before and after `finish_upload`) is the view drawn after a whole
/// upload, to the byte; the layers left for later are made before the first
/// draw that shows one of them.
#[test]
fn layers_left_for_later_come_before_any_view_that_shows_them() {
    // Faces large enough for layers to be left for later (32 MiB of textures).
    let f = 1100u32;
    let frames: Vec<Frame> = (0..6)
        .map(|i| rgba_frame(f, f, pattern(f, f, 30 + i)))
        .collect();
    let p = panorama_model(
        Projection::Cube {
            faces: CubeFace::standard().to_vec(),
            standard: true,
        },
        [6, 1],
        [0.0, 360.0],
    );
    let pic =
        assemble::panorama(NodeId(1), &p, decoded(frames), None, &Default::default()).unwrap();
    let (w, h) = (160u32, 120u32);
    let front = Shot::Perspective(View {
        pan: 0.0,
        tilt: 0.0,
        fov: 40.0,
    });
    let others = [
        (25.0, 0.0, 40.0),
        (180.0, 10.0, 60.0),
        (30.0, 70.0, 90.0),
        (0.0, 0.0, 40.0),
    ]
    .map(|(pan, tilt, fov)| Shot::Perspective(View { pan, tilt, fov }));
    let gpu = gpu().lock().unwrap_or_else(|e| e.into_inner());
    let mut whole = Renderer::new(&gpu);
    whole
        .set_picture(&gpu, pic.clone(), &[], UploadOptions::default())
        .unwrap();
    assert!(!whole.upload_pending());
    let want = |shot: &Shot, r: &mut Renderer| {
        r.render_image(&gpu, shot, w, h, false).unwrap().into_rgba()
    };
    let first = UploadOptions {
        first_view: Some((front, [w, h])),
        ..UploadOptions::default()
    };
    // Drawn as they come: the front first, then the others.
    let mut later = Renderer::new(&gpu);
    later.set_picture(&gpu, pic.clone(), &[], first).unwrap();
    assert!(later.upload_pending(), "a narrow front view shows one face");
    assert!(
        want(&front, &mut later) == want(&front, &mut whole),
        "front"
    );
    assert!(later.upload_pending(), "the front view needs nothing more");
    // A view turned to the left shows the left face too: made first.
    for (i, shot) in others.iter().enumerate() {
        assert!(want(shot, &mut later) == want(shot, &mut whole), "view {i}");
    }
    assert!(!later.upload_pending());
    // Finished before any other draw.
    let mut finished = Renderer::new(&gpu);
    finished.set_picture(&gpu, pic, &[], first).unwrap();
    finished.finish_upload(&gpu);
    assert!(!finished.upload_pending());
    for (i, shot) in others.iter().enumerate() {
        assert!(
            want(shot, &mut finished) == want(shot, &mut whole),
            "finished, view {i}"
        );
    }
}

// ---------------------------------------------------------------- sample movies

/// The reference picture(s) of a sample's panorama node: the generator's source
/// picture when the codec is lossless, else our decoded tiles placed here.
fn sample_reference(path: &Path, node: &Node, p: &Panorama, tiles: &[Frame]) -> Reference {
    let json = path.with_extension("json");
    let truth = std::fs::read_to_string(&json)
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok());
    let lossless = truth
        .as_ref()
        .and_then(|t| {
            t["nodes"]
                .as_array()?
                .iter()
                .find(|n| n["id"] == node.id.0)?["lossless"]
                .as_bool()
        })
        .unwrap_or(false);
    let truth_png = path.with_extension(format!("{}.png", node.id));
    let truth_pic = (lossless && truth_png.exists()).then(|| {
        let img = image::open(&truth_png).expect("truth png").to_rgba8();
        Pic {
            w: img.width() as usize,
            h: img.height() as usize,
            px: img.into_raw(),
        }
    });
    match &p.projection {
        Projection::Cylinder { orientation, .. } => {
            let pic = truth_pic.unwrap_or_else(|| {
                // Place the tiles: vertical cylinders turn each tile upright
                // (90° clockwise) and go right to left.
                let vertical = *orientation == CylinderOrientation::Vertical;
                let (tw, th) = (tiles[0].width as usize, tiles[0].height as usize);
                let n = tiles.len();
                let (w, h) = if vertical { (th * n, tw) } else { (tw * n, th) };
                let mut px = vec![0u8; w * h * 4];
                for (i, t) in tiles.iter().enumerate() {
                    let rgba = t.to_rgba();
                    for y in 0..t.height as usize {
                        for x in 0..t.width as usize {
                            let (ux, uy) = if vertical {
                                (w - 1 - (i * th + y), x)
                            } else {
                                (i * tw + x, y)
                            };
                            px[(uy * w + ux) * 4..(uy * w + ux) * 4 + 4]
                                .copy_from_slice(&rgba[(y * tw + x) * 4..(y * tw + x) * 4 + 4]);
                        }
                    }
                }
                Pic { w, h, px }
            });
            Reference::Cylinder {
                pic,
                pan: p.image_pan.map(f64::from),
            }
        }
        Projection::Cube { faces, .. } => match truth_pic {
            Some(strip) => {
                let fsz = strip.h;
                let std = CubeFace::standard();
                Reference::Cube(
                    (0..6)
                        .map(|i| {
                            let mut px = Vec::new();
                            for y in 0..fsz {
                                px.extend_from_slice(
                                    &strip.px[(y * strip.w + i * fsz) * 4
                                        ..(y * strip.w + (i + 1) * fsz) * 4],
                                );
                            }
                            RefTile::new(Pic { w: fsz, h: fsz, px }, &std[i])
                        })
                        .collect(),
                )
            }
            None => {
                let n = faces_per_edge(p) as usize;
                if n > 1 && tiles.len() == 6 * n * n {
                    // Tiles cut from standard faces (row-major from the top-left of
                    // each face, faces in the standard order): the reference joins
                    // them back into the faces they were cut from.
                    let std = CubeFace::standard();
                    Reference::Cube(
                        (0..6)
                            .map(|face| {
                                RefTile::new(
                                    join_face(&tiles[face * n * n..(face + 1) * n * n], n),
                                    &std[face],
                                )
                            })
                            .collect(),
                    )
                } else {
                    Reference::Cube(
                        tiles
                            .iter()
                            .zip(faces)
                            .map(|(t, f)| RefTile::new(Pic::from_frame(t), f))
                            .collect(),
                    )
                }
            }
        },
    }
}

#[test]
fn sample_panoramas_match_the_reference() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in common::sample_movies(&dir) {
        let Ok((src, loaded)) = qtvr_format::qtvr::open(&path) else {
            continue;
        };
        let Some(scene) = loaded.scene.as_ref() else {
            continue;
        };
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        for node in &scene.nodes {
            let NodeContent::Panorama(p) = &node.content else {
                continue;
            };
            let track = loaded
                .movie
                .tracks
                .iter()
                .find(|t| t.id == p.image_track.track_id)
                .unwrap();
            let decoded = tiles::decode_track(
                &src,
                track,
                &p.image_track.samples,
                Role::Image,
                &DecodeOptions::default(),
            )
            .unwrap();
            if decoded
                .tiles
                .iter()
                .any(|t| t.status != tiles::TileStatus::Decoded)
            {
                eprintln!("{stem} node {}: undecodable tiles, not compared", node.id);
                continue;
            }
            let frames: Vec<Frame> = decoded.tiles.iter().map(|t| t.frame.clone()).collect();
            let pic = assemble::panorama(node.id, p, decoded, None, &Default::default()).unwrap();
            let reference = sample_reference(&path, node, p, &frames);
            let (w, h) = (320u32, 240u32);
            let name = format!("{stem}-n{}", node.id);
            let views = match &reference {
                Reference::Cylinder { pic: rp, pan } => {
                    // Keep the picture magnified: texels per degree × fov ≤ 0.8 × height.
                    let density = rp.w as f64 / (pan[1] - pan[0]);
                    let fov = (0.8 * f64::from(h) / density)
                        .min(50.0)
                        .min(f64::from(p.limits.tilt[1] - p.limits.tilt[0]));
                    cylinder_views(p, fov, frames.len() as u32)
                }
                Reference::Cube(tiles) => {
                    // n×n tiles per face: |q|² = n.
                    let n = faces_per_edge(p);
                    let face_px = tiles[0].pic.h as f64 * f64::from(n);
                    // Near a face's edge a degree spans up to twice the texels of its centre.
                    let fov = (0.8 * f64::from(h) / (2.0 * face_px / 90.0)).min(60.0);
                    cube_views(fov, n)
                }
            };
            failures.extend(check(
                &name,
                &reference,
                &pic,
                UploadOptions::default(),
                &views,
                w,
                h,
            ));
            checked += 1;
        }
    }
    eprintln!("{checked} panorama nodes compared");
    assert!(
        checked >= 15,
        "expected the sample panoramas, compared {checked}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// n×n equally sized tiles (row-major) joined into one picture.
fn join_face(tiles: &[Frame], n: usize) -> Pic {
    let t = tiles[0].width as usize;
    let w = t * n;
    let mut px = vec![0u8; w * w * 4];
    for (k, tile) in tiles.iter().enumerate() {
        let rgba = tile.to_rgba();
        let (r, c) = (k / n, k % n);
        for y in 0..t {
            let d = ((r * t + y) * w + c * t) * 4;
            px[d..d + t * 4].copy_from_slice(&rgba[y * t * 4..(y + 1) * t * 4]);
        }
    }
    Pic { w, h: w, px }
}

fn faces_per_edge(p: &Panorama) -> u32 {
    match &p.projection {
        Projection::Cube { faces, .. } => faces
            .first()
            .map(|f| {
                f.orientation
                    .iter()
                    .map(|c| c * c)
                    .sum::<f32>()
                    .round()
                    .max(1.0) as u32
            })
            .unwrap_or(1),
        _ => 1,
    }
}

#[test]
fn pictures_the_device_cannot_hold_are_errors_not_panics() {
    let flat = |w: u32, h: u32| NodePicture {
        node: NodeId(7),
        surfaces: vec![assemble::Surface {
            geometry: assemble::Geometry::Flat,
            image: assemble::RgbaImage::new(w, h, vec![128; (w * h * 4) as usize]),
            hotspots: None,
        }],
        warnings: Vec::new(),
    };
    let gpu = gpu().lock().unwrap_or_else(|e| e.into_inner());
    let mut r = Renderer::new(&gpu);
    // 2000² in pages of at most 20 texels: 10,000 layers, over any adapter's limit.
    let e = r.set_picture(
        &gpu,
        flat(2000, 2000),
        &[],
        UploadOptions {
            max_texture_side: Some(20),
            ..UploadOptions::default()
        },
    );
    assert!(
        matches!(e, Err(qtvr::render::RenderError::TooLarge(_))),
        "{e:?}"
    );
    // More surfaces than the shader takes.
    let mut many = flat(4, 4);
    many.surfaces = vec![many.surfaces[0].clone(); qtvr::render::MAX_SURFACES + 1];
    assert!(
        r.set_picture(&gpu, many, &[], UploadOptions::default())
            .is_err()
    );
    // Nothing uploaded: drawing says so instead of failing on the GPU.
    assert!(matches!(
        r.render_image(&gpu, &Shot::Equirect, 8, 4, false),
        Err(qtvr::render::RenderError::NoPicture)
    ));
    // The renderer still works afterwards.
    r.set_picture(&gpu, flat(4, 4), &[], UploadOptions::default())
        .unwrap();
    let img = r
        .render_image(
            &gpu,
            &Shot::Flat {
                zoom: 1.0,
                centre: [0.0, 0.0],
            },
            8,
            8,
            false,
        )
        .unwrap();
    assert_eq!(&img.rgba()[..4], &[128, 128, 128, 255]);
}

/// A moving window frame (motion quality) is the view drawn at the reduced
/// size and scaled up bilinearly: `render_image_scaled` (what the window
/// and `qtvr render --motion-scale` draw) against the renderer's own
/// reduced-size picture scaled up on the CPU, and close to the full-size
/// picture. A scale of 1 is the full-size picture to the byte.
#[test]
fn moving_frames_are_the_reduced_view_scaled_up() {
    let (w, h) = (600u32, 200u32);
    let frames = vec![rgba_frame(w, h, pattern(w, h, 7))];
    let proj = Projection::Cylinder {
        orientation: CylinderOrientation::Horizontal,
        legacy_flags: false,
        first_tile: CylinderOrientation::Horizontal.first_tile(),
    };
    let p = panorama_model(proj, [1, 1], [0.0, 360.0]);
    let pic =
        assemble::panorama(NodeId(1), &p, decoded(frames), None, &Default::default()).unwrap();
    let gpu = gpu().lock().unwrap_or_else(|e| e.into_inner());
    let mut r = Renderer::new(&gpu);
    r.set_picture(&gpu, pic, &[], UploadOptions::default())
        .expect("upload");
    let shot = Shot::Perspective(View {
        pan: 30.0,
        tilt: 0.0,
        fov: 30.0,
    });
    let (fw, fh) = (480u32, 360u32);
    let full = r.render_image(&gpu, &shot, fw, fh, false).unwrap();
    let same = r
        .render_image_scaled(&gpu, &shot, fw, fh, false, 1.0)
        .unwrap();
    assert!(
        full.rgba() == same.rgba(),
        "a scale of 1 is the full picture"
    );
    let mut failures = Vec::new();
    for scale in [0.5f32, 0.25] {
        let [sw, sh] = qtvr::render::reduced_size([fw, fh], scale);
        let small = r.render_image(&gpu, &shot, sw, sh, false).unwrap();
        let small = image::RgbaImage::from_raw(sw, sh, small.into_rgba()).unwrap();
        let expected =
            image::imageops::resize(&small, fw, fh, image::imageops::FilterType::Triangle);
        let moving = r
            .render_image_scaled(&gpu, &shot, fw, fh, false, scale)
            .unwrap();
        let name = format!("motion-{scale}");
        failures.extend(compare(
            &name,
            &moving.rgba(),
            expected.as_raw(),
            fw as usize,
            fh as usize,
        ));
        // Blurrier, but the same view as the full picture.
        let mae = moving
            .rgba()
            .iter()
            .zip(full.rgba().iter())
            .map(|(a, b)| f64::from(a.abs_diff(*b)))
            .sum::<f64>()
            / moving.rgba().len() as f64;
        assert!(mae < 40.0, "{name}: {mae:.1}/255 from the full picture");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An object's moving frame (motion quality: any scale under 1) is its
/// picture drawn straight onto the target as one bilinear rectangle: the
/// same placement and filtering as the object shader at rest, pixel for
/// pixel within rounding, for a frame fitted, zoomed in off-centre (partly
/// outside the target) and fitted into a wide target (neutral beside it).
/// Zoomed out (minified: mip levels needed) or with hot spots shown, it is
/// drawn as panoramas are, reduced and scaled up — or in full at the
/// fraction that only marks it moving (`MOVING_FULL_SIZE`).
#[test]
fn moving_object_frames_are_the_frame_drawn_straight_onto_the_target() {
    let (fw, fh) = (64u32, 48u32);
    let pic = NodePicture {
        node: NodeId(3),
        surfaces: vec![assemble::Surface {
            geometry: assemble::Geometry::Flat,
            image: assemble::RgbaImage::new(fw, fh, pattern(fw, fh, 3)),
            hotspots: None,
        }],
        warnings: Vec::new(),
    };
    let gpu = gpu().lock().unwrap_or_else(|e| e.into_inner());
    let mut r = Renderer::new(&gpu);
    r.set_picture(&gpu, pic, &[], UploadOptions::default())
        .expect("upload");
    let cases = [
        ("fitted", 1.0f32, [0.0f32, 0.0f32], [400u32, 300u32]),
        ("zoomed", 2.5, [7.3, -4.1], [400, 300]),
        ("wide", 1.0, [0.0, 0.0], [480, 120]),
    ];
    let mut failures = Vec::new();
    for (name, zoom, centre, [w, h]) in cases {
        let shot = Shot::Flat { zoom, centre };
        let rest = r.render_image(&gpu, &shot, w, h, false).unwrap();
        let moving = r
            .render_image_scaled(&gpu, &shot, w, h, false, 0.5)
            .unwrap();
        let (a, b) = (moving.rgba(), rest.rgba());
        let worst = a.iter().zip(b.iter()).map(|(x, y)| x.abs_diff(*y)).max();
        // Bilinear weights in 8 bits on software rasterisers' fast path.
        if worst > Some(2) {
            let name = format!("object-moving-{name}");
            failures.extend(compare(&name, &a, &b, w as usize, h as usize));
            failures.push(format!("{name}: off by up to {worst:?}/255"));
        }
    }
    // Zoomed out, the frame drawn at half the size and scaled up, as the
    // renderer's own half-size picture scaled up on the CPU.
    let shot = Shot::Flat {
        zoom: 0.25,
        centre: [0.0, 0.0],
    };
    let (w, h) = (160u32, 120u32);
    let small = r.render_image(&gpu, &shot, w / 2, h / 2, false).unwrap();
    let small = image::RgbaImage::from_raw(w / 2, h / 2, small.into_rgba()).unwrap();
    let expected = image::imageops::resize(&small, w, h, image::imageops::FilterType::Triangle);
    let moving = r
        .render_image_scaled(&gpu, &shot, w, h, false, 0.5)
        .unwrap();
    failures.extend(compare(
        "object-moving-zoomed-out",
        &moving.rgba(),
        expected.as_raw(),
        w as usize,
        h as usize,
    ));
    // At the fraction that only marks it moving, in full, to the byte.
    let marked = r
        .render_image_scaled(&gpu, &shot, w, h, false, qtvr::view::MOVING_FULL_SIZE)
        .unwrap();
    let full = r.render_image(&gpu, &shot, w, h, false).unwrap();
    assert!(marked.rgba() == full.rgba(), "marked moving: in full");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
