//! Carrying out the viewer's effects: the renderer and overlay, loaders,
//! dialogs, the clipboard, the browser, saving, cursors and fullscreen.

use std::time::{Duration, Instant};

use winit::window::{CursorIcon, Fullscreen};

use super::{App, UserEvent, load, print_report};
use crate::render::UploadOptions;
use crate::render::image_file::ImageKind;
use crate::viewer::{CursorShape, Effect, FADE, Input};

impl App {
    /// Stops the load in progress (its results would be dropped: a new load
    /// replaces it) and returns the flag of the next one, whose decode time
    /// budget starts now.
    fn next_load(&mut self) -> qtvr_format::tiles::Cancel {
        self.load_cancel.cancel();
        self.load_cancel = crate::budget::viewer_cancel();
        self.load_cancel.clone()
    }

    /// Does what the viewer asked; answers it where the effect says so.
    pub(super) fn apply(&mut self, e: Effect) {
        match e {
            Effect::Open {
                generation,
                origin,
                node,
            } => {
                let cancel = self.next_load();
                load::open(generation, origin, node, cancel, self.sender())
            }
            Effect::LoadNode {
                generation,
                movie,
                node,
                object_view,
            } => {
                let cancel = self.next_load();
                load::load_node(generation, movie, node, object_view, cancel, self.sender())
            }
            Effect::DecodeViews {
                generation,
                movie,
                node,
                views,
            } => {
                let cancel = self.next_load();
                load::decode_views(generation, movie, node, views, cancel, self.sender())
            }
            Effect::Report(r) => print_report(&r),
            Effect::Sound(s) => self.sound.apply(s, &self.mailbox),
            Effect::WakeAt(t) => self.wake = Some(t),
            Effect::Quit => {
                self.load_cancel.cancel();
                // Silent at once, before the window closes.
                drop(std::mem::take(&mut self.sound));
                self.quit = true
            }
            Effect::Fullscreen(on) => self.toggle_fullscreen(on),
            Effect::OpenDialog => self.open_dialog(),
            Effect::OpenUrl(url) => {
                let result = open_url(&url);
                self.send(Input::UrlOpened { url, result });
            }
            Effect::Copy(text) => {
                let result = arboard::Clipboard::new()
                    .and_then(|mut c| c.set_text(text.clone()))
                    .map_err(|e| e.to_string());
                self.send(Input::Copied { text, result });
            }
            Effect::Save {
                name,
                shot,
                size: [w, h],
                hotspots,
            } => {
                let Some(g) = &mut self.gfx else { return };
                let path = crate::render::image_file::save_path(&name);
                let result = g
                    .renderer
                    .render_image(&g.gpu, &shot, w, h, hotspots)
                    .map_err(|e| e.to_string())
                    .and_then(|img| crate::render::image_file::save(&img, &path, ImageKind::Png));
                self.send(Input::Saved(result.map(|()| path)));
            }
            Effect::Upload {
                picture,
                hotspot_ids,
            } => {
                let shot = self.viewer.shot();
                let Some(g) = &mut self.gfx else { return };
                // The layers the next frame shows first; the rest once it
                // is on screen (`about_to_wait`).
                let opts = UploadOptions {
                    first_view: shot.map(|s| (s, g.surface.size())),
                    ..UploadOptions::default()
                };
                self.shown_since_upload = false;
                crate::timeline::mark("upload started");
                let r = g.renderer.set_picture(&g.gpu, *picture, &hotspot_ids, opts);
                crate::timeline::mark("uploaded");
                if let Err(e) = r {
                    self.send(Input::UploadFailed(e.to_string()));
                }
            }
            Effect::Snapshot { shot, hotspots } => {
                if let Some(g) = &mut self.gfx {
                    let size = g.surface.size();
                    g.overlay
                        .snapshot(&g.gpu, &mut g.renderer, FADE, size, &shot, hotspots);
                }
            }
            e => {
                let Some(g) = &mut self.gfx else { return };
                match e {
                    Effect::Overlay {
                        slot,
                        show: Some((c, at)),
                    } => g.overlay.set(&g.gpu, slot, &c, at),
                    Effect::Overlay { slot, show: None } => g.overlay.hide(slot),
                    Effect::FadeOpacity(a) => g.overlay.set_opacity(FADE, a),
                    Effect::Redraw => g.window.request_redraw(),
                    Effect::Title(t) => g.window.set_title(&t),
                    Effect::Cursor(c) => g.window.set_cursor(cursor_icon(c)),
                    _ => {}
                }
            }
        }
    }

    fn open_dialog(&self) {
        let mailbox = self.mailbox.clone();
        std::thread::spawn(move || {
            let file = rfd::FileDialog::new()
                .set_title("Open a QuickTime VR movie")
                .add_filter("QuickTime VR movies", &["mov", "qt", "qtvr", "MOV", "QT"])
                .add_filter("All files", &["*"])
                .pick_file();
            mailbox.send(UserEvent::Dialog(file));
        });
    }

    pub(super) fn toggle_fullscreen(&mut self, on: Option<bool>) {
        let Some(g) = &self.gfx else { return };
        let is = g.window.fullscreen().is_some();
        let want = on.unwrap_or(!is);
        if want == is {
            return;
        }
        g.window
            .set_fullscreen(want.then_some(Fullscreen::Borderless(None)));
        if want {
            self.fullscreen_check = Some((Instant::now(), g.window.inner_size(), false));
        } else if let Some((_, before, true)) = self.fullscreen_check.take() {
            // We resized it ourselves: size it back.
            let _ = g.window.request_inner_size(before);
        }
    }

    /// Without a window manager (X11), asking for fullscreen changes
    /// nothing: after a moment, cover the monitor ourselves.
    pub(super) fn check_fullscreen(&mut self) -> Option<Instant> {
        let (since, before, done) = self.fullscreen_check?;
        if done {
            return None;
        }
        let g = self.gfx.as_ref()?;
        let monitor = g.window.current_monitor()?;
        let due = since + Duration::from_millis(300);
        if Instant::now() < due {
            return Some(due);
        }
        if g.window.fullscreen().is_some() && g.window.inner_size() != monitor.size() {
            g.window.set_outer_position(monitor.position());
            let _ = g.window.request_inner_size(monitor.size());
            self.fullscreen_check = Some((since, before, true));
        } else {
            self.fullscreen_check = None;
        }
        None
    }
}

fn cursor_icon(c: CursorShape) -> CursorIcon {
    match c {
        CursorShape::Default => CursorIcon::Default,
        CursorShape::Pointer => CursorIcon::Pointer,
        CursorShape::Progress => CursorIcon::Progress,
        CursorShape::Grab => CursorIcon::Grab,
        CursorShape::Grabbing => CursorIcon::Grabbing,
        CursorShape::Crosshair => CursorIcon::Crosshair,
        CursorShape::Cell => CursorIcon::Cell,
        CursorShape::Move => CursorIcon::Move,
        CursorShape::EResize => CursorIcon::EResize,
        CursorShape::WResize => CursorIcon::WResize,
        CursorShape::NResize => CursorIcon::NResize,
        CursorShape::SResize => CursorIcon::SResize,
        CursorShape::NeResize => CursorIcon::NeResize,
        CursorShape::NwResize => CursorIcon::NwResize,
        CursorShape::SeResize => CursorIcon::SeResize,
        CursorShape::SwResize => CursorIcon::SwResize,
    }
}

/// Opens a web address in the system's browser (`QTVR_OPEN_URL` names
/// another command to run with it, for tests).
fn open_url(url: &str) -> Result<(), String> {
    match std::env::var_os("QTVR_OPEN_URL") {
        Some(cmd) => std::process::Command::new(cmd)
            .arg(url)
            .spawn()
            .map(|_| ())
            .map_err(|e| e.to_string()),
        None => open::that_detached(url).map_err(|e| e.to_string()),
    }
}
