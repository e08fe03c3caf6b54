//! The viewer's on-screen controls drawn as pictures: the controller bar, the
//! keyboard help, messages and the loading progress. Plain pixels and layout
//! (no window, no GPU): the renderer's overlay pass blends these pictures over
//! the view, the window shell asks [`BarLayout::button_at`] what was clicked.
//!
//! Text uses the public-domain 8×8 bitmap font of the `font8x8` crate (ASCII
//! and Latin-1), scaled by whole pixels, so it stays crisp on HiDPI screens.

use font8x8::UnicodeFonts;

/// A premultiplied-alpha RGBA picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canvas {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// Bar, panel and text colours (premultiplied RGBA).
pub const BAR: [u8; 4] = [18, 18, 20, 215];
pub const TEXT: [u8; 4] = [235, 235, 235, 255];
pub const DIM: [u8; 4] = [120, 120, 120, 255];
pub const ACCENT: [u8; 4] = [255, 196, 60, 255];
pub const ERROR: [u8; 4] = [255, 110, 100, 255];

impl Canvas {
    /// A transparent picture.
    pub fn new(width: u32, height: u32) -> Canvas {
        let (w, h) = (width.clamp(1, 16384), height.clamp(1, 16384));
        Canvas {
            width: w,
            height: h,
            data: vec![0; w as usize * h as usize * 4],
        }
    }

    /// Covers a rectangle (clipped) with `c`, blended over what is there.
    pub fn fill(&mut self, x: i64, y: i64, w: i64, h: i64, c: [u8; 4]) {
        let x0 = x.clamp(0, i64::from(self.width)) as usize;
        let y0 = y.clamp(0, i64::from(self.height)) as usize;
        let x1 = (x + w).clamp(0, i64::from(self.width)) as usize;
        let y1 = (y + h).clamp(0, i64::from(self.height)) as usize;
        let a = u32::from(255 - c[3]);
        for yy in y0..y1 {
            let row = yy * self.width as usize * 4;
            for px in self.data[row + x0 * 4..row + x1 * 4].chunks_exact_mut(4) {
                for i in 0..4 {
                    px[i] = (u32::from(c[i]) + (u32::from(px[i]) * a + 127) / 255) as u8;
                }
            }
        }
    }

    /// A one-`t`-pixel frame inside a rectangle.
    pub fn outline(&mut self, x: i64, y: i64, w: i64, h: i64, t: i64, c: [u8; 4]) {
        self.fill(x, y, w, t, c);
        self.fill(x, y + h - t, w, t, c);
        self.fill(x, y + t, t, h - 2 * t, c);
        self.fill(x + w - t, y + t, t, h - 2 * t, c);
    }

    /// Writes `s` with its top-left at (x, y), each font pixel `scale`
    /// pixels; returns the x after the text.
    pub fn text(&mut self, x: i64, y: i64, s: &str, scale: u32, c: [u8; 4]) -> i64 {
        let k = i64::from(scale.max(1));
        let mut cx = x;
        for ch in s.chars() {
            let glyph = glyph(ch);
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8 {
                    if bits & (1 << col) != 0 {
                        self.fill(cx + col * k, y + row as i64 * k, k, k, c);
                    }
                }
            }
            cx += ADVANCE * k;
        }
        cx
    }

    /// The premultiplied colour at (x, y).
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 4] {
        let i = (y as usize * self.width as usize + x as usize) * 4;
        [
            self.data[i],
            self.data[i + 1],
            self.data[i + 2],
            self.data[i + 3],
        ]
    }
}

/// Font pixels from one character to the next (the glyphs' eighth column is
/// almost always empty).
const ADVANCE: i64 = 7;

fn glyph(c: char) -> [u8; 8] {
    font8x8::BASIC_FONTS
        .get(c)
        .or_else(|| font8x8::LATIN_FONTS.get(c))
        .or_else(|| font8x8::BASIC_FONTS.get('?'))
        .unwrap_or([0; 8])
}

/// Width in pixels of `s` written at `scale`.
pub fn text_width(s: &str, scale: u32) -> u32 {
    (s.chars().count() as u32).saturating_mul(ADVANCE as u32 * scale.max(1))
}

/// The controller bar's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Back,
    ZoomOut,
    ZoomIn,
    HotSpots,
    Help,
    /// Sound on and off (shown only when the movie has sound).
    Sound,
}

/// What the controller bar shows.
#[derive(Debug, Clone, PartialEq)]
pub struct BarState {
    /// The node's name (or "Node N").
    pub node: String,
    /// Pan, tilt, field of view — or for objects row/column — already as text.
    pub view: String,
    /// A hot spot's name under the pointer, shown instead of the view text.
    pub status: Option<String>,
    pub hotspots_on: bool,
    pub can_go_back: bool,
    /// Loading progress 0..1, while tiles decode.
    pub progress: Option<f32>,
    pub hover: Option<Button>,
    /// The speaker button, when the movie has sound.
    pub sound: Option<Speaker>,
}

/// What the speaker button shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speaker {
    /// Playing at this volume (0..1).
    On(f32),
    Muted,
    /// The movie has sound, but there is no output to play it on.
    NoOutput,
}

/// Where the bar's buttons are, in bar pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarLayout {
    pub height: u32,
    pub buttons: Vec<(Button, [u32; 4])>,
}

impl BarLayout {
    /// The button at (x, y) in bar pixels.
    pub fn button_at(&self, x: f64, y: f64) -> Option<Button> {
        self.buttons.iter().find_map(|&(b, [bx, by, bw, bh])| {
            let inside = x >= f64::from(bx)
                && x < f64::from(bx + bw)
                && y >= f64::from(by)
                && y < f64::from(by + bh);
            inside.then_some(b)
        })
    }
}

/// Pixels per logical pixel for the controls, from the window's scale factor.
pub fn ui_scale(scale_factor: f64) -> u32 {
    if scale_factor.is_finite() {
        scale_factor.round().clamp(1.0, 8.0) as u32
    } else {
        1
    }
}

/// The bar's height in pixels.
pub fn bar_height(scale: u32) -> u32 {
    28 * scale.max(1)
}

/// Draws the controller bar `width` pixels wide.
pub fn draw_bar(width: u32, scale: u32, s: &BarState) -> (Canvas, BarLayout) {
    let k = scale.max(1);
    let h = bar_height(k);
    let mut c = Canvas::new(width, h);
    c.fill(0, 0, i64::from(width), i64::from(h), BAR);
    c.fill(0, 0, i64::from(width), i64::from(k), [70, 70, 74, 255]);
    let b = 24 * k;
    let top = (h - b) / 2;
    let mut buttons = Vec::new();
    let mut x = 4 * k;
    let sound = s.sound.map(|_| Button::Sound);
    for button in [
        Button::Back,
        Button::ZoomOut,
        Button::ZoomIn,
        Button::HotSpots,
    ]
    .into_iter()
    .chain(sound)
    {
        let rect = [x, top, b, b];
        let enabled = button != Button::Back || s.can_go_back;
        let on = button == Button::HotSpots && s.hotspots_on;
        draw_button(
            &mut c,
            button,
            rect,
            k,
            enabled,
            on,
            s.hover == Some(button),
        );
        if button == Button::Sound
            && let Some(speaker) = s.sound
        {
            draw_speaker(&mut c, rect, k, speaker);
        }
        buttons.push((button, rect));
        x += b + 2 * k;
    }
    let help = [width.saturating_sub(b + 4 * k), top, b, b];
    let text_scale = 2 * k;
    let ty = i64::from((h - 8 * text_scale) / 2);
    let mut tx = i64::from(x + 8 * k);
    let end = i64::from(help[0]) - i64::from(8 * k);
    let room = |from: i64| ((end - from).max(0) as u32 / (ADVANCE as u32 * text_scale)) as usize;
    let (right, colour) = match &s.status {
        Some(st) => (st.as_str(), ACCENT),
        None => (s.view.as_str(), DIM),
    };
    // The view (or hot spot) text first; the name gets what is left, at
    // least a third.
    let gap = 16 * k as usize;
    let chars = room(tx);
    let per_char = (ADVANCE as u32 * text_scale) as usize;
    let right_chars = right.chars().count();
    let name_chars = chars
        .saturating_sub(right_chars + gap.div_ceil(per_char))
        .max(chars / 3);
    let name = clip(&s.node, name_chars);
    tx = c.text(tx, ty, &name, text_scale, TEXT) + gap as i64;
    let right = clip(right, room(tx));
    let rw = i64::from(text_width(&right, text_scale));
    c.text((end - rw).max(tx), ty, &right, text_scale, colour);
    if help[0] > x {
        draw_button(
            &mut c,
            Button::Help,
            help,
            k,
            true,
            false,
            s.hover == Some(Button::Help),
        );
        buttons.push((Button::Help, help));
    }
    if let Some(p) = s.progress {
        let p = if p.is_finite() {
            p.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let w = (f64::from(width) * f64::from(p)) as i64;
        c.fill(0, 0, w, i64::from(2 * k), ACCENT);
    }
    (c, BarLayout { height: h, buttons })
}

fn clip(s: &str, chars: usize) -> String {
    let n = s.chars().count();
    if n <= chars {
        s.to_string()
    } else if chars == 0 {
        String::new()
    } else {
        let mut t: String = s.chars().take(chars - 1).collect();
        t.push('~');
        t
    }
}

fn draw_button(
    c: &mut Canvas,
    button: Button,
    [x, y, w, h]: [u32; 4],
    k: u32,
    enabled: bool,
    on: bool,
    hover: bool,
) {
    let (x, y, w, h, k) = (
        i64::from(x),
        i64::from(y),
        i64::from(w),
        i64::from(h),
        i64::from(k),
    );
    if hover && enabled {
        c.fill(x, y, w, h, [60, 60, 66, 255]);
    }
    if on {
        c.fill(x, y, w, h, [90, 70, 20, 255]);
    }
    let fg = if enabled { TEXT } else { [80, 80, 80, 255] };
    let (cx, cy) = (x + w / 2, y + h / 2);
    match button {
        Button::Back => {
            // A left-pointing triangle.
            for i in 0..(8 * k) {
                let half = i * 6 / 8;
                c.fill(cx - 4 * k + i, cy - half, 1, 2 * half + 1, fg);
            }
        }
        Button::ZoomOut => c.fill(cx - 6 * k, cy - k, 12 * k, 2 * k, fg),
        Button::ZoomIn => {
            c.fill(cx - 6 * k, cy - k, 12 * k, 2 * k, fg);
            c.fill(cx - k, cy - 6 * k, 2 * k, 12 * k, fg);
        }
        Button::HotSpots => {
            c.outline(
                cx - 7 * k,
                cy - 6 * k,
                14 * k,
                12 * k,
                k,
                if on { ACCENT } else { fg },
            );
            c.fill(
                cx - 2 * k,
                cy - 2 * k,
                4 * k,
                4 * k,
                if on { ACCENT } else { fg },
            );
        }
        Button::Help => {
            c.text(cx - 8 * k, cy - 8 * k, "?", 2 * k as u32, fg);
        }
        // Drawn by `draw_speaker`, which knows the volume.
        Button::Sound => {}
    }
}

/// The speaker: a box and a cone, then up to three waves for the volume, or
/// a cross when muted (all greyed without an output).
fn draw_speaker(c: &mut Canvas, [x, y, w, h]: [u32; 4], k: u32, speaker: Speaker) {
    let (fg, cross, muted, volume) = match speaker {
        Speaker::On(v) => (TEXT, ACCENT, false, v),
        Speaker::Muted => (TEXT, ACCENT, true, 0.0),
        Speaker::NoOutput => (DIM, DIM, true, 0.0),
    };
    let (k, cx, cy) = (i64::from(k), i64::from(x + w / 2), i64::from(y + h / 2));
    let left = cx - 7 * k;
    c.fill(left, cy - 2 * k, 3 * k, 4 * k, fg);
    for i in 0..(4 * k) {
        let half = 2 * k + i * 3 / 4;
        c.fill(left + 3 * k + i, cy - half, 1, 2 * half, fg);
    }
    let right = left + 8 * k;
    if muted {
        for i in 0..(5 * k) {
            c.fill(right + k + i, cy - 5 * k / 2 + i, k, k, cross);
            c.fill(right + k + i, cy + 5 * k / 2 - i - k, k, k, cross);
        }
        return;
    }
    let waves = if volume <= 0.0 {
        0
    } else if volume < 0.4 {
        1
    } else if volume < 0.75 {
        2
    } else {
        3
    };
    for n in 0..waves {
        let dx = right + (1 + 2 * n) * k;
        let half = (2 + 2 * n) * k;
        c.fill(dx, cy - half, k, 2 * half, TEXT);
    }
}

/// The keyboard help, as (keys, what they do).
pub const HELP: &[(&str, &str)] = &[
    ("drag", "look around / turn"),
    ("G", "drag: turn / grab"),
    ("arrows", "pan and tilt"),
    ("Shift, +", "zoom in"),
    ("Ctrl, -", "zoom out"),
    ("wheel, pinch", "zoom"),
    ("0", "default view"),
    ("click hot spot", "follow it (URL: twice)"),
    ("Backspace", "previous node"),
    ("N, then 1-9", "node list, jump"),
    ("F11, dbl-click", "fullscreen"),
    ("B", "controller bar"),
    ("T", "show hot spots"),
    ("S", "sound on / off"),
    ("[  ]", "volume down / up"),
    ("M, Alt+drag", "objects: move view"),
    ("Ctrl+O, drop", "open a movie"),
    ("Ctrl+S", "save view as PNG"),
    ("Ctrl+C", "copy render command"),
    ("H, ?", "this help"),
    ("Q, Ctrl+W", "quit"),
];

/// A centred box of text lines (help, messages): `title` in `colour`, then
/// `lines`, font pixels `text_scale` pixels wide. Lines longer than
/// `max_width` pixels are wrapped.
pub fn draw_panel(
    title: &str,
    colour: [u8; 4],
    lines: &[String],
    scale: u32,
    text_scale: u32,
    max_width: u32,
) -> Canvas {
    let k = scale.max(1);
    let ts = text_scale.max(1);
    let pad = 12 * k;
    let line_h = 8 * ts + 4 * k;
    let max_chars = ((max_width.saturating_sub(2 * pad)) / (ADVANCE as u32 * ts)).max(8) as usize;
    let mut wrapped: Vec<String> = Vec::new();
    for l in lines {
        wrap(l, max_chars, &mut wrapped);
        if wrapped.len() > 60 {
            break;
        }
    }
    let title = clip(title, max_chars);
    let widest = wrapped
        .iter()
        .map(|l| text_width(l, ts))
        .chain([text_width(&title, ts)])
        .max()
        .unwrap_or(0);
    let w = widest + 2 * pad;
    let h = pad * 2 + line_h * (wrapped.len() as u32 + 1) + 4 * k;
    let mut c = Canvas::new(w, h);
    c.fill(0, 0, i64::from(w), i64::from(h), [18, 18, 20, 230]);
    c.outline(0, 0, i64::from(w), i64::from(h), i64::from(k), colour);
    let mut y = i64::from(pad);
    c.text(i64::from(pad), y, &title, ts, colour);
    y += i64::from(line_h + 4 * k);
    for l in &wrapped {
        c.text(i64::from(pad), y, l, ts, TEXT);
        y += i64::from(line_h);
    }
    c
}

/// Which of `lines` (its index) the point `y` pixels below the top of a
/// panel drawn by [`draw_panel`] with the same `lines`, `scale`,
/// `text_scale` and `max_width` lies on (wrapped lines count as theirs).
pub fn panel_line_at(
    lines: &[String],
    scale: u32,
    text_scale: u32,
    max_width: u32,
    y: i64,
) -> Option<usize> {
    let k = scale.max(1);
    let ts = text_scale.max(1);
    let pad = 12 * k;
    let line_h = i64::from(8 * ts + 4 * k);
    let max_chars = ((max_width.saturating_sub(2 * pad)) / (ADVANCE as u32 * ts)).max(8) as usize;
    let mut top = i64::from(pad) + line_h + i64::from(4 * k);
    for (i, l) in lines.iter().enumerate() {
        let mut w = Vec::new();
        wrap(l, max_chars, &mut w);
        let bottom = top + line_h * w.len() as i64;
        if (top..bottom).contains(&y) {
            return Some(i);
        }
        top = bottom;
    }
    None
}

fn wrap(line: &str, max: usize, out: &mut Vec<String>) {
    let mut cur = String::new();
    for word in line.split(' ') {
        let need = cur.chars().count() + usize::from(!cur.is_empty()) + word.chars().count();
        if need > max && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
        while cur.chars().count() > max {
            let head: String = cur.chars().take(max).collect();
            cur = cur.chars().skip(max).collect();
            out.push(head);
        }
    }
    out.push(cur);
}

/// The help lines, keys padded to one column.
pub fn help_lines() -> Vec<String> {
    let w = HELP.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    HELP.iter().map(|(k, d)| format!("{k:<w$}  {d}")).collect()
}

#[cfg(test)]
mod tests;
