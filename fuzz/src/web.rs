//! The body of the fuzz target `web_plan` (`qtvr export --to web` of a
//! loaded movie). Not part of the `qtvr_fuzz` library, which uses only
//! `qtvr-format`: the target and `tests/corrupt_replay.rs` include it as a
//! module, beside the harness's [`Bytes`] and [`web_fits`] (`super::`).

use super::{Bytes, web_fits};
use qtvr_format::qtvr as scene;

/// Target `web_plan`: the bytes loaded as a movie, its `qtvr info` text and
/// JSON made, and (when [`web_fits`]) exported with `qtvr export --to web`
/// into `dir`, which the call empties afterwards.
pub fn web_plan(data: &[u8], dir: &std::path::Path) {
    let src = Bytes(data);
    let Ok(loaded) = scene::load(&src) else {
        return;
    };
    let _ = qtvr::cli::info::to_json("fuzz.mov", data.len() as u64, &loaded);
    let _ = qtvr::cli::info::to_text("fuzz.mov", &loaded);
    let Some(sc) = &loaded.scene else {
        return;
    };
    if !web_fits(&loaded) {
        return;
    }
    let _ = std::fs::remove_dir_all(dir);
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let opts = qtvr::web::WebOptions {
        nodes: None,
        source_name: Some("fuzz.mov".into()),
    };
    let _ = qtvr::web::export_web(&src, &loaded.movie, sc, dir, &opts);
    let _ = std::fs::remove_dir_all(dir);
}
