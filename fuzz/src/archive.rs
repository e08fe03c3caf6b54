//! The body of the fuzz target `archive`: the bytes as a zip archive that
//! `qtvr convert` finds among its inputs (members extracted, names decoded,
//! `__MACOSX` AppleDouble members paired with their files, zips in zips, every
//! file told apart by content), then the movies found opened. Not part of the
//! `qtvr_fuzz` library (it needs the root package): the target and
//! `tests/corrupt_replay.rs` include it as a module.

use std::path::Path;

use qtvr::convert::discover::{self, Limits};

/// Movies found in the archive that are opened (scene read, nothing decoded).
const MOVIES: usize = 4;

/// The discovery's limits: the defaults, with extraction capped small enough
/// for the fuzzer (each input's members are written to disk).
fn limits() -> Limits {
    Limits {
        zip_floor: 8 << 20,
        zip_total: 32 << 20,
        zip_members: 2000,
        ..Limits::default()
    }
}

/// Target `archive`: `data` written to `dir/in.zip` and discovered, with
/// `dir/work` as the scratch folder; `dir` is emptied afterwards.
pub fn archive(data: &[u8], dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let zip = dir.join("in.zip");
    if std::fs::write(&zip, data).is_ok() {
        let found = discover::discover_with(&[zip], &dir.join("work"), &limits());
        for f in found
            .found
            .iter()
            .filter(|f| {
                matches!(
                    f.kind,
                    discover::FoundKind::Qtvr { .. } | discover::FoundKind::Movie
                )
            })
            .take(MOVIES)
        {
            let _ = qtvr_format::qtvr::open(&f.open);
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}
