//! Tours through the navigation state (no window): following hot spots by ID
//! from node to node reaches the expected node and view, Back returns along
//! the history; URL and other hot spots; QTVR 2 and QTVR 1 multinode samples.
//! And the renderer's hot-spot-under-pixel answers against the hot spot maps,
//! for several views of every node with hot spots, in the hot spot track's
//! own pixel space.

mod common;
#[path = "support/tours.rs"]
mod tours;

use qtvr::cli::render::renderer_for;
use qtvr::view::nav::{Navigator, Settings, Subject};
use qtvr::view::tour::{Action, Tour, action};
use qtvr::view::{Rays, Shot};
use qtvr_format::qtvr::scene::{HotspotId, Node, NodeContent, NodeId, Scene, View};
use qtvr_format::qtvr::{Loaded, load};
use qtvr_format::source::ByteSource;
use tours::*;

const WINDOW: [f64; 2] = [800.0, 600.0];

fn loaded(bytes: &dyn ByteSource) -> Loaded {
    let l = load(bytes).expect("loads");
    let s = l.scene.as_ref().expect("a QTVR scene");
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    l
}

/// The navigation state of a tour: the tour and the node's navigator.
struct Walk<'a> {
    scene: &'a Scene,
    tour: Tour,
    nav: Navigator,
}

impl<'a> Walk<'a> {
    fn start(scene: &'a Scene) -> Walk<'a> {
        let node = scene.default_node;
        Walk {
            scene,
            tour: Tour::new(node),
            nav: nav(scene.node(node).expect("the default node"), None),
        }
    }

    /// Clicks hot spot `id`; a link arrives at its node and view.
    fn click(&mut self, id: HotspotId) -> Action {
        let a = self
            .tour
            .follow(self.scene, id, self.nav.view())
            .unwrap_or_else(|| panic!("no hot spot {id} in node {}", self.tour.node()));
        if let Action::Go { to, view } = &a {
            self.nav = nav(self.scene.node(*to).expect("the node"), Some(*view));
        }
        a
    }

    fn back(&mut self) {
        let (node, view) = self.tour.back().expect("somewhere to go back to");
        self.nav = nav(self.scene.node(node).expect("the node"), Some(view));
    }

    /// Node and view (objects: the row and column too).
    fn at(&self) -> (NodeId, View, Option<(u32, u32)>) {
        let ov = self.nav.object_view().map(|o| (o.row, o.column));
        (self.tour.node(), self.nav.view(), ov)
    }
}

fn nav(node: &Node, view: Option<View>) -> Navigator {
    let mut n = Navigator::new(Subject::of_node(node), WINDOW, Settings::default());
    if let Some(v) = view {
        n.set_view(v);
    }
    n
}

fn close(a: View, b: View) -> bool {
    let dp = (a.pan - b.pan).rem_euclid(360.0);
    dp.min(360.0 - dp) < 1e-3 && (a.tilt - b.tilt).abs() < 1e-3 && (a.fov - b.fov).abs() < 1e-3
}

#[track_caller]
fn assert_at(w: &Walk, node: NodeId, view: View) {
    let (n, v, _) = w.at();
    assert_eq!(n, node, "node");
    assert!(close(v, view), "node {node}: view {v:?}, expected {view:?}");
}

#[test]
fn walking_the_built_tour_by_hot_spot_ids() {
    let bytes = tour();
    let l = loaded(&bytes);
    let scene = l.scene.as_ref().unwrap();
    let mut w = Walk::start(scene);
    assert_at(&w, CYLINDER, v(0.0, 0.0, 50.0));
    // A link with all three destination angles.
    w.nav.set_view(v(135.0, 2.0, 30.0));
    assert_eq!(
        w.click(TO_CUBE),
        Action::Go {
            to: CUBE,
            view: v(30.0, 10.0, 70.0)
        }
    );
    assert_at(&w, CUBE, v(30.0, 10.0, 70.0));
    // Pan and tilt only: the object's default field of view; pan 90 is
    // column 2 of 8, tilt −30 the bottom row.
    w.click(CUBE_TO_OBJECT);
    let (node, view, ov) = w.at();
    assert_eq!(node, OBJECT);
    assert_eq!(ov, Some((2, 2)));
    assert_eq!(view.fov, 64.0);
    // No valid angle: the cylinder's default view.
    w.click(OBJECT_TO_CYLINDER);
    assert_at(&w, CYLINDER, v(0.0, 0.0, 50.0));
    assert_eq!(w.tour.depth(), 3);
    // URL and undefined hot spots go nowhere.
    assert_eq!(w.click(WEB), Action::Url(URL.into()));
    assert_eq!(
        w.click(SIGN),
        Action::Show {
            kind: "undf".into(),
            name: "Sign".into()
        }
    );
    assert_eq!(w.tour.depth(), 3);
    // Back, back, back: the views we had.
    w.back();
    assert_eq!(w.at().0, OBJECT);
    assert_eq!(w.at().2, Some((2, 2)));
    w.back();
    assert_at(&w, CUBE, v(30.0, 10.0, 70.0));
    w.back();
    assert_at(&w, CYLINDER, v(135.0, 2.0, 30.0));
    assert!(w.tour.back().is_none());
    // Pan only: tilt and fov from the cylinder's defaults.
    w.click(TO_CUBE);
    w.click(CUBE_TO_CYLINDER);
    assert_at(&w, CYLINDER, v(180.0, 0.0, 50.0));
}

#[test]
fn a_link_to_a_missing_node_is_broken() {
    let bytes = tour();
    let l = loaded(&bytes);
    let mut scene = l.scene.clone().unwrap();
    let hs = scene.nodes[0]
        .hotspots
        .iter_mut()
        .find(|h| h.id == TO_CUBE)
        .unwrap();
    hs.link.as_mut().unwrap().to_node = NodeId(99);
    assert_eq!(
        action(&scene, CYLINDER, TO_CUBE),
        Some(Action::Broken { to: NodeId(99) })
    );
    let mut t = Tour::new(CYLINDER);
    t.follow(&scene, TO_CUBE, v(0.0, 0.0, 50.0));
    assert_eq!(
        (t.node(), t.depth()),
        (CYLINDER, 0),
        "a broken link goes nowhere"
    );
    assert_eq!(action(&scene, CYLINDER, HotspotId(77)), None);
}

fn sample_scene(rel: &str) -> Option<Scene> {
    let dir = common::samples_dir()?;
    let bytes = std::fs::read(dir.join(rel)).expect("read");
    Some(loaded(&bytes).scene.unwrap())
}

#[test]
fn walking_the_qtvr2_multinode_sample() {
    // Two vertical cylinders sharing tracks and an object; default node 2.
    let Some(scene) = sample_scene("gen/multinode_2pano_1obj_links.mov") else {
        return;
    };
    let mut w = Walk::start(&scene);
    assert_eq!(w.at().0, NodeId(2), "the default node");
    let names: Vec<_> = scene.nodes.iter().map(|n| n.name.clone()).collect();
    assert_eq!(
        names,
        [
            Some("Courtyard A".into()),
            Some("Courtyard B (default node)".into()),
            Some("Turntable".into())
        ]
    );
    // 2 → object (pan 270: column 6 of 8; tilt 0 between rows ±15: row 1).
    w.click(HotspotId(40));
    assert_eq!(w.at().0, NodeId(3));
    assert_eq!(w.at().2, Some((1, 6)));
    // object → 1 at pan 45, tilt 0, fov 60.
    w.click(HotspotId(50));
    assert_at(&w, NodeId(1), v(45.0, 0.0, 60.0));
    // 1 → 2 at pan 180, tilt 0, fov 50; 2 → 1 at pan 0, tilt 5, fov 60.
    w.click(HotspotId(10));
    assert_at(&w, NodeId(2), v(180.0, 0.0, 50.0));
    w.click(HotspotId(30));
    assert_at(&w, NodeId(1), v(0.0, 5.0, 60.0));
    // 1 → object at pan 90: column 2.
    w.click(HotspotId(20));
    assert_eq!(w.at().2, Some((1, 2)));
    for node in [1, 2, 1, 3, 2].map(NodeId) {
        w.back();
        assert_eq!(w.at().0, node);
    }
}

#[test]
fn walking_the_qtvr1_multinode_sample() {
    // QTVR 1: nodes from 'pInf', hot spots from 'pHot' and 'pLnk'; default node 2.
    let Some(scene) = sample_scene("gen/qtvr1_pano_cvid_hotspots.mov") else {
        return;
    };
    let mut w = Walk::start(&scene);
    assert_eq!(w.at().0, NodeId(2));
    assert_eq!(scene.node(NodeId(2)).unwrap().name.as_deref(), Some("East"));
    w.click(HotspotId(7));
    assert_at(&w, NodeId(1), v(270.0, 0.0, 50.0));
    assert_eq!(
        w.click(HotspotId(4)),
        Action::Show {
            kind: "undf".into(),
            name: "Tree".into()
        }
    );
    w.click(HotspotId(3));
    assert_at(&w, NodeId(2), v(90.0, 0.0, 50.0));
    w.back();
    assert_at(&w, NodeId(1), v(270.0, 0.0, 50.0));
}

#[test]
fn walking_between_a_cylinder_and_a_cube_with_their_own_tracks() {
    let Some(scene) = sample_scene("gen/multinode_cyl_cube_two_image_tracks.mov") else {
        return;
    };
    let mut w = Walk::start(&scene);
    let start = w.at();
    let cyl = &scene.nodes[0];
    let link = cyl
        .hotspots
        .iter()
        .find(|h| h.link.is_some())
        .expect("a link");
    let Action::Go { to, view } = w.click(link.id) else {
        panic!("a link");
    };
    assert_eq!(to, NodeId(2));
    assert!(close(w.at().1, view), "{:?} {view:?}", w.at());
    w.back();
    assert_eq!(w.at().0, start.0);
    assert!(close(w.at().1, start.1));
}

// Picking: what the renderer answers under a pixel against the map itself.

/// The ground truth under a ray, from a node's hot spot map(s) in their own
/// pixels. Cylinders: the upright map (pan 360 at the left). Cubes: six face
/// maps (front, right, back, left, top, bottom). (Objects: see
/// `object_picking_uses_the_hot_spot_frame_of_the_view`.)
enum Truth {
    Cylinder {
        map: image::GrayImage,
        pan: [f64; 2],
        /// Upright image height over width of the image track's panorama.
        image: [f64; 2],
    },
    Cube(Vec<image::GrayImage>),
}

impl Truth {
    fn at(&self, r: [f64; 3]) -> Option<HotspotId> {
        match self {
            Truth::Cylinder { map, pan, image } => {
                let (w, h) = (f64::from(map.width()), f64::from(map.height()));
                // The map covers the image: scale from image pixels.
                let radius = image[0] * 360.0 / (2.0 * std::f64::consts::PI * (pan[1] - pan[0]));
                let theta = r[0].atan2(r[2]).to_degrees();
                let u = (pan[1] - theta).rem_euclid(360.0) / (pan[1] - pan[0]);
                let vi = image[1] / 2.0 + r[1] * radius / r[0].hypot(r[2]);
                let v = vi / image[1];
                if !(0.0..1.0).contains(&v) {
                    return None;
                }
                let (x, y) = ((u * w) as u32 % map.width(), (v * h) as u32);
                Some(HotspotId(u32::from(map.get_pixel(x, y).0[0])))
            }
            Truth::Cube(faces) => {
                // Forward, right and down of each face (X left, Y down, Z front).
                let axes: [([f64; 3], [f64; 3], [f64; 3]); 6] = [
                    ([0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
                    ([-1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]),
                    ([0.0, 0.0, -1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
                    ([1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]),
                    ([0.0, -1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]),
                    ([0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, -1.0]),
                ];
                let dot = |a: [f64; 3], b: [f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
                let (i, (f, rt, dn)) = axes
                    .iter()
                    .enumerate()
                    .max_by(|a, b| dot(r, a.1.0).total_cmp(&dot(r, b.1.0)))?;
                let d = dot(r, *f);
                let u = (dot(r, *rt) / d + 1.0) / 2.0;
                let v = (dot(r, *dn) / d + 1.0) / 2.0;
                let m = &faces[i];
                let x = ((u * f64::from(m.width())) as u32).min(m.width() - 1);
                let y = ((v * f64::from(m.height())) as u32).min(m.height() - 1);
                Some(HotspotId(u32::from(m.get_pixel(x, y).0[0])))
            }
        }
    }
}

/// Compares the renderer's answers with the truth over a grid of pixels of
/// each view; returns the IDs seen.
fn check_picking(
    scene: &Scene,
    l: &Loaded,
    bytes: &dyn ByteSource,
    node: NodeId,
    truth: &Truth,
    views: &[View],
) -> std::collections::BTreeSet<HotspotId> {
    let n = scene.node(node).unwrap();
    let pic =
        qtvr_format::assemble::panorama_picture(bytes, &l.movie, n, &Default::default()).unwrap();
    let (_gpu, r) = renderer_for(n, pic).expect("a renderer");
    let (w, h) = (320u32, 240u32);
    let (mut total, mut same) = (0, 0);
    let mut seen = std::collections::BTreeSet::new();
    for view in views {
        let shot = Shot::Perspective(*view);
        let rays = Rays::new(shot, w, h);
        for y in (0..h).step_by(3) {
            for x in (0..w).step_by(3) {
                let (px, py) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
                let Some(want) = truth.at(rays.ray(px, py).unwrap()) else {
                    continue;
                };
                let got = r.hotspot_at(&shot, w, h, px, py).unwrap_or(HotspotId(0));
                total += 1;
                same += usize::from(got == want);
                if got != HotspotId(0) {
                    seen.insert(got);
                }
            }
        }
    }
    assert!(total > 1000, "node {node}: {total} pixels compared");
    assert!(
        same * 1000 >= total * 990,
        "node {node}: {same} of {total} picks match the map"
    );
    seen
}

fn cube_faces(map: &image::GrayImage) -> Vec<image::GrayImage> {
    let f = map.height();
    (0..6)
        .map(|i| image::imageops::crop_imm(map, i * f, 0, f, f).to_image())
        .collect()
}

#[test]
fn picking_follows_maps_at_their_own_resolution() {
    let bytes = tour();
    let l = loaded(&bytes);
    let scene = l.scene.as_ref().unwrap();
    // The cylinder's map is half the image's size.
    let mut cyl_map = image::GrayImage::new(CYL_MAP[0], CYL_MAP[1]);
    let mut faces = vec![image::GrayImage::new(FACE_MAP, FACE_MAP); 6];
    for (id, node, face, [x0, y0, x1, y1]) in SPOTS {
        let m = match node {
            CYLINDER => &mut cyl_map,
            CUBE => &mut faces[face],
            _ => continue,
        };
        for y in y0..y1 {
            for x in x0..x1 {
                m.put_pixel(x, y, image::Luma([id.0 as u8]));
            }
        }
    }
    let truth = Truth::Cylinder {
        map: cyl_map,
        pan: [0.0, 360.0],
        image: [f64::from(CYL[0]), f64::from(CYL[1])],
    };
    // Pan of map column x: 360 − x·360/512.
    let views = [
        v(190.0, 0.0, 50.0),
        v(135.0, 5.0, 40.0),
        v(300.0, -5.0, 60.0),
        v(0.0, 0.0, 50.0),
    ];
    let seen = check_picking(scene, &l, &bytes, CYLINDER, &truth, &views);
    assert_eq!(seen, [TO_CUBE, WEB, SIGN].into());
    let views = [
        v(0.0, 0.0, 90.0),
        v(90.0, 0.0, 90.0),
        v(45.0, 20.0, 100.0),
        v(0.0, 30.0, 60.0),
    ];
    let seen = check_picking(scene, &l, &bytes, CUBE, &Truth::Cube(faces), &views);
    assert_eq!(seen, [CUBE_TO_CYLINDER, CUBE_TO_OBJECT].into());
}

#[test]
fn picking_matches_the_samples_ground_truth_maps() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    // (movie, node, map, cube?)
    let cases = [
        ("multinode_2pano_1obj_links", 1, false),
        ("multinode_2pano_1obj_links", 2, false),
        ("qtvr1_pano_cvid_hotspots", 1, false),
        ("qtvr1_pano_cvid_hotspots", 2, false),
        ("multinode_cyl_cube_two_image_tracks", 1, false),
        ("multinode_cyl_cube_two_image_tracks", 2, true),
        ("cyl_co64_edits_multichunk_raw8", 1, false),
        ("cyl_hcyl_cvid_hotspots", 1, false),
        ("cube_rle8_hotspots_small", 1, true),
    ];
    for (name, node, cube) in cases {
        let bytes = std::fs::read(dir.join(format!("gen/{name}.mov"))).unwrap();
        let l = loaded(&bytes);
        let scene = l.scene.as_ref().unwrap();
        let map = common::png_indices(&dir.join(format!("gen/{name}.{node}.hotspots.png")));
        let n = scene.node(NodeId(node)).unwrap();
        let truth = if cube {
            Truth::Cube(cube_faces(&map))
        } else {
            let NodeContent::Panorama(p) = &n.content else {
                panic!("{name} node {node} is a panorama");
            };
            Truth::Cylinder {
                pan: p.image_pan.map(f64::from),
                image: [f64::from(map.width()), f64::from(map.height())],
                map,
            }
        };
        // Each hot spot's best view, and views around the compass.
        let mut views: Vec<View> = n
            .hotspots
            .iter()
            .filter_map(|h| h.best_view)
            .map(|b| v(b.pan, b.tilt.clamp(-20.0, 20.0), 40.0))
            .collect();
        views.extend([v(0.0, 0.0, 60.0), v(120.0, 5.0, 50.0), v(240.0, -5.0, 50.0)]);
        let seen = check_picking(scene, &l, &bytes, NodeId(node), &truth, &views);
        let ids: std::collections::BTreeSet<HotspotId> = n.hotspots.iter().map(|h| h.id).collect();
        assert!(
            !seen.is_empty() && seen.is_subset(&ids),
            "{name} node {node}: saw {seen:?} of {ids:?}"
        );
    }
}

#[test]
fn object_picking_uses_the_hot_spot_frame_of_the_view() {
    // The built tour's object: one map for all views (IDs at 4..30 × 4..20).
    let bytes = tour();
    let l = loaded(&bytes);
    let scene = l.scene.as_ref().unwrap();
    let n = scene.node(OBJECT).unwrap();
    let NodeContent::Object(o) = &n.content else {
        panic!()
    };
    let mut hits = 0;
    for (row, column) in [(0, 0), (1, 3), (2, 7)] {
        let ov = qtvr::view::ObjectView {
            row,
            column,
            ..qtvr::view::ObjectView::default_for(o)
        };
        let pic = qtvr_format::assemble::object_picture(
            &bytes,
            &l.movie,
            OBJECT,
            o,
            &ov.object_frame(),
            &Default::default(),
        )
        .unwrap();
        let (_gpu, r) = renderer_for(n, pic).unwrap();
        let shot = ov.shot(o);
        // 64×48 frame in a 640×480 target: 10 target px per frame px.
        for y in (0..480).step_by(5) {
            for x in (0..640).step_by(5) {
                let (fx, fy) = (x / 10, y / 10);
                let want = (4..30).contains(&fx) && (4..20).contains(&fy);
                let got = r.hotspot_at(&shot, 640, 480, f64::from(x) + 0.5, f64::from(y) + 0.5);
                assert_eq!(got, want.then_some(OBJECT_TO_CYLINDER), "({x}, {y})");
                hits += usize::from(want);
            }
        }
    }
    assert!(hits > 100);
    // The multinode sample's object: its one hot spot frame against the truth.
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let bytes = std::fs::read(dir.join("gen/multinode_2pano_1obj_links.mov")).unwrap();
    let l = loaded(&bytes);
    let scene = l.scene.as_ref().unwrap();
    let n = scene.node(NodeId(3)).unwrap();
    let NodeContent::Object(o) = &n.content else {
        panic!()
    };
    let truth = common::png_indices(&dir.join("gen/multinode_2pano_1obj_links.3.hotspots.png"));
    for column in [0, 3, 7] {
        let ov = qtvr::view::ObjectView {
            column,
            ..qtvr::view::ObjectView::default_for(o)
        };
        let pic = qtvr_format::assemble::object_picture(
            &bytes,
            &l.movie,
            NodeId(3),
            o,
            &ov.object_frame(),
            &Default::default(),
        )
        .unwrap();
        let (_gpu, r) = renderer_for(n, pic).unwrap();
        let shot = ov.shot(o);
        let rays = Rays::new(shot, 320, 240);
        let (mut total, mut same) = (0, 0);
        for y in (0..240).step_by(2) {
            for x in (0..320).step_by(2) {
                let (px, py) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
                let t = rays
                    .flat_texel(px, py, truth.width(), truth.height())
                    .unwrap();
                let want = HotspotId(u32::from(truth.get_pixel(t[0] as u32, t[1] as u32).0[0]));
                let got = r
                    .hotspot_at(&shot, 320, 240, px, py)
                    .unwrap_or(HotspotId(0));
                total += 1;
                same += usize::from(got == want);
            }
        }
        assert_eq!(same, total, "column {column}: {same} of {total}");
    }
}
