//! The browser harness itself (tests/support/browser.rs, tests/web/drive.mjs):
//! headless Chromium has WebGL 2 without a GPU, a screenshot shows what WebGL
//! drew, and clicks, keys, the wheel and evaluations reach the page and come
//! back in order; a failing step fails with a message naming it.

#[path = "support/browser.rs"]
mod browser;

use serde_json::json;

use browser::{Browser, compare_rgb, file_url, result, temp_path};

/// A page filling a 200×100 WebGL 2 canvas at the top left with one colour
/// (gl.clearColor) and recording its input events in `window.events`.
const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><style>body { margin: 0; background: #fff; }</style></head>
<body><canvas id="c" width="200" height="100" style="display: block"></canvas>
<script>
  const gl = document.getElementById('c').getContext('webgl2');
  window.webgl2 = !!gl;
  if (gl) {
    gl.clearColor(1.0, 0.5, 0.25, 1.0);
    gl.clear(gl.COLOR_BUFFER_BIT);
  }
  window.events = [];
  addEventListener('mousedown', (e) => events.push(['down', e.clientX, e.clientY]));
  addEventListener('mouseup', (e) => events.push(['up', e.clientX, e.clientY]));
  addEventListener('keydown', (e) => events.push(['key', e.key]));
  addEventListener('wheel', (e) => events.push(['wheel', Math.sign(e.deltaY)]));
  window.ready = true;
</script></body></html>
"#;

fn page() -> std::path::PathBuf {
    let p = temp_path("smoke.html");
    std::fs::write(&p, PAGE).expect("page");
    p
}

fn browser() -> Option<Browser> {
    browser::browser()
}

#[test]
fn webgl2_draws_and_a_screenshot_shows_it() {
    let Some(b) = browser() else { return };
    let html = page();
    let shot = temp_path("smoke.png");
    let out = b.run_clean(&json!([
        {"viewport": [320, 240]},
        {"goto": file_url(&html)},
        {"waitFor": "window.ready"},
        {"eval": "window.webgl2"},
        {"eval": "(() => { const gl = document.createElement('canvas').getContext('webgl2'); \
                   return gl.getParameter(gl.VERSION); })()"},
        {"screenshot": shot.to_str().unwrap()},
    ]));
    assert_eq!(result(&out, 0), true, "no WebGL 2: {out}");
    let version = result(&out, 1).as_str().unwrap_or_default();
    assert!(version.starts_with("WebGL 2.0"), "{version}");
    let img = image::open(&shot).expect("screenshot").to_rgb8();
    assert_eq!(img.dimensions(), (320, 240));
    // Inside the canvas the clear colour (255, 128, 64), outside white.
    let want = image::RgbImage::from_pixel(320, 240, image::Rgb([255, 128, 64]));
    let d = compare_rgb(&img, &want, [0, 0, 200, 100]);
    assert!(
        d < 1.5,
        "canvas colour off by {d:.2}: {:?}",
        img.get_pixel(100, 50)
    );
    let white = image::RgbImage::from_pixel(320, 240, image::Rgb([255, 255, 255]));
    assert_eq!(compare_rgb(&img, &white, [200, 0, 120, 240]), 0.0);
    let _ = std::fs::remove_file(shot);
}

#[test]
fn input_reaches_the_page_and_results_come_back_in_order() {
    let Some(b) = browser() else { return };
    let html = page();
    let out = b.run_clean(&json!([
        {"viewport": [400, 300]},
        {"goto": file_url(&html)},
        {"waitFor": "window.ready", "timeout": 5000},
        {"time": "ready"},
        {"eval": "innerWidth + 'x' + innerHeight"},
        {"click": [10, 20]},
        {"mouseDown": [50, 60]},
        {"mouseMove": [70, 80], "steps": 4},
        {"mouseUp": true},
        {"keyDown": "ArrowLeft"},
        {"keyUp": "ArrowLeft"},
        {"press": "Escape"},
        {"wheel": [0, 120]},
        {"wait": 50},
        {"waitFor": "events.some((e) => e[0] === 'wheel')"},
        {"eval": "events"},
        {"eval": "Promise.resolve(6 * 7)"},
        {"eval": "undefined"},
    ]));
    assert!(result(&out, 0)["ms"].as_u64().is_some(), "{out}");
    assert_eq!(result(&out, 0)["label"], "ready");
    assert_eq!(result(&out, 1), "400x300");
    assert_eq!(
        result(&out, 2),
        &json!([
            ["down", 10, 20],
            ["up", 10, 20],
            ["down", 50, 60],
            ["up", 70, 80],
            ["key", "ArrowLeft"],
            ["key", "Escape"],
            ["wheel", 1]
        ])
    );
    assert_eq!(result(&out, 3), 42);
    assert_eq!(result(&out, 4), &serde_json::Value::Null);
}

#[test]
fn console_errors_are_collected_and_a_failing_step_names_itself() {
    let Some(b) = browser() else { return };
    let html = page();
    let out = b.run(&json!([
        {"goto": file_url(&html)},
        {"eval": "console.error('deliberate'); setTimeout(() => { throw new Error('thrown'); }); 1"},
        {"wait": 100},
    ]));
    assert_eq!(browser::console_of(&out, "error"), ["deliberate"]);
    let errors = out["errors"].to_string();
    assert!(errors.contains("thrown"), "{out}");
    let failed = std::panic::catch_unwind(|| {
        b.run(&json!([
            {"goto": file_url(&html)},
            {"waitFor": "window.never", "timeout": 200},
        ]))
    });
    let msg = failed.expect_err("a timed-out waitFor fails");
    let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("step 1") && msg.contains("window.never"),
        "{msg}"
    );
}
