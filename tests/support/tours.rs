//! A three-node tour built for tests: a cylinder, a cube and an object, joined
//! by link hot spots, with a URL and an undefined hot spot. The hot spot maps
//! are at other resolutions than the images (the cylinder's at half, the cube
//! faces' at 3/4), so picking must work in the hot spot track's own pixels.

#![allow(dead_code)]

use image::{GrayImage, Luma, Rgb, RgbImage};
use qtvr_format::qtvr::scene::{HotspotId, NodeId, View};
use qtvr_format::qtvr::write::{
    CubeSpec, CylinderSpec, HotSpotAction, ObjectBehaviour, ObjectSpec, PanoLimits, Tour,
    TourContent, TourHotSpot, TourNode,
};

pub const CYLINDER: NodeId = NodeId(1);
pub const CUBE: NodeId = NodeId(2);
pub const OBJECT: NodeId = NodeId(3);

/// Hot spot IDs.
pub const TO_CUBE: HotspotId = HotspotId(1);
pub const WEB: HotspotId = HotspotId(2);
pub const SIGN: HotspotId = HotspotId(3);
pub const CUBE_TO_CYLINDER: HotspotId = HotspotId(4);
pub const CUBE_TO_OBJECT: HotspotId = HotspotId(5);
pub const OBJECT_TO_CYLINDER: HotspotId = HotspotId(6);

pub const URL: &str = "https://example.org/qtvr-tour";

/// Cylinder image 1024×256 (4 strips); hot spot map 512×128.
pub const CYL: [u32; 2] = [1024, 256];
pub const CYL_MAP: [u32; 2] = [512, 128];
/// Cube faces 96², hot spot maps 72².
pub const FACE: u32 = 96;
pub const FACE_MAP: u32 = 72;
/// Object frames 64×48, one hot spot map 64×48 for every view.
pub const FRAME: [u32; 2] = [64, 48];

/// Where each hot spot is in its map: (id, node, face or 0, [x0, y0, x1, y1]).
pub const SPOTS: [(HotspotId, NodeId, usize, [u32; 4]); 6] = [
    // Cylinder map: x from pan (512 px = 360°, pan 360 at the left), y rows.
    (TO_CUBE, CYLINDER, 0, [200, 40, 260, 90]),
    (WEB, CYLINDER, 0, [300, 50, 340, 80]),
    (SIGN, CYLINDER, 0, [40, 30, 100, 100]),
    // Cube: front face (0) and left face (3).
    (CUBE_TO_CYLINDER, CUBE, 0, [20, 20, 50, 50]),
    (CUBE_TO_OBJECT, CUBE, 3, [10, 30, 60, 60]),
    (OBJECT_TO_CYLINDER, OBJECT, 0, [4, 4, 30, 20]),
];

fn map(size: [u32; 2], node: NodeId, face: usize) -> GrayImage {
    let mut m = GrayImage::new(size[0], size[1]);
    for (id, n, f, [x0, y0, x1, y1]) in SPOTS {
        if n == node && f == face {
            for y in y0..y1 {
                for x in x0..x1 {
                    m.put_pixel(x, y, Luma([id.0 as u8]));
                }
            }
        }
    }
    m
}

pub fn gradient(w: u32, h: u32, tint: [u8; 3]) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let a = (x * 255 / w.max(1)) as u8;
        let b = (y * 255 / h.max(1)) as u8;
        Rgb([
            a / 2 + tint[0] / 2,
            b / 2 + tint[1] / 2,
            (a ^ b) / 2 + tint[2] / 2,
        ])
    })
}

fn link(
    id: HotspotId,
    name: &str,
    to: NodeId,
    view: [Option<f32>; 3],
    best: Option<View>,
) -> TourHotSpot {
    TourHotSpot {
        id,
        name: Some(name.into()),
        best_view: best,
        rect: None,
        action: HotSpotAction::Link {
            to_node: to,
            pan: view[0],
            tilt: view[1],
            fov: view[2],
        },
    }
}

pub fn v(pan: f32, tilt: f32, fov: f32) -> View {
    View { pan, tilt, fov }
}

/// The tour's bytes.
pub fn tour() -> Vec<u8> {
    tour_spec().write().expect("a valid tour")
}

/// The tour, to write ([`Tour::write`], or [`Tour::write_encoded`] with other
/// samples for a node).
pub fn tour_spec() -> Tour {
    let cylinder = TourNode {
        id: CYLINDER,
        name: Some("Field".into()),
        content: TourContent::Cylinder(CylinderSpec {
            image: gradient(CYL[0], CYL[1], [40, 160, 60]),
            tiles: 4,
            hotspots: Some(map(CYL_MAP, CYLINDER, 0)),
            limits: PanoLimits {
                pan: [0.0, 360.0],
                tilt: [-35.0, 35.0],
                fov: [10.0, 60.0],
                default: v(0.0, 0.0, 50.0),
            },
        }),
        hotspots: vec![
            link(
                TO_CUBE,
                "Into the cube",
                CUBE,
                [Some(30.0), Some(10.0), Some(70.0)],
                Some(v(135.0, 2.0, 30.0)),
            ),
            TourHotSpot {
                id: WEB,
                name: Some("Web site".into()),
                best_view: None,
                rect: None,
                action: HotSpotAction::Url(URL.into()),
            },
            TourHotSpot {
                id: SIGN,
                name: Some("Sign".into()),
                best_view: None,
                rect: None,
                action: HotSpotAction::Undefined,
            },
        ],
    };
    let faces: [RgbImage; 6] =
        std::array::from_fn(|i| gradient(FACE, FACE, [(i as u8) * 40, 200 - (i as u8) * 30, 90]));
    let cube = TourNode {
        id: CUBE,
        name: Some("Box".into()),
        content: TourContent::Cube(Box::new(CubeSpec {
            faces,
            hotspots: Some(std::array::from_fn(|f| map([FACE_MAP; 2], CUBE, f))),
            limits: PanoLimits {
                pan: [0.0, 360.0],
                tilt: [-90.0, 90.0],
                fov: [10.0, 100.0],
                default: v(0.0, 0.0, 80.0),
            },
        })),
        hotspots: vec![
            link(
                CUBE_TO_CYLINDER,
                "Back to the field",
                CYLINDER,
                [Some(180.0), None, None],
                Some(v(0.0, 0.0, 40.0)),
            ),
            link(
                CUBE_TO_OBJECT,
                "The object",
                OBJECT,
                [Some(90.0), Some(-30.0), None],
                None,
            ),
        ],
    };
    let rows = 3;
    let columns = 8;
    let frames = (0..rows * columns)
        .map(|i| gradient(FRAME[0], FRAME[1], [(i * 10) as u8, 100, 200]))
        .collect();
    let object = TourNode {
        id: OBJECT,
        name: Some("Thing".into()),
        content: TourContent::Object(ObjectSpec {
            frames,
            rows,
            columns,
            pan: [0.0, 360.0],
            tilt: [30.0, -30.0],
            fov: [16.0, 64.0],
            default: v(0.0, 0.0, 64.0),
            hotspots: vec![map(FRAME, OBJECT, 0)],
            behaviour: ObjectBehaviour::default(),
        }),
        hotspots: vec![link(
            OBJECT_TO_CYLINDER,
            "Out",
            CYLINDER,
            [None, None, None],
            None,
        )],
    };
    Tour {
        name: Some("test tour".into()),
        default_node: CYLINDER,
        nodes: vec![cylinder, cube, object],
        jpeg_quality: 90,
    }
}
