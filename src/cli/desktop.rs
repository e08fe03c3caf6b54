//! `qtvr install-desktop` / `qtvr uninstall-desktop`: a desktop entry, an
//! icon and the MIME association (`video/quicktime`: `.mov`, `.qt`, `.qtvr`)
//! for the current user, following the freedesktop.org specifications (files
//! under `$XDG_DATA_HOME`, the default application in
//! `$XDG_CONFIG_HOME/mimeapps.list`), so that a file manager opens QuickTime
//! movies in the viewer on a double-click.

use std::path::{Path, PathBuf};

/// The desktop entry's file name.
pub const DESKTOP_FILE: &str = "qtvr.desktop";
const MIME: &str = "video/quicktime";

/// Where the files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    /// `$XDG_DATA_HOME` (default `~/.local/share`).
    pub data: PathBuf,
    /// `$XDG_CONFIG_HOME` (default `~/.config`).
    pub config: PathBuf,
}

impl Dirs {
    /// The current user's folders from the environment.
    pub fn from_env() -> Result<Dirs, String> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let pick = |var: &str, fallback: &str| -> Result<PathBuf, String> {
            match std::env::var_os(var).map(PathBuf::from) {
                Some(p) if p.is_absolute() => Ok(p),
                _ => home
                    .as_ref()
                    .map(|h| h.join(fallback))
                    .ok_or_else(|| format!("neither {var} nor HOME is set")),
            }
        };
        Ok(Dirs {
            data: pick("XDG_DATA_HOME", ".local/share")?,
            config: pick("XDG_CONFIG_HOME", ".config")?,
        })
    }

    fn desktop(&self) -> PathBuf {
        self.data.join("applications").join(DESKTOP_FILE)
    }
    fn mime_package(&self) -> PathBuf {
        self.data.join("mime/packages/qtvr.xml")
    }
    fn icon(&self) -> PathBuf {
        self.data.join("icons/hicolor/scalable/apps/qtvr.svg")
    }
    fn mimeapps(&self) -> PathBuf {
        self.config.join("mimeapps.list")
    }
}

/// The desktop entry running `exe`.
pub fn desktop_entry(exe: &Path) -> String {
    format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=QuickTime VR Viewer\n\
         GenericName=Panorama Viewer\n\
         Comment=Look around in QuickTime VR panoramas, objects and tours\n\
         Exec={} %f\n\
         Icon=qtvr\n\
         Terminal=false\n\
         Categories=Graphics;Viewer;\n\
         MimeType={MIME};\n\
         Keywords=QTVR;panorama;QuickTime;VR;\n",
        exec_quote(&exe.display().to_string())
    )
}

/// Quotes an Exec argument (desktop entry specification, "The Exec key").
fn exec_quote(s: &str) -> String {
    let reserved = |c: char| " \t\n\"'\\><~|&;$*?#()`=%".contains(c);
    let s = s.replace('%', "%%");
    if !s.chars().any(reserved) {
        return s;
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

const MIME_PACKAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="video/quicktime">
    <comment>QuickTime movie</comment>
    <glob pattern="*.mov"/>
    <glob pattern="*.qt"/>
    <glob pattern="*.qtvr"/>
  </mime-type>
</mime-info>
"#;

/// A self-made icon: a panorama band around a sphere.
const ICON: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <circle cx="32" cy="32" r="28" fill="#2b3a55"/>
  <ellipse cx="32" cy="32" rx="28" ry="10" fill="none" stroke="#ffc43c" stroke-width="4"/>
  <path d="M10 40 L22 28 L30 36 L40 24 L54 40 Z" fill="#8fc46a"/>
  <circle cx="44" cy="18" r="5" fill="#ffe9a0"/>
</svg>
"##;

/// What was written or removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub files: Vec<PathBuf>,
    pub notes: Vec<String>,
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Installs the entry, icon and association for `exe`.
pub fn install(exe: &Path, dirs: &Dirs) -> Result<Report, String> {
    let mut r = Report::default();
    for (path, text) in [
        (dirs.desktop(), desktop_entry(exe)),
        (dirs.mime_package(), MIME_PACKAGE.to_string()),
        (dirs.icon(), ICON.to_string()),
    ] {
        write(&path, &text)?;
        r.files.push(path);
    }
    let apps = dirs.mimeapps();
    let old = read_optional(&apps)?;
    write(&apps, &set_default(&old, MIME, Some(DESKTOP_FILE)))?;
    r.files.push(apps);
    refresh_caches(dirs, &mut r);
    Ok(r)
}

/// Removes what [`install`] wrote (the association only if it is still ours).
pub fn uninstall(dirs: &Dirs) -> Result<Report, String> {
    let mut r = Report::default();
    for path in [dirs.desktop(), dirs.mime_package(), dirs.icon()] {
        match std::fs::remove_file(&path) {
            Ok(()) => r.files.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    let apps = dirs.mimeapps();
    let old = read_optional(&apps)?;
    let new = set_default(&old, MIME, None);
    if new != old {
        write(&apps, &new)?;
        r.files.push(apps);
    }
    refresh_caches(dirs, &mut r);
    Ok(r)
}

fn read_optional(path: &Path) -> Result<String, String> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Runs the cache tools when they are installed (they are optional).
fn refresh_caches(dirs: &Dirs, r: &mut Report) {
    for (tool, dir) in [
        ("update-mime-database", dirs.data.join("mime")),
        ("update-desktop-database", dirs.data.join("applications")),
    ] {
        if !dir.is_dir() {
            continue;
        }
        match std::process::Command::new(tool)
            .arg(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
        {
            Ok(s) if s.success() => r.notes.push(format!("ran {tool}")),
            Ok(s) => r.notes.push(format!("{tool} failed ({s})")),
            Err(_) => r.notes.push(format!(
                "{tool} is not installed (the desktop may need a re-login to notice)"
            )),
        }
    }
}

/// `mimeapps.list` text with `mime`'s default application set to `app` (or,
/// for `None`, the entry removed when it is ours); everything else kept.
pub fn set_default(text: &str, mime: &str, app: Option<&str>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut in_defaults = false;
    let mut seen_section = false;
    let mut done = false;
    let key = format!("{mime}=");
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            if in_defaults && !done {
                if let Some(app) = app {
                    out.push(format!("{mime}={app};"));
                }
                done = true;
            }
            in_defaults = t == "[Default Applications]";
            seen_section |= in_defaults;
            out.push(line.to_string());
            continue;
        }
        if in_defaults && t.starts_with(&key) {
            match app {
                Some(app) => {
                    if !done {
                        out.push(format!("{mime}={app};"));
                        done = true;
                    }
                }
                None => {
                    let ours = t[key.len()..]
                        .split(';')
                        .next()
                        .is_some_and(|a| a == DESKTOP_FILE);
                    if !ours {
                        out.push(line.to_string());
                    }
                }
            }
            continue;
        }
        out.push(line.to_string());
    }
    if let Some(app) = app
        && !done
    {
        if !seen_section {
            if out.last().is_some_and(|l| !l.trim().is_empty()) {
                out.push(String::new());
            }
            out.push("[Default Applications]".into());
        }
        out.push(format!("{mime}={app};"));
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mimeapps_entries_are_set_and_removed_keeping_the_rest() {
        let fresh = set_default("", MIME, Some(DESKTOP_FILE));
        assert_eq!(
            fresh,
            "[Default Applications]\nvideo/quicktime=qtvr.desktop;\n"
        );
        let other = "[Added Associations]\nimage/png=gimp.desktop;\n\n[Default Applications]\ntext/plain=gedit.desktop;\nvideo/quicktime=vlc.desktop;\n";
        let set = set_default(other, MIME, Some(DESKTOP_FILE));
        assert_eq!(
            set,
            "[Added Associations]\nimage/png=gimp.desktop;\n\n[Default Applications]\ntext/plain=gedit.desktop;\nvideo/quicktime=qtvr.desktop;\n"
        );
        // The section without our type: the entry goes at the section's end.
        let mid = "[Default Applications]\ntext/plain=gedit.desktop;\n[Other]\nx=y\n";
        assert_eq!(
            set_default(mid, MIME, Some(DESKTOP_FILE)),
            "[Default Applications]\ntext/plain=gedit.desktop;\nvideo/quicktime=qtvr.desktop;\n[Other]\nx=y\n"
        );
        let removed = set_default(&set, MIME, None);
        assert_eq!(
            removed,
            "[Added Associations]\nimage/png=gimp.desktop;\n\n[Default Applications]\ntext/plain=gedit.desktop;\n"
        );
        // Someone else's default stays.
        assert_eq!(set_default(other, MIME, None), other);
    }

    #[test]
    fn exec_paths_are_quoted() {
        assert_eq!(exec_quote("/usr/bin/qtvr"), "/usr/bin/qtvr");
        assert_eq!(exec_quote("/home/a b/qtvr"), "\"/home/a b/qtvr\"");
        assert_eq!(exec_quote("/x/$q\"`"), "\"/x/\\$q\\\"\\`\"");
        assert_eq!(exec_quote("/x/50%"), "\"/x/50%%\"");
        let e = desktop_entry(Path::new("/opt/q tvr/qtvr"));
        assert!(e.contains("Exec=\"/opt/q tvr/qtvr\" %f\n"));
        assert!(e.contains("MimeType=video/quicktime;\n"));
    }

    #[test]
    fn install_then_uninstall() {
        let root = std::env::temp_dir().join(format!("qtvr-desktop-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dirs = Dirs {
            data: root.join("data"),
            config: root.join("config"),
        };
        std::fs::create_dir_all(&dirs.config).unwrap();
        std::fs::write(
            dirs.mimeapps(),
            "[Default Applications]\nimage/png=eog.desktop;\n",
        )
        .unwrap();
        let r = install(Path::new("/usr/local/bin/qtvr"), &dirs).unwrap();
        assert_eq!(r.files.len(), 4);
        let entry = std::fs::read_to_string(dirs.desktop()).unwrap();
        assert!(entry.contains("Exec=/usr/local/bin/qtvr %f"));
        let pkg = std::fs::read_to_string(dirs.mime_package()).unwrap();
        for ext in ["*.mov", "*.qt", "*.qtvr"] {
            assert!(pkg.contains(ext), "{ext}");
        }
        let apps = std::fs::read_to_string(dirs.mimeapps()).unwrap();
        assert!(apps.contains("image/png=eog.desktop;"));
        assert!(apps.contains("video/quicktime=qtvr.desktop;"));
        // Installing twice changes nothing.
        install(Path::new("/usr/local/bin/qtvr"), &dirs).unwrap();
        assert_eq!(std::fs::read_to_string(dirs.mimeapps()).unwrap(), apps);
        let u = uninstall(&dirs).unwrap();
        assert_eq!(u.files.len(), 4);
        assert!(!dirs.desktop().exists() && !dirs.icon().exists() && !dirs.mime_package().exists());
        assert_eq!(
            std::fs::read_to_string(dirs.mimeapps()).unwrap(),
            "[Default Applications]\nimage/png=eog.desktop;\n"
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
