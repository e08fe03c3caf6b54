//! `--report-state`: the JSON lines the viewer prints for test drivers, as
//! one serialisable type. Each line is one [`Report`] with an `event` key;
//! [`Report::to_json`] writes it with its keys in alphabetical order.

use qtvr_format::qtvr::NodeId;
use serde::Serialize;

/// One `--report-state` line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event")]
pub enum Report {
    /// The window is open (its X11 ID for xdotool, when on X11).
    #[serde(rename = "window")]
    Window { x11_id: Option<u64> },
    /// From now on the window's frames go `via` `shared-memory` (a software
    /// adapter's, after the first frame) instead of the swap chain.
    #[serde(rename = "presenting")]
    Presenting { via: String },
    /// The first full-resolution frame was drawn, `ms` after start.
    #[serde(rename = "first-frame")]
    FirstFrame { ms: f64 },
    /// A link's transition entered a phase: `swing`, `fade` or `done`.
    #[serde(rename = "transition")]
    Transition { phase: String },
    /// A message panel was shown.
    #[serde(rename = "message")]
    Message { title: String, lines: Vec<String> },
    /// An error panel was shown.
    #[serde(rename = "error")]
    Error { title: String, lines: Vec<String> },
    /// A disc image's chooser was shown: the image's name and its movies'
    /// lines (`Folder/Movie - kind`), the first one selected.
    #[serde(rename = "chooser")]
    Chooser { image: String, movies: Vec<String> },
    /// Ctrl+C put this text on the clipboard (or tried to).
    #[serde(rename = "copied")]
    Copied { text: String },
    /// Ctrl+S saved the view here.
    #[serde(rename = "saved")]
    Saved { path: String },
    /// A URL hot spot's address was handed to the browser.
    #[serde(rename = "open-url")]
    OpenUrl { url: String, ok: bool },
    /// The view came to rest (printed once per distinct state).
    #[serde(rename = "idle")]
    Idle(ViewState),
    /// The state, asked for (`state` on stdin).
    #[serde(rename = "state")]
    State {
        #[serde(flatten)]
        view: ViewState,
        /// The pointer's look (winit's cursor icon name).
        cursor: Option<String>,
        /// The hot spot under the pointer.
        hover: Option<String>,
        /// Frames drawn so far.
        frames: u64,
        /// Of those, frames drawn at a reduced resolution (motion quality).
        reduced_frames: u64,
        /// The fraction of the resolution the last frame was drawn at.
        scale: f32,
    },
}

impl Report {
    /// The JSON line (keys sorted, numbers as `serde_json::json!` writes them).
    pub fn to_json(&self) -> String {
        serde_json::to_value(self)
            .map_or_else(|e| format!("{{\"error\":\"{e}\"}}"), |v| v.to_string())
    }
}

/// What the viewer shows: node, view, window and controls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewState {
    /// The movie's path (or the bundled demo's name).
    pub file: String,
    pub node: NodeId,
    pub pan: f32,
    pub tilt: f32,
    pub fov: f32,
    /// The window's inner size in physical pixels.
    pub width: u32,
    pub height: u32,
    /// The controller bar's height in physical pixels (0 when hidden).
    pub bar_height: u32,
    pub fullscreen: bool,
    /// Hot spots outlined (T).
    pub hotspots: bool,
    /// The key help shown (H).
    pub help: bool,
    /// The drag mode, `Continuous` or `Grab`.
    pub drag: String,
    /// Steps Back can take.
    pub history: usize,
    /// The node list shown (N).
    pub nodes: bool,
    /// Object nodes: row, column, view state and frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u32>,
    /// The bar's buttons' centres in window pixels, while the bar shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buttons: Option<Vec<ButtonAt>>,
    /// Sound, when the movie has sound to play: `on 80%` or `muted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sound: Option<String>,
}

/// A controller bar button and its centre in window pixels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ButtonAt {
    pub button: String,
    pub x: u32,
    pub y: u32,
}
