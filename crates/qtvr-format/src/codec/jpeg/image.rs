//! One JPEG image (SOI … EOI): markers, tables, and the sequential Huffman scans
//! decoded into one plane of 8-bit samples per component.

use super::huffman::{BitReader, HuffTable};
use super::idct::idct_put;

/// Why an image could not be decoded here.
#[derive(Debug)]
pub(super) enum Failure {
    /// A malformed stream: what, and where (offset within the image's bytes).
    Bad(usize, String),
    /// A valid kind of JPEG this decoder leaves to the fallback (progressive,
    /// four components).
    Fallback,
}

/// A scan stopped because its decode was cancelled ([`crate::cancel`]).
const CANCELLED: &str = "decoding was cancelled";

fn bad<T>(at: usize, what: impl Into<String>) -> Result<T, Failure> {
    Err(Failure::Bad(at, what.into()))
}

/// One component: its frame-header fields and its plane of samples.
#[derive(Default)]
pub(super) struct Component {
    pub id: u8,
    /// Sampling factors (1 for the only component of a grey image).
    pub h: usize,
    pub v: usize,
    tq: usize,
    /// Samples, `stride` per row; covers the MCUs the caller asked to keep.
    pub plane: Vec<u8>,
    pub stride: usize,
    plane_rows: usize,
    /// Rows of the image (in luma rows) this component has decoded so far.
    pub rows_done: usize,
    pred: i32,
    dc: usize,
    ac: usize,
}

/// What the colour conversion needs to know about a decoded image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ColorKind {
    Grey,
    YCbCr,
    Rgb,
}

/// The tables and planes of one image; reused from image to image.
pub(super) struct Image {
    pub width: usize,
    pub height: usize,
    pub comps: Vec<Component>,
    pub hmax: usize,
    pub vmax: usize,
    pub kind: ColorKind,
    /// The quantization and Huffman tables in force.
    pub tables: Tables,
    restart_interval: usize,
    adobe_transform: Option<u8>,
    /// Where the image's EOI marker ended (or where decoding stopped).
    pub end: usize,
    /// Rows handed to the sink so far.
    emitted: usize,
    block: [i16; 64],
}

/// Tables defined by DQT and DHT segments. Like ffmpeg's, they stay in force
/// from one image to the next until redefined.
pub(super) struct Tables {
    /// Quantization tables, in zig-zag order.
    quant: [[u16; 64]; 4],
    /// DC (0) and AC (1) Huffman tables, with the DHT bytes they were built from.
    huff: [[HuffSlot; 4]; 2],
}

impl Default for Tables {
    fn default() -> Self {
        Tables {
            quant: [[1; 64]; 4],
            huff: Default::default(),
        }
    }
}

/// A Huffman table slot: the DHT bytes and the table built from them.
type HuffSlot = Option<(Vec<u8>, Box<HuffTable>)>;

/// Receives the image and a range of rows as they are completed.
pub(super) type Sink<'s> = &'s mut dyn FnMut(&Image, usize, usize);

impl Image {
    pub(super) fn new() -> Image {
        Image {
            width: 0,
            height: 0,
            comps: Vec::new(),
            hmax: 1,
            vmax: 1,
            kind: ColorKind::YCbCr,
            tables: Tables::default(),
            restart_interval: 0,
            adobe_transform: None,
            end: 0,
            emitted: 0,
            block: [0; 64],
        }
    }

    /// Rows of the image decoded in every component.
    pub(super) fn rows_done(&self) -> usize {
        self.comps
            .iter()
            .map(|c| c.rows_done)
            .min()
            .unwrap_or(0)
            .min(self.height)
    }

    /// Decodes the image starting at the SOI at `data[0]`, keeping the samples of at
    /// most `keep_w × keep_h` pixels at the top left (the rest is decoded and
    /// dropped). As rows complete (in every component), `sink` gets the image and
    /// the range of rows. On error, the planes hold what was decoded
    /// ([`Image::rows_done`]).
    pub(super) fn decode(
        &mut self,
        data: &[u8],
        keep_w: usize,
        keep_h: usize,
        sink: Sink,
    ) -> Result<(), Failure> {
        self.emitted = 0;
        self.width = 0;
        self.height = 0;
        self.restart_interval = 0;
        self.adobe_transform = None;
        for c in &mut self.comps {
            c.rows_done = 0;
        }
        self.end = 0;
        if data.get(..2) != Some(&[0xFF, 0xD8]) {
            return bad(0, "the image does not start with an SOI marker");
        }
        let mut pos = 2;
        let mut frame_seen = false;
        loop {
            // Find the next marker, skipping fill bytes (and, leniently, garbage).
            let start = pos;
            while pos < data.len() && data[pos] != 0xFF {
                pos += 1;
            }
            while pos < data.len() && data[pos] == 0xFF {
                pos += 1;
            }
            let Some(&marker) = data.get(pos) else {
                self.end = data.len();
                if frame_seen && self.rows_done() >= self.height {
                    return Ok(()); // no EOI: accept a complete image
                }
                return bad(start, "the image ends before its EOI marker");
            };
            let marker_at = pos - 1;
            pos += 1;
            match marker {
                0xD9 => {
                    self.end = pos;
                    if !frame_seen {
                        return bad(marker_at, "EOI before any frame header");
                    }
                    if self.rows_done() < self.height {
                        return bad(marker_at, "the image ends before all its rows are coded");
                    }
                    return Ok(());
                }
                0xD0..=0xD8 | 0x01 => continue, // stray RST, repeated SOI, TEM: no length
                0x00 => continue,
                _ => {}
            }
            let Some(len_bytes) = data.get(pos..pos + 2) else {
                return bad(marker_at, "a marker segment is cut off");
            };
            let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
            if len < 2 {
                return bad(pos, format!("marker 0xFF{marker:02X} has length {len}"));
            }
            let Some(body) = data.get(pos + 2..pos + len) else {
                return bad(
                    marker_at,
                    format!("marker 0xFF{marker:02X} segment is cut off"),
                );
            };
            let body_at = pos + 2;
            pos += len;
            match marker {
                0xC0 | 0xC1 => {
                    if frame_seen {
                        return bad(marker_at, "a second frame header");
                    }
                    self.frame_header(body, body_at, keep_w, keep_h)?;
                    frame_seen = true;
                }
                0xC2 => return Err(Failure::Fallback),
                0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                    return bad(
                        marker_at,
                        format!(
                            "JPEG process 0xFF{marker:02X} (lossless, hierarchical or arithmetic) is not supported"
                        ),
                    );
                }
                0xC4 => self.huffman_tables(body, body_at)?,
                0xDB => self.quant_tables(body, body_at)?,
                0xDD => {
                    if body.len() < 2 {
                        return bad(body_at, "DRI segment too short");
                    }
                    self.restart_interval = usize::from(u16::from_be_bytes([body[0], body[1]]));
                }
                0xEE if body.len() >= 12 && &body[..5] == b"Adobe" => {
                    self.adobe_transform = Some(body[11]);
                }
                0xDA => {
                    if !frame_seen {
                        return bad(marker_at, "a scan before the frame header");
                    }
                    if self.comps.len() == 3 {
                        self.kind = if self.adobe_transform == Some(0)
                            || self.comps.iter().map(|c| c.id).eq(*b"RGB")
                        {
                            ColorKind::Rgb
                        } else {
                            ColorKind::YCbCr
                        };
                    }
                    pos = self.scan(data, body, body_at, pos, &mut *sink)?;
                }
                _ => {} // APPn, COM, DNL, DHP, EXP…: skipped
            }
        }
    }

    fn frame_header(
        &mut self,
        b: &[u8],
        at: usize,
        keep_w: usize,
        keep_h: usize,
    ) -> Result<(), Failure> {
        if b.len() < 6 {
            return bad(at, "frame header too short");
        }
        if b[0] != 8 {
            return bad(at, format!("{}-bit samples are not supported", b[0]));
        }
        let height = usize::from(u16::from_be_bytes([b[1], b[2]]));
        let width = usize::from(u16::from_be_bytes([b[3], b[4]]));
        let n = usize::from(b[5]);
        if height == 0 || width == 0 {
            return bad(
                at + 1,
                format!("the frame header gives a {width}×{height} image"),
            );
        }
        match n {
            1 | 3 => {}
            4 => return Err(Failure::Fallback),
            _ => return bad(at + 5, format!("{n} components")),
        }
        if b.len() < 6 + 3 * n {
            return bad(at, "frame header too short for its components");
        }
        self.comps.resize_with(n, Component::default);
        for (i, c) in self.comps.iter_mut().enumerate() {
            let f = &b[6 + 3 * i..9 + 3 * i];
            c.id = f[0];
            c.h = usize::from(f[1] >> 4);
            c.v = usize::from(f[1] & 15);
            c.tq = usize::from(f[2]);
            if !(1..=4).contains(&c.h) || !(1..=4).contains(&c.v) || c.tq > 3 {
                return bad(at + 6 + 3 * i, "bad component sampling factors or table");
            }
            if n == 1 {
                c.h = 1;
                c.v = 1;
            }
        }
        self.kind = if n == 1 {
            ColorKind::Grey
        } else {
            ColorKind::YCbCr
        };
        self.width = width;
        self.height = height;
        self.hmax = self.comps.iter().map(|c| c.h).max().unwrap_or(1);
        self.vmax = self.comps.iter().map(|c| c.v).max().unwrap_or(1);
        // Keep whole MCUs covering the wanted area.
        let (mw, mh) = (8 * self.hmax, 8 * self.vmax);
        let keep_mx = width.min(keep_w).div_ceil(mw);
        let keep_my = height.min(keep_h).div_ceil(mh);
        for c in &mut self.comps {
            c.stride = keep_mx * c.h * 8;
            c.plane_rows = keep_my * c.v * 8;
            let size = c.stride * c.plane_rows;
            if c.plane.len() != size {
                c.plane.clear();
                c.plane.resize(size, 0);
            }
            c.rows_done = 0;
        }
        Ok(())
    }

    fn quant_tables(&mut self, mut b: &[u8], mut at: usize) -> Result<(), Failure> {
        while !b.is_empty() {
            let pq = b[0] >> 4;
            let tq = usize::from(b[0] & 15);
            if tq > 3 || pq > 1 {
                return bad(at, "bad quantization table header");
            }
            let size = if pq == 0 { 64 } else { 128 };
            let Some(vals) = b.get(1..1 + size) else {
                return bad(at, "quantization table cut off");
            };
            for k in 0..64 {
                self.tables.quant[tq][k] = if pq == 0 {
                    u16::from(vals[k])
                } else {
                    u16::from_be_bytes([vals[2 * k], vals[2 * k + 1]])
                };
            }
            b = &b[1 + size..];
            at += 1 + size;
        }
        Ok(())
    }

    fn huffman_tables(&mut self, mut b: &[u8], mut at: usize) -> Result<(), Failure> {
        while !b.is_empty() {
            if b.len() < 17 {
                return bad(at, "Huffman table cut off");
            }
            let class = b[0] >> 4;
            let th = usize::from(b[0] & 15);
            if class > 1 || th > 3 {
                return bad(at, "bad Huffman table header");
            }
            let mut counts = [0u8; 16];
            counts.copy_from_slice(&b[1..17]);
            let n: usize = counts.iter().map(|&c| usize::from(c)).sum();
            let Some(symbols) = b.get(17..17 + n) else {
                return bad(at, "Huffman table cut off");
            };
            // Photo-JPEG samples usually repeat the same tables: rebuild only on change.
            let raw = &b[1..17 + n];
            let slot = &mut self.tables.huff[usize::from(class)][th];
            if slot
                .as_ref()
                .is_none_or(|(bytes, _)| bytes.as_slice() != raw)
            {
                let table = HuffTable::new(class == 1, &counts, symbols)
                    .map_err(|e| Failure::Bad(at, e.to_string()))?;
                match slot {
                    Some((bytes, t)) => {
                        bytes.clear();
                        bytes.extend_from_slice(raw);
                        **t = table;
                    }
                    None => *slot = Some((raw.to_vec(), Box::new(table))),
                }
            }
            b = &b[17 + n..];
            at += 17 + n;
        }
        Ok(())
    }

    /// Decodes one scan whose header is `b` (at `at`) and whose data starts at
    /// `data[pos]`; returns where the data ended (the next marker).
    fn scan(
        &mut self,
        data: &[u8],
        b: &[u8],
        at: usize,
        pos: usize,
        sink: Sink,
    ) -> Result<usize, Failure> {
        let ns = usize::from(*b.first().unwrap_or(&0));
        if ns == 0 || ns > 4 || b.len() < 1 + 2 * ns + 3 {
            return bad(at, "bad scan header");
        }
        let mut members = [0usize; 4];
        for i in 0..ns {
            let id = b[1 + 2 * i];
            let tables = b[2 + 2 * i];
            let Some(ci) = self.comps.iter().position(|c| c.id == id) else {
                return bad(
                    at + 1 + 2 * i,
                    format!("the scan names component {id}, which the frame lacks"),
                );
            };
            if members[..i].contains(&ci) {
                return bad(at + 1 + 2 * i, "a component appears twice in a scan");
            }
            let (td, ta) = (usize::from(tables >> 4), usize::from(tables & 15));
            if td > 3
                || ta > 3
                || self.tables.huff[0][td].is_none()
                || self.tables.huff[1][ta].is_none()
            {
                return bad(at + 2 + 2 * i, "the scan uses an undefined Huffman table");
            }
            let c = &mut self.comps[ci];
            c.dc = td;
            c.ac = ta;
            c.pred = 0;
            members[i] = ci;
        }
        let members = &members[..ns];
        let mut reader = BitReader::new(data, pos);
        let restart = self.restart_interval;
        let result = if ns == 1 {
            self.scan_single(&mut reader, members[0], restart, sink)
        } else {
            self.scan_interleaved(&mut reader, members, restart, sink)
        };
        match result {
            Ok(()) => Ok(reader.position()),
            Err(e) => bad(reader.position().min(data.len()), e),
        }
    }

    fn scan_interleaved(
        &mut self,
        reader: &mut BitReader,
        members: &[usize],
        restart: usize,
        sink: Sink,
    ) -> Result<(), &'static str> {
        let mcux = self.width.div_ceil(8 * self.hmax);
        let mcuy = self.height.div_ceil(8 * self.vmax);
        let mcu_h = 8 * self.vmax;
        let mut todo = restart;
        for my in 0..mcuy {
            if crate::cancel::interrupted() {
                return Err(CANCELLED);
            }
            for mx in 0..mcux {
                if restart > 0 {
                    if todo == 0 {
                        if !reader.restart() {
                            return Err("a restart marker is missing");
                        }
                        for &ci in members {
                            self.comps[ci].pred = 0;
                        }
                        todo = restart;
                    }
                    todo -= 1;
                }
                for &ci in members {
                    let c = &mut self.comps[ci];
                    let (Some(dc), Some(ac)) = (
                        table(&self.tables.huff[0][c.dc]),
                        table(&self.tables.huff[1][c.ac]),
                    ) else {
                        return Err("a Huffman table is missing");
                    };
                    let q = &self.tables.quant[c.tq];
                    for by in 0..c.v {
                        for bx in 0..c.h {
                            let mask = reader.block(dc, ac, &mut c.pred, q, &mut self.block)?;
                            let x = (mx * c.h + bx) * 8;
                            let y = (my * c.v + by) * 8;
                            if x < c.stride && y < c.plane_rows {
                                let off = y * c.stride + x;
                                let end = off + 7 * c.stride + 8;
                                if let Some(out) = c.plane.get_mut(off..end) {
                                    idct_put(&self.block, mask, out, c.stride);
                                }
                            }
                            clear_rows(&mut self.block, mask);
                        }
                    }
                }
                if reader.overrun() {
                    return Err("the scan data ends early");
                }
            }
            let done = ((my + 1) * mcu_h).min(self.height);
            for &ci in members {
                self.comps[ci].rows_done = done;
            }
            self.emit(sink);
        }
        Ok(())
    }

    fn scan_single(
        &mut self,
        reader: &mut BitReader,
        ci: usize,
        restart: usize,
        sink: Sink,
    ) -> Result<(), &'static str> {
        let (h, v, dci, aci, tq) = {
            let c = &self.comps[ci];
            (c.h, c.v, c.dc, c.ac, c.tq)
        };
        let cw = (self.width * h).div_ceil(self.hmax);
        let ch = (self.height * v).div_ceil(self.vmax);
        let (bw, bh) = (cw.div_ceil(8), ch.div_ceil(8));
        let mut todo = restart;
        for by in 0..bh {
            if crate::cancel::interrupted() {
                return Err(CANCELLED);
            }
            let (Some(dc), Some(ac)) = (
                table(&self.tables.huff[0][dci]),
                table(&self.tables.huff[1][aci]),
            ) else {
                return Err("a Huffman table is missing");
            };
            let q = &self.tables.quant[tq];
            let c = &mut self.comps[ci];
            for bx in 0..bw {
                if restart > 0 {
                    if todo == 0 {
                        if !reader.restart() {
                            return Err("a restart marker is missing");
                        }
                        c.pred = 0;
                        todo = restart;
                    }
                    todo -= 1;
                }
                let mask = reader.block(dc, ac, &mut c.pred, q, &mut self.block)?;
                let (x, y) = (bx * 8, by * 8);
                if x < c.stride && y < c.plane_rows {
                    let off = y * c.stride + x;
                    if let Some(out) = c.plane.get_mut(off..off + 7 * c.stride + 8) {
                        idct_put(&self.block, mask, out, c.stride);
                    }
                }
                clear_rows(&mut self.block, mask);
                if reader.overrun() {
                    return Err("the scan data ends early");
                }
            }
            // Luma rows covered by this component's block rows so far.
            c.rows_done = if by + 1 == bh {
                self.height
            } else {
                ((by + 1) * 8 * self.vmax / v).min(self.height)
            };
            self.emit(sink);
        }
        Ok(())
    }

    /// Hands the rows completed since the last call to `sink`.
    fn emit(&mut self, sink: Sink) {
        let done = self.rows_done();
        if done > self.emitted {
            sink(self, self.emitted, done);
            self.emitted = done;
        }
    }
}

/// Zeroes `block` after use: only the DC when that was all (`mask` as from
/// the decoder).
#[inline(always)]
fn clear_rows(block: &mut [i16; 64], mask: u16) {
    if mask == 0x0101 {
        block[0] = 0;
    } else {
        *block = [0; 64];
    }
}

/// The table in a Huffman slot, if defined.
#[inline(always)]
fn table(slot: &HuffSlot) -> Option<&HuffTable> {
    slot.as_ref().map(|(_, t)| &**t)
}
