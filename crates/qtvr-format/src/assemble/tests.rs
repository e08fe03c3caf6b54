use super::*;
use crate::codec::FrameKind;

fn frame(w: u32, h: u32, f: impl Fn(u32, u32) -> u8) -> Frame {
    let mut data = Vec::new();
    for y in 0..h {
        for x in 0..w {
            data.extend_from_slice(&[f(x, y), 0, 0, 7]);
        }
    }
    Frame {
        width: w,
        height: h,
        kind: FrameKind::Rgba,
        data,
        palette: None,
    }
}

#[test]
fn vertical_tiles_turn_upright_right_to_left() {
    // Two stored tiles 3 wide, 2 tall (rotated strips): upright 4×3, tile 0 = right half.
    let t0 = frame(3, 2, |x, y| (10 + y * 3 + x) as u8);
    let t1 = frame(3, 2, |x, y| (20 + y * 3 + x) as u8);
    let img = place_tiles(NodeId(1), vec![t0, t1], [1, 2], true, 4, &Limits::DEFAULT)
        .unwrap()
        .into_image();
    let px = img.rgba().into_owned();
    assert_eq!((img.width, img.height), (4, 3));
    let red: Vec<u8> = px.chunks(4).map(|p| p[0]).collect();
    // upright(x, y) = stored(y, W − 1 − x); stored rows 0..1 = tile 0, 2..3 = tile 1
    assert_eq!(red, vec![23, 20, 13, 10, 24, 21, 14, 11, 25, 22, 15, 12]);
    assert!(px.chunks(4).all(|p| p[3] == 255), "alpha forced opaque");
}

/// Tiles kept as Y′CbCr planes (JPEG's) make the picture their RGBA would:
/// one tile moved as it is, several converted into place, either way.
#[test]
fn tiles_kept_as_planes_make_the_picture_their_rgba_makes() {
    use crate::codec::{FrameKind, ycbcr::Layout};
    let planes = |seed: usize| {
        let l = Layout::FIRST_GUESS;
        let data: Vec<u8> = (0..l.bytes(5, 4).unwrap())
            .map(|i| ((i + seed) * 37 % 251) as u8)
            .collect();
        Frame {
            width: 5,
            height: 4,
            kind: FrameKind::YCbCr(l),
            data,
            palette: None,
        }
    };
    let tiles = [planes(0), planes(9), planes(20)];
    for (grid, vertical, n) in [([1, 1], false, 1), ([3, 1], false, 3), ([1, 3], true, 3)] {
        let kept: Vec<Frame> = tiles[..n].to_vec();
        let converted: Vec<Frame> = tiles[..n]
            .iter()
            .map(|f| f.clone().into_rgba_frame())
            .collect();
        let a = place_tiles(NodeId(1), kept, grid, vertical, 4, &Limits::DEFAULT)
            .unwrap()
            .into_image();
        let b = place_tiles(NodeId(1), converted, grid, vertical, 4, &Limits::DEFAULT)
            .unwrap()
            .into_image();
        assert_eq!((a.width, a.height), (b.width, b.height));
        assert_eq!(a.rgba(), b.rgba(), "{grid:?} vertical {vertical}");
        // 5×4 tiles of 4:2:0 split chroma samples: several are converted.
        assert_eq!(a.as_rgba().is_none(), n == 1, "one tile stays planes");
        for (x, y) in [(0, 0), (4, 3), (2, 1)] {
            assert_eq!(a.texel(x, y), b.texel(x, y));
        }
        let mut row = vec![0u8; (a.width as usize - 1) * 4];
        let mut want = row.clone();
        a.row_into(2, 1, &mut row);
        b.row_into(2, 1, &mut want);
        assert_eq!(row, want);
    }
}

/// Tiles of whole chroma samples are joined as planes, turned upright for
/// vertical cylinders, in every layout: the picture stays planes and reads
/// as the RGBA the tiles' own RGBA makes, pixel for pixel; a tile of another
/// layout, or a short one, makes the grid RGBA.
#[test]
fn tiles_of_whole_chroma_samples_are_joined_as_planes() {
    use crate::codec::jpeg::color::Formula;
    use crate::codec::ycbcr::Layout;
    let planes = |l: Layout, w: u32, h: u32, seed: usize| {
        let data: Vec<u8> = (0..l.bytes(w as usize, h as usize).unwrap())
            .map(|i| ((i * 7 + seed * 13) * 37 % 251) as u8)
            .collect();
        Frame {
            width: w,
            height: h,
            kind: FrameKind::YCbCr(l),
            data,
            palette: None,
        }
    };
    for (across, down) in [(1, 1), (2, 1), (1, 2), (2, 2)] {
        for formula in [Formula::Floor, Formula::Round] {
            let l = Layout::new(across, down, formula).unwrap();
            for (grid, vertical) in [
                ([3, 1], false),
                ([2, 2], false),
                ([1, 3], true),
                ([2, 2], true),
            ] {
                let n = grid[0] * grid[1];
                let tiles: Vec<Frame> = (0..n).map(|i| planes(l, 6, 4, i)).collect();
                let what = format!("{across}×{down} {formula:?} {grid:?} vertical {vertical}");
                // The picture the tiles make, and the one their RGBA makes.
                let join = |tiles: Vec<Frame>| {
                    let rgba: Vec<Frame> =
                        tiles.iter().map(|f| f.clone().into_rgba_frame()).collect();
                    [tiles, rgba].map(|t| {
                        place_tiles(NodeId(1), t, grid, vertical, 4, &Limits::DEFAULT)
                            .unwrap()
                            .into_image()
                    })
                };
                let [a, b] = join(tiles.clone());
                assert!(a.as_rgba().is_none(), "{what}: kept as planes");
                assert!(a.stored_bytes() < b.stored_bytes(), "{what}");
                assert_eq!((a.width, a.height), (b.width, b.height), "{what}");
                assert_eq!(a.rgba(), b.rgba(), "{what}");
                let (w, h) = (a.width, a.height);
                for (x, y) in [(0, 0), (w - 1, h - 1), (w / 2, 1), (1, h / 2)] {
                    assert_eq!(a.texel(x, y), b.texel(x, y), "{what} ({x}, {y})");
                }
                // One tile of another layout: RGBA, the same pixels.
                let other = Layout::new(across % 2 + 1, down, formula).unwrap();
                let mut mixed = tiles.clone();
                mixed[n - 1] = planes(other, 6, 4, n - 1);
                let [a, b] = join(mixed);
                assert!(a.as_rgba().is_some(), "{what}");
                assert_eq!(a.rgba(), b.rgba(), "{what}");
                // A short tile: RGBA too (what is missing is black).
                let mut short = tiles.clone();
                short[0].data.pop();
                let [a, _] = join(short);
                assert!(a.as_rgba().is_some(), "{what}");
                assert_eq!((a.width, a.height), (b.width, b.height), "{what}");
            }
        }
    }
}

#[test]
fn tile_grids_join_by_centre_and_odd_ones_stay_apart() {
    let faces = CubeFace::standard_tiled(2);
    let frames: Vec<Frame> = (0..24).map(|i| frame(4, 4, move |_, _| i as u8)).collect();
    let sizes: Vec<[u32; 2]> = frames.iter().map(|f| [f.width, f.height]).collect();
    let groups = group_tiles(&faces, &sizes);
    assert_eq!(groups.len(), 6);
    assert_eq!(groups[0].tiles, vec![0, 1, 2, 3]);
    let mut odd = faces.clone();
    odd[5].center = [7.0, 7.0]; // breaks the right face's grid
    let groups = group_tiles(&odd, &sizes);
    assert_eq!(groups.len(), 5 + 4);
    // The joined standard face has the whole-face geometry.
    let p = Plane::from_parts(&faces[0], 2.0, [0.0, 0.0], 8).unwrap();
    assert!((p.focal - 3.5).abs() < 1e-6 && p.centre == [0.0, 0.0]);
}

#[test]
fn plane_rays_round_trip() {
    let c = std::f32::consts::FRAC_1_SQRT_2;
    let face = CubeFace {
        orientation: [0.5, 0.5, 0.5, -0.5],
        center: [0.4, -0.2],
        aspect: 1.1,
        skew: 0.05,
    };
    let p = Plane::from_cufa(&face, 64).unwrap();
    for t in [[0.5, 0.5], [32.0, 10.0], [63.5, 63.5]] {
        let r = p.ray_of_texel(t, 64, 64);
        let back = p.texel_of_ray(r, 64, 64).unwrap();
        assert!(
            (back[0] - t[0]).abs() < 1e-3 && (back[1] - t[1]).abs() < 1e-3,
            "{t:?} → {back:?}"
        );
    }
    // The standard right face looks at −X (pan 270).
    let right = Plane::from_cufa(
        &CubeFace {
            orientation: [c, 0.0, -c, 0.0],
            center: [0.0, 0.0],
            aspect: 1.0,
            skew: 0.0,
        },
        64,
    )
    .unwrap();
    let r = right.ray_of_texel([32.0, 32.0], 64, 64);
    assert!(r[0] < -0.99 * (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt());
    assert!(
        Plane::from_cufa(
            &CubeFace {
                orientation: [0.0; 4],
                center: [0.0, 0.0],
                aspect: 1.0,
                skew: 0.0
            },
            64
        )
        .is_none()
    );
}

#[test]
fn mismatched_tiles_are_an_error_not_a_panic() {
    let a = frame(4, 4, |_, _| 0);
    let b = frame(5, 4, |_, _| 0);
    assert!(matches!(
        place_tiles(NodeId(1), vec![a, b], [2, 1], false, 4, &Limits::DEFAULT),
        Err(AssembleError::TileSize { tile: 1, .. })
    ));
    let huge = Frame {
        width: 40000,
        height: 1,
        kind: FrameKind::Rgba,
        data: vec![0; 160000],
        palette: None,
    };
    assert!(matches!(
        place_tiles(
            NodeId(1),
            vec![huge.clone(), huge],
            [2, 1],
            false,
            4,
            &Limits::DEFAULT
        ),
        Err(AssembleError::TooLarge { .. })
    ));
}

#[test]
fn assembly_stops_between_tiles_when_its_load_is_cancelled() {
    let t0 = frame(3, 2, |x, _| x as u8);
    let t1 = frame(3, 2, |x, _| x as u8);
    let place = || {
        place_tiles(
            NodeId(4),
            vec![t0.clone(), t1.clone()],
            [1, 2],
            true,
            4,
            &Limits::DEFAULT,
        )
    };
    // The first poll passes, the second (the second tile) trips.
    let tripping = crate::cancel::Cancel::tripping_after(2);
    let e = crate::cancel::while_decoding(&tripping, place).unwrap_err();
    assert_eq!(e.to_string(), "node 4: decoding was cancelled");
    let fine = crate::cancel::Cancel::new();
    assert!(crate::cancel::while_decoding(&fine, place).is_ok());
    assert!(place().is_ok(), "outside a load nothing is polled");
}
