//! Headless Chromium for the browser tests: [`browser`] finds Chromium, Node
//! and tests/web/node_modules (installed by `npm ci` in tests/web, as .ci/run
//! does) and [`Browser::run`] drives one page through a list of steps with
//! tests/web/drive.mjs (its header documents the steps and the output).
//! [`compare_png`] and [`write_diff`] compare screenshots.
//!
//! Chromium runs headless with software WebGL 2 (ANGLE on SwiftShader:
//! `--enable-unsafe-swiftshader --use-angle=swiftshader`, set in drive.mjs),
//! so no GPU and no X server are needed.

#![allow(dead_code)]

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The Chromium drive.mjs starts (QTVR_CHROMIUM overrides it there and here).
pub fn chromium_path() -> PathBuf {
    std::env::var_os("QTVR_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// tests/web: drive.mjs, package.json, node_modules.
pub fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web")
}

/// A way to run pages in headless Chromium.
pub struct Browser {
    web: PathBuf,
    /// "chromium" or "firefox" (drive.mjs's DRIVE_BROWSER).
    kind: &'static str,
    /// How long one [`Browser::run`] may take before it is killed.
    pub timeout: Duration,
}

/// The browser, or None after a skip (a failure under `CI=true`) naming what
/// is missing: Chromium, Node, or tests/web/node_modules.
pub fn browser() -> Option<Browser> {
    let chromium = chromium_path();
    if !chromium.is_file() {
        qtvr_testkit::skip(&format!(
            "{} is not installed (apt install chromium)",
            chromium.display()
        ));
        return None;
    }
    if !qtvr_testkit::require_tool("node", "nodejs") {
        return None;
    }
    let web = web_dir();
    if !web
        .join("node_modules/playwright-core/package.json")
        .is_file()
    {
        qtvr_testkit::skip(&format!(
            "{}/node_modules is missing (run `npm ci` there)",
            web.display()
        ));
        return None;
    }
    Some(Browser {
        web,
        kind: "chromium",
        timeout: Duration::from_secs(180),
    })
}

/// Firefox (Debian's firefox-esr) through the same steps, or None after a
/// skip (a failure under `CI=true`).
pub fn firefox() -> Option<Browser> {
    let ff = std::env::var_os("QTVR_FIREFOX")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/firefox-esr"));
    if !ff.is_file() {
        qtvr_testkit::skip(&format!(
            "{} is not installed (apt install firefox-esr)",
            ff.display()
        ));
        return None;
    }
    let b = browser()?;
    if !b
        .web
        .join("node_modules/puppeteer-core/package.json")
        .is_file()
    {
        qtvr_testkit::skip("tests/web/node_modules lacks puppeteer-core (run `npm ci` there)");
        return None;
    }
    Some(Browser {
        kind: "firefox",
        ..b
    })
}

static RUNS: AtomicU64 = AtomicU64::new(0);

/// A fresh path under the target's temporary folder for this test binary:
/// `<CARGO_TARGET_TMPDIR>/browser/<pid>-<n>-<name>`.
pub fn temp_path(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).expect("the temporary folder");
    let n = RUNS.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("{}-{n}-{name}", std::process::id()))
}

/// A `file://` URL for an absolute path (spaces and other unsafe bytes
/// percent-encoded).
pub fn file_url(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mut url = String::from("file://");
    for &b in path.to_string_lossy().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

impl Browser {
    /// Runs `steps` (a JSON array, see tests/web/drive.mjs) in one fresh page
    /// and returns drive.mjs's output object: `results`, `console`, `errors`,
    /// `failedRequests`. Panics with drive.mjs's message (the failing step,
    /// the page's console and errors) when a step fails; the page's screen is
    /// then saved beside the steps file as `…-failure.png`.
    pub fn run(&self, steps: &Value) -> Value {
        assert!(steps.is_array(), "the steps must be a JSON array");
        let file = temp_path("steps.json");
        std::fs::write(&file, serde_json::to_vec_pretty(steps).expect("JSON")).expect("steps");
        let shot = file.with_extension("failure.png");
        let mut child = Command::new("node")
            .arg(self.web.join("drive.mjs"))
            .arg(&file)
            .current_dir(&self.web)
            .env("DRIVE_FAILURE_SCREENSHOT", &shot)
            .env("DRIVE_BROWSER", self.kind)
            .env(
                "DRIVE_TIMEOUT_MS",
                self.timeout
                    .saturating_sub(Duration::from_secs(10))
                    .as_millis()
                    .to_string(),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node runs");
        // Read both pipes on threads so neither can fill up and block node.
        let mut out = child.stdout.take().expect("stdout");
        let mut err = child.stderr.take().expect("stderr");
        let out_t = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        let err_t = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait for node") {
                break Some(s);
            }
            if start.elapsed() > self.timeout {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = out_t.join().unwrap_or_default();
        let stderr = err_t.join().unwrap_or_default();
        let Some(status) = status else {
            panic!(
                "drive.mjs ran over {:?} (steps {}), killed\nstderr: {stderr}",
                self.timeout,
                file.display()
            );
        };
        assert!(
            status.success(),
            "drive.mjs failed ({status}; steps {}):\n{stderr}",
            file.display()
        );
        let line = stdout.lines().last().unwrap_or_default();
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| {
            panic!("drive.mjs printed no JSON ({e}):\n{stdout}\nstderr: {stderr}")
        });
        let _ = std::fs::remove_file(&file);
        v
    }

    /// [`Browser::run`], then [`assert_clean`]: no uncaught exception, no
    /// console error, no failed request.
    pub fn run_clean(&self, steps: &Value) -> Value {
        let v = self.run(steps);
        assert_clean(&v);
        v
    }
}

/// The page's console messages of `kind` ("error", "warning", "log", …).
pub fn console_of<'a>(out: &'a Value, kind: &str) -> Vec<&'a str> {
    out["console"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["type"] == kind)
        .filter_map(|m| m["text"].as_str())
        .collect()
}

/// Panics when the run had an uncaught exception, a console error or a
/// failed request, listing them.
pub fn assert_clean(out: &Value) {
    let errors: Vec<String> = out["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| format!("page error: {}", e.as_str().unwrap_or_default()))
        .chain(
            console_of(out, "error")
                .into_iter()
                .map(|t| format!("console error: {t}")),
        )
        .chain(
            out["failedRequests"]
                .as_array()
                .into_iter()
                .flatten()
                // Requests cancelled by leaving the page (the next goto) are not failures.
                .filter(|r| r["error"] != "net::ERR_ABORTED")
                .map(|r| format!("request failed: {} ({})", r["url"], r["error"])),
        )
        .collect();
    assert!(
        errors.is_empty(),
        "the page had errors:\n{}",
        errors.join("\n")
    );
}

/// The `i`th result (eval and time steps, in order).
pub fn result(out: &Value, i: usize) -> &Value {
    let r = &out["results"][i];
    assert!(
        out["results"].as_array().is_some_and(|a| i < a.len()),
        "no result {i} in {out}"
    );
    r
}

fn load_rgb(p: &Path) -> image::RgbImage {
    image::open(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .to_rgb8()
}

/// The mean absolute difference per channel (R, G, B; 0..255) of two images
/// over `crop` = [x, y, w, h] (the same rectangle in both; it must lie in
/// both images).
pub fn compare_png(actual: &Path, expected: &Path, crop: [u32; 4]) -> f64 {
    let (a, b) = (load_rgb(actual), load_rgb(expected));
    compare_rgb(&a, &b, crop)
}

/// [`compare_png`] on decoded images.
pub fn compare_rgb(a: &image::RgbImage, b: &image::RgbImage, crop: [u32; 4]) -> f64 {
    let [x0, y0, w, h] = crop;
    for (name, img) in [("actual", a), ("expected", b)] {
        assert!(
            x0 + w <= img.width() && y0 + h <= img.height() && w > 0 && h > 0,
            "crop {crop:?} is not inside the {name} image ({}×{})",
            img.width(),
            img.height()
        );
    }
    let mut sum = 0u64;
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            let (p, q) = (a.get_pixel(x, y), b.get_pixel(x, y));
            for c in 0..3 {
                sum += u64::from(p[c].abs_diff(q[c]));
            }
        }
    }
    sum as f64 / (u64::from(w) * u64::from(h) * 3) as f64
}

/// Writes `out`: actual | expected | difference side by side (the
/// difference per channel, ×4, on black), each at the size of the smaller
/// of the two images.
pub fn write_diff(actual: &Path, expected: &Path, out: &Path) {
    let (a, b) = (load_rgb(actual), load_rgb(expected));
    let w = a.width().min(b.width());
    let h = a.height().min(b.height());
    let mut img = image::RgbImage::new(w * 3, h);
    for y in 0..h {
        for x in 0..w {
            let (p, q) = (a.get_pixel(x, y), b.get_pixel(x, y));
            img.put_pixel(x, y, *p);
            img.put_pixel(w + x, y, *q);
            let d = image::Rgb(std::array::from_fn(|c| {
                p[c].abs_diff(q[c]).saturating_mul(4)
            }));
            img.put_pixel(2 * w + x, y, d);
        }
    }
    if let Some(dir) = out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    img.save(out)
        .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
