//! Keys, the pointer and the controller bar's buttons: navigation, toggles,
//! shortcuts (save, copy), hot spot hovering and clicks, and the cursor.

use std::time::Duration;

use super::{CursorShape, Effect, Host, KeyName, KeyPress, NamedKey, Report, Viewer, shell_quote};
use crate::ui::Button;
use crate::view::nav::{Cursor, DragMode, Key as NavKey, Subject};
use crate::view::tour;
use qtvr_format::qtvr::HotspotId;

/// Holding Shift or Ctrl alone zooms after this long (so shortcuts don't).
pub(super) const ZOOM_KEY_DELAY: Duration = Duration::from_millis(150);

impl Viewer {
    pub(super) fn press_button(&mut self, b: Button) {
        match b {
            Button::Back => self.go_back(),
            Button::ZoomIn => self.zoom(2.0),
            Button::ZoomOut => self.zoom(-2.0),
            Button::HotSpots => self.show_hotspots = !self.show_hotspots,
            Button::Help => self.show_help = !self.show_help,
            Button::Sound => self.toggle_mute(),
        }
        self.changed();
    }

    pub(super) fn zoom(&mut self, steps: f64) {
        if let Some(s) = &mut self.shown {
            s.nav.zoom_steps(steps);
            self.last_tick = None;
            self.redraw();
        }
    }

    pub(super) fn nav_key(&mut self, key: NavKey, down: bool) {
        if let Some(s) = &mut self.shown {
            let was = s.nav.animating();
            s.nav.key(key, down);
            if !was {
                self.last_tick = None;
            }
        }
        self.refresh_object_frame();
        self.changed();
    }

    /// The disc image chooser's keys: Up/Down select, Enter or a digit opens,
    /// Escape closes (the current movie stays). Whether the key was its.
    fn chooser_key(&mut self, key: &KeyName, down: bool) -> bool {
        let Some(c) = &mut self.chooser else {
            return false;
        };
        let last = c.movies.len().saturating_sub(1);
        let open = match key {
            KeyName::Named(NamedKey::Up) => {
                if down {
                    c.selected = c.selected.saturating_sub(1);
                }
                None
            }
            KeyName::Named(NamedKey::Down) => {
                if down {
                    c.selected = (c.selected + 1).min(last);
                }
                None
            }
            KeyName::Named(NamedKey::Enter) => Some(c.selected),
            KeyName::Named(NamedKey::Escape) => {
                if down {
                    self.chooser = None;
                    self.changed();
                }
                return true;
            }
            KeyName::Char(d) if d.len() == 1 && d.as_bytes()[0].is_ascii_digit() && d != "0" => {
                Some(usize::from(d.as_bytes()[0] - b'1'))
            }
            _ => return false,
        };
        if down && let Some(i) = open {
            self.choose(i);
        }
        self.changed();
        true
    }

    /// Opens the chooser's `i`th movie (0-based) and closes it.
    pub(super) fn choose(&mut self, i: usize) {
        let Some(m) = self.chooser.as_ref().and_then(|c| c.movies.get(i)) else {
            return;
        };
        let path = m.path.clone();
        self.chooser = None;
        self.open(super::load::Origin::File(path), None);
        self.changed();
    }

    pub(super) fn keyboard(&mut self, k: KeyPress) {
        let KeyPress {
            key,
            code,
            down,
            repeat,
        } = k;
        if self.chooser.is_some() && !self.ctrl && self.chooser_key(&key, down) {
            return;
        }
        // Shift / Ctrl held alone zoom (QuickTime VR's keys), after a moment.
        if let KeyName::Named(n @ (NamedKey::Shift | NamedKey::Control)) = key {
            let key = if n == NamedKey::Shift {
                NavKey::ZoomIn
            } else {
                NavKey::ZoomOut
            };
            if down && !repeat {
                self.zoom_key = Some((key, self.now, false));
            } else if !down {
                self.zoom_key = None;
                self.nav_key(key, false);
            }
            return;
        }
        if down && let Some((k, _, active)) = self.zoom_key.take() {
            // Another key: a shortcut, not a zoom.
            if active {
                self.nav_key(k, false);
            }
        }
        let nav = match &key {
            KeyName::Named(NamedKey::Left) => Some(NavKey::Left),
            KeyName::Named(NamedKey::Right) => Some(NavKey::Right),
            KeyName::Named(NamedKey::Up) => Some(NavKey::Up),
            KeyName::Named(NamedKey::Down) => Some(NavKey::Down),
            KeyName::Char(c) if c == "+" || c == "=" => Some(NavKey::ZoomIn),
            KeyName::Char(c) if c == "-" || c == "_" => Some(NavKey::ZoomOut),
            _ => None,
        };
        if let Some(k) = nav {
            // Panoramas turn while held; objects step once per press (and repeat).
            let object = self
                .shown
                .as_ref()
                .is_some_and(|s| matches!(s.nav.subject(), Subject::Object(_)));
            if !repeat || (object && down) {
                self.nav_key(k, down);
            }
            return;
        }
        if !down {
            return;
        }
        if self.ctrl {
            match code {
                Some('o') => self.effect(Effect::OpenDialog),
                Some('s') => self.save_view(),
                Some('c') => self.copy_command(),
                Some('w' | 'q') => self.effect(Effect::Quit),
                _ => {}
            }
            return;
        }
        match key {
            KeyName::Named(NamedKey::F11) => self.effect(Effect::Fullscreen(None)),
            KeyName::Named(NamedKey::Escape) => {
                if self.show_help || self.show_nodes || self.message.is_some() {
                    self.show_help = false;
                    self.show_nodes = false;
                    self.message = None;
                } else {
                    self.effect(Effect::Fullscreen(Some(false)));
                }
            }
            KeyName::Named(NamedKey::Backspace) => self.go_back(),
            KeyName::Char(c) => self.character(&c),
            _ => {}
        }
        self.changed();
    }

    /// A character key (no Ctrl).
    pub(super) fn character(&mut self, c: &str) {
        match c {
            "h" | "H" | "?" => {
                self.show_help = !self.show_help;
                self.show_nodes = false;
            }
            "n" | "N" => {
                self.show_nodes = !self.show_nodes;
                self.show_help = false;
            }
            d if self.show_nodes
                && d.len() == 1
                && d.as_bytes()[0].is_ascii_digit()
                && d != "0" =>
            {
                self.jump_to_node(usize::from(d.as_bytes()[0] - b'1'));
            }
            "b" | "B" => self.show_bar = !self.show_bar,
            "t" | "T" => self.show_hotspots = !self.show_hotspots,
            "m" | "M" => {
                let mode = self.shown.as_mut().and_then(|s| s.nav.toggle_translate());
                let what = match mode {
                    Some(true) => "Drag moves the view (translate)",
                    Some(false) => "Drag turns the object",
                    None => "This node cannot be moved (no translation)",
                };
                let more = "M switches; Alt+drag moves once.".to_string();
                self.say(what, vec![more], false);
                self.update_cursor();
            }
            "g" | "G" => {
                self.settings.drag = match self.settings.drag {
                    DragMode::Continuous => DragMode::Grab,
                    DragMode::Grab => DragMode::Continuous,
                };
                let mode = self.settings.drag;
                if let Some(s) = &mut self.shown {
                    s.nav.settings.drag = mode;
                }
                let what = match mode {
                    DragMode::Continuous => "Drag turns continuously (QuickTime VR)",
                    DragMode::Grab => "Drag grabs the picture",
                };
                self.say(what, vec!["G switches back.".into()], false);
            }
            "0" => {
                let d = self.node().map(tour::default_view);
                if let (Some(s), Some(d)) = (&mut self.shown, d) {
                    s.nav.set_view(d);
                    self.refresh_object_frame();
                }
            }
            "s" | "S" => self.toggle_mute(),
            "[" => self.volume_key(false),
            "]" => self.volume_key(true),
            "q" | "Q" => self.effect(Effect::Quit),
            _ => {}
        }
    }

    pub(super) fn mouse_button(&mut self, down: bool, host: &dyn Host) {
        let s = self.scale();
        let logical = [self.pointer[0] / s, self.pointer[1] / s];
        if down {
            if let Some(b) = self.button_under_pointer() {
                self.press_button(b);
                return;
            }
            if let Some(i) = self.chooser_line_under_pointer() {
                self.choose(i);
                return;
            }
            if self.message.is_some() {
                self.message = None;
                self.overlay_dirty = true;
            }
            let now = self.now;
            let double = self.last_click.is_some_and(|(t, p)| {
                now - t < Duration::from_millis(400)
                    && (p[0] - self.pointer[0]).hypot(p[1] - self.pointer[1]) < 8.0
            });
            if double {
                self.last_click = None;
                self.effect(Effect::Fullscreen(None));
                return;
            }
            self.last_click = Some((now, self.pointer));
            self.pressed_at = Some((self.pointer, false));
            let alt = self.alt;
            if let Some(sh) = &mut self.shown {
                if sh.nav.press_with(logical, alt) {
                    self.refresh_object_frame();
                    self.overlay_dirty = true;
                }
                self.last_tick = None;
            }
        } else {
            let click = self.pressed_at.take().is_some_and(|(_, moved)| !moved);
            if let Some(sh) = &mut self.shown
                && sh.nav.release()
            {
                self.refresh_object_frame();
                self.overlay_dirty = true;
            }
            if click {
                self.follow_link_under_pointer(host);
            }
        }
        self.update_cursor();
        self.redraw();
    }

    pub(super) fn button_under_pointer(&self) -> Option<Button> {
        let layout = self.bar_layout.as_ref()?;
        let [_, h] = self.physical_size();
        let top = f64::from(h.saturating_sub(layout.height));
        layout.button_at(self.pointer[0], self.pointer[1] - top)
    }

    pub(super) fn over_bar(&self) -> bool {
        self.bar_layout.as_ref().is_some_and(|l| {
            let [_, h] = self.physical_size();
            self.pointer[1] >= f64::from(h.saturating_sub(l.height))
        })
    }

    pub(super) fn hotspot_under_pointer(&self, host: &dyn Host) -> Option<HotspotId> {
        let s = self.shown.as_ref()?;
        self.window?;
        if self.over_bar() {
            return None;
        }
        host.hotspot_at(&s.nav.shot(), self.physical_size(), self.pointer)
    }

    pub(super) fn pointer_moved(&mut self, p: [f64; 2], host: &dyn Host) {
        self.pointer = p;
        // The disc image chooser's line under the pointer is the selected one.
        if let Some(i) = self.chooser_line_under_pointer()
            && let Some(c) = &mut self.chooser
            && c.selected != i
        {
            c.selected = i;
            self.overlay_dirty = true;
            self.changed();
        }
        if let Some((start, moved)) = &mut self.pressed_at
            && (start[0] - p[0]).hypot(start[1] - p[1]) > 4.0
        {
            *moved = true;
        }
        let s = self.scale();
        let logical = [p[0] / s, p[1] / s];
        let mut changed = false;
        let mut redraw = false;
        if let Some(sh) = &mut self.shown {
            // Objects follow the pointer unpressed too (edge zone cursors).
            changed = sh.nav.pointer(logical);
            if sh.nav.dragging() {
                if sh.nav.animating() && self.last_tick.is_none() {
                    self.last_tick = Some(self.now);
                }
                redraw = true;
            }
        }
        if redraw {
            self.drag_moved = true;
            self.redraw();
        }
        if changed {
            self.refresh_object_frame();
            self.overlay_dirty = true;
        }
        let hover = self.button_under_pointer();
        if hover != self.bar_hover {
            self.bar_hover = hover;
            self.changed();
        }
        let dragging = self.shown.as_ref().is_some_and(|s| s.nav.dragging());
        if !dragging {
            let name = self.hotspot_under_pointer(host).and_then(|id| {
                let n = self.node()?;
                let h = n.hotspots.iter().find(|h| h.id == id);
                Some(match h {
                    Some(h) => match &h.url {
                        Some(url) => format!("{} - {url}", tour::hotspot_name(h)),
                        None => tour::hotspot_name(h),
                    },
                    None => format!("hot spot {id}"),
                })
            });
            if name != self.hover_name {
                self.hover_name = name;
                self.changed();
            }
        }
        self.update_cursor();
    }

    pub(super) fn update_cursor(&mut self) {
        if self.window.is_none() {
            return;
        }
        let icon = if self.bar_hover.is_some() {
            CursorShape::Pointer
        } else if self.over_bar() {
            CursorShape::Default
        } else if self.hover_name.is_some()
            && !self.shown.as_ref().is_some_and(|s| s.nav.dragging())
        {
            CursorShape::Pointer
        } else {
            match self.shown.as_ref().map(|s| s.nav.cursor()) {
                None => CursorShape::Progress,
                Some(Cursor::Hand) => CursorShape::Grab,
                Some(Cursor::Grabbing) => CursorShape::Grabbing,
                Some(Cursor::Finger) => CursorShape::Pointer,
                Some(Cursor::Joystick) => CursorShape::Crosshair,
                Some(Cursor::OldJoystick) => CursorShape::Cell,
                Some(Cursor::Move) => CursorShape::Move,
                Some(Cursor::Turn(x, y)) => match (x, y) {
                    (1, 0) => CursorShape::EResize,
                    (-1, 0) => CursorShape::WResize,
                    (0, -1) => CursorShape::NResize,
                    (0, 1) => CursorShape::SResize,
                    (1, -1) => CursorShape::NeResize,
                    (-1, -1) => CursorShape::NwResize,
                    (1, 1) => CursorShape::SeResize,
                    (-1, 1) => CursorShape::SwResize,
                    _ => CursorShape::Move,
                },
            }
        };
        if self.cursor != Some(icon) {
            self.cursor = Some(icon);
            self.effect(Effect::Cursor(icon));
        }
    }

    /// The `qtvr render` command line for the current view.
    pub(super) fn render_command(&self) -> Option<String> {
        let s = self.shown.as_ref()?;
        let [w, h] = self.physical_size();
        let file = shell_quote(&s.movie.origin.path());
        let view = match s.nav.subject() {
            Subject::Panorama { view, .. } => format!(
                "--pan {:.2} --tilt {:.2} --fov {:.2}",
                view.pan, view.tilt, view.fov
            ),
            Subject::Object(o) => {
                let view = o.view();
                format!(
                    "--row {} --column {} --state {} --frame {} --fov {:.2}",
                    view.row, view.column, view.state, view.frame, view.fov
                )
            }
        };
        Some(format!(
            "qtvr render {file} --node {} {view} --size {w}x{h} -o view.png",
            s.node
        ))
    }

    pub(super) fn copy_command(&mut self) {
        let Some(cmd) = self.render_command() else {
            return;
        };
        self.report(Report::Copied { text: cmd.clone() });
        self.effect(Effect::Copy(cmd));
    }

    pub(super) fn save_view(&mut self) {
        let Some(s) = &self.shown else { return };
        let shot = s.nav.shot();
        let v = s.nav.view();
        let stem = s.movie.origin.name();
        let stem = stem.rsplit_once('.').map_or(stem.as_str(), |(a, _)| a);
        let name = format!(
            "{stem}-node{}-pan{:.0}-tilt{:.0}.png",
            s.node, v.pan, v.tilt
        );
        let (size, hotspots) = (self.physical_size(), self.show_hotspots);
        self.effect(Effect::Save {
            name,
            shot,
            size,
            hotspots,
        });
    }
}
