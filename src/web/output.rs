//! Output folders that appear complete or not at all: everything is written
//! into a hidden temporary folder beside the destination, which is renamed
//! into place only when the export succeeded. An existing non-empty folder is
//! replaced only when asked (`--force`), and then only after the new one is
//! complete.

use std::path::{Path, PathBuf};

/// A folder being written; [`AtomicDir::finish`] puts it in place, dropping it
/// unfinished removes it.
#[derive(Debug)]
pub struct AtomicDir {
    dest: PathBuf,
    tmp: PathBuf,
    done: bool,
}

fn sibling(dest: &Path, tag: &str) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    dest.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

impl AtomicDir {
    /// Starts writing `dest`. Fails before anything is written when `dest`
    /// is a file, or a non-empty folder and `force` is false.
    pub fn new(dest: &Path, force: bool) -> Result<AtomicDir, String> {
        if dest.as_os_str().is_empty() || dest.file_name().is_none() {
            return Err(format!(
                "'{}' is not a folder name to write",
                dest.display()
            ));
        }
        match std::fs::metadata(dest) {
            Ok(m) if !m.is_dir() => {
                return Err(format!("{} exists and is not a folder", dest.display()));
            }
            Ok(_) => {
                let non_empty = std::fs::read_dir(dest)
                    .map_err(|e| format!("cannot read {}: {e}", dest.display()))?
                    .next()
                    .is_some();
                if non_empty && !force {
                    return Err(format!(
                        "{} exists and is not empty; use --force to replace it",
                        dest.display()
                    ));
                }
            }
            Err(_) => {}
        }
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let tmp = sibling(dest, "qtvr-partial");
        if tmp.exists() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        std::fs::create_dir(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        Ok(AtomicDir {
            dest: dest.to_path_buf(),
            tmp,
            done: false,
        })
    }

    /// Where to write.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The folder the export will be.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Moves the finished folder into place (replacing an old one).
    pub fn finish(mut self) -> Result<(), String> {
        let old = sibling(&self.dest, "qtvr-old");
        let had_old = self.dest.exists();
        if had_old {
            std::fs::rename(&self.dest, &old)
                .map_err(|e| format!("cannot move {} aside: {e}", self.dest.display()))?;
        }
        if let Err(e) = std::fs::rename(&self.tmp, &self.dest) {
            if had_old {
                let _ = std::fs::rename(&old, &self.dest);
            }
            return Err(format!("cannot create {}: {e}", self.dest.display()));
        }
        self.done = true;
        if had_old {
            let _ = std::fs::remove_dir_all(&old);
        }
        Ok(())
    }
}

impl Drop for AtomicDir {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("qtvr-atomic-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn appears_only_when_finished() {
        let d = scratch("finish");
        let dest = d.join("out");
        let a = AtomicDir::new(&dest, false).unwrap();
        std::fs::write(a.path().join("x"), b"1").unwrap();
        assert!(!dest.exists());
        a.finish().unwrap();
        assert_eq!(std::fs::read(dest.join("x")).unwrap(), b"1");
        // Nothing else is left beside it.
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
    }

    #[test]
    fn dropped_unfinished_leaves_nothing() {
        let d = scratch("drop");
        let dest = d.join("out");
        {
            let a = AtomicDir::new(&dest, false).unwrap();
            std::fs::write(a.path().join("x"), b"1").unwrap();
        }
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 0);
    }

    #[test]
    fn non_empty_folders_need_force() {
        let d = scratch("force");
        let dest = d.join("out");
        std::fs::create_dir_all(&dest).unwrap();
        std::fs::write(dest.join("old"), b"old").unwrap();
        let e = AtomicDir::new(&dest, false).unwrap_err();
        assert!(e.contains("--force"), "{e}");
        assert_eq!(std::fs::read(dest.join("old")).unwrap(), b"old");
        let a = AtomicDir::new(&dest, true).unwrap();
        std::fs::write(a.path().join("new"), b"new").unwrap();
        // Until finished, the old folder is untouched.
        assert!(dest.join("old").exists());
        a.finish().unwrap();
        assert!(!dest.join("old").exists());
        assert!(dest.join("new").exists());
        // An empty folder is fine without --force; a file is never replaced.
        let empty = d.join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        AtomicDir::new(&empty, false).unwrap().finish().unwrap();
        std::fs::write(d.join("file"), b"").unwrap();
        assert!(AtomicDir::new(&d.join("file"), true).is_err());
    }
}
