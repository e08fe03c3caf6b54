use super::*;

fn state() -> BarState {
    BarState {
        node: "Meadow".into(),
        view: "pan 10.0° tilt 0.0° fov 60.0°".into(),
        status: None,
        hotspots_on: false,
        can_go_back: false,
        progress: None,
        hover: None,
        sound: None,
    }
}

#[test]
fn text_draws_the_font_bits_at_scale() {
    let mut c = Canvas::new(40, 20);
    let end = c.text(2, 1, "A", 2, TEXT);
    assert_eq!(end, 2 + 14);
    let bits = font8x8::BASIC_FONTS.get('A').unwrap();
    for y in 0..16u32 {
        for x in 0..14u32 {
            let on = bits[(y / 2) as usize] & (1 << (x / 2)) != 0;
            let px = c.pixel(2 + x, 1 + y);
            assert_eq!(px, if on { TEXT } else { [0; 4] }, "({x}, {y})");
        }
    }
    // Latin-1 and unknown characters: something is drawn, nothing panics.
    let mut d = Canvas::new(40, 10);
    d.text(0, 0, "é°\u{4e2d}", 1, TEXT);
    assert!(d.data.chunks(4).any(|p| p[3] != 0));
}

#[test]
fn fill_blends_premultiplied_and_clips() {
    let mut c = Canvas::new(4, 4);
    c.fill(-2, -2, 4, 4, [100, 0, 0, 255]);
    c.fill(1, 1, 10, 10, [0, 0, 50, 128]);
    assert_eq!(c.pixel(0, 0), [100, 0, 0, 255]);
    assert_eq!(c.pixel(1, 1), [50, 0, 50, 255]);
    assert_eq!(c.pixel(3, 3), [0, 0, 50, 128]);
    assert_eq!(c.pixel(3, 0), [0; 4]);
}

#[test]
fn bar_buttons_are_where_the_layout_says() {
    for scale in [1, 2] {
        let (c, l) = draw_bar(900 * scale, scale, &state());
        assert_eq!(c.height, bar_height(scale));
        assert_eq!(l.buttons.len(), 5);
        for (i, &(b, [x, y, w, h])) in l.buttons.iter().enumerate() {
            assert!(x + w <= c.width && y + h <= c.height);
            let centre = (f64::from(x + w / 2), f64::from(y + h / 2));
            assert_eq!(l.button_at(centre.0, centre.1), Some(b));
            for &(_, [x2, _, w2, _]) in &l.buttons[i + 1..] {
                assert!(x + w <= x2 || x2 + w2 <= x, "buttons overlap");
            }
        }
        assert_eq!(l.button_at(f64::from(c.width / 2), 1.0), None);
        assert_eq!(l.buttons.last().map(|b| b.0), Some(Button::Help));
    }
}

#[test]
fn bar_shows_state() {
    let s = state();
    let (plain, l) = draw_bar(900, 1, &s);
    // Back is drawn dimmer when there is nowhere to go back to.
    let back = l.buttons[0].1;
    let count = |c: &Canvas, col: [u8; 4]| {
        let mut n = 0;
        for y in back[1]..back[1] + back[3] {
            for x in back[0]..back[0] + back[2] {
                n += usize::from(c.pixel(x, y) == col);
            }
        }
        n
    };
    assert_eq!(count(&plain, TEXT), 0);
    let (able, _) = draw_bar(
        900,
        1,
        &BarState {
            can_go_back: true,
            progress: Some(0.5),
            ..s.clone()
        },
    );
    assert!(count(&able, TEXT) > 10);
    // Progress: a line over the left half of the top edge.
    assert_eq!(able.pixel(100, 0), ACCENT);
    assert_eq!(able.pixel(449, 1), ACCENT);
    assert_ne!(able.pixel(460, 0), ACCENT);
    // A hot spot's name replaces the view text, in the accent colour.
    let (named, _) = draw_bar(
        900,
        1,
        &BarState {
            status: Some("To the gallery".into()),
            ..s
        },
    );
    assert!(named.data.chunks(4).any(|p| p == ACCENT));
    assert!(!plain.data.chunks(4).any(|p| p == ACCENT));
}

#[test]
fn narrow_bars_clip_text_and_keep_buttons() {
    let s = BarState {
        node: "A very long node name that does not fit anywhere".into(),
        ..state()
    };
    let (c, l) = draw_bar(200, 1, &s);
    assert_eq!(c.width, 200);
    assert!(l.buttons.iter().all(|(_, r)| r[0] + r[2] <= 200));
    assert_eq!(clip("abcdef", 4), "abc~");
    assert_eq!(clip("abc", 4), "abc");
    assert_eq!(clip("abc", 0), "");
}

#[test]
fn panels_wrap_to_the_width() {
    let long = vec!["word ".repeat(40), "x".repeat(100)];
    let c = draw_panel("Cannot open", ERROR, &long, 1, 2, 400);
    assert!(c.width <= 400, "{}", c.width);
    let mut out = Vec::new();
    wrap(&"x".repeat(20), 8, &mut out);
    assert_eq!(out, vec!["xxxxxxxx", "xxxxxxxx", "xxxx"]);
    let help = help_lines();
    assert_eq!(help.len(), HELP.len());
    assert!(help.iter().all(|l| l.contains("  ")));
    assert_eq!(ui_scale(1.0), 1);
    assert_eq!(ui_scale(1.6), 2);
    assert_eq!(ui_scale(f64::NAN), 1);
}

#[test]
fn the_speaker_button_shows_only_with_sound_and_draws_the_volume() {
    let (_, without) = draw_bar(900, 1, &state());
    assert!(!without.buttons.iter().any(|b| b.0 == Button::Sound));
    let draw = |sound| {
        let s = BarState {
            sound: Some(sound),
            ..state()
        };
        draw_bar(900, 1, &s)
    };
    let (loud, layout) = draw(Speaker::On(1.0));
    let &(_, [x, y, w, h]) = layout
        .buttons
        .iter()
        .find(|b| b.0 == Button::Sound)
        .expect("a speaker button");
    // After the hot spot button, before Help.
    assert_eq!(layout.buttons[4].0, Button::Sound);
    let lit = |c: &Canvas, colour: [u8; 4]| {
        (y..y + h)
            .flat_map(|py| (x..x + w).map(move |px| (px, py)))
            .filter(|&(px, py)| c.pixel(px, py) == colour)
            .count()
    };
    let (quiet, _) = draw(Speaker::On(0.2));
    let (muted, _) = draw(Speaker::Muted);
    let (none, _) = draw(Speaker::NoOutput);
    // Three waves, one wave, a cross instead.
    assert!(lit(&loud, TEXT) > lit(&quiet, TEXT));
    assert_eq!(lit(&loud, ACCENT), 0);
    assert!(lit(&muted, ACCENT) > 0);
    // Without an output: greyed, crossed, nothing in the text colour.
    assert_eq!(lit(&none, TEXT), 0);
    assert!(lit(&none, DIM) > 0);
}
