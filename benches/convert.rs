//! `qtvr convert` speed on `../shared/samples`: the whole folder converted
//! to the web player (a fresh output each time, median of 3 runs of the
//! release binary, its default jobs), as movies per minute and input
//! megabytes per second, beside ffmpeg decoding the same movies' video
//! tracks (`ffmpeg -v error -i MOVIE -map 0:v -f null -`, default threads,
//! one movie after another, summed; median of 3).
//!
//! `cargo bench --bench convert` prints the figures README.md quotes.

use std::process::Command;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let Some(samples) = qtvr_testkit::samples_dir() else {
        eprintln!("no samples");
        return;
    };
    let exe = env!("CARGO_BIN_EXE_qtvr");
    let out = std::env::temp_dir().join(format!("qtvr-bench-convert-{}", std::process::id()));
    let mut ours = Vec::new();
    let mut report = serde_json::Value::Null;
    for _ in 0..3 {
        let _ = std::fs::remove_dir_all(&out);
        let t = Instant::now();
        let o = Command::new(exe)
            .arg("convert")
            .arg(&samples)
            .arg("-o")
            .arg(&out)
            .output()
            .expect("qtvr runs");
        ours.push(t.elapsed().as_secs_f64());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        report = serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("report"))
            .expect("JSON");
    }
    let movies: Vec<(String, u64)> = report["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["kind"] == "qtvr")
        .map(|e| {
            let path = e["path"].as_str().unwrap_or_default();
            // "samples/gen/x.mov" → ../shared/samples/gen/x.mov
            let rel = path.split_once('/').map_or(path, |(_, r)| r);
            (
                samples.join(rel).display().to_string(),
                e["size"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let bytes: u64 = movies.iter().map(|m| m.1).sum();
    let have_ffmpeg = Command::new("ffmpeg").arg("-version").output().is_ok();
    let mut theirs = Vec::new();
    let mut ffmpeg_failed = 0;
    if have_ffmpeg {
        for _ in 0..3 {
            let t = Instant::now();
            ffmpeg_failed = 0;
            for (m, _) in &movies {
                let o = Command::new("ffmpeg")
                    .args(["-v", "error", "-i", m, "-map", "0:v", "-f", "null", "-"])
                    .output()
                    .expect("ffmpeg runs");
                if !o.status.success() {
                    ffmpeg_failed += 1;
                }
            }
            theirs.push(t.elapsed().as_secs_f64());
        }
    }
    let ours = median(ours);
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "qtvr convert ../shared/samples --to web: {} QTVR movies, {:.1} MB, {:.2} s on {cpus} CPUs: {:.0} movies/minute, {:.1} MB/s",
        movies.len(),
        bytes as f64 / 1e6,
        ours,
        movies.len() as f64 / ours * 60.0,
        bytes as f64 / 1e6 / ours
    );
    if have_ffmpeg {
        let theirs = median(theirs);
        println!(
            "ffmpeg decoding the same movies' video tracks: {theirs:.2} s ({ffmpeg_failed} movies it could not decode); ratio ffmpeg / qtvr convert = {:.2}",
            theirs / ours
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}
