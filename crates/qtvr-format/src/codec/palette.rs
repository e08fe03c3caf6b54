//! Palettes for 1-, 2-, 4- and 8-bit streams: the sample description's colour
//! table, or else the standard Macintosh table or grey ramp for the depth.
//!
//! The rules follow what QuickTime (and ffmpeg, the reference decoder) do: a
//! description with colour table ID 0 carries its table; any other ID means the
//! system default for the depth; grey depths (33–40) get a ramp from white at
//! index 0 to black at the last index. Only the high byte of each 16-bit colour
//! table component is used.

use crate::container::sample_desc::{ColorTable, VideoDescription};

/// Up to 256 colours, RGBA (alpha always 255). Unused entries are black.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Palette {
    pub colors: [[u8; 4]; 256],
}

/// The Macintosh 4-colour system table (clut 2).
const MAC_4: [[u8; 3]; 4] = [
    [0xFF, 0xFF, 0xFF],
    [0xAC, 0xAC, 0xAC],
    [0x55, 0x55, 0x55],
    [0x00, 0x00, 0x00],
];

/// The Macintosh 16-colour system table (clut 4).
const MAC_16: [[u8; 3]; 16] = [
    [0xFF, 0xFF, 0xFF],
    [0xFC, 0xF3, 0x05],
    [0xFF, 0x64, 0x02],
    [0xDD, 0x08, 0x06],
    [0xF2, 0x08, 0x84],
    [0x46, 0x00, 0xA5],
    [0x00, 0x00, 0xD4],
    [0x02, 0xAB, 0xEA],
    [0x1F, 0xB7, 0x14],
    [0x00, 0x64, 0x11],
    [0x56, 0x2C, 0x05],
    [0x90, 0x71, 0x3A],
    [0xC0, 0xC0, 0xC0],
    [0x80, 0x80, 0x80],
    [0x40, 0x40, 0x40],
    [0x00, 0x00, 0x00],
];

impl Palette {
    /// All entries black.
    pub fn black() -> Palette {
        Palette {
            colors: [[0, 0, 0, 255]; 256],
        }
    }

    /// Entry `i` as RGBA.
    #[inline]
    pub fn rgba(&self, i: u8) -> [u8; 4] {
        self.colors[usize::from(i)]
    }

    fn from_rgb(table: &[[u8; 3]]) -> Palette {
        let mut p = Palette::black();
        for (dst, src) in p.colors.iter_mut().zip(table) {
            *dst = [src[0], src[1], src[2], 255];
        }
        p
    }

    /// The standard Macintosh palette for 1, 2, 4 or 8 bits per pixel.
    pub fn mac_default(bits: u16) -> Palette {
        match bits {
            1 => Palette::from_rgb(&[[0xFF; 3], [0; 3]]),
            2 => Palette::from_rgb(&MAC_4),
            4 => Palette::from_rgb(&MAC_16),
            _ => Palette::mac_256(),
        }
    }

    /// The Macintosh 256-colour system table (clut 8): a 6×6×6 cube from white
    /// (less black), ten-step ramps of red, green, blue and grey, then black.
    pub fn mac_256() -> Palette {
        const CUBE: [u8; 6] = [0xFF, 0xCC, 0x99, 0x66, 0x33, 0x00];
        const RAMP: [u8; 10] = [0xEE, 0xDD, 0xBB, 0xAA, 0x88, 0x77, 0x55, 0x44, 0x22, 0x11];
        let mut p = Palette::black();
        let mut i = 0;
        for r in CUBE {
            for g in CUBE {
                for b in CUBE {
                    if i < 215 {
                        p.colors[i] = [r, g, b, 255];
                        i += 1;
                    }
                }
            }
        }
        for channel in 0..3 {
            for v in RAMP {
                let mut c = [0, 0, 0, 255];
                c[channel] = v;
                p.colors[i] = c;
                i += 1;
            }
        }
        for v in RAMP {
            p.colors[i] = [v, v, v, 255];
            i += 1;
        }
        p.colors[255] = [0, 0, 0, 255];
        p
    }

    /// A grey ramp of 2^bits entries from white (index 0) to black, stepping by
    /// 256 / (entries − 1) as QuickTime's grey tables do.
    pub fn grey_ramp(bits: u16) -> Palette {
        let count: i32 = 1 << bits.clamp(1, 8);
        let step = 256 / (count - 1);
        let mut p = Palette::black();
        let mut v: i32 = 255;
        for c in p.colors.iter_mut().take(count as usize) {
            let g = v.max(0) as u8;
            *c = [g, g, g, 255];
            v -= step;
        }
        p
    }

    /// The 8-bit grey ramp (white at 0).
    pub fn grey_ramp_8() -> Palette {
        Palette::grey_ramp(8)
    }

    /// A palette from a stored colour table, placed as QuickTime writers and
    /// ffmpeg place it: the table's seed field is the first index and entry k
    /// goes to index `seed + k` up to the table's last index (its stored size,
    /// `entries − 1`). A seed past 255, where ffmpeg gives up and shows black,
    /// places the entries from index 0 instead.
    pub fn from_color_table(table: &ColorTable) -> Palette {
        let mut p = Palette::black();
        let last = table.entries.len().saturating_sub(1).min(255);
        let start = if table.seed <= 255 {
            table.seed as usize
        } else {
            0
        };
        let placed = start..=last;
        for (i, e) in placed.zip(&table.entries) {
            p.colors[i] = [(e[1] >> 8) as u8, (e[2] >> 8) as u8, (e[3] >> 8) as u8, 255];
        }
        p
    }

    /// The palette a stream with this description uses, or None for direct colour.
    pub fn for_description(desc: &VideoDescription) -> Option<Palette> {
        let depth = desc.depth.max(0) as u16;
        let grey = depth & 0x20 != 0;
        let bits = depth & 0x1F;
        if !matches!(bits, 1 | 2 | 4 | 8) {
            return None;
        }
        if grey && bits > 1 && desc.color_table_id != 0 {
            return Some(Palette::grey_ramp(bits));
        }
        if desc.color_table_id == 0
            && let Some(table) = &desc.color_table
        {
            return Some(Palette::from_color_table(table));
        }
        if grey && bits > 1 {
            return Some(Palette::grey_ramp(bits));
        }
        Some(Palette::mac_default(bits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_256_layout() {
        let p = Palette::mac_256();
        assert_eq!(p.colors[0], [0xFF, 0xFF, 0xFF, 255]);
        assert_eq!(p.colors[1], [0xFF, 0xFF, 0xCC, 255]);
        assert_eq!(p.colors[214], [0x00, 0x00, 0x33, 255]);
        assert_eq!(p.colors[215], [0xEE, 0, 0, 255]);
        assert_eq!(p.colors[225], [0, 0xEE, 0, 255]);
        assert_eq!(p.colors[235], [0, 0, 0xEE, 255]);
        assert_eq!(p.colors[245], [0xEE, 0xEE, 0xEE, 255]);
        assert_eq!(p.colors[254], [0x11, 0x11, 0x11, 255]);
        assert_eq!(p.colors[255], [0, 0, 0, 255]);
    }

    #[test]
    fn grey_ramps() {
        let g2 = Palette::grey_ramp(2);
        let v: Vec<u8> = g2.colors[..4].iter().map(|c| c[0]).collect();
        assert_eq!(v, [255, 170, 85, 0]);
        let g8 = Palette::grey_ramp(8);
        assert_eq!(g8.colors[0][0], 255);
        assert_eq!(g8.colors[255][0], 0);
        assert_eq!(g8.colors[100][0], 155);
    }

    #[test]
    fn table_from_seed() {
        let entry = |v: u16| [0, v, 0xABCD, 0xFF00];
        // Seed 2, four entries: indices 2 and 3 get the first two entries.
        let t = ColorTable {
            seed: 2,
            flags: 0,
            entries: vec![entry(0x1234), entry(0x5678), entry(0x9A00), entry(0xBC00)],
        };
        let p = Palette::from_color_table(&t);
        assert_eq!(p.colors[2], [0x12, 0xAB, 0xFF, 255]);
        assert_eq!(p.colors[3], [0x56, 0xAB, 0xFF, 255]);
        assert_eq!(p.colors[0], [0, 0, 0, 255]);
        assert_eq!(p.colors[4], [0, 0, 0, 255]);
        // A seed past 255 (a real Mac ctSeed): placed from 0.
        let t = ColorTable {
            seed: 0x1234_5678,
            ..t
        };
        let p = Palette::from_color_table(&t);
        assert_eq!(p.colors[0], [0x12, 0xAB, 0xFF, 255]);
        assert_eq!(p.colors[3], [0xBC, 0xAB, 0xFF, 255]);
    }
}
