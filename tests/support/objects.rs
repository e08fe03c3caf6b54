//! Generated object movies for tests: every view of every state and frame is
//! a flat colour that encodes (row, column, state, frame), with that label
//! written on it, so any decoded frame says which view it is.

#![allow(dead_code)]

use font8x8::UnicodeFonts;
use image::{Rgb, RgbImage};
use qtvr_format::qtvr::scene::{NodeId, View};
use qtvr_format::qtvr::write::{ObjectBehaviour, ObjectSpec, Tour, TourContent, TourNode};

/// Frame size of the generated views.
pub const SIZE: [u32; 2] = [96, 48];

/// The colour of a view: well apart per index, so JPEG keeps them distinct.
pub fn colour(row: u32, column: u32, state: u32, frame: u32) -> [u8; 3] {
    [
        (30 + 70 * row).min(255) as u8,
        (10 + 20 * column).min(255) as u8,
        (20 + 110 * state + 25 * frame).min(255) as u8,
    ]
}

/// The label written on a view.
pub fn label(row: u32, column: u32, state: u32, frame: u32) -> String {
    format!("r{row}c{column}s{state}f{frame}")
}

fn frame(row: u32, column: u32, state: u32, frame: u32) -> RgbImage {
    let mut img = RgbImage::from_pixel(SIZE[0], SIZE[1], Rgb(colour(row, column, state, frame)));
    for (i, ch) in label(row, column, state, frame).chars().enumerate() {
        let Some(glyph) = font8x8::BASIC_FONTS.get(ch) else {
            continue;
        };
        for (y, bits) in glyph.iter().enumerate() {
            for x in 0..8u32 {
                if bits & (1 << x) != 0 {
                    img.put_pixel(2 + i as u32 * 8 + x, 2 + y as u32, Rgb([255, 255, 255]));
                }
            }
        }
    }
    img
}

/// The mean colour of a decoded frame's unlabelled lower right part.
pub fn patch_colour(rgba: &[u8], width: u32) -> [u8; 3] {
    let mut sum = [0u64; 3];
    let mut n = 0u64;
    for y in 24..44 {
        for x in 50..90 {
            let i = ((y * width + x) * 4) as usize;
            for c in 0..3 {
                sum[c] += u64::from(rgba[i + c]);
            }
            n += 1;
        }
    }
    sum.map(|s| (s / n) as u8)
}

/// Whether two colours are within JPEG's error of each other.
pub fn same_colour(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 6)
}

/// An object movie of `rows` × `columns` views over a full turn (30° per
/// column for 12 columns), tilts +30 (top row) to −30, fields of view 16–64
/// (default 64, the whole frame), default pan 180 and tilt 0.
pub fn labelled_object(rows: u32, columns: u32, b: ObjectBehaviour) -> Vec<u8> {
    labelled_object_over(rows, columns, [0.0, 360.0], 180.0, b)
}

/// [`labelled_object`] with columns over the pan range `pan`, starting at `default_pan`.
pub fn labelled_object_over(
    rows: u32,
    columns: u32,
    pan: [f32; 2],
    default_pan: f32,
    b: ObjectBehaviour,
) -> Vec<u8> {
    let states = u32::from(b.view_states);
    let frames_per_view = u32::from(b.frames_per_view);
    let mut frames = Vec::new();
    for s in 0..states {
        for r in 0..rows {
            for c in 0..columns {
                for f in 0..frames_per_view {
                    frames.push(frame(r, c, s, f));
                }
            }
        }
    }
    let tour = Tour {
        name: Some("labelled object".into()),
        default_node: NodeId(1),
        jpeg_quality: 95,
        nodes: vec![TourNode {
            id: NodeId(1),
            name: Some("labelled".into()),
            content: TourContent::Object(ObjectSpec {
                frames,
                rows,
                columns,
                pan,
                tilt: [30.0, -30.0],
                fov: [16.0, 64.0],
                default: View {
                    pan: default_pan,
                    tilt: 0.0,
                    fov: 64.0,
                },
                hotspots: Vec::new(),
                behaviour: b,
            }),
            hotspots: Vec::new(),
        }],
    };
    tour.write().expect("a valid object tour")
}
