//! The mixer against a fake device: frames pulled on a simulated clock
//! (1000 output frames a second), clips of constant or counting values so
//! every frame's expected value is known.

use std::sync::Arc;

use super::*;
use crate::audio::library::Clip;

const RATE: u32 = 1000;

fn clip(values: Vec<f32>, rate: f64, looping: bool) -> Clip {
    Clip {
        samples: values
            .iter()
            .flat_map(|&v| [v, v])
            .collect::<Vec<_>>()
            .into(),
        rate,
        looping,
        track: 1,
    }
}

/// Node 1: 0.5 for 100 frames; node 2: 0.25; view (3, 0, 1): 0.125 for
/// 50 frames; view (3, 0, 2): 0.0625; the movie: counting 0.001, 0.002, ….
fn library() -> Library {
    let mut lib = Library {
        clips: vec![
            clip(vec![0.5; 100], 1000.0, true),
            clip(vec![0.25; 100], 1000.0, true),
            clip(vec![0.125; 50], 1000.0, false),
            clip(vec![0.0625; 50], 1000.0, false),
            clip((1..=300).map(|i| i as f32 / 1000.0).collect(), 1000.0, true),
        ],
        ..Default::default()
    };
    lib.nodes.insert(NodeId(1), vec![0]);
    lib.nodes.insert(NodeId(2), vec![1]);
    lib.views.insert((NodeId(3), 0, 1), vec![2]);
    lib.views.insert((NodeId(3), 0, 2), vec![3]);
    lib.movie = vec![4];
    lib
}

/// The left channel of the next `frames` frames.
fn pull(m: &mut Mixer, frames: usize) -> Vec<f32> {
    let mut out = vec![0.0; frames * 2];
    m.render(&mut out);
    for f in 0..frames {
        assert_eq!(
            out[2 * f],
            out[2 * f + 1],
            "both sides carry the mono clips"
        );
    }
    out.iter().step_by(2).copied().collect()
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() < 1e-4
}

#[test]
fn a_nodes_sound_fades_in_and_loops_while_it_shows() {
    let mut lib = library();
    lib.movie.clear();
    let mut m = Mixer::new(lib, RATE);
    m.show_node(NodeId(1), 0.1);
    let out = pull(&mut m, 350);
    // Fading in over 100 frames: frame f at gain f/100 (the step is applied after each frame).
    assert!(
        close(out[0], 0.0) && close(out[50], 0.25) && close(out[100], 0.5),
        "{:?}",
        &out[..4]
    );
    // Then steady, across three loops of the 100-frame clip.
    assert!(out[100..].iter().all(|&v| close(v, 0.5)));
    assert_eq!(m.voices().len(), 1);
    assert!(
        close(m.voices()[0].pos as f32, 50.0),
        "position wraps: {}",
        m.voices()[0].pos
    );
}

#[test]
fn switching_nodes_cross_fades_with_the_picture() {
    let mut lib = library();
    lib.movie.clear();
    let mut m = Mixer::new(lib, RATE);
    m.show_node(NodeId(1), 0.0);
    pull(&mut m, 50);
    m.show_node(NodeId(2), 0.35);
    let out = pull(&mut m, 400);
    // During the 350-frame fade: node 1 at 1 - f/350, node 2 at f/350.
    for f in [0usize, 100, 200, 349] {
        let t = f as f32 / 350.0;
        let want = 0.5 * (1.0 - t) + 0.25 * t;
        assert!(close(out[f], want), "frame {f}: {} vs {want}", out[f]);
    }
    assert!(out[360..].iter().all(|&v| close(v, 0.25)));
    // Node 1's voice is gone once silent.
    assert_eq!(m.voices().len(), 1);
    assert_eq!(m.voices()[0].owner, Owner::Node(NodeId(2)));
    // Back to node 2 again: nothing restarts.
    let pos = m.voices()[0].pos;
    m.show_node(NodeId(2), 0.35);
    pull(&mut m, 10);
    assert!(close((m.voices()[0].pos - pos) as f32, 10.0));
}

#[test]
fn a_node_shown_again_while_fading_out_fades_back_from_where_it_is() {
    let mut lib = library();
    lib.movie.clear();
    let mut m = Mixer::new(lib, RATE);
    m.show_node(NodeId(1), 0.0);
    pull(&mut m, 20);
    m.show_node(NodeId(2), 0.2);
    pull(&mut m, 100);
    m.show_node(NodeId(1), 0.2);
    let v1 = m
        .voices()
        .iter()
        .find(|v| v.owner == Owner::Node(NodeId(1)))
        .unwrap();
    assert!(close(v1.gain, 0.5) && v1.target == 1.0);
    // It kept its place: 20 + 100 frames in, wrapped at 100.
    assert!(close(v1.pos as f32, 20.0));
}

#[test]
fn view_sounds_play_once_as_each_view_shows() {
    let mut lib = library();
    lib.movie.clear();
    let mut m = Mixer::new(lib, RATE);
    m.show_node(NodeId(3), 0.0);
    m.show_view((NodeId(3), 0, 1));
    let out = pull(&mut m, 80);
    // A 10 ms (10-frame) ramp in, the 50-frame clip, then silence.
    assert!(close(out[10], 0.125) && close(out[49], 0.125));
    assert!(out[50..].iter().all(|&v| v == 0.0));
    assert!(m.voices().is_empty());
    // A new view cuts the previous one short (10 ms out) and starts its own.
    m.show_view((NodeId(3), 0, 1));
    pull(&mut m, 20);
    m.show_view((NodeId(3), 0, 2));
    let out = pull(&mut m, 30);
    assert!(close(out[0], 0.125 * 1.0 + 0.0));
    assert!(close(out[25], 0.0625));
    assert_eq!(m.voices().len(), 1);
    // A view without a sound: the last one's ends, nothing starts.
    m.show_view((NodeId(3), 1, 1));
    let out = pull(&mut m, 20);
    assert!(out[15..].iter().all(|&v| v == 0.0));
}

#[test]
fn the_movies_sound_plays_on_across_nodes() {
    let mut m = Mixer::new(library(), RATE);
    m.show_node(NodeId(1), 0.0);
    let a = pull(&mut m, 100);
    m.show_node(NodeId(2), 0.0);
    let b = pull(&mut m, 250);
    // The counting clip minus the node's constant: 0.001 × (frame + 1), continuous.
    let movie = |out: &[f32], f: usize, node: f32| out[f] - node;
    assert!(close(movie(&a, 50, 0.5), 0.051), "{}", movie(&a, 50, 0.5));
    assert!(close(movie(&b, 20, 0.25), 0.121), "{}", movie(&b, 20, 0.25));
    // It loops after its 300 frames.
    assert!(
        close(movie(&b, 210, 0.25), 0.011),
        "{}",
        movie(&b, 210, 0.25)
    );
}

#[test]
fn volume_mute_and_pause() {
    let mut lib = library();
    lib.movie.clear();
    let mut m = Mixer::new(lib, RATE);
    m.show_node(NodeId(1), 0.0);
    pull(&mut m, 10);
    m.set_volume(0.5);
    let out = pull(&mut m, 30);
    // The volume is reached in 10 ms, without a jump.
    assert!(out[0] > 0.49 && out[0] <= 0.5);
    assert!(close(out[20], 0.25));
    m.set_volume(0.0);
    let out = pull(&mut m, 30);
    assert!(out[20..].iter().all(|&v| v == 0.0), "muted");
    m.set_volume(1.0);
    let pos = m.voices()[0].pos;
    m.set_paused(true);
    let out = pull(&mut m, 500);
    assert!(out.iter().all(|&v| v == 0.0));
    assert_eq!(m.voices()[0].pos, pos, "paused: the clip keeps its place");
    m.set_paused(false);
    let out = pull(&mut m, 30);
    assert!(close(out[29], 0.5));
    assert!(!m.volume().is_nan());
    m.set_volume(f32::NAN);
    assert_eq!(m.volume(), 0.0);
}

#[test]
fn clips_are_resampled_to_the_output_rate() {
    let mut lib = Library {
        clips: vec![Clip {
            samples: Arc::from(vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0, -1.0, -1.0]),
            rate: 500.0,
            looping: true,
            track: 1,
        }],
        ..Default::default()
    };
    lib.nodes.insert(NodeId(1), vec![0]);
    let mut m = Mixer::new(lib, RATE);
    m.show_node(NodeId(1), 0.0);
    pull(&mut m, 10);
    let out = pull(&mut m, 8);
    // Two output frames per clip frame, halfway values between them.
    assert_eq!(out, vec![1.0, 0.5, 0.0, -0.5, -1.0, -0.5, 0.0, 0.5]);
}
