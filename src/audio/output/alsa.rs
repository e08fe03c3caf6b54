//! ALSA's PCM playback, from the system's `libasound.so.2` loaded at run
//! time with `libloading`: the few functions playback needs
//! (`snd_pcm_open`, `snd_pcm_set_params`, `snd_pcm_writei`,
//! `snd_pcm_recover`, `snd_pcm_close`, `snd_strerror`), on the `default`
//! device, 16-bit little-endian interleaved stereo (every device takes it;
//! ALSA's plug layer converts the rate), 100 ms of latency.
//!
//! Written here, not taken from a crate: the ALSA crates link the library
//! when the program is built (and need its headers, which a fresh Debian
//! machine lacks); this module is the only code of the viewer that calls
//! into C, so it is the only one allowed `unsafe`, each block saying why it
//! holds.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int, c_long, c_uint, c_ulong, c_void};

use super::Output;

type Open = unsafe extern "C" fn(*mut *mut c_void, *const c_char, c_int, c_int) -> c_int;
type SetParams =
    unsafe extern "C" fn(*mut c_void, c_int, c_int, c_uint, c_uint, c_int, c_uint) -> c_int;
type WriteI = unsafe extern "C" fn(*mut c_void, *const c_void, c_ulong) -> c_long;
type Recover = unsafe extern "C" fn(*mut c_void, c_int, c_int) -> c_int;
type Close = unsafe extern "C" fn(*mut c_void) -> c_int;
type StrError = unsafe extern "C" fn(c_int) -> *const c_char;
/// `snd_lib_error_handler_t` as far as it is called here: the fixed
/// arguments (file, line, function, error, format) of a C variadic function.
type ErrorHandler = unsafe extern "C" fn(*const c_char, c_int, *const c_char, c_int, *const c_char);
type SetErrorHandler = unsafe extern "C" fn(Option<ErrorHandler>) -> c_int;

/// ALSA's library prints its own errors on standard error (a dozen lines
/// when a machine has no sound card); the viewer says it once, in its own
/// words, so ALSA's go here and are dropped.
unsafe extern "C" fn quiet(
    _file: *const c_char,
    _line: c_int,
    _function: *const c_char,
    _err: c_int,
    _fmt: *const c_char,
) {
}

const STREAM_PLAYBACK: c_int = 0;
const FORMAT_S16_LE: c_int = 2;
const ACCESS_RW_INTERLEAVED: c_int = 3;
const LATENCY_US: c_uint = 100_000;

/// An open ALSA playback device.
pub struct Alsa {
    pcm: *mut c_void,
    rate: u32,
    writei: WriteI,
    recover: Recover,
    close: Close,
    strerror: StrError,
    buf: Vec<i16>,
    // Last: the library stays loaded as long as its functions may be called.
    _lib: libloading::Library,
}

// SAFETY: the PCM handle is only ever used by the one thread that owns the
// `Alsa` value (the player thread it is moved to); ALSA allows a handle to
// be used from any thread as long as calls do not overlap.
unsafe impl Send for Alsa {}

/// A function of the library, or why it is missing.
fn symbol<T: Copy>(lib: &libloading::Library, name: &[u8]) -> Result<T, String> {
    // SAFETY: each `T` this module asks for is the C signature ALSA's
    // headers (alsa/pcm.h, alsa/error.h) declare for `name`.
    unsafe { lib.get::<T>(name) }
        .map(|s| *s)
        .map_err(|e| format!("libasound lacks {}: {e}", String::from_utf8_lossy(name)))
}

impl Alsa {
    /// Opens the default device for 16-bit stereo at `rate`.
    pub fn open(rate: u32) -> Result<Alsa, String> {
        // SAFETY: loading a shared library runs its initialisers; libasound's
        // are ALSA's own setup, with no requirements on the caller.
        let lib = unsafe { libloading::Library::new("libasound.so.2") }
            .map_err(|e| format!("the ALSA sound library is not installed ({e})"))?;
        let open: Open = symbol(&lib, b"snd_pcm_open\0")?;
        let set_params: SetParams = symbol(&lib, b"snd_pcm_set_params\0")?;
        let writei: WriteI = symbol(&lib, b"snd_pcm_writei\0")?;
        let recover: Recover = symbol(&lib, b"snd_pcm_recover\0")?;
        let close: Close = symbol(&lib, b"snd_pcm_close\0")?;
        let strerror: StrError = symbol(&lib, b"snd_strerror\0")?;
        if let Ok(set_handler) = symbol::<SetErrorHandler>(&lib, b"snd_lib_error_set_handler\0") {
            // SAFETY: `quiet` takes the handler's fixed arguments and reads
            // none of them; a C variadic call passes the fixed arguments as
            // a plain call does on the Linux ABIs, and the handler ignores
            // the rest. It lives as long as the program.
            unsafe { set_handler(Some(quiet)) };
        }
        let text = |e: c_int| {
            // SAFETY: snd_strerror returns a static NUL-terminated string
            // for any error number (or null, checked).
            let p = unsafe { strerror(e) };
            if p.is_null() {
                format!("error {e}")
            } else {
                // SAFETY: non-null, NUL-terminated and static (see above).
                unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
            }
        };
        let mut pcm: *mut c_void = std::ptr::null_mut();
        // SAFETY: `pcm` is a valid place for the handle and the name a
        // NUL-terminated string; mode 0 is blocking playback.
        let r = unsafe { open(&mut pcm, c"default".as_ptr(), STREAM_PLAYBACK, 0) };
        if r < 0 || pcm.is_null() {
            return Err(format!("no sound device can be opened ({})", text(r)));
        }
        // SAFETY: `pcm` was just opened; the constants are ALSA's.
        let r = unsafe {
            set_params(
                pcm,
                FORMAT_S16_LE,
                ACCESS_RW_INTERLEAVED,
                2,
                rate,
                1,
                LATENCY_US,
            )
        };
        if r < 0 {
            // SAFETY: `pcm` is open and closed once, here.
            unsafe { close(pcm) };
            return Err(format!(
                "the sound device refuses 16-bit stereo at {rate} Hz ({})",
                text(r)
            ));
        }
        Ok(Alsa {
            pcm,
            rate,
            writei,
            recover,
            close,
            strerror,
            buf: Vec::new(),
            _lib: lib,
        })
    }

    fn error_text(&self, e: c_int) -> String {
        // SAFETY: as in `open`: a static string or null.
        let p = unsafe { (self.strerror)(e) };
        if p.is_null() {
            format!("error {e}")
        } else {
            // SAFETY: non-null, NUL-terminated and static.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
    }
}

impl Output for Alsa {
    fn rate(&self) -> u32 {
        self.rate
    }

    fn write(&mut self, frames: &[f32]) -> Result<(), String> {
        self.buf.clear();
        self.buf.extend(
            frames
                .iter()
                .map(|&v| (v.clamp(-1.0, 1.0) * 32767.0) as i16),
        );
        let mut done = 0usize;
        let total = self.buf.len() / 2;
        let mut retries = 0;
        while done < total {
            let rest = &self.buf[done * 2..];
            // SAFETY: `rest` holds `total - done` whole stereo frames of
            // 16-bit samples, the format the device was set to; the handle is open.
            let n = unsafe {
                (self.writei)(
                    self.pcm,
                    rest.as_ptr().cast::<c_void>(),
                    (total - done) as c_ulong,
                )
            };
            if n >= 0 {
                done += n as usize;
                continue;
            }
            retries += 1;
            // SAFETY: the handle is open; `n` is the error writei returned.
            let r = unsafe { (self.recover)(self.pcm, n as c_int, 1) };
            if r < 0 || retries > 8 {
                return Err(format!("the sound device stopped ({})", self.error_text(r)));
            }
        }
        Ok(())
    }
}

impl Drop for Alsa {
    fn drop(&mut self) {
        // SAFETY: the handle was opened in `open` and is closed once, here.
        unsafe { (self.close)(self.pcm) };
    }
}
