//! The QTVR atom builders: one function per atom the reader interprets, each
//! named after its atom, on top of the generic QuickTime writers in
//! [`crate::container::build`]. The parser tests build their movies with them.

use crate::container::build::{Body, qt_leaf, qt_parent};

/// `vrsg` (QTVR string atom) with atom ID `id`: usage 0, length, the bytes
/// (cut at 65535 bytes, the most its length field holds).
pub fn string_atom(id: u32, s: &str) -> Vec<u8> {
    let b = &s.as_bytes()[..s.len().min(usize::from(u16::MAX))];
    qt_leaf(
        b"vrsg",
        id,
        &Body::new().u16(0).u16(b.len() as u16).bytes(b).done(),
    )
}

/// `vrsc` (VR world header): version 2.0, the world's name string ID and the default node.
pub fn vrsc(name_id: u32, default_node: u32) -> Vec<u8> {
    qt_leaf(
        b"vrsc",
        1,
        &Body::new()
            .u16(2)
            .u16(0)
            .u32(name_id)
            .u32(default_node)
            .u32(0)
            .u32(0)
            .u32(0)
            .done(),
    )
}

/// `nloc` (node location atom) with the node type (`pano` or `obje`).
pub fn nloc(kind: &[u8; 4]) -> Vec<u8> {
    qt_leaf(
        b"nloc",
        1,
        &Body::new()
            .u16(2)
            .u16(0)
            .bytes(kind)
            .u32(0)
            .u32(0)
            .u32(0)
            .u32(0)
            .done(),
    )
}

/// `ndhd` (node header atom): node type, node ID and the ID of its name string (0 = none).
pub fn ndhd(kind: &[u8; 4], id: u32, name_id: u32) -> Vec<u8> {
    qt_leaf(
        b"ndhd",
        1,
        &Body::new()
            .u16(2)
            .u16(0)
            .bytes(kind)
            .u32(id)
            .u32(name_id)
            .u32(0)
            .u32(0)
            .u32(0)
            .done(),
    )
}

/// `hsin` (hot spot information atom): type, name string ID, best view
/// `[pan, tilt, fov]` and rectangle `[top, left, bottom, right]`.
pub fn hsin(kind: &[u8; 4], name_id: u32, best: [f32; 3], rect: [i16; 4]) -> Vec<u8> {
    let b = Body::new()
        .u16(2)
        .u16(0)
        .bytes(kind)
        .u32(name_id)
        .u32(0)
        .i32(0)
        .i32(0)
        .i32(0)
        .f32(best[0])
        .f32(best[1])
        .f32(best[2])
        .f32(0.0)
        .f32(0.0)
        .i16(rect[0])
        .i16(rect[1])
        .i16(rect[2])
        .i16(rect[3])
        .u32(0)
        .u32(0)
        .u32(0);
    qt_leaf(b"hsin", 1, &b.done())
}

/// `link` (link hot spot atom): destination node, valid flags (1 pan, 2 tilt,
/// 4 field of view) and the destination view `[pan, tilt, fov]`.
pub fn link(to: u32, valid: u32, view: [f32; 3]) -> Vec<u8> {
    let b = Body::new()
        .u16(2)
        .u16(0)
        .u32(to)
        .u32(0)
        .f32(0.0)
        .f32(0.0)
        .f32(0.0)
        .f32(0.0)
        .f32(0.0)
        .u32(valid)
        .f32(view[0])
        .f32(view[1])
        .f32(view[2])
        .f32(0.0)
        .f32(0.0)
        .f32(0.0)
        .u32(0)
        .u32(0)
        .u32(0);
    qt_leaf(b"link", 1, &b.done())
}

/// The fields of a `pdat` atom (QTFF "Panorama sample atom") that a writer
/// sets; the hot spot image gets the same size and tile grid as the image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pdat {
    /// Image track index, 1-based into the panorama track's `imgt` list.
    pub image_track: u32,
    /// Hot spot track index, 1-based into its `hott` list (0 = none).
    pub hotspot_track: u32,
    pub pan: [f32; 2],
    pub tilt: [f32; 2],
    pub fov: [f32; 2],
    /// Default view `[pan, tilt, fov]`.
    pub default_view: [f32; 3],
    /// Image size `[width, height]` as the reader sees it.
    pub size: [u32; 2],
    /// Tile grid `[horizontal, vertical]`.
    pub frames: [u16; 2],
    pub flags: u32,
    /// Panorama type: `vcyl`, `hcyl` or `cube`.
    pub kind: [u8; 4],
}

/// `pdat` (panorama sample atom) from its fields.
pub fn pdat_of(p: &Pdat) -> Vec<u8> {
    let b = Body::new()
        .u16(2)
        .u16(0)
        .u32(p.image_track)
        .u32(p.hotspot_track)
        .f32(p.pan[0])
        .f32(p.pan[1])
        .f32(p.tilt[0])
        .f32(p.tilt[1])
        .f32(p.fov[0])
        .f32(p.fov[1])
        .f32(p.default_view[0])
        .f32(p.default_view[1])
        .f32(p.default_view[2])
        .u32(p.size[0])
        .u32(p.size[1])
        .u16(p.frames[0])
        .u16(p.frames[1])
        .u32(p.size[0])
        .u32(p.size[1])
        .u16(p.frames[0])
        .u16(p.frames[1]);
    qt_leaf(b"pdat", 1, &b.u32(p.flags).bytes(&p.kind).u32(0).done())
}

/// `cuvw` (cubic view atom): pan, tilt and field-of-view ranges and the default view.
pub fn cuvw(pan: [f32; 2], tilt: [f32; 2], fov: [f32; 2], def: [f32; 3]) -> Vec<u8> {
    qt_leaf(
        b"cuvw",
        1,
        &f32s(&[
            pan[0], pan[1], tilt[0], tilt[1], fov[0], fov[1], def[0], def[1], def[2],
        ]),
    )
}

/// The fields of an `obji` atom (QTFF "Object sample atom"), in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Obji {
    /// Controller type: 1 grabber-scroller, 2 old joystick, 3 joystick, 4 grabber, 5 absolute.
    pub movie_type: u16,
    pub view_states: u16,
    /// 1-based.
    pub default_view_state: u16,
    pub mouse_down_view_state: u16,
    /// Media time one view lasts (one image sample's duration for still views).
    pub view_duration: u32,
    pub columns: u32,
    pub rows: u32,
    pub mouse_motion_scale: f32,
    /// First and last column's pan.
    pub pan: [f32; 2],
    pub default_pan: f32,
    /// Top row's and bottom row's tilt (stored in that order).
    pub tilt: [f32; 2],
    pub default_tilt: f32,
    /// Smallest and widest field of view.
    pub fov: [f32; 2],
    pub default_fov: f32,
    /// Default view centre, pixels from the frame's top left.
    pub view_center: [f32; 2],
    pub view_rate: f32,
    pub frame_rate: f32,
    pub animation_settings: u32,
    pub control_settings: u32,
}

/// `obji` (object sample atom).
pub fn obji(o: &Obji) -> Vec<u8> {
    let b = Body::new()
        .u16(2)
        .u16(0)
        .u16(o.movie_type)
        .u16(o.view_states)
        .u16(o.default_view_state)
        .u16(o.mouse_down_view_state)
        .u32(o.view_duration)
        .u32(o.columns)
        .u32(o.rows)
        .f32(o.mouse_motion_scale)
        .f32(o.pan[0])
        .f32(o.pan[1])
        .f32(o.default_pan)
        .f32(o.tilt[0])
        .f32(o.tilt[1])
        .f32(o.default_tilt)
        .f32(o.fov[0])
        .f32(o.fov[1])
        .f32(o.default_fov)
        .f32(o.view_center[0])
        .f32(o.view_center[1])
        .f32(o.view_rate)
        .f32(o.frame_rate)
        .u32(o.animation_settings)
        .u32(o.control_settings);
    qt_leaf(b"obji", 1, &b.done())
}

/// `vrnp` (node parent atom): one `vrni` (node ID atom) per node, holding
/// its `nloc` with the node type.
pub fn vrnp(nodes: &[(u32, &[u8; 4])]) -> Vec<u8> {
    let vrni: Vec<Vec<u8>> = nodes
        .iter()
        .map(|&(id, kind)| qt_parent(b"vrni", id, &[nloc(kind)]))
        .collect();
    qt_parent(b"vrnp", 1, &vrni)
}

/// `hspa` (hot spot parent atom) over the node's `hots` atoms.
pub fn hspa(hots: &[Vec<u8>]) -> Vec<u8> {
    qt_parent(b"hspa", 1, hots)
}

/// `hots` (hot spot atom) with ID `id` over its `hsin`, action and name atoms.
pub fn hots(id: u32, children: &[Vec<u8>]) -> Vec<u8> {
    qt_parent(b"hots", id, children)
}

/// `url ` (URL hot spot atom): the URL, NUL-terminated.
pub fn url(u: &str) -> Vec<u8> {
    let mut b = u.as_bytes().to_vec();
    b.push(0);
    qt_leaf(b"url ", 1, &b)
}

/// `imtr` (image track reference atom): the object's image track, 1-based
/// into the object track's `imgt` list.
pub fn imtr(index: u32) -> Vec<u8> {
    qt_leaf(b"imtr", 1, &track_ref_entry(b"imgt", index))
}

/// `hstr` (hot spot track reference atom): the object's hot spot track,
/// 1-based into the object track's `hott` list.
pub fn hstr(index: u32) -> Vec<u8> {
    qt_leaf(b"hstr", 1, &track_ref_entry(b"hott", index))
}

/// A track reference entry: reference type, resolution 0, index.
fn track_ref_entry(kind: &[u8; 4], index: u32) -> Vec<u8> {
    Body::new().bytes(kind).u16(0).u32(index).done()
}

/// Big-endian f32 values, back to back (bodies of `cuvw`, `cufa`, `pcon`, ...).
pub fn f32s(v: &[f32]) -> Vec<u8> {
    v.iter().fold(Body::new(), |b, &x| b.f32(x)).done()
}

/// One 8-bit Animation (`rle `) key frame: every line coded from its start in
/// 4-pixel groups (a row that is not a whole number of groups is padded with
/// index 0), runs of equal groups as repeats, the rest as literals.
pub fn rle8_frame(indices: &[u8], width: usize, height: usize) -> Vec<u8> {
    let groups = width.div_ceil(4);
    let mut body = 0u16.to_be_bytes().to_vec();
    let mut row = vec![0u8; groups * 4];
    for y in 0..height {
        row.fill(0);
        let start = (y * width).min(indices.len());
        let src = &indices[start..(start + width).min(indices.len())];
        row[..src.len()].copy_from_slice(src);
        let group = |g: usize| &row[g * 4..g * 4 + 4];
        body.push(1); // skip byte: start at pixel 0
        let mut g = 0;
        while g < groups {
            let mut run = 1;
            while g + run < groups && run < 128 && group(g + run) == group(g) {
                run += 1;
            }
            if run >= 2 {
                body.push((-(run as i32)) as i8 as u8);
                body.extend_from_slice(group(g));
                g += run;
                continue;
            }
            // Literal groups up to the next repeat (or 127 groups).
            let first = g;
            while g < groups && g - first < 127 && !(g + 1 < groups && group(g + 1) == group(g)) {
                g += 1;
            }
            if g == first {
                g += 1;
            }
            body.push((g - first) as u8);
            body.extend_from_slice(&row[first * 4..g * 4]);
        }
        body.push(0xFF);
    }
    let mut sample = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    sample.extend_from_slice(&body);
    sample
}
