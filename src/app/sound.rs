//! Carrying out the viewer's sound effects: the movie's sound decoded on a
//! thread of its own (never holding up the window), then played by the
//! [`Player`] into the system's output, which is opened once, when the
//! first movie with sound arrives. Without an output (no ALSA library, no
//! device) the viewer runs silently: it says why once on standard error,
//! and the speaker button shows greyed (hovering or pressing it says why).
//!
//! `QTVR_SOUND_OUTPUT=null` plays into a device that keeps time and
//! discards the frames (tests of the speaker button on machines without
//! sound); `=none` turns the output off (silently: no line on standard error).

use std::sync::Arc;

use super::{Mailbox, UserEvent};
use crate::audio::library::ViewKey;
use crate::audio::output::{self, Output};
use crate::audio::{Library, Mixer, Player};
use crate::viewer::SoundEffect;
use crate::viewer::load::OpenMovie;
use qtvr_format::qtvr::NodeId;

/// The rate the null device runs at.
const NULL_RATE: u32 = 48_000;

/// A movie's decoded sound, from the decoding thread, with the output it
/// opened when the shell had none yet (opening one can take a moment:
/// never on the window's thread).
pub(super) struct Decoded {
    pub id: u64,
    pub library: Library,
    pub notices: Vec<String>,
    output: Option<Result<Box<dyn Output>, String>>,
}

/// What [`Sound::decoded`] tells the viewer.
pub(super) struct Ready {
    pub playable: bool,
    pub no_output: Option<String>,
    pub notices: Vec<String>,
}

/// The shell's sound state.
#[derive(Default)]
pub(super) struct Sound {
    player: Option<Player>,
    /// The output could not be opened: why (told once).
    no_output: Option<String>,
    told: bool,
    /// The latest movie's request.
    id: u64,
    /// What the viewer last asked for, applied to each new mixer.
    node: Option<NodeId>,
    view: Option<ViewKey>,
    volume: f32,
    paused: bool,
}

/// A device that keeps time and drops the frames.
struct Null(output::Memory);

impl Output for Null {
    fn rate(&self) -> u32 {
        self.0.rate()
    }
    fn write(&mut self, frames: &[f32]) -> Result<(), String> {
        self.0.write(frames)?;
        if let Ok(mut f) = self.0.frames().lock() {
            f.clear();
        }
        Ok(())
    }
}

fn open_output() -> Result<Box<dyn Output>, String> {
    match std::env::var("QTVR_SOUND_OUTPUT").as_deref() {
        Ok("null") => Ok(Box::new(Null(output::Memory::new(NULL_RATE, true)))),
        Ok("none") => Err("sound is turned off (QTVR_SOUND_OUTPUT=none)".into()),
        _ => output::open(),
    }
}

impl Sound {
    pub(super) fn new() -> Sound {
        Sound {
            volume: 1.0,
            ..Default::default()
        }
    }

    /// Carries out `e`; a movie's sound is decoded on a thread that answers
    /// through `mailbox`.
    pub(super) fn apply(&mut self, e: SoundEffect, mailbox: &Mailbox) {
        match e {
            SoundEffect::Load { id, movie } => {
                self.id = id;
                self.node = None;
                self.view = None;
                if let Some(mut m) = self.player.as_ref().and_then(|p| p.mixer()) {
                    *m = Mixer::new(Library::default(), m.rate());
                }
                let mailbox = mailbox.clone();
                let open = self.player.is_none() && self.no_output.is_none();
                let _ = std::thread::Builder::new()
                    .name("qtvr-sound-decode".into())
                    .spawn(move || {
                        let mut decoded = decode(id, &movie);
                        if open && !decoded.library.is_empty() {
                            decoded.output = Some(open_output());
                        }
                        mailbox.send(UserEvent::Sound(decoded));
                    });
            }
            SoundEffect::Node { node, fade } => {
                self.node = Some(node);
                self.view = None;
                self.with_mixer(|m| m.show_node(node, fade));
            }
            SoundEffect::View { node, row, column } => {
                self.view = Some((node, row, column));
                self.with_mixer(|m| m.show_view((node, row, column)));
            }
            SoundEffect::Volume(v) => {
                self.volume = v;
                self.with_mixer(|m| m.set_volume(v));
            }
            SoundEffect::Pause(p) => {
                self.paused = p;
                self.with_mixer(|m| m.set_paused(p));
            }
        }
    }

    /// Whether a player runs (what minimising must pause).
    pub(super) fn playing(&self) -> bool {
        self.player.is_some()
    }

    fn with_mixer(&self, f: impl FnOnce(&mut Mixer)) {
        if let Some(mut m) = self.player.as_ref().and_then(|p| p.mixer()) {
            f(&mut m);
        }
    }

    /// A movie's sound is decoded: play it. Returns what
    /// [`crate::viewer::Input::SoundReady`] says, or `None` when a newer
    /// movie replaced it.
    pub(super) fn decoded(&mut self, d: Decoded) -> Option<Ready> {
        if d.id != self.id {
            return None;
        }
        let notices = d.notices;
        if d.library.is_empty() {
            return Some(Ready {
                playable: false,
                no_output: None,
                notices,
            });
        }
        if self.player.is_none()
            && self.no_output.is_none()
            && let Some(output) = d.output
        {
            match output.and_then(|o| {
                let rate = o.rate();
                Player::start(Mixer::new(Library::default(), rate), o)
            }) {
                Ok(p) => self.player = Some(p),
                Err(e) => self.no_output = Some(e),
            }
        }
        if let Some(why) = &self.no_output {
            let off = std::env::var("QTVR_SOUND_OUTPUT").is_ok_and(|v| v == "none");
            if !self.told && !off {
                // The one notice (the speaker button shows it too).
                self.told = true;
                eprintln!("qtvr: no sound output, movies play silently: {why}");
            }
            return Some(Ready {
                playable: false,
                no_output: Some(why.clone()),
                notices,
            });
        }
        let Some(player) = &self.player else {
            // The output is being opened by an earlier movie's thread:
            // this movie's sound plays once asked for again (not reached
            // in practice: one load runs at a time).
            return None;
        };
        if let Some(e) = player.error() {
            return Some(Ready {
                playable: false,
                no_output: Some(format!("the sound output stopped ({e})")),
                notices,
            });
        }
        if let Some(mut m) = player.mixer() {
            let mut mixer = Mixer::new(d.library, m.rate());
            mixer.set_volume(self.volume);
            mixer.set_paused(self.paused);
            if let Some(n) = self.node {
                mixer.show_node(n, 0.0);
            }
            if let Some(v) = self.view {
                mixer.show_view(v);
            }
            *m = mixer;
        }
        Some(Ready {
            playable: true,
            no_output: None,
            notices,
        })
    }
}

/// Decodes and places every sound track of `movie`.
fn decode(id: u64, movie: &OpenMovie) -> Decoded {
    let Some(scene) = movie.scene() else {
        return Decoded {
            id,
            library: Library::default(),
            notices: Vec::new(),
            output: None,
        };
    };
    let limits = crate::budget::limits();
    let fallback = crate::budget::decode_options().fallback;
    let (placed, warnings) = qtvr_format::sound::load_all(
        Arc::clone(&movie.src).as_ref(),
        movie.movie(),
        scene,
        &limits,
        &fallback,
    );
    let (library, mut notices) = Library::new(&placed, &limits);
    notices.splice(0..0, warnings.into_iter().map(|w| w.message));
    Decoded {
        id,
        library,
        notices,
        output: None,
    }
}
