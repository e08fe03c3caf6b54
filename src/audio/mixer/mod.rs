//! The mixer: which clips sound now, at what gain, mixed into the output's
//! stereo frames. Plain data: the viewer's sound effects change it, the
//! player thread pulls frames from it, and tests pull frames on a
//! simulated clock.
//!
//! * **Nodes.** Showing a node fades its looping clips in and every other
//!   node's out over the given time (the picture's cross-fade); a node
//!   shown again while its sound still fades out fades back in from where
//!   it is. The movie's own clips start with the first node and loop on.
//! * **Views.** Showing an object view starts its clips from their start,
//!   once; the previous view's clips fade out in [`CLICK_FREE`].
//! * **Volume and pause.** The volume (0 when muted) is reached in
//!   [`CLICK_FREE`]; paused (a minimised window), the mixer gives silence
//!   and every clip keeps its place.
//!
//! Clips are resampled to the output rate by linear interpolation. The sum
//! is clipped to -1..1.

use qtvr_format::qtvr::NodeId;

use super::library::{Library, ViewKey};

/// Seconds over which gain changes that are not fades happen (no clicks).
pub const CLICK_FREE: f64 = 0.01;

/// Who started a voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Node(NodeId),
    View(ViewKey),
    Movie,
}

/// One clip playing.
#[derive(Debug, Clone)]
pub struct Voice {
    pub clip: usize,
    pub owner: Owner,
    /// Position in the clip's frames.
    pub pos: f64,
    pub gain: f32,
    pub target: f32,
    /// Gain change per output frame (positive).
    step: f32,
}

/// See the module docs.
#[derive(Debug)]
pub struct Mixer {
    lib: Library,
    rate: u32,
    voices: Vec<Voice>,
    volume: f32,
    gain: f32,
    paused: bool,
    node: Option<NodeId>,
    /// Output frames given so far (not counting paused ones).
    frames: u64,
}

impl Mixer {
    /// A mixer of `lib`'s clips for an output of `rate` frames a second.
    pub fn new(lib: Library, rate: u32) -> Mixer {
        Mixer {
            lib,
            rate: rate.max(1),
            voices: Vec::new(),
            volume: 1.0,
            gain: 1.0,
            paused: false,
            node: None,
            frames: 0,
        }
    }

    /// The output rate.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// The voices sounding or fading.
    pub fn voices(&self) -> &[Voice] {
        &self.voices
    }

    pub fn library(&self) -> &Library {
        &self.lib
    }

    /// Output frames mixed so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    fn step_for(&self, seconds: f64) -> f32 {
        (1.0 / (seconds.max(CLICK_FREE) * f64::from(self.rate))) as f32
    }

    /// `node` shows now: its sound fades in over `fade` seconds, others' out.
    pub fn show_node(&mut self, node: NodeId, fade: f64) {
        let step = self.step_for(fade);
        let quick = self.step_for(CLICK_FREE);
        for v in &mut self.voices {
            match v.owner {
                Owner::Node(n) if n == node => {
                    v.target = 1.0;
                    v.step = step;
                }
                Owner::Node(_) => {
                    v.target = 0.0;
                    v.step = step;
                }
                Owner::View(_) => {
                    v.target = 0.0;
                    v.step = quick;
                }
                Owner::Movie => {}
            }
        }
        if self.node.is_none() {
            for &clip in &self.lib.movie {
                self.voices.push(Voice {
                    clip,
                    owner: Owner::Movie,
                    pos: 0.0,
                    gain: 0.0,
                    target: 1.0,
                    step: quick,
                });
            }
        }
        self.node = Some(node);
        let playing: Vec<usize> = self
            .voices
            .iter()
            .filter(|v| v.owner == Owner::Node(node))
            .map(|v| v.clip)
            .collect();
        let start = self.lib.nodes.get(&node).cloned().unwrap_or_default();
        for clip in start {
            if !playing.contains(&clip) {
                self.voices.push(Voice {
                    clip,
                    owner: Owner::Node(node),
                    pos: 0.0,
                    gain: 0.0,
                    target: 1.0,
                    step,
                });
            }
        }
    }

    /// An object's view shows now: its clips play from their start.
    pub fn show_view(&mut self, view: ViewKey) {
        let quick = self.step_for(CLICK_FREE);
        for v in &mut self.voices {
            if matches!(v.owner, Owner::View(_)) {
                v.target = 0.0;
                v.step = quick;
            }
        }
        let start = self.lib.views.get(&view).cloned().unwrap_or_default();
        for clip in start {
            self.voices.push(Voice {
                clip,
                owner: Owner::View(view),
                pos: 0.0,
                gain: 0.0,
                target: 1.0,
                step: quick,
            });
        }
    }

    /// The volume, 0 to 1 (0: muted).
    pub fn set_volume(&mut self, volume: f32) {
        self.volume = if volume.is_finite() {
            volume.clamp(0.0, 1.0)
        } else {
            0.0
        };
    }

    pub fn volume(&self) -> f32 {
        self.volume
    }

    /// Paused: silence, clips keep their places.
    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Fills `out` (interleaved stereo) with the next frames.
    pub fn render(&mut self, out: &mut [f32]) {
        out.fill(0.0);
        if self.paused {
            return;
        }
        let frames = out.len() / 2;
        let master_step = self.step_for(CLICK_FREE);
        for v in &mut self.voices {
            let Some(clip) = self.lib.clips.get(v.clip) else {
                v.gain = 0.0;
                v.target = 0.0;
                continue;
            };
            let n = clip.frames();
            if n == 0 {
                v.target = 0.0;
                v.gain = 0.0;
                continue;
            }
            let advance = clip.rate / f64::from(self.rate);
            let s = &clip.samples;
            for f in 0..frames {
                if v.pos >= n as f64 {
                    if clip.looping {
                        v.pos %= n as f64;
                    } else {
                        v.gain = 0.0;
                        v.target = 0.0;
                        break;
                    }
                }
                let i = v.pos as usize;
                let w = (v.pos - i as f64) as f32;
                let j = if i + 1 < n {
                    i + 1
                } else if clip.looping {
                    0
                } else {
                    i
                };
                let l = s[2 * i] + (s[2 * j] - s[2 * i]) * w;
                let r = s[2 * i + 1] + (s[2 * j + 1] - s[2 * i + 1]) * w;
                out[2 * f] += l * v.gain;
                out[2 * f + 1] += r * v.gain;
                v.pos += advance;
                if clip.looping && v.pos >= n as f64 {
                    v.pos %= n as f64;
                }
                if v.gain < v.target {
                    v.gain = (v.gain + v.step).min(v.target);
                } else if v.gain > v.target {
                    v.gain = (v.gain - v.step).max(v.target);
                }
            }
        }
        self.voices.retain(|v| v.gain > 0.0 || v.target > 0.0);
        for f in 0..frames {
            out[2 * f] = (out[2 * f] * self.gain).clamp(-1.0, 1.0);
            out[2 * f + 1] = (out[2 * f + 1] * self.gain).clamp(-1.0, 1.0);
            if self.gain < self.volume {
                self.gain = (self.gain + master_step).min(self.volume);
            } else if self.gain > self.volume {
                self.gain = (self.gain - master_step).max(self.volume);
            }
        }
        self.frames += frames as u64;
    }
}

#[cfg(test)]
mod tests;
