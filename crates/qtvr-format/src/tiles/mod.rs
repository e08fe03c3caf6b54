//! Stage 4: decoded tiles — the samples of a movie's image and hot spot tracks
//! turned into frames, in parallel.
//!
//! This stage knows tracks and sample tables (from [`crate::container`]) and the
//! decoders (from [`crate::codec`]); it knows nothing of panorama geometry. It
//! reads each wanted sample's bytes, decodes it with the codec of its sample
//! description, and hands back one [`Tile`] per wanted sample, in the order asked.
//!
//! * Codecs that predict from earlier frames (`rle `, `smc `, `rpza`, `cvid`) are
//!   decoded in order from the previous sync sample, so any sample can be asked
//!   for. Samples whose chains are independent are decoded in parallel
//!   (rayon), as are the samples of intra-only codecs (JPEG, PNG, ...).
//! * A codec without a decoder here (`SVQ3`, `mp4v`, `avc1`, …) is decoded by
//!   ffmpeg when one is found ([`external`]: one process per track and
//!   request, every sample decoded once, under the same frame limits and a
//!   time limit); a failed run is an error for that track only. Without
//!   ffmpeg such a codec gives a neutral checkerboard (hot spot tracks: no
//!   hot spots) and one warning naming the codec and the track, saying that
//!   ffmpeg would show it; a damaged sample keeps what was decoded before the
//!   damage, with a warning.
//! * Frame sizes come from the sample description and are checked against
//!   the frame and request limits of [`Limits`] before anything is allocated.
//! * A decode can be stopped from another thread ([`Cancel`] in
//!   [`DecodeOptions`]): chains stop at their next sample, an ffmpeg run is
//!   killed, and the request ends with an error.

pub mod external;

use std::path::PathBuf;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::codec::{self, Frame, FrameKind, Palette, StreamInfo, Unsupported};
use crate::container::{FourCC, Track};
use crate::error::Warning;
use crate::ids::TrackId;
use crate::limits::{LimitError, Limits, Resource};
use crate::source::ByteSource;

pub use external::Fallback;

/// What a track's frames are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Pictures (RGBA frames, or indexed frames with their palette).
    Image,
    /// Hot spot maps: 8-bit frames whose values are hot spot IDs.
    HotSpots,
}

/// How a tile came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TileStatus {
    /// Decoded without complaint.
    Decoded,
    /// The sample was damaged: the frame holds what could be decoded.
    Damaged(String),
    /// The sample could not be decoded at all (unknown codec, unreadable sample):
    /// the frame is a placeholder.
    Placeholder(String),
}

/// One decoded sample.
#[derive(Debug, Clone)]
pub struct Tile {
    /// 0-based sample index in the track.
    pub sample: usize,
    pub frame: Frame,
    pub status: TileStatus,
}

/// Limits and settings for one decode request.
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    /// Per-frame limits ([`Limits::frame_max_side`], [`Limits::frame_max_bytes`])
    /// and the bytes all the frames of one request may take together
    /// ([`Limits::request_max_bytes`]); assembly draws its picture limits from
    /// here too; the ffmpeg fallback's time limit.
    pub limits: Limits,
    /// Decode in parallel (rayon's global pool).
    pub parallel: bool,
    /// Where codecs without a decoder here are decoded (default
    /// [`Fallback::Auto`]: `QTVR_FFMPEG`, else `ffmpeg` on `PATH`).
    pub fallback: Fallback,
    /// Set it (from any thread) to stop the decode: see [`Cancel`].
    pub cancel: Cancel,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            limits: Limits::default(),
            parallel: true,
            fallback: Fallback::Auto,
            cancel: Cancel::default(),
        }
    }
}

pub use crate::cancel::Cancel;

/// One track's samples to decode.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub track: &'a Track,
    /// 0-based sample indexes, in the order the tiles are wanted.
    pub samples: &'a [usize],
    pub role: Role,
}

/// The tiles of one request, in the order asked, and what went wrong.
#[derive(Debug, Clone)]
pub struct DecodedTrack {
    pub track_id: TrackId,
    pub tiles: Vec<Tile>,
    pub warnings: Vec<Warning>,
}

/// Why a whole track could not be decoded (nothing to show, not even placeholders).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackError {
    pub track_id: TrackId,
    pub what: String,
    /// The limit the track's frames are over, when that was the problem
    /// (`what` is its text).
    pub limit: Option<LimitError>,
}

impl std::fmt::Display for TrackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "track {}: {}", self.track_id, self.what)
    }
}

impl std::error::Error for TrackError {}

/// Whether samples of this codec depend on earlier samples.
pub fn is_predictive(codec: FourCC) -> bool {
    matches!(
        &codec.0,
        b"rle " | b"smc " | b"rpza" | b"cvid" | b"gif " | b"SVQ1" | b"SVQ3"
    )
}

/// Whether a track of this codec is best decoded in one request rather than
/// in batches: predictive codecs (decoded from their sync samples) and codecs
/// that go to ffmpeg (one process per request).
pub fn decodes_in_order(codec: FourCC) -> bool {
    is_predictive(codec) || external::codec_needs_fallback(codec)
}

/// A run of samples decoded in order with one decoder.
struct Chain {
    /// First sample to decode (a sync sample, or the wanted one).
    start: usize,
    /// Last sample to decode.
    end: usize,
    /// (sample index, positions in the request's output) wanted from this chain.
    wanted: Vec<(usize, Vec<usize>)>,
    /// Decoded by ffmpeg: every sample from `start` to `end` with the
    /// description of `start`, in one run.
    external: bool,
}

/// A planned request: the stream of each sample description and the chains.
struct Plan<'a> {
    /// Position of the request in the caller's list.
    index: usize,
    request: Request<'a>,
    streams: Vec<Option<StreamInfo>>,
    chains: Vec<Chain>,
    /// Track-level warnings found while planning.
    warnings: Vec<Warning>,
    /// The ffmpeg of the external chains.
    ffmpeg: Option<PathBuf>,
}

/// Plans every request and runs all their chains (in parallel when asked),
/// handing each wanted tile to `emit(request index, output positions, tile)`
/// as soon as it is decoded. With `budget`, the frames of all requests are
/// counted against `opts.limits.request_max_bytes` first (for callers that keep them).
/// Returns, per request, its warnings or why it could not be decoded at all.
fn run_requests(
    src: &dyn ByteSource,
    requests: &[Request<'_>],
    opts: &DecodeOptions,
    budget: bool,
    emit: &(dyn Fn(usize, &[usize], Tile) + Sync),
) -> Vec<Result<Vec<Warning>, TrackError>> {
    let mut total: u64 = 0;
    let plans: Vec<Result<Plan<'_>, TrackError>> = requests
        .iter()
        .enumerate()
        .map(|(ri, req)| plan(ri, req, opts, budget.then_some(&mut total)))
        .collect();
    let work: Vec<(&Plan<'_>, &Chain)> = plans
        .iter()
        .filter_map(|p| p.as_ref().ok())
        .flat_map(|p| p.chains.iter().map(move |c| (p, c)))
        .collect();
    let run = |cache: &mut DecoderCache, &(plan, chain): &(&Plan<'_>, &Chain)| {
        let result = if chain.external {
            run_external(src, plan, chain, opts, emit)
        } else {
            run_chain(src, plan, chain, opts, cache, emit)
        };
        (plan.index, result)
    };
    // One chain (an object's frame) is decoded here: handing it to the pool
    // would only wake its threads (which spin a while after) for nothing.
    let chain_results: Vec<(usize, Result<Vec<Warning>, TrackError>)> =
        if opts.parallel && work.len() > 1 {
            work.par_iter()
                .map_init(DecoderCache::default, run)
                .collect()
        } else {
            let mut cache = DecoderCache::default();
            work.iter().map(|w| run(&mut cache, w)).collect()
        };
    plans
        .into_iter()
        .map(|p| {
            p.and_then(|plan| {
                let mut w = plan.warnings;
                for (ri, cw) in &chain_results {
                    if *ri == plan.index {
                        w.extend(cw.clone()?);
                    }
                }
                Ok(w)
            })
        })
        .collect()
}

/// Decodes several requests together (e.g. every track of a node): all chains of
/// all requests share the thread pool. Returns one result per request, its
/// tiles in the order asked.
pub fn decode(
    src: &dyn ByteSource,
    requests: &[Request<'_>],
    opts: &DecodeOptions,
) -> Vec<Result<DecodedTrack, TrackError>> {
    let slots: Vec<Mutex<Vec<Option<Tile>>>> = requests
        .iter()
        .map(|r| Mutex::new(vec![None; r.samples.len()]))
        .collect();
    let emit = |ri: usize, positions: &[usize], tile: Tile| {
        let mut slot = slots[ri].lock().unwrap_or_else(|e| e.into_inner());
        // Samples asked for more than once get copies; the last takes the tile.
        if let Some((&last, rest)) = positions.split_last() {
            for &p in rest {
                slot[p] = Some(tile.clone());
            }
            slot[last] = Some(tile);
        }
    };
    let results = run_requests(src, requests, opts, true, &emit);
    results
        .into_iter()
        .zip(slots)
        .zip(requests)
        .map(|((r, slot), req)| {
            r.map(|warnings| DecodedTrack {
                track_id: req.track.id,
                tiles: slot
                    .into_inner()
                    .unwrap_or_else(|e| e.into_inner())
                    .into_iter()
                    .flatten()
                    .collect(),
                warnings,
            })
        })
        .collect()
}

/// Decodes the given samples of one track.
pub fn decode_track(
    src: &dyn ByteSource,
    track: &Track,
    samples: &[usize],
    role: Role,
    opts: &DecodeOptions,
) -> Result<DecodedTrack, TrackError> {
    let request = Request {
        track,
        samples,
        role,
    };
    decode(src, &[request], opts)
        .pop()
        .unwrap_or_else(|| Err(nothing_decoded(track.id)))
}

/// Decodes the given samples of one track and hands each tile to `sink` as soon
/// as it is decoded, in no particular order (chains run in parallel), keeping
/// no more than one working frame per chain: for callers that write tiles out
/// rather than keep them. Returns the warnings.
pub fn for_each_tile(
    src: &dyn ByteSource,
    track: &Track,
    samples: &[usize],
    role: Role,
    opts: &DecodeOptions,
    sink: &(dyn Fn(Tile) + Sync),
) -> Result<Vec<Warning>, TrackError> {
    let request = Request {
        track,
        samples,
        role,
    };
    let emit = |_: usize, positions: &[usize], tile: Tile| {
        if let Some((_, rest)) = positions.split_last() {
            for _ in rest {
                sink(tile.clone());
            }
            sink(tile);
        }
    };
    run_requests(src, &[request], opts, false, &emit)
        .pop()
        .unwrap_or_else(|| Err(nothing_decoded(track.id)))
}

fn nothing_decoded(track_id: TrackId) -> TrackError {
    TrackError {
        track_id,
        what: "was not decoded".into(),
        limit: None,
    }
}

fn plan<'a>(
    ri: usize,
    req: &Request<'a>,
    opts: &DecodeOptions,
    mut total: Option<&mut u64>,
) -> Result<Plan<'a>, TrackError> {
    let track = req.track;
    let err = |what: String| TrackError {
        track_id: track.id,
        what,
        limit: None,
    };
    let streams: Vec<Option<StreamInfo>> = track
        .descriptions
        .iter()
        .map(StreamInfo::from_description)
        .collect();
    // Every wanted sample exists; their frames fit the budget of frames kept.
    for (counted, &s) in req.samples.iter().enumerate() {
        let sample = track
            .samples
            .get(s)
            .ok_or_else(|| err(format!("has no sample {}", s + 1)))?;
        let Some(total) = total.as_deref_mut() else {
            continue;
        };
        let info = stream_of(&streams, sample.description_index);
        let (w, h) = info.map_or((0, 0), |i| (i.width, i.height));
        let bytes = u64::from(w) * u64::from(h) * 4;
        *total = total.saturating_add(bytes);
        if *total > opts.limits.request_max_bytes {
            let limit = LimitError::OverLimit {
                what: Resource::Request,
                count: (counted + 1) as u64,
                width: w.into(),
                height: h.into(),
                requested: *total,
                limit: opts.limits.request_max_bytes,
            };
            return Err(TrackError {
                limit: Some(limit),
                ..err(limit.to_string())
            });
        }
    }
    // One warning per description that cannot be decoded at all; which
    // descriptions ffmpeg decodes.
    let mut warnings = Vec::new();
    let mut external = vec![false; streams.len()];
    let mut ffmpeg = None;
    for (di, info) in streams.iter().enumerate() {
        let uses = req
            .samples
            .iter()
            .filter(|&&s| track.samples[s].description_index as usize == di + 1)
            .count();
        if uses == 0 {
            continue;
        }
        let problem = match info {
            None => Some(format!(
                "sample description {} ('{}') is not video",
                di + 1,
                track.descriptions[di].format
            )),
            Some(i) => {
                let size = || {
                    Frame::check_size(i.width, i.height, FrameKind::Rgba, &opts.limits)
                        .err()
                        .map(|e| e.to_string())
                };
                match codec::decoder_for(i) {
                    Err(Unsupported::Codec(c)) => {
                        if ffmpeg.is_none() {
                            ffmpeg = opts.fallback.ffmpeg();
                        }
                        match ffmpeg {
                            Some(_) => {
                                let problem = size();
                                external[di] = problem.is_none();
                                problem
                            }
                            None => Some(external::missing_text(c)),
                        }
                    }
                    Err(u) => Some(u.to_string()),
                    Ok(_) => size(),
                }
            }
        };
        if let Some(p) = problem {
            let what = match req.role {
                Role::Image => "a grey checkerboard",
                Role::HotSpots => "no hot spots",
            };
            warnings.push(Warning {
                offset: Some(track.offset),
                message: format!(
                    "track {}: {p}; its {uses} sample(s) show as {what}",
                    track.id
                ),
            });
        }
    }
    // Group the wanted samples into chains.
    let mut wanted: Vec<(usize, Vec<usize>)> = Vec::new();
    {
        let mut order: Vec<(usize, usize)> = req
            .samples
            .iter()
            .enumerate()
            .map(|(pos, &s)| (s, pos))
            .collect();
        order.sort_unstable();
        for (s, pos) in order {
            match wanted.last_mut() {
                Some((last, positions)) if *last == s => positions.push(pos),
                _ => wanted.push((s, vec![pos])),
            }
        }
    }
    let is_external = |description_index: u32| {
        (description_index as usize)
            .checked_sub(1)
            .and_then(|i| external.get(i))
            .copied()
            .unwrap_or(false)
    };
    let starts = chain_starts(track, &streams, &external);
    let mut chains: Vec<Chain> = Vec::new();
    for (s, positions) in wanted {
        let desc = track.samples[s].description_index;
        // ffmpeg's samples: one chain (one run) per description.
        let start = starts[s];
        let joins = |c: &Chain| {
            let c_desc = track.samples[c.start].description_index;
            if is_external(desc) {
                c.external && c_desc == desc
            } else {
                !c.external && c.start == start
            }
        };
        let at = if is_external(desc) {
            chains.iter().position(joins)
        } else {
            chains.len().checked_sub(1).filter(|&i| joins(&chains[i]))
        };
        match at {
            Some(i) => {
                let c = &mut chains[i];
                c.end = s;
                c.wanted.push((s, positions));
            }
            None => chains.push(Chain {
                start,
                end: s,
                wanted: vec![(s, positions)],
                external: is_external(desc),
            }),
        }
    }
    Ok(Plan {
        index: ri,
        request: *req,
        streams,
        chains,
        warnings,
        ffmpeg,
    })
}

/// The frames `samples` of `track` claim, from their sample descriptions
/// alone: how many samples, the largest frame's width and height, and the
/// bytes of all their frames as RGBA. A sample whose description is not
/// video claims nothing (it becomes a placeholder).
pub fn claimed_frames(track: &Track, samples: &[usize]) -> (u64, [u32; 2], u64) {
    let streams: Vec<Option<StreamInfo>> = track
        .descriptions
        .iter()
        .map(StreamInfo::from_description)
        .collect();
    let mut largest = [0u32; 2];
    let mut bytes = 0u64;
    for &s in samples {
        let Some(sample) = track.samples.get(s) else {
            continue;
        };
        let Some(info) = stream_of(&streams, sample.description_index) else {
            continue;
        };
        let pixels = u64::from(info.width) * u64::from(info.height);
        if pixels > u64::from(largest[0]) * u64::from(largest[1]) {
            largest = [info.width, info.height];
        }
        bytes = bytes.saturating_add(pixels * 4);
    }
    (samples.len() as u64, largest, bytes)
}

fn stream_of(streams: &[Option<StreamInfo>], description_index: u32) -> Option<&StreamInfo> {
    let i = usize::try_from(description_index).ok()?.checked_sub(1)?;
    streams.get(i)?.as_ref()
}

/// Where decoding must start to produce each sample of the track: the sample
/// itself for intra-only codecs, else the latest sync sample at or before it
/// with the same description. A track without a sync sample table (`stss`)
/// claims every sample is a sync sample, but encoders (ffmpeg's `rpza`, for one)
/// write difference frames into such tracks and players decode them in order:
/// for predictive codecs such a track is one chain from its first sample (or the
/// first after a description change). Descriptions that ffmpeg decodes
/// (`external`, by 0-based index) count as predictive.
fn chain_starts(track: &Track, streams: &[Option<StreamInfo>], external: &[bool]) -> Vec<usize> {
    let mut starts: Vec<usize> = Vec::with_capacity(track.samples.len());
    for (i, sample) in track.samples.iter().enumerate() {
        let desc = sample.description_index;
        let by_ffmpeg = (desc as usize)
            .checked_sub(1)
            .and_then(|d| external.get(d))
            .copied()
            .unwrap_or(false);
        let predictive =
            by_ffmpeg || stream_of(streams, desc).is_some_and(|info| is_predictive(info.codec));
        let start = match i.checked_sub(1) {
            Some(prev)
                if predictive
                    && track.samples[prev].description_index == desc
                    && !(track.has_sync_table && sample.is_sync) =>
            {
                starts[prev]
            }
            _ => i,
        };
        starts.push(start);
    }
    starts
}

/// Decoders kept between chains on one worker, so that consecutive chains of a
/// track reuse a decoder's buffers and tables (e.g. a JPEG decoder's planes)
/// instead of allocating them again: keyed by (request, sample description).
#[derive(Default)]
struct DecoderCache(Vec<((usize, u32), Box<dyn codec::Decoder>)>);

impl DecoderCache {
    fn take(&mut self, key: (usize, u32)) -> Option<Box<dyn codec::Decoder>> {
        let i = self.0.iter().position(|(k, _)| *k == key)?;
        Some(self.0.swap_remove(i).1)
    }

    fn put(&mut self, key: (usize, u32), dec: Box<dyn codec::Decoder>) {
        self.0.push((key, dec));
    }
}

/// Decodes one chain in order, handing each wanted tile to `emit`; returns the
/// warnings about damaged samples, or that the decode was cancelled. Chains
/// never span a change of sample description (see [`chain_starts`]).
fn run_chain(
    src: &dyn ByteSource,
    plan: &Plan<'_>,
    chain: &Chain,
    opts: &DecodeOptions,
    cache: &mut DecoderCache,
    emit: &(dyn Fn(usize, &[usize], Tile) + Sync),
) -> Result<Vec<Warning>, TrackError> {
    let track = plan.request.track;
    let role = plan.request.role;
    let mut warnings = Vec::new();
    let mut wanted = chain.wanted.iter().peekable();
    let mut state: Option<(Box<dyn codec::Decoder>, Frame)> = None;
    let mut buf = Vec::new();
    let key = (plan.index, track.samples[chain.start].description_index);
    for s in chain.start..=chain.end {
        if opts.cancel.is_cancelled() {
            return Err(cancelled(track.id, &opts.cancel));
        }
        let sample = &track.samples[s];
        let info = stream_of(&plan.streams, sample.description_index);
        let status = crate::cancel::while_decoding(&opts.cancel, || {
            decode_one(src, plan, s, &mut state, &mut buf, opts, (cache, key))
        });
        // Stopped inside the sample: its frame is unfinished.
        if opts.cancel.is_cancelled() {
            return Err(cancelled(track.id, &opts.cancel));
        }
        if let TileStatus::Damaged(what) = &status {
            warnings.push(Warning {
                offset: Some(sample.offset),
                message: format!("track {}: {what}", track.id),
            });
        }
        let Some((_, positions)) = wanted.next_if(|(w, _)| *w == s) else {
            continue;
        };
        let decoded = match &status {
            TileStatus::Placeholder(_) => None,
            // The chain's last sample takes the working frame; earlier ones copy it.
            _ if s == chain.end => state.take().map(|(dec, f)| {
                cache.put(key, dec);
                f
            }),
            _ => state.as_ref().map(|(_, f)| f.clone()),
        };
        let frame = decoded.unwrap_or_else(|| placeholder(info, role, &opts.limits));
        let frame = match role {
            Role::HotSpots => to_index_frame(frame),
            Role::Image => frame,
        };
        emit(
            plan.index,
            positions,
            Tile {
                sample: s,
                frame,
                status,
            },
        );
    }
    if let Some((dec, _)) = state.take() {
        cache.put(key, dec);
    }
    Ok(warnings)
}

fn cancelled(track_id: TrackId, cancel: &Cancel) -> TrackError {
    TrackError {
        track_id,
        what: cancel.reason(),
        limit: None,
    }
}

/// Decodes an external chain with one ffmpeg run, handing each wanted tile
/// to `emit` as its frame arrives; a failed run is the request's error.
fn run_external(
    src: &dyn ByteSource,
    plan: &Plan<'_>,
    chain: &Chain,
    opts: &DecodeOptions,
    emit: &(dyn Fn(usize, &[usize], Tile) + Sync),
) -> Result<Vec<Warning>, TrackError> {
    let track = plan.request.track;
    let role = plan.request.role;
    let description_index = track.samples[chain.start].description_index;
    let fail = |what: String| TrackError {
        track_id: track.id,
        what,
        limit: None,
    };
    let (Some(info), Some(ffmpeg)) = (
        stream_of(&plan.streams, description_index),
        plan.ffmpeg.as_deref(),
    ) else {
        return Err(fail("has no ffmpeg to decode it".into()));
    };
    let job = external::Job {
        src,
        track,
        info,
        description_index,
        first: chain.start,
        last: chain.end,
        ffmpeg,
        limits: &opts.limits,
        cancel: &opts.cancel,
    };
    let mut on_frame = |s: usize, frame: Frame| {
        let Ok(i) = chain.wanted.binary_search_by_key(&s, |(w, _)| *w) else {
            return;
        };
        let frame = match role {
            Role::HotSpots => to_index_frame(frame),
            Role::Image => frame,
        };
        emit(
            plan.index,
            &chain.wanted[i].1,
            Tile {
                sample: s,
                frame,
                status: TileStatus::Decoded,
            },
        );
    };
    let codec = info.codec;
    match external::run(&job, &mut on_frame) {
        Ok(said) if said.is_empty() => Ok(Vec::new()),
        Ok(said) => Ok(vec![Warning {
            offset: Some(track.offset),
            message: format!(
                "track {}: ffmpeg decoding codec '{codec}' reported: {said}",
                track.id
            ),
        }]),
        Err(_) if opts.cancel.is_cancelled() => Err(cancelled(track.id, &opts.cancel)),
        Err(e) => Err(fail(format!(
            "ffmpeg ({}) could not decode codec '{codec}': {e}",
            ffmpeg.display()
        ))),
    }
}

/// Decodes sample `s` into the chain's state (creating the decoder and frame at the
/// chain's first sample). Placeholder statuses are reported once per track by the
/// planner, damage by the caller.
fn decode_one(
    src: &dyn ByteSource,
    plan: &Plan<'_>,
    s: usize,
    state: &mut Option<(Box<dyn codec::Decoder>, Frame)>,
    buf: &mut Vec<u8>,
    opts: &DecodeOptions,
    (cache, key): (&mut DecoderCache, (usize, u32)),
) -> TileStatus {
    let track = plan.request.track;
    let sample = &track.samples[s];
    let info = stream_of(&plan.streams, sample.description_index);
    let Some(info) = info else {
        return TileStatus::Placeholder(format!(
            "sample description {} is not a video description",
            sample.description_index
        ));
    };
    if state.is_none() {
        let dec = match cache.take(key).map_or_else(|| codec::decoder_for(info), Ok) {
            Ok(d) => d,
            // Here only when ffmpeg was not found or the frame is over the limits.
            Err(Unsupported::Codec(c)) => {
                return TileStatus::Placeholder(
                    Frame::check_size(info.width, info.height, FrameKind::Rgba, &opts.limits)
                        .err()
                        .map_or_else(|| external::missing_text(c), |e| e.to_string()),
                );
            }
            Err(u) => return TileStatus::Placeholder(u.to_string()),
        };
        match Frame::new(
            info.width,
            info.height,
            dec.kind(),
            info.palette.clone(),
            &opts.limits,
        ) {
            Ok(frame) => *state = Some((dec, frame)),
            Err(e) => return TileStatus::Placeholder(e.to_string()),
        }
    }
    let Some((dec, frame)) = state.as_mut() else {
        return TileStatus::Placeholder("no decoder".into());
    };
    let max = opts.limits.frame_max_bytes.max(1 << 20);
    if u64::from(sample.size) > max {
        return TileStatus::Damaged(format!(
            "sample {} is {} bytes, more than the {max} a sample may have",
            s + 1,
            sample.size
        ));
    }
    match read_and_decode(src, sample, dec.as_mut(), frame, buf) {
        Ok(()) => TileStatus::Decoded,
        Err(SampleError::Read(e)) => {
            TileStatus::Damaged(format!("sample {} cannot be read: {e}", s + 1))
        }
        Err(SampleError::Decode(e)) => {
            TileStatus::Damaged(format!("sample {} is damaged: {e}", s + 1))
        }
    }
}

/// Why a sample gave no frame: it could not be read, or not decoded.
#[derive(Debug)]
pub enum SampleError {
    Read(String),
    Decode(codec::DecodeError),
}

/// Reads a sample and decodes it into `frame` (`buf` holds the sample's
/// bytes, its allocation reused). A sample stored as the frame's own layout
/// ([`codec::Decoder::stored_as_is`]) is read straight into the frame.
pub fn read_and_decode(
    src: &dyn ByteSource,
    sample: &crate::container::Sample,
    dec: &mut dyn codec::Decoder,
    frame: &mut Frame,
    buf: &mut Vec<u8>,
) -> Result<(), SampleError> {
    let size = sample.size as usize;
    if dec.stored_as_is(size) && frame.data.len() == size {
        let end = sample.offset.checked_add(u64::from(sample.size));
        if end.is_some_and(|e| e <= src.len())
            && src.read_exact_at(sample.offset, &mut frame.data).is_ok()
        {
            return Ok(());
        }
    }
    read_into(src, sample.offset, sample.size, buf).map_err(SampleError::Read)?;
    dec.decode(buf, sample.is_sync, frame)
        .map_err(SampleError::Decode)
}

/// Reads a sample into `buf` (reusing its allocation), checking the range first.
fn read_into(
    src: &dyn ByteSource,
    offset: u64,
    size: u32,
    buf: &mut Vec<u8>,
) -> Result<(), String> {
    let end = offset.checked_add(u64::from(size));
    if end.is_none_or(|e| e > src.len()) {
        return Err(format!(
            "bytes {offset}..{} lie past the end of the file ({} bytes)",
            offset.saturating_add(u64::from(size)),
            src.len()
        ));
    }
    buf.clear();
    buf.resize(size as usize, 0);
    src.read_exact_at(offset, buf).map_err(|e| e.to_string())
}

/// The frame shown for a sample that cannot be decoded: a neutral grey
/// checkerboard (16-pixel squares) for pictures, all zeros (no hot spot) for hot
/// spot maps. A description too large or empty gives a 1×1 placeholder.
pub fn placeholder(info: Option<&StreamInfo>, role: Role, limits: &Limits) -> Frame {
    let (w, h) = info.map_or((1, 1), |i| (i.width, i.height));
    let kind = match role {
        Role::Image => FrameKind::Rgba,
        Role::HotSpots => FrameKind::Indexed,
    };
    let mut frame = Frame::new(w, h, kind, None, limits).unwrap_or_else(|_| Frame {
        width: 1,
        height: 1,
        kind,
        data: vec![0; kind.bytes_per_pixel()],
        palette: None,
    });
    if kind == FrameKind::Rgba {
        let width = frame.width as usize;
        for (i, px) in frame.data.chunks_exact_mut(4).enumerate() {
            let (x, y) = (i % width, i / width);
            let v = if (x / 16 + y / 16) % 2 == 0 {
                0x80
            } else {
                0xA0
            };
            px.copy_from_slice(&[v, v, v, 255]);
        }
    }
    frame
}

/// A hot spot map as an 8-bit frame: indexed frames as they are; direct-colour
/// frames mapped back to indices of the standard 256-colour palette where a pixel
/// matches an entry exactly, else 0 (no hot spot).
pub fn to_index_frame(frame: Frame) -> Frame {
    if frame.kind == FrameKind::Indexed {
        return frame;
    }
    let frame = frame.into_rgba_frame();
    let pal = Palette::mac_256();
    let mut lookup = std::collections::HashMap::with_capacity(256);
    for (i, c) in pal.colors.iter().enumerate().rev() {
        lookup.insert([c[0], c[1], c[2]], i as u8);
    }
    let data = frame
        .data
        .chunks_exact(4)
        .map(|p| lookup.get(&[p[0], p[1], p[2]]).copied().unwrap_or(0))
        .collect();
    Frame {
        width: frame.width,
        height: frame.height,
        kind: FrameKind::Indexed,
        data,
        palette: Some(pal),
    }
}

/// The tracks a QTVR node draws its tiles from, with their roles.
pub fn node_tracks(node: &crate::qtvr::scene::Node) -> Vec<(&crate::qtvr::scene::TrackUse, Role)> {
    use crate::qtvr::scene::NodeContent;
    let mut out = Vec::new();
    match &node.content {
        NodeContent::Panorama(p) => {
            out.push((&p.image_track, Role::Image));
            if let Some(h) = &p.hotspot_track {
                out.push((h, Role::HotSpots));
            }
            if let Some(pv) = &p.preview_track {
                out.push((pv, Role::Image));
            }
            for (_, lr) in &p.low_res_tracks {
                out.push((lr, Role::Image));
            }
        }
        NodeContent::Object(o) => {
            out.push((&o.image_track, Role::Image));
            if let Some(h) = &o.hotspot_track {
                out.push((h, Role::HotSpots));
            }
        }
    }
    out
}

/// Every tile a node uses (image, hot spot, preview and low-resolution tracks),
/// decoded in parallel: one result per [`node_tracks`] entry, in that order.
pub fn decode_node(
    src: &dyn ByteSource,
    movie: &crate::container::Movie,
    node: &crate::qtvr::scene::Node,
    opts: &DecodeOptions,
) -> Vec<Result<DecodedTrack, TrackError>> {
    let uses = node_tracks(node);
    let tracks: Vec<Option<&Track>> = uses
        .iter()
        .map(|(u, _)| movie.tracks.iter().find(|t| t.id == u.track_id))
        .collect();
    let requests: Vec<Request<'_>> = uses
        .iter()
        .zip(&tracks)
        .filter_map(|((u, role), track)| {
            track.map(|track| Request {
                track,
                samples: &u.samples,
                role: *role,
            })
        })
        .collect();
    let mut decoded = decode(src, &requests, opts).into_iter();
    uses.iter()
        .zip(&tracks)
        .map(|((u, _), track)| match track {
            Some(t) => decoded.next().unwrap_or_else(|| Err(nothing_decoded(t.id))),
            None => Err(TrackError {
                track_id: u.track_id,
                what: "does not exist".into(),
                limit: None,
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests;
