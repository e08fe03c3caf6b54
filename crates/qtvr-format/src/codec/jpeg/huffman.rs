//! The entropy-coded segment: a bit reader that removes byte stuffing and stops at
//! markers, and canonical Huffman tables with a 9-bit lookahead (plus a combined
//! run/size/value lookahead for AC codes), as T.81 Annex C and F describe.

use super::idct::DC_OFFSET;

/// Bits resolved by one table lookup.
const LOOKUP_BITS: u32 = 10;
const LOOKUP_SIZE: usize = 1 << LOOKUP_BITS;

/// A Huffman table built from a DHT segment.
pub(super) struct HuffTable {
    /// `(length << 8) | symbol` for codes of at most `LOOKUP_BITS` bits, indexed by
    /// the next `LOOKUP_BITS` bits; 0 where the code is longer.
    lookup: [u16; LOOKUP_SIZE],
    /// `(value << 16) | (run << 8) | bits` when a code and its magnitude bits fit
    /// in `LOOKUP_BITS` bits together (value 0: end of block, or sixteen zeros
    /// when run is 15; run is 0 in DC tables); 0 otherwise.
    fast: [i32; LOOKUP_SIZE],
    /// Largest code of each length (-1: none), for codes longer than the lookahead.
    maxcode: [i32; 17],
    /// Index into `values` of code 0 of each length (may be negative).
    valoffset: [i32; 17],
    values: [u8; 256],
}

impl HuffTable {
    /// Builds the table from the 16 code counts and the symbols (T.81 C.2); `ac`
    /// says the symbols are run/size pairs rather than sizes. Errors with a
    /// description when the counts do not form a prefix code.
    pub(super) fn new(
        ac: bool,
        counts: &[u8; 16],
        symbols: &[u8],
    ) -> Result<HuffTable, &'static str> {
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        if total > 256 || total != symbols.len() {
            return Err("a Huffman table has more than 256 codes");
        }
        let mut t = HuffTable {
            lookup: [0; LOOKUP_SIZE],
            fast: [0; LOOKUP_SIZE],
            maxcode: [-1; 17],
            valoffset: [0; 17],
            values: [0; 256],
        };
        t.values[..total].copy_from_slice(symbols);
        let mut code: u32 = 0;
        let mut k: usize = 0;
        for len in 1..=16u32 {
            let n = u32::from(counts[len as usize - 1]);
            t.valoffset[len as usize] = k as i32 - code as i32;
            for _ in 0..n {
                if code >= (1 << len) {
                    return Err("a Huffman table's code counts overflow their lengths");
                }
                if len <= LOOKUP_BITS {
                    let shift = LOOKUP_BITS - len;
                    let first = (code << shift) as usize;
                    let entry = ((len as u16) << 8) | u16::from(symbols[k]);
                    for slot in &mut t.lookup[first..first + (1 << shift)] {
                        *slot = entry;
                    }
                }
                code += 1;
                k += 1;
            }
            if n > 0 {
                t.maxcode[len as usize] = code as i32 - 1;
            }
            code <<= 1;
        }
        // The combined entries: code, then `size` magnitude bits, all within the lookahead.
        for (idx, &e) in t.lookup.iter().enumerate() {
            if e == 0 {
                continue;
            }
            let len = u32::from(e >> 8);
            let sym = u32::from(e & 0xFF);
            let (run, size) = if ac { (sym >> 4, sym & 15) } else { (0, sym) };
            if len + size > LOOKUP_BITS {
                continue;
            }
            let bits = (idx as u32 >> (LOOKUP_BITS - len - size)) & ((1 << size) - 1);
            let value = extend(bits, size);
            t.fast[idx] = (value << 16) | ((run as i32) << 8) | (len + size) as i32;
        }
        Ok(t)
    }

    /// The symbol at the top of `buf` and its code length, for any length.
    #[cold]
    #[inline(never)]
    fn decode_slow(&self, buf: u64) -> Result<(u32, u32), &'static str> {
        let e = self.lookup[(buf >> (64 - LOOKUP_BITS)) as usize];
        if e != 0 {
            return Ok((u32::from(e & 0xFF), u32::from(e >> 8)));
        }
        for len in LOOKUP_BITS + 1..=16 {
            let code = (buf >> (64 - len)) as i32;
            if code <= self.maxcode[len as usize] {
                let idx = self.valoffset[len as usize] + code;
                let sym = self
                    .values
                    .get(idx as usize)
                    .ok_or("a Huffman code has no symbol")?;
                return Ok((u32::from(*sym), len));
            }
        }
        Err("a Huffman code matches no table entry")
    }
}

/// The signed value of a `size`-bit magnitude field (T.81 F.2.2.1).
#[inline(always)]
fn extend(bits: u32, size: u32) -> i32 {
    if size == 0 {
        0
    } else if bits < (1 << (size - 1)) {
        bits as i32 - (1 << size) + 1
    } else {
        bits as i32
    }
}

/// Reads the entropy-coded bytes of a scan, most significant bit first.
pub(super) struct BitReader<'a> {
    data: &'a [u8],
    /// Next byte to read.
    pos: usize,
    /// Valid bits are the top `count` bits.
    buf: u64,
    count: u32,
    /// Zero bits appended after the data ended or a marker was reached.
    padding: u32,
    /// A marker (0xFF followed by a non-zero byte) stopped the reader at `pos`.
    at_marker: bool,
}

impl<'a> BitReader<'a> {
    /// A reader over `data[pos..]`.
    pub(super) fn new(data: &'a [u8], pos: usize) -> Self {
        BitReader {
            data,
            pos,
            buf: 0,
            count: 0,
            padding: 0,
            at_marker: false,
        }
    }

    /// Where the reader stopped: the offset of the marker (or the end) after the
    /// entropy-coded data consumed so far, once the data has run out or a marker
    /// was reached.
    pub(super) fn position(&self) -> usize {
        self.pos
    }

    /// Whether bits past the end of the data (or past a marker) have been consumed.
    #[inline]
    pub(super) fn overrun(&self) -> bool {
        self.padding > self.count
    }

    /// `buf`/`count` (the bit buffer, kept in registers by the caller) filled to at
    /// least 57 bits, with zeros after the end of the data or a marker.
    #[inline(always)]
    fn fill(&mut self, buf: u64, count: u32) -> (u64, u32) {
        if count > 56 {
            return (buf, count);
        }
        // Fast path: eight bytes without 0xFF.
        if let Some(chunk) = self.data.get(self.pos..self.pos + 8) {
            let word = u64::from_be_bytes([
                chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
            ]);
            let inv = !word;
            let has_ff = inv.wrapping_sub(0x0101_0101_0101_0101) & !inv & 0x8080_8080_8080_8080;
            if has_ff == 0 {
                let take = (64 - count) / 8; // 1..=8 bytes, count <= 56
                let bits = take * 8;
                let incoming = if bits == 64 {
                    word
                } else {
                    word >> (64 - bits)
                };
                self.pos += take as usize;
                return (buf | incoming << (64 - count - bits), count + bits);
            }
        }
        self.fill_slow(buf, count)
    }

    #[cold]
    #[inline(never)]
    fn fill_slow(&mut self, mut buf: u64, mut count: u32) -> (u64, u32) {
        while count <= 56 {
            let mut byte = 0u8;
            if !self.at_marker {
                match self.data.get(self.pos) {
                    Some(&0xFF) => match self.data.get(self.pos + 1) {
                        Some(&0x00) => {
                            byte = 0xFF;
                            self.pos += 2;
                        }
                        // Fill bytes before a marker: skip one 0xFF.
                        Some(&0xFF) => {
                            self.pos += 1;
                            continue;
                        }
                        Some(_) => self.at_marker = true,
                        None => {
                            self.pos = self.data.len();
                            self.at_marker = true;
                        }
                    },
                    Some(&b) => {
                        byte = b;
                        self.pos += 1;
                    }
                    None => self.at_marker = true,
                }
            }
            if self.at_marker {
                self.padding = self.padding.saturating_add(8);
            }
            buf |= u64::from(byte) << (56 - count);
            count += 8;
        }
        (buf, count)
    }

    /// Decodes one block's coefficients (T.81 F.2.2), dequantized, into `block`
    /// (natural order, all zero on entry). `pred` is the component's DC predictor.
    /// Returns a mask of the rows (bit r) and columns (bit 8 + c) holding
    /// non-zero coefficients.
    #[inline(always)]
    pub(super) fn block(
        &mut self,
        dc: &HuffTable,
        ac: &HuffTable,
        pred: &mut i32,
        quant: &[u16; 64],
        block: &mut [i16; 64],
    ) -> Result<u16, &'static str> {
        // The bit buffer lives in locals here so that it stays in registers.
        let (mut buf, mut count) = self.fill(self.buf, self.count);
        let e = dc.fast[(buf >> (64 - LOOKUP_BITS)) as usize];
        let diff = if e != 0 {
            let n = (e & 0xFF) as u32;
            buf <<= n;
            count -= n;
            e >> 16
        } else {
            let (s, len) = dc.decode_slow(buf)?;
            buf <<= len;
            count -= len;
            match s {
                0 => 0,
                // Only 32768 has 16 bits (T.81 lossless extension); no magnitude bits.
                16 => 32768,
                1..=15 => {
                    let v = (buf >> (64 - s)) as u32;
                    buf <<= s;
                    count -= s;
                    extend(v, s)
                }
                _ => return Err("a DC difference is longer than 16 bits"),
            }
        };
        *pred = pred.wrapping_add(diff);
        // Coefficients are kept to 16 bits, wrapping, as ffmpeg keeps them.
        block[0] = pred
            .wrapping_mul(i32::from(quant[0]))
            .wrapping_add(DC_OFFSET) as i16;
        let mut mask: u16 = 0x0101;
        let mut k: usize = 1;
        while k < 64 {
            if count < 32 {
                (buf, count) = self.fill(buf, count);
            }
            let e = ac.fast[(buf >> (64 - LOOKUP_BITS)) as usize];
            let (run, value) = if e != 0 {
                let n = (e & 0xFF) as u32;
                buf <<= n;
                count -= n;
                (((e >> 8) & 0xFF) as usize, e >> 16)
            } else {
                let (rs, len) = ac.decode_slow(buf)?;
                buf <<= len;
                count -= len;
                let size = rs & 15;
                let value = if size == 0 {
                    0
                } else {
                    let v = (buf >> (64 - size)) as u32;
                    buf <<= size;
                    count -= size;
                    extend(v, size)
                };
                ((rs >> 4) as usize, value)
            };
            if value == 0 {
                if run == 15 {
                    k += 16;
                    continue;
                }
                break; // end of block
            }
            k += run;
            if k > 63 {
                return Err("a block has more than 64 coefficients");
            }
            let info = ZIGZAG_INFO[k];
            // |value| < 2^15 and quant < 2^16: the product fits.
            block[(info & 63) as usize] = (value * i32::from(quant[k])) as i16;
            mask |= (info >> 16) as u16;
            k += 1;
        }
        self.buf = buf;
        self.count = count;
        Ok(mask)
    }

    /// Moves past the next restart marker (the caller resets the predictors): the
    /// one where the reader stopped, or else the next one in the data. Returns
    /// false when there is none.
    pub(super) fn restart(&mut self) -> bool {
        self.buf = 0;
        self.count = 0;
        self.padding = 0;
        self.at_marker = false;
        // Skip entropy-coded bytes up to the next marker; it must be a restart.
        let mut i = self.pos;
        while i + 1 < self.data.len() {
            if self.data[i] == 0xFF {
                match self.data[i + 1] {
                    0xD0..=0xD7 => {
                        self.pos = i + 2;
                        return true;
                    }
                    0x00 | 0xFF => {}
                    _ => break,
                }
            }
            i += 1;
        }
        self.pos = i.min(self.data.len());
        false
    }
}

/// Zig-zag index → natural index (low bits) and, from bit 16, the position's
/// row bit and (shifted by 8) column bit.
const ZIGZAG_INFO: [u32; 64] = {
    let mut t = [0u32; 64];
    let mut k = 0;
    while k < 64 {
        let i = ZIGZAG[k];
        t[k] = i as u32 | ((1 << (i / 8)) | (1 << (8 + i % 8))) << 16;
        k += 1;
    }
    t
};

/// Zig-zag index → natural (row-major) index.
pub(super) const ZIGZAG: [usize; 64] = build_zigzag();

const fn build_zigzag() -> [usize; 64] {
    let mut out = [0usize; 64];
    let mut k = 0;
    let mut diag: i32 = 0;
    while diag < 15 {
        // Even diagonals run up-right (row decreasing), odd ones down-left.
        let mut i: i32 = 0;
        while i < 8 {
            let (r, c) = if diag % 2 == 0 {
                (diag - i, i)
            } else {
                (i, diag - i)
            };
            if r >= 0 && r < 8 && c >= 0 && c < 8 {
                out[k] = (r * 8 + c) as usize;
                k += 1;
            }
            i += 1;
        }
        diag += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_starts_and_ends_right() {
        assert_eq!(&ZIGZAG[..10], &[0, 1, 8, 16, 9, 2, 3, 10, 17, 24]);
        assert_eq!(ZIGZAG[63], 63);
        let mut seen = [false; 64];
        for &z in &ZIGZAG {
            seen[z] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn extend_matches_t81() {
        assert_eq!(extend(0, 1), -1);
        assert_eq!(extend(1, 1), 1);
        assert_eq!(extend(0, 3), -7);
        assert_eq!(extend(3, 3), -4);
        assert_eq!(extend(4, 3), 4);
    }

    #[test]
    fn overfull_table_is_rejected() {
        let mut counts = [0u8; 16];
        counts[0] = 3; // three 1-bit codes
        assert!(HuffTable::new(false, &counts, &[1, 2, 3]).is_err());
    }

    #[test]
    fn bit_reader_unstuffs_and_stops_at_markers() {
        let data = [0xFF, 0x00, 0x12, 0xFF, 0xD9];
        let mut r = BitReader::new(&data, 0);
        let (buf, count) = r.fill(0, 0);
        assert_eq!(buf >> 48, 0xFF12);
        assert_eq!(r.position(), 3);
        // Everything past the two data bytes is padding.
        r.buf = buf << 16;
        r.count = count - 16;
        assert!(!r.overrun());
        r.count -= 1;
        assert!(r.overrun());
    }
}
