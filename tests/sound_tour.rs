//! A tour with sound ([`support/sounds.rs`]): `qtvr info` lists each sound
//! track with the node or views it belongs to; `qtvr export --to sound`
//! writes a node's sound and the movie's as WAV, checked against ffmpeg's
//! decode of the same tracks.

mod common;
#[path = "support/sounds.rs"]
mod sounds;
#[path = "support/tours.rs"]
mod tours;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::ffmpeg_f64;
use qtvr_format::limits::Limits;
use qtvr_format::qtvr::load;
use qtvr_format::sound::{self, SoundRole};
use qtvr_format::tiles::Fallback;
use qtvr_testkit::require_tool;

fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-output/sound-tour");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn qtvr() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qtvr"))
}

/// The tour written to a file of its own for each test (they run at once).
fn write_tour(name: &str) -> PathBuf {
    let p = out_dir().join(format!("{name}.mov"));
    std::fs::write(&p, sounds::sound_tour()).unwrap();
    p
}

#[test]
fn each_sound_track_is_placed_by_its_time() {
    let bytes = sounds::sound_tour();
    let loaded = load(&bytes).unwrap();
    let scene = loaded.scene.as_ref().unwrap();
    let (placed, warnings) = sound::load_all(
        &bytes,
        &loaded.movie,
        scene,
        &Limits::default(),
        &Fallback::Off,
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    let roles: Vec<(u32, SoundRole)> = placed
        .iter()
        .map(|p| (p.sound.track.0, p.placement.role))
        .collect();
    assert_eq!(
        roles,
        vec![
            (sounds::CYLINDER_SOUND, SoundRole::Node(tours::CYLINDER)),
            (sounds::CUBE_SOUND, SoundRole::Node(tours::CUBE)),
            (sounds::OBJECT_SOUND, SoundRole::Views(tours::OBJECT)),
            (sounds::MOVIE_SOUND, SoundRole::Movie),
        ]
    );
    let views = &placed[2].placement.parts;
    assert_eq!(views.len(), 24);
    assert_eq!(views[9].view, Some([1, 1]));
    assert!((views[9].end - views[9].start - 0.1).abs() < 1e-6);
    // The cube's sound starts where the cube node starts.
    let cube = scene.node(tours::CUBE).unwrap();
    assert!((placed[1].sound.start - cube.start_time / 600.0).abs() < 1e-9);
}

#[test]
fn info_lists_the_sound_tracks() {
    let path = write_tour("info");
    let out = qtvr().arg("info").arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for line in [
        "track 10: 16-bit signed big-endian PCM ('twos', version 0 description), 22050 Hz, 1 channel, 1.00 s from 0.00 s",
        "node 1's sound, looping while the node shows",
        "track 11: IMA ADPCM 4:1 ('ima4', version 1 description), 22050 Hz, 2 channels, 1.50 s from 1.00 s",
        "object node 3, a part for each view: r0c0 2.50–2.60 s",
        "track 13: µ-law ('ulaw', version 0 description), 8000 Hz, 1 channel, 3.00 s from 0.00 s",
        "plays across the whole movie",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    let out = qtvr().args(["info", "--json"]).arg(&path).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sound = v["sound"].as_array().unwrap();
    assert_eq!(sound.len(), 4);
    assert_eq!(sound[1]["info"]["codec"], "Ima4");
    assert_eq!(sound[1]["placement"]["role"]["kind"], "node");
    assert_eq!(sound[2]["placement"]["parts"].as_array().unwrap().len(), 24);
}

/// `qtvr export --to sound` of `movie` (more arguments in `args`) to `name`.
fn export_sound(movie: &Path, args: &[&str], name: &str) -> PathBuf {
    let wav = out_dir().join(name);
    let out = qtvr()
        .args(["export", "--to", "sound", "-o"])
        .arg(&wav)
        .args(args)
        .arg(movie)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wav
}

#[test]
fn a_nodes_sound_exports_as_ffmpeg_decodes_its_track() {
    if !require_tool("ffmpeg", "ffmpeg") {
        return;
    }
    let path = write_tour("node-export");
    let wav = export_sound(&path, &["--node", "1"], "cylinder.wav");
    // The cylinder's sound is the movie's first sound stream, from time 0.
    let theirs = ffmpeg_f64(&path, "0:a:0");
    let ours = ffmpeg_f64(&wav, "0:a:0");
    assert_eq!(ours.len(), 22050);
    assert_eq!(ours, theirs, "the WAV holds exactly what ffmpeg decodes");
    let head = std::fs::read(&wav).unwrap();
    assert_eq!(&head[..4], b"RIFF");
    assert_eq!(
        u16::from_le_bytes([head[34], head[35]]),
        16,
        "16 bits, as stored"
    );

    // The object's node: its one track's parts, the node's time.
    let wav = export_sound(&path, &["--node", "3"], "object.wav");
    // The node lasts 24 views of 0.1 s: 2.4 s at 11025 Hz.
    assert_eq!(ffmpeg_f64(&wav, "0:a:0").len(), 26460);
}

#[test]
fn the_movies_sound_mixes_every_track_on_its_timeline() {
    if !require_tool("ffmpeg", "ffmpeg") {
        return;
    }
    let path = write_tour("movie-export");
    let wav = export_sound(&path, &[], "movie.wav");
    let mix = ffmpeg_f64(&wav, "0:a:0");
    // Stereo (the cube's), 22050 Hz (the first track's), until the object's sound ends at 4.9 s.
    assert_eq!(mix.len() % 2, 0);
    let seconds = mix.len() as f64 / 2.0 / 22050.0;
    assert!((seconds - 4.9).abs() < 0.01, "{seconds} s");
    // At 0.5 s only the cylinder's tone and the movie's sound play: their sum.
    let placed = sounds::placed(&std::fs::read(&path).unwrap());
    let f = 11025;
    let cyl = placed[0].sound.data.get_f64(f);
    let movie = placed[3].sound.data.get_f64(4000);
    assert!(
        (mix[2 * f] - (cyl + movie)).abs() < 1e-6,
        "{} vs {}",
        mix[2 * f],
        cyl + movie
    );
}
