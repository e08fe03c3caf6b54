//! The bundled demo movie (`assets/demo.mov`): a three-node QTVR 2 tour that
//! the project makes itself from procedural pictures — no photographs, no font
//! files (labels are `font8x8` block letters).
//!
//! - node 1 "Meadow": a 360° vertical cylinder (2048×512, 8 tiles): sky, sun,
//!   clouds, mountains and hills from sums of sines, mown grass, paths, compass
//!   letters, a gallery house (hot spot 1, to the Gallery) and a dice signpost
//!   (hot spot 2, to the Dice);
//! - node 2 "Gallery": a standard cube (faces 512², ray-cast room): labelled
//!   walls with grid lines, a checker floor, pictures, a door back to the
//!   Meadow (hot spot 3) and one to the Dice (hot spot 4);
//! - node 3 "Dice": an object movie, 3 rows × 24 columns of 240×180 frames of
//!   a ray-traced die on a turntable, with a "< MEADOW" button (hot spot 5);
//! - sound (`sound.rs`): wind and birds in the Meadow, a room tone in the
//!   Gallery, a turntable click for each view of the Dice.
//!
//! Every link arrives facing away from the door it came through. The output is
//! the same bytes on every run and every platform: the pictures use only
//! IEEE arithmetic and square roots (the sines and arc tangents below are
//! computed here, not by the platform's maths library), and the encoders are
//! deterministic. `tests/demo.rs` checks that `assets/demo.mov` is what this
//! code makes; `cargo run --release -p qtvr-demo --bin make-demo` rewrites it.

#![forbid(unsafe_code)]

use font8x8::UnicodeFonts;
use glam::DVec3;
use image::{GrayImage, Luma, Rgb, RgbImage};

use qtvr_format::qtvr::scene::{HotspotId, NodeId, View};
use qtvr_format::qtvr::write::{
    CubeSpec, CylinderSpec, HotSpotAction, ObjectSpec, PanoLimits, Tour, TourContent, TourHotSpot,
    TourNode, WriteError,
};

/// Node IDs of the demo.
pub const MEADOW: NodeId = NodeId(1);
pub const GALLERY: NodeId = NodeId(2);
pub const DICE: NodeId = NodeId(3);

/// Hot spot IDs of the demo (distinct across the tour).
pub const MEADOW_TO_GALLERY: HotspotId = HotspotId(1);
pub const MEADOW_TO_DICE: HotspotId = HotspotId(2);
pub const GALLERY_TO_MEADOW: HotspotId = HotspotId(3);
pub const GALLERY_TO_DICE: HotspotId = HotspotId(4);
pub const DICE_TO_MEADOW: HotspotId = HotspotId(5);

/// Pan of the gallery house and of the dice signpost in the Meadow.
pub const MEADOW_GALLERY_PAN: f32 = 25.0;
pub const MEADOW_DICE_PAN: f32 = 335.0;

const PANO_W: u32 = 2048;
const PANO_H: u32 = 512;
const PANO_TILES: u32 = 8;
const FACE: u32 = 512;
const OBJ_W: u32 = 240;
const OBJ_H: u32 = 180;
const OBJ_ROWS: u32 = 3;
const OBJ_COLS: u32 = 24;
/// Tilt of the object's top and bottom rows.
const OBJ_TILT: [f32; 2] = [40.0, 0.0];
/// The object's "< MEADOW" button: x0, y0, x1, y1 (exclusive).
pub const DICE_BUTTON: [u32; 4] = [6, 6, 82, 24];

mod sound;
pub use sound::demo_sounds;

/// The demo movie's bytes: the tour with its sound.
pub fn demo_movie() -> Result<Vec<u8>, WriteError> {
    demo_tour().write_with_sound(&[], &demo_sounds())
}

/// The demo as a [`Tour`].
pub fn demo_tour() -> Tour {
    Tour {
        name: Some("qtvr demo tour".into()),
        default_node: MEADOW,
        jpeg_quality: 85,
        nodes: vec![meadow_node(), gallery_node(), dice_node()],
    }
}

fn view(pan: f32, tilt: f32, fov: f32) -> View {
    View { pan, tilt, fov }
}

/// The dice's default view, where links to it arrive.
const DICE_DEFAULT: View = View {
    pan: 30.0,
    tilt: 20.0,
    fov: 64.0,
};

/// A named link hot spot, best seen at `best`, to `to_node` at view `to`.
fn link(id: HotspotId, name: &str, best: View, to_node: NodeId, to: View) -> TourHotSpot {
    TourHotSpot {
        id,
        name: Some(name.into()),
        best_view: Some(best),
        rect: None,
        action: HotSpotAction::Link {
            to_node,
            pan: Some(to.pan),
            tilt: Some(to.tilt),
            fov: Some(to.fov),
        },
    }
}

/// Node 1: the meadow cylinder, with links to the gallery and the dice.
fn meadow_node() -> TourNode {
    let (meadow, meadow_spots) = meadow();
    TourNode {
        id: MEADOW,
        name: Some("Meadow".into()),
        content: TourContent::Cylinder(CylinderSpec {
            image: meadow,
            tiles: PANO_TILES,
            hotspots: Some(meadow_spots),
            limits: PanoLimits {
                pan: [0.0, 360.0],
                tilt: [-38.0, 38.0],
                fov: [10.0, 76.0],
                default: view(0.0, 0.0, 60.0),
            },
        }),
        hotspots: vec![
            link(
                MEADOW_TO_GALLERY,
                "Enter the gallery",
                view(MEADOW_GALLERY_PAN, 6.0, 45.0),
                GALLERY,
                view(0.0, 0.0, 70.0),
            ),
            link(
                MEADOW_TO_DICE,
                "Look at the dice",
                view(MEADOW_DICE_PAN, 8.0, 45.0),
                DICE,
                DICE_DEFAULT,
            ),
        ],
    }
}

/// Node 2: the gallery cube, with links back to the meadow and to the dice.
fn gallery_node() -> TourNode {
    let (faces, face_spots) = gallery();
    TourNode {
        id: GALLERY,
        name: Some("Gallery".into()),
        content: TourContent::Cube(Box::new(CubeSpec {
            faces,
            hotspots: Some(face_spots),
            limits: PanoLimits {
                pan: [0.0, 360.0],
                tilt: [-90.0, 90.0],
                fov: [10.0, 120.0],
                default: view(0.0, 0.0, 70.0),
            },
        })),
        hotspots: vec![
            // Back to the meadow, facing away from the gallery house.
            link(
                GALLERY_TO_MEADOW,
                "Back to the meadow",
                view(180.0, -10.0, 60.0),
                MEADOW,
                view(MEADOW_GALLERY_PAN + 180.0, 0.0, 60.0),
            ),
            link(
                GALLERY_TO_DICE,
                "To the dice",
                view(270.0, -10.0, 60.0),
                DICE,
                DICE_DEFAULT,
            ),
        ],
    }
}

/// Node 3: the die, an object movie whose button leads back to the meadow.
fn dice_node() -> TourNode {
    let (frames, button) = dice();
    TourNode {
        id: DICE,
        name: Some("Dice".into()),
        content: TourContent::Object(ObjectSpec {
            frames,
            rows: OBJ_ROWS,
            columns: OBJ_COLS,
            pan: [0.0, 360.0],
            tilt: OBJ_TILT,
            fov: [16.0, 64.0],
            default: DICE_DEFAULT,
            hotspots: vec![button],
            behaviour: qtvr_format::qtvr::write::ObjectBehaviour::default(),
        }),
        hotspots: vec![TourHotSpot {
            rect: Some([1, 0, 3, 2].map(|i| DICE_BUTTON[i] as i16)),
            // Back to the meadow, facing away from the dice signpost.
            ..link(
                DICE_TO_MEADOW,
                "Back to the meadow",
                view(0.0, 0.0, 0.0),
                MEADOW,
                view(MEADOW_DICE_PAN - 180.0, 0.0, 60.0),
            )
        }],
    }
}

// ---------------------------------------------------------------------------
// Deterministic maths: only +, −, ×, ÷, sqrt, floor and round, which IEEE 754
// defines exactly, so the pictures are bit-identical everywhere.

const PI: f64 = std::f64::consts::PI;

fn sin(x: f64) -> f64 {
    let mut r = x - (x / (2.0 * PI)).round() * (2.0 * PI);
    if r > PI / 2.0 {
        r = PI - r;
    } else if r < -PI / 2.0 {
        r = -PI - r;
    }
    let r2 = r * r;
    let (mut term, mut sum) = (r, r);
    for n in 1..=9 {
        term = -term * r2 / f64::from((2 * n) * (2 * n + 1));
        sum += term;
    }
    sum
}

fn cos(x: f64) -> f64 {
    sin(x + PI / 2.0)
}

fn atan(x: f64) -> f64 {
    if x < 0.0 {
        return -atan(-x);
    }
    if x > 1.0 {
        return PI / 2.0 - atan(1.0 / x);
    }
    // atan(x) = 2·atan(x / (1 + √(1 + x²))), twice: |z| ≤ tan(π/16).
    let y = x / (1.0 + (1.0 + x * x).sqrt());
    let z = y / (1.0 + (1.0 + y * y).sqrt());
    let z2 = z * z;
    let (mut power, mut sum) = (z, z);
    for n in 1..=12 {
        power = -power * z2;
        sum += power / f64::from(2 * n + 1);
    }
    4.0 * sum
}

fn atan2(y: f64, x: f64) -> f64 {
    if x > 0.0 {
        atan(y / x)
    } else if x < 0.0 {
        atan(y / x) + if y >= 0.0 { PI } else { -PI }
    } else if y > 0.0 {
        PI / 2.0
    } else if y < 0.0 {
        -PI / 2.0
    } else {
        0.0
    }
}

fn rad(deg: f64) -> f64 {
    deg * (PI / 180.0)
}

fn clamp01(v: f64) -> f64 {
    v.clamp(0.0, 1.0)
}

fn smooth(edge0: f64, edge1: f64, x: f64) -> f64 {
    let t = clamp01((x - edge0) / (edge1 - edge0));
    t * t * (3.0 - 2.0 * t)
}

type Col = [f64; 3];

fn mix(a: Col, b: Col, t: f64) -> Col {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn scale(a: Col, k: f64) -> Col {
    [a[0] * k, a[1] * k, a[2] * k]
}

fn to_rgb(c: Col) -> Rgb<u8> {
    Rgb(c.map(|v| (clamp01(v) * 255.0 + 0.5) as u8))
}

/// `a` divided by its length (as the demo always did: glam's own
/// `normalize` multiplies by the reciprocal, which rounds differently).
fn normalize(a: DVec3) -> DVec3 {
    a / a.length()
}

/// Angle difference wrapped into −180..180.
fn wrap_deg(d: f64) -> f64 {
    d - (d / 360.0).round() * 360.0
}

// ---------------------------------------------------------------------------
// Block letters (font8x8, bit 0 the leftmost pixel).

fn glyph(c: char) -> [u8; 8] {
    font8x8::BASIC_FONTS.get(c).unwrap_or([0; 8])
}

/// Whether font cell (col, row) of `text` (8×8 cells per character) is ink.
fn text_ink(text: &str, col: i64, row: i64) -> bool {
    if col < 0 || !(0..8).contains(&row) {
        return false;
    }
    match text.chars().nth((col / 8) as usize) {
        Some(c) => glyph(c)[row as usize] & (1 << (col % 8)) != 0,
        None => false,
    }
}

/// Text in a continuous 2-D frame: is (u, v) ink for `text` centred on
/// `centre_u`, bottom at `bottom_v`, `cell` units per font pixel (v up)?
fn text_at(text: &str, u: f64, v: f64, centre_u: f64, bottom_v: f64, cell: f64) -> bool {
    let width = text.chars().count() as f64 * 8.0 * cell;
    let col = ((u - (centre_u - width / 2.0)) / cell).floor();
    let row = 7.0 - ((v - bottom_v) / cell).floor();
    text_ink(text, col as i64, row as i64)
}

/// How [`draw_text`] draws: `size` pixels per font pixel, in `ink`, with a
/// one-font-pixel drop shadow when `shadow` is given; x wraps around when `wrap`.
#[derive(Debug, Clone, Copy)]
struct TextStyle {
    size: i64,
    ink: Col,
    shadow: Option<Col>,
    wrap: bool,
}

impl TextStyle {
    /// `size` pixels per font pixel in `ink`, no shadow, no wrapping.
    fn plain(size: i64, ink: Col) -> Self {
        TextStyle {
            size,
            ink,
            shadow: None,
            wrap: false,
        }
    }
}

/// Draws `text` with its top-left at (x, y) in `style`.
fn draw_text(img: &mut RgbImage, text: &str, x: i64, y: i64, style: &TextStyle) {
    let TextStyle {
        size,
        ink,
        shadow,
        wrap,
    } = *style;
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    let cols = text.chars().count() as i64 * 8;
    let mut put = |px: i64, py: i64, c: Col| {
        let px = if wrap { px.rem_euclid(w) } else { px };
        if (0..w).contains(&px) && (0..h).contains(&py) {
            img.put_pixel(px as u32, py as u32, to_rgb(c));
        }
    };
    for pass in 0..2 {
        let (dx, c) = match (pass, shadow) {
            (0, Some(s)) => (size.max(1) / 2 + 1, s),
            (0, None) => continue,
            _ => (0, ink),
        };
        for row in 0..8 {
            for col in 0..cols {
                if !text_ink(text, col, row) {
                    continue;
                }
                for sy in 0..size {
                    for sx in 0..size {
                        put(x + col * size + sx + dx, y + row * size + sy + dx, c);
                    }
                }
            }
        }
    }
}

fn text_width(text: &str, size: i64) -> i64 {
    text.chars().count() as i64 * 8 * size
}

fn fill_rect(img: &mut RgbImage, x0: i64, y0: i64, x1: i64, y1: i64, c: Col) {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    for y in y0.max(0)..y1.min(h) {
        for x in x0.max(0)..x1.min(w) {
            img.put_pixel(x as u32, y as u32, to_rgb(c));
        }
    }
}

fn fill_ids(map: &mut GrayImage, x0: i64, y0: i64, x1: i64, y1: i64, id: HotspotId) {
    let (w, h) = (i64::from(map.width()), i64::from(map.height()));
    for y in y0.max(0)..y1.min(h) {
        for x in x0.max(0)..x1.min(w) {
            map.put_pixel(x as u32, y as u32, Luma([id.0 as u8]));
        }
    }
}

// ---------------------------------------------------------------------------
// Node 1: the meadow (upright cylinder image, left edge pan 360, right edge pan 0).

/// The x of a pan angle on the meadow image.
fn pano_x(pan: f64) -> f64 {
    f64::from(PANO_W) * (1.0 - pan / 360.0)
}

fn meadow() -> (RgbImage, GrayImage) {
    let mut img = meadow_backdrop();
    let mut spots = GrayImage::new(PANO_W, PANO_H);
    compass_letters(&mut img);
    gallery_house(&mut img, &mut spots);
    dice_signpost(&mut img, &mut spots);
    (img, spots)
}

/// The meadow without its objects: sky, sun, clouds, mountains, hills and
/// the mown grass with the paths to the two signs.
fn meadow_backdrop() -> RgbImage {
    let (w, h) = (PANO_W, PANO_H);
    let r = f64::from(w) / (2.0 * PI); // cylinder radius, pixels
    let horizon = f64::from(h) / 2.0;
    let mut img = RgbImage::new(w, h);
    let clouds: [(f64, f64, f64, f64); 5] = [
        (40.0, 170.0, 90.0, 18.0),
        (120.0, 200.0, 130.0, 22.0),
        (165.0, 150.0, 70.0, 14.0),
        (250.0, 185.0, 110.0, 20.0),
        (310.0, 215.0, 80.0, 16.0),
    ];
    let (sun_pan, sun_h) = (200.0, 150.0);
    for y in 0..h {
        for x in 0..w {
            let pan = 360.0 * (1.0 - (f64::from(x) + 0.5) / f64::from(w));
            let th = rad(pan);
            let hh = horizon - (f64::from(y) + 0.5); // pixels above the horizon
            let t = clamp01(hh / horizon);
            // Sky, sun and clouds.
            let mut c = mix([0.80, 0.88, 0.95], [0.22, 0.42, 0.80], t * (2.0 - t));
            let dx = wrap_deg(pan - sun_pan) * f64::from(w) / 360.0;
            let d = (dx * dx + (hh - sun_h) * (hh - sun_h)).sqrt();
            let glow = clamp01(1.0 - d / 160.0);
            c = mix(c, [1.0, 0.92, 0.70], 0.45 * glow * glow);
            c = mix(c, [1.0, 0.97, 0.86], smooth(30.0, 26.0, d));
            for &(cp, ch, cw, cv) in &clouds {
                let ux = wrap_deg(pan - cp) * f64::from(w) / 360.0 / cw;
                let uy = (hh - ch) / cv;
                let puff = 0.18 * sin(ux * 7.0 + cp) + 0.12 * sin(ux * 13.0 + 1.0);
                let f = 1.0 - (ux * ux + uy * uy) + puff;
                c = mix(c, [0.98, 0.98, 1.0], 0.85 * smooth(0.0, 0.5, f));
            }
            // Mountains, snow on the high ones, hazier toward the horizon.
            let mh = 70.0
                + 28.0 * sin(3.0 * th + 0.7)
                + 16.0 * sin(5.0 * th + 2.1)
                + 9.0 * sin(11.0 * th + 0.3)
                + 4.0 * sin(23.0 * th + 1.7);
            if hh < mh {
                let rock = mix([0.36, 0.42, 0.55], [0.55, 0.60, 0.70], clamp01(hh / 110.0));
                let snow = mh > 88.0 && hh > mh - (mh - 88.0) * 0.9 - 4.0;
                c = if snow { [0.94, 0.95, 0.98] } else { rock };
                c = mix(c, [0.75, 0.82, 0.90], 0.25);
            }
            // Hills.
            let hill = 24.0
                + 14.0 * sin(2.0 * th + 1.3)
                + 8.0 * sin(7.0 * th + 0.4)
                + 3.0 * sin(19.0 * th + 2.2);
            if hh < hill {
                c = mix([0.22, 0.45, 0.20], [0.38, 0.62, 0.30], clamp01(hh / hill));
            }
            // Ground: mown stripes by distance, dirt paths to the two signs.
            if hh < 0.0 {
                let dist = 1.7 * r / -hh; // metres, eye 1.7 m above the grass
                let stripe = (dist / 1.5).floor().rem_euclid(2.0);
                let contrast = clamp01(1.0 - dist / 45.0);
                c = scale([0.34, 0.60, 0.27], 1.0 - 0.12 * stripe * contrast);
                c = mix(c, [0.30, 0.50, 0.26], clamp01(dist / 80.0));
                for (sign_pan, far) in [(MEADOW_GALLERY_PAN, 12.0), (MEADOW_DICE_PAN, 9.0)] {
                    let a = rad(wrap_deg(pan - f64::from(sign_pan)));
                    let side = (dist * sin(a)).abs();
                    if cos(a) > 0.0 && dist < far && side < 0.7 {
                        c = mix([0.62, 0.50, 0.34], [0.55, 0.44, 0.30], stripe);
                    }
                }
            }
            img.put_pixel(x, y, to_rgb(c));
        }
    }
    img
}

/// Compass letters on the sky: N at pan 0, W at 90, S at 180, E at 270.
fn compass_letters(img: &mut RgbImage) {
    for (letter, pan) in [("N", 0.0), ("W", 90.0), ("S", 180.0), ("E", 270.0)] {
        let x = pano_x(pan) as i64 - text_width(letter, 5) / 2;
        draw_text(
            img,
            letter,
            x,
            56,
            &TextStyle {
                size: 5,
                ink: [1.0, 1.0, 1.0],
                shadow: Some([0.15, 0.2, 0.35]),
                wrap: true,
            },
        );
    }
}

/// The meadow's horizon (pixels from the top) and cylinder radius (pixels).
fn meadow_geometry() -> (f64, f64) {
    (f64::from(PANO_H) / 2.0, f64::from(PANO_W) / (2.0 * PI))
}

/// The gallery house, 12 m away, and its hot spot (the link to the gallery).
fn gallery_house(img: &mut RgbImage, spots: &mut GrayImage) {
    let (horizon, r) = meadow_geometry();
    let cx = pano_x(f64::from(MEADOW_GALLERY_PAN)) as i64;
    let ground = (horizon + 1.7 * r / 12.0) as i64;
    let (half, wall_top, roof_top) = (110, ground - 120, ground - 168);
    fill_rect(
        img,
        cx - half,
        wall_top,
        cx + half,
        ground,
        [0.93, 0.88, 0.78],
    );
    for y in roof_top..wall_top {
        let k = (y - roof_top) * (half + 14) / (wall_top - roof_top);
        fill_rect(img, cx - k, y, cx + k, y + 1, [0.62, 0.22, 0.18]);
    }
    fill_rect(
        img,
        cx - 30,
        ground - 84,
        cx + 30,
        ground,
        [0.35, 0.22, 0.12],
    );
    fill_rect(
        img,
        cx - 24,
        ground - 78,
        cx + 24,
        ground,
        [0.52, 0.32, 0.16],
    );
    fill_rect(
        img,
        cx + 12,
        ground - 42,
        cx + 18,
        ground - 36,
        [0.9, 0.8, 0.3],
    );
    for wx in [cx - 88, cx + 48] {
        fill_rect(
            img,
            wx,
            ground - 92,
            wx + 40,
            ground - 52,
            [0.30, 0.25, 0.2],
        );
        fill_rect(
            img,
            wx + 3,
            ground - 89,
            wx + 37,
            ground - 55,
            [0.55, 0.75, 0.90],
        );
    }
    let label = "GALLERY";
    fill_rect(
        img,
        cx - 92,
        wall_top + 6,
        cx + 92,
        wall_top + 34,
        [0.2, 0.2, 0.25],
    );
    draw_text(
        img,
        label,
        cx - text_width(label, 3) / 2,
        wall_top + 8,
        &TextStyle::plain(3, [1.0, 0.9, 0.4]),
    );
    fill_ids(
        spots,
        cx - half - 14,
        roof_top,
        cx + half + 14,
        ground,
        MEADOW_TO_GALLERY,
    );
}

/// The dice signpost, 9 m away: a board on two posts with a die and "DICE",
/// and its hot spot (the link to the object).
fn dice_signpost(img: &mut RgbImage, spots: &mut GrayImage) {
    let (horizon, r) = meadow_geometry();
    let cx = pano_x(f64::from(MEADOW_DICE_PAN)) as i64;
    let ground = (horizon + 1.7 * r / 9.0) as i64;
    let (top, bottom) = (ground - 150, ground - 80);
    for px in [cx - 60, cx + 52] {
        fill_rect(img, px, bottom, px + 8, ground, [0.40, 0.27, 0.14]);
    }
    fill_rect(img, cx - 86, top, cx + 86, bottom, [0.40, 0.27, 0.14]);
    fill_rect(
        img,
        cx - 81,
        top + 5,
        cx + 81,
        bottom - 5,
        [0.80, 0.65, 0.42],
    );
    fill_rect(
        img,
        cx - 74,
        top + 14,
        cx - 30,
        top + 58,
        [0.15, 0.15, 0.15],
    );
    fill_rect(
        img,
        cx - 72,
        top + 16,
        cx - 32,
        top + 56,
        [0.97, 0.97, 0.95],
    );
    for (px, py) in [(-64, 24), (-52, 36), (-40, 48), (-64, 48), (-40, 24)] {
        fill_rect(
            img,
            cx + px - 3,
            top + py - 3,
            cx + px + 3,
            top + py + 3,
            [0.1, 0.1, 0.1],
        );
    }
    draw_text(
        img,
        "DICE",
        cx - 22,
        top + 23,
        &TextStyle::plain(3, [0.25, 0.12, 0.05]),
    );
    fill_ids(spots, cx - 86, top, cx + 86, ground, MEADOW_TO_DICE);
}

// ---------------------------------------------------------------------------
// Node 2: the gallery, a ray-cast room seen from its centre.

/// Room half-sizes (metres): walls at x, z = ±ROOM, floor and ceiling.
const ROOM: f64 = 4.0;
const FLOOR: f64 = -1.6;
const CEILING: f64 = 2.4;

/// Direction (x right, y up, z = pan 0) of face pixel (px, py) of a standard cube face.
fn face_ray(face: usize, px: f64, py: f64) -> [f64; 3] {
    let n = f64::from(FACE);
    let half = (n - 1.0) / 2.0;
    // Face-local: u right, v down, in −1..1 at the edge pixels' centres.
    let (u, v) = ((px - half) / half, (py - half) / half);
    // World of the reader (X left, Y down, Z front) for each standard face.
    let [wx, wy, wz] = match face {
        0 => [-u, v, 1.0],  // front
        1 => [-1.0, v, -u], // right
        2 => [u, v, -1.0],  // back
        3 => [1.0, v, u],   // left
        4 => [-u, -1.0, v], // top
        _ => [-u, 1.0, -v], // bottom
    };
    [-wx, -wy, wz]
}

/// What a ray from the room's centre hits: colour and hot spot ID.
fn gallery_hit(d: [f64; 3]) -> (Col, HotspotId) {
    // Nearest plane along the ray.
    let mut best = (f64::INFINITY, 0usize);
    let planes = [
        (d[2], ROOM),    // 0 front z = +ROOM
        (d[0], ROOM),    // 1 right x = +ROOM
        (-d[2], ROOM),   // 2 back
        (-d[0], ROOM),   // 3 left
        (d[1], CEILING), // 4 ceiling
        (-d[1], -FLOOR), // 5 floor
    ];
    for (i, &(s, dist)) in planes.iter().enumerate() {
        if s > 1e-12 {
            let t = dist / s;
            if t < best.0 {
                best = (t, i);
            }
        }
    }
    let (t, plane) = best;
    let p = [d[0] * t, d[1] * t, d[2] * t];
    // Darken near the room's edges (a cheap ambient occlusion).
    let edge = |a: f64, lo: f64, hi: f64| (a - lo).min(hi - a);
    let near = match plane {
        0 | 2 => edge(p[0], -ROOM, ROOM).min(edge(p[1], FLOOR, CEILING)),
        1 | 3 => edge(p[2], -ROOM, ROOM).min(edge(p[1], FLOOR, CEILING)),
        _ => edge(p[0], -ROOM, ROOM).min(edge(p[2], -ROOM, ROOM)),
    };
    let ao = 0.72 + 0.28 * smooth(0.0, 0.8, near);
    let (c, id) = match plane {
        4 => {
            let grid = |a: f64| (a - a.round()).abs() < 0.015;
            let lamp = (p[0] * p[0] + p[2] * p[2]).sqrt();
            let mut c = [0.90, 0.90, 0.88];
            if grid(p[0]) || grid(p[2]) {
                c = [0.65, 0.65, 0.63];
            }
            (
                mix(c, [1.0, 1.0, 0.92], smooth(0.55, 0.45, lamp)),
                HotspotId(0),
            )
        }
        5 => {
            let checker = (p[0].floor() + p[2].floor()).rem_euclid(2.0);
            (
                mix([0.86, 0.82, 0.74], [0.30, 0.22, 0.16], checker),
                HotspotId(0),
            )
        }
        wall => {
            // Wall-local u (right, seen from the centre) and v (up).
            let u = match wall {
                0 => p[0],
                1 => -p[2],
                2 => -p[0],
                _ => p[2],
            };
            wall_colour(wall, u, p[1])
        }
    };
    (scale(c, ao), id)
}

fn wall_colour(wall: usize, u: f64, v: f64) -> (Col, HotspotId) {
    let (base, name) = [
        ([0.74, 0.40, 0.30], "FRONT"),
        ([0.28, 0.55, 0.55], "RIGHT"),
        ([0.80, 0.64, 0.30], "BACK"),
        ([0.50, 0.40, 0.66], "LEFT"),
    ][wall];
    let mut c = base;
    let grid = |a: f64| (a / 0.5 - (a / 0.5).round()).abs() < 0.03;
    if grid(u) || grid(v) {
        c = scale(c, 0.85);
    }
    if v < FLOOR + 0.18 {
        c = [0.28, 0.20, 0.14]; // skirting board
    }
    if text_at(name, u, v, 0.0, 1.55, 0.08) {
        c = [0.98, 0.98, 0.96];
    } else if text_at(name, u - 0.025, v + 0.025, 0.0, 1.55, 0.08) {
        c = scale(c, 0.55);
    }
    let mut id = HotspotId(0);
    match wall {
        // Pictures: concentric rings on the front wall, blocks on the left one.
        0 => {
            if u.abs() < 1.6 && v.abs() < 0.8 {
                c = [0.12, 0.10, 0.08];
                if u.abs() < 1.5 && v.abs() < 0.7 {
                    let ring = ((u * u + (v + 0.7) * (v + 0.7)).sqrt() * 4.0).floor();
                    c = mix(
                        [0.98, 0.72, 0.25],
                        [0.85, 0.25, 0.30],
                        ring.rem_euclid(3.0) / 2.0,
                    );
                    if v < -0.25 + 0.06 * sin(u * 9.0) {
                        c = [0.15, 0.30, 0.55];
                    }
                }
            }
        }
        3 => {
            if u.abs() < 1.2 && v.abs() < 0.9 {
                c = [0.1, 0.1, 0.1];
                let (cu, cv) = ((u + 1.2) / 0.6, (v + 0.9) / 0.6);
                let inner = (cu - cu.round()).abs() > 0.04 && (cv - cv.round()).abs() > 0.04;
                if inner && u.abs() < 1.17 && v.abs() < 0.87 {
                    c = match ((cu.floor() * 3.0 + cv.floor() * 5.0) as i64).rem_euclid(5) {
                        0 => [0.85, 0.15, 0.12],
                        1 => [0.10, 0.25, 0.65],
                        2 => [0.95, 0.80, 0.15],
                        _ => [0.95, 0.95, 0.93],
                    };
                }
            }
        }
        // Doors: back wall to the meadow, right wall to the dice.
        _ => {
            let (label, door, spot) = if wall == 2 {
                ("MEADOW", [0.55, 0.35, 0.18], GALLERY_TO_MEADOW)
            } else {
                ("DICE", [0.70, 0.12, 0.12], GALLERY_TO_DICE)
            };
            let top = FLOOR + 2.2;
            if u.abs() < 0.75 && v < top + 0.1 {
                c = [0.22, 0.16, 0.10]; // frame
                if u.abs() < 0.65 && v < top {
                    c = door;
                    let panel = (u.abs() - 0.35).abs() < 0.02 || (v - (FLOOR + 1.1)).abs() < 0.02;
                    if panel {
                        c = scale(door, 0.7);
                    }
                    if (u - 0.5).abs() < 0.05 && (v - (FLOOR + 1.05)).abs() < 0.05 {
                        c = [0.95, 0.82, 0.35]; // knob
                    }
                    if wall == 1 && (u.abs() < 0.22 && (v - (FLOOR + 1.6)).abs() < 0.22) {
                        c = [0.97, 0.97, 0.95];
                        for (pu, pv) in [(-0.11, 0.11), (0.0, 0.0), (0.11, -0.11)] {
                            let (du, dv) = (u - pu, v - (FLOOR + 1.6) - pv);
                            if du * du + dv * dv < 0.04 * 0.04 {
                                c = [0.1, 0.1, 0.1];
                            }
                        }
                    }
                }
            }
            if text_at(label, u, v, 0.0, top + 0.25, 0.05) {
                c = [0.98, 0.98, 0.96];
            }
            let label_half = label.len() as f64 * 8.0 * 0.05 / 2.0;
            if (u.abs() < 0.75 && v < top + 0.1) || (u.abs() < label_half + 0.05 && v < top + 0.7) {
                id = spot;
            }
        }
    }
    (c, id)
}

fn gallery() -> ([RgbImage; 6], [GrayImage; 6]) {
    let face = |f: usize| {
        let mut img = RgbImage::new(FACE, FACE);
        let mut ids = GrayImage::new(FACE, FACE);
        for py in 0..FACE {
            for px in 0..FACE {
                // 2×2 samples per pixel.
                let mut sum = [0.0; 3];
                for (sx, sy) in [(-0.25, -0.25), (0.25, -0.25), (-0.25, 0.25), (0.25, 0.25)] {
                    let d = face_ray(f, f64::from(px) + sx, f64::from(py) + sy);
                    let (c, _) = gallery_hit(d);
                    sum = [sum[0] + c[0], sum[1] + c[1], sum[2] + c[2]];
                }
                img.put_pixel(px, py, to_rgb(scale(sum, 0.25)));
                let (_, id) = gallery_hit(face_ray(f, f64::from(px), f64::from(py)));
                ids.put_pixel(px, py, Luma([id.0 as u8]));
            }
        }
        (img, ids)
    };
    let all: Vec<(RgbImage, GrayImage)> = (0..6).map(face).collect();
    let images = std::array::from_fn(|i| all[i].0.clone());
    let ids = std::array::from_fn(|i| all[i].1.clone());
    (images, ids)
}

// ---------------------------------------------------------------------------
// Node 3: the dice, a ray-traced die on a turntable.

/// Pips of face value n in face-local (a, b) coordinates, −1..1.
fn pips(n: u32) -> &'static [(f64, f64)] {
    const P: f64 = 0.5;
    match n {
        1 => &[(0.0, 0.0)],
        2 => &[(-P, -P), (P, P)],
        3 => &[(-P, -P), (0.0, 0.0), (P, P)],
        4 => &[(-P, -P), (P, -P), (-P, P), (P, P)],
        5 => &[(-P, -P), (P, -P), (0.0, 0.0), (-P, P), (P, P)],
        _ => &[(-P, -P), (P, -P), (-P, 0.0), (P, 0.0), (-P, P), (P, P)],
    }
}

/// Ray against the die [−1, 1]³: distance and outward normal axis (±1..±3).
fn hit_die(o: DVec3, d: DVec3) -> Option<(f64, usize, f64)> {
    let (mut t0, mut t1) = (f64::NEG_INFINITY, f64::INFINITY);
    let mut axis = (0, 0.0);
    for i in 0..3 {
        if d[i].abs() < 1e-12 {
            if o[i].abs() > 1.0 {
                return None;
            }
            continue;
        }
        let (a, b) = ((-1.0 - o[i]) / d[i], (1.0 - o[i]) / d[i]);
        let (near, far) = if a < b { (a, b) } else { (b, a) };
        if near > t0 {
            t0 = near;
            axis = (i, if d[i] > 0.0 { -1.0 } else { 1.0 });
        }
        t1 = t1.min(far);
    }
    (t0 <= t1 && t0 > 1e-9).then_some((t0, axis.0, axis.1))
}

/// Colour of the die's surface at `p` on the face with normal `axis`·`sign`.
fn die_surface(p: DVec3, axis: usize, sign: f64) -> Col {
    // Opposite faces add up to seven: +z 1, −z 6, +x 2, −x 5, +y 3, −y 4.
    let (value, tint) = match (axis, sign > 0.0) {
        (2, true) => (1, [0.97, 0.55, 0.50]),
        (2, false) => (6, [0.55, 0.70, 0.97]),
        (0, true) => (2, [0.60, 0.90, 0.60]),
        (0, false) => (5, [0.97, 0.85, 0.45]),
        (1, true) => (3, [0.96, 0.96, 0.94]),
        _ => (4, [0.80, 0.62, 0.95]),
    };
    let (a, b) = match axis {
        0 => (p[2], p[1]),
        1 => (p[0], p[2]),
        _ => (p[0], p[1]),
    };
    let edge = a.abs().max(b.abs());
    if edge > 0.95 {
        return scale(tint, 0.55);
    }
    for &(pa, pb) in pips(value) {
        let (da, db) = (a - pa, b - pb);
        if da * da + db * db < 0.19 * 0.19 {
            return [0.08, 0.08, 0.10];
        }
    }
    tint
}

fn dice_frame(pan: f64, tilt: f64) -> RgbImage {
    let (w, h) = (OBJ_W, OBJ_H);
    let dist = 7.5;
    let (ct, st, cp, sp) = (cos(rad(tilt)), sin(rad(tilt)), cos(rad(pan)), sin(rad(pan)));
    // The camera orbits the die; pan turns it counter-clockwise seen from above.
    let eye = DVec3::new(dist * ct * sp, dist * st + 0.3, dist * ct * cp);
    let fwd = normalize(DVec3::new(-eye.x, 0.3 - eye.y, -eye.z));
    let right = normalize(fwd.cross(DVec3::Y));
    let up = right.cross(fwd);
    // Light from above, behind the camera and a little to its left.
    let light = normalize(DVec3::new(
        -0.45 * right.x + 0.75 * sp,
        0.7,
        -0.45 * right.z + 0.75 * cp,
    ));
    let tan_half = 0.30; // vertical half field of view ≈ 16.7°
    let aspect = f64::from(w) / f64::from(h);
    let mut img = RgbImage::new(w, h);
    for py in 0..h {
        for px in 0..w {
            let mut sum = [0.0; 3];
            for (sx, sy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                let nx = (2.0 * (f64::from(px) + sx) / f64::from(w) - 1.0) * tan_half * aspect;
                let ny = (1.0 - 2.0 * (f64::from(py) + sy) / f64::from(h)) * tan_half;
                let d = normalize(fwd + nx * right + ny * up);
                let c = trace_die(eye, d, light, ny);
                sum = [sum[0] + c[0], sum[1] + c[1], sum[2] + c[2]];
            }
            img.put_pixel(px, py, to_rgb(scale(sum, 0.25)));
        }
    }
    img
}

fn trace_die(eye: DVec3, d: DVec3, light: DVec3, ny: f64) -> Col {
    if let Some((t, axis, sign)) = hit_die(eye, d) {
        let p = eye + d * t;
        let mut n = DVec3::ZERO;
        n[axis] = sign;
        let base = die_surface(p, axis, sign);
        let lambert = n.dot(light).max(0.0);
        // Blinn-Phong highlight, exponent 32 by squaring.
        let half = normalize(light - d);
        let mut spec = n.dot(half).max(0.0);
        for _ in 0..5 {
            spec *= spec;
        }
        let c = scale(base, 0.30 + 0.70 * lambert);
        return [c[0] + 0.35 * spec, c[1] + 0.35 * spec, c[2] + 0.35 * spec];
    }
    // Turntable disc at y = −1, radius 2.4, with marks that turn with the die.
    if d[1] < -1e-9 {
        let t = (-1.0 - eye[1]) / d[1];
        let p = DVec3::new(eye.x + d.x * t, -1.0, eye.z + d.z * t);
        let rr = (p.x * p.x + p.z * p.z).sqrt();
        if t > 0.0 && rr < 2.4 {
            let ang = atan2(p[0], p[2]) / (2.0 * PI) * 24.0;
            let mark = (ang - ang.round()).abs() < 0.06 && rr > 1.9;
            let mut c = if rr > 2.3 || mark {
                [0.25, 0.25, 0.28]
            } else {
                [0.62, 0.62, 0.66]
            };
            // The die's shadow.
            if hit_die(p, light).is_some() {
                c = scale(c, 0.55);
            }
            return c;
        }
    }
    mix(
        [0.86, 0.88, 0.92],
        [0.50, 0.56, 0.68],
        clamp01(0.5 + ny * 1.5),
    )
}

fn dice() -> (Vec<RgbImage>, GrayImage) {
    let mut frames = Vec::new();
    for row in 0..OBJ_ROWS {
        let step = f64::from(OBJ_TILT[0] - OBJ_TILT[1]) / f64::from(OBJ_ROWS - 1);
        let tilt = f64::from(OBJ_TILT[0]) - f64::from(row) * step;
        for col in 0..OBJ_COLS {
            let pan = f64::from(col) * 360.0 / f64::from(OBJ_COLS);
            let mut img = dice_frame(pan, tilt);
            // The button back to the meadow, and the view's angles.
            let [x0, y0, x1, y1] = DICE_BUTTON.map(i64::from);
            fill_rect(&mut img, x0, y0, x1, y1, [0.15, 0.25, 0.45]);
            fill_rect(&mut img, x0 + 1, y0 + 1, x1 - 1, y1 - 1, [0.25, 0.45, 0.75]);
            draw_text(
                &mut img,
                "< MEADOW",
                x0 + 6,
                y0 + 5,
                &TextStyle::plain(1, [1.0, 1.0, 1.0]),
            );
            let caption = format!("PAN {pan:3.0} TILT {tilt:2.0}");
            let cw = text_width(&caption, 1);
            draw_text(
                &mut img,
                &caption,
                i64::from(OBJ_W) - cw - 6,
                y0 + 5,
                &TextStyle::plain(1, [0.15, 0.18, 0.25]),
            );
            frames.push(img);
        }
    }
    let mut button = GrayImage::new(OBJ_W, OBJ_H);
    let [x0, y0, x1, y1] = DICE_BUTTON.map(i64::from);
    fill_ids(&mut button, x0, y0, x1, y1, DICE_TO_MEADOW);
    (frames, button)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_maths_matches_the_platform_closely() {
        for i in -200..200 {
            let x = f64::from(i) * 0.173;
            assert!((sin(x) - x.sin()).abs() < 1e-12, "sin {x}");
            assert!((cos(x) - x.cos()).abs() < 1e-12, "cos {x}");
            assert!((atan(x) - x.atan()).abs() < 1e-12, "atan {x}");
            assert!(
                (atan2(x, 1.3 - x) - x.atan2(1.3 - x)).abs() < 1e-12,
                "atan2 {x}"
            );
        }
    }

    #[test]
    fn cube_face_rays_point_at_their_faces() {
        let c = f64::from(FACE - 1) / 2.0;
        let dirs: Vec<[f64; 3]> = (0..6).map(|f| face_ray(f, c, c)).collect();
        assert_eq!(
            dirs,
            vec![
                [0.0, 0.0, 1.0],
                [1.0, 0.0, 0.0],
                [0.0, 0.0, -1.0],
                [-1.0, 0.0, 0.0],
                [0.0, 1.0, 0.0],
                [0.0, -1.0, 0.0]
            ]
        );
    }
}
