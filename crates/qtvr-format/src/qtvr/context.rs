//! What the QTVR readers share: the movie, its bytes, the budget, per-track
//! presentation times and the warning list.

use std::collections::HashMap;

use super::scene::{Node, NodeId, TrackId, TrackUse};
use crate::container::timing::{MovieTime, Presented, presented_samples, samples_starting_in};
use crate::container::{Movie, Track};
use crate::error::{Error, Location, Problem, Result, SceneError, Warning};
use crate::limits::Budget;
use crate::source::{ByteSource, read_vec};

/// Largest QTVR node/pano/object sample read into memory (they are small containers).
pub const MAX_VR_SAMPLE: u64 = 16 << 20;

pub(crate) struct Ctx<'a> {
    pub movie: &'a Movie,
    pub src: &'a dyn ByteSource,
    pub budget: &'a Budget,
    pub warnings: Vec<Warning>,
    presented: HashMap<TrackId, Vec<Presented>>,
}

impl<'a> Ctx<'a> {
    pub fn new(movie: &'a Movie, src: &'a dyn ByteSource, budget: &'a Budget) -> Self {
        Ctx {
            movie,
            src,
            budget,
            warnings: Vec::new(),
            presented: HashMap::new(),
        }
    }

    /// The scene's default node: `asked` (0 = unset) when it is one of
    /// `nodes`, else the first node, with a warning when `asked` was set.
    /// `nodes` is not empty.
    pub fn default_node(&mut self, asked: NodeId, nodes: &[Node]) -> NodeId {
        let first = nodes.first().map_or(asked, |n| n.id);
        if nodes.iter().any(|n| n.id == asked) {
            return asked;
        }
        if asked != NodeId(0) {
            self.warn(
                None,
                format!("default node {asked} does not exist; using node {first}"),
            );
        }
        first
    }

    pub fn warn(&mut self, offset: Option<u64>, msg: impl Into<String>) {
        self.warnings.push(Warning {
            offset,
            message: msg.into(),
        });
    }

    pub fn track(&self, id: TrackId) -> Option<&'a Track> {
        self.movie.tracks.iter().find(|t| t.id == id)
    }

    pub fn track_by_handler(&self, handler: &[u8; 4]) -> Option<&'a Track> {
        self.movie.tracks.iter().find(|t| t.handler.0 == *handler)
    }

    /// The presented samples of a track (cached), drawn from the budget. An edit
    /// list that would present more samples than the budget allows is cut short
    /// with a warning.
    pub fn presented(&mut self, track: &Track) -> &[Presented] {
        if !self.presented.contains_key(&track.id) {
            let entry = std::mem::size_of::<Presented>() as u64;
            let allowed = (self.budget.remaining() / entry) as usize;
            let (list, complete) = presented_samples(track, self.movie.timescale, allowed);
            // Cannot fail: the list holds at most `allowed` entries.
            let _ = self.budget.take(list.len() as u64 * entry);
            if !complete {
                self.warn(
                    Some(track.offset),
                    format!(
                        "track {}: its edit list presents more samples than the allocation budget allows; cut at {}",
                        track.id,
                        list.len()
                    ),
                );
            }
            self.presented.insert(track.id, list);
        }
        self.presented.get(&track.id).map_or(&[], |v| v.as_slice())
    }

    /// Reads one sample's bytes (for VR tracks: small atom containers).
    pub fn read_sample(&self, track: &Track, index: usize) -> Result<(Vec<u8>, Location)> {
        let s = track.samples.get(index).ok_or(SceneError::NoSample {
            track: track.id,
            sample: index + 1,
        })?;
        let loc = Location::file(s.offset);
        if u64::from(s.size) > MAX_VR_SAMPLE {
            return Err(Error::atom(
                track.handler,
                loc,
                Problem::Invalid(format!(
                    "sample {} of track {} is {} bytes, more than a VR sample can be",
                    index + 1,
                    track.id,
                    s.size
                )),
            ));
        }
        self.budget
            .reserve(u64::from(s.size))
            .map_err(|e| Error::atom(track.handler, loc, e.into()))?;
        Ok((read_vec(self.src, s.offset, u64::from(s.size))?, loc))
    }

    /// The presented samples of `track` starting in the movie-time span [start, end).
    pub fn samples_in(
        &mut self,
        track: &Track,
        start: MovieTime,
        end: MovieTime,
    ) -> Vec<Presented> {
        samples_starting_in(self.presented(track), start, end).to_vec()
    }

    /// The samples of track `id` in the node's span as a [`TrackUse`], or None (with a
    /// warning) when the track is missing or has no samples there.
    pub fn track_use(
        &mut self,
        id: TrackId,
        span: NodeSpan,
        role: &str,
        node: NodeId,
    ) -> Option<TrackUse> {
        let Some(track) = self.track(id) else {
            self.warn(
                None,
                format!("node {node}: {role} track {id} does not exist"),
            );
            return None;
        };
        let found = self.samples_in(track, span.start, span.search_end);
        let late = found.iter().filter(|p| p.start >= span.end).count();
        let samples: Vec<usize> = found.iter().map(|p| p.index).collect();
        if late > 0 {
            self.warn(
                Some(track.offset),
                format!(
                    "node {node}: {late} {role} samples of track {id} lie after the node's own duration; \
                     they are used, up to the next node"
                ),
            );
        }
        if samples.is_empty() {
            self.warn(
                Some(track.offset),
                format!("node {node}: {role} track {id} has no samples at the node's time"),
            );
            return None;
        }
        Some(track_use_of(track, samples))
    }
}

/// The movie-time span of a node: its samples start at `start`; its QTVR sample
/// says it lasts until `end`; samples are looked for up to `search_end` (the
/// next node's start), because some writers store too short a node duration.
#[derive(Debug, Clone, Copy)]
pub struct NodeSpan {
    pub start: MovieTime,
    pub end: MovieTime,
    pub search_end: MovieTime,
}

impl NodeSpan {
    /// Spans for nodes starting at `starts` (in file order) with stated ends.
    pub fn for_nodes(spans: &[(MovieTime, MovieTime)]) -> Vec<NodeSpan> {
        let far = MovieTime::units(i128::from(u64::MAX) * 4);
        let mut starts: Vec<MovieTime> = spans.iter().map(|s| s.0).collect();
        starts.sort();
        spans
            .iter()
            .map(|&(start, end)| {
                let next = starts.get(starts.partition_point(|&s| s <= start)).copied();
                NodeSpan {
                    start,
                    end,
                    search_end: next.unwrap_or(far).max(end),
                }
            })
            .collect()
    }
}

/// Builds a [`TrackUse`] from a track and sample indexes.
pub fn track_use_of(track: &Track, samples: Vec<usize>) -> TrackUse {
    let first = samples.first().and_then(|&i| track.samples.get(i));
    let desc = first
        .and_then(|s| track.description_of(s))
        .or(track.descriptions.first());
    let video = desc.and_then(|d| d.video.as_ref());
    TrackUse {
        track_id: track.id,
        codec: desc.map(|d| d.format).unwrap_or_default(),
        first_sample: samples.first().map_or(0, |i| i + 1),
        sample_count: samples.len(),
        width: video.map_or(track.width as u32, |v| u32::from(v.width)),
        height: video.map_or(track.height as u32, |v| u32::from(v.height)),
        depth: video.map_or(0, |v| v.depth),
        samples,
    }
}
