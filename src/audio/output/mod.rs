//! Where mixed frames go: the system's sound output, or memory.
//!
//! [`open()`] loads the system's ALSA library (`libasound.so.2`) at run time
//! ([`alsa`]): nothing of it is needed to build, and where it or a sound
//! device is missing (no sound card, CI, a container) the viewer runs
//! silently and says so once. On Linux desktops ALSA's default device goes
//! to PulseAudio or PipeWire where they run.
//! [`Memory`] keeps the frames, at the pace of a real device or as fast as
//! they come: the fake device the tests play into.

pub mod alsa;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A device that takes interleaved stereo 32-bit float frames.
pub trait Output: Send {
    /// Frames a second.
    fn rate(&self) -> u32;
    /// Takes the frames, blocking until the device has room for them.
    fn write(&mut self, frames: &[f32]) -> Result<(), String>;
}

/// The system's sound output (ALSA's default device), or why there is none.
pub fn open() -> Result<Box<dyn Output>, String> {
    alsa::Alsa::open(48_000).map(|a| Box::new(a) as Box<dyn Output>)
}

/// A fake device: the frames written go to [`Memory::frames`].
pub struct Memory {
    rate: u32,
    frames: Arc<Mutex<Vec<f32>>>,
    /// Take frames no faster than a real device would.
    paced: Option<(Instant, u64)>,
}

impl Memory {
    /// A device of `rate` frames a second; `paced`: writes block as long as
    /// their frames last.
    pub fn new(rate: u32, paced: bool) -> Memory {
        Memory {
            rate,
            frames: Arc::new(Mutex::new(Vec::new())),
            paced: paced.then(|| (Instant::now(), 0)),
        }
    }

    /// The frames written so far (shared with the device).
    pub fn frames(&self) -> Arc<Mutex<Vec<f32>>> {
        Arc::clone(&self.frames)
    }
}

impl Output for Memory {
    fn rate(&self) -> u32 {
        self.rate
    }

    fn write(&mut self, frames: &[f32]) -> Result<(), String> {
        self.frames
            .lock()
            .map_err(|_| "the memory device is poisoned".to_string())?
            .extend_from_slice(frames);
        if let Some((start, done)) = &mut self.paced {
            *done += (frames.len() / 2) as u64;
            let due = *start + Duration::from_secs_f64(*done as f64 / f64::from(self.rate));
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        Ok(())
    }
}
