//! The movie's sound in a web export: 16-bit PCM WAV files every browser
//! plays, under `sound/`, and what the player needs to know of them in
//! `tour.js`.
//!
//! * a node's looping sound: `sound/node-<id>.wav` (its tracks' parts at the
//!   node's time, mixed when there are several), `"sound": {"loop": …}` on
//!   the node;
//! * an object's view sounds: the node's stretch in one file,
//!   `sound/node-<id>-views.wav`, and each view's part in it
//!   (`"sound": {"views": {"file": …, "parts": [[row, column, start, end]…]}}`,
//!   seconds);
//! * sound across the whole movie: `sound/movie.wav`, `"sound": {"movie": …}`
//!   on the tour.
//!
//! Sources of at most 16 bits are written exactly; wider or float ones are
//! rounded to 16 bits. The player (`web/player.js`) starts them after the
//! first click or key, as browsers require.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Out;
use qtvr_format::container::Movie;
use qtvr_format::qtvr::scene::{NodeId, Scene};
use qtvr_format::sound::{self, SampleData, Sound, SoundRole, mix, wav};
use qtvr_format::source::ByteSource;

/// What the export wrote: the tour's and each node's `"sound"` entries.
#[derive(Debug, Default)]
pub(crate) struct WebSound {
    pub movie: Option<Value>,
    pub nodes: BTreeMap<NodeId, Value>,
    pub warnings: Vec<String>,
}

/// 16-bit samples of any decoded precision (exact for 8 and 16 bits).
pub(crate) fn to_pcm16(d: &SampleData) -> SampleData {
    let q = |v: f64| (v.clamp(-1.0, 1.0) * 32767.0).round() as i16;
    SampleData::I16(match d {
        SampleData::I16(v) => v.clone(),
        SampleData::U8(v) => v.iter().map(|&s| (i16::from(s) - 128) << 8).collect(),
        SampleData::I24(v) => v.iter().map(|&s| (s >> 8) as i16).collect(),
        SampleData::I32(v) => v.iter().map(|&s| (s >> 16) as i16).collect(),
        SampleData::F32(v) => v.iter().map(|&s| q(f64::from(s))).collect(),
        SampleData::F64(v) => v.iter().map(|&s| q(s)).collect(),
    })
}

/// The sounds between `from` and `to` (movie seconds): one cut exactly,
/// several mixed.
fn stretch(sounds: &[&Sound], from: f64, to: f64) -> Result<Option<Sound>, String> {
    mix::stretch(sounds, from, to, &crate::budget::limits()).map_err(|e| e.to_string())
}

fn write_wav(out: &Out<'_>, rel: &str, s: &Sound) -> Result<(), String> {
    let pcm = to_pcm16(&s.data);
    out.write(rel, &wav::wav_bytes(&pcm, s.channels, s.rate))
        .map(|_| ())
}

/// Decodes the movie's sound and writes it for the nodes `wanted`.
pub(crate) fn export_sound(
    src: &dyn ByteSource,
    movie: &Movie,
    scene: &Scene,
    wanted: &dyn Fn(NodeId) -> bool,
    out: &Out<'_>,
) -> WebSound {
    let mut web = WebSound::default();
    if sound::sound_tracks(movie).next().is_none() {
        return web;
    }
    let limits = crate::budget::limits();
    let fallback = crate::budget::decode_options().fallback;
    let (placed, warnings) = sound::load_all(src, movie, scene, &limits, &fallback);
    web.warnings.extend(warnings.into_iter().map(|w| w.message));
    let ts = f64::from(movie.timescale.max(1));
    let single = scene.nodes.len() == 1;
    let report = |r: Result<(), String>, what: &str, web: &mut WebSound| {
        if let Err(e) = r {
            web.warnings.push(format!("{what} is left out: {e}"));
        }
    };
    // The whole movie's sound.
    let across: Vec<&Sound> = placed
        .iter()
        .filter(|p| p.placement.role == SoundRole::Movie)
        .map(|p| &p.sound)
        .collect();
    if !across.is_empty() {
        let end = across.iter().map(|s| s.end()).fold(0.0, f64::max);
        let r = stretch(&across, 0.0, end).and_then(|s| match s {
            Some(s) => write_wav(out, "sound/movie.wav", &s).map(|()| {
                web.movie = Some(json!("sound/movie.wav"));
            }),
            None => Ok(()),
        });
        report(r, "the movie's sound", &mut web);
    }
    for node in scene.nodes.iter().filter(|n| wanted(n.id)) {
        let (a, b) = (node.start_time / ts, (node.start_time + node.duration) / ts);
        let mine = |views: bool| -> Vec<&qtvr_format::sound::PlacedSound> {
            placed
                .iter()
                .filter(|p| match p.placement.role {
                    SoundRole::Node(n) => !views && n == node.id,
                    SoundRole::Views(n) => views && n == node.id,
                    SoundRole::Movie => false,
                })
                .collect()
        };
        let mut entry = serde_json::Map::new();
        let looping = mine(false);
        if !looping.is_empty() {
            let sounds: Vec<&Sound> = looping.iter().map(|p| &p.sound).collect();
            let (from, to) = if single {
                (
                    sounds.iter().map(|s| s.start).fold(f64::INFINITY, f64::min),
                    sounds.iter().map(|s| s.end()).fold(0.0, f64::max),
                )
            } else {
                (a, b)
            };
            let rel = format!("sound/node-{}.wav", node.id);
            let r = stretch(&sounds, from, to).and_then(|s| match s {
                Some(s) if s.frames() > 0 => write_wav(out, &rel, &s).map(|()| {
                    entry.insert("loop".into(), json!(rel));
                }),
                _ => Ok(()),
            });
            report(r, &format!("node {}'s sound", node.id), &mut web);
        }
        let views = mine(true);
        if !views.is_empty() {
            let sounds: Vec<&Sound> = views.iter().map(|p| &p.sound).collect();
            let rel = format!("sound/node-{}-views.wav", node.id);
            let parts: Vec<Value> = views
                .iter()
                .flat_map(|p| p.placement.parts.iter())
                .filter_map(|part| {
                    let [row, column] = part.view?;
                    Some(json!([row, column, part.start - a, part.end - a]))
                })
                .collect();
            let r = stretch(&sounds, a, b).and_then(|s| match s {
                Some(s) if s.frames() > 0 => write_wav(out, &rel, &s).map(|()| {
                    entry.insert("views".into(), json!({ "file": rel, "parts": parts }));
                }),
                _ => Ok(()),
            });
            report(r, &format!("node {}'s view sounds", node.id), &mut web);
        }
        if !entry.is_empty() {
            web.nodes.insert(node.id, Value::Object(entry));
        }
    }
    web
}
