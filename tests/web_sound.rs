//! A web export carries the movie's sound (`support/sounds.rs`'s tour):
//! WAV files ffmpeg decodes to what the movie's tracks decode to, entries
//! in tour.js, and in headless Chromium a page that plays nothing before
//! the first key, then each node's loop (cross-fading as nodes change),
//! the movie's sound throughout, an object view's part as the view shows,
//! and silence when muted.

#[path = "support/browser.rs"]
mod browser;
mod common;
#[path = "support/sounds.rs"]
mod sounds;
#[path = "support/tours.rs"]
mod tours;

use std::process::Command;

use browser::{file_url, result, temp_path};
use common::{ffmpeg_f64, succeeded};
use serde_json::{Value, json};

/// The tour written and exported: (movie, export folder).
fn export() -> (std::path::PathBuf, std::path::PathBuf) {
    let movie = temp_path("sound-tour.mov");
    std::fs::write(&movie, sounds::sound_tour()).unwrap();
    let out = temp_path("sound-tour-web");
    succeeded(
        &Command::new(env!("CARGO_BIN_EXE_qtvr"))
            .arg("export")
            .arg(&movie)
            .args(["--to", "web", "-o"])
            .arg(&out)
            .output()
            .unwrap(),
    );
    (movie, out)
}

#[test]
fn the_export_holds_each_nodes_sound_as_wav() {
    if !qtvr_testkit::require_tool("ffmpeg", "ffmpeg") {
        return;
    }
    let (movie, out) = export();
    for f in ["node-1.wav", "node-2.wav", "node-3-views.wav", "movie.wav"] {
        assert!(out.join("sound").join(f).is_file(), "sound/{f}");
    }
    // The cylinder's 16-bit sound, exactly as ffmpeg decodes the movie's track.
    let theirs = ffmpeg_f64(&movie, "0:a:0");
    let ours = ffmpeg_f64(&out.join("sound/node-1.wav"), "0:a:0");
    assert_eq!(ours, theirs);
    let tour = std::fs::read_to_string(out.join("tour.js")).unwrap();
    let json = tour
        .trim()
        .strip_prefix("QTVR.tour(")
        .and_then(|t| t.strip_suffix(");"))
        .unwrap();
    let v: Value = serde_json::from_str(json).unwrap();
    assert_eq!(v["sound"]["movie"], "sound/movie.wav");
    assert_eq!(v["nodes"][0]["sound"]["loop"], "sound/node-1.wav");
    let parts = v["nodes"][2]["sound"]["views"]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 24);
    assert_eq!(parts[9][0], 1);
    assert_eq!(parts[9][1], 1);
    let (a, b) = (parts[9][2].as_f64().unwrap(), parts[9][3].as_f64().unwrap());
    assert!((a - 0.9).abs() < 1e-6 && (b - 1.0).abs() < 1e-6, "{a} {b}");
}

fn playing(state: &Value) -> Vec<String> {
    state["playing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["file"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_page_plays_after_the_first_key_and_follows_the_nodes() {
    let Some(b) = browser::browser() else { return };
    let (_, out) = export();
    let url = file_url(&out.join("index.html"));
    let ready = "document.documentElement.dataset.qtvrReady === 'full' && window.qtvrPlayer && !qtvrPlayer.state().transition";
    let sound = "qtvrPlayer.state().sound";
    let loud = |file: &str| {
        format!(
            "(() => {{ const p = qtvrPlayer.state().sound.playing.find((x) => x.file === '{file}'); return !!p && p.volume > 0.7; }})()"
        )
    };
    let steps = json!([
        { "viewport": [800, 600] },
        { "goto": url },
        { "waitFor": ready, "timeout": 60000 },
        { "wait": 300 },
        { "eval": sound },
        { "eval": "!!document.getElementById('qtvr-sound')" },
        // The first key: the node's loop and the movie's sound start.
        { "press": "t" },
        { "press": "t" },
        { "waitFor": loud("sound/node-1.wav"), "timeout": 5000 },
        { "wait": 400 },
        { "eval": "qtvrPlayer.sound.loops.get('sound/node-1.wav').audio.currentTime" },
        { "eval": sound },
        // Another node: its loop fades in, the last one's out.
        { "eval": "location.hash = '#node=2'" },
        { "waitFor": loud("sound/node-2.wav"), "timeout": 10000 },
        { "wait": 600 },
        { "eval": sound },
        // Muted: everything at volume 0.
        { "press": "s" },
        { "wait": 200 },
        { "eval": sound },
        { "press": "s" },
        // The object: its current view's part plays.
        { "eval": "location.hash = '#node=3'" },
        { "waitFor": "qtvrPlayer.state().node === 3 && qtvrPlayer.state().sound.playing.some((p) => p.file === 'sound/node-3-views.wav')", "timeout": 10000 },
        { "eval": "[qtvrPlayer.state().objectView, qtvrPlayer.state().sound.playing.find((p) => p.file === 'sound/node-3-views.wav').at]" },
    ]);
    let out = b.run_clean(&steps);
    let before = result(&out, 0);
    assert_eq!(before["available"], true);
    assert_eq!(before["unlocked"], false);
    assert!(
        playing(before).is_empty(),
        "nothing before a gesture: {before}"
    );
    assert_eq!(result(&out, 1), &json!(true), "a speaker button");
    let t = result(&out, 2).as_f64().unwrap();
    assert!(t > 0.2, "the loop plays: at {t} s");
    let first = playing(result(&out, 3));
    assert!(
        first.contains(&"sound/node-1.wav".to_string())
            && first.contains(&"sound/movie.wav".to_string()),
        "{first:?}"
    );
    let second = playing(result(&out, 5));
    assert!(
        second.contains(&"sound/node-2.wav".to_string()),
        "{second:?}"
    );
    assert!(
        !second.contains(&"sound/node-1.wav".to_string()),
        "node 1 faded out: {second:?}"
    );
    assert!(
        second.contains(&"sound/movie.wav".to_string()),
        "the movie's sound plays on"
    );
    let muted = result(&out, 6);
    assert_eq!(muted["muted"], true);
    assert!(
        muted["playing"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["volume"] == 0.0),
        "{muted}"
    );
    let object = result(&out, 8);
    let (row, column) = (
        object[0]["row"].as_u64().unwrap(),
        object[0]["column"].as_u64().unwrap(),
    );
    let at = object[1].as_f64().unwrap();
    let start = 0.1 * (row * 8 + column) as f64;
    assert!(
        at >= start - 0.01 && at <= start + 0.1 + 0.05,
        "view r{row}c{column} plays its part: at {at} s"
    );
}
