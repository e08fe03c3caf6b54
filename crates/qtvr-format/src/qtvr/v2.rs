//! QTVR 2.x movies: the QTVR track's VR world and node information, the
//! panorama track's `pdat` samples and the object track's `obji` samples
//! (QTFF "QuickTime VR file format" and the pages it links).

use super::atom_container::{QtAtom, parse_container};
use super::context::{Ctx, NodeSpan};
use super::limits::{
    ObjectParams, check_object, clamp_angle, clip_range, finish_limits, finite, ordered,
};
use super::scene::*;
use crate::container::{FourCC, Track};
use crate::error::{Error, Problem, Result, SceneError};

/// The VR world header (`vrsc`) and node list (`vrnp`).
struct World {
    version: String,
    name: Option<String>,
    default_node: u32,
    /// (node ID, node type) from `vrnp/vrni/nloc`.
    node_types: Vec<(u32, FourCC)>,
    imaging: Vec<PanoImaging>,
    cursors: Vec<(FourCC, u32, usize)>,
}

/// Reads a QTVR 2 scene.
pub(crate) fn read_scene(ctx: &mut Ctx<'_>, controller: FourCC) -> Result<Scene> {
    let qtvr = ctx
        .track_by_handler(b"qtvr")
        .ok_or(SceneError::NoQtvrTrack)?;
    let world = read_world(ctx, qtvr)?;

    let pano_track = qtvr
        .reference(b"pano")
        .first()
        .and_then(|&id| ctx.track(TrackId(id)))
        .or_else(|| ctx.track_by_handler(b"pano"));
    let obje_track = qtvr
        .reference(b"obje")
        .first()
        .and_then(|&id| ctx.track(TrackId(id)))
        .or_else(|| ctx.track_by_handler(b"obje"));

    let presented = ctx.presented(qtvr).to_vec();
    if presented.is_empty() {
        return Err(SceneError::EmptyQtvrTrack { track: qtvr.id }.into());
    }
    let spans = NodeSpan::for_nodes(
        &presented
            .iter()
            .map(|p| (p.start, p.end))
            .collect::<Vec<_>>(),
    );
    let sources = NodeSources {
        qtvr,
        world: &world,
        pano: pano_track,
        obje: obje_track,
    };
    let mut nodes = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut first_error: Option<String> = None;
    for (k, (p, span)) in presented.iter().zip(spans).enumerate() {
        match read_node(ctx, &sources, p.index, span, k) {
            Ok(n) => {
                if !seen.insert(n.id) {
                    ctx.warn(
                        None,
                        format!("node ID {} appears twice; the second copy is skipped", n.id),
                    );
                } else {
                    nodes.push(n);
                }
            }
            Err(e) => {
                let msg = format!("node {} (QTVR sample {}) skipped: {e}", k + 1, p.index + 1);
                first_error.get_or_insert_with(|| msg.clone());
                ctx.warn(qtvr.samples.get(p.index).map(|s| s.offset), msg);
            }
        }
    }
    if nodes.is_empty() {
        return Err(SceneError::NoNodes {
            first_skip: first_error,
        }
        .into());
    }
    let default_node = ctx.default_node(NodeId(world.default_node), &nodes);
    Ok(Scene {
        qtvr_version: world.version,
        controller,
        name: world.name,
        default_node,
        imaging: world.imaging,
        cursors: world.cursors,
        nodes,
        warnings: Vec::new(),
    })
}

/// `qtvr` sample description → VR world container (QTFF "QuickTime VR sample
/// description", "VR world atom container").
fn read_world(ctx: &mut Ctx<'_>, qtvr: &Track) -> Result<World> {
    let mut world = World {
        version: "2.0".into(),
        name: None,
        default_node: 0,
        node_types: Vec::new(),
        imaging: Vec::new(),
        cursors: Vec::new(),
    };
    let Some(desc) = qtvr.descriptions.first() else {
        ctx.warn(
            Some(qtvr.offset),
            "QTVR track has no sample description: no VR world header",
        );
        return Ok(world);
    };
    let base = crate::error::Location {
        offset: desc.location.offset + 16,
        ..desc.location
    };
    let root = match parse_container(&desc.data, base, ctx.budget) {
        Ok(r) => r,
        Err(e) => {
            ctx.warn(
                Some(desc.location.offset),
                format!("VR world unreadable, defaults used: {e}"),
            );
            return Ok(world);
        }
    };
    if let Some(vrsc) = root.child(b"vrsc") {
        read_vrsc(vrsc, &root, &mut world)?;
    } else {
        ctx.warn(
            Some(desc.location.offset),
            "VR world has no header ('vrsc')",
        );
    }
    // imgp → impn (QTFF "Imaging parent atom", "Panorama imaging atom")
    if let Some(imgp) = root.child(b"imgp") {
        for impn in imgp.children_of(b"impn") {
            let mut f = impn.fields();
            let r = (|| -> Result<PanoImaging> {
                f.skip(4)?;
                Ok(PanoImaging {
                    id: impn.id,
                    imaging_mode: f.u32()?,
                    valid_flags: f.u32()?,
                    correction: f.u32()?,
                    quality: f.u32()?,
                    direct_draw: f.u32()?,
                })
            })();
            match r {
                Ok(i) => world.imaging.push(i),
                Err(e) => ctx.warn(
                    Some(impn.location.offset),
                    format!("imaging atom ignored: {e}"),
                ),
            }
        }
    }
    // vrcp → CURS / crsr (QTFF "Custom cursor atom")
    if let Some(vrcp) = root.child(b"vrcp") {
        world.cursors = vrcp
            .children
            .iter()
            .map(|c| (c.kind, c.id, c.data.len()))
            .collect();
    }
    if let Some(vrnp) = root.child(b"vrnp") {
        for vrni in vrnp.children_of(b"vrni") {
            let ty = vrni.child(b"nloc").and_then(|n| read_nloc(n).ok());
            world.node_types.push((vrni.id, ty.unwrap_or_default()));
        }
    }
    Ok(world)
}

/// `vrsc` (QTFF "VR world header atom").
fn read_vrsc(vrsc: &QtAtom, root: &QtAtom, world: &mut World) -> Result<()> {
    let mut f = vrsc.fields();
    let major = f.u16()?;
    let minor = f.u16()?;
    let name_id = f.u32()?;
    world.default_node = f.u32()?;
    world.version = format!("{major}.{minor}");
    world.name = string_atom(root, name_id);
    Ok(())
}

/// `nloc` (QTFF "Node location atom structure"): the node type.
fn read_nloc(nloc: &QtAtom) -> Result<FourCC> {
    let mut f = nloc.fields();
    f.skip(4)?;
    f.fourcc()
}

/// `vrsg` (QTFF "QTVR string atom"): the string with atom ID `id` among `parent`'s children.
fn string_atom(parent: &QtAtom, id: u32) -> Option<String> {
    if id == 0 {
        return None;
    }
    let a = parent.child_with_id(b"vrsg", id)?;
    let mut f = a.fields();
    let _usage = f.u16().ok()?;
    let len = usize::from(f.u16().ok()?);
    let bytes = f.rest();
    let s = crate::text::mac_text(&bytes[..len.min(bytes.len())]);
    (!s.is_empty()).then_some(s)
}

/// What every node of a QTVR 2 movie is read with: the QTVR track (node
/// information samples), the VR world, the panorama and object tracks.
struct NodeSources<'a> {
    qtvr: &'a Track,
    world: &'a World,
    pano: Option<&'a Track>,
    obje: Option<&'a Track>,
}

/// The node of QTVR sample `sample` (the `ordinal`th node, shown over `span`).
fn read_node(
    ctx: &mut Ctx<'_>,
    src: &NodeSources<'_>,
    sample: usize,
    span: NodeSpan,
    ordinal: usize,
) -> Result<Node> {
    let (world, pano_track, obje_track) = (src.world, src.pano, src.obje);
    let qtvr = src.qtvr;
    let (bytes, loc) = ctx.read_sample(qtvr, sample)?;
    let info = parse_container(&bytes, loc, ctx.budget)?;
    // ndhd (QTFF "Node header atom")
    let (mut node_type, node_id, name, comment);
    if let Some(ndhd) = info.child(b"ndhd") {
        let mut f = ndhd.fields();
        f.skip(4)?;
        node_type = f.fourcc()?;
        node_id = f.u32()?;
        let name_id = f.u32()?;
        let comment_id = f.u32()?;
        name = string_atom(&info, name_id);
        comment = string_atom(&info, comment_id);
    } else if let Some(&(id, ty)) = world.node_types.get(ordinal) {
        ctx.warn(Some(loc.offset), format!("node information without a header ('ndhd'); node {id} from the VR world's node list"));
        node_id = id;
        node_type = ty;
        name = None;
        comment = None;
    } else {
        return Err(Error::atom(
            FourCC::new(b"sean"),
            loc,
            Problem::MissingChild(FourCC::new(b"ndhd")),
        ));
    }
    if node_type.0 != *b"pano"
        && node_type.0 != *b"obje"
        && let Some(&(_, ty)) = world.node_types.iter().find(|(id, _)| *id == node_id)
    {
        node_type = ty;
    }
    let node_id = NodeId(node_id);
    let hotspots = read_hotspots(ctx, &info)?;
    let custom_atoms = info
        .children
        .iter()
        .filter(|c| !matches!(&c.kind.0, b"ndhd" | b"vrsg" | b"vrse" | b"hspa"))
        .map(|c| (c.kind, c.id))
        .collect();
    let content = match &node_type.0 {
        b"pano" => {
            let t = pano_track.ok_or(SceneError::NoPanoramaTrack { node: node_id })?;
            NodeContent::Panorama(Box::new(read_pano_node(ctx, t, node_id, span)?))
        }
        b"obje" => {
            let t = obje_track.ok_or(SceneError::NoObjectTrack { node: node_id })?;
            NodeContent::Object(Box::new(read_object_node(ctx, t, node_id, span)?))
        }
        _ => {
            return Err(SceneError::UnknownNodeType {
                node: node_id,
                node_type,
            }
            .into());
        }
    };
    Ok(Node {
        id: node_id,
        name,
        comment,
        start_time: span.start.as_f64(),
        duration: span.end.as_f64() - span.start.as_f64(),
        content,
        hotspots,
        custom_atoms,
    })
}

/// `hspa` → `hots` → `hsin` + type-specific atoms (QTFF "Hot spot parent atom").
fn read_hotspots(ctx: &mut Ctx<'_>, info: &QtAtom) -> Result<Vec<HotSpot>> {
    let mut out = Vec::new();
    let Some(hspa) = info.child(b"hspa") else {
        return Ok(out);
    };
    for hots in hspa.children_of(b"hots") {
        match read_hot_spot(info, hots) {
            Ok(h) => out.push(h),
            Err(e) => ctx.warn(
                Some(hots.location.offset),
                format!("hot spot {} skipped: {e}", hots.id),
            ),
        }
    }
    Ok(out)
}

fn read_hot_spot(info: &QtAtom, hots: &QtAtom) -> Result<HotSpot> {
    let mut h = HotSpot {
        id: HotspotId(hots.id),
        kind: FourCC::new(b"undf"),
        name: None,
        comment: None,
        best_view: None,
        best_view_center: None,
        rect: None,
        cursor_ids: [0; 3],
        flags: 0,
        link: None,
        url: None,
        custom: Vec::new(),
    };
    if let Some(hsin) = hots.child(b"hsin") {
        // QTFF "Hot spot information atom"
        let mut f = hsin.fields();
        f.skip(4)?;
        h.kind = f.fourcc()?;
        let name_id = f.u32()?;
        let comment_id = f.u32()?;
        h.name = string_atom(hots, name_id).or_else(|| string_atom(info, name_id));
        h.comment = string_atom(hots, comment_id).or_else(|| string_atom(info, comment_id));
        h.cursor_ids = [f.i32()?, f.i32()?, f.i32()?];
        let (pan, tilt, fov) = (f.f32()?, f.f32()?, f.f32()?);
        if pan.is_finite() && tilt.is_finite() && fov.is_finite() {
            h.best_view = Some(View { pan, tilt, fov });
        }
        let (cx, cy) = (f.f32()?, f.f32()?);
        h.best_view_center = (cx.is_finite() && cy.is_finite()).then_some([cx, cy]);
        if f.remaining() >= 8 {
            h.rect = Some([f.i16()?, f.i16()?, f.i16()?, f.i16()?]);
        }
        if f.remaining() >= 4 {
            h.flags = f.u32()?;
        }
    }
    for c in &hots.children {
        match &c.kind.0 {
            b"hsin" | b"vrsg" | b"vrse" => {}
            b"link" => h.link = Some(read_link(c)?),
            b"url " => h.url = Some(crate::text::mac_text(&c.data)),
            _ => h.custom.push((c.kind, c.data.clone())),
        }
    }
    Ok(h)
}

/// `link` (QTFF "Link hot spot atom").
fn read_link(a: &QtAtom) -> Result<Link> {
    let mut f = a.fields();
    f.skip(4)?;
    let to_node = f.u32()?;
    f.skip(4 + 12 + 8)?; // from flags, pan/tilt/fov, view centre
    let valid = f.u32()?;
    let (pan, tilt, fov) = (f.f32()?, f.f32()?, f.f32()?);
    let (cx, cy) = (f.f32()?, f.f32()?);
    let ok = |bit: u32, v: f32| (valid & bit != 0 && v.is_finite()).then_some(v);
    Ok(Link {
        to_node: NodeId(to_node),
        to_pan: ok(1, pan),
        to_tilt: ok(2, tilt),
        to_fov: ok(4, fov),
        to_view_center: (valid & 8 != 0 && cx.is_finite() && cy.is_finite()).then_some([cx, cy]),
        to_valid_flags: valid,
    })
}

/// The sample of `track` presented at exactly `start`, or failing that the one
/// whose span contains it.
/// The panorama or object sample (a QT atom container) of the node starting at
/// `span.start`: the sample presented then, or the one whose span holds it.
fn read_node_sample(
    ctx: &mut Ctx<'_>,
    track: &Track,
    span: NodeSpan,
    node: NodeId,
    what: &[u8; 4],
) -> Result<QtAtom> {
    let index = crate::container::timing::sample_at(ctx.presented(track), span.start)
        .map(|p| p.index)
        .ok_or(SceneError::NoNodeSample {
            node,
            track: track.id,
            samples: FourCC::new(what),
        })?;
    let (bytes, loc) = ctx.read_sample(track, index)?;
    parse_container(&bytes, loc, ctx.budget)
}

/// The child `kind` of a container root, or an error naming the root and its offset.
fn required<'a>(root: &'a QtAtom, kind: &[u8; 4]) -> Result<&'a QtAtom> {
    root.child(kind)
        .ok_or_else(|| root.error(Problem::MissingChild(FourCC::new(kind))))
}

/// The pdat fields (QTFF "Panorama sample atom").
#[derive(Debug, Default)]
struct Pdat {
    image_ref: u32,
    hotspot_ref: u32,
    pan: [f32; 2],
    tilt: [f32; 2],
    fov: [f32; 2],
    default: View,
    image_size: [u32; 2],
    frames: [u16; 2],
    hotspot_size: [u32; 2],
    hotspot_frames: [u16; 2],
    flags: u32,
    pano_type: FourCC,
}

fn read_pdat(a: &QtAtom) -> Result<Pdat> {
    let mut f = a.fields();
    f.skip(4)?;
    let mut p = Pdat {
        image_ref: f.u32()?,
        hotspot_ref: f.u32()?,
        ..Default::default()
    };
    p.pan = [f.f32()?, f.f32()?];
    p.tilt = [f.f32()?, f.f32()?];
    p.fov = [f.f32()?, f.f32()?];
    p.default = View {
        pan: f.f32()?,
        tilt: f.f32()?,
        fov: f.f32()?,
    };
    p.image_size = [f.u32()?, f.u32()?];
    p.frames = [f.u16()?, f.u16()?];
    p.hotspot_size = [f.u32()?, f.u32()?];
    p.hotspot_frames = [f.u16()?, f.u16()?];
    p.flags = f.u32()?;
    p.pano_type = if f.remaining() >= 4 {
        f.fourcc()?
    } else {
        FourCC::default()
    };
    Ok(p)
}

fn angle_pair(a: &QtAtom) -> Option<[f32; 2]> {
    let mut f = a.fields();
    let lo = f.f32().ok()?;
    let hi = f.f32().ok()?;
    (lo.is_finite() && hi.is_finite()).then_some([lo.min(hi), lo.max(hi)])
}

fn read_pano_node(
    ctx: &mut Ctx<'_>,
    pano: &Track,
    node: NodeId,
    span: NodeSpan,
) -> Result<Panorama> {
    let root = read_node_sample(ctx, pano, span, node, b"pdat")?;
    let pdat_atom = required(&root, b"pdat")?;
    let pdat = read_pdat(pdat_atom)?;
    let imgt = pano.reference(b"imgt").to_vec();
    let hott = pano.reference(b"hott").to_vec();

    // Image track: pdat.imageRefTrackIndex is a 1-based index into the pano track's 'imgt' list.
    let image_id = match (pdat.image_ref as usize)
        .checked_sub(1)
        .and_then(|i| imgt.get(i))
    {
        Some(&id) => id,
        None => {
            let Some(&first) = imgt.first() else {
                return Err(SceneError::NoImageTrackReference {
                    node,
                    track_kind: "panorama",
                }
                .into());
            };
            ctx.warn(Some(pdat_atom.location.offset), format!(
                "node {node}: image track index {} is not in the track's 'imgt' list {imgt:?}; using track {first}",
                pdat.image_ref
            ));
            first
        }
    };
    let image = ctx
        .track_use(TrackId(image_id), span, "image", node)
        .ok_or(SceneError::NoImageSamples { node })?;

    let hotspot_track = match (pdat.hotspot_ref as usize).checked_sub(1) {
        None => None,
        Some(i) => match hott.get(i) {
            Some(&id) => ctx.track_use(TrackId(id), span, "hot spot", node),
            None => {
                ctx.warn(Some(pdat_atom.location.offset), format!(
                    "node {node}: hot spot track index {} is not in the 'hott' list {hott:?}; no hot spot image",
                    pdat.hotspot_ref
                ));
                None
            }
        },
    };

    // Preview and low-resolution tracks from the sample's 'tref' array.
    let mut preview_track = None;
    let mut low_res_tracks = Vec::new();
    if let Some(tref) = root.child(b"tref") {
        let mut f = tref.fields();
        let _count = if f.remaining() % 10 == 4 {
            Some(f.u32()?)
        } else {
            None
        };
        while f.remaining() >= 10 {
            let (ty, res, idx) = (f.fourcc()?, f.u16()?, f.u32()?);
            if ty.0 != *b"imgt" {
                continue;
            }
            let Some(&id) = (idx as usize).checked_sub(1).and_then(|i| imgt.get(i)) else {
                ctx.warn(
                    Some(tref.location.offset),
                    format!("node {node}: 'tref' entry index {idx} is not in the 'imgt' list"),
                );
                continue;
            };
            if id == image_id {
                continue;
            }
            if let Some(u) = ctx.track_use(TrackId(id), span, "low-resolution", node) {
                if res == 0x8000 {
                    preview_track = Some(u);
                } else {
                    low_res_tracks.push((res, u));
                }
            }
        }
    }

    let mut constraints = Constraints::default();
    if let Some(a) = root.child(b"pcon") {
        constraints.pan = angle_pair(a);
    }
    if let Some(a) = root.child(b"tcon") {
        constraints.tilt = angle_pair(a);
    }
    if let Some(a) = root.child(b"fcon") {
        constraints.fov = angle_pair(a);
    }

    let is_cube = pdat.pano_type.0 == *b"cube";
    let (projection, image_size, tile_grid, limits, hotspot_image_size) = if is_cube {
        cube_geometry(ctx, &root, &pdat, &image, node)?
    } else {
        cylinder_geometry(ctx, &pdat, &image, hotspot_track.as_ref(), node)
    };
    let image_pan = if is_cube { [0.0, 360.0] } else { limits.pan };
    let limits = apply_constraints(limits, &constraints, node, &mut ctx.warnings);
    Ok(Panorama {
        projection,
        image_size,
        tile_grid,
        image_pan,
        limits,
        constraints,
        image_track: image,
        hotspot_track,
        hotspot_image_size,
        preview_track,
        low_res_tracks,
    })
}

type Geometry = (Projection, [u32; 2], [u32; 2], ViewLimits, Option<[u32; 2]>);

/// Cylinder layout from `pdat` checked against what the image track holds.
fn cylinder_geometry(
    ctx: &mut Ctx<'_>,
    pdat: &Pdat,
    image: &TrackUse,
    hotspots: Option<&TrackUse>,
    node: NodeId,
) -> Geometry {
    let (orientation, legacy) = cylinder_orientation(ctx, pdat, image, node);
    let vertical = orientation == CylinderOrientation::Vertical;
    let (grid, stored) = cylinder_grid(ctx, pdat, image, vertical, node);
    let upright = if vertical {
        [stored[1], stored[0]]
    } else {
        stored
    };
    let hotspot_image_size = hotspots.map(|h| {
        let hs = [
            h.width.saturating_mul(grid[0]),
            h.height.saturating_mul(grid[1]),
        ];
        if vertical { [hs[1], hs[0]] } else { hs }
    });
    let limits = cylinder_limits(ctx, pdat, upright, node);
    (
        Projection::Cylinder {
            orientation,
            legacy_flags: legacy,
            first_tile: orientation.first_tile(),
        },
        upright,
        grid,
        limits,
        hotspot_image_size,
    )
}

/// A cylinder's orientation and whether it comes from the legacy flags:
/// from the panorama type, else from the flags (an unknown type warns); a
/// legacy vertical cylinder whose `pdat` describes one tile of several is
/// libquicktime's horizontal layout.
fn cylinder_orientation(
    ctx: &mut Ctx<'_>,
    pdat: &Pdat,
    image: &TrackUse,
    node: NodeId,
) -> (CylinderOrientation, bool) {
    let (orientation, legacy) = match &pdat.pano_type.0 {
        b"hcyl" => (CylinderOrientation::Horizontal, false),
        b"vcyl" => (CylinderOrientation::Vertical, false),
        [0, 0, 0, 0] => (
            if pdat.flags & 1 != 0 {
                CylinderOrientation::Horizontal
            } else {
                CylinderOrientation::Vertical
            },
            true,
        ),
        _ => {
            ctx.warn(
                None,
                format!(
                    "node {node}: unknown panorama type '{}'; read as a cylinder by its flags",
                    pdat.pano_type
                ),
            );
            (
                if pdat.flags & 1 != 0 {
                    CylinderOrientation::Horizontal
                } else {
                    CylinderOrientation::Vertical
                },
                true,
            )
        }
    };
    let n = image.sample_count as u32;
    let claims_one_tile = u32::from(pdat.frames[0]) * u32::from(pdat.frames[1]) <= 1
        && pdat.image_size == [image.width, image.height];
    if legacy && n > 1 && claims_one_tile && orientation == CylinderOrientation::Vertical {
        // libquicktime's writer: pdat describes one tile, leaves panoType and flags 0,
        // and stores unrotated strips left to right.
        ctx.warn(None, format!(
            "node {node}: the panorama header describes a single {}x{} tile while the track holds {n}, and its \
             orientation flag is unset (as libquicktime writes it); tiles read as unrotated strips, left to right",
            image.width, image.height
        ));
        (CylinderOrientation::Horizontal, legacy)
    } else {
        (orientation, legacy)
    }
}

/// A cylinder's tile grid (the `pdat`'s when the image track's tiles fill it,
/// else one row or column of them) and the stored image size the tiles make.
fn cylinder_grid(
    ctx: &mut Ctx<'_>,
    pdat: &Pdat,
    image: &TrackUse,
    vertical: bool,
    node: NodeId,
) -> ([u32; 2], [u32; 2]) {
    let n = image.sample_count as u32;
    let mut grid = [u32::from(pdat.frames[0]), u32::from(pdat.frames[1])];
    if grid[0].checked_mul(grid[1]) != Some(n) {
        let inferred = if vertical { [1, n] } else { [n, 1] };
        ctx.warn(None, format!(
            "node {node}: panorama claims a {}x{} tile grid but its image track holds {n} tiles; using {}x{}",
            grid[0], grid[1], inferred[0], inferred[1]
        ));
        grid = inferred;
    }
    let stored = [
        image.width.saturating_mul(grid[0]),
        image.height.saturating_mul(grid[1]),
    ];
    if pdat.image_size != stored {
        ctx.warn(None, format!(
            "node {node}: panorama claims a {}x{} image but its tiles make {}x{}; using the tiles",
            pdat.image_size[0], pdat.image_size[1], stored[0], stored[1]
        ));
    }
    (grid, stored)
}

/// A cylinder's view limits from its `pdat`, the tilt bounded by the
/// `upright` image's vertical extent.
fn cylinder_limits(ctx: &mut Ctx<'_>, pdat: &Pdat, upright: [u32; 2], node: NodeId) -> ViewLimits {
    let pan = clean_pan(
        ordered(
            pdat.pan.map(|v| finite(v, 0.0)),
            "pan",
            node,
            &mut ctx.warnings,
        ),
        node,
        &mut ctx.warnings,
    );
    let mut tilt = ordered(
        pdat.tilt.map(|v| finite(v, 0.0)),
        "tilt",
        node,
        &mut ctx.warnings,
    );
    // The image's own vertical extent bounds the tilt.
    let range = (pan[1] - pan[0]).max(1.0);
    let half = if upright[0] > 0 {
        let r = f64::from(upright[0]) * 360.0 / (2.0 * std::f64::consts::PI * f64::from(range));
        ((f64::from(upright[1]) / 2.0) / r).atan().to_degrees() as f32
    } else {
        45.0
    };
    if tilt == [0.0, 0.0] {
        tilt = [-half, half];
    } else if tilt[0] < -half - 0.05 || tilt[1] > half + 0.05 {
        ctx.warnings.push(crate::error::Warning::general(format!(
            "node {node}: tilt limits ({}, {}) exceed the image's vertical extent ±{half:.3}; clamped",
            tilt[0], tilt[1]
        )));
        tilt = clip_range(tilt, -half, half);
    }
    let fov = [
        finite(pdat.fov[0], 0.0),
        finite(pdat.fov[1], 0.0).min(tilt[1] - tilt[0] + 0.001),
    ];
    let default = View {
        pan: finite(pdat.default.pan, pan[0]),
        tilt: finite(pdat.default.tilt, 0.0),
        fov: finite(pdat.default.fov, 0.0),
    };
    finish_limits(pan, tilt, fov, default, "pdat", node, &mut ctx.warnings)
}

fn clean_pan(pan: [f32; 2], node: NodeId, w: &mut Vec<crate::error::Warning>) -> [f32; 2] {
    if pan[1] - pan[0] <= 0.0 || pan[1] - pan[0] > 360.01 {
        w.push(crate::error::Warning::general(format!(
            "node {node}: pan range ({}, {}) is impossible; using 0..360",
            pan[0], pan[1]
        )));
        return [0.0, 360.0];
    }
    pan
}

/// Cube layout: faces from `cufa` or the standard six, limits from `cuvw`.
fn cube_geometry(
    ctx: &mut Ctx<'_>,
    root: &QtAtom,
    pdat: &Pdat,
    image: &TrackUse,
    node: NodeId,
) -> Result<Geometry> {
    let n = image.sample_count;
    let faces = match root.child(b"cufa") {
        Some(cufa) => Some(read_cufa(ctx, cufa, n, node)?),
        None => None,
    };
    let standard = faces.is_none();
    let faces = match faces {
        Some(f) => f,
        None => standard_faces(n, node)?,
    };
    let k = tiles_per_face_edge(ctx, &faces, n, standard, node);
    let face_size = [
        image.width.saturating_mul(k),
        image.height.saturating_mul(k),
    ];
    let limits = match root.child(b"cuvw") {
        Some(cuvw) => read_cuvw(ctx, cuvw, node)?,
        None => {
            ctx.warnings.push(crate::error::Warning::general(format!(
                "node {node}: cube without view limits ('cuvw'); using pan 0..360, tilt ±90, fov 5..120"
            )));
            let d = View {
                pan: finite(pdat.default.pan, 0.0),
                tilt: finite(pdat.default.tilt, 0.0),
                fov: 90.0,
            };
            finish_limits(
                [0.0, 360.0],
                [-90.0, 90.0],
                [5.0, 120.0],
                d,
                "default",
                node,
                &mut ctx.warnings,
            )
        }
    };
    Ok((
        Projection::Cube { faces, standard },
        face_size,
        [k, k],
        limits,
        None,
    ))
}

/// `cufa` (QTFF "Cube face data atom"): one orientation, centre, aspect and
/// skew per tile; a count unlike the image track's `n` tiles warns.
fn read_cufa(ctx: &mut Ctx<'_>, cufa: &QtAtom, n: usize, node: NodeId) -> Result<Vec<CubeFace>> {
    let mut f = cufa.fields();
    let count = f.remaining() / 32;
    f.check_table(count as u64, 32)?;
    let mut v = Vec::with_capacity(count);
    for _ in 0..count {
        v.push(CubeFace {
            orientation: [f.f32()?, f.f32()?, f.f32()?, f.f32()?],
            center: [f.f32()?, f.f32()?],
            aspect: f.f32()?,
            skew: f.f32()?,
        });
    }
    if v.iter().any(|c| {
        c.orientation
            .iter()
            .chain(&c.center)
            .any(|x| !x.is_finite())
    }) {
        return Err(cufa.error(Problem::Invalid(
            "a face orientation or centre is not a number".into(),
        )));
    }
    if v.len() != n {
        ctx.warn(
            Some(cufa.location.offset),
            format!(
                "node {node}: 'cufa' describes {} tiles but the image track holds {n}",
                v.len()
            ),
        );
    }
    Ok(v)
}

/// The standard cube's faces for `n` tiles: 6 faces, or 6 faces of k×k tiles.
fn standard_faces(n: usize, node: NodeId) -> Result<Vec<CubeFace>> {
    let per_face = n / 6;
    let k = (per_face as f64).sqrt().round() as u32;
    if !n.is_multiple_of(6) || (k * k) as usize != per_face || k == 0 {
        return Err(SceneError::CubeTileCount { node, tiles: n }.into());
    }
    Ok(if k == 1 {
        CubeFace::standard().to_vec()
    } else {
        CubeFace::standard_tiled(k)
    })
}

/// Tiles per face edge from the first quaternion's magnitude (|q|² = k),
/// unless that does not fit the tile count `n` (6·k² tiles): then from the count.
fn tiles_per_face_edge(
    ctx: &mut Ctx<'_>,
    faces: &[CubeFace],
    n: usize,
    standard: bool,
    node: NodeId,
) -> u32 {
    let k = faces
        .first()
        .map(|f| {
            f.orientation
                .iter()
                .map(|x| x * x)
                .sum::<f32>()
                .round()
                .max(1.0) as u32
        })
        .unwrap_or(1);
    // A magnitude that does not fit the tile count (6·k² tiles) is not trusted.
    let from_count = ((n / 6) as f64).sqrt().round().max(1.0) as u32;
    let tiles = u64::from(k)
        .checked_mul(u64::from(k))
        .and_then(|t| t.checked_mul(6));
    if tiles == Some(n as u64) {
        k
    } else {
        if !standard {
            ctx.warn(None, format!(
                "node {node}: 'cufa' quaternions imply {k}x{k} tiles per face, the track holds {n} tiles; using {from_count}x{from_count}"
            ));
        }
        from_count
    }
}

/// `cuvw` (QTFF "Cubic view atom"): pan, tilt and field-of-view ranges and the default view.
fn read_cuvw(ctx: &mut Ctx<'_>, cuvw: &QtAtom, node: NodeId) -> Result<ViewLimits> {
    let mut f = cuvw.fields();
    let v: Vec<f32> = (0..9).map(|_| f.f32()).collect::<Result<_>>()?;
    let v: Vec<f32> = v.iter().map(|&x| finite(x, 0.0)).collect();
    let pan = clean_pan(
        ordered([v[0], v[1]], "pan", node, &mut ctx.warnings),
        node,
        &mut ctx.warnings,
    );
    let tilt = ordered([v[2], v[3]], "tilt", node, &mut ctx.warnings);
    let tilt = clip_range(tilt, -90.0, 90.0);
    let fov = ordered([v[4], v[5]], "field of view", node, &mut ctx.warnings);
    let d = View {
        pan: v[6],
        tilt: v[7],
        fov: v[8],
    };
    Ok(finish_limits(
        pan,
        tilt,
        [fov[0], fov[1].min(179.0)],
        d,
        "cuvw",
        node,
        &mut ctx.warnings,
    ))
}

fn apply_constraints(
    mut l: ViewLimits,
    c: &Constraints,
    node: NodeId,
    w: &mut Vec<crate::error::Warning>,
) -> ViewLimits {
    let mut clip = |lim: &mut [f32; 2], con: Option<[f32; 2]>, what: &str| {
        if let Some([lo, hi]) = con {
            let n = [lim[0].max(lo), lim[1].min(hi)];
            if n[0] <= n[1] {
                *lim = n;
            } else {
                w.push(crate::error::Warning::general(format!(
                    "node {node}: {what} constraint ({lo}, {hi}) lies outside the limits; ignored"
                )));
            }
        }
    };
    clip(&mut l.pan, c.pan, "pan");
    clip(&mut l.tilt, c.tilt, "tilt");
    clip(&mut l.fov, c.fov, "field of view");
    l.wraps = l.pan[1] - l.pan[0] >= 359.99;
    if !l.wraps {
        l.default.pan = clamp_angle(l.default.pan, l.pan[0], l.pan[1]);
    }
    l.default.tilt = clamp_angle(l.default.tilt, l.tilt[0], l.tilt[1]);
    l.default.fov = clamp_angle(l.default.fov, l.fov[0], l.fov[1]);
    l
}

/// `obji` (QTFF "Object sample atom") and its sibling track reference atoms.
fn read_object_node(
    ctx: &mut Ctx<'_>,
    obje: &Track,
    node: NodeId,
    span: NodeSpan,
) -> Result<ObjectNode> {
    let root = read_node_sample(ctx, obje, span, node, b"obji")?;
    let obji = required(&root, b"obji")?;
    let mut f = obji.fields();
    f.skip(4)?;
    let movie_type = f.u16()?;
    let view_states = u32::from(f.u16()?);
    let default_view_state = f.u16()?;
    let mouse_down_view_state = f.u16()?;
    let view_duration = f.u32()?;
    let columns = f.u32()?;
    let rows = f.u32()?;
    let mouse_motion_scale = f.f32()?;
    let pan = [f.f32()?, f.f32()?];
    let default_pan = f.f32()?;
    let tilt = [f.f32()?, f.f32()?];
    let default_tilt = f.f32()?;
    let fov = [f.f32()?, f.f32()?];
    let default_fov = f.f32()?;
    let view_center = [f.f32()?, f.f32()?];
    let view_rate = f.f32()?;
    let frame_rate = f.f32()?;
    let animation_settings = f.u32()?;
    let control_settings = f.u32()?;

    let ref_index = |kind: &[u8; 4]| -> u32 {
        root.child(kind)
            .and_then(|a| {
                let mut f = a.fields();
                f.skip(6).ok()?;
                f.u32().ok()
            })
            .unwrap_or(1)
    };
    let imgt = obje.reference(b"imgt").to_vec();
    let hott = obje.reference(b"hott").to_vec();
    let image_id = (ref_index(b"imtr") as usize)
        .checked_sub(1)
        .and_then(|i| imgt.get(i))
        .copied()
        .or(imgt.first().copied())
        .ok_or(SceneError::NoImageTrackReference {
            node,
            track_kind: "object",
        })?;
    let image = ctx
        .track_use(TrackId(image_id), span, "image", node)
        .ok_or(SceneError::NoImageSamples { node })?;
    let hotspot_track = (ref_index(b"hstr") as usize)
        .checked_sub(1)
        .and_then(|i| hott.get(i))
        .copied()
        .and_then(|id| ctx.track_use(TrackId(id), span, "hot spot", node));

    // Frames per view: viewDuration over the movie-time length of one image sample.
    let (frames_per_view, frame_seconds) = match ctx.track(TrackId(image_id)) {
        Some(t) => frames_per_view(ctx, t, &image, view_duration, node),
        None => (1, DEFAULT_FRAME_SECONDS),
    };
    let params = ObjectParams {
        node,
        rows,
        columns,
        view_states,
        frames_per_view,
        pan,
        tilt,
        fov,
        default: View {
            pan: default_pan,
            tilt: default_tilt,
            fov: default_fov,
        },
        source: "obji",
    };
    let (rows, columns, view_states, limits) = check_object(&mut ctx.warnings, &params, &image);
    Ok(ObjectNode {
        rows,
        columns,
        view_states,
        frames_per_view,
        controller: ObjectController::from_movie_type(movie_type),
        movie_type,
        animation_settings,
        control_settings,
        default_view_state,
        mouse_down_view_state,
        view_duration,
        frame_seconds,
        mouse_motion_scale,
        pan,
        tilt,
        fov,
        view_center,
        view_rate,
        frame_rate,
        limits,
        image_track: image,
        hotspot_track,
    })
}

/// Seconds per animation frame when the file gives no usable duration.
const DEFAULT_FRAME_SECONDS: f64 = 0.1;

/// Frames per view (viewDuration over one image sample's movie-time length) and
/// the seconds one frame lasts at rate 1.
fn frames_per_view(
    ctx: &mut Ctx<'_>,
    track: &Track,
    image: &TrackUse,
    view_duration: u32,
    node: NodeId,
) -> (u32, f64) {
    let first = image.samples.first().copied();
    let span = ctx
        .presented(track)
        .iter()
        .find(|p| Some(p.index) == first)
        .map(|p| p.end.as_f64() - p.start.as_f64())
        .unwrap_or(0.0);
    let timescale = f64::from(ctx.movie.timescale);
    let seconds = if span > 0.0 && timescale > 0.0 {
        span / timescale
    } else {
        DEFAULT_FRAME_SECONDS
    };
    if span <= 0.0 || view_duration == 0 {
        return (1, seconds);
    }
    let q = f64::from(view_duration) / span;
    let r = q.round().max(1.0);
    if (q - r).abs() > 0.01 {
        ctx.warn(None, format!("node {node}: view duration {view_duration} is not a whole number of frames ({q:.3}); using {r}"));
    }
    (r.min(f64::from(u16::MAX)) as u32, seconds)
}
