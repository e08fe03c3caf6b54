//! Background loading for the window: open a movie, then decode a node's
//! tiles on worker threads while the window stays responsive. A panorama's
//! preview or low-resolution track (when the movie has one) is decoded and
//! sent first (the viewer shows it unless the full picture follows within
//! [`super::PREVIEW_WAIT`]); the full-resolution tiles follow in batches,
//! each batch reported as progress. Results go to the shell through a callback, tagged with the
//! request's generation so that stale results of a replaced movie are dropped.
//! Each load takes a [`Cancel`] flag: the shell sets it when it starts the
//! next load (or quits), so an abandoned load stops early — its chains stop,
//! and an ffmpeg process decoding a codec without a decoder here is killed.
//! Object nodes whose codec only ffmpeg decodes have their views decoded here
//! too ([`decode_views`]), never on the event loop.

use std::path::PathBuf;
use std::sync::Arc;

use qtvr_format::assemble::{NodePicture, ObjectFrame};
use qtvr_format::container::Movie;
use qtvr_format::qtvr::{Loaded, Node, NodeContent, NodeId, Scene, TrackId};
use qtvr_format::source::ByteSource;
use qtvr_format::tiles::{self, Cancel, DecodeOptions, Role};

/// Where a movie comes from.
#[derive(Debug, Clone)]
pub enum Origin {
    File(PathBuf),
    /// Bytes built into the program (the demo), with a name to show.
    Bundled(&'static str, &'static [u8]),
}

impl Origin {
    /// The name to show (file name without folders).
    pub fn name(&self) -> String {
        match self {
            Origin::File(p) => p
                .file_name()
                .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into()),
            Origin::Bundled(n, _) => (*n).to_string(),
        }
    }

    /// The path for command lines.
    pub fn path(&self) -> String {
        match self {
            Origin::File(p) => p.display().to_string(),
            Origin::Bundled(n, _) => format!("assets/{n}"),
        }
    }
}

/// An opened QTVR movie, shared with the loader threads.
#[derive(Clone)]
pub struct OpenMovie {
    pub origin: Origin,
    pub src: Arc<dyn ByteSource>,
    pub loaded: Arc<Loaded>,
}

impl std::fmt::Debug for OpenMovie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenMovie")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl OpenMovie {
    /// The scene (always present: non-QTVR movies are refused when opened).
    pub fn scene(&self) -> Option<&Scene> {
        self.loaded.scene.as_ref()
    }

    pub fn movie(&self) -> &Movie {
        &self.loaded.movie
    }
}

/// How far a picture is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// From the preview or a low-resolution track.
    Preview,
    /// Full resolution: loading is done.
    Full,
}

/// What a loader reports.
pub enum LoadEvent {
    Opened(u64, OpenMovie),
    Progress {
        generation: u64,
        node: NodeId,
        done: usize,
        total: usize,
    },
    Picture {
        generation: u64,
        node: NodeId,
        stage: Stage,
        picture: Box<NodePicture>,
        /// Object nodes: the view whose frame the picture holds (the node's
        /// default view); the shell shows the view it was asked for.
        object_view: Option<crate::view::ObjectView>,
    },
    Failed(u64, String),
    /// The file opened is a disc image with several QuickTime VR movies: the
    /// ones to choose from (`image`: the image's name to show).
    Choose {
        generation: u64,
        image: String,
        movies: Vec<Choice>,
    },
    /// Object views decoded in the background ([`decode_views`]), with the
    /// frame each picture holds; or why they could not be.
    Views {
        generation: u64,
        node: NodeId,
        pictures: Result<Vec<(ObjectFrame, NodePicture)>, String>,
    },
}

/// One QuickTime VR movie of a disc image, to choose from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// `IMAGE//Folder/Movie`, as it opens.
    pub path: PathBuf,
    /// The path inside the image and the kind: `Tours/Three Nodes - QTVR
    /// tour (3 nodes)` (ASCII: the controls' font has no dashes).
    pub label: String,
}

/// What opening a file gives.
pub enum Opened {
    Movie(OpenMovie),
    /// A disc image with several QuickTime VR movies.
    Choose {
        image: String,
        movies: Vec<Choice>,
    },
}

/// Opens a movie on a new thread, then loads `node` (default: the scene's
/// default node) like [`load_node`]; `cancel` stops the decoding. A disc
/// image opens its only QuickTime VR movie, or answers
/// [`LoadEvent::Choose`] with its movies ([`open_or_list`]).
pub fn open(
    generation: u64,
    origin: Origin,
    node: Option<NodeId>,
    cancel: Cancel,
    send: impl Fn(LoadEvent) + Send + 'static,
) {
    std::thread::spawn(move || open_and_load(generation, origin, node, &cancel, &send));
}

/// [`open`] on this thread.
pub(crate) fn open_and_load(
    generation: u64,
    origin: Origin,
    node: Option<NodeId>,
    cancel: &Cancel,
    send: &dyn Fn(LoadEvent),
) {
    match open_or_list(origin) {
        Ok(Opened::Movie(m)) => {
            crate::timeline::mark("movie opened");
            let id = node.unwrap_or_else(|| m.scene().map_or(NodeId(0), |s| s.default_node));
            send(LoadEvent::Opened(generation, m.clone()));
            decode_node(generation, &m, id, None, cancel, send);
        }
        Ok(Opened::Choose { image, movies }) => send(LoadEvent::Choose {
            generation,
            image,
            movies,
        }),
        Err(e) => send(LoadEvent::Failed(generation, e)),
    }
}

/// Opens a movie like [`open_now`]; a disc image (HFS, HFS+, ISO 9660) opens
/// its only QuickTime VR movie (`IMAGE//PATH`), lists several to choose
/// from, or says that it holds none (naming its plain QuickTime movies).
pub fn open_or_list(origin: Origin) -> Result<Opened, String> {
    let Origin::File(path) = &origin else {
        return open_now(origin).map(Opened::Movie);
    };
    // Anything that is not a readable image is left to the movie reader.
    let Ok(Some(image)) = qtvr_format::disk::Image::open(path) else {
        return open_now(origin).map(Opened::Movie);
    };
    let l = super::listing::list_image(&image, &path.display().to_string());
    let (vr, plain): (Vec<_>, Vec<_>) = l.movies.iter().partition(|m| m.kind.is_qtvr());
    match vr[..] {
        [one] => open_now(Origin::File(PathBuf::from(&one.path))).map(Opened::Movie),
        [] => {
            let mut why = format!(
                "the disc image ({} volume \"{}\") holds no QuickTime VR movie",
                l.volume_kind, l.volume
            );
            if !plain.is_empty() {
                let names: Vec<String> = plain
                    .iter()
                    .map(|m| format!("{} ({})", m.inner, m.describe()))
                    .collect();
                why.push_str(&format!("; its QuickTime movies: {}", names.join(", ")));
            }
            Err(why)
        }
        _ => Ok(Opened::Choose {
            image: origin.name(),
            movies: vr
                .iter()
                .map(|m| Choice {
                    path: PathBuf::from(&m.path),
                    label: format!("{} - {}", m.inner, m.describe()),
                })
                .collect(),
        }),
    }
}

/// Opens and parses a movie, refusing movies without QTVR nodes.
pub fn open_now(origin: Origin) -> Result<OpenMovie, String> {
    let (src, loaded): (Arc<dyn ByteSource>, _) = match &origin {
        // A plain file, or a Mac file's forks (MacBinary, AppleSingle,
        // BinHex, AppleDouble sidecars, the macOS named fork).
        Origin::File(p) => qtvr_format::qtvr::open(p).map_err(|e| e.to_string())?,
        Origin::Bundled(_, bytes) => {
            let src: Arc<dyn ByteSource> = Arc::new(bytes.to_vec());
            let loaded = qtvr_format::qtvr::load(src.as_ref()).map_err(|e| e.to_string())?;
            (src, loaded)
        }
    };
    match &loaded.scene {
        None => Err(qtvr_format::qtvr::NOT_QTVR.into()),
        Some(s) if s.nodes.is_empty() => Err("the movie has no QTVR nodes".into()),
        Some(_) => Ok(OpenMovie {
            origin,
            src,
            loaded: Arc::new(loaded),
        }),
    }
}

/// Decodes a node's picture on a new thread; `cancel` stops it.
/// Object nodes are decoded at `object_view` (default: the node's default view).
pub fn load_node(
    generation: u64,
    movie: OpenMovie,
    node: NodeId,
    object_view: Option<crate::view::ObjectView>,
    cancel: Cancel,
    send: impl Fn(LoadEvent) + Send + 'static,
) {
    std::thread::spawn(move || decode_node(generation, &movie, node, object_view, &cancel, &send));
}

/// Decodes views of an object node on a new thread, all in one request (a
/// track decoded through ffmpeg runs one process); `cancel` stops it.
pub fn decode_views(
    generation: u64,
    movie: OpenMovie,
    node: NodeId,
    views: Vec<ObjectFrame>,
    cancel: Cancel,
    send: impl Fn(LoadEvent) + Send + 'static,
) {
    std::thread::spawn(move || send(decode_views_now(generation, &movie, node, views, &cancel)));
}

/// [`decode_views`] on this thread.
pub(crate) fn decode_views_now(
    generation: u64,
    m: &OpenMovie,
    id: NodeId,
    views: Vec<ObjectFrame>,
    cancel: &Cancel,
) -> LoadEvent {
    let opts = DecodeOptions {
        cancel: cancel.clone(),
        ..crate::budget::decode_options()
    };
    let pictures = match m.scene().and_then(|s| s.node(id)).map(|n| &n.content) {
        Some(NodeContent::Object(o)) => {
            qtvr_format::assemble::object_pictures(m.src.as_ref(), m.movie(), id, o, &views, &opts)
                .map(|p| views.iter().copied().zip(p).collect())
                .map_err(|e| format!("node {id}: {e}"))
        }
        _ => Err(format!("node {id} is not an object")),
    };
    LoadEvent::Views {
        generation,
        node: id,
        pictures,
    }
}

/// Batches a full-resolution track is decoded in (for progress).
const BATCHES: usize = 8;

pub(crate) fn decode_node(
    generation: u64,
    m: &OpenMovie,
    id: NodeId,
    object_view: Option<crate::view::ObjectView>,
    cancel: &Cancel,
    send: &dyn Fn(LoadEvent),
) {
    let asked = object_view;
    let fail = |e: String| send(LoadEvent::Failed(generation, e));
    let Some(scene) = m.scene() else {
        return fail("not a QuickTime VR movie".into());
    };
    let Some(node) = scene.node(id) else {
        return fail(format!("the movie has no node {id}"));
    };
    let opts = DecodeOptions {
        cancel: cancel.clone(),
        ..crate::budget::decode_options()
    };
    let mut object_view = None;
    let picture = match &node.content {
        NodeContent::Object(o) => {
            let view = asked.unwrap_or_else(|| crate::view::ObjectView::default_for(o));
            object_view = Some(view);
            qtvr_format::assemble::object_picture(
                m.src.as_ref(),
                m.movie(),
                node.id,
                o,
                &view.object_frame(),
                &opts,
            )
            .map_err(|e| e.to_string())
        }
        NodeContent::Panorama(_) => panorama(generation, m, node, &opts, send),
    };
    crate::timeline::mark("picture decoded");
    match picture {
        Ok(p) => send(LoadEvent::Picture {
            generation,
            node: id,
            stage: Stage::Full,
            picture: Box::new(p),
            object_view,
        }),
        Err(e) => fail(format!("node {id}: {e}")),
    }
}

fn panorama(
    generation: u64,
    m: &OpenMovie,
    node: &Node,
    opts: &DecodeOptions,
    send: &dyn Fn(LoadEvent),
) -> Result<NodePicture, String> {
    let NodeContent::Panorama(p) = &node.content else {
        return Err("not a panorama".into());
    };
    let track = |id: TrackId| m.movie().tracks.iter().find(|t| t.id == id);
    // The smallest stand-in first: the preview track, else a low-resolution one.
    let quick = p.preview_track.as_ref().or_else(|| {
        p.low_res_tracks
            .iter()
            .map(|(_, t)| t)
            .min_by_key(|t| t.width)
    });
    if let Some(q) = quick
        && let Some(t) = track(q.track_id)
        && let Ok(d) = tiles::decode_track(m.src.as_ref(), t, &q.samples, Role::Image, opts)
        && let Ok(pic) = qtvr_format::assemble::panorama(node.id, p, d, None, &opts.limits)
    {
        send(LoadEvent::Picture {
            generation,
            node: node.id,
            stage: Stage::Preview,
            picture: Box::new(pic),
            object_view: None,
        });
    }
    qtvr_format::assemble::panorama_picture_in_batches(
        m.src.as_ref(),
        m.movie(),
        node,
        opts,
        BATCHES,
        &mut |done, total| {
            send(LoadEvent::Progress {
                generation,
                node: node.id,
                done,
                total,
            })
        },
    )
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A generated sample, or None after a skip (a failure under `CI=true`).
    fn sample(name: &str) -> Option<PathBuf> {
        let p = qtvr_testkit::samples_dir()?.join("gen").join(name);
        if p.is_file() {
            Some(p)
        } else {
            qtvr_testkit::skip(&format!("{} is missing", p.display()));
            None
        }
    }

    /// Every event of one load, in order.
    fn events(path: PathBuf) -> Vec<LoadEvent> {
        let (tx, rx) = mpsc::channel();
        open(7, Origin::File(path), None, Cancel::new(), move |e| {
            let _ = tx.send(e);
        });
        let mut out = Vec::new();
        while let Ok(e) = rx.recv_timeout(std::time::Duration::from_secs(60)) {
            let end = matches!(
                e,
                LoadEvent::Failed(..)
                    | LoadEvent::Picture {
                        stage: Stage::Full,
                        ..
                    }
            );
            out.push(e);
            if end {
                break;
            }
        }
        out
    }

    fn shape(ev: &[LoadEvent]) -> Vec<String> {
        ev.iter()
            .map(|e| match e {
                LoadEvent::Opened(g, _) => format!("opened {g}"),
                LoadEvent::Progress { done, total, .. } => format!("{done}/{total}"),
                LoadEvent::Picture { stage, picture, .. } => format!(
                    "{stage:?} {}x{}",
                    picture.surfaces[0].image.width, picture.surfaces[0].image.height
                ),
                LoadEvent::Failed(_, e) => format!("failed {e}"),
                LoadEvent::Choose { movies, .. } => format!("choose {}", movies.len()),
                LoadEvent::Views { pictures, .. } => match pictures {
                    Ok(p) => format!("{} views", p.len()),
                    Err(e) => format!("views failed {e}"),
                },
            })
            .collect()
    }

    #[test]
    fn the_preview_track_shows_first_then_full_tiles_with_progress() {
        let Some(p) = sample("cube_tiled2x2_jpeg_preview.mov") else {
            return;
        };
        let s = shape(&events(p));
        // 24 tiles (2×2 per face) in 8 batches, after a 6-face preview.
        assert_eq!(s[0], "opened 7");
        assert!(s[1].starts_with("Preview "), "{s:?}");
        let progress: Vec<&String> = s[2..s.len() - 1].iter().collect();
        assert_eq!(progress.len(), 8, "{s:?}");
        assert_eq!(progress.last().map(|s| s.as_str()), Some("24/24"));
        assert!(s[s.len() - 1].starts_with("Full "), "{s:?}");
        // The preview is smaller than the full picture.
        let w = |t: &str| {
            t.split(' ')
                .nth(1)
                .and_then(|d| d.split('x').next()?.parse::<u32>().ok())
        };
        assert!(w(&s[1]) < w(&s[s.len() - 1]), "{s:?}");
    }

    #[test]
    fn without_a_preview_progress_leads_to_the_full_picture() {
        let Some(p) = sample("cyl_vcyl_jpeg.mov") else {
            return;
        };
        let s = shape(&events(p));
        assert_eq!(s[0], "opened 7");
        assert!(s[1..s.len() - 1].iter().all(|e| e.contains('/')), "{s:?}");
        let fractions: Vec<usize> = s[1..s.len() - 1]
            .iter()
            .filter_map(|e| e.split('/').next()?.parse().ok())
            .collect();
        assert!(fractions.windows(2).all(|w| w[0] < w[1]), "{s:?}");
        assert!(s[s.len() - 1].starts_with("Full "), "{s:?}");
    }

    #[test]
    fn a_cancelled_load_stops_with_a_failure() {
        static DEMO: &[u8] = include_bytes!("../../assets/demo.mov");
        let m = open_now(Origin::Bundled("demo.mov", DEMO)).unwrap();
        let id = m.scene().unwrap().default_node;
        let cancel = Cancel::new();
        cancel.cancel();
        let events = std::sync::Mutex::new(Vec::new());
        let send = |e: LoadEvent| events.lock().unwrap().push(e);
        decode_node(3, &m, id, None, &cancel, &send);
        let s = shape(&events.into_inner().unwrap());
        assert_eq!(s.len(), 1, "{s:?}");
        assert!(
            s[0].starts_with("failed ") && s[0].contains("cancelled"),
            "{s:?}"
        );
        // Not cancelled: the picture comes.
        let events = std::sync::Mutex::new(Vec::new());
        let send = |e: LoadEvent| events.lock().unwrap().push(e);
        decode_node(3, &m, id, None, &Cancel::new(), &send);
        let s = shape(&events.into_inner().unwrap());
        assert!(s.last().is_some_and(|l| l.starts_with("Full ")), "{s:?}");
    }

    #[test]
    fn unreadable_and_plain_movies_fail_with_reasons() {
        let dir = std::env::temp_dir().join(format!("qtvr-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let junk = dir.join("junk.mov");
        std::fs::write(&junk, b"\0\0\0\x10junkjunkjunkjunk").unwrap();
        let s = shape(&events(junk));
        assert_eq!(s.len(), 1, "{s:?}");
        assert!(s[0].starts_with("failed "), "{s:?}");
        let s = shape(&events(dir.join("missing.mov")));
        assert!(
            s[0].starts_with("failed ") && s[0].contains("missing.mov"),
            "{s:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
