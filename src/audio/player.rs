//! The player thread: pulls frames from the [`Mixer`] in periods of 20 ms
//! and writes them to an [`Output`], which blocks at the device's pace.
//! The mixer sits behind a mutex held only while a period is mixed. Dropping
//! the [`Player`] stops the thread (the shell drops it when the viewer
//! quits); an output that fails stops it too, with the error kept.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use super::mixer::Mixer;
use super::output::Output;

/// The playing mixer: see the module docs.
pub struct Player {
    mixer: Arc<Mutex<Mixer>>,
    stop: Arc<AtomicBool>,
    error: Arc<Mutex<Option<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl Player {
    /// Plays `mixer` into `output` on a thread of its own.
    pub fn start(mixer: Mixer, mut output: Box<dyn Output>) -> Result<Player, String> {
        let mixer = Arc::new(Mutex::new(mixer));
        let stop = Arc::new(AtomicBool::new(false));
        let error = Arc::new(Mutex::new(None));
        let (m, s, e) = (Arc::clone(&mixer), Arc::clone(&stop), Arc::clone(&error));
        let period = (output.rate() / 50).max(1) as usize;
        let thread = std::thread::Builder::new()
            .name("qtvr-sound".into())
            .spawn(move || {
                let mut buf = vec![0f32; period * 2];
                while !s.load(Ordering::Relaxed) {
                    match m.lock() {
                        Ok(mut mixer) => mixer.render(&mut buf),
                        Err(_) => break,
                    }
                    if let Err(err) = output.write(&buf) {
                        if let Ok(mut slot) = e.lock() {
                            *slot = Some(err);
                        }
                        break;
                    }
                }
            })
            .map_err(|e| format!("the sound thread cannot start: {e}"))?;
        Ok(Player {
            mixer,
            stop,
            error,
            thread: Some(thread),
        })
    }

    /// The mixer, locked (briefly: the thread waits meanwhile).
    pub fn mixer(&self) -> Option<MutexGuard<'_, Mixer>> {
        self.mixer.lock().ok()
    }

    /// Why the output stopped, if it did.
    pub fn error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
