//! Sound tracks: their sample descriptions, decoding, and where in the
//! scene they belong.
//!
//! Written by hand for the same reason as the video codecs: the formats of
//! QuickTime's Sound Manager (`raw `/`twos`/`sowt` PCM in classic chunk
//! layout, `ima4`, `MAC3`/`MAC6`) have no maintained Rust decoder, and the
//! layouts are a few dozen lines each. Everything else (`QDM2`, `Qclp`,
//! `mp4a`, …) goes to the ffmpeg fallback ([`external`]).
//!
//! * [`desc`] reads version 0, 1 and 2 sound sample descriptions and names
//!   the codec; [`pcm`] (PCM and G.711), [`ima4`] and [`mace`] decode;
//!   [`samples::SampleData`] keeps the result at its stored precision;
//!   [`wav`] writes it out.
//! * **Layout.** QuickTime stores sound in chunks of equal-sized samples
//!   (the container keeps them as [`crate::container::SoundChunks`]): in
//!   classic files a sample is one sound frame (`stsz` size 1) and a chunk
//!   of N samples holds N frames, packed in packets for compressed formats
//!   (64 frames per `ima4` packet, 6 per MACE one); in files where each
//!   sample is one packet (ffmpeg's, version 1 descriptions) a chunk of N
//!   samples holds N packets. Tracks whose samples vary in size are read
//!   sample by sample, each a whole number of packets.
//! * **Budget.** The decoded size is computed from the chunks before
//!   anything is read and must fit the decoded-pixel budget
//!   ([`Limits::memory`], `--max-memory`); chunks that lie outside the file,
//!   or claim more bytes than the file holds (overlapping chunks), end the
//!   track there with a warning; what was decoded is kept. Edits may repeat
//!   the media up to 16 times its length.
//! * **Time.** The media is laid out on the movie's timeline by the track's
//!   edit list ([`Sound::start`] is where its first frame plays); [`mod@place`]
//!   says which node or object view each part belongs to.

pub mod desc;
pub mod external;
pub mod ima4;
pub mod mace;
pub mod mix;
pub mod pcm;
pub mod place;
pub mod samples;
pub mod wav;

use crate::container::{Movie, Track};
use crate::error::{Error, Result, Warning};
use crate::ids::TrackId;
use crate::limits::Limits;
use crate::source::{ByteSource, read_vec};
use crate::tiles::Fallback;

pub use desc::{SoundCodec, SoundDescription, read_sound_description};
pub use place::{Placement, SoundRole, place};
pub use samples::SampleData;

/// A decoded sound track laid out on the movie's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Sound {
    pub track: TrackId,
    /// Frames per second.
    pub rate: f64,
    pub channels: u16,
    /// Movie time (seconds) at which the first frame plays.
    pub start: f64,
    /// Interleaved samples.
    pub data: SampleData,
}

impl Sound {
    /// Frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.data.len() / usize::from(self.channels.max(1))
    }
    /// Seconds of sound.
    pub fn seconds(&self) -> f64 {
        self.frames() as f64 / self.rate
    }
    /// Movie time (seconds) just after the last frame.
    pub fn end(&self) -> f64 {
        self.start + self.seconds()
    }
}

/// What a sound track holds, without decoding it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SoundTrackInfo {
    pub track: TrackId,
    pub enabled: bool,
    pub description: SoundDescription,
    pub codec: SoundCodec,
    /// Sound frames the track's media holds (as its tables claim them).
    pub frames: u64,
    /// Movie time (seconds) of the track's start and length, by its edits.
    pub start: f64,
    pub seconds: f64,
}

/// The movie's sound tracks (handler `soun`), in track order.
pub fn sound_tracks(movie: &Movie) -> impl Iterator<Item = &Track> {
    movie.tracks.iter().filter(|t| t.handler.0 == *b"soun")
}

/// The first sample description of a sound track, read.
pub fn description(track: &Track) -> Result<SoundDescription> {
    let d = track.descriptions.first().ok_or_else(|| {
        Error::NoMovieAtom(format!(
            "sound track {} has no sample description",
            track.id
        ))
    })?;
    read_sound_description(d)
}

/// One stretch of stored sound: where, how many bytes, how many frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    offset: u64,
    bytes: u64,
    frames: u64,
}

/// The track's media as pieces of whole packets, by the layout rules of the
/// module doc. `packet` = (frames, bytes for all channels) of one packet.
fn pieces(track: &Track, packet: (u32, u32)) -> Vec<Piece> {
    let (fpp, bpp) = (u64::from(packet.0.max(1)), u64::from(packet.1.max(1)));
    let mut out = Vec::new();
    if let Some(sc) = &track.sound_chunks {
        let size = u64::from(sc.sample_size);
        for c in &sc.chunks {
            let n = u64::from(c.samples);
            let (bytes, frames) = if fpp == 1 {
                // PCM: a sample is a frame, whatever size stsz gives.
                (n * bpp, n)
            } else if size <= 1 {
                (n.div_ceil(fpp) * bpp, n)
            } else {
                let bytes = n * size;
                (bytes, bytes / bpp * fpp)
            };
            out.push(Piece {
                offset: c.offset,
                bytes,
                frames,
            });
        }
    } else {
        for s in &track.samples {
            let bytes = u64::from(s.size);
            out.push(Piece {
                offset: s.offset,
                bytes,
                frames: bytes / bpp * fpp,
            });
        }
    }
    out
}

/// Reads what [`SoundTrackInfo`] lists.
pub fn track_info(movie: &Movie, track: &Track) -> Result<SoundTrackInfo> {
    let description = description(track)?;
    let codec = description.codec();
    let frames: u64 = match codec.packet(description.channels) {
        Some(p) => pieces(track, p).iter().map(|p| p.frames).sum(),
        None => track
            .sound_chunks
            .as_ref()
            .map(|c| {
                c.chunks.iter().map(|k| u64::from(k.samples)).sum::<u64>()
                    * u64::from(c.sample_duration)
            })
            .unwrap_or_else(|| track.samples.iter().map(|s| u64::from(s.duration)).sum()),
    };
    let media_seconds = frames as f64 / description.rate;
    let (start, seconds) = presented_span(movie, track, media_seconds);
    Ok(SoundTrackInfo {
        track: track.id,
        enabled: track.enabled,
        codec,
        description,
        frames,
        start,
        seconds,
    })
}

/// Where the track's edits put it and for how long (seconds), for media of
/// `media_seconds`: a leading empty edit delays it; the rest of the edits
/// add up to its length.
fn presented_span(movie: &Movie, track: &Track, media_seconds: f64) -> (f64, f64) {
    let ts = f64::from(movie.timescale.max(1));
    if track.edits.is_empty() {
        return (0.0, media_seconds);
    }
    let mut start = 0.0;
    let mut length = 0.0;
    let mut seen_media = false;
    for e in &track.edits {
        let d = e.track_duration as f64 / ts;
        if e.media_time < 0 && !seen_media {
            start += d;
        } else {
            seen_media = true;
            length += d;
        }
    }
    (start, length)
}

/// Decodes a sound track and lays it on the movie's timeline. Codecs
/// without a decoder here go to `fallback` (ffmpeg), or fail.
pub fn decode(
    src: &dyn ByteSource,
    movie: &Movie,
    track: &Track,
    limits: &Limits,
    fallback: &Fallback,
) -> Result<(Sound, Vec<Warning>)> {
    let desc = description(track)?;
    let codec = desc.codec();
    let (data, mut warnings) = match codec.packet(desc.channels) {
        Some(packet) => decode_media(src, track, &desc, packet, limits)?,
        None => (
            external::decode(src, track, &desc, limits, fallback)?,
            Vec::new(),
        ),
    };
    let sound = Sound {
        track: track.id,
        rate: desc.rate,
        channels: u16::try_from(desc.channels).unwrap_or(1),
        start: 0.0,
        data,
    };
    let (sound, w) = present(movie, track, sound, limits)?;
    warnings.extend(w);
    Ok((sound, warnings))
}

/// The track's media decoded by the decoders here, in `packet`s of
/// (frames, bytes for all channels).
fn decode_media(
    src: &dyn ByteSource,
    track: &Track,
    desc: &SoundDescription,
    packet: (u32, u32),
    limits: &Limits,
) -> Result<(SampleData, Vec<Warning>)> {
    let codec = desc.codec();
    if matches!(codec, SoundCodec::Mace3 | SoundCodec::Mace6) && desc.channels > 2 {
        return Err(too(
            track,
            format!("{} MACE channels (1 or 2)", desc.channels),
        ));
    }
    let pieces = pieces(track, packet);
    let mut warnings = Vec::new();
    let mut data = SampleData::for_codec(codec);
    // Claimed size first: every piece's frames, at the decoded precision.
    let frames: u64 = pieces.iter().map(|p| p.frames).sum();
    let bytes = frames
        .saturating_mul(u64::from(desc.channels))
        .saturating_mul(data.sample_bytes());
    if bytes > limits.memory {
        return Err(too(
            track,
            format!(
                "its {frames} sound frames would take {} MB decoded, more than the {} MB memory budget; `--max-memory {}` raises it",
                bytes.div_ceil(1 << 20),
                limits.memory >> 20,
                bytes.div_ceil(1 << 20)
            ),
        ));
    }
    let ch = desc.channels as usize;
    let mut kept = 0u64;
    let mut read = 0u64;
    let mut state = state(codec, ch);
    for p in &pieces {
        if p.offset.checked_add(p.bytes).is_none_or(|e| e > src.len()) {
            warnings.push(Warning::at(
                p.offset,
                format!(
                    "sound track {}: a chunk of {} bytes at file offset {} runs past the end of the file; the sound stops there ({} of {frames} frames)",
                    track.id, p.bytes, p.offset, kept
                ),
            ));
            break;
        }
        read += p.bytes;
        // Each stored byte of sound is read once: chunks that claim more
        // bytes than the file holds overlap (a hostile file repeating one
        // range to multiply the decoded size).
        if read > src.len() || read > limits.memory {
            warnings.push(Warning::at(
                p.offset,
                format!(
                    "sound track {}: its chunks claim more bytes than the file holds; the sound stops after {kept} frames",
                    track.id
                ),
            ));
            break;
        }
        let bytes = read_vec(src, p.offset, p.bytes)?;
        let before = data.len();
        data.reserve(p.frames as usize * ch);
        decode_piece(codec, &mut data, &bytes, &mut state);
        // A classic chunk's last packet may hold more frames than the chunk has.
        data.truncate(before + p.frames as usize * ch);
        kept += ((data.len() - before) / ch) as u64;
    }
    Ok((data, warnings))
}

fn too(track: &Track, what: String) -> Error {
    Error::NoMovieAtom(format!("sound track {}: {what}", track.id))
}

/// Decoder state that lives across a track's pieces.
enum State {
    None,
    Ima4(ima4::Ima4),
    Mace(mace::Mace),
}

fn state(codec: SoundCodec, channels: usize) -> State {
    match codec {
        SoundCodec::Ima4 => State::Ima4(ima4::Ima4::new(channels)),
        SoundCodec::Mace3 => State::Mace(mace::Mace::new(false, channels)),
        SoundCodec::Mace6 => State::Mace(mace::Mace::new(true, channels)),
        _ => State::None,
    }
}

fn decode_piece(codec: SoundCodec, out: &mut SampleData, bytes: &[u8], state: &mut State) {
    match (codec, out, state) {
        (SoundCodec::Pcm(p), out, _) => pcm::decode_pcm(p, bytes, out),
        (SoundCodec::MuLaw, SampleData::I16(v), _) => pcm::decode_g711(pcm::mu_law, bytes, v),
        (SoundCodec::ALaw, SampleData::I16(v), _) => pcm::decode_g711(pcm::a_law, bytes, v),
        (SoundCodec::Ima4, SampleData::I16(v), State::Ima4(d)) => d.decode(bytes, v),
        (SoundCodec::Mace3 | SoundCodec::Mace6, SampleData::I16(v), State::Mace(d)) => {
            d.decode(bytes, v)
        }
        _ => {}
    }
}

/// Lays decoded media on the movie's timeline by the track's edits: a
/// leading empty edit sets [`Sound::start`], later empty edits become
/// silence, each media edit takes its stretch of the media (rates other
/// than 1 play at 1).
fn present(
    movie: &Movie,
    track: &Track,
    mut sound: Sound,
    limits: &Limits,
) -> Result<(Sound, Vec<Warning>)> {
    let ch = usize::from(sound.channels.max(1));
    let ts = f64::from(movie.timescale.max(1));
    let media_ts = f64::from(track.media_timescale.max(1));
    let total = sound.frames();
    let single = match track.edits.as_slice() {
        [] => true,
        [e] => e.media_time == 0,
        _ => false,
    };
    if single {
        if let [e] = track.edits.as_slice() {
            let keep = (e.track_duration as f64 / ts * sound.rate).round() as usize;
            sound.data.truncate(keep.min(total) * ch);
        }
        return Ok((sound, Vec::new()));
    }
    let mut out = sound.data.empty_like();
    let mut start = 0.0;
    let mut warnings = Vec::new();
    // Edits may repeat the media (a loop authored as edits), up to 16 times
    // its length, within the memory budget.
    let cap = ((limits.memory / sound.data.sample_bytes().max(1)) as usize)
        .min(sound.data.len().max(ch).saturating_mul(16));
    for e in &track.edits {
        let frames = (e.track_duration as f64 / ts * sound.rate).round() as usize;
        if e.media_time < 0 {
            if out.is_empty() {
                start += e.track_duration as f64 / ts;
            } else if out.len().saturating_add(frames.saturating_mul(ch)) <= cap {
                out.extend_silence(frames * ch);
            } else {
                warnings.push(Warning::general(format!(
                    "sound track {}: its edits ask for more silence than the memory budget holds; the rest is left out",
                    track.id
                )));
                break;
            }
            continue;
        }
        let from = ((e.media_time as f64 / media_ts) * sound.rate).round() as usize;
        let from = from.min(total);
        let to = from.saturating_add(frames).min(total);
        if out.len().saturating_add((to - from) * ch) > cap {
            warnings.push(Warning::general(format!(
                "sound track {}: its edits repeat the sound more than the memory budget (or 16 times its length) holds; the rest is left out",
                track.id
            )));
            break;
        }
        out.extend_from(&sound.data, from * ch..to * ch);
    }
    Ok((
        Sound {
            start,
            data: out,
            ..sound
        },
        warnings,
    ))
}

/// A decoded sound track and where in the scene it plays.
#[derive(Debug, Clone)]
pub struct PlacedSound {
    pub sound: Sound,
    pub placement: Placement,
}

/// Every enabled sound track of the movie decoded and placed in `scene`;
/// a track that cannot be decoded is named in a warning and left out
/// (the pictures never depend on it).
pub fn load_all(
    src: &dyn ByteSource,
    movie: &Movie,
    scene: &crate::qtvr::scene::Scene,
    limits: &Limits,
    fallback: &Fallback,
) -> (Vec<PlacedSound>, Vec<Warning>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for t in sound_tracks(movie) {
        if !t.enabled {
            continue;
        }
        match decode(src, movie, t, limits, fallback) {
            Ok((sound, w)) => {
                warnings.extend(w);
                if sound.data.is_empty() {
                    continue;
                }
                let placement = place(scene, movie.timescale, sound.start, sound.end());
                out.push(PlacedSound { sound, placement });
            }
            Err(e) => warnings.push(Warning::general(format!(
                "sound track {} is not played: {e}",
                t.id
            ))),
        }
    }
    (out, warnings)
}
