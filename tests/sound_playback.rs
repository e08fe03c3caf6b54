//! Playback against a fake output device: the test tour's sounds
//! (`support/sounds.rs`) become the mixer's clips; the player thread writes
//! exactly what the mixer makes, at the device's pace, and stops when
//! dropped. The system output either plays or says why it cannot.

#[path = "support/sounds.rs"]
mod sounds;
#[path = "support/tours.rs"]
mod tours;

use std::time::Duration;

use qtvr::audio::library::Library;
use qtvr::audio::output::{self, Memory};
use qtvr::audio::{Mixer, Player};
use qtvr_format::limits::Limits;

fn library() -> Library {
    let (lib, notices) = Library::new(&sounds::placed(&sounds::sound_tour()), &Limits::default());
    assert!(notices.is_empty(), "{notices:?}");
    lib
}

#[test]
fn the_tours_sounds_become_clips_for_their_nodes_and_views() {
    let lib = library();
    // The cylinder's 1 s loop, the cube's 1.5 s, 24 object views, the movie's 3 s.
    let clip = |k: usize| &lib.clips[k];
    let node = |n| lib.nodes[&n].iter().map(|&k| clip(k)).collect::<Vec<_>>();
    let cyl = node(tours::CYLINDER);
    assert_eq!(
        (cyl.len(), cyl[0].frames(), cyl[0].looping),
        (1, 22050, true)
    );
    let cube = node(tours::CUBE);
    assert_eq!((cube[0].frames(), cube[0].rate), (33075, 22050.0));
    assert_eq!(lib.views.len(), 24);
    let v = &lib.views[&(tours::OBJECT, 1, 2)];
    let view = clip(v[0]);
    assert!(!view.looping);
    assert!((view.frames() as f64 - 0.1 * 11025.0).abs() <= 1.0);
    assert_eq!(lib.movie.len(), 1);
    assert_eq!(clip(lib.movie[0]).frames(), 24000);
    // Mono clips carry the same value on both sides; the cube's stereo its own.
    assert!(cyl[0].samples.chunks(2).all(|p| p[0] == p[1]));
}

#[test]
fn the_player_writes_what_the_mixer_makes_at_the_devices_pace() {
    let rate = 48_000;
    let mut offline = Mixer::new(library(), rate);
    let mut live = Mixer::new(library(), rate);
    for m in [&mut offline, &mut live] {
        m.show_node(tours::CUBE, 0.35);
        m.set_volume(0.7);
    }
    let device = Memory::new(rate, true);
    let heard = device.frames();
    let player = Player::start(live, Box::new(device)).unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let got = heard.lock().unwrap().clone();
    let frames = got.len() / 2;
    // Paced like a device: about 0.4 s, at least 0.25 s, never far ahead.
    assert!(
        (12_000..=24_000).contains(&frames),
        "{frames} frames in 0.4 s"
    );
    let mut want = vec![0.0; got.len()];
    offline.render(&mut want);
    assert_eq!(got, want, "the device gets the mixer's frames, in order");
    assert!(
        got.iter().any(|&v| v.abs() > 0.1),
        "and they are not silence"
    );
    // Switching node through the player's mixer takes effect in the thread.
    player.mixer().unwrap().show_node(tours::CYLINDER, 0.0);
    std::thread::sleep(Duration::from_millis(100));
    drop(player);
    let stopped = heard.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        heard.lock().unwrap().len(),
        stopped,
        "dropping the player stops it"
    );
}

#[test]
fn the_system_output_plays_or_says_why_not() {
    match output::open() {
        Ok(mut out) => {
            let silence = vec![0.0; (out.rate() / 50) as usize * 2];
            for _ in 0..5 {
                out.write(&silence).unwrap();
            }
        }
        Err(why) => {
            assert!(
                why.contains("ALSA") || why.contains("sound device"),
                "a reason a user understands: {why}"
            );
        }
    }
}
