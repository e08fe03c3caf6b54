//! How soon a cancelled decode stops (issue: within 100 ms). A cube whose
//! six faces are `SIDE`² JPEG tiles (busy pictures, so each face takes a
//! while) is decoded as the viewer decodes a node (all faces in parallel on
//! the thread pool); after a delay that moves through the decode, the load's
//! flag is set, as opening another movie, following a link or quitting does,
//! and the time until the decode returns is measured. The same with the
//! decode's time budget running out (a deadline instead of a call).
//!
//! `cargo bench --bench cancel` prints a Markdown table (README.md and
//! docs/benchmarks.md quote it).

use std::time::Instant;

use image::{Rgb, RgbImage};
use qtvr_format::assemble;
use qtvr_format::qtvr::scene::{NodeId, View};
use qtvr_format::qtvr::write::{CubeSpec, PanoLimits, Tour, TourContent, TourNode};
use qtvr_format::tiles::{Cancel, DecodeOptions};

const SIDE: u32 = 3000;

fn face(seed: u32) -> RgbImage {
    // Noise over gradients: a JPEG with many coefficients, slow to decode.
    let mut rng = qtvr_testkit::Rng::new(u64::from(seed));
    RgbImage::from_fn(SIDE, SIDE, |x, y| {
        let n = rng.byte() / 2;
        Rgb([
            ((x / 12) as u8).wrapping_add(n),
            ((y / 12) as u8).wrapping_add(n),
            (seed as u8 * 40).wrapping_add(n),
        ])
    })
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let t = Instant::now();
    let tour = Tour {
        name: None,
        default_node: NodeId(1),
        nodes: vec![TourNode {
            id: NodeId(1),
            name: None,
            content: TourContent::Cube(Box::new(CubeSpec {
                faces: std::array::from_fn(|i| face(i as u32)),
                hotspots: None,
                limits: PanoLimits {
                    pan: [0.0, 360.0],
                    tilt: [-90.0, 90.0],
                    fov: [10.0, 100.0],
                    default: View {
                        pan: 0.0,
                        tilt: 0.0,
                        fov: 80.0,
                    },
                },
            })),
            hotspots: Vec::new(),
        }],
        jpeg_quality: 90,
    };
    let bytes = tour.write().expect("a tour");
    eprintln!(
        "cube of six {SIDE}² JPEG faces: {:.1} MB, written in {:.1} s",
        bytes.len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let loaded = qtvr_format::qtvr::load(&bytes).expect("it loads");
    let sc = loaded.scene.as_ref().expect("a scene");
    let node = &sc.nodes[0];
    let decode = |cancel: Cancel| {
        let opts = DecodeOptions {
            cancel,
            ..DecodeOptions::default()
        };
        assemble::panorama_picture(&bytes, &loaded.movie, node, &opts)
    };
    // The whole decode, uncancelled.
    let t = Instant::now();
    decode(Cancel::new()).expect("the cube decodes");
    let full = t.elapsed();
    let threads = rayon::current_num_threads();
    // Cancelled at 20 points through the decode.
    let mut after_call = Vec::new();
    for i in 0..20 {
        let at = full.mul_f64(0.05 + 0.9 * f64::from(i) / 19.0);
        let c = Cancel::new();
        let (late, stopped) = std::thread::scope(|scope| {
            let flag = c.clone();
            let run = scope.spawn(move || {
                let r = decode(flag);
                (Instant::now(), r.is_err())
            });
            std::thread::sleep(at);
            let set = Instant::now();
            c.cancel();
            let (ended, stopped) = run.join().expect("the decode thread");
            (ended.saturating_duration_since(set), stopped)
        });
        after_call.push((late.as_secs_f64() * 1e3, stopped));
    }
    // A time budget that runs out at 20 points through the decode.
    let mut after_deadline = Vec::new();
    for i in 0..20 {
        let budget = full.mul_f64(0.05 + 0.9 * f64::from(i) / 19.0);
        let started = Instant::now();
        let r = decode(Cancel::new().with_deadline(budget));
        let late = started.elapsed().saturating_sub(budget);
        after_deadline.push((late.as_secs_f64() * 1e3, r.is_err()));
    }
    println!(
        "| decode stopped by | runs | stopped (the rest had finished) | median | 95th percentile | slowest |\n|---|---|---|---|---|---|"
    );
    for (what, v) in [
        (
            "`Cancel::cancel` (another movie, a link, quitting)",
            &mut after_call,
        ),
        ("the time budget running out", &mut after_deadline),
    ] {
        let stopped = v.iter().filter(|(_, s)| *s).count();
        let mut ms: Vec<f64> = v.iter().map(|(m, _)| *m).collect();
        println!(
            "| {what} | {} | {stopped} | {:.1} ms | {:.1} ms | {:.1} ms |",
            ms.len(),
            percentile(&mut ms, 0.5),
            percentile(&mut ms, 0.95),
            percentile(&mut ms, 1.0)
        );
    }
    println!(
        "\nWhole decode, not cancelled: {:.0} ms ({threads} threads; six {SIDE}² JPEG faces, {:.1} MB).",
        full.as_secs_f64() * 1e3,
        bytes.len() as f64 / 1e6
    );
}
