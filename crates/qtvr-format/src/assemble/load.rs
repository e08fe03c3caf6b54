//! Decode-and-assemble for one node: the tracks a picture needs, decoded
//! together in parallel (or, for the viewer's progress, in batches), then
//! assembled.

use crate::container::Movie;
use crate::error::Warning;
use crate::limits::{LimitError, MemoryNeeds};
use crate::qtvr::scene::{Node, NodeContent, NodeId, ObjectNode, TrackId, TrackUse};
use crate::source::ByteSource;
use crate::tiles::{self, DecodeOptions, Request, Role, TrackError};

use super::{AssembleError, NodePicture};

/// Why a node's picture could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PictureError {
    #[error(transparent)]
    Track(#[from] TrackError),
    #[error(transparent)]
    Assemble(#[from] AssembleError),
    #[error("node {0}: {1}")]
    Node(NodeId, String),
    /// The node's claims are over the decoded-pixel budget
    /// ([`crate::limits::Limits::memory`]); nothing was decoded. (Its
    /// message does not name the node: callers say which.)
    #[error("{1}")]
    Memory(NodeId, LimitError),
}

/// [`tiles::claimed_frames`] of the track `u` names (none if it is missing).
fn claimed_frames(movie: &Movie, u: &TrackUse, samples: &[usize]) -> (u64, [u32; 2], u64) {
    movie
        .tracks
        .iter()
        .find(|t| t.id == u.track_id)
        .map_or((0, [0, 0], 0), |t| tiles::claimed_frames(t, samples))
}

/// The decoded pixels a node holds at its busiest, from what its file claims
/// (each sample's size from its sample description), before anything is
/// decoded. For a panorama: its image and hot spot frames, the picture
/// assembled from them and its texture pages (mip chains add a third),
/// counted together: an upper bound, since a face of one tile becomes its
/// picture without a copy and pictures are freed as their pages are made
/// (`cargo bench --bench memory` measures the peaks). For an object: the frames
/// of `views` views, image and hot spots (each view's picture is its frame;
/// the viewer's frame cache has its own limit).
pub fn node_memory(movie: &Movie, node: &Node, views: usize) -> MemoryNeeds {
    let mut needs = MemoryNeeds::default();
    let mut add = |u: &TrackUse, samples: &[usize]| {
        let (n, largest, bytes) = claimed_frames(movie, u, samples);
        needs.frames = needs.frames.saturating_add(n);
        if u64::from(largest[0]) * u64::from(largest[1])
            > u64::from(needs.largest[0]) * u64::from(needs.largest[1])
        {
            needs.largest = largest;
        }
        bytes
    };
    match &node.content {
        NodeContent::Panorama(p) => {
            let image = add(&p.image_track, &p.image_track.samples);
            // Hot spot maps: decoded as RGBA, kept as one byte a pixel.
            let hot = p.hotspot_track.as_ref().map_or(0, |h| add(h, &h.samples));
            let picture = image.saturating_add(hot / 4);
            let textures = image / 3 * 4;
            needs.bytes =
                picture.saturating_add(image.saturating_add(hot).saturating_add(textures));
        }
        NodeContent::Object(o) => return object_memory(movie, o, views),
    }
    needs
}

/// [`node_memory`] of an object node: `views` views, each one frame of the
/// image track and one hot spot map.
pub fn object_memory(movie: &Movie, o: &ObjectNode, views: usize) -> MemoryNeeds {
    let first = |u: &TrackUse| claimed_frames(movie, u, &u.samples[..u.samples.len().min(1)]);
    let (_, largest, frame) = first(&o.image_track);
    let hot = o.hotspot_track.as_ref().map_or(0, |h| first(h).2);
    let views = views as u64;
    MemoryNeeds {
        frames: views.saturating_mul(1 + u64::from(o.hotspot_track.is_some())),
        largest,
        bytes: frame.saturating_add(hot).saturating_mul(views),
    }
}

/// A panorama node's pictures (image and hot spot tracks decoded in parallel).
/// Decoding warnings are added to the picture's warnings; a broken hot spot
/// track only loses the hot spots.
pub fn panorama_picture(
    src: &dyn ByteSource,
    movie: &Movie,
    node: &Node,
    opts: &DecodeOptions,
) -> Result<NodePicture, PictureError> {
    panorama_picture_in_batches(src, movie, node, opts, 1, &mut |_, _| {})
}

/// [`panorama_picture`] with the image track decoded in up to `batches`
/// parts (one for predictive codecs, which decode from their sync samples,
/// and for codecs that ffmpeg decodes, one process per request),
/// calling `progress(tiles done, tiles in all)` after each; the hot spot track
/// follows. With one batch both tracks decode together.
pub fn panorama_picture_in_batches(
    src: &dyn ByteSource,
    movie: &Movie,
    node: &Node,
    opts: &DecodeOptions,
    batches: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<NodePicture, PictureError> {
    let NodeContent::Panorama(p) = &node.content else {
        return Err(PictureError::Node(
            node.id,
            "is an object, not a panorama".into(),
        ));
    };
    let track = |id: TrackId| {
        movie.tracks.iter().find(|t| t.id == id).ok_or(TrackError {
            track_id: id,
            what: "does not exist".into(),
            limit: None,
        })
    };
    let image_track = track(p.image_track.track_id)?;
    opts.limits
        .check_memory(&node_memory(movie, node, 0))
        .map_err(|e| PictureError::Memory(node.id, e))?;
    let mut warnings = Vec::new();
    let hot_request = match &p.hotspot_track {
        Some(h) => match track(h.track_id) {
            Ok(t) => Some(Request {
                track: t,
                samples: &h.samples,
                role: Role::HotSpots,
            }),
            Err(e) => {
                warnings.push(Warning::general(format!("hot spots not shown: {e}")));
                None
            }
        },
        None => None,
    };
    let samples = &p.image_track.samples;
    let total = samples.len();
    let batch = if batches <= 1 || tiles::decodes_in_order(p.image_track.codec) {
        total.max(1)
    } else {
        total.div_ceil(batches).max(1)
    };
    let mut image = tiles::DecodedTrack {
        track_id: image_track.id,
        tiles: Vec::new(),
        warnings: Vec::new(),
    };
    let mut hot_result = None;
    for (i, chunk) in samples.chunks(batch).enumerate() {
        let mut requests = vec![Request {
            track: image_track,
            samples: chunk,
            role: Role::Image,
        }];
        // One batch: the hot spots decode beside the image.
        let with_hot = i == 0 && batch >= total;
        if with_hot && let Some(h) = &hot_request {
            requests.push(*h);
        }
        let mut decoded = tiles::decode(src, &requests, opts).into_iter();
        let mut d = decoded.next().unwrap_or_else(|| {
            Err(TrackError {
                track_id: image_track.id,
                what: "nothing decoded".into(),
                limit: None,
            })
        })?;
        image.tiles.append(&mut d.tiles);
        image.warnings.append(&mut d.warnings);
        if with_hot {
            hot_result = decoded.next();
        }
        progress(image.tiles.len(), total);
    }
    if hot_result.is_none()
        && let Some(h) = &hot_request
    {
        hot_result = tiles::decode(src, &[*h], opts).into_iter().next();
    }
    let all_placeholders = !image.tiles.is_empty()
        && image
            .tiles
            .iter()
            .all(|t| matches!(t.status, tiles::TileStatus::Placeholder(_)));
    if all_placeholders {
        let why = image.tiles.iter().find_map(|t| match &t.status {
            tiles::TileStatus::Placeholder(w) => Some(w.clone()),
            _ => None,
        });
        return Err(PictureError::Node(
            node.id,
            format!(
                "no tile of track {} could be decoded: {}",
                image_track.id,
                why.unwrap_or_default()
            ),
        ));
    }
    let hotspots = match hot_result {
        Some(Ok(h)) => Some(h),
        Some(Err(e)) => {
            warnings.push(Warning::general(format!("hot spots not shown: {e}")));
            None
        }
        None => None,
    };
    warnings.append(&mut image.warnings);
    let mut hotspots = hotspots;
    if let Some(h) = &mut hotspots {
        warnings.append(&mut h.warnings);
    }
    // Assembly polls the load's flag every tile.
    let mut pic = crate::cancel::while_decoding(&opts.cancel, || {
        super::panorama(node.id, p, image, hotspots, &opts.limits)
    })?;
    warnings.append(&mut pic.warnings);
    pic.warnings = warnings;
    Ok(pic)
}

/// Which picture of an object node: its row, column, view state and
/// animation frame, all 0-based (see [`ObjectNode::sample_for`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ObjectFrame {
    pub row: u32,
    pub column: u32,
    pub state: u32,
    pub frame: u32,
}

/// One object view's picture (its frame and hot spot map).
pub fn object_picture(
    src: &dyn ByteSource,
    movie: &Movie,
    node_id: NodeId,
    o: &ObjectNode,
    view: &ObjectFrame,
    opts: &DecodeOptions,
) -> Result<NodePicture, PictureError> {
    let mut pictures = object_pictures(src, movie, node_id, o, std::slice::from_ref(view), opts)?;
    pictures
        .pop()
        .ok_or_else(|| PictureError::Node(node_id, "its view was not decoded".into()))
}

/// Several object views' pictures, in the order asked, their frames decoded in
/// one request per track (a track decoded through ffmpeg runs one process for
/// all of them).
pub fn object_pictures(
    src: &dyn ByteSource,
    movie: &Movie,
    node_id: NodeId,
    o: &ObjectNode,
    views: &[ObjectFrame],
    opts: &DecodeOptions,
) -> Result<Vec<NodePicture>, PictureError> {
    opts.limits
        .check_memory(&object_memory(movie, o, views.len()))
        .map_err(|e| PictureError::Memory(node_id, e))?;
    let mut samples = Vec::with_capacity(views.len());
    for view in views {
        let sample = o
            .sample_for(view.row, view.column, view.state, view.frame)
            .ok_or_else(|| {
                PictureError::Node(
                    node_id,
                    format!(
                        "has no frame for row {} column {} state {} frame {}",
                        view.row, view.column, view.state, view.frame
                    ),
                )
            })?;
        samples.push(sample);
    }
    let track = movie
        .tracks
        .iter()
        .find(|t| t.id == o.image_track.track_id)
        .ok_or(TrackError {
            track_id: o.image_track.track_id,
            what: "does not exist".into(),
            limit: None,
        })?;
    let decoded = tiles::decode_track(src, track, &samples, Role::Image, opts)?;
    if decoded.tiles.len() != samples.len() {
        return Err(PictureError::Node(
            node_id,
            format!(
                "{} of its {} views were decoded",
                decoded.tiles.len(),
                samples.len()
            ),
        ));
    }
    // The hot spot maps, where the node has them (none when they cannot be
    // decoded).
    let hs_samples: Option<Vec<usize>> = o.hotspot_track.as_ref().and_then(|_| {
        views
            .iter()
            .map(|v| o.hotspot_sample_for(v.row, v.column, v.state, v.frame))
            .collect()
    });
    let hs_tiles: Option<Vec<tiles::Tile>> = match (&o.hotspot_track, hs_samples) {
        (Some(h), Some(hs)) => movie
            .tracks
            .iter()
            .find(|t| t.id == h.track_id)
            .and_then(|t| tiles::decode_track(src, t, &hs, Role::HotSpots, opts).ok())
            .map(|d| d.tiles)
            .filter(|t| t.len() == views.len()),
        _ => None,
    };
    let mut pictures = Vec::with_capacity(views.len());
    for (i, (tile, sample)) in decoded.tiles.iter().zip(&samples).enumerate() {
        let mut warnings = decoded.warnings.clone();
        if let tiles::TileStatus::Damaged(w) | tiles::TileStatus::Placeholder(w) = &tile.status {
            warnings.push(Warning::general(format!(
                "node {node_id}: sample {}: {w}",
                sample + 1
            )));
        }
        let hs = hs_tiles.as_ref().map(|t| &t[i].frame);
        let mut pic = super::flat(node_id, &tile.frame, hs);
        pic.warnings = warnings;
        pictures.push(pic);
    }
    Ok(pictures)
}
