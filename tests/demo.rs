//! The bundled demo movie: `assets/demo.mov` is exactly what `qtvr_demo`
//! makes; the project's reader reads it without a warning, every node's
//! pictures assemble and its hot spots lie where the signs and doors are drawn;
//! ffmpeg (when installed) decodes every video track, and agrees with the
//! project's decoders on a JPEG tile and a hot spot tile.

use std::path::{Path, PathBuf};
use std::process::Command;

use qtvr::view::ObjectView;
use qtvr_demo::{self as demo, DICE, DICE_BUTTON, GALLERY, MEADOW};
use qtvr_format::assemble::{NodePicture, object_picture, panorama_picture};
use qtvr_format::qtvr::{HotspotId, Loaded, NodeContent, NodeId, Projection, load};
use qtvr_format::source::ByteSource;
use qtvr_format::tiles::{DecodeOptions, Role, TileStatus, decode_track};

fn demo_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo.mov")
}

fn demo_bytes() -> Vec<u8> {
    std::fs::read(demo_path()).expect("assets/demo.mov is committed")
}

fn loaded(bytes: &dyn ByteSource) -> Loaded {
    load(bytes).expect("the demo loads")
}

/// World ray (X left, Y down, Z front) of a view direction.
fn ray(pan: f64, tilt: f64) -> [f64; 3] {
    let (p, t) = (pan.to_radians(), tilt.to_radians());
    [t.cos() * p.sin(), -t.sin(), t.cos() * p.cos()]
}

fn picture(bytes: &dyn ByteSource, l: &Loaded, id: NodeId) -> NodePicture {
    let scene = l.scene.as_ref().expect("a QTVR scene");
    let node = scene.nodes.iter().find(|n| n.id == id).expect("the node");
    let opts = DecodeOptions::default();
    let pic = match &node.content {
        NodeContent::Panorama(_) => panorama_picture(bytes, &l.movie, node, &opts),
        NodeContent::Object(o) => object_picture(
            bytes,
            &l.movie,
            id,
            o,
            &ObjectView::default_for(o).object_frame(),
            &opts,
        ),
    }
    .unwrap_or_else(|e| panic!("node {id}: {e}"));
    assert!(pic.warnings.is_empty(), "node {id}: {:?}", pic.warnings);
    pic
}

#[test]
fn committed_demo_is_what_the_code_makes() {
    let made = demo::demo_movie().expect("the demo tour is valid");
    let committed = demo_bytes();
    assert!(
        made == committed,
        "assets/demo.mov ({} bytes) differs from what qtvr_demo makes ({} bytes): \
         run `cargo run --release -p qtvr-demo --bin make-demo` and commit assets/demo.mov",
        committed.len(),
        made.len()
    );
    assert!(made.len() < 1_500_000, "the demo is {} bytes", made.len());
    // The same bytes on a second run.
    assert!(demo::demo_movie().unwrap() == made);
}

#[test]
fn reader_reads_the_demo_without_warnings() {
    let bytes = demo_bytes();
    let l = loaded(&bytes);
    let s = l.scene.as_ref().expect("a QTVR scene");
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(s.qtvr_version, "2.0");
    assert_eq!(s.default_node, MEADOW);
    let names: Vec<_> = s.nodes.iter().map(|n| (n.id, n.name.clone())).collect();
    assert_eq!(
        names,
        vec![
            (MEADOW, Some("Meadow".to_string())),
            (GALLERY, Some("Gallery".to_string())),
            (DICE, Some("Dice".to_string())),
        ]
    );
    let kinds: Vec<&str> = s
        .nodes
        .iter()
        .map(|n| match &n.content {
            NodeContent::Panorama(p) => match p.projection {
                Projection::Cylinder { .. } => "cylinder",
                Projection::Cube { standard: true, .. } => "cube",
                Projection::Cube { .. } => "nonstandard cube",
            },
            NodeContent::Object(_) => "object",
        })
        .collect();
    assert_eq!(kinds, ["cylinder", "cube", "object"]);
    let mut ids = Vec::new();
    for n in &s.nodes {
        assert!(!n.hotspots.is_empty(), "node {} has hot spots", n.id);
        for h in &n.hotspots {
            ids.push(h.id);
            assert_eq!(h.kind.0, *b"link", "node {} hot spot {}", n.id, h.id);
            assert!(h.name.is_some());
            let k = h.link.as_ref().expect("a link atom");
            assert!(
                s.nodes.iter().any(|d| d.id == k.to_node && d.id != n.id),
                "node {} hot spot {} links to node {}",
                n.id,
                h.id,
                k.to_node
            );
            assert!(k.to_pan.is_some() && k.to_tilt.is_some() && k.to_fov.is_some());
        }
    }
    ids.sort();
    assert_eq!(
        ids,
        [1, 2, 3, 4, 5].map(HotspotId),
        "hot spot IDs are distinct"
    );
    // Arriving from the gallery door faces away from the gallery house.
    let back = &s.nodes[1].hotspots[0];
    let to_pan = back.link.as_ref().unwrap().to_pan.unwrap();
    assert_eq!((to_pan - demo::MEADOW_GALLERY_PAN).rem_euclid(360.0), 180.0);
    let NodeContent::Panorama(m) = &s.nodes[0].content else {
        unreachable!()
    };
    assert_eq!((m.image_size, m.tile_grid), ([2048, 512], [1, 8]));
    let NodeContent::Object(o) = &s.nodes[2].content else {
        unreachable!()
    };
    assert_eq!((o.rows, o.columns, o.image_track.sample_count), (3, 24, 72));
    assert!(o.hotspot_track.is_some());
}

#[test]
fn every_tile_decodes_and_hot_spots_lie_on_the_signs() {
    let bytes = demo_bytes();
    let l = loaded(&bytes);
    let s = l.scene.as_ref().unwrap();
    // Every sample of every track a node uses decodes cleanly.
    for n in &s.nodes {
        for (u, role) in qtvr_format::tiles::node_tracks(n) {
            let t = l.movie.tracks.iter().find(|t| t.id == u.track_id).unwrap();
            let d = decode_track(&bytes, t, &u.samples, role, &DecodeOptions::default()).unwrap();
            assert!(d.warnings.is_empty(), "{:?}", d.warnings);
            assert_eq!(d.tiles.len(), u.samples.len());
            assert!(d.tiles.iter().all(|t| t.status == TileStatus::Decoded));
        }
    }

    // Meadow: the gallery house and the dice signpost; sky above, grass below.
    let meadow = picture(&bytes, &l, MEADOW);
    let gp = f64::from(demo::MEADOW_GALLERY_PAN);
    let dp = f64::from(demo::MEADOW_DICE_PAN);
    for (pan, tilt, id) in [
        (gp, 5.0, demo::MEADOW_TO_GALLERY),
        (gp - 15.0, 2.0, demo::MEADOW_TO_GALLERY),
        (dp, 8.0, demo::MEADOW_TO_DICE),
        (dp, 3.0, demo::MEADOW_TO_DICE),
        (0.0, 0.0, HotspotId(0)),
        (180.0, 5.0, HotspotId(0)),
        (gp, 30.0, HotspotId(0)),
        (dp, -30.0, HotspotId(0)),
    ] {
        assert_eq!(
            HotspotId(u32::from(meadow.hotspot_at_ray(ray(pan, tilt)))),
            id,
            "meadow pan {pan} tilt {tilt}"
        );
    }
    let img = &meadow.surfaces[0].image;
    let px = |x: u32, y: u32| {
        let [r, g, b, _] = img.texel(x, y);
        [r, g, b]
    };
    let sky = px(1000, 10);
    assert!(sky[2] > sky[0] + 60, "sky {sky:?}");
    let grass = px(1000, 500);
    assert!(
        grass[1] > grass[0] + 40 && grass[1] > grass[2] + 40,
        "grass {grass:?}"
    );

    // Gallery: the door back to the meadow behind, the dice door to the right.
    let gallery = picture(&bytes, &l, GALLERY);
    assert!(gallery.is_cube());
    assert_eq!(gallery.surfaces.len(), 6);
    for (pan, tilt, id) in [
        (180.0, -10.0, demo::GALLERY_TO_MEADOW),
        (185.0, 5.0, demo::GALLERY_TO_MEADOW),
        (270.0, -10.0, demo::GALLERY_TO_DICE),
        (0.0, 0.0, HotspotId(0)),
        (90.0, -10.0, HotspotId(0)),
        (180.0, -60.0, HotspotId(0)),
        (0.0, 89.0, HotspotId(0)),
    ] {
        assert_eq!(
            HotspotId(u32::from(gallery.hotspot_at_ray(ray(pan, tilt)))),
            id,
            "gallery pan {pan} tilt {tilt}"
        );
    }

    // Dice: the button in the top-left corner of every view, nothing on the die.
    let dice = picture(&bytes, &l, DICE);
    let map = dice.surfaces[0].hotspots.as_ref().expect("a hot spot map");
    let [x0, y0, x1, y1] = DICE_BUTTON;
    let at = |x: u32, y: u32| map.data[(y * map.width + x) as usize];
    assert_eq!(
        HotspotId(u32::from(at((x0 + x1) / 2, (y0 + y1) / 2))),
        demo::DICE_TO_MEADOW
    );
    assert_eq!(at(map.width / 2, map.height / 2), 0);
    assert_eq!(at(x1 + 2, y1 + 2), 0);
}

/// ffmpeg with `args` after `-v error -i assets/demo.mov`: stdout, or a panic
/// with its error output.
fn ffmpeg(args: &[&str]) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(demo_path())
        .args(args)
        .output()
        .expect("ffmpeg runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && err.trim().is_empty(),
        "ffmpeg {args:?}: {err}"
    );
    out.stdout
}

fn has_ffmpeg() -> bool {
    // A skip (a failure under CI=true) when it is missing.
    qtvr_testkit::require_tool("ffmpeg", "ffmpeg")
}

#[test]
fn ffmpeg_decodes_every_video_track() {
    if !has_ffmpeg() {
        return;
    }
    let bytes = demo_bytes();
    let l = loaded(&bytes);
    let video: Vec<_> = l
        .movie
        .tracks
        .iter()
        .filter(|t| t.handler.0 == *b"vide")
        .collect();
    assert_eq!(video.len(), 6);
    for (n, t) in video.iter().enumerate() {
        let stream = format!("0:v:{n}");
        let md5 = ffmpeg(&[
            "-map",
            &stream,
            "-fps_mode",
            "passthrough",
            "-f",
            "framemd5",
            "-",
        ]);
        let frames = String::from_utf8_lossy(&md5)
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count();
        assert_eq!(frames, t.samples.len(), "track {} frames", t.id);
    }

    // The first meadow tile (JPEG) as ffmpeg and as the project decode it.
    let opts = DecodeOptions::default();
    let ours = decode_track(&bytes, video[0], &[0], Role::Image, &opts).unwrap();
    let ours = ours.tiles[0].frame.to_rgba();
    let theirs = ffmpeg(&[
        "-map",
        "0:v:0",
        "-frames:v",
        "1",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
    ]);
    assert_eq!(theirs.len() * 4, ours.len() * 3);
    let diff: u64 = ours
        .chunks_exact(4)
        .zip(theirs.chunks_exact(3))
        .map(|(a, b)| (0..3).map(|i| u64::from(a[i].abs_diff(b[i]))).sum::<u64>())
        .sum();
    let mean = diff as f64 / theirs.len() as f64;
    eprintln!("JPEG tile: mean absolute difference from ffmpeg {mean:.3} / 255");
    assert!(mean <= 2.0, "mean absolute difference {mean:.3} / 255");

    // The first meadow hot spot tile (8-bit Animation; the right-most strip,
    // pan 0..45, holding the gallery house): the same colours exactly, and the
    // hot spot is there.
    let ours = decode_track(&bytes, video[1], &[0], Role::Image, &opts).unwrap();
    let rgba = ours.tiles[0].frame.to_rgba();
    let theirs = ffmpeg(&[
        "-map",
        "0:v:1",
        "-frames:v",
        "1",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
    ]);
    let ours_rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    assert!(
        ours_rgb == theirs,
        "hot spot tile differs from ffmpeg's decode"
    );
    let ids = decode_track(&bytes, video[1], &[0], Role::HotSpots, &opts).unwrap();
    assert!(
        ids.tiles[0]
            .frame
            .data
            .contains(&(demo::MEADOW_TO_GALLERY.0 as u8))
    );
}
