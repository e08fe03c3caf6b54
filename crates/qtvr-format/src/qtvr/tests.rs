//! Parser tests on movies built in code: every QTVR 2 and QTVR 1 atom the
//! readers interpret, written with known values and read back.

use super::write::{Pdat, f32s, hsin, link, ndhd, nloc, pdat_of, string_atom, vrsc};
use super::*;
use crate::container::build::{
    Body, MovieWriter, TrackSpec, atom, container, qt_container, qt_leaf, qt_parent, raw_entry,
    video_entry,
};

fn jpeg_tiles(n: usize, dur: u32) -> Vec<(Vec<u8>, u32)> {
    (0..n).map(|i| (vec![i as u8; 10], dur)).collect()
}

/// A QTVR 2 movie: node 1 a vertical cylinder (4 tiles 64x32, hot spots: a link to
/// node 2 and a URL), node 2 a nonstandard 6-face cube with `cufa` and `cuvw`
/// plus a preview track, node 3 an object (2 rows x 3 columns x 2 states x 2 frames).
fn qtvr2_movie() -> Vec<u8> {
    let world = qt_container(&[
        vrsc(9, 2),
        string_atom(9, "Test world"),
        qt_parent(
            b"imgp",
            1,
            &[qt_leaf(
                b"impn",
                2,
                &Body::new()
                    .u16(2)
                    .u16(0)
                    .u32(2)
                    .u32(7)
                    .u32(1)
                    .u32(256)
                    .u32(0)
                    .zeros(32)
                    .done(),
            )],
        ),
        qt_parent(b"vrcp", 1, &[qt_leaf(b"crsr", 128, &[0; 68])]),
        qt_parent(
            b"vrnp",
            1,
            &[1u32, 2, 3].map(|id| {
                qt_parent(
                    b"vrni",
                    id,
                    &[nloc(if id == 3 { b"obje" } else { b"pano" })],
                )
            }),
        ),
    ]);
    let node1 = qt_container(&[
        ndhd(b"pano", 1, 5),
        string_atom(5, "Caf\u{e9} hall"),
        string_atom(6, "To the cube"),
        qt_parent(
            b"hspa",
            1,
            &[
                qt_parent(
                    b"hots",
                    10,
                    &[
                        hsin(b"link", 6, [45.0, -5.0, 30.0], [1, 2, 3, 4]),
                        link(2, 0b101, [90.0, 99.0, 50.0]),
                    ],
                ),
                qt_parent(
                    b"hots",
                    11,
                    &[
                        hsin(b"url ", 0, [0.0, 0.0, 0.0], [0; 4]),
                        qt_leaf(b"url ", 1, b"http://example.org/\0"),
                        qt_leaf(b"XTRA", 1, b"raw"),
                    ],
                ),
            ],
        ),
    ]);
    let node2 = qt_container(&[ndhd(b"pano", 2, 0)]);
    let node3 = qt_container(&[ndhd(b"obje", 3, 0)]);
    let pano1 = qt_container(&[
        pdat_of(&Pdat {
            image_track: 1,
            hotspot_track: 1,
            pan: [0.0, 360.0],
            tilt: [30.0, -30.0],
            fov: [5.0, 60.0],
            default_view: [10.0, 0.0, 50.0],
            size: [32, 256],
            frames: [1, 4],
            flags: 0,
            kind: *b"vcyl",
        }),
        qt_leaf(b"tcon", 1, &f32s(&[-10.0, 10.0])),
    ]);
    // Nonstandard cube: faces given in the order top, front, ... with their quaternions.
    let c = std::f32::consts::FRAC_1_SQRT_2;
    let cufa: Vec<f32> = [
        [c, c, 0.0, 0.0],
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, -1.0, 0.0],
        [c, 0.0, -c, 0.0],
        [-c, 0.0, -c, 0.0],
        [c, -c, 0.0, 0.0],
    ]
    .iter()
    .flat_map(|q| [q[0], q[1], q[2], q[3], 0.0, 0.0, 1.0, 0.0])
    .collect();
    let tref = Body::new().u32(1).bytes(b"imgt").u16(0x8000).u32(3).done();
    let pano2 = qt_container(&[
        pdat_of(&Pdat {
            image_track: 2,
            hotspot_track: 0,
            pan: [0.0, 360.0],
            tilt: [-45.0, 45.0],
            fov: [5.0, 60.0],
            default_view: [0.0, 0.0, 0.0],
            size: [7680, 64],
            frames: [4, 1],
            flags: 1,
            kind: *b"cube",
        }),
        qt_leaf(
            b"cuvw",
            1,
            &f32s(&[0.0, 360.0, -80.0, 80.0, 10.0, 100.0, 180.0, 5.0, 70.0]),
        ),
        qt_leaf(b"cufa", 1, &f32s(&cufa)),
        qt_leaf(b"tref", 1, &tref),
    ]);
    let obji = Body::new()
        .u16(2)
        .u16(0)
        .u16(4)
        .u16(2)
        .u16(1)
        .u16(2)
        .u32(60)
        .u32(3)
        .u32(2)
        .f32(180.0);
    let obji = obji
        .f32(0.0)
        .f32(360.0)
        .f32(120.0)
        .f32(20.0)
        .f32(-20.0)
        .f32(20.0)
        .f32(0.0)
        .f32(64.0)
        .f32(64.0)
        .f32(32.0)
        .f32(16.0)
        .f32(1.0)
        .f32(2.0)
        .u32(5)
        .u32(0xd)
        .done();
    let obj = qt_container(&[qt_leaf(b"obji", 1, &obji)]);
    let tiles = |id: u32, w: u16, h: u16, n: usize, dur: u32, en: bool| TrackSpec {
        id,
        enabled: en,
        handler: *b"vide",
        media_timescale: 600,
        descriptions: vec![video_entry(b"jpeg", w, h, 24, None)],
        samples: jpeg_tiles(n, dur),
        width: w,
        height: h,
        ..Default::default()
    };
    let mut img1 = tiles(4, 32, 64, 4, 60, false); // cylinder tiles, then cube faces
    img1.descriptions = vec![video_entry(b"jpeg", 32, 64, 24, None)];
    let cube_faces = tiles(5, 64, 64, 6, 40, false);
    let mut cube_preview = tiles(6, 16, 16, 6, 40, false);
    cube_preview.edits = vec![(240, -1, 1.0), (240, 0, 1.0)];
    let mut cube_faces = cube_faces;
    cube_faces.edits = vec![(240, -1, 1.0), (240, 0, 1.0)];
    let mut hot = tiles(7, 32, 64, 4, 60, false);
    hot.descriptions = vec![video_entry(
        b"smc ",
        32,
        64,
        8,
        Some(&[[0, 0, 0, 0], [1, 0xffff, 0, 0]]),
    )];
    let mut object = tiles(8, 64, 32, 24, 30, true);
    object.edits = vec![(480, -1, 1.0), (720, 0, 1.0)];
    let w = MovieWriter {
        timescale: 600,
        co64: true,
        user_data: vec![atom(b"ctyp", b"qtvr")],
        tracks: vec![
            TrackSpec {
                id: 1,
                enabled: true,
                handler: *b"qtvr",
                media_timescale: 600,
                descriptions: vec![raw_entry(b"qtvr", &world)],
                samples: vec![(node1, 240), (node2, 240), (node3, 720)],
                references: vec![(*b"pano", vec![2]), (*b"obje", vec![3])],
                ..Default::default()
            },
            TrackSpec {
                id: 2,
                enabled: true,
                handler: *b"pano",
                media_timescale: 600,
                descriptions: vec![raw_entry(b"pano", &[])],
                samples: vec![(pano1, 240), (pano2, 240)],
                references: vec![(*b"imgt", vec![4, 5, 6]), (*b"hott", vec![7])],
                ..Default::default()
            },
            TrackSpec {
                id: 3,
                enabled: true,
                handler: *b"obje",
                media_timescale: 600,
                descriptions: vec![raw_entry(b"obje", &[])],
                samples: vec![(obj, 720)],
                edits: vec![(480, -1, 1.0), (720, 0, 1.0)],
                references: vec![(*b"imgt", vec![8])],
                ..Default::default()
            },
            img1,
            cube_faces,
            cube_preview,
            hot,
            object,
        ],
    };
    w.finish()
}

#[test]
fn qtvr2_multinode_movie_reads_back() {
    let bytes = qtvr2_movie();
    let l = load(&bytes).unwrap();
    let s = l.scene.expect("a QTVR scene");
    assert_eq!(s.qtvr_version, "2.0");
    assert_eq!(s.name.as_deref(), Some("Test world"));
    assert_eq!(s.default_node, NodeId(2));
    assert_eq!(
        s.nodes.iter().map(|n| n.id).collect::<Vec<_>>(),
        [1, 2, 3].map(NodeId)
    );
    assert_eq!(
        s.imaging,
        vec![PanoImaging {
            id: 2,
            imaging_mode: 2,
            valid_flags: 7,
            correction: 1,
            quality: 256,
            direct_draw: 0
        }]
    );
    assert_eq!(s.cursors, vec![(FourCC::new(b"crsr"), 128, 68)]);

    let n1 = &s.nodes[0];
    assert_eq!(n1.name.as_deref(), Some("Café hall"));
    let NodeContent::Panorama(p) = &n1.content else {
        panic!("node 1 kind")
    };
    assert_eq!(
        p.projection,
        Projection::Cylinder {
            orientation: CylinderOrientation::Vertical,
            legacy_flags: false,
            first_tile: FirstTile::Rightmost
        }
    );
    assert_eq!((p.image_size, p.tile_grid), ([256, 32], [1, 4]));
    assert_eq!(
        (
            p.image_track.track_id,
            p.image_track.first_sample,
            p.image_track.sample_count
        ),
        (TrackId(4), 1, 4)
    );
    assert_eq!(
        p.hotspot_track
            .as_ref()
            .map(|h| (h.track_id, h.codec, h.depth)),
        Some((TrackId(7), FourCC::new(b"smc "), 8))
    );
    // tilt stored reversed (30, -30), clipped to the image's extent and then the tcon constraint.
    assert_eq!(p.limits.tilt, [-10.0, 10.0]);
    assert_eq!(p.constraints.tilt, Some([-10.0, 10.0]));
    assert_eq!((p.limits.pan, p.limits.wraps), ([0.0, 360.0], true));
    // The largest field of view is the image's own vertical extent: 256x32 → ±atan(16/r).
    let r = 256.0 / (2.0 * std::f64::consts::PI);
    let extent = 2.0 * (16.0f64 / r).atan().to_degrees() as f32;
    assert!(
        (p.limits.fov[1] - extent).abs() < 0.01,
        "{:?}",
        p.limits.fov
    );
    assert_eq!(p.limits.fov[0], 5.0);
    assert_eq!(
        p.limits.default,
        View {
            pan: 10.0,
            tilt: 0.0,
            fov: p.limits.fov[1]
        }
    );
    assert_eq!(n1.hotspots.len(), 2);
    let h = &n1.hotspots[0];
    assert_eq!(
        (h.id, h.kind, h.name.as_deref()),
        (HotspotId(10), FourCC::new(b"link"), Some("To the cube"))
    );
    assert_eq!(
        h.best_view,
        Some(View {
            pan: 45.0,
            tilt: -5.0,
            fov: 30.0
        })
    );
    assert_eq!(h.rect, Some([1, 2, 3, 4]));
    let k = h.link.as_ref().unwrap();
    assert_eq!(
        (k.to_node, k.to_pan, k.to_tilt, k.to_fov),
        (NodeId(2), Some(90.0), None, Some(50.0))
    );
    let u = &n1.hotspots[1];
    assert_eq!(
        (u.kind, u.url.as_deref()),
        (FourCC::new(b"url "), Some("http://example.org/"))
    );
    assert_eq!(u.custom, vec![(FourCC::new(b"XTRA"), b"raw".to_vec())]);

    let NodeContent::Panorama(c) = &s.nodes[1].content else {
        panic!("node 2 kind")
    };
    let Projection::Cube { faces, standard } = &c.projection else {
        panic!("node 2 projection")
    };
    assert!(!standard);
    assert_eq!(faces.len(), 6);
    assert_eq!(faces[2].orientation, [0.0, 0.0, -1.0, 0.0]);
    assert_eq!((c.image_size, c.tile_grid), ([64, 64], [1, 1]));
    assert_eq!(
        (c.image_track.track_id, c.image_track.first_sample),
        (TrackId(5), 1)
    );
    assert_eq!(c.limits.tilt, [-80.0, 80.0]);
    assert_eq!(
        c.limits.default,
        View {
            pan: 180.0,
            tilt: 5.0,
            fov: 70.0
        }
    );
    assert_eq!(c.limits.source, "cuvw");
    assert_eq!(
        c.preview_track
            .as_ref()
            .map(|t| (t.track_id, t.width, t.sample_count)),
        Some((TrackId(6), 16, 6))
    );

    let NodeContent::Object(o) = &s.nodes[2].content else {
        panic!("node 3 kind")
    };
    assert_eq!(
        (o.rows, o.columns, o.view_states, o.frames_per_view),
        (2, 3, 2, 2)
    );
    assert_eq!(
        (o.controller, o.animation_settings, o.control_settings),
        (ObjectController::Grabber, 5, 0xd)
    );
    assert_eq!((o.default_view_state, o.mouse_down_view_state), (1, 2));
    assert_eq!(o.view_center, [32.0, 16.0]);
    assert_eq!(o.limits.tilt, [-20.0, 20.0]);
    assert_eq!(o.sample_for(0, 0, 0, 0), Some(0));
    assert_eq!(o.sample_for(1, 2, 1, 1), Some(23));
    assert_eq!(o.sample_for(2, 0, 0, 0), None);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.message.contains("reversed order")),
        "{:?}",
        s.warnings
    );
}

#[test]
fn qtvr2_cylinder_with_inconsistent_pdat_uses_the_track() {
    // pdat claims a 2x3 grid and a 999x999 image; the track holds 4 tiles.
    let node = qt_container(&[ndhd(b"pano", 7, 0)]);
    let pano = qt_container(&[pdat_of(&Pdat {
        image_track: 1,
        hotspot_track: 0,
        pan: [0.0, 360.0],
        tilt: [0.0, 0.0],
        fov: [0.0, 0.0],
        default_view: [0.0, 0.0, 0.0],
        size: [999, 999],
        frames: [2, 3],
        flags: 1,
        kind: [0; 4],
    })]);
    let w = MovieWriter {
        timescale: 600,
        co64: false,
        user_data: vec![atom(b"ctyp", b"qtvr")],
        tracks: vec![
            TrackSpec {
                id: 1,
                enabled: true,
                handler: *b"qtvr",
                media_timescale: 600,
                descriptions: vec![raw_entry(b"qtvr", &[])],
                samples: vec![(node, 100)],
                references: vec![(*b"pano", vec![2])],
                ..Default::default()
            },
            TrackSpec {
                id: 2,
                enabled: true,
                handler: *b"pano",
                media_timescale: 600,
                samples: vec![(pano, 100)],
                references: vec![(*b"imgt", vec![3])],
                ..Default::default()
            },
            TrackSpec {
                id: 3,
                handler: *b"vide",
                media_timescale: 600,
                descriptions: vec![video_entry(b"rpza", 100, 50, 16, None)],
                samples: jpeg_tiles(4, 25),
                samples_per_chunk: 3,
                ..Default::default()
            },
        ],
    };
    let s = load(&w.finish()).unwrap().scene.unwrap();
    let NodeContent::Panorama(p) = &s.nodes[0].content else {
        panic!()
    };
    assert_eq!(
        p.projection,
        Projection::Cylinder {
            orientation: CylinderOrientation::Horizontal,
            legacy_flags: true,
            first_tile: FirstTile::Leftmost
        }
    );
    assert_eq!((p.image_size, p.tile_grid), ([400, 50], [4, 1]));
    // Tilt from geometry: r = 400/(2π), half = atan(25/r).
    let r = 400.0 / (2.0 * std::f64::consts::PI);
    let half = (25.0f64 / r).atan().to_degrees() as f32;
    assert!((p.limits.tilt[1] - half).abs() < 1e-4 && (p.limits.tilt[0] + half).abs() < 1e-4);
    let range = p.limits.tilt[1] - p.limits.tilt[0];
    assert_eq!(p.limits.fov, [range * 0.05, range]);
    let msgs: Vec<_> = s.warnings.iter().map(|w| w.message.clone()).collect();
    assert!(msgs.iter().any(|m| m.contains("2x3 tile grid")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.contains("999x999")), "{msgs:?}");
    assert_eq!(s.default_node, NodeId(7));
}

/// A QTVR 1 panorama: 2 nodes, `pInf`, the 152-byte `pano` description, pHdr/pHot/pLnk/strT.
fn qtvr1_pano_movie() -> Vec<u8> {
    let mut desc = Body::new()
        .u16(0)
        .u16(0)
        .u32(3)
        .u32(0)
        .zeros(24)
        .u32(4)
        .zeros(36);
    desc = desc
        .fixed16(0.0)
        .fixed16(360.0)
        .fixed16(30.0)
        .fixed16(-30.0)
        .fixed16(5.0)
        .fixed16(60.0);
    desc = desc
        .u32(64)
        .u32(512)
        .u32(4)
        .u16(0)
        .u16(1)
        .u16(4)
        .u16(24)
        .u32(64)
        .u32(512)
        .u16(0)
        .u16(1)
        .u16(4)
        .u16(8);
    let desc = desc.done();
    assert_eq!(desc.len() + 16, 152);
    let pinf = Body::new()
        .pascal("Two rooms", 32)
        .u32(20)
        .fixed16(50.0)
        .u32(0)
        .i16(0)
        .i16(2)
        .u32(10)
        .u32(0)
        .u32(20)
        .u32(200)
        .done();
    let node = |id: u32, name: &str, to: u32| {
        let strt = Body::new().pascal(name, 0).pascal("Door", 0).done();
        let name_off = 8u32;
        let door_off = 8 + 1 + name.len() as u32;
        let phdr = Body::new()
            .u32(id)
            .fixed16(90.0)
            .fixed16(5.0)
            .fixed16(40.0)
            .zeros(32)
            .u32(name_off)
            .u32(0)
            .done();
        let phot = Body::new().u16(0).i16(2);
        let phot = phot
            .u16(3)
            .u16(0)
            .bytes(b"link")
            .u32(1)
            .fixed16(200.0)
            .fixed16(-10.0)
            .fixed16(30.0)
            .i16(10)
            .i16(20)
            .i16(30)
            .i16(40)
            .zeros(16)
            .u32(door_off)
            .u32(0);
        let phot = phot
            .u16(4)
            .u16(0)
            .bytes(b"undf")
            .u32(0)
            .fixed16(10.0)
            .fixed16(0.0)
            .fixed16(30.0)
            .zeros(8)
            .zeros(16)
            .u32(0)
            .u32(0)
            .done();
        let plnk = Body::new()
            .u16(0)
            .i16(1)
            .u16(1)
            .u16(0)
            .zeros(8)
            .u32(to)
            .zeros(12)
            .fixed16(270.0)
            .fixed16(0.0)
            .fixed16(45.0)
            .zeros(8)
            .u32(0)
            .u32(0)
            .done();
        [
            atom(b"pHdr", &phdr),
            atom(b"pHot", &phot),
            atom(b"pLnk", &plnk),
            atom(b"strT", &strt),
        ]
        .concat()
    };
    let tiles = |id: u32, codec: &[u8; 4], depth: i16| TrackSpec {
        id,
        handler: *b"vide",
        media_timescale: 600,
        descriptions: vec![video_entry(codec, 64, 128, depth, None)],
        samples: jpeg_tiles(8, 50),
        ..Default::default()
    };
    MovieWriter {
        timescale: 600,
        co64: false,
        user_data: vec![atom(b"ctyp", b"STpn")],
        tracks: vec![
            tiles(3, b"cvid", 24),
            tiles(4, b"smc ", 8),
            TrackSpec {
                id: 5,
                enabled: true,
                handler: *b"STpn",
                media_timescale: 600,
                descriptions: vec![raw_entry(b"pano", &desc)],
                samples: vec![(node(10, "North", 20), 200), (node(20, "South", 10), 200)],
                gmhd_children: vec![container(b"STpn", &[atom(b"pInf", &pinf)])],
                ..Default::default()
            },
        ],
    }
    .finish()
}

#[test]
fn qtvr1_panorama_reads_back() {
    let s = load(&qtvr1_pano_movie()).unwrap().scene.unwrap();
    assert_eq!(
        (s.qtvr_version.as_str(), s.controller),
        ("1.0", FourCC::new(b"STpn"))
    );
    assert_eq!(
        (s.name.as_deref(), s.default_node),
        (Some("Two rooms"), NodeId(20))
    );
    assert_eq!(s.nodes.len(), 2);
    let n = &s.nodes[1];
    assert_eq!((n.id, n.name.as_deref()), (NodeId(20), Some("South")));
    let NodeContent::Panorama(p) = &n.content else {
        panic!()
    };
    assert_eq!((p.image_size, p.tile_grid), ([512, 64], [1, 4]));
    assert_eq!(
        (
            p.image_track.track_id,
            p.image_track.first_sample,
            p.image_track.sample_count
        ),
        (TrackId(3), 5, 4)
    );
    assert_eq!(
        p.hotspot_track
            .as_ref()
            .map(|h| (h.track_id, h.first_sample)),
        Some((TrackId(4), 5))
    );
    assert_eq!(
        p.limits.default,
        View {
            pan: 90.0,
            tilt: 5.0,
            fov: 40.0
        }
    );
    assert_eq!(p.limits.source, "pano");
    assert_eq!(n.hotspots.len(), 2);
    let h = &n.hotspots[0];
    assert_eq!(
        (h.id, h.kind, h.name.as_deref(), h.rect),
        (
            HotspotId(3),
            FourCC::new(b"link"),
            Some("Door"),
            Some([10, 20, 30, 40])
        )
    );
    assert_eq!(
        h.best_view,
        Some(View {
            pan: 200.0,
            tilt: -10.0,
            fov: 30.0
        })
    );
    let k = h.link.as_ref().unwrap();
    assert_eq!(
        (k.to_node, k.to_pan, k.to_tilt, k.to_fov),
        (NodeId(10), Some(270.0), Some(0.0), Some(45.0))
    );
    assert_eq!(n.hotspots[1].kind, FourCC::new(b"undf"));
}

#[test]
fn qtvr1_object_reads_back() {
    let navg = Body::new()
        .u16(1)
        .u16(6)
        .u16(2)
        .u16(0)
        .u16(3)
        .u16(60)
        .u16(1)
        .u16(6);
    let navg = navg
        .fixed16(50.0)
        .fixed16(0.0)
        .fixed16(360.0)
        .fixed16(-40.0)
        .fixed16(40.0)
        .fixed16(120.0)
        .fixed16(0.0)
        .u32(0)
        .done();
    let w = MovieWriter {
        timescale: 600,
        co64: false,
        user_data: vec![atom(b"ctyp", b"stna"), atom(b"NAVG", &navg)],
        tracks: vec![TrackSpec {
            id: 1,
            enabled: true,
            handler: *b"vide",
            media_timescale: 600,
            descriptions: vec![video_entry(b"cvid", 80, 60, 24, None)],
            samples: jpeg_tiles(36, 60),
            ..Default::default()
        }],
    };
    let s = load(&w.finish()).unwrap().scene.unwrap();
    let NodeContent::Object(o) = &s.nodes[0].content else {
        panic!()
    };
    assert_eq!((o.rows, o.columns, o.frames_per_view), (2, 6, 3));
    assert_eq!(o.tilt, [40.0, -40.0]);
    assert_eq!(o.limits.tilt, [-40.0, 40.0]);
    assert_eq!(
        o.limits.default,
        View {
            pan: 120.0,
            tilt: 0.0,
            fov: 50.0
        }
    );
    assert_eq!(o.sample_for(1, 2, 0, 1), Some((6 + 2) * 3 + 1));
}

#[test]
fn compressed_movie_header_is_inflated() {
    let plain = qtvr1_pano_movie();
    // Split into mdat + moov, compress moov into cmov, keep offsets valid.
    let mdat_len = u32::from_be_bytes(plain[..4].try_into().unwrap()) as usize;
    let moov = &plain[mdat_len..];
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut z, moov).unwrap();
    let packed = z.finish().unwrap();
    let cmov = container(
        b"cmov",
        &[
            atom(b"dcom", b"zlib"),
            atom(
                b"cmvd",
                &Body::new().u32(moov.len() as u32).bytes(&packed).done(),
            ),
        ],
    );
    let mut file = plain[..mdat_len].to_vec();
    file.extend(container(b"moov", &[cmov]));
    let l = load(&file).unwrap();
    assert!(l.movie.compressed_header);
    assert_eq!(l.scene.unwrap().nodes.len(), 2);

    // A wrong algorithm is reported with the atom name.
    let bad = container(
        b"moov",
        &[container(
            b"cmov",
            &[atom(b"dcom", b"lzss"), atom(b"cmvd", &[0; 8])],
        )],
    );
    let e = load(&bad).unwrap_err().to_string();
    assert!(e.contains("'dcom'") && e.contains("lzss"), "{e}");
}

#[test]
fn plain_quicktime_movie_has_no_scene() {
    let w = MovieWriter {
        timescale: 600,
        co64: false,
        user_data: vec![],
        tracks: vec![TrackSpec {
            id: 1,
            enabled: true,
            handler: *b"vide",
            media_timescale: 600,
            descriptions: vec![video_entry(b"jpeg", 8, 8, 24, None)],
            samples: jpeg_tiles(3, 20),
            ..Default::default()
        }],
    };
    let l = load(&w.finish()).unwrap();
    assert!(l.scene.is_none());
    assert_eq!(l.movie.tracks[0].samples.len(), 3);
    assert!(l.movie.tracks[0].data_refs[0].self_contained);
}

#[test]
fn qtvr_movie_without_its_vr_track_is_a_scene_error() {
    use crate::error::SceneError;
    let movie = |ctyp: &[u8; 4]| {
        MovieWriter {
            timescale: 600,
            co64: false,
            user_data: vec![atom(b"ctyp", ctyp)],
            tracks: vec![TrackSpec {
                id: 1,
                enabled: true,
                handler: *b"vide",
                media_timescale: 600,
                descriptions: vec![video_entry(b"jpeg", 8, 8, 24, None)],
                samples: jpeg_tiles(3, 20),
                ..Default::default()
            }],
        }
        .finish()
    };
    let e = load(&movie(b"qtvr")).unwrap_err();
    assert!(
        matches!(e, crate::Error::Scene(SceneError::NoQtvrTrack)),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "QTVR 2 movie without a QTVR track (no track with handler 'qtvr')"
    );
    let e = load(&movie(b"STpn")).unwrap_err();
    assert!(
        matches!(e, crate::Error::Scene(SceneError::NoV1PanoramaTrack)),
        "{e:?}"
    );
    let e = load(&movie(b"stna")).unwrap_err();
    assert!(
        matches!(e, crate::Error::Scene(SceneError::NoNavg)),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "QTVR 1 object movie without its 'NAVG' user data"
    );
}

#[test]
fn scene_errors_read_as_before() {
    use crate::error::{Location, SceneError};
    let text = |e: SceneError| crate::Error::from(e).to_string();
    assert_eq!(
        text(SceneError::NoNodes { first_skip: None }),
        "no node of this QTVR movie could be read: no node samples"
    );
    assert_eq!(
        text(SceneError::NoNodes {
            first_skip: Some("node 1 (QTVR sample 1) skipped: why".into())
        }),
        "no node of this QTVR movie could be read: node 1 (QTVR sample 1) skipped: why"
    );
    assert_eq!(
        text(SceneError::NoV1Nodes { first_skip: None }),
        "no node of this QTVR 1 panorama could be read: the node list matches no panorama sample"
    );
    assert_eq!(
        text(SceneError::NoNodeSample {
            node: NodeId(4),
            track: TrackId(2),
            samples: FourCC::new(b"pdat"),
        }),
        "node 4: track 2 (the 'pdat' samples) has no sample at the node's time"
    );
    assert_eq!(
        text(SceneError::NoImageTrackReference {
            node: NodeId(3),
            track_kind: "object",
        }),
        "node 3: the object track references no image track ('imgt')"
    );
    assert_eq!(
        text(SceneError::CubeTileCount {
            node: NodeId(1),
            tiles: 7,
        }),
        "node 1: a cube without 'cufa' needs 6 or 6·n² tiles, its image track holds 7"
    );
    assert_eq!(
        text(SceneError::UnknownNodeType {
            node: NodeId(9),
            node_type: FourCC::new(b"xyzw"),
        }),
        "node 9 has unknown node type 'xyzw'"
    );
    assert_eq!(
        text(SceneError::NoNodeHeader {
            location: Location::file(40),
        }),
        "panorama sample at file offset 40 has no node header ('pHdr')"
    );
    assert_eq!(
        text(SceneError::NoSample {
            track: TrackId(5),
            sample: 3,
        }),
        "track 5 has no sample 3"
    );
    // The IDs print, debug-print and serialise as bare numbers.
    assert_eq!(
        format!("{} {:?}", NodeId(7), [HotspotId(1), HotspotId(2)]),
        "7 [1, 2]"
    );
    assert_eq!(serde_json::to_string(&TrackId(3)).unwrap(), "3");
}

#[test]
fn data_fork_without_movie_atom_says_resource_fork() {
    let e = load(&atom(b"mdat", &[0; 64])).unwrap_err().to_string();
    assert!(e.contains("resource fork"), "{e}");
    let e = load(&b"\x89PNG\r\n\x1a\n0000000000".to_vec())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("not a QuickTime movie"), "{e}");
    assert!(matches!(load(&Vec::new()), Err(crate::Error::EmptyFile)));
}

#[test]
fn external_data_reference_is_reported() {
    let mut bytes = qtvr1_pano_movie();
    // Flip the first 'alis' data reference's self-contained flag.
    let pos = bytes.windows(4).position(|w| w == b"alis").unwrap();
    let pos = bytes[pos + 4..]
        .windows(4)
        .position(|w| w == b"alis")
        .map(|p| p + pos + 4)
        .unwrap();
    bytes[pos + 7] = 0;
    let l = load(&bytes).unwrap();
    assert!(
        l.movie
            .tracks
            .iter()
            .any(|t| t.data_refs.iter().any(|d| !d.self_contained))
    );
}

#[test]
fn limits_are_finite_and_ordered_whatever_the_values() {
    use super::limits::{ObjectParams, check_object, finish_limits};
    let odd = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.0,
        1e-34,
        -1e30,
        45.0,
    ];
    let ok = |l: &scene::ViewLimits| {
        let pairs = [l.pan, l.tilt, l.fov];
        pairs
            .iter()
            .all(|p| p[0].is_finite() && p[1].is_finite() && p[0] <= p[1])
            && [l.default.pan, l.default.tilt, l.default.fov]
                .iter()
                .all(|v| v.is_finite())
    };
    let mut warnings = Vec::new();
    let image = scene::TrackUse {
        track_id: TrackId(1),
        codec: crate::container::FourCC(*b"jpeg"),
        first_sample: 1,
        sample_count: 4,
        width: 8,
        height: 8,
        depth: 24,
        samples: (0..4).collect(),
    };
    for (i, &a) in odd.iter().enumerate() {
        for &b in &odd {
            let c = odd[(i + 3) % odd.len()];
            let d = scene::View {
                pan: b,
                tilt: a,
                fov: c,
            };
            let l = finish_limits([a, b], [b, a], [c, b], d, "test", NodeId(1), &mut warnings);
            assert!(ok(&l), "{l:?}");
            assert!(l.fov[1] > 0.0, "{l:?}");
            let p = ObjectParams {
                node: NodeId(1),
                rows: 2,
                columns: 2,
                view_states: 1,
                frames_per_view: 1,
                pan: [a, b],
                tilt: [b, c],
                fov: [c, a],
                default: d,
                source: "test",
            };
            let (_, _, _, l) = check_object(&mut warnings, &p, &image);
            assert!(ok(&l), "{l:?}");
        }
    }
}
