//! A movie's sound as clips the mixer plays: 32-bit float stereo at each
//! track's own rate, with what each is for.
//!
//! * a node's sound ([`SoundRole::Node`]): its part at the node's time,
//!   looping while the node shows;
//! * an object's view sounds ([`SoundRole::Views`]): one clip per view,
//!   played once each time the view comes to show;
//! * a movie's sound ([`SoundRole::Movie`]): the whole track, looping from
//!   the first node on, whatever node shows.
//!
//! Mono goes to both sides; of more than two channels the first two are
//! kept. All clips together may take at most the memory budget; a clip
//! past it is left out with a notice.

use std::collections::HashMap;
use std::sync::Arc;

use qtvr_format::limits::Limits;
use qtvr_format::qtvr::NodeId;
use qtvr_format::sound::{PlacedSound, SoundRole, mix};

/// One clip: stereo frames at `rate`.
#[derive(Debug, Clone)]
pub struct Clip {
    /// Interleaved left, right.
    pub samples: Arc<[f32]>,
    pub rate: f64,
    pub looping: bool,
    /// The track it came from.
    pub track: u32,
}

impl Clip {
    pub fn frames(&self) -> usize {
        self.samples.len() / 2
    }
}

/// A view of an object node: (node, row, column).
pub type ViewKey = (NodeId, u32, u32);

/// Every clip of a movie and what it plays for.
#[derive(Debug, Clone, Default)]
pub struct Library {
    pub clips: Vec<Clip>,
    /// Each node's looping clips.
    pub nodes: HashMap<NodeId, Vec<usize>>,
    /// Each object view's clips.
    pub views: HashMap<ViewKey, Vec<usize>>,
    /// Clips that play across the whole movie.
    pub movie: Vec<usize>,
}

/// A stretch of a decoded sound as a stereo clip.
fn clip_of(s: &qtvr_format::sound::Sound, looping: bool) -> Clip {
    let ch = usize::from(s.channels.max(1));
    let frames = s.frames();
    let mut samples = Vec::with_capacity(frames * 2);
    for f in 0..frames {
        let l = s.data.get_f64(f * ch) as f32;
        let r = if ch > 1 {
            s.data.get_f64(f * ch + 1) as f32
        } else {
            l
        };
        samples.push(l);
        samples.push(r);
    }
    Clip {
        samples: samples.into(),
        rate: s.rate,
        looping,
        track: s.track.0,
    }
}

impl Library {
    /// The clips of `placed`, within `limits`' memory budget; notices for
    /// what was left out.
    pub fn new(placed: &[PlacedSound], limits: &Limits) -> (Library, Vec<String>) {
        let mut lib = Library::default();
        let mut notices = Vec::new();
        let mut bytes = 0u64;
        for p in placed {
            let s = &p.sound;
            for part in &p.placement.parts {
                let looping = !matches!(p.placement.role, SoundRole::Views(_));
                let stretch = match p.placement.role {
                    SoundRole::Movie => Ok(s.clone()),
                    _ => mix::cut(s, part.start, part.end, limits),
                };
                let stretch = match stretch {
                    Ok(x) if x.frames() > 0 => x,
                    Ok(_) => continue,
                    Err(e) => {
                        notices.push(format!("sound track {} is not played: {e}", s.track));
                        break;
                    }
                };
                let need = stretch.frames() as u64 * 8;
                if bytes + need > limits.memory {
                    notices.push(format!(
                        "sound track {} is not played: the movie's sounds need more than the {} MB memory budget",
                        s.track,
                        limits.memory >> 20
                    ));
                    break;
                }
                bytes += need;
                let k = lib.clips.len();
                lib.clips.push(clip_of(&stretch, looping));
                match (p.placement.role, part.node, part.view) {
                    (SoundRole::Movie, ..) => lib.movie.push(k),
                    (SoundRole::Views(n), _, Some([r, c])) => {
                        lib.views.entry((n, r, c)).or_default().push(k)
                    }
                    (SoundRole::Node(n), ..) | (SoundRole::Views(n), ..) => {
                        lib.nodes.entry(n).or_default().push(k)
                    }
                }
            }
        }
        (lib, notices)
    }

    /// Whether there is anything to play.
    pub fn is_empty(&self) -> bool {
        self.clips.is_empty()
    }
}
