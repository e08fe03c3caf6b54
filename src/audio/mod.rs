//! Sound playback: the movie's decoded sound tracks ([`qtvr_format::sound`])
//! as clips ([`library`]), mixed as the viewer shows nodes and views
//! ([`mixer`], plain data on a simulated clock, tested without a sound
//! card), pulled by a player thread ([`player`]) into an output device
//! ([`output`]: the system's ALSA library loaded at run time, or a memory
//! sink for tests).
//!
//! The viewer core (`crate::viewer`) knows none of this: it emits
//! [`crate::viewer::Effect::Sound`]s, which the window shell (`crate::app`)
//! hands to the mixer.

pub mod library;
pub mod mixer;
pub mod output;
pub mod player;

pub use library::Library;
pub use mixer::Mixer;
pub use player::Player;
