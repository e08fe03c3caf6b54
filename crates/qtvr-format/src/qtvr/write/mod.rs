//! Writes QuickTime VR 2 movies: the inverse of the QTVR 2 reader (`v2.rs`).
//!
//! Written by hand because no crate writes QuickTime VR (nor reads it). Two
//! layers:
//!
//! - atom builders (`atoms.rs`), one per QTVR atom the reader interprets ([`string_atom`],
//!   [`ndhd`], [`hsin`], [`link`], [`pdat_of`], [`cuvw`], [`obji`], ...), on top of
//!   the generic QuickTime writers in [`crate::container::build`]. The parser
//!   tests build their movies with them;
//! - [`Tour`] (`tour.rs`): a whole multinode movie from pictures — vertical cylinders,
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

mod atoms;
mod tour;

pub use atoms::*;
pub use tour::*;

// The names the tests below use from the modules they were written against.
#[cfg(test)]
use {
    super::scene::View,
    crate::codec::Palette,
    image::{GrayImage, RgbImage},
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::rle::RleDecoder;
    use crate::codec::{Decoder, Frame, StreamInfo};
    use crate::container::FourCC;
    use crate::limits::Limits;
    use crate::qtvr::scene::{HotspotId, NodeContent, NodeId};

    fn rle_round_trip(indices: &[u8], w: u32, h: u32) -> Vec<u8> {
        let info = StreamInfo {
            codec: FourCC(*b"rle "),
            width: w,
            height: h,
            depth: 8,
            palette: Some(Palette::mac_256()),
        };
        let mut d = RleDecoder::new(&info).unwrap();
        let mut f = Frame::new(w, h, d.kind(), info.palette, &Limits::default()).unwrap();
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
            default_node: NodeId(5),
            jpeg_quality: 80,
            nodes: vec![
                TourNode {
                    id: NodeId(5),
                    name: Some("Cyl".into()),
                    content: TourContent::Cylinder(CylinderSpec {
                        image: RgbImage::new(128, 32),
                        tiles: 4,
                        hotspots: Some(map),
                        limits,
                    }),
                    hotspots: vec![TourHotSpot {
                        id: HotspotId(7),
                        name: None,
                        best_view: None,
                        rect: None,
                        action: HotSpotAction::Link {
                            to_node: NodeId(9),
                            pan: None,
                            tilt: Some(3.0),
                            fov: None,
                        },
                    }],
                },
                TourNode {
                    id: NodeId(9),
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
        assert_eq!((s.default_node, s.nodes.len()), (NodeId(5), 2));
        let NodeContent::Panorama(p) = &s.nodes[0].content else {
            panic!("a panorama")
        };
        assert_eq!((p.image_size, p.tile_grid), ([128, 32], [1, 4]));
        assert_eq!(p.hotspot_image_size, Some([64, 16]));
        assert_eq!(p.limits.default.pan, 90.0);
        let k = s.nodes[0].hotspots[0].link.as_ref().unwrap();
        assert_eq!(
            (k.to_node, k.to_pan, k.to_tilt, k.to_fov),
            (NodeId(9), None, Some(3.0), None)
        );
        let NodeContent::Object(o) = &s.nodes[1].content else {
            panic!("an object")
        };
        assert_eq!((o.rows, o.columns, o.frames_per_view), (2, 3, 1));
        assert_eq!(o.image_track.sample_count, 6);
        assert!(o.hotspot_track.is_none());
    }

    #[test]
    fn encoded_images_replace_the_jpeg_tiles_when_they_fit() {
        use crate::container::build::video_entry;
        let t = tiny_tour();
        // The cylinder's tiles are 32×32 (128×32 in 4 strips, turned).
        let good = EncodedImages {
            description: video_entry(b"mp4v", 32, 32, 24, None),
            samples: (0..4).map(|k| vec![k; 5]).collect(),
            sync_samples: Some(vec![1]),
            composition_offsets: vec![60, 180, 0, 60],
        };
        let bytes = t.write_encoded(&[(NodeId(5), good.clone())]).unwrap();
        let loaded = crate::qtvr::load(&bytes).unwrap();
        let s = loaded.scene.as_ref().unwrap();
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        let NodeContent::Panorama(p) = &s.nodes[0].content else {
            panic!("a panorama")
        };
        let track = loaded
            .movie
            .tracks
            .iter()
            .find(|t| t.id == p.image_track.track_id)
            .unwrap();
        assert_eq!(track.codec(), Some(FourCC(*b"mp4v")));
        assert_eq!(track.composition_offsets, [60, 180, 0, 60]);
        assert_eq!(
            track.samples.iter().map(|s| s.is_sync).collect::<Vec<_>>(),
            [true, false, false, false]
        );
        assert_eq!(track.samples[3].size, 5);
        let refuse = |e: EncodedImages, node: u32, want: &str| {
            let err = t
                .write_encoded(&[(NodeId(node), e)])
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{err}");
        };
        let mut few = good.clone();
        few.samples.pop();
        refuse(few, 5, "3 encoded samples for 4 tiles");
        let mut size = good.clone();
        size.description = video_entry(b"mp4v", 32, 16, 24, None);
        refuse(size, 5, "the tiles 32x32");
        let mut cut = good.clone();
        cut.description.truncate(40);
        refuse(cut, 5, "not one whole video description entry");
        refuse(good, 4, "node 4, which is not in the tour");
    }

    #[test]
    fn inconsistent_tours_are_refused() {
        let check = |f: &dyn Fn(&mut Tour), want: &str| {
            let mut t = tiny_tour();
            f(&mut t);
            let e = t.write().unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
        };
        check(&|t| t.default_node = NodeId(1), "default node 1");
        check(&|t| t.jpeg_quality = 0, "JPEG quality 0");
        check(
            &|t| {
                t.nodes[0].hotspots[0].action = HotSpotAction::Link {
                    to_node: NodeId(4),
                    pan: None,
                    tilt: None,
                    fov: None,
                }
            },
            "links to node 4",
        );
        check(&|t| t.nodes[0].hotspots[0].id = HotspotId(8), "holds ID 7");
        check(&|t| t.nodes[1].id = NodeId(5), "used twice");
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
