//! Which node or object view a sound track's parts belong to, by time.
//!
//! A QTVR movie keeps each node's samples at the node's time (the QTVR
//! track's node sample: [`crate::qtvr::scene::Node::start_time`], [`crate::qtvr::scene::Node::duration`]), and a
//! sound meant for a node lies at the same time; a sound meant for each
//! view of an object lies at that view's time (the view's image samples:
//! view k of a node starts `k × viewDuration` after the node). So:
//!
//! * a movie of one node: every sound track is that node's sound (the node
//!   lasts as long as the movie in practice, and a sound longer than the
//!   node's samples is still the node's);
//! * a sound whose time meets more than one node's, or none, plays across
//!   the whole movie ([`SoundRole::Movie`]);
//! * a sound within one node: that node's ([`SoundRole::Node`]), the part
//!   at the node's time; for an object node with more than one view whose
//!   sound spans more than one view's time, one part per view
//!   ([`SoundRole::Views`]).

use crate::qtvr::scene::{NodeContent, NodeId, Scene};

/// What a sound track is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "node", rename_all = "snake_case")]
pub enum SoundRole {
    /// Plays while this node shows, looping.
    Node(NodeId),
    /// One part per view of this object node, each played as its view shows.
    Views(NodeId),
    /// Plays across the whole movie, whatever node shows.
    Movie,
}

/// One part of a sound track.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Part {
    /// The node, for node and view parts.
    pub node: Option<NodeId>,
    /// The object view (row, column), for view parts.
    pub view: Option<[u32; 2]>,
    /// Movie seconds: where the part starts and ends.
    pub start: f64,
    pub end: f64,
}

/// A sound track's role and parts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Placement {
    pub role: SoundRole,
    pub parts: Vec<Part>,
}

/// Overlaps shorter than this (seconds) do not count: rounding of time scales.
const EPSILON: f64 = 0.001;

/// Most view parts one track is cut into.
const MAX_VIEW_PARTS: u64 = 65_536;

/// Places a sound that plays from `start` to `end` (movie seconds) in a
/// scene whose movie time scale is `timescale`.
pub fn place(scene: &Scene, timescale: u32, start: f64, end: f64) -> Placement {
    let ts = f64::from(timescale.max(1));
    let whole = Part {
        node: None,
        view: None,
        start,
        end,
    };
    if let [only] = scene.nodes.as_slice() {
        return Placement {
            role: SoundRole::Node(only.id),
            parts: vec![Part {
                node: Some(only.id),
                ..whole
            }],
        };
    }
    let overlap = |a: f64, b: f64| (end.min(b) - start.max(a)).max(0.0);
    let meets: Vec<_> = scene
        .nodes
        .iter()
        .filter(|n| {
            let a = n.start_time / ts;
            overlap(a, a + n.duration / ts) > EPSILON
        })
        .collect();
    let [node] = meets.as_slice() else {
        return Placement {
            role: SoundRole::Movie,
            parts: vec![whole],
        };
    };
    let (a, b) = (node.start_time / ts, (node.start_time + node.duration) / ts);
    let node_part = Part {
        node: Some(node.id),
        view: None,
        start: start.max(a),
        end: end.min(b),
    };
    if let NodeContent::Object(o) = &node.content {
        let view = f64::from(o.view_duration) / ts;
        let views = u64::from(o.rows) * u64::from(o.columns);
        if views > 1 && view > 0.0 && node_part.end - node_part.start > view + EPSILON {
            // Only the views the sound meets (a file may claim billions of views).
            let first = ((node_part.start - a) / view).floor().max(0.0) as u64;
            let last = (((node_part.end - a) / view).ceil() as u64).min(views);
            let mut parts = Vec::new();
            for k in first..last.min(first.saturating_add(MAX_VIEW_PARTS)) {
                let (va, vb) = (a + k as f64 * view, a + (k + 1) as f64 * view);
                if overlap(va, vb) > EPSILON {
                    let columns = u64::from(o.columns.max(1));
                    parts.push(Part {
                        node: Some(node.id),
                        view: Some([(k / columns) as u32, (k % columns) as u32]),
                        start: start.max(va),
                        end: end.min(vb),
                    });
                }
            }
            return Placement {
                role: SoundRole::Views(node.id),
                parts,
            };
        }
    }
    Placement {
        role: SoundRole::Node(node.id),
        parts: vec![node_part],
    }
}
