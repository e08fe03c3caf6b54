//! `qtvr export --to web` speed: for every sample movie, the export's wall
//! time (median of 3 runs of the release binary) and the time until the page
//! shows its first full-resolution view, opened from `file://` in headless
//! Chromium (software WebGL 2 on SwiftShader), in a fresh browser each time
//! (median of 3):
//!
//! - "in the page": from the start of navigation (`performance.now()` 0) to
//!   the first animation frame after the first frame drawn from the full
//!   pictures (the player's `state().firstShown`);
//! - "driver": wall clock from the driver's `goto` to seeing the page's
//!   ready flag (polled every 25 ms), which adds the browser's navigation
//!   overhead and the polling.
//!
//! `cargo bench --bench web` prints a Markdown table (README.md and
//! docs/benchmarks.md quote it). Needs ../shared/samples, Chromium, Node and
//! tests/web/node_modules (`npm ci` in tests/web).

#[path = "../tests/support/browser.rs"]
mod browser;

use std::process::Command;
use std::time::Instant;

use serde_json::json;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let Some(dir) = qtvr_testkit::samples_dir() else {
        eprintln!("no samples");
        return;
    };
    let Some(b) = browser::browser() else {
        eprintln!("no browser");
        return;
    };
    let exe = env!("CARGO_BIN_EXE_qtvr");
    let movies = qtvr_testkit::sample_movies(&dir);
    println!("| movie | size | export | files | first full view: in the page | driver |");
    println!("|---|---:|---:|---:|---:|---:|");
    for movie in movies {
        let rel = movie
            .strip_prefix(&dir)
            .unwrap_or(&movie)
            .display()
            .to_string();
        let out = browser::temp_path("bench-web");
        let mut times = Vec::new();
        let mut summary = String::new();
        for _ in 0..3 {
            let _ = std::fs::remove_dir_all(&out);
            let t = Instant::now();
            let o = Command::new(exe)
                .arg("export")
                .arg(&movie)
                .args(["--to", "web", "-o"])
                .arg(&out)
                .output()
                .expect("qtvr runs");
            times.push(t.elapsed().as_secs_f64());
            if !o.status.success() {
                summary = "failed".into();
                break;
            }
            summary = String::from_utf8_lossy(&o.stdout).to_string();
        }
        if summary == "failed" {
            println!("| {rel} | | failed | | |");
            continue;
        }
        let files = summary
            .split(" files, ")
            .next()
            .and_then(|s| s.rsplit(", ").next())
            .unwrap_or("?")
            .to_string();
        let mb = summary
            .split(" files, ")
            .nth(1)
            .and_then(|s| s.split(')').next())
            .unwrap_or("?")
            .to_string();
        let url = browser::file_url(&out.join("index.html"));
        let (mut views, mut driver) = (Vec::new(), Vec::new());
        for _ in 0..3 {
            let steps = json!([
                { "viewport": [1024, 768] },
                { "goto": url },
                { "waitFor": "document.documentElement.dataset.qtvrReady === 'full'", "timeout": 60000 },
                { "time": "full" },
                { "waitFor": "qtvrPlayer.state().firstShown !== undefined", "timeout": 10000 },
                { "eval": "qtvrPlayer.state().firstShown" },
            ]);
            let r = b.run(&steps);
            driver.push(r["results"][0]["ms"].as_f64().unwrap_or(f64::NAN));
            views.push(r["results"][1].as_f64().unwrap_or(f64::NAN));
        }
        let size = std::fs::metadata(&movie).map(|m| m.len()).unwrap_or(0);
        println!(
            "| {rel} | {:.1} MB | {:.2} s | {files} ({mb}) | {:.0} ms | {:.0} ms |",
            size as f64 / 1e6,
            median(times),
            median(views),
            median(driver)
        );
        let _ = std::fs::remove_dir_all(&out);
    }
}
