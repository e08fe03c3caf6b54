//! The viewer's side of sound: which node's or view's sound should play,
//! mute and volume, and the speaker button, as plain data. The shell
//! decodes the movie's sound and plays it (`crate::audio`) as
//! [`SoundEffect`]s say, and answers [`super::Input::SoundReady`] once it
//! knows whether the movie has sound it can play.
//!
//! Keys: S mutes and unmutes, `[` and `]` lower and raise the volume; the
//! speaker button (shown only when the movie has sound) mutes on a click
//! and takes the wheel for the volume. Without a sound output the speaker
//! shows greyed and crossed, and says why when hovered or pressed.

use super::load::OpenMovie;
use super::{Effect, Viewer};
use crate::ui::Speaker;
use crate::view::nav::Subject;
use qtvr_format::qtvr::NodeId;

/// What the shell is to do about sound.
#[derive(Debug, Clone)]
pub enum SoundEffect {
    /// A new movie: decode its sound in the background (answer
    /// [`super::Input::SoundReady`] with this `id`); what played stops.
    Load { id: u64, movie: OpenMovie },
    /// This node shows now: its sound fades in over `fade` seconds (the
    /// picture's cross-fade), the last node's out.
    Node { node: NodeId, fade: f64 },
    /// This object view shows now: its sound plays.
    View { node: NodeId, row: u32, column: u32 },
    /// The volume, 0 to 1 (0 while muted).
    Volume(f32),
    /// The window is hidden or minimised (true): silence until it shows.
    Pause(bool),
}

/// Volume steps of `[` and `]`.
const STEP: f32 = 0.1;

/// Whether the current movie's sound plays.
#[derive(Debug, Clone, PartialEq)]
enum Status {
    /// No sound (yet): no speaker button.
    None,
    Playing,
    /// The movie has sound but there is no output: why (the speaker shows
    /// it, greyed and crossed).
    NoOutput(String),
}

/// The sound controls' state.
#[derive(Debug, Clone)]
pub(super) struct SoundControls {
    /// The movie's sound request, as last sent.
    id: u64,
    status: Status,
    pub(super) muted: bool,
    pub(super) volume: f32,
    /// The object view whose sound was last asked for.
    view: Option<(NodeId, u32, u32)>,
}

impl Default for SoundControls {
    fn default() -> Self {
        SoundControls {
            id: 0,
            status: Status::None,
            muted: false,
            volume: 0.8,
            view: None,
        }
    }
}

impl SoundControls {
    /// What the speaker button shows; none without sound.
    pub(super) fn button(&self) -> Option<Speaker> {
        match self.status {
            Status::None => None,
            Status::NoOutput(_) => Some(Speaker::NoOutput),
            Status::Playing if self.muted => Some(Speaker::Muted),
            Status::Playing => Some(Speaker::On(self.volume)),
        }
    }

    /// The speaker's hover text.
    pub(super) fn hover(&self) -> Option<String> {
        match &self.status {
            Status::None => None,
            Status::NoOutput(why) => Some(format!("No sound output: {why}")),
            Status::Playing if self.muted => Some("Sound off: click to hear it".into()),
            Status::Playing => Some(format!(
                "Sound {:.0}%: click to mute, wheel for volume",
                self.volume * 100.0
            )),
        }
    }

    /// As `--report-state` says it: `on 80%`, `muted`, `no output`; none
    /// without sound.
    pub(super) fn report(&self) -> Option<String> {
        match self.status {
            Status::None => None,
            Status::NoOutput(_) => Some("no output".into()),
            Status::Playing if self.muted => Some("muted".into()),
            Status::Playing => Some(format!("on {:.0}%", self.volume * 100.0)),
        }
    }

    fn playing(&self) -> bool {
        self.status == Status::Playing
    }
}

impl Viewer {
    fn sound(&mut self, e: SoundEffect) {
        self.effect(Effect::Sound(e));
    }

    /// A new movie is shown: its sound is decoded, nothing plays meanwhile.
    pub(super) fn sound_movie(&mut self, movie: &OpenMovie) {
        self.sound.id += 1;
        self.sound.status = Status::None;
        self.sound.view = None;
        let id = self.sound.id;
        self.sound(SoundEffect::Load {
            id,
            movie: movie.clone(),
        });
        let volume = self.effective_volume();
        self.sound(SoundEffect::Volume(volume));
    }

    /// A node is shown (`fade`: the picture's cross-fade, seconds).
    pub(super) fn sound_node(&mut self, node: NodeId, fade: f64) {
        self.sound.view = None;
        self.sound(SoundEffect::Node { node, fade });
    }

    /// The object view the navigator is at: its sound, when it changed.
    pub(super) fn sound_view(&mut self) {
        let Some(s) = &self.shown else { return };
        let Subject::Object(o) = s.nav.subject() else {
            return;
        };
        let v = o.view();
        let key = (s.node, v.row, v.column);
        if self.sound.view != Some(key) {
            self.sound.view = Some(key);
            self.sound(SoundEffect::View {
                node: key.0,
                row: key.1,
                column: key.2,
            });
        }
    }

    /// The shell's answer to [`SoundEffect::Load`].
    pub(super) fn sound_ready(
        &mut self,
        id: u64,
        playable: bool,
        no_output: Option<String>,
        notices: Vec<String>,
    ) {
        if id != self.sound.id {
            return;
        }
        self.sound.status = match (playable, no_output) {
            (_, Some(why)) => Status::NoOutput(why),
            (true, None) => Status::Playing,
            (false, None) => Status::None,
        };
        if !notices.is_empty() {
            self.say("Sound", notices, false);
        }
        self.changed();
    }

    fn effective_volume(&self) -> f32 {
        if self.sound.muted {
            0.0
        } else {
            self.sound.volume
        }
    }

    /// S and the speaker button.
    pub(super) fn toggle_mute(&mut self) {
        match &self.sound.status {
            Status::Playing => {}
            Status::NoOutput(why) => {
                let why = why.clone();
                self.say("No sound output", vec![why], false);
                return;
            }
            Status::None => {
                self.say("This movie has no sound to play", Vec::new(), false);
                return;
            }
        }
        self.sound.muted = !self.sound.muted;
        let v = self.effective_volume();
        self.sound(SoundEffect::Volume(v));
        self.changed();
    }

    /// `[`, `]` and the wheel over the speaker: the volume by `delta`
    /// (unmuting).
    pub(super) fn change_volume(&mut self, delta: f32) {
        if !self.sound.playing() || !delta.is_finite() {
            return;
        }
        self.sound.muted = false;
        self.sound.volume = (self.sound.volume + delta).clamp(0.0, 1.0);
        let v = self.effective_volume();
        self.sound(SoundEffect::Volume(v));
        self.changed();
    }

    /// `[` and `]`.
    pub(super) fn volume_key(&mut self, up: bool) {
        self.change_volume(if up { STEP } else { -STEP });
    }

    /// The window hidden (minimised) or shown again.
    pub(super) fn window_hidden(&mut self, hidden: bool) {
        self.sound(SoundEffect::Pause(hidden));
    }
}
