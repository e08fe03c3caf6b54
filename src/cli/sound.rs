//! `qtvr export FILE --to sound -o OUT.wav`: a node's sound, or the
//! movie's, as a WAV file.
//!
//! * `--node N`: the sound tracks that belong to node N (its looping sound,
//!   or its object views' parts), the stretch at the node's time — in a
//!   movie of one node, the whole track;
//! * no `--node`: every enabled sound track on the movie's timeline, from
//!   its start (silence until the first sound).
//!
//! One track is written at its stored precision (8-bit, 16/24/32-bit
//! integer, 32/64-bit float), bit for bit what it decodes to; several are
//! mixed into 32-bit floats ([`qtvr_format::sound::mix`]).

use std::path::Path;

use qtvr_format::qtvr::scene::{NodeId, Scene};
use qtvr_format::sound::{self, SoundRole, mix, wav};
use qtvr_format::source::ByteSource;

use super::render::{Report, pick_node};

pub fn export_sound(
    src: &dyn ByteSource,
    movie: &qtvr_format::container::Movie,
    scene: &Scene,
    node: Option<NodeId>,
    out: &Path,
) -> Result<Report, String> {
    let mut report = Report::default();
    let limits = crate::budget::limits();
    let fallback = crate::budget::decode_options().fallback;
    if sound::sound_tracks(movie).next().is_none() {
        return Err("the movie has no sound track".into());
    }
    let (placed, warnings) = sound::load_all(src, movie, scene, &limits, &fallback);
    report.warnings.extend(warnings);
    if placed.is_empty() {
        return Err("none of the movie's sound tracks can be played (see the warnings)".into());
    }
    let result = match node {
        Some(id) => {
            let n = pick_node(scene, Some(id))?;
            let ts = f64::from(movie.timescale.max(1));
            let single = scene.nodes.len() == 1;
            let mine: Vec<_> = placed
                .iter()
                .filter(|p| matches!(p.placement.role, SoundRole::Node(x) | SoundRole::Views(x) if x == n.id))
                .map(|p| &p.sound)
                .collect();
            if mine.is_empty() {
                return Err(format!(
                    "node {} has no sound of its own{}",
                    n.id,
                    if placed.iter().any(|p| p.placement.role == SoundRole::Movie) {
                        "; the movie's sound plays across its nodes: export it without --node"
                    } else {
                        ""
                    }
                ));
            }
            let (a, b) = if single {
                (
                    mine.iter().map(|s| s.start).fold(f64::INFINITY, f64::min),
                    mine.iter().map(|s| s.end()).fold(0.0, f64::max),
                )
            } else {
                (n.start_time / ts, (n.start_time + n.duration) / ts)
            };
            mix::stretch(&mine, a, b, &limits)
        }
        None => {
            let end = placed.iter().map(|p| p.sound.end()).fold(0.0, f64::max);
            let all: Vec<_> = placed.iter().map(|p| &p.sound).collect();
            mix::stretch(&all, 0.0, end, &limits)
        }
    }
    .map_err(|e| e.to_string())?
    .ok_or("there is no sound to write")?;
    let bytes = wav::wav_bytes(&result.data, result.channels, result.rate);
    std::fs::write(out, bytes).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    report.written.push(out.to_path_buf());
    Ok(report)
}
