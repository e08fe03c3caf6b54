//! Tours: which node is shown, what a click on a hot spot does, the way back,
//! and the transition between nodes, as plain data (no window, no GPU).
//!
//! - A link hot spot leads to its destination node with the link's
//!   destination pan, tilt and field of view where the file marks them valid
//!   (and the field of view is positive), the destination node's defaults
//!   otherwise; the navigator then clamps them to the node's limits. At an
//!   object node pan and tilt select the nearest view ([`super::column_for_pan`],
//!   [`super::row_for_tilt`]), as `qtvr render --pan --tilt` does.
//! - A URL hot spot shows its URL on the first click and opens it on a second
//!   click on the same hot spot ([`UrlClicks`]).
//! - Other hot spot types (`navg`, `undf`, custom) are shown by name.
//! - Back returns along the history to the node and view you left.
//! - The transition of a link: the view swings to the hot spot's best view
//!   (panoramas, when the hot spot has one), then the new node cross-fades in
//!   over the old picture ([`Transition`]).

use qtvr_format::qtvr::scene::{HotSpot, HotspotId, Link, Node, NodeContent, NodeId, Scene, View};

/// What a click on a hot spot does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Go to node `to`, at `view`.
    Go { to: NodeId, view: View },
    /// A link to a node the movie does not have.
    Broken { to: NodeId },
    /// A URL hot spot.
    Url(String),
    /// Another type: nothing to follow; shown by name.
    Show { kind: String, name: String },
}

/// The default view of a node.
pub fn default_view(n: &Node) -> View {
    match &n.content {
        NodeContent::Panorama(p) => p.limits.default,
        NodeContent::Object(o) => o.limits.default,
    }
}

/// The view a link arrives at on `target`: each destination angle where it
/// is valid, the target's default otherwise.
pub fn destination_view(target: &Node, link: &Link) -> View {
    let d = default_view(target);
    let ok = |v: Option<f32>| v.filter(|x| x.is_finite());
    View {
        pan: ok(link.to_pan).unwrap_or(d.pan),
        tilt: ok(link.to_tilt).unwrap_or(d.tilt),
        fov: ok(link.to_fov).filter(|f| *f > 0.0).unwrap_or(d.fov),
    }
}

/// A hot spot's display name: its name, else its type and ID.
pub fn hotspot_name(h: &HotSpot) -> String {
    match &h.name {
        Some(n) if !n.trim().is_empty() => n.clone(),
        _ => format!("{} hot spot {}", h.kind.to_string().trim(), h.id),
    }
}

/// What clicking hot spot `id` of `node` does (None: no such hot spot).
pub fn action(scene: &Scene, node: NodeId, id: HotspotId) -> Option<Action> {
    let h = scene.node(node)?.hotspots.iter().find(|h| h.id == id)?;
    if let Some(link) = &h.link {
        return Some(match scene.node(link.to_node) {
            Some(target) => Action::Go {
                to: link.to_node,
                view: destination_view(target, link),
            },
            None => Action::Broken { to: link.to_node },
        });
    }
    if let Some(url) = &h.url {
        return Some(Action::Url(url.clone()));
    }
    Some(Action::Show {
        kind: h.kind.to_string().trim().to_string(),
        name: hotspot_name(h),
    })
}

/// The node shown and the way back.
#[derive(Debug, Clone, PartialEq)]
pub struct Tour {
    node: NodeId,
    history: Vec<(NodeId, View)>,
}

/// How many steps back are kept.
const HISTORY: usize = 256;

impl Tour {
    /// A tour starting at `node`.
    pub fn new(node: NodeId) -> Tour {
        Tour {
            node,
            history: Vec::new(),
        }
    }

    /// The node shown.
    pub fn node(&self) -> NodeId {
        self.node
    }

    /// Steps back available.
    pub fn depth(&self) -> usize {
        self.history.len()
    }

    /// Clicks hot spot `id` while looking at `here`: a link moves to its node
    /// (remembering `here` for [`Tour::back`]); returns what the click does.
    pub fn follow(&mut self, scene: &Scene, id: HotspotId, here: View) -> Option<Action> {
        let a = action(scene, self.node, id)?;
        if let Action::Go { to, .. } = a {
            self.jump(to, here);
        }
        Some(a)
    }

    /// Moves to node `to` (a link or the node list), remembering `here`.
    pub fn jump(&mut self, to: NodeId, here: View) {
        if self.history.len() >= HISTORY {
            self.history.remove(0);
        }
        self.history.push((self.node, here));
        self.node = to;
    }

    /// Where [`Tour::back`] would go, without going.
    pub fn last(&self) -> Option<(NodeId, View)> {
        self.history.last().copied()
    }

    /// Back to the last node and the view it had; None at the start.
    pub fn back(&mut self) -> Option<(NodeId, View)> {
        let (node, view) = self.history.pop()?;
        self.node = node;
        Some((node, view))
    }

    /// Starts again at `node` (another movie), forgetting the history.
    pub fn restart(&mut self, node: NodeId) {
        self.node = node;
        self.history.clear();
    }
}

/// URL hot spots: the first click shows the URL, a second click on the same
/// hot spot opens it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UrlClicks {
    armed: Option<(NodeId, HotspotId)>,
}

impl UrlClicks {
    /// A click on hot spot `id` of `node`: true when this click should open it.
    pub fn click(&mut self, node: NodeId, id: HotspotId) -> bool {
        if self.armed == Some((node, id)) {
            self.armed = None;
            true
        } else {
            self.armed = Some((node, id));
            false
        }
    }

    /// Anything else happened (another click, a node change).
    pub fn reset(&mut self) {
        self.armed = None;
    }
}

/// Seconds the swing to a hot spot's best view takes.
pub const SWING_SECONDS: f64 = 0.4;
/// Seconds the cross-fade to a new node takes.
pub const FADE_SECONDS: f64 = 0.35;

/// Where a transition is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phase {
    /// Turning from `from` to `to`.
    Swing {
        from: View,
        to: View,
        elapsed: f64,
    },
    /// The swing is over (or there was none); waiting for the new node.
    Ready,
    /// The new node shows under the old picture, which fades out.
    Fade {
        elapsed: f64,
    },
    Done,
}

/// The transition between two nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    phase: Phase,
}

impl Transition {
    /// A link's transition from `from`: a swing to `best` when there is one
    /// (its field of view 0 keeps the current one), then the fade.
    pub fn new(from: View, best: Option<View>) -> Transition {
        let phase = match best {
            Some(b) if b.pan.is_finite() && b.tilt.is_finite() => {
                let to = View {
                    pan: b.pan,
                    tilt: b.tilt,
                    fov: if b.fov.is_finite() && b.fov > 0.0 {
                        b.fov
                    } else {
                        from.fov
                    },
                };
                Phase::Swing {
                    from,
                    to,
                    elapsed: 0.0,
                }
            }
            _ => Phase::Ready,
        };
        Transition { phase }
    }

    /// A fade only (back, node list).
    pub fn fade_only() -> Transition {
        Transition {
            phase: Phase::Ready,
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Advances by `dt` seconds; during the swing returns the view to show.
    pub fn tick(&mut self, dt: f64) -> Option<View> {
        let dt = if dt.is_finite() { dt.max(0.0) } else { 0.0 };
        match &mut self.phase {
            Phase::Swing { from, to, elapsed } => {
                *elapsed += dt;
                // (A hair of slack: ten ticks of 0.04 s end the 0.4 s swing.)
                let t = (*elapsed / SWING_SECONDS + 1e-9).min(1.0);
                let v = swing(*from, *to, t);
                if t >= 1.0 {
                    self.phase = Phase::Ready;
                }
                Some(v)
            }
            Phase::Fade { elapsed } => {
                *elapsed += dt;
                if *elapsed + 1e-9 >= FADE_SECONDS {
                    self.phase = Phase::Done;
                }
                None
            }
            Phase::Ready | Phase::Done => None,
        }
    }

    /// Whether the new node may replace the old one now.
    pub fn ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// The new node is shown: the fade starts.
    pub fn switched(&mut self) {
        self.phase = Phase::Fade { elapsed: 0.0 };
    }

    /// The old picture's opacity over the new node while fading.
    pub fn fade(&self) -> Option<f32> {
        match self.phase {
            Phase::Fade { elapsed } => {
                let t = (elapsed / FADE_SECONDS).clamp(0.0, 1.0);
                Some((1.0 - smooth(t)) as f32)
            }
            _ => None,
        }
    }

    /// Whether frames must keep coming (swinging or fading).
    pub fn moving(&self) -> bool {
        matches!(self.phase, Phase::Swing { .. } | Phase::Fade { .. })
    }

    pub fn done(&self) -> bool {
        self.phase == Phase::Done
    }
}

fn smooth(t: f64) -> f64 {
    t * t * (3.0 - 2.0 * t)
}

/// The view a fraction `t` (0..1) of the way from `a` to `b`, eased, turning
/// the short way round.
pub fn swing(a: View, b: View, t: f64) -> View {
    let s = smooth(t.clamp(0.0, 1.0)) as f32;
    let mut dp = (b.pan - a.pan).rem_euclid(360.0);
    if dp > 180.0 {
        dp -= 360.0;
    }
    View {
        pan: (a.pan + dp * s).rem_euclid(360.0),
        tilt: a.tilt + (b.tilt - a.tilt) * s,
        fov: a.fov + (b.fov - a.fov) * s,
    }
}

#[cfg(test)]
mod tests;
