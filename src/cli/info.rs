//! `qtvr info`: the scene and tracks, as text or as JSON.
//!
//! The JSON schema (documented in docs/cli.md, version 1):
//! `{ schema, file, file_size, forks: null | {how, finder: null | {type,
//! creator}, moov_resource}, quicktime: {timescale, duration, compressed_header,
//! tracks: [...]}, qtvr: null | {version, controller, name, default_node, nodes:
//! [...]}, warnings: [...] }`.

use std::fmt::Write as _;

use serde::Serialize;

use qtvr_format::container::{FourCC, Movie, Track};
use qtvr_format::error::Warning;
use qtvr_format::mac::Origin;
use qtvr_format::qtvr::{
    HotSpot, Loaded, Node, NodeContent, ObjectNode, Panorama, Projection, Scene, TrackId, TrackUse,
};
use qtvr_format::tiles::Fallback;
use qtvr_format::tiles::external::{self, Decoding};

/// Version of the JSON layout.
pub const SCHEMA: u32 = 1;

#[derive(Serialize)]
struct RefSummary {
    #[serde(rename = "type")]
    kind: FourCC,
    track_ids: Vec<u32>,
}

#[derive(Serialize)]
struct TrackSummary<'a> {
    id: TrackId,
    handler: FourCC,
    handler_name: &'a str,
    enabled: bool,
    codecs: Vec<FourCC>,
    sample_count: usize,
    media_timescale: u32,
    width: f64,
    height: f64,
    depth: Option<i16>,
    references: Vec<RefSummary>,
    edits: usize,
    external_data: Vec<String>,
    /// How its video samples are decoded: "native", "ffmpeg", "needs
    /// ffmpeg" (none found: placeholders), "unsupported"; null when the
    /// track has no video description.
    decoder: Option<&'static str>,
}

fn track_summary(t: &Track) -> TrackSummary<'_> {
    let mut codecs: Vec<FourCC> = t.descriptions.iter().map(|d| d.format).collect();
    codecs.dedup();
    TrackSummary {
        id: t.id,
        handler: t.handler,
        handler_name: &t.handler_name,
        enabled: t.enabled,
        codecs,
        sample_count: t.samples.len()
            + t.sound_chunks.as_ref().map_or(0, |c| {
                c.chunks.iter().map(|k| k.samples as usize).sum::<usize>()
            }),
        media_timescale: t.media_timescale,
        width: t.width,
        height: t.height,
        depth: t
            .descriptions
            .first()
            .and_then(|d| d.video.as_ref())
            .map(|v| v.depth),
        references: t
            .references
            .iter()
            .map(|r| RefSummary {
                kind: r.kind,
                track_ids: r.track_ids.clone(),
            })
            .collect(),
        edits: t.edits.len(),
        external_data: external_refs(t),
        decoder: decoding(t).map(|d| match d {
            Decoding::Native => "native",
            Decoding::Ffmpeg(_) => "ffmpeg",
            Decoding::NeedsFfmpeg(_) => "needs ffmpeg",
            Decoding::Unsupported(_) => "unsupported",
        }),
    }
}

/// How a track's video samples are decoded (ffmpeg looked up as the viewer does).
fn decoding(t: &Track) -> Option<Decoding> {
    external::decoding(t, &Fallback::Auto)
}

/// What the report adds to a video track that is not decoded natively.
fn decoding_text(t: &Track) -> String {
    match decoding(t) {
        Some(Decoding::Ffmpeg(_)) => " — decoded by ffmpeg".into(),
        Some(Decoding::NeedsFfmpeg(c)) => format!(
            " — codec '{c}' needs ffmpeg (not found; install it or set {}): shown as a grey checkerboard",
            external::ENV
        ),
        Some(Decoding::Unsupported(why)) => format!(" — {why}: shown as a grey checkerboard"),
        Some(Decoding::Native) | None => String::new(),
    }
}

/// Data references that point outside this file (followed by `qtvr::open`
/// where the file is here).
fn external_refs(t: &Track) -> Vec<String> {
    t.data_refs
        .iter()
        .filter(|d| !d.self_contained)
        .map(|d| match &d.url {
            Some(u) => format!("'{}' {u}", d.kind),
            None => format!("'{}'", d.kind),
        })
        .collect()
}

#[derive(Serialize)]
struct Report<'a> {
    schema: u32,
    file: &'a str,
    file_size: u64,
    forks: Option<&'a Origin>,
    /// Reference movies followed to reach this movie (outermost first).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    references: &'a [qtvr_format::qtvr::Reference],
    /// Other files the media was found in.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    media_files: &'a [String],
    quicktime: QuickTime<'a>,
    qtvr: Option<&'a Scene>,
    /// The sound tracks (see [`SoundSummary`]).
    sound: Vec<SoundSummary>,
    warnings: &'a [Warning],
}

/// A sound track: its codec, rate, channels, length, and which node or
/// views it belongs to; or why it cannot be read.
#[derive(Serialize)]
struct SoundSummary {
    track: TrackId,
    #[serde(skip_serializing_if = "Option::is_none")]
    info: Option<qtvr_format::sound::SoundTrackInfo>,
    /// What the codec is, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    codec_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    placement: Option<qtvr_format::sound::Placement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn sound_summaries(l: &Loaded) -> Vec<SoundSummary> {
    qtvr_format::sound::sound_tracks(&l.movie)
        .map(|t| match qtvr_format::sound::track_info(&l.movie, t) {
            Ok(info) => SoundSummary {
                track: t.id,
                codec_name: Some(info.codec.describe()),
                placement: l.scene.as_ref().map(|s| {
                    qtvr_format::sound::place(
                        s,
                        l.movie.timescale,
                        info.start,
                        info.start + info.seconds,
                    )
                }),
                info: Some(info),
                error: None,
            },
            Err(e) => SoundSummary {
                track: t.id,
                info: None,
                codec_name: None,
                placement: None,
                error: Some(e.to_string()),
            },
        })
        .collect()
}

/// The sound tracks, one paragraph each.
fn sound_text(o: &mut String, l: &Loaded) {
    let all = sound_summaries(l);
    if all.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "
sound:"
    );
    for s in all {
        let (Some(info), Some(name)) = (&s.info, &s.codec_name) else {
            let _ = writeln!(
                o,
                "  track {}: cannot be read: {}",
                s.track,
                s.error.unwrap_or_default()
            );
            continue;
        };
        let d = &info.description;
        let _ = writeln!(
            o,
            "  track {}{}: {name} ('{}', version {} description), {} Hz, {} channel{}, {:.2} s from {:.2} s",
            s.track,
            if info.enabled { "" } else { " (disabled)" },
            d.format,
            d.version,
            trim_rate(d.rate),
            d.channels,
            if d.channels == 1 { "" } else { "s" },
            info.seconds,
            info.start,
        );
        let Some(p) = &s.placement else { continue };
        use qtvr_format::sound::SoundRole;
        let line = match p.role {
            SoundRole::Node(n) => {
                let part = p.parts.first();
                format!(
                    "node {n}'s sound, looping while the node shows{}",
                    part.map(|q| format!(" ({:.2}–{:.2} s)", q.start, q.end))
                        .unwrap_or_default()
                )
            }
            SoundRole::Views(n) => {
                let mut views: Vec<String> = p
                    .parts
                    .iter()
                    .take(8)
                    .filter_map(|q| {
                        q.view
                            .map(|[r, c]| format!("r{r}c{c} {:.2}–{:.2} s", q.start, q.end))
                    })
                    .collect();
                if p.parts.len() > 8 {
                    views.push(format!("… {} views in all", p.parts.len()));
                }
                format!(
                    "object node {n}, a part for each view: {}",
                    views.join(", ")
                )
            }
            SoundRole::Movie => "plays across the whole movie, whatever node shows".into(),
        };
        let _ = writeln!(o, "    {line}");
    }
}

/// A sample rate without needless decimals: 22050, 22254.55.
fn trim_rate(r: f64) -> String {
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.2}")
    }
}

#[derive(Serialize)]
struct QuickTime<'a> {
    timescale: u32,
    duration: u64,
    compressed_header: bool,
    controller: Option<FourCC>,
    tracks: Vec<TrackSummary<'a>>,
}

fn warnings(l: &Loaded) -> &[Warning] {
    match &l.scene {
        Some(s) => &s.warnings,
        None => &l.movie.warnings,
    }
}

/// The JSON report.
pub fn to_json(file: &str, file_size: u64, l: &Loaded) -> String {
    let m: &Movie = &l.movie;
    let r = Report {
        schema: SCHEMA,
        file,
        file_size,
        forks: l.origin.as_ref(),
        references: &l.references,
        media_files: &l.media_files,
        quicktime: QuickTime {
            timescale: m.timescale,
            duration: m.duration,
            compressed_header: m.compressed_header,
            controller: l.controller,
            tracks: m.tracks.iter().map(track_summary).collect(),
        },
        qtvr: l.scene.as_ref(),
        sound: sound_summaries(l),
        warnings: warnings(l),
    };
    serde_json::to_string_pretty(&r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// A node's track: ID, codec, samples, size, depth; and, for a codec that
/// ffmpeg decodes (or would), the same mark as in the track list.
fn track_line(u: &TrackUse, m: &Movie) -> String {
    let mark = match m
        .tracks
        .iter()
        .find(|t| t.id == u.track_id)
        .and_then(decoding)
    {
        Some(Decoding::Ffmpeg(_)) => " (decoded by ffmpeg)",
        Some(Decoding::NeedsFfmpeg(_)) => " (needs ffmpeg, not found)",
        _ => "",
    };
    format!(
        "track {} '{}', samples {}..{} ({}), {}x{} depth {}{mark}",
        u.track_id,
        u.codec,
        u.first_sample,
        u.first_sample + u.sample_count.saturating_sub(1),
        u.sample_count,
        u.width,
        u.height,
        u.depth
    )
}

/// Where the movie came from, for a Mac file (nothing for a plain file
/// that holds the whole movie).
fn origin_text(o: &Origin) -> Option<String> {
    if o.how == "a plain file" && o.finder.is_none() && o.moov_resource.is_none() {
        return None;
    }
    let mut line = format!("file: {}", o.how);
    if let Some(f) = o.finder {
        let _ = write!(
            line,
            ", Finder type '{}' creator '{}'",
            f.file_type, f.creator
        );
    }
    if let Some(id) = o.moov_resource {
        let _ = write!(
            line,
            ", movie atom from the resource fork ('moov' resource {id})"
        );
    }
    Some(line)
}

/// The human-readable report.
pub fn to_text(file: &str, l: &Loaded) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{file}");
    references_text(&mut o, l);
    movie_text(&mut o, l);
    if let Some(s) = &l.scene {
        for n in &s.nodes {
            node_text(&mut o, s, n, &l.movie);
        }
    }
    tracks_text(&mut o, &l.movie);
    sound_text(&mut o, l);
    let w = warnings(l);
    if !w.is_empty() {
        let _ = writeln!(o, "\nwarnings:");
        for x in w {
            let _ = writeln!(o, "  {x}");
        }
    }
    o
}

/// The report's head: what kind of movie, its nodes, its time scale and duration.
/// The reference movies followed: each alternate with its selectors, where
/// it is here, and which was opened.
fn references_text(o: &mut String, l: &Loaded) {
    for r in &l.references {
        let _ = writeln!(
            o,
            "reference movie {} with {} alternate{}:",
            r.file,
            r.alternates.len(),
            if r.alternates.len() == 1 { "" } else { "s" }
        );
        for (i, (a, found)) in r.alternates.iter().zip(&r.found).enumerate() {
            let mut line = format!("  {}. {}", i + 1, qtvr_format::qtvr::target_text(&a.target));
            if let Some(v) = a.data_rate {
                let _ = write!(line, ", data rate {v}");
            }
            if let Some(v) = a.quality {
                let _ = write!(line, ", quality {v}");
            }
            if let Some(v) = a.cpu_speed {
                let _ = write!(line, ", CPU speed {v}");
            }
            if let Some(v) = &a.version_check {
                let _ = write!(line, ", version check '{v}'");
            }
            if let Some(v) = a.language {
                let _ = write!(line, ", language {v}");
            }
            match found {
                Some(p) if i == r.chosen => {
                    let _ = write!(line, " — {p} (opened)");
                }
                Some(p) => {
                    let _ = write!(line, " — {p}");
                }
                None => line.push_str(" — not here"),
            }
            let _ = writeln!(o, "{line}");
        }
    }
}

fn movie_text(o: &mut String, l: &Loaded) {
    let m = &l.movie;
    let secs = if m.timescale > 0 {
        m.duration as f64 / f64::from(m.timescale)
    } else {
        0.0
    };
    match &l.scene {
        Some(s) => {
            let _ = writeln!(
                o,
                "QuickTime VR {} movie (controller '{}'){}, {} node{}, default node {}",
                s.qtvr_version,
                s.controller,
                s.name
                    .as_ref()
                    .map(|n| format!(" \"{n}\""))
                    .unwrap_or_default(),
                s.nodes.len(),
                if s.nodes.len() == 1 { "" } else { "s" },
                s.default_node
            );
        }
        None => {
            let _ = writeln!(o, "QuickTime movie, not QuickTime VR");
        }
    }
    if let Some(line) = l.origin.as_ref().and_then(origin_text) {
        let _ = writeln!(o, "  {line}");
    }
    if !l.media_files.is_empty() {
        let _ = writeln!(o, "  media also from: {}", l.media_files.join(", "));
    }
    let _ = writeln!(
        o,
        "  movie: time scale {}, duration {} ({secs:.2} s){}",
        m.timescale,
        m.duration,
        if m.compressed_header {
            ", compressed movie header"
        } else {
            ""
        }
    );
}

/// One node: its heading, comment, content and hot spots.
fn node_text(o: &mut String, s: &Scene, n: &Node, m: &Movie) {
    let _ = writeln!(
        o,
        "\nnode {}{}: {}{}",
        n.id,
        n.name
            .as_ref()
            .map(|x| format!(" \"{x}\""))
            .unwrap_or_default(),
        n.kind_name(),
        if n.id == s.default_node {
            " (default)"
        } else {
            ""
        }
    );
    if let Some(c) = &n.comment {
        let _ = writeln!(o, "  comment: {c}");
    }
    match &n.content {
        NodeContent::Panorama(p) => panorama_text(o, p, m),
        NodeContent::Object(ob) => object_text(o, ob, m),
    }
    for h in &n.hotspots {
        let _ = writeln!(o, "{}", hotspot_line(h));
    }
}

/// A panorama node: its projection, image, limits and tracks.
fn panorama_text(o: &mut String, p: &Panorama, m: &Movie) {
    let kind = match &p.projection {
        Projection::Cylinder {
            orientation,
            legacy_flags,
            ..
        } => format!(
            "cylinder, {} tiles{}",
            match orientation {
                qtvr_format::qtvr::CylinderOrientation::Vertical => "vertical (rotated)",
                qtvr_format::qtvr::CylinderOrientation::Horizontal => "horizontal",
            },
            if *legacy_flags {
                ", orientation from legacy flags"
            } else {
                ""
            }
        ),
        Projection::Cube { faces, standard } => format!(
            "cube, {} tiles{}",
            faces.len(),
            if *standard {
                ", standard faces"
            } else {
                ", faces from 'cufa'"
            }
        ),
    };
    let _ = writeln!(o, "  type: {kind}");
    let _ = writeln!(
        o,
        "  image: {}x{}{}, tile grid {}x{}",
        p.image_size[0],
        p.image_size[1],
        if matches!(p.projection, Projection::Cube { .. }) {
            " per face"
        } else {
            ""
        },
        p.tile_grid[0],
        p.tile_grid[1]
    );
    let l = &p.limits;
    let _ = writeln!(
        o,
        "  pan {}..{}{}, tilt {}..{}, fov {}..{}; default pan {} tilt {} fov {} (from '{}')",
        l.pan[0],
        l.pan[1],
        if l.wraps { " (wraps)" } else { "" },
        l.tilt[0],
        l.tilt[1],
        l.fov[0],
        l.fov[1],
        l.default.pan,
        l.default.tilt,
        l.default.fov,
        l.source
    );
    let _ = writeln!(o, "  image {}", track_line(&p.image_track, m));
    if let Some(h) = &p.hotspot_track {
        let _ = writeln!(o, "  hot spot {}", track_line(h, m));
    }
    if let Some(h) = &p.preview_track {
        let _ = writeln!(o, "  preview {}", track_line(h, m));
    }
    for (res, h) in &p.low_res_tracks {
        let _ = writeln!(o, "  low-res (0x{res:04x}) {}", track_line(h, m));
    }
}

/// An object node: its grid, states, limits, settings and tracks.
fn object_text(o: &mut String, ob: &ObjectNode, m: &Movie) {
    let _ = writeln!(
        o,
        "  object: {} rows x {} columns, {} view state{}, {} frame{} per view, controller {:?} (movieType {})",
        ob.rows,
        ob.columns,
        ob.view_states,
        if ob.view_states == 1 { "" } else { "s" },
        ob.frames_per_view,
        if ob.frames_per_view == 1 { "" } else { "s" },
        ob.controller,
        ob.movie_type
    );
    let _ = writeln!(
        o,
        "  pan {}..{}, tilt {}..{} ({}), fov {}..{}; default pan {} tilt {} fov {}; view centre ({}, {})",
        ob.pan[0],
        ob.pan[1],
        ob.tilt[0],
        ob.tilt[1],
        if ob.tilt[0] >= ob.tilt[1] {
            "top row first"
        } else {
            "stored bottom first; row 0 is the top"
        },
        ob.limits.fov[0],
        ob.limits.fov[1],
        ob.limits.default.pan,
        ob.limits.default.tilt,
        ob.limits.default.fov,
        ob.view_center[0],
        ob.view_center[1]
    );
    let list = |v: Vec<&str>| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    let _ = writeln!(
        o,
        "  animation settings 0x{:x} ({}), control settings 0x{:x} ({})",
        ob.animation_settings,
        list(qtvr_format::qtvr::scene::animation_names(
            ob.animation_settings
        )),
        ob.control_settings,
        list(qtvr_format::qtvr::scene::control_names(ob.control_settings)),
    );
    let _ = writeln!(
        o,
        "  view rate {}, frame rate {}, frame time {:.3} s, mouse scale {}°/window; view states: default {}, mouse-down {}",
        ob.view_rate,
        ob.frame_rate,
        ob.frame_seconds,
        ob.mouse_motion_scale,
        ob.default_view_state,
        ob.mouse_down_view_state
    );
    let _ = writeln!(o, "  image {}", track_line(&ob.image_track, m));
    if let Some(h) = &ob.hotspot_track {
        let _ = writeln!(o, "  hot spot {}", track_line(h, m));
    }
}

/// One hot spot's line: ID, type, name, destination and best view.
fn hotspot_line(h: &HotSpot) -> String {
    let mut line = format!("  hot spot {} '{}'", h.id, h.kind);
    if let Some(name) = &h.name {
        let _ = write!(line, " \"{name}\"");
    }
    if let Some(k) = &h.link {
        let _ = write!(line, " -> node {}", k.to_node);
        let parts: Vec<String> = [("pan", k.to_pan), ("tilt", k.to_tilt), ("fov", k.to_fov)]
            .iter()
            .filter_map(|(n, v)| v.map(|v| format!("{n} {v}")))
            .collect();
        if !parts.is_empty() {
            let _ = write!(line, " ({})", parts.join(", "));
        }
    }
    if let Some(u) = &h.url {
        let _ = write!(line, " -> {u}");
    }
    if let Some(v) = &h.best_view {
        let _ = write!(
            line,
            "; best view pan {} tilt {} fov {}",
            v.pan, v.tilt, v.fov
        );
    }
    line
}

/// The movie's tracks, one line each.
fn tracks_text(o: &mut String, m: &Movie) {
    let _ = writeln!(o, "\ntracks:");
    for t in &m.tracks {
        let s = track_summary(t);
        let _ = writeln!(
            o,
            "  track {} '{}'{}: {} sample{}, codec {}{}{}{}",
            s.id,
            s.handler,
            if s.enabled { "" } else { " (disabled)" },
            s.sample_count,
            if s.sample_count == 1 { "" } else { "s" },
            if s.codecs.is_empty() {
                "-".to_string()
            } else {
                s.codecs
                    .iter()
                    .map(|c| format!("'{c}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            s.depth.map(|d| format!(", depth {d}")).unwrap_or_default(),
            decoding_text(t),
            if s.external_data.is_empty() {
                String::new()
            } else {
                format!(
                    ", data in other files: {} (not followed)",
                    s.external_data.join(", ")
                )
            }
        );
    }
}
