//! The controls: what the bar, the help or node list panel and the message
//! show, drawn into the overlay slots when they change.

use super::{BAR, Effect, MESSAGE, PANEL, Panel, PanelAt, Viewer};
use crate::ui::{self, BarState, Button};
use crate::view::nav::Subject;
use qtvr_format::qtvr::NodeContent;

impl Viewer {
    pub(super) fn bar_state(&self) -> BarState {
        let view = match &self.shown {
            Some(s) => match s.nav.subject() {
                Subject::Panorama { view, .. } => format!(
                    "pan {:.1}°  tilt {:.1}°  fov {:.1}°",
                    view.pan, view.tilt, view.fov
                ),
                Subject::Object(o) => {
                    let view = o.view();
                    let mut t = format!("row {} column {}", view.row, view.column);
                    let n = o.node();
                    if n.view_states > 1 {
                        t.push_str(&format!(" state {}", view.state));
                    }
                    if n.frames_per_view > 1 {
                        t.push_str(&format!(" frame {}", view.frame));
                    }
                    if o.can_zoom() {
                        t.push_str(&format!(" fov {:.1}°", view.fov));
                    }
                    if o.translate_mode() {
                        t.push_str(" (move)");
                    }
                    t
                }
            },
            None if self.chooser.is_some() && self.switch.target().is_none() => {
                "choose a movie".into()
            }
            None => "loading".into(),
        };
        BarState {
            node: self.node_name(),
            view,
            status: match self.bar_hover {
                Some(Button::Sound) => self.sound.hover(),
                _ => self.hover_name.clone(),
            },
            sound: self.sound.button(),
            hotspots_on: self.show_hotspots,
            can_go_back: self.tour.depth() > 0,
            progress: self.progress,
            hover: self.bar_hover,
        }
    }

    /// The node list's lines: number key, name, kind; the current one marked.
    pub(super) fn node_list(&self) -> Option<Panel> {
        let s = self.shown.as_ref()?;
        let scene = s.movie.scene()?;
        let mut lines: Vec<String> = scene
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let key = if i < 9 {
                    format!("{}", i + 1)
                } else {
                    " ".into()
                };
                let kind = match &n.content {
                    NodeContent::Panorama(p) => match p.projection {
                        qtvr_format::qtvr::Projection::Cylinder { .. } => "cylinder",
                        _ => "cube",
                    },
                    NodeContent::Object(_) => "object",
                };
                let name = n.name.clone().unwrap_or_else(|| format!("node {}", n.id));
                let here = if n.id == s.node { "  <" } else { "" };
                format!("{key}  {name} ({kind}){here}")
            })
            .collect();
        lines.push(String::new());
        lines.push("1-9: go there   N, Esc: close".into());
        Some(Panel {
            title: "Nodes".into(),
            lines,
        })
    }

    /// The disc image chooser's lines: number key, path and kind; the
    /// selected one marked like the node list's current node.
    fn chooser_panel(&self) -> Option<Panel> {
        let c = self.chooser.as_ref()?;
        let mut lines: Vec<String> = c
            .movies
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mark = if i == c.selected { "  <" } else { "" };
                let key = if i < 9 {
                    format!("{}", i + 1)
                } else {
                    " ".into()
                };
                format!("{key}  {}{mark}", m.label)
            })
            .collect();
        lines.push(String::new());
        lines.push("Up/Down, Enter or 1-9: open   Esc: close".into());
        Some(Panel {
            title: format!("{}: choose a movie", c.image),
            lines,
        })
    }

    /// The chooser's movie (0-based) under the pointer, if the chooser shows.
    pub(super) fn chooser_line_under_pointer(&self) -> Option<usize> {
        let c = self.chooser.as_ref()?;
        let p = self.panel_at?;
        let x = self.pointer[0] - f64::from(p.at[0]);
        let y = self.pointer[1] - f64::from(p.at[1]);
        if x < 0.0 || y < 0.0 || x >= f64::from(p.size[0]) || y >= f64::from(p.size[1]) {
            return None;
        }
        let k = ui::ui_scale(self.window?.scale);
        let lines = self.chooser_panel()?.lines;
        ui::panel_line_at(&lines, k, p.text_scale, p.max_width, y as i64)
            .filter(|&i| i < c.movies.len())
    }

    /// The panel shown: the disc image chooser, the node list or the keys.
    pub(super) fn panel(&self) -> Option<Panel> {
        if self.chooser.is_some() {
            self.chooser_panel()
        } else if self.show_nodes {
            self.node_list()
        } else if self.show_help {
            Some(Panel {
                title: "Keys".into(),
                lines: ui::help_lines(),
            })
        } else {
            None
        }
    }

    /// Lays out and draws the controls into the overlay slots.
    pub(super) fn update_overlay(&mut self) {
        let Some(win) = self.window else { return };
        let bar = self.bar_state();
        let panel = self.panel();
        let message = self.message.clone();
        let k = ui::ui_scale(win.scale);
        let [w, h] = win.size;
        self.overlay_dirty = false;
        if self.show_bar {
            let (c, layout) = ui::draw_bar(w, k, &bar);
            let top = h.saturating_sub(c.height) as i32;
            self.effect(Effect::Overlay {
                slot: BAR,
                show: Some((c, [0, top])),
            });
            self.bar_layout = Some(layout);
        } else {
            self.effect(Effect::Overlay {
                slot: BAR,
                show: None,
            });
            self.bar_layout = None;
        }
        let bar_logical = self
            .bar_layout
            .as_ref()
            .map_or(0.0, |l| f64::from(l.height) / win.scale);
        if let Some(s) = &mut self.shown {
            s.nav.set_bar_height(bar_logical);
        }
        // The bar changes with every frame of motion; help and messages rarely.
        let panels = (panel.clone(), message.clone(), [w, h], k);
        if self.panels_shown.as_ref() == Some(&panels) {
            return;
        }
        self.panels_shown = Some(panels);
        self.panel_at = None;
        let panel = panel.map(|p| {
            let room = [
                w.saturating_sub(16),
                h.saturating_sub(ui::bar_height(k) + 16),
            ];
            let mut text_scale = 2 * k;
            let mut c = ui::draw_panel(&p.title, ui::ACCENT, &p.lines, k, text_scale, room[0]);
            if c.width > room[0] || c.height > room[1] {
                text_scale = k;
                c = ui::draw_panel(&p.title, ui::ACCENT, &p.lines, k, text_scale, room[0]);
            }
            let at = [
                (w.saturating_sub(c.width) / 2) as i32,
                (h.saturating_sub(c.height) / 2) as i32,
            ];
            self.panel_at = Some(PanelAt {
                at,
                size: [c.width, c.height],
                text_scale,
                max_width: room[0],
            });
            (c, at)
        });
        self.effect(Effect::Overlay {
            slot: PANEL,
            show: panel,
        });
        let message = message.map(|m| {
            let colour = if m.error { ui::ERROR } else { ui::ACCENT };
            let width = w.saturating_sub(16).min(900 * k);
            let c = ui::draw_panel(&m.title, colour, &m.lines, k, 2 * k, width);
            let at = [(w.saturating_sub(c.width) / 2) as i32, (12 * k) as i32];
            (c, at)
        });
        self.effect(Effect::Overlay {
            slot: MESSAGE,
            show: message,
        });
    }
}
