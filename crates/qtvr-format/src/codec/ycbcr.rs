//! Y′CbCr planes: a JPEG picture kept the way its decoder made it.
//!
//! ffmpeg's JPEG decoder hands on Y, Cb and Cr planes and converts them to RGB
//! only when asked. Ours does the same for the layouts nearly every QuickTime
//! JPEG has (three components, luma at full resolution, both chroma planes
//! sampled alike at full or half resolution across and down: 4:4:4, 4:2:2,
//! 4:4:0, 4:2:0): the frame holds the planes, 1.5 bytes a pixel for 4:2:0
//! instead of RGBA's 4, and pixels are turned into RGBA only where they are
//! read — a band of a texture layer, a texel of a cube face's gutter, an
//! exported picture. A node's decoded faces then take less than half the
//! memory, and none of it is written twice.
//!
//! `Frame::data` is the Y plane (`width × height`), then Cb, then Cr (each
//! `⌈width / across⌉ × ⌈height / down⌉`). Pixel (x, y) takes the chroma
//! sample (x / across, y / down), and the conversion is the decoder's own
//! (`jpeg::color`), so a picture read from the planes is the picture the
//! decoder would have written as RGBA, to the bit.

use super::jpeg::color::{self, Formula};

/// How a frame's Y′CbCr planes are laid out and converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Pixels per chroma sample across: 1 or 2.
    across: u8,
    /// Pixels per chroma sample down: 1 or 2.
    down: u8,
    /// Which of ffmpeg's two fixed-point forms converts it (see `jpeg::color`).
    floor: bool,
}

impl Layout {
    /// 4:2:0 with the rounded-down form: what a JPEG decoder's frame starts
    /// as, before the first picture says otherwise.
    pub const FIRST_GUESS: Layout = Layout {
        across: 2,
        down: 2,
        floor: true,
    };

    /// A layout with `across` and `down` pixels per chroma sample (1 or 2
    /// each; None otherwise).
    pub(crate) fn new(across: usize, down: usize, formula: Formula) -> Option<Layout> {
        let ok = |v: usize| v == 1 || v == 2;
        (ok(across) && ok(down)).then_some(Layout {
            across: across as u8,
            down: down as u8,
            floor: formula == Formula::Floor,
        })
    }

    fn formula(self) -> Formula {
        if self.floor {
            Formula::Floor
        } else {
            Formula::Round
        }
    }

    /// Pixels per chroma sample (across, down).
    pub(crate) fn sampling(self) -> (usize, usize) {
        (usize::from(self.across), usize::from(self.down))
    }

    /// The layout of the same planes turned a quarter turn (across and down
    /// swapped; the conversion is the same).
    pub(crate) fn turned(self) -> Layout {
        Layout {
            across: self.down,
            down: self.across,
            floor: self.floor,
        }
    }

    /// The chroma planes' width and height for a `width × height` picture.
    pub fn chroma_size(self, width: usize, height: usize) -> (usize, usize) {
        (
            width.div_ceil(usize::from(self.across)),
            height.div_ceil(usize::from(self.down)),
        )
    }

    /// Bytes of the three planes of a `width × height` picture (None on overflow).
    pub fn bytes(self, width: usize, height: usize) -> Option<usize> {
        let (cw, ch) = self.chroma_size(width, height);
        width
            .checked_mul(height)?
            .checked_add(cw.checked_mul(ch)?.checked_mul(2)?)
    }

    /// Fills `data` (this layout's planes for a `width × height` picture) with
    /// opaque black: Y 0, chroma 128.
    pub(crate) fn fill_black(self, data: &mut [u8], width: usize, height: usize) {
        let luma = width.saturating_mul(height).min(data.len());
        data[..luma].fill(0);
        data[luma..].fill(128);
    }

    /// The three planes of `data`: (Y, Cb, Cr). Short data gives short (or
    /// empty) planes, never a panic.
    fn planes(self, data: &[u8], width: usize, height: usize) -> [&[u8]; 3] {
        let (cw, ch) = self.chroma_size(width, height);
        let luma = width.saturating_mul(height).min(data.len());
        let (y, rest) = data.split_at(luma);
        let c = cw.saturating_mul(ch).min(rest.len());
        let (cb, rest) = rest.split_at(c);
        let cr = &rest[..c.min(rest.len())];
        [y, cb, cr]
    }

    /// Pixels `x..` of row `y` as RGBA into `out` (as many as it holds, up to
    /// the row's end; nothing outside the picture).
    pub fn row_rgba(
        self,
        data: &[u8],
        width: usize,
        height: usize,
        x: usize,
        y: usize,
        out: &mut [u8],
    ) {
        if y >= height || x >= width {
            return;
        }
        let [yp, cb, cr] = self.planes(data, width, height);
        let (cw, _) = self.chroma_size(width, height);
        let across = usize::from(self.across);
        let cy = y / usize::from(self.down);
        let n = (out.len() / 4).min(width - x);
        if n == 0 {
            return;
        }
        let mut out = &mut out[..n * 4];
        let mut x = x;
        if !x.is_multiple_of(across) {
            // Start on a chroma sample's first pixel.
            out[..4].copy_from_slice(&self.texel(data, width, height, x, y));
            out = &mut out[4..];
            x += 1;
        }
        let get = |p: &'_ [u8], start: usize, len: usize| -> Option<std::ops::Range<usize>> {
            let end = start.checked_add(len)?;
            (end <= p.len()).then_some(start..end)
        };
        let luma = get(yp, y * width + x, width - x);
        let chroma = get(cb, cy * cw + x / across, cw - x / across);
        if let (Some(l), Some(c)) = (luma, chroma) {
            color::ycbcr_row(
                self.formula(),
                &yp[l],
                &cb[c.clone()],
                cr.get(c).unwrap_or(&[]),
                1,
                across,
                out,
            );
        }
    }

    /// Pixel (x, y) as RGBA (opaque black outside the picture).
    pub fn texel(self, data: &[u8], width: usize, height: usize, x: usize, y: usize) -> [u8; 4] {
        if x >= width || y >= height {
            return [0, 0, 0, 255];
        }
        // Straight to the three samples (no slicing, no division: this is
        // per texel; across and down are 1 or 2, so halving is a shift).
        let (sx, sy) = (u32::from(self.across >> 1), u32::from(self.down >> 1));
        let (cw, ch) = (
            (width + (1 << sx) - 1) >> sx,
            (height + (1 << sy) - 1) >> sy,
        );
        let c = width * height + (y >> sy) * cw + (x >> sx);
        match (data.get(y * width + x), data.get(c), data.get(c + cw * ch)) {
            (Some(&l), Some(&u), Some(&v)) => color::ycbcr_pixel(self.formula(), l, u, v),
            _ => [0, 0, 0, 255],
        }
    }

    /// The whole picture as RGBA, `width × height × 4` bytes.
    pub fn to_rgba(self, data: &[u8], width: usize, height: usize) -> Vec<u8> {
        let mut out = vec![0u8; width * height * 4];
        if width > 0 {
            for (y, row) in out.chunks_exact_mut(width * 4).enumerate() {
                self.row_rgba(data, width, height, 0, y, row);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 5×3 picture's planes with every sample different.
    fn planes(l: Layout, w: usize, h: usize) -> Vec<u8> {
        let n = l.bytes(w, h).unwrap();
        (0..n).map(|i| (i * 37 % 251) as u8).collect()
    }

    #[test]
    fn rows_from_any_column_match_texels() {
        for (a, d) in [(1, 1), (2, 1), (1, 2), (2, 2)] {
            for f in [Formula::Floor, Formula::Round] {
                let l = Layout::new(a, d, f).unwrap();
                let (w, h) = (37, 5);
                let data = planes(l, w, h);
                for y in 0..h {
                    for x in 0..w {
                        let mut row = vec![0u8; (w - x) * 4];
                        l.row_rgba(&data, w, h, x, y, &mut row);
                        for (i, px) in row.chunks_exact(4).enumerate() {
                            assert_eq!(
                                px,
                                l.texel(&data, w, h, x + i, y),
                                "{a}×{d} ({x}+{i}, {y})"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn sizes_and_black() {
        let l = Layout::FIRST_GUESS;
        assert_eq!(l.chroma_size(5, 3), (3, 2));
        assert_eq!(l.bytes(5, 3), Some(15 + 12));
        assert_eq!(l.bytes(usize::MAX, 2), None);
        let mut d = vec![7u8; 27];
        l.fill_black(&mut d, 5, 3);
        assert_eq!(l.texel(&d, 5, 3, 4, 2), [0, 0, 0, 255]);
        assert_eq!(l.to_rgba(&d, 5, 3), [0, 0, 0, 255].repeat(15));
        // Outside, or short data: black, no panic.
        assert_eq!(l.texel(&d[..10], 5, 3, 4, 2), [0, 0, 0, 255]);
        let mut row = [1u8; 8];
        l.row_rgba(&d[..3], 5, 3, 0, 0, &mut row);
        assert_eq!(Layout::new(3, 1, Formula::Floor), None);
    }
}
