//! QTVR 1.0 movies: panoramas (ctyp `STpn`/`stpn`: the `pano` sample
//! description, `pInf`, node samples of `pHdr`/`pHot`/`pLnk`/`pNav`/`strT`) and
//! object movies (ctyp `stna` with `NAVG` user data). The layouts follow Apple's
//! *QuickTime VR* documentation (*Inside Macintosh: QuickTime VR*, QTVR 1.0
//! file format), checked against the sample movies.

use super::context::{Ctx, NodeSpan, track_use_of};
use super::limits::{ObjectParams, check_object, finish_limits, finite};
use super::scene::*;
use crate::container::reader::{AtomBody, Children, Fields};
use crate::container::timing::MovieTime;
use crate::container::{FourCC, Track};
use crate::error::{Location, Result, SceneError};

/// The `pano` sample description of a QTVR 1 panorama track.
#[derive(Debug, Default, Clone)]
struct PanoDescription {
    scene_track: u32,
    low_res_track: u32,
    hotspot_track: u32,
    pan: [f64; 2],
    tilt_top: f64,
    tilt_bottom: f64,
    zoom: [f64; 2],
    scene_size: [u32; 2],
    frames: [u16; 2],
    hotspot_size: [u32; 2],
    hotspot_frames: [u16; 2],
}

fn read_pano_description(data: &[u8], loc: Location) -> Result<PanoDescription> {
    // Offsets below count from the start of the entry after size and type;
    // `data` starts 8 bytes later (after reserved and data reference index).
    let body = AtomBody {
        kind: FourCC::new(b"pano"),
        location: loc,
        header_len: 16,
        data,
    };
    let mut f = body.fields();
    let at = |f: &mut Fields<'_>, off: usize| -> Result<()> {
        let pos = f.position() + 8;
        if off < pos {
            return Ok(());
        }
        f.skip(off - pos)
    };
    let mut d = PanoDescription::default();
    at(&mut f, 12)?;
    d.scene_track = f.u32()?;
    d.low_res_track = f.u32()?;
    at(&mut f, 44)?;
    d.hotspot_track = f.u32()?;
    at(&mut f, 84)?;
    d.pan = [f.fixed16()?, f.fixed16()?];
    d.tilt_top = f.fixed16()?;
    d.tilt_bottom = f.fixed16()?;
    d.zoom = [f.fixed16()?, f.fixed16()?];
    d.scene_size = [f.u32()?, f.u32()?];
    let _num_frames = f.u32()?;
    f.skip(2)?;
    d.frames = [f.u16()?, f.u16()?];
    let _depth = f.u16()?;
    d.hotspot_size = [f.u32()?, f.u32()?];
    f.skip(2)?;
    d.hotspot_frames = [f.u16()?, f.u16()?];
    Ok(d)
}

/// `pInf` in `minf/gmhd/STpn`: scene name, default node and {node ID, time} list.
struct PanoInfo {
    name: Option<String>,
    default_node: u32,
    nodes: Vec<(u32, u32)>,
}

fn read_pinf(track: &Track) -> Result<Option<PanoInfo>> {
    for g in &track.base_media_info {
        if !matches!(&g.kind.0, b"STpn" | b"stpn") {
            continue;
        }
        for a in g.children().lenient_tail() {
            let a = a?;
            if a.kind.0 != *b"pInf" {
                continue;
            }
            let mut f = a.fields();
            let name = crate::text::pascal(f.bytes(32)?);
            let default_node = f.u32()?;
            let _def_zoom = f.fixed16()?;
            f.skip(4 + 2)?;
            let count = f.i16()?.max(0) as u64;
            f.check_table(count, 8)?;
            let nodes = (0..count)
                .map(|_| Ok((f.u32()?, f.u32()?)))
                .collect::<Result<Vec<_>>>()?;
            return Ok(Some(PanoInfo {
                name: (!name.is_empty()).then_some(name),
                default_node,
                nodes,
            }));
        }
    }
    Ok(None)
}

/// Reads a QTVR 1 panorama movie.
pub(crate) fn read_panorama_scene(ctx: &mut Ctx<'_>, controller: FourCC) -> Result<Scene> {
    let pano = ctx
        .movie
        .tracks
        .iter()
        .find(|t| matches!(&t.handler.0, b"STpn" | b"stpn"))
        .ok_or(SceneError::NoV1PanoramaTrack)?;
    let desc = pano
        .descriptions
        .iter()
        .find(|d| d.format.0 == *b"pano")
        .ok_or(SceneError::NoPanoDescription { track: pano.id })?;
    let d = read_pano_description(&desc.data, desc.location)?;
    let info = read_pinf(pano)?;
    if info.is_none() {
        ctx.warn(
            Some(pano.offset),
            "QTVR 1 panorama track has no node list ('pInf'); nodes taken from its samples",
        );
    }
    let presented = ctx.presented(pano).to_vec();
    // Node list: pInf's {id, time}, else one node per sample.
    let mut wanted: Vec<(Option<u32>, usize)> = Vec::new();
    match &info {
        Some(i) if !i.nodes.is_empty() => {
            for &(id, time) in &i.nodes {
                let t = MovieTime::units(i128::from(time));
                let k = presented.partition_point(|p| p.start < t);
                match presented.get(k).filter(|p| p.start == t) {
                    Some(_) => wanted.push((Some(id), k)),
                    None => ctx.warn(
                        None,
                        format!("node {id}: no panorama sample at time {time}; skipped"),
                    ),
                }
            }
        }
        _ => wanted.extend((0..presented.len()).map(|k| (None, k))),
    }
    let spans = NodeSpan::for_nodes(
        &wanted
            .iter()
            .map(|&(_, k)| (presented[k].start, presented[k].end))
            .collect::<Vec<_>>(),
    );
    let mut nodes = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut first_error: Option<String> = None;
    for ((id, k), span) in wanted.into_iter().zip(spans) {
        let p = presented[k];
        match read_pano_node(ctx, pano, &d, p.index, span, id) {
            Ok(n) if !seen.insert(n.id) => {
                ctx.warn(
                    None,
                    format!("node ID {} appears twice; the second copy is skipped", n.id),
                );
            }
            Ok(n) => nodes.push(n),
            Err(e) => {
                let msg = format!("panorama node in sample {} skipped: {e}", p.index + 1);
                first_error.get_or_insert_with(|| msg.clone());
                ctx.warn(pano.samples.get(p.index).map(|s| s.offset), msg);
            }
        }
    }
    if nodes.is_empty() {
        return Err(SceneError::NoV1Nodes {
            first_skip: first_error,
        }
        .into());
    }
    let default_node =
        ctx.default_node(NodeId(info.as_ref().map_or(0, |i| i.default_node)), &nodes);
    Ok(Scene {
        qtvr_version: "1.0".into(),
        controller,
        name: info.and_then(|i| i.name),
        default_node,
        imaging: Vec::new(),
        cursors: Vec::new(),
        nodes,
        warnings: Vec::new(),
    })
}

/// A string at an offset into `strT` (offsets count the 8-byte atom header).
fn str_at(strt: Option<&AtomBody<'_>>, offset: u32) -> Option<String> {
    let s = strt?;
    let i = (offset as usize).checked_sub(8)?;
    let s = crate::text::pascal(s.data.get(i..)?);
    (!s.is_empty()).then_some(s)
}

fn read_pano_node(
    ctx: &mut Ctx<'_>,
    pano: &Track,
    d: &PanoDescription,
    sample: usize,
    span: NodeSpan,
    listed_id: Option<u32>,
) -> Result<Node> {
    let (bytes, loc) = ctx.read_sample(pano, sample)?;
    let mut atoms = Vec::new();
    for a in Children::new(&bytes, loc).lenient_tail() {
        atoms.push(a?);
    }
    let find = |k: &[u8; 4]| atoms.iter().find(|a| a.kind.0 == *k);
    let strt = find(b"strT");
    let phdr = find(b"pHdr").ok_or(SceneError::NoNodeHeader { location: loc })?;
    let h = read_phdr(ctx, phdr, strt, listed_id)?;
    let id = NodeId(h.id);

    let image = ctx
        .track_use(TrackId(d.scene_track), span, "scene", id)
        .ok_or(SceneError::NoSceneSamples { node: id })?;
    let hotspot_track = if d.hotspot_track != 0 {
        ctx.track_use(TrackId(d.hotspot_track), span, "hot spot", id)
    } else {
        None
    };
    let low_res_tracks = if d.low_res_track != 0 {
        ctx.track_use(TrackId(d.low_res_track), span, "low-resolution scene", id)
            .map(|u| vec![(0u16, u)])
            .unwrap_or_default()
    } else {
        Vec::new()
    };

    let (grid, stored) = scene_grid(ctx, d, &image, id);
    let hotspot_image_size = hotspot_track.as_ref().map(|h| {
        [
            h.height.saturating_mul(grid[1]),
            h.width.saturating_mul(grid[0]),
        ]
    });
    let (limits, image_pan) = pano_limits(ctx, d, &h.view, id);

    let hotspots = read_phot(ctx, find(b"pHot"), find(b"pLnk"), strt, id)?;
    let custom_atoms = atoms
        .iter()
        .filter(|a| !matches!(&a.kind.0, b"pHdr" | b"pHot" | b"pLnk" | b"strT"))
        .map(|a| (a.kind, 1))
        .collect();
    Ok(Node {
        id,
        name: h.name,
        comment: h.comment,
        start_time: span.start.as_f64(),
        duration: span.end.as_f64() - span.start.as_f64(),
        content: NodeContent::Panorama(Box::new(Panorama {
            projection: Projection::Cylinder {
                orientation: CylinderOrientation::Vertical,
                legacy_flags: true,
                first_tile: FirstTile::Rightmost,
            },
            image_size: [stored[1], stored[0]],
            tile_grid: grid,
            image_pan,
            limits,
            constraints: Constraints::default(),
            image_track: image,
            hotspot_track,
            hotspot_image_size,
            preview_track: None,
            low_res_tracks,
        })),
        hotspots,
        custom_atoms,
    })
}

/// What a QTVR 1 node header (`pHdr`) says.
struct PanoHeader {
    /// The node ID (the one `pInf` lists, when it lists one).
    id: u32,
    /// Default pan/tilt/zoom, minimum pan/tilt/zoom, maximum pan/tilt/zoom.
    view: [f64; 9],
    name: Option<String>,
    comment: Option<String>,
}

/// pHdr: nodeID, def pan/tilt/zoom, min pan/tilt/zoom, max pan/tilt/zoom, 2
/// reserved, name/comment offsets into `strT`.
fn read_phdr(
    ctx: &mut Ctx<'_>,
    phdr: &AtomBody<'_>,
    strt: Option<&AtomBody<'_>>,
    listed_id: Option<u32>,
) -> Result<PanoHeader> {
    let mut f = phdr.fields();
    let id = f.u32()?;
    let mut view = [0.0; 9];
    for v in &mut view {
        *v = f.fixed16()?;
    }
    f.skip(8)?;
    let name = str_at(strt, f.u32()?);
    let comment = if f.remaining() >= 4 {
        str_at(strt, f.u32()?)
    } else {
        None
    };
    if let Some(l) = listed_id
        && l != id
    {
        ctx.warn(
            Some(phdr.location.offset),
            format!("node header says node {id} where 'pInf' lists {l}; using {l}"),
        );
    }
    Ok(PanoHeader {
        id: listed_id.unwrap_or(id),
        view,
        name,
        comment,
    })
}

/// The scene's tile grid and its stored (rotated) size `[width, height]`:
/// the description's grid when the scene track's tiles fill it, else 1×n. The
/// scene is stored rotated like a vertical cylinder.
fn scene_grid(
    ctx: &mut Ctx<'_>,
    d: &PanoDescription,
    image: &TrackUse,
    id: NodeId,
) -> ([u32; 2], [u32; 2]) {
    let n = image.sample_count as u32;
    let mut grid = [u32::from(d.frames[0]), u32::from(d.frames[1])];
    if grid[0].checked_mul(grid[1]) != Some(n) {
        ctx.warn(None, format!(
            "node {id}: the description claims a {}x{} frame grid but the scene track holds {n} tiles; using 1x{n}",
            grid[0], grid[1]
        ));
        grid = [1, n];
    }
    let stored = [
        image.width.saturating_mul(grid[0]),
        image.height.saturating_mul(grid[1]),
    ];
    if d.scene_size != stored {
        ctx.warn(None, format!(
            "node {id}: the description claims a {}x{} scene but its tiles make {}x{}; using the tiles",
            d.scene_size[0], d.scene_size[1], stored[0], stored[1]
        ));
    }
    (grid, stored)
}

/// The node's view limits (the node header's `v`, where set, override the
/// description's) and the pan range its scene image covers (the description's).
fn pano_limits(
    ctx: &mut Ctx<'_>,
    d: &PanoDescription,
    v: &[f64; 9],
    id: NodeId,
) -> (ViewLimits, [f32; 2]) {
    let f32c = |x: f64| finite(x as f32, 0.0);
    // Node header limits override the description's when set.
    let pan = if v[3] != 0.0 || v[6] != 0.0 {
        [f32c(v[3]), f32c(v[6])]
    } else {
        [f32c(d.pan[0]), f32c(d.pan[1])]
    };
    let pan = if pan[1] > pan[0] && pan[1] - pan[0] <= 360.01 {
        pan
    } else {
        [0.0, 360.0]
    };
    let tilt = if v[4] != 0.0 || v[7] != 0.0 {
        [f32c(v[4]), f32c(v[7])]
    } else {
        [f32c(d.tilt_bottom), f32c(d.tilt_top)]
    };
    let tilt = [tilt[0].min(tilt[1]), tilt[0].max(tilt[1])];
    let fov = if v[5] != 0.0 || v[8] != 0.0 {
        [f32c(v[5]), f32c(v[8])]
    } else {
        [f32c(d.zoom[0]), f32c(d.zoom[1])]
    };
    let default = View {
        pan: f32c(v[0]),
        tilt: f32c(v[1]),
        fov: f32c(v[2]),
    };
    let limits = finish_limits(pan, tilt, fov, default, "pano", id, &mut ctx.warnings);
    // The scene image covers the description's pan range; the node header's are view limits.
    let image_pan = [f32c(d.pan[0]), f32c(d.pan[1])];
    let image_pan = if image_pan[1] > image_pan[0] && image_pan[1] - image_pan[0] <= 360.01 {
        image_pan
    } else {
        limits.pan
    };
    (limits, image_pan)
}

/// `pHot` (56-byte entries) with link destinations from `pLnk` (56-byte entries).
fn read_phot(
    ctx: &mut Ctx<'_>,
    phot: Option<&AtomBody<'_>>,
    plnk: Option<&AtomBody<'_>>,
    strt: Option<&AtomBody<'_>>,
    node: NodeId,
) -> Result<Vec<HotSpot>> {
    // pLnk: id u16, reserved u16, 8 reserved, toNodeID u32, 12 reserved, pan, tilt, zoom, 8 reserved, name, comment.
    let mut links = Vec::new();
    if let Some(l) = plnk {
        let mut f = l.fields();
        f.skip(2)?;
        let count = f.i16()?.max(0) as u64;
        f.check_table(count, 56)?;
        for _ in 0..count {
            let id = f.u16()?;
            f.skip(2 + 8)?;
            let to = f.u32()?;
            f.skip(12)?;
            let (pan, tilt, zoom) = (
                f.fixed16()? as f32,
                f.fixed16()? as f32,
                f.fixed16()? as f32,
            );
            f.skip(16)?;
            links.push((id, to, pan, tilt, zoom));
        }
    }
    let mut out = Vec::new();
    let Some(h) = phot else { return Ok(out) };
    let mut f = h.fields();
    f.skip(2)?;
    let count = f.i16()?.max(0) as u64;
    f.check_table(count, 56)?;
    for _ in 0..count {
        let id = HotspotId(u32::from(f.u16()?));
        f.skip(2)?;
        let kind = f.fourcc()?;
        let type_data = f.u32()?;
        let view = View {
            pan: f.fixed16()? as f32,
            tilt: f.fixed16()? as f32,
            fov: f.fixed16()? as f32,
        };
        let rect = [f.i16()?, f.i16()?, f.i16()?, f.i16()?];
        let cursors = [f.i32()?, f.i32()?, f.i32()?];
        f.skip(4)?;
        let name = str_at(strt, f.u32()?);
        let comment = str_at(strt, f.u32()?);
        let link = if kind.0 == *b"link" {
            match links.iter().find(|l| u32::from(l.0) == type_data) {
                Some(&(_, to, pan, tilt, zoom)) => Some(Link {
                    to_node: NodeId(to),
                    to_pan: Some(pan),
                    to_tilt: Some(tilt),
                    to_fov: (zoom > 0.0).then_some(zoom),
                    to_view_center: None,
                    to_valid_flags: if zoom > 0.0 { 7 } else { 3 },
                }),
                None => {
                    ctx.warn(Some(h.location.offset), format!("node {node}: link hot spot {id} names link {type_data}, which 'pLnk' lacks"));
                    None
                }
            }
        } else {
            None
        };
        out.push(HotSpot {
            id,
            kind,
            name,
            comment,
            best_view: Some(view),
            best_view_center: None,
            rect: Some(rect),
            cursor_ids: cursors,
            flags: 0,
            link,
            url: None,
            custom: Vec::new(),
        });
    }
    Ok(out)
}

/// Reads a QTVR 1 object movie (`NAVG` user data and one video track).
pub(crate) fn read_object_scene(ctx: &mut Ctx<'_>, controller: FourCC) -> Result<Scene> {
    let navg = ctx
        .movie
        .user_data
        .iter()
        .find(|a| a.kind.0 == *b"NAVG")
        .ok_or(SceneError::NoNavg)?;
    let body = navg.as_body();
    let mut f = body.fields();
    let _version = f.u16()?;
    let columns = u32::from(f.u16()?);
    let rows = u32::from(f.u16()?);
    f.skip(2)?;
    let loop_size = u32::from(f.u16()?).max(1);
    let frame_duration = f.u16()?;
    let movie_type = f.u16()?;
    let _loop_ticks = f.u16()?;
    let fov = f.fixed16()? as f32;
    let pan = [f.fixed16()? as f32, f.fixed16()? as f32];
    let end_v = f.fixed16()? as f32;
    let start_v = f.fixed16()? as f32;
    let initial = [f.fixed16()? as f32, f.fixed16()? as f32];

    let video = ctx
        .movie
        .tracks
        .iter()
        .filter(|t| t.handler.0 == *b"vide" && !t.samples.is_empty())
        .max_by_key(|t| (t.enabled, t.samples.len()))
        .ok_or(SceneError::NoVideoTrack)?;
    let all: Vec<usize> = ctx.presented(video).iter().map(|p| p.index).collect();
    let image = track_use_of(video, all);
    let params = ObjectParams {
        node: NodeId(1),
        rows,
        columns,
        view_states: 1,
        frames_per_view: loop_size,
        pan,
        tilt: [start_v, end_v],
        fov: [0.0, fov],
        default: View {
            pan: initial[0],
            tilt: initial[1],
            fov,
        },
        source: "NAVG",
    };
    let (rows, columns, view_states, limits) = check_object(&mut ctx.warnings, &params, &image);
    let duration = ctx.movie.duration as f64;
    let node = Node {
        id: NodeId(1),
        name: None,
        comment: None,
        start_time: 0.0,
        duration,
        content: NodeContent::Object(Box::new(ObjectNode {
            rows,
            columns,
            view_states,
            frames_per_view: loop_size,
            controller: ObjectController::from_movie_type(movie_type),
            movie_type,
            // QTVR 1 players looped a view's frames and wrapped a full turn.
            animation_settings: if loop_size > 1 {
                animation::ANIMATE_VIEW_FRAMES
            } else {
                0
            },
            control_settings: if (pan[1] - pan[0]).abs() >= 359.9 {
                control::WRAP_PAN
            } else {
                0
            },
            default_view_state: 1,
            mouse_down_view_state: 1,
            view_duration: u32::from(frame_duration) * loop_size,
            frame_seconds: if frame_duration > 0 && ctx.movie.timescale > 0 {
                f64::from(frame_duration) / f64::from(ctx.movie.timescale)
            } else {
                0.1
            },
            mouse_motion_scale: 180.0,
            pan,
            tilt: [start_v, end_v],
            fov: [0.0, fov],
            view_center: [0.0, 0.0],
            view_rate: 1.0,
            frame_rate: 1.0,
            limits,
            image_track: image,
            hotspot_track: None,
        })),
        hotspots: Vec::new(),
        custom_atoms: Vec::new(),
    };
    Ok(Scene {
        qtvr_version: "1.0".into(),
        controller,
        name: None,
        default_node: NodeId(1),
        imaging: Vec::new(),
        cursors: Vec::new(),
        nodes: vec![node],
        warnings: Vec::new(),
    })
}
