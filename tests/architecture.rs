//! The project's boundaries, checked on its sources:
//!
//! - the format library (`crates/qtvr-format`) depends on nothing of windows
//!   or GPUs: its manifest lists none of wgpu, winit, rfd, arboard, open;
//! - in the viewer (`src/`), only the window shell (`src/app/`) uses winit,
//!   only the renderer (`src/render/`) uses wgpu, the window shell does
//!   not reach into the command-line front end (`crate::cli`), and the viewer
//!   core (`src/viewer/`) uses none of the shell, the renderer and the
//!   command line;
//! - in the format library, only the ffmpeg fallbacks
//!   (`crates/qtvr-format/src/tiles/external.rs` for video,
//!   `crates/qtvr-format/src/sound/external.rs` for sound) start processes;
//! - in the viewer, only the sound output (`src/audio/output/`) loads a
//!   system library at run time (libloading) and holds `unsafe` code, and
//!   the viewer core uses no sound output.
//!
//! Sources are read as tokens with comments and string literals removed, so
//! docs may name the crates freely.

use std::path::{Path, PathBuf};

/// Crates of windows, GPUs and desktops that the format library must not use.
const DESKTOP_CRATES: [&str; 5] = ["wgpu", "winit", "rfd", "arboard", "open"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// `src` without comments, string literals and character literals (each
/// replaced by a space; line breaks kept).
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &src[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').map_or(b.len(), |n| i + n);
            out.push(' ');
            i = end;
        } else if rest.starts_with("/*") {
            // Block comments nest in Rust.
            let mut depth = 0;
            let mut j = i;
            while j < b.len() {
                if src[j..].starts_with("/*") {
                    depth += 1;
                    j += 2;
                } else if src[j..].starts_with("*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if b[j] == b'\n' {
                        out.push('\n');
                    }
                    j += 1;
                }
            }
            out.push(' ');
            i = j;
        } else if let Some(n) = raw_string_len(rest) {
            out.push(' ');
            out.extend(rest[..n].chars().filter(|&c| c == '\n'));
            i += n;
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                if b[j] == b'\\' {
                    j += 1;
                }
                if j < b.len() && b[j] == b'\n' {
                    out.push('\n');
                }
                j += 1;
            }
            out.push(' ');
            i = j + 1;
        } else if b[i] == b'\'' {
            // A character literal ('x', '\n', '\u{..}'), not a lifetime.
            let lit = if let Some(escaped) = rest.strip_prefix("'\\") {
                escaped.find('\'').map(|n| n + 3)
            } else {
                rest.char_indices()
                    .nth(2)
                    .filter(|&(_, c)| c == '\'')
                    .map(|(n, _)| n + 1)
            };
            match lit {
                Some(n) => {
                    out.push(' ');
                    i += n;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The length of the raw (byte) string literal `s` starts with, if any.
fn raw_string_len(s: &str) -> Option<usize> {
    let start = s.strip_prefix("br").or_else(|| s.strip_prefix('r'))?;
    let hashes = start.len() - start.trim_start_matches('#').len();
    let body = start[hashes..].strip_prefix('"')?;
    let close = format!("\"{}", "#".repeat(hashes));
    let end = body.find(&close)?;
    Some(s.len() - body.len() + end + close.len())
}

/// The identifiers and `::` paths of code (comments and strings removed),
/// with their line numbers: `crate::cli::render` is one token.
fn paths(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let mut cur = String::new();
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_alphanumeric() || c == '_' {
                cur.push(c);
            } else if c == ':' && chars.get(i + 1) == Some(&':') && !cur.is_empty() {
                cur.push_str("::");
                i += 1;
            } else if !c.is_whitespace() || !cur.ends_with("::") {
                if !cur.is_empty() {
                    out.push((n + 1, std::mem::take(&mut cur)));
                }
                if c == '{' || c == '}' || c == ',' || c == ';' {
                    out.push((n + 1, c.to_string()));
                }
            }
            i += 1;
        }
        if !cur.is_empty() {
            out.push((n + 1, cur));
        }
    }
    out
}

/// Where `code` uses the crate or module `name`: a path whose first segment
/// is `name` (`wgpu::Device`, `use winit;`), or — for `crate::NAME` —
/// `crate::NAME…`, `super::…::NAME…` and `NAME` inside a `use crate::{…}`
/// group.
fn uses(code: &str, name: &str) -> Vec<usize> {
    let toks = paths(code);
    let mut lines = Vec::new();
    let mut group_depth = 0usize;
    let mut prev_use = false;
    for (k, (line, t)) in toks.iter().enumerate() {
        let first = t.split("::").next().unwrap_or("");
        let hit = if let Some(module) = name.strip_prefix("crate::") {
            let in_crate = t == name || t.starts_with(&format!("{name}::"));
            // `super::super::cli` from a submodule.
            let mut rest = t.as_str();
            while let Some(r) = rest.strip_prefix("super::") {
                rest = r;
            }
            let via_super = rest.len() < t.len() && rest.split("::").next() == Some(module);
            let in_group = group_depth == 1 && first == module;
            in_crate || via_super || in_group
        } else {
            first == name
        };
        if hit {
            lines.push(*line);
        }
        // Track `use crate::{ ... }` groups (with nesting).
        if name.starts_with("crate::") {
            if t == "{" && group_depth > 0 {
                group_depth += 1;
            } else if t == "{" && k > 0 && toks[k - 1].1 == "crate::" && prev_use {
                group_depth = 1;
            } else if t == "}" && group_depth > 0 {
                group_depth -= 1;
            }
            if t == "use" {
                prev_use = true;
            } else if t == ";" {
                prev_use = false;
            }
        }
    }
    lines
}

/// Files of `src/` (relative paths, `/`-separated) using `name` outside the
/// folders or files `allowed`, with the lines.
fn violations(name: &str, allowed: &[&str], forbidden_in: Option<&str>) -> Vec<String> {
    let src = root().join("src");
    let mut out = Vec::new();
    for f in rust_files(&src) {
        let rel = f
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let checked = match forbidden_in {
            Some(dir) => rel.starts_with(dir),
            None => !allowed.iter().any(|a| rel.starts_with(a)),
        };
        if !checked {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let lines = uses(&code_only(&text), name);
        if !lines.is_empty() {
            out.push(format!("{rel}: lines {lines:?}"));
        }
    }
    out
}

#[test]
fn only_the_window_shell_uses_winit() {
    let v = violations("winit", &["src/app/"], None);
    assert!(
        v.is_empty(),
        "winit is used outside src/app/ (the window shell): {v:#?}"
    );
}

#[test]
fn only_the_renderer_uses_wgpu() {
    let v = violations("wgpu", &["src/render/"], None);
    assert!(
        v.is_empty(),
        "wgpu is used outside src/render/ (the renderer): {v:#?}"
    );
}

#[test]
fn the_viewer_core_uses_neither_the_shell_nor_the_renderer() {
    let mut v = violations("crate::app", &[], Some("src/viewer/"));
    v.extend(violations("crate::render", &[], Some("src/viewer/")));
    v.extend(violations("crate::cli", &[], Some("src/viewer/")));
    assert!(
        v.is_empty(),
        "src/viewer/ (the viewer core, plain data) uses the shell, renderer or command line: {v:#?}"
    );
}

#[test]
fn only_the_sound_output_loads_libraries_and_holds_unsafe_code() {
    let v = violations("libloading", &["src/audio/output/"], None);
    assert!(
        v.is_empty(),
        "libloading is used outside src/audio/output/: {v:#?}"
    );
    // `unsafe` (blocks, impls, the lint's name) only in the ALSA binding.
    let mut seen = 0;
    let mut outside = Vec::new();
    for f in rust_files(&root().join("src")) {
        let code = code_only(&std::fs::read_to_string(&f).unwrap());
        let lines: Vec<usize> = paths(&code)
            .into_iter()
            .filter(|(_, t)| t == "unsafe" || t == "unsafe_code")
            .map(|(l, _)| l)
            .collect();
        if f.ends_with("src/audio/output/alsa.rs") {
            seen = lines.len();
        } else if f.ends_with("src/lib.rs") || f.ends_with("src/main.rs") {
            // `#![deny(unsafe_code)]`, `#![forbid(unsafe_code)]`: their one mention.
            assert_eq!(lines.len(), 1, "{}: {lines:?}", f.display());
        } else if !lines.is_empty() {
            outside.push(format!("{}: lines {lines:?}", f.display()));
        }
    }
    assert!(seen > 0, "the scanner sees the ALSA binding's unsafe code");
    assert!(
        outside.is_empty(),
        "unsafe code outside src/audio/output/alsa.rs: {outside:#?}"
    );
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    assert!(lib.contains("#![deny(unsafe_code)]"));
    let main = std::fs::read_to_string(root().join("src/main.rs")).unwrap();
    assert!(main.contains("#![forbid(unsafe_code)]"));
}

#[test]
fn the_viewer_core_plays_no_sound_itself() {
    let v = violations("crate::audio", &[], Some("src/viewer/"));
    assert!(v.is_empty(), "src/viewer/ uses crate::audio: {v:#?}");
}

#[test]
fn the_window_shell_does_not_use_the_command_line() {
    let v = violations("crate::cli", &[], Some("src/app/"));
    assert!(
        v.is_empty(),
        "src/app/ uses crate::cli (move what both need into a shared module): {v:#?}"
    );
}

/// Where `code` starts processes or names what does (`std::process::Command`,
/// `Child`, `Stdio`, a `use std::process` and `Command::new`): the lines.
/// `std::process::id()` does not count.
fn process_uses(code: &str) -> Vec<usize> {
    paths(code)
        .into_iter()
        .filter(|(_, t)| {
            t == "std::process"
                || (t.starts_with("std::process::") && t != "std::process::id")
                || t.starts_with("Command::")
        })
        .map(|(line, _)| line)
        .collect()
}

#[test]
fn only_the_ffmpeg_fallbacks_start_processes_in_the_format_library() {
    let lib = root().join("crates/qtvr-format/src");
    let allowed = [lib.join("tiles/external.rs"), lib.join("sound/external.rs")];
    let mut v = Vec::new();
    let mut seen_allowed = 0;
    for f in rust_files(&lib) {
        let lines = process_uses(&code_only(&std::fs::read_to_string(&f).unwrap()));
        if allowed.contains(&f) {
            seen_allowed += usize::from(!lines.is_empty());
        } else if !lines.is_empty() {
            v.push(format!("{}: lines {lines:?}", f.display()));
        }
    }
    assert_eq!(
        seen_allowed, 2,
        "the scanner sees the fallbacks' own process use"
    );
    assert!(
        v.is_empty(),
        "the format library starts processes outside the ffmpeg fallbacks: {v:#?}"
    );
}

/// The dependency names (after `package = ` renames too) a Cargo manifest
/// lists in its dependency tables.
fn dependencies(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_deps = false;
    for line in manifest.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.starts_with('[') {
            let table = line.trim_matches(|c| c == '[' || c == ']').trim();
            let parts: Vec<&str> = table.split('.').map(str::trim).collect();
            let dep_table = parts.iter().position(|p| p.ends_with("dependencies"));
            in_deps = false;
            match dep_table {
                // `[dependencies.wgpu]`
                Some(i) if i + 1 < parts.len() => out.push(parts[i + 1].trim_matches('"').into()),
                Some(_) => in_deps = true,
                None => {}
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("package")
            && let Some(v) = rest.trim_start().strip_prefix('=')
        {
            out.push(v.trim().trim_matches('"').to_string());
        }
        if in_deps && let Some((key, value)) = line.split_once('=') {
            out.push(key.trim().trim_matches('"').to_string());
            // `x = { package = "wgpu", ... }`
            if let Some(p) = value.split("package").nth(1)
                && let Some(v) = p.split('"').nth(1)
            {
                out.push(v.to_string());
            }
        }
    }
    out
}

#[test]
fn the_format_library_depends_on_no_window_or_gpu_crate() {
    for krate in ["crates/qtvr-format", "crates/qtvr-demo"] {
        let path = root().join(krate).join("Cargo.toml");
        let manifest =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let deps = dependencies(&manifest);
        assert!(
            deps.iter().any(|d| d == "image" || d == "qtvr-format"),
            "{krate}: the manifest's dependencies were not found: {deps:?}"
        );
        let bad: Vec<_> = deps
            .iter()
            .filter(|d| DESKTOP_CRATES.contains(&d.as_str()))
            .collect();
        assert!(bad.is_empty(), "{krate} depends on {bad:?}");
    }
}

#[test]
fn the_scanner_sees_uses_and_skips_comments_and_strings() {
    let code = code_only(
        "//! wgpu in docs\n\
         /* wgpu /* nested */ winit */\n\
         let s = \"wgpu::Device\"; let r = r#\"winit\"#; let c = '\"';\n\
         use wgpu::TextureFormat;\n\
         fn f<'a>(x: &'a winit::window::Window) {}\n\
         let t = crate::cli::render::save;\n\
         use crate::{\n    view::View,\n    cli,\n};\n\
         use crate::render::{clear, image_file, cli};\n\
         use super::super::cli::render;\n",
    );
    assert_eq!(uses(&code, "wgpu"), vec![4]);
    assert_eq!(uses(&code, "winit"), vec![5]);
    assert_eq!(uses(&code, "crate::cli"), vec![6, 9, 12]);
    assert_eq!(uses(&code, "open"), Vec::<usize>::new());
    let spawn = code_only(
        "// std::process::Command\nlet p = std::process::id();\nuse std::process::{Command, Stdio};\nlet c = Command::new(\"ffmpeg\");\n",
    );
    assert_eq!(process_uses(&spawn), vec![3, 4]);
    let deps = dependencies(
        "[package]\nname = \"x\"\n[dependencies]\nimage = \"1\" # wgpu\ngpu = { package = \"wgpu\", version = \"1\" }\n\
         [target.'cfg(unix)'.dependencies.winit]\nversion = \"1\"\n[dev-dependencies]\nrfd = \"1\"\n",
    );
    assert_eq!(deps, ["image", "gpu", "wgpu", "winit", "rfd"]);
}
