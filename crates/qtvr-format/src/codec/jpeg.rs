//! `jpeg` (Photo-JPEG) and `mjpa` (Motion-JPEG format A) decoder.
//!
//! A sample is a JFIF/JPEG image (ITU T.81): SOI, tables (DQT, DHT, DRI), a frame
//! header (SOF), one or more scans of Huffman-coded 8×8 DCT blocks, EOI. A
//! Motion-JPEG A sample may hold two such images, the two fields of an
//! interlaced frame; an APP1 segment tagged `mjpg` then gives the offset of the
//! second.
//!
//! Sequential (baseline and extended) 8-bit JPEG with one or three components,
//! any sampling factors, interleaved or one scan per component, with or
//! without restart markers, is decoded here by hand into component planes
//! (`image.rs`, `huffman.rs`, `idct.rs`), and the planes are converted to RGBA
//! the way ffmpeg (the reference) converts them to RGB24 (`color.rs`). Why by
//! hand: `zune-jpeg` cannot hand out its planes before it upsamples the chroma
//! with a smoothing filter, and its transform rounds differently; against
//! ffmpeg that costs 37–47 dB on the sample movies (up to 60 levels at
//! coloured edges). Here the output is bit-identical to ffmpeg's on every
//! sample movie and on ffmpeg-made 4:2:0, 4:2:2, 4:4:4, grey, restart-marker
//! and interlaced movies: the inverse DCT reproduces ffmpeg's integer
//! arithmetic and the conversion its fixed-point colour equations, with each
//! pixel taking the chroma sample that covers it. (Pictures whose chroma ffmpeg
//! interpolates — an odd number of rows, 4:1:1, 4:4:0 — get replicated chroma:
//! 41–45 dB.) Progressive and four-component (CMYK/YCCK) images go to
//! `zune-jpeg`, whose RGBA output is copied into the frame as it is.
//!
//! The frame keeps the planes ([`FrameKind::YCbCr`], [`super::ycbcr`]) for
//! pictures of the frame's size whose luma is at full resolution and whose
//! chroma planes are sampled alike at full or half resolution each way
//! (4:4:4, 4:2:2, 4:4:0, 4:2:0: nearly every QuickTime JPEG), as ffmpeg's
//! decoder hands on its planes; they are converted to RGBA (by `color.rs`,
//! the same to the bit) where they are read. Other pictures — grey, RGB,
//! mixed sampling, cropped, interlaced, damaged, or decoded by zune-jpeg —
//! are converted into an RGBA frame, rows as soon as a row of MCUs is
//! decoded, while the planes are still in cache.
//!
//! ffmpeg behaviours mirrored:
//! * an image less than ¾ of the frame's height is a field: two fields (found
//!   through the `mjpg` APP1 offset, else the next SOI) are woven, the first
//!   on the even rows; the chroma is addressed on the woven frame, as ffmpeg's
//!   conversion sees it;
//! * a missing second field (ffmpeg then outputs nothing): the first field's
//!   rows are repeated, and the sample is reported as cut short;
//! * an image whose size differs from the sample description's: ffmpeg
//!   outputs the image at its own size; here it is cropped to the frame (or
//!   fills its top-left part, the rest staying as it was; zune-jpeg's images
//!   must fit the frame);
//! * DC predictors reset at restart markers; missing EOI tolerated when every
//!   row was coded; Adobe APP14 transform 0 or component ids `R`,`G`,`B` mean
//!   RGB; Huffman and quantization tables carry over from one sample to the next.
//!
//! Errors (a truncated or corrupt scan) keep the rows decoded before the problem
//! and return where it was found. Only the area that lands in the frame is kept
//! in planes, so a hostile frame header cannot make the decoder allocate more
//! than about the frame's size.

pub(crate) mod color;
mod huffman;
mod idct;
mod image;

use super::{DecodeError, Decoder, Frame, FrameKind, StreamInfo, Unsupported, ycbcr};
use color::Formula;
use image::{ColorKind, Failure, Image, Sink};
use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

/// Decoder for `jpeg` and `mjpa` streams.
pub struct JpegDecoder {
    fields: [Image; 2],
    /// RGBA output of the zune-jpeg fallback, per field.
    fallback: [Vec<u8>; 2],
}

/// How one field was decoded.
enum Field {
    /// Into `fields[i]`'s planes.
    Planes,
    /// By zune-jpeg into `fallback[i]`, at this size.
    Rgba(usize, usize),
}

impl JpegDecoder {
    /// A decoder for the stream, or why it cannot be decoded.
    pub fn new(info: &StreamInfo) -> Result<Self, Unsupported> {
        match &info.codec.0 {
            b"jpeg" | b"mjpa" => Ok(JpegDecoder {
                fields: [Image::new(), Image::new()],
                fallback: [Vec::new(), Vec::new()],
            }),
            _ => Err(Unsupported::Codec(info.codec)),
        }
    }

    /// Decodes the image at `data` (offset `base` in the sample) as field `i`,
    /// keeping at most `keep_w × keep_h` pixels; `sink` sees rows as they complete.
    fn decode_field(
        &mut self,
        i: usize,
        data: &[u8],
        base: usize,
        (keep_w, keep_h): (usize, usize),
        sink: Sink,
    ) -> (Field, Option<DecodeError>) {
        match self.fields[i].decode(data, keep_w, keep_h, sink) {
            Ok(()) => (Field::Planes, None),
            Err(Failure::Bad(at, what)) => (Field::Planes, Some(DecodeError::at(base + at, what))),
            Err(Failure::Fallback) => match self.zune(i, data, keep_w, keep_h) {
                // zune-jpeg shows what a cut-off progressive image holds without
                // complaint; keep that picture, but report the missing end.
                Ok((w, h)) if !data.windows(2).any(|m| m == [0xFF, 0xD9]) => (
                    Field::Rgba(w, h),
                    Some(DecodeError::at(
                        base + data.len(),
                        "the image ends before its EOI marker",
                    )),
                ),
                Ok((w, h)) => (Field::Rgba(w, h), None),
                Err(what) => (Field::Rgba(0, 0), Some(DecodeError::at(base, what))),
            },
        }
    }

    /// The zune-jpeg fallback; refuses images larger than the wanted size (its
    /// RGBA output must not be larger than the frame).
    fn zune(
        &mut self,
        i: usize,
        data: &[u8],
        keep_w: usize,
        keep_h: usize,
    ) -> Result<(usize, usize), String> {
        let options = DecoderOptions::default()
            .jpeg_set_out_colorspace(ColorSpace::RGBA)
            .set_max_width(keep_w)
            .set_max_height(keep_h);
        let mut d = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(data), options);
        d.decode_headers()
            .map_err(|e| format!("zune-jpeg: {e:?}"))?;
        let (w, h) = d.dimensions().ok_or("zune-jpeg gave no dimensions")?;
        let size = d.output_buffer_size().ok_or("zune-jpeg gave no size")?;
        if d.output_colorspace() != Some(ColorSpace::RGBA) || size != w * h * 4 {
            return Err("zune-jpeg cannot give RGBA for this image".into());
        }
        let buf = &mut self.fallback[i];
        buf.clear();
        buf.resize(size, 0);
        d.decode_into(buf)
            .map_err(|e| format!("zune-jpeg: {e:?}"))?;
        Ok((w, h))
    }

    /// Writes field `i`'s decoded rows into frame rows `first, first + step, …`.
    fn put(&self, i: usize, how: &Field, frame: &mut Frame, first: usize, step: usize) {
        let fw = frame.width as usize;
        let frame_rows = frame
            .data
            .chunks_exact_mut(fw * 4)
            .skip(first)
            .step_by(step);
        match *how {
            Field::Rgba(w, h) => {
                if w == 0 || h == 0 {
                    return;
                }
                let cw = fw.min(w);
                for (row, src) in frame_rows.zip(self.fallback[i].chunks_exact(w * 4).take(h)) {
                    row[..cw * 4].copy_from_slice(&src[..cw * 4]);
                }
            }
            Field::Planes => {
                let im = &self.fields[i];
                let formula = formula(im, im.height);
                for (y, row) in frame_rows.enumerate().take(im.rows_done()) {
                    convert_row(im, formula, y, row, |c, cy| plane_row(im, c, cy));
                }
            }
        }
    }

    /// Weaves two decoded fields, addressing chroma on the woven frame.
    fn put_woven(&self, frame: &mut Frame) {
        let fw = frame.width as usize;
        let [a, b] = &self.fields;
        let height = 2 * a.height.min(b.height);
        let formula = formula(a, height);
        let (ra, rb) = (a.rows_done(), b.rows_done());
        for (y, row) in frame.data.chunks_exact_mut(fw * 4).enumerate().take(height) {
            let (im, fy) = if y % 2 == 0 { (a, y / 2) } else { (b, y / 2) };
            if fy >= if y % 2 == 0 { ra } else { rb } {
                continue;
            }
            // Chroma row on the woven frame, then which field holds it.
            convert_row(im, formula, fy, row, |c, _| {
                let comp = &im.comps[c];
                let r = y * comp.v / im.vmax;
                let (src, sr) = if r % 2 == 0 { (a, r / 2) } else { (b, r / 2) };
                let done = if r % 2 == 0 { ra } else { rb };
                if c < src.comps.len() && sr * src.vmax / src.comps[c].v < done {
                    plane_row(src, c, sr)
                } else {
                    &[]
                }
            });
        }
    }
}

/// Which colour formula ffmpeg's conversion uses for this image at this height.
fn formula(im: &Image, height: usize) -> Formula {
    let halved = im.comps.len() == 3
        && im.comps[0].h == im.hmax
        && im.comps[0].v == im.vmax
        && im.comps[1..].iter().all(|c| {
            c.h * 2 == im.hmax && (c.v == im.vmax || c.v * 2 == im.vmax) && c.v == im.comps[1].v
        });
    if halved && height.is_multiple_of(2) {
        Formula::Floor
    } else {
        Formula::Round
    }
}

/// Row `r` of component `c`'s plane (empty when out of range).
fn plane_row(im: &Image, c: usize, r: usize) -> &[u8] {
    let comp = &im.comps[c];
    comp.plane
        .get(r * comp.stride..(r + 1) * comp.stride)
        .unwrap_or(&[])
}

/// Converts luma row `y` of `im` into `out` (a frame row, cropped to the image);
/// `chroma(c, y)` gives component `c`'s row for luma row `y`.
fn convert_row<'a>(
    im: &'a Image,
    formula: Formula,
    y: usize,
    out: &mut [u8],
    chroma: impl Fn(usize, usize) -> &'a [u8],
) {
    let w = im.width.min(out.len() / 4);
    let out = &mut out[..w * 4];
    let luma = plane_row(im, 0, y);
    match im.kind {
        ColorKind::Grey => color::grey_row(luma, out),
        ColorKind::YCbCr | ColorKind::Rgb if im.comps.len() == 3 => {
            let cy = |c: usize| y * im.comps[c].v / im.vmax;
            let (cb, cr) = (chroma(1, cy(1)), chroma(2, cy(2)));
            let (hb, hr) = (im.comps[1].h, im.comps[2].h);
            if im.kind == ColorKind::Rgb {
                color::rgb_row([(luma, im.comps[0].h), (cb, hb), (cr, hr)], im.hmax, out);
            } else if hb == hr && im.comps[0].h == im.hmax {
                color::ycbcr_row(formula, luma, cb, cr, hb, im.hmax, out);
            } else {
                color::ycbcr_row_mixed(
                    formula,
                    (luma, im.comps[0].h),
                    (cb, hb),
                    (cr, hr),
                    im.hmax,
                    out,
                );
            }
        }
        _ => {}
    }
}

/// Offset of the second field from the `mjpg` APP1 segment of the first, if any.
fn mjpg_next_field(field: &[u8]) -> Option<usize> {
    let mut pos = 2;
    loop {
        let m = field.get(pos..pos + 4)?;
        if m[0] != 0xFF {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([m[2], m[3]]));
        match m[1] {
            0xDA | 0xD9 => return None,
            0xE1 => {
                let body = field.get(pos + 4..pos + 2 + len)?;
                if body.get(4..8) == Some(b"mjpg") {
                    let b = body.get(16..20)?;
                    let off = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
                    return (off > 0).then_some(off);
                }
            }
            _ => {}
        }
        pos += 2 + len;
    }
}

/// Offset of the first SOI marker in `data`.
fn find_soi(data: &[u8]) -> Option<usize> {
    data.windows(2).position(|w| w == [0xFF, 0xD8])
}

/// Height of the image at `data` from its frame header, without decoding.
fn sof_height(data: &[u8]) -> Option<usize> {
    let mut pos = 2;
    loop {
        // Markers may be preceded by fill bytes.
        while *data.get(pos)? == 0xFF && *data.get(pos + 1)? == 0xFF {
            pos += 1;
        }
        let m = data.get(pos..pos + 4)?;
        if m[0] != 0xFF {
            return None;
        }
        match m[1] {
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                let b = data.get(pos + 5..pos + 7)?;
                return Some(usize::from(u16::from_be_bytes([b[0], b[1]])));
            }
            0xDA | 0xD9 => return None,
            0xD0..=0xD8 | 0x01 => pos += 2,
            _ => pos += 2 + usize::from(u16::from_be_bytes([m[2], m[3]])),
        }
    }
}

/// The planes layout a decoded image is kept in ([`FrameKind::YCbCr`]), or
/// None when it must be converted to RGBA: only Y′CbCr images of the frame's
/// own size, luma at full resolution and both chroma planes sampled alike at
/// full or half resolution each way (every layout where the conversion takes
/// chroma sample (x / across, y / down), as [`ycbcr::Layout`] does).
fn planar_layout(im: &Image, fw: usize, fh: usize) -> Option<ycbcr::Layout> {
    let [y, cb, cr] = im.comps.as_slice() else {
        return None;
    };
    let same = cb.h == cr.h && cb.v == cr.v && cb.h > 0 && cb.v > 0;
    if im.kind != ColorKind::YCbCr
        || (im.width, im.height) != (fw, fh)
        || (y.h, y.v) != (im.hmax, im.vmax)
        || !same
        || !im.hmax.is_multiple_of(cb.h)
        || !im.vmax.is_multiple_of(cb.v)
    {
        return None;
    }
    ycbcr::Layout::new(im.hmax / cb.h, im.vmax / cb.v, formula(im, im.height))
}

/// Copies a fully decoded image's planes into `frame` as `layout`
/// (reusing its allocation); false when a plane is shorter than the picture.
fn copy_planes(im: &Image, layout: ycbcr::Layout, frame: &mut Frame) -> bool {
    let (w, h) = (frame.width as usize, frame.height as usize);
    let (cw, ch) = layout.chroma_size(w, h);
    let rows = |c: usize, n: usize, len: usize| (0..n).map(move |r| plane_row(im, c, r).get(..len));
    let all = rows(0, h, w).chain(rows(1, ch, cw)).chain(rows(2, ch, cw));
    if all.clone().any(|r| r.is_none()) {
        return false;
    }
    let data = &mut frame.data;
    data.clear();
    for row in all.flatten() {
        data.extend_from_slice(row);
    }
    // A frame that held RGBA keeps no more than it needs.
    if data.capacity() > 2 * data.len() {
        data.shrink_to_fit();
    }
    frame.kind = FrameKind::YCbCr(layout);
    true
}

/// Turns a frame kept as planes into RGBA (before RGBA rows are written
/// into it; the rows not written keep what the frame showed).
fn make_rgba(frame: &mut Frame) {
    if frame.kind != FrameKind::Rgba {
        frame.data = frame.to_rgba();
        frame.kind = FrameKind::Rgba;
    }
}

impl Decoder for JpegDecoder {
    /// Planes ([`FrameKind::YCbCr`]), as 4:2:0 until a picture says otherwise;
    /// a frame becomes RGBA for pictures that cannot be kept as planes (see
    /// the module's documentation), or that are damaged.
    fn kind(&self) -> FrameKind {
        FrameKind::YCbCr(ycbcr::Layout::FIRST_GUESS)
    }

    fn decode(&mut self, sample: &[u8], _sync: bool, frame: &mut Frame) -> Result<(), DecodeError> {
        let (fw, fh) = (frame.width as usize, frame.height as usize);
        let shape_ok = match frame.kind {
            FrameKind::Rgba | FrameKind::YCbCr(_) => {
                frame.kind.bytes(fw, fh) == Some(frame.data.len())
            }
            _ => false,
        };
        if fw == 0 || fh == 0 || !shape_ok {
            return Err(DecodeError::header(format!(
                "the frame passed in is not a {fw}×{fh} RGBA or Y′CbCr frame"
            )));
        }
        let start = find_soi(sample)
            .ok_or_else(|| DecodeError::at(0, "no JPEG SOI marker in the sample"))?;
        let first = &sample[start..];
        // ffmpeg's test: an image under ¾ of the frame's height is one field of two.
        let interlaced = sof_height(first).is_some_and(|h| h < fh * 3 / 4);
        if !interlaced {
            // Pictures kept as planes are copied at the end; others are
            // converted as rows are decoded, while the planes are in cache.
            let mut sink = |im: &Image, y0: usize, y1: usize| {
                if planar_layout(im, fw, fh).is_some() {
                    return;
                }
                make_rgba(frame);
                let formula = formula(im, im.height);
                let rows = frame.data.chunks_exact_mut(fw * 4);
                for (y, row) in rows.enumerate().take(y1).skip(y0) {
                    convert_row(im, formula, y, row, |c, cy| plane_row(im, c, cy));
                }
            };
            let (how, err) = self.decode_field(0, first, start, (fw, fh), &mut sink);
            let im = &self.fields[0];
            let kept = match (&how, planar_layout(im, fw, fh)) {
                (Field::Planes, Some(layout)) if err.is_none() && im.rows_done() >= fh => {
                    copy_planes(im, layout, frame)
                }
                // Converted row by row already.
                (Field::Planes, None) => true,
                _ => false,
            };
            if !kept {
                // A damaged picture (its decoded rows over what the frame
                // showed), or zune-jpeg's.
                make_rgba(frame);
                self.put(0, &how, frame, 0, 1);
            }
            return err.map_or(Ok(()), Err);
        }
        make_rgba(frame);
        let keep = (fw, fh.div_ceil(2));
        let (how0, err0) = self.decode_field(0, first, start, keep, &mut |_, _, _| {});
        // The second field: where the APP1 'mjpg' segment says, else the next SOI.
        let end0 = match how0 {
            Field::Planes => self.fields[0].end.max(2),
            Field::Rgba(..) => 2,
        };
        let second = mjpg_next_field(first)
            .filter(|&o| o < first.len())
            .or_else(|| find_soi(first.get(end0..)?).map(|o| o + end0));
        let Some(off) = second else {
            // One field only: show it on every row pair, and say the other is missing.
            self.put(0, &how0, frame, 0, 2);
            self.put(0, &how0, frame, 1, 2);
            return Err(err0.unwrap_or_else(|| {
                DecodeError::at(
                    sample.len(),
                    "the second field of an interlaced frame is missing",
                )
            }));
        };
        // One set of tables for both fields (the second may rely on the first's).
        self.fields[1].tables = std::mem::take(&mut self.fields[0].tables);
        let (how1, err1) =
            self.decode_field(1, &first[off..], start + off, keep, &mut |_, _, _| {});
        self.fields[0].tables = std::mem::take(&mut self.fields[1].tables);
        match (&how0, &how1) {
            (Field::Planes, Field::Planes) if same_layout(&self.fields[0], &self.fields[1]) => {
                self.put_woven(frame)
            }
            _ => {
                self.put(0, &how0, frame, 0, 2);
                self.put(1, &how1, frame, 1, 2);
            }
        }
        match (err0, err1) {
            (Some(e), _) | (None, Some(e)) => Err(e),
            (None, None) => Ok(()),
        }
    }
}

/// Whether two fields have the same components and sampling (so they weave).
fn same_layout(a: &Image, b: &Image) -> bool {
    a.kind == b.kind
        && a.comps.len() == b.comps.len()
        && a.comps
            .iter()
            .zip(&b.comps)
            .all(|(x, y)| x.h == y.h && x.v == y.v)
        && a.width == b.width
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::FourCC;
    use crate::limits::Limits;
    use sha2::{Digest, Sha256};

    // Tiny JPEGs made once with ffmpeg 5.1 (`-c:v mjpeg`, 4:2:0, 4:2:2, 4:4:4,
    // and 4:2:0 with restart markers from `-slices 3`) and ImageMagick (grey;
    // progressive), from a 64×64 crop of a panini face.
    const J420: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x02, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xFE, 0x00, 0x10, 0x4C, 0x61, 0x76, 0x63, 0x35, 0x39,
        0x2E, 0x33, 0x37, 0x2E, 0x31, 0x30, 0x30, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x08, 0x08,
        0x08, 0x09, 0x08, 0x09, 0x0B, 0x0B, 0x0B, 0x0B, 0x0B, 0x0B, 0x0D, 0x0C, 0x0D, 0x0D, 0x0D,
        0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0E, 0x0E, 0x0E, 0x11, 0x11, 0x11, 0x0E,
        0x0E, 0x0E, 0x0D, 0x0D, 0x0E, 0x0E, 0x10, 0x10, 0x11, 0x11, 0x12, 0x13, 0x12, 0x11, 0x11,
        0x11, 0x11, 0x13, 0x13, 0x14, 0x14, 0x14, 0x18, 0x18, 0x17, 0x17, 0x1C, 0x1C, 0x1D, 0x22,
        0x22, 0x29, 0xFF, 0xC4, 0x00, 0x64, 0x00, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x03, 0x05, 0x01, 0x01, 0x01, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x05,
        0x10, 0x00, 0x01, 0x03, 0x03, 0x03, 0x04, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x01, 0x11, 0x02, 0x03, 0x21, 0x12, 0x00, 0x05, 0x04, 0x22, 0x51, 0x31, 0x13,
        0x71, 0x41, 0x23, 0x61, 0xB1, 0x11, 0x01, 0x00, 0x03, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x11, 0x21, 0x51, 0x12, 0xFF,
        0xC0, 0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x10, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x00,
        0x03, 0x11, 0x00, 0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00,
        0x3F, 0x00, 0xCF, 0x93, 0x58, 0x92, 0x60, 0x9B, 0x3D, 0xA4, 0xB3, 0x07, 0x03, 0xCD, 0xDF,
        0x5B, 0x13, 0xAD, 0x6B, 0xFC, 0xCB, 0x69, 0x9B, 0x6F, 0x10, 0x7B, 0x0B, 0xC9, 0xEA, 0xD2,
        0xE1, 0x7A, 0xA0, 0xEE, 0x05, 0x6D, 0xAD, 0x39, 0x27, 0xE6, 0x36, 0x59, 0x84, 0x36, 0xB4,
        0x34, 0x1B, 0x88, 0x00, 0x0F, 0x95, 0x35, 0xF4, 0x82, 0xB8, 0x58, 0x04, 0xE3, 0x50, 0x9D,
        0xCE, 0x27, 0xC2, 0x58, 0x03, 0x01, 0x4B, 0x6E, 0xE2, 0xA4, 0x1E, 0xEB, 0x4C, 0x9D, 0xF4,
        0x62, 0x1C, 0xE4, 0x53, 0x57, 0x6A, 0xBE, 0xCF, 0xFF, 0xD9,
    ];
    const J422: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x02, 0x00, 0x00,
        0x01, 0x00, 0x02, 0x00, 0x00, 0xFF, 0xFE, 0x00, 0x10, 0x4C, 0x61, 0x76, 0x63, 0x35, 0x39,
        0x2E, 0x33, 0x37, 0x2E, 0x31, 0x30, 0x30, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x08, 0x08,
        0x08, 0x09, 0x08, 0x09, 0x0B, 0x0B, 0x0B, 0x0B, 0x0B, 0x0B, 0x0D, 0x0C, 0x0D, 0x0D, 0x0D,
        0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0E, 0x0E, 0x0E, 0x11, 0x11, 0x11, 0x0E,
        0x0E, 0x0E, 0x0D, 0x0D, 0x0E, 0x0E, 0x10, 0x10, 0x11, 0x11, 0x12, 0x13, 0x12, 0x11, 0x11,
        0x11, 0x11, 0x13, 0x13, 0x14, 0x14, 0x14, 0x18, 0x18, 0x17, 0x17, 0x1C, 0x1C, 0x1D, 0x22,
        0x22, 0x29, 0xFF, 0xC4, 0x00, 0x64, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x02, 0x01, 0x01, 0x01, 0x01, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x04, 0x05,
        0x10, 0x00, 0x00, 0x06, 0x02, 0x01, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x21, 0x03, 0x04, 0x02, 0x01, 0x12, 0x00, 0x11, 0x32, 0x72, 0xE1, 0x51, 0xF0,
        0x31, 0x33, 0x11, 0x00, 0x02, 0x02, 0x02, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x11, 0x00, 0x31, 0x21, 0x12, 0xB1, 0x81, 0x51, 0xFF,
        0xC0, 0x00, 0x11, 0x08, 0x00, 0x08, 0x00, 0x10, 0x03, 0x01, 0x22, 0x00, 0x02, 0x12, 0x00,
        0x03, 0x12, 0x00, 0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00,
        0x3F, 0x00, 0x13, 0x18, 0xA3, 0x51, 0x06, 0xAD, 0x96, 0x58, 0x34, 0x51, 0x4C, 0x8D, 0xEC,
        0x02, 0xD7, 0x77, 0x6C, 0x84, 0x4C, 0x2C, 0x85, 0x06, 0x91, 0x05, 0xBA, 0xAD, 0x8B, 0x5E,
        0x78, 0x3B, 0x75, 0x0F, 0xA3, 0x30, 0x38, 0x8A, 0xF9, 0x91, 0xD7, 0x18, 0xAD, 0xFD, 0x5F,
        0xEF, 0x8C, 0xCE, 0xE4, 0xA1, 0xAC, 0x6A, 0x9D, 0xA9, 0x8B, 0x91, 0x6F, 0xED, 0x42, 0xC0,
        0xFB, 0xDD, 0xFF, 0xD9,
    ];
    const J444: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x02, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xFE, 0x00, 0x10, 0x4C, 0x61, 0x76, 0x63, 0x35, 0x39,
        0x2E, 0x33, 0x37, 0x2E, 0x31, 0x30, 0x30, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x08, 0x08,
        0x08, 0x09, 0x08, 0x09, 0x0B, 0x0B, 0x0B, 0x0B, 0x0B, 0x0B, 0x0D, 0x0C, 0x0D, 0x0D, 0x0D,
        0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0E, 0x0E, 0x0E, 0x11, 0x11, 0x11, 0x0E,
        0x0E, 0x0E, 0x0D, 0x0D, 0x0E, 0x0E, 0x10, 0x10, 0x11, 0x11, 0x12, 0x13, 0x12, 0x11, 0x11,
        0x11, 0x11, 0x13, 0x13, 0x14, 0x14, 0x14, 0x18, 0x18, 0x17, 0x17, 0x1C, 0x1C, 0x1D, 0x22,
        0x22, 0x29, 0xFF, 0xC4, 0x00, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x04, 0x05, 0x10,
        0x00, 0x02, 0x02, 0x02, 0x02, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x02, 0x01, 0x03, 0x12, 0x00, 0x11, 0xB2, 0x21, 0x41, 0x33, 0x72, 0x04, 0x11, 0x00,
        0x02, 0x02, 0x02, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x02, 0x01, 0x11, 0x00, 0x31, 0x21, 0x12, 0xB1, 0x81, 0x51, 0xFF, 0xC0, 0x00, 0x11, 0x08,
        0x00, 0x08, 0x00, 0x08, 0x03, 0x01, 0x12, 0x00, 0x02, 0x12, 0x00, 0x03, 0x12, 0x00, 0xFF,
        0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00, 0x0A, 0x10,
        0xFE, 0x88, 0x8A, 0x59, 0x0A, 0x72, 0xB5, 0x34, 0x81, 0x00, 0x44, 0x88, 0x5B, 0x6D, 0x25,
        0xDE, 0x9E, 0xBB, 0xB3, 0x7E, 0x31, 0x17, 0xB8, 0xFE, 0xC7, 0x86, 0x67, 0x72, 0x50, 0xD6,
        0x35, 0x4E, 0xD4, 0xC5, 0xC8, 0xB7, 0xF6, 0xA1, 0x60, 0x7D, 0xEE, 0xFF, 0x00, 0xFF, 0xD9,
    ];
    const JRST: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x02, 0x00, 0x00,
        0x03, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xFE, 0x00, 0x10, 0x4C, 0x61, 0x76, 0x63, 0x35, 0x39,
        0x2E, 0x33, 0x37, 0x2E, 0x31, 0x30, 0x30, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x08, 0x0C,
        0x0C, 0x0E, 0x0C, 0x0E, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x13, 0x12, 0x13, 0x14, 0x14,
        0x14, 0x13, 0x13, 0x13, 0x13, 0x14, 0x14, 0x14, 0x15, 0x15, 0x15, 0x19, 0x19, 0x19, 0x15,
        0x15, 0x15, 0x14, 0x14, 0x15, 0x15, 0x18, 0x18, 0x19, 0x19, 0x1B, 0x1C, 0x1B, 0x1A, 0x1A,
        0x19, 0x1A, 0x1C, 0x1C, 0x1E, 0x1E, 0x1E, 0x24, 0x24, 0x22, 0x22, 0x2A, 0x2A, 0x2B, 0x33,
        0x33, 0x3E, 0xFF, 0xDD, 0x00, 0x04, 0x00, 0x01, 0xFF, 0xC4, 0x01, 0xA2, 0x00, 0x00, 0x01,
        0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x01, 0x00, 0x03, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x10, 0x00, 0x02, 0x01, 0x03,
        0x03, 0x02, 0x04, 0x03, 0x05, 0x05, 0x04, 0x04, 0x00, 0x00, 0x01, 0x7D, 0x01, 0x02, 0x03,
        0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71,
        0x14, 0x32, 0x81, 0x91, 0xA1, 0x08, 0x23, 0x42, 0xB1, 0xC1, 0x15, 0x52, 0xD1, 0xF0, 0x24,
        0x33, 0x62, 0x72, 0x82, 0x09, 0x0A, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x25, 0x26, 0x27, 0x28,
        0x29, 0x2A, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
        0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67,
        0x68, 0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x83, 0x84, 0x85, 0x86,
        0x87, 0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3,
        0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9,
        0xBA, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6,
        0xD7, 0xD8, 0xD9, 0xDA, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF1,
        0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0x11, 0x00, 0x02, 0x01, 0x02, 0x04,
        0x04, 0x03, 0x04, 0x07, 0x05, 0x04, 0x04, 0x00, 0x01, 0x02, 0x77, 0x00, 0x01, 0x02, 0x03,
        0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32,
        0x81, 0x08, 0x14, 0x42, 0x91, 0xA1, 0xB1, 0xC1, 0x09, 0x23, 0x33, 0x52, 0xF0, 0x15, 0x62,
        0x72, 0xD1, 0x0A, 0x16, 0x24, 0x34, 0xE1, 0x25, 0xF1, 0x17, 0x18, 0x19, 0x1A, 0x26, 0x27,
        0x28, 0x29, 0x2A, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
        0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67,
        0x68, 0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x82, 0x83, 0x84, 0x85,
        0x86, 0x87, 0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2,
        0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8,
        0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5,
        0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF2,
        0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x30,
        0x00, 0x10, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00, 0xFF, 0xDA, 0x00,
        0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00, 0xBA, 0x7E, 0xEB, 0x7D,
        0x0F, 0xF2, 0xAE, 0x6F, 0x4F, 0x93, 0x72, 0x36, 0xD5, 0xC3, 0xB1, 0xE0, 0xF6, 0x54, 0x1C,
        0x67, 0xDF, 0x9F, 0xD6, 0xA5, 0xD4, 0x35, 0x01, 0x6C, 0x36, 0x2E, 0x1A, 0x46, 0x1C, 0x0F,
        0xEE, 0x83, 0xC6, 0xE3, 0xFD, 0x05, 0x5A, 0xB2, 0x55, 0x52, 0xC0, 0x7C, 0xC7, 0x03, 0x2F,
        0xDB, 0xA0, 0xF9, 0x3F, 0x0E, 0x6B, 0x82, 0xDE, 0xEB, 0x3A, 0x1B, 0xF7, 0xA2, 0x7F, 0xFF,
        0xD7, 0xE4, 0xED, 0x2C, 0x4D, 0xC9, 0x12, 0xCB, 0x9F, 0x56, 0x27, 0xAB, 0x37, 0x5F, 0xF3,
        0xD8, 0x57, 0x5B, 0x6C, 0xC1, 0x4B, 0x44, 0x17, 0x1B, 0x49, 0x39, 0xED, 0xCE, 0x30, 0x05,
        0x59, 0x55, 0x0A, 0xB8, 0x15, 0x42, 0x29, 0x54, 0xDD, 0x4B, 0x16, 0x0E, 0xE5, 0x5D, 0xC4,
        0xF6, 0xC1, 0xDB, 0xC5, 0x79, 0xF7, 0xBD, 0xFD, 0x0E, 0xAB, 0x5A, 0xDE, 0xA7, 0xFF, 0xD0,
        0x96, 0x47, 0xD9, 0x8F, 0x9B, 0x1C, 0x8E, 0x31, 0x9D, 0xD9, 0x60, 0x31, 0x9E, 0xDC, 0x73,
        0x59, 0x70, 0xAF, 0xFC, 0x4C, 0x27, 0x6F, 0xFA, 0x66, 0xA3, 0xFF, 0x00, 0x41, 0xAB, 0x73,
        0xF2, 0x63, 0x50, 0x4F, 0xCC, 0xC3, 0x8E, 0xC4, 0x75, 0xE7, 0xE8, 0x39, 0x14, 0xE4, 0x8D,
        0x52, 0x57, 0x97, 0x3C, 0xBF, 0x18, 0xFA, 0x63, 0xFC, 0x2B, 0xCC, 0x4F, 0x7F, 0x43, 0xB5,
        0xFD, 0x93, 0xFF, 0xD1, 0xFF, 0xD9,
    ];
    const JGREY: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x01, 0x00,
        0x48, 0x00, 0x48, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x06, 0x04, 0x05, 0x06, 0x05,
        0x04, 0x06, 0x06, 0x05, 0x06, 0x07, 0x07, 0x06, 0x08, 0x0A, 0x10, 0x0A, 0x0A, 0x09, 0x09,
        0x0A, 0x14, 0x0E, 0x0F, 0x0C, 0x10, 0x17, 0x14, 0x18, 0x18, 0x17, 0x14, 0x16, 0x16, 0x1A,
        0x1D, 0x25, 0x1F, 0x1A, 0x1B, 0x23, 0x1C, 0x16, 0x16, 0x20, 0x2C, 0x20, 0x23, 0x26, 0x27,
        0x29, 0x2A, 0x29, 0x19, 0x1F, 0x2D, 0x30, 0x2D, 0x28, 0x30, 0x25, 0x28, 0x29, 0x28, 0xFF,
        0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xC4, 0x00,
        0x15, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x04, 0x05, 0xFF, 0xC4, 0x00, 0x24, 0x10, 0x00, 0x02, 0x01, 0x03, 0x03,
        0x04, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04,
        0x11, 0x21, 0x00, 0x06, 0x12, 0x05, 0x23, 0x31, 0x51, 0x22, 0x61, 0xA1, 0xB1, 0xFF, 0xDA,
        0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x93, 0x3E, 0xE7, 0x9E, 0xA9, 0x38, 0x74,
        0x5E, 0x97, 0x3D, 0x58, 0x70, 0x7B, 0xAF, 0xDB, 0x40, 0x3D, 0xFB, 0xFE, 0x69, 0x5B, 0x66,
        0x84, 0x53, 0xA4, 0xB0, 0xBC, 0xCC, 0xD9, 0xF9, 0x23, 0x38, 0xE6, 0x48, 0x03, 0xC8, 0x19,
        0xB6, 0x7D, 0xDB, 0xEB, 0x54, 0x2A, 0xEA, 0xD6, 0x90, 0x44, 0x88, 0x80, 0x99, 0x18, 0x2A,
        0xA8, 0x1E, 0x6E, 0x73, 0xF9, 0x73, 0xA0, 0xD0, 0xAD, 0x5A, 0x6E, 0x4A, 0xE9, 0x24, 0x76,
        0x14, 0x26, 0x30, 0x23, 0x52, 0x07, 0x1E, 0x58, 0xB9, 0x07, 0xCD, 0xF1, 0xAF, 0xFF, 0xD9,
    ];
    const JPROG: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x01, 0x00,
        0x48, 0x00, 0x48, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x06, 0x04, 0x05, 0x06, 0x05,
        0x04, 0x06, 0x06, 0x05, 0x06, 0x07, 0x07, 0x06, 0x08, 0x0A, 0x10, 0x0A, 0x0A, 0x09, 0x09,
        0x0A, 0x14, 0x0E, 0x0F, 0x0C, 0x10, 0x17, 0x14, 0x18, 0x18, 0x17, 0x14, 0x16, 0x16, 0x1A,
        0x1D, 0x25, 0x1F, 0x1A, 0x1B, 0x23, 0x1C, 0x16, 0x16, 0x20, 0x2C, 0x20, 0x23, 0x26, 0x27,
        0x29, 0x2A, 0x29, 0x19, 0x1F, 0x2D, 0x30, 0x2D, 0x28, 0x30, 0x25, 0x28, 0x29, 0x28, 0xFF,
        0xDB, 0x00, 0x43, 0x01, 0x07, 0x07, 0x07, 0x0A, 0x08, 0x0A, 0x13, 0x0A, 0x0A, 0x13, 0x28,
        0x1A, 0x16, 0x1A, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28,
        0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28,
        0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28,
        0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0xFF, 0xC2, 0x00, 0x11, 0x08, 0x00, 0x10,
        0x00, 0x10, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xC4, 0x00,
        0x15, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x03, 0x04, 0xFF, 0xC4, 0x00, 0x15, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x04, 0xFF, 0xDA,
        0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x10, 0x03, 0x10, 0x00, 0x00, 0x01, 0x91, 0x29, 0x09,
        0x5B, 0xFF, 0xC4, 0x00, 0x19, 0x10, 0x00, 0x02, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x04, 0x12, 0x14, 0xFF, 0xDA,
        0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x05, 0x02, 0x9B, 0x32, 0xC5, 0x64, 0xC8, 0xCD, 0x91,
        0x35, 0xD3, 0xFF, 0xC4, 0x00, 0x16, 0x11, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x41, 0xFF, 0xDA, 0x00, 0x08,
        0x01, 0x03, 0x01, 0x01, 0x3F, 0x01, 0x54, 0xFF, 0xC4, 0x00, 0x15, 0x11, 0x01, 0x01, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11,
        0xFF, 0xDA, 0x00, 0x08, 0x01, 0x02, 0x01, 0x01, 0x3F, 0x01, 0xAF, 0xFF, 0xC4, 0x00, 0x1D,
        0x10, 0x00, 0x02, 0x02, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x01, 0x02, 0x11, 0x03, 0x21, 0x23, 0x31, 0x32, 0x61, 0xFF, 0xDA, 0x00,
        0x08, 0x01, 0x01, 0x00, 0x06, 0x3F, 0x02, 0xD9, 0xC5, 0x29, 0x7B, 0xC0, 0xD5, 0x88, 0x9B,
        0x7D, 0x2B, 0x43, 0xFF, 0xC4, 0x00, 0x1A, 0x10, 0x01, 0x00, 0x02, 0x03, 0x01, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x11, 0x21, 0x31, 0x41,
        0x51, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x3F, 0x21, 0x3E, 0xAE, 0x4D, 0xB0,
        0x95, 0x9D, 0xBE, 0x8B, 0x98, 0x75, 0x06, 0xDA, 0x08, 0x4A, 0x8F, 0x27, 0x2E, 0x7F, 0xFF,
        0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10, 0x63, 0xFF,
        0xC4, 0x00, 0x16, 0x11, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x11, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x03, 0x01,
        0x01, 0x3F, 0x10, 0x5E, 0x8A, 0xFF, 0xC4, 0x00, 0x16, 0x11, 0x01, 0x01, 0x01, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x11, 0xFF,
        0xDA, 0x00, 0x08, 0x01, 0x02, 0x01, 0x01, 0x3F, 0x10, 0x06, 0x21, 0x7F, 0xFF, 0xC4, 0x00,
        0x1D, 0x10, 0x01, 0x00, 0x02, 0x02, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x01, 0x11, 0x21, 0x00, 0x31, 0x41, 0x51, 0x61, 0xA1, 0xB1, 0xFF, 0xDA,
        0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x3F, 0x10, 0x8E, 0xE5, 0xB8, 0xD3, 0xBE, 0xFE, 0x61,
        0xD8, 0x45, 0x2C, 0xD0, 0x36, 0x17, 0x17, 0xDC, 0x78, 0xC0, 0x07, 0x52, 0x01, 0xB9, 0x6F,
        0xD5, 0xE0, 0x65, 0x20, 0x20, 0x70, 0x4A, 0x3B, 0x9A, 0xCF, 0xFF, 0xD9,
    ];

    /// SHA-256 of ffmpeg's RGB24 decode of each (`-f rawvideo -pix_fmt rgb24`).
    const SHA_420: &str = "a319a225d0ae42dd2ac50d830bc16b520ce2f222bbfd04f702cd3a268cff5e53";
    const SHA_422: &str = "c1522dc9763f883c17d1aab0a23314b50fb2681f73a990fe8c628e79bdb52ef0";
    const SHA_444: &str = "cf0ce37dd97f518435858f155d0c8e8a1c7e8ad92c8d97aebe6156dbb336c849";
    const SHA_RST: &str = "e0e2db4b2d7167aa731691b0a2a34573b47c880a6876e8fe10a90838ae82394b";
    const SHA_GREY: &str = "3f08cb928af0ac77cff0e91f7b65982b630db41f1168c015934d9d738e3f3c5c";

    fn info(codec: &[u8; 4], width: u32, height: u32) -> StreamInfo {
        StreamInfo {
            codec: FourCC(*codec),
            width,
            height,
            depth: 24,
            palette: None,
        }
    }

    fn frame(w: u32, h: u32) -> Frame {
        Frame::new(w, h, FrameKind::Rgba, None, &Limits::default()).unwrap()
    }

    fn decode(codec: &[u8; 4], w: u32, h: u32, data: &[u8]) -> (Frame, Result<(), DecodeError>) {
        let mut d = JpegDecoder::new(&info(codec, w, h)).unwrap();
        let mut f = frame(w, h);
        let r = d.decode(data, true, &mut f);
        // As RGBA (a picture kept as planes converted).
        (f.into_rgba_frame(), r)
    }

    fn sha(f: &Frame) -> String {
        Sha256::digest(f.to_rgb24())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn bit_exact_with_ffmpeg() {
        for (data, w, h, expect) in [
            (J420, 16, 16, SHA_420),
            (J422, 16, 8, SHA_422),
            (J444, 8, 8, SHA_444),
            (JRST, 16, 48, SHA_RST),
            (JGREY, 16, 16, SHA_GREY),
        ] {
            let (f, r) = decode(b"jpeg", w, h, data);
            r.unwrap();
            assert_eq!(sha(&f), expect, "{w}×{h}");
            // The same bytes as Motion-JPEG A.
            let (f, r) = decode(b"mjpa", w, h, data);
            r.unwrap();
            assert_eq!(sha(&f), expect, "mjpa {w}×{h}");
        }
    }

    /// Pictures are kept as planes in whatever frame they are decoded into
    /// (RGBA or planes) and read the same; grey, damaged and field pictures
    /// become RGBA.
    #[test]
    fn planes_read_as_the_rgba_written() {
        let cut = &J420[..J420.len() - 40];
        for (data, w, h, planar) in [
            (J420, 16, 16, Some((2, 2))),
            (J422, 16, 8, Some((2, 1))),
            (J444, 8, 8, Some((1, 1))),
            (JRST, 16, 48, Some((2, 2))),
            (JGREY, 16, 16, None),
            (cut, 16, 16, None),
            // Two fields of 16×8 woven into 16×16 (mjpa).
            (&[J422, J422].concat(), 16, 16, None),
        ] {
            let mut d = JpegDecoder::new(&info(b"mjpa", w, h)).unwrap();
            let mut rgba = frame(w, h);
            let r1 = d.decode(data, true, &mut rgba);
            let mut kept = Frame::new(w, h, d.kind(), None, &Limits::default()).unwrap();
            let r2 = d.decode(data, true, &mut kept);
            assert_eq!(r1.is_ok(), r2.is_ok());
            // (Exact against ffmpeg for each layout: `bit_exact_with_ffmpeg`.)
            assert_eq!(kept.to_rgba(), rgba.to_rgba(), "{w}×{h} {planar:?}");
            match planar {
                Some((a, v)) => {
                    let l = ycbcr::Layout::new(a, v, formula(&d.fields[0], h as usize)).unwrap();
                    assert_eq!(kept.kind, FrameKind::YCbCr(l));
                    assert_eq!(Some(kept.data.len()), l.bytes(w as usize, h as usize));
                }
                None => assert_eq!(kept.kind, FrameKind::Rgba, "{w}×{h}"),
            }
            // A picture of another layout after it: the frame follows.
            let r3 = d.decode(J444, true, &mut kept);
            if (w, h) == (8, 8) {
                r3.unwrap();
                assert!(matches!(kept.kind, FrameKind::YCbCr(_)));
            }
        }
    }

    /// The real photographs the sample movies were made from (1024² baseline 4:2:0
    /// JPEGs from a camera pipeline), against ffmpeg's RGB24 decode. Skipped
    /// (a failure under `CI=true`) when `shared/samples` is absent.
    #[test]
    fn panini_faces_bit_exact_with_ffmpeg() {
        const FACES: [(&str, &str); 6] = [
            (
                "outside_000000.jpg",
                "ec3a88e5bed46a033658009a2feadf65858a9c86ef5037ab8b3edd7e051079fd",
            ),
            (
                "outside_000001.jpg",
                "aeddfd5f67d85571b93ac9a6785c3659b5e96e12885129a4e05022429de279fe",
            ),
            (
                "outside_000002.jpg",
                "1c392f8ba7ac7d0ab2299eb98f47c9c12f4f0a1cf9869a7957351c3492e96f90",
            ),
            (
                "outside_000003.jpg",
                "2cf31fade1a95bf7e7b38fd0a73da135cba9797043440421dd58e23a6e05b2fe",
            ),
            (
                "outside_000004.jpg",
                "49a59dc214196e6ae378b78f3e716968836288491b8d8cefd64fbb70bbe16d3c",
            ),
            (
                "outside_000005.jpg",
                "5f72fe94171021cf8153c10358f2d9a2f3ea3169b55f2f970ef98996cc23a2e7",
            ),
        ];
        let Some(dir) = qtvr_testkit::samples_dir().map(|d| d.join("sources/panini-faces")) else {
            return;
        };
        for (name, expect) in FACES {
            let data = std::fs::read(dir.join(name)).unwrap();
            let (f, r) = decode(b"jpeg", 1024, 1024, &data);
            r.unwrap();
            assert_eq!(sha(&f), expect, "{name}");
        }
    }

    #[test]
    fn grey_is_grey() {
        let (f, r) = decode(b"jpeg", 16, 16, JGREY);
        r.unwrap();
        assert!(
            f.data
                .chunks_exact(4)
                .all(|p| p[0] == p[1] && p[1] == p[2] && p[3] == 255)
        );
    }

    #[test]
    fn progressive_goes_to_zune() {
        let (f, r) = decode(b"jpeg", 16, 16, JPROG);
        r.unwrap();
        // A photograph: neither black nor flat.
        let rgb = f.to_rgb24();
        let mean = rgb.iter().map(|&v| u32::from(v)).sum::<u32>() / rgb.len() as u32;
        assert!((20..235).contains(&mean), "mean {mean}");
        assert!(rgb.iter().any(|&v| u32::from(v).abs_diff(mean) > 20));
    }

    #[test]
    fn other_codecs_are_refused() {
        assert!(JpegDecoder::new(&info(b"png ", 8, 8)).is_err());
    }

    #[test]
    fn wrong_frame_is_an_error() {
        let mut d = JpegDecoder::new(&info(b"jpeg", 16, 16)).unwrap();
        let mut f = frame(16, 16);
        f.data.truncate(100);
        assert!(d.decode(J420, true, &mut f).is_err());
        let mut f = Frame::new(16, 16, FrameKind::Indexed, None, &Limits::default()).unwrap();
        assert!(d.decode(J420, true, &mut f).is_err());
    }

    // ---- Hand-built streams ----

    /// Bits MSB first, with 0xFF stuffing.
    #[derive(Default)]
    struct Bits {
        out: Vec<u8>,
        acc: u32,
        n: u32,
    }

    impl Bits {
        fn put(&mut self, v: u32, len: u32) {
            for i in (0..len).rev() {
                self.acc = (self.acc << 1) | ((v >> i) & 1);
                self.n += 1;
                if self.n == 8 {
                    self.out.push(self.acc as u8);
                    if self.acc == 0xFF {
                        self.out.push(0);
                    }
                    self.acc = 0;
                    self.n = 0;
                }
            }
        }

        /// A DC-only block: size code (4 bits, see `tables`), magnitude, EOB.
        fn dc_block(&mut self, diff: i32) {
            let size = 32 - diff.unsigned_abs().leading_zeros();
            self.put(size, 4);
            if size > 0 {
                let m = if diff < 0 {
                    diff + (1 << size) - 1
                } else {
                    diff
                };
                self.put(m as u32, size);
            }
            self.put(0, 4); // EOB
        }

        fn finish(mut self) -> Vec<u8> {
            while self.n != 0 {
                self.put(1, 1);
            }
            self.out
        }
    }

    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(body);
        s
    }

    /// DQT of ones (table 0) and two DHTs (table 0): DC sizes 0..=11 and AC
    /// symbols EOB, 0/1, 0/2, 1/1, each with a 4-bit code equal to its index.
    fn tables() -> Vec<u8> {
        let mut v = segment(0xDB, &[[0u8].as_slice(), &[1; 64]].concat());
        let mut counts = [0u8; 16];
        counts[3] = 12;
        let dc: Vec<u8> = [&[0x00][..], &counts, &(0..12).collect::<Vec<u8>>()].concat();
        counts[3] = 4;
        let ac: Vec<u8> = [&[0x10][..], &counts, &[0x00, 0x01, 0x02, 0x11]].concat();
        v.extend(segment(0xC4, &[dc, ac].concat()));
        v
    }

    /// A baseline JPEG: `comps` = (id, sampling byte), then the scans, each a list
    /// of component ids and its entropy-coded bytes.
    fn jpeg(
        w: u16,
        h: u16,
        comps: &[(u8, u8)],
        extra: &[u8],
        scans: &[(&[u8], Vec<u8>)],
    ) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        v.extend_from_slice(extra);
        v.extend(tables());
        let mut sof = vec![8];
        sof.extend_from_slice(&h.to_be_bytes());
        sof.extend_from_slice(&w.to_be_bytes());
        sof.push(comps.len() as u8);
        for &(id, s) in comps {
            sof.extend_from_slice(&[id, s, 0]);
        }
        v.extend(segment(0xC0, &sof));
        for (ids, data) in scans {
            let mut sos = vec![ids.len() as u8];
            for &id in *ids {
                sos.extend_from_slice(&[id, 0x00]);
            }
            sos.extend_from_slice(&[0, 63, 0]);
            v.extend(segment(0xDA, &sos));
            v.extend_from_slice(data);
        }
        v.extend_from_slice(&[0xFF, 0xD9]);
        v
    }

    /// The level of a flat block with dequantized DC `dc` (ffmpeg's arithmetic).
    fn flat(dc: i32) -> u8 {
        let row = 8 * (dc + 1024);
        ((16383 * row + 16383 * 32) >> 20).clamp(0, 255) as u8
    }

    /// A grey image of 8×8 flat blocks with the given DC values (row-major).
    fn grey(w: u16, h: u16, dcs: &[i32]) -> Vec<u8> {
        let mut bits = Bits::default();
        let mut pred = 0;
        for &dc in dcs {
            bits.dc_block(dc - pred);
            pred = dc;
        }
        jpeg(w, h, &[(1, 0x11)], &[], &[(&[1], bits.finish())])
    }

    #[test]
    fn flat_blocks_have_the_dc_level() {
        assert_eq!(flat(0), 128);
        assert_eq!(flat(80), 138);
        assert_eq!(flat(-1024), 0);
        let dcs = [0, 80, -400, 1000, -1024, 3];
        let data = grey(24, 16, &dcs);
        let (f, r) = decode(b"jpeg", 24, 16, &data);
        r.unwrap();
        for y in 0..16 {
            for x in 0..24 {
                let v = flat(dcs[(y / 8) * 3 + x / 8]);
                assert_eq!(
                    &f.data[(y * 24 + x) * 4..][..4],
                    &[v, v, v, 255],
                    "({x},{y})"
                );
            }
        }
    }

    #[test]
    fn ac_coefficients_follow_the_transform() {
        // One block: DC 0, then coefficient 1 (row 0, column 1) = +3 (symbol 0/2).
        let mut bits = Bits::default();
        bits.put(0, 4); // DC size 0
        bits.put(2, 4); // 0/2
        bits.put(3, 2); // +3
        bits.put(0, 4); // EOB
        let data = jpeg(8, 8, &[(1, 0x11)], &[], &[(&[1], bits.finish())]);
        let (f, r) = decode(b"jpeg", 8, 8, &data);
        r.unwrap();
        // A horizontal cosine: each row the same, columns falling left to right.
        let row: Vec<u8> = (0..8).map(|x| f.data[x * 4]).collect();
        for y in 1..8 {
            assert_eq!(
                &f.data[y * 32..y * 32 + 32]
                    .chunks_exact(4)
                    .map(|p| p[0])
                    .collect::<Vec<_>>(),
                &row
            );
        }
        assert!(
            row.windows(2).all(|w| w[0] >= w[1]) && row[0] > row[7],
            "{row:?}"
        );
        for (x, &v) in row.iter().enumerate() {
            let exact = 128.0
                + 3.0 / 4.0
                    * (((2 * x + 1) as f64) * std::f64::consts::PI / 16.0).cos()
                    * 0.5f64.sqrt()
                    * 2.0f64.sqrt();
            assert!((f64::from(v) - exact).abs() <= 1.0, "{x}: {v} vs {exact}");
        }
    }

    #[test]
    fn restart_markers_reset_the_predictor() {
        // Three blocks, restart interval 1: each block's DC is coded from zero.
        let dcs = [80, 160, -80];
        let mut data = Vec::new();
        for (i, &dc) in dcs.iter().enumerate() {
            let mut bits = Bits::default();
            bits.dc_block(dc);
            data.extend(bits.finish());
            if i < 2 {
                data.extend_from_slice(&[0xFF, 0xD0 + i as u8]);
            }
        }
        let dri = segment(0xDD, &[0, 1]);
        let jpg = jpeg(24, 8, &[(1, 0x11)], &dri, &[(&[1], data.clone())]);
        let (f, r) = decode(b"jpeg", 24, 8, &jpg);
        r.unwrap();
        for (i, &dc) in dcs.iter().enumerate() {
            assert_eq!(f.data[i * 32], flat(dc));
        }
        // Without the markers the stream is an error (and the first block stays).
        let mut bits = Bits::default();
        for &dc in &dcs {
            bits.dc_block(dc);
        }
        let jpg = jpeg(24, 8, &[(1, 0x11)], &dri, &[(&[1], bits.finish())]);
        let (f, r) = decode(b"jpeg", 24, 8, &jpg);
        assert!(r.is_err());
        let _ = f;
    }

    #[test]
    fn separate_scans_per_component() {
        // 4:4:4, 8×8, one scan per component (non-interleaved), flat DCs.
        let mut scans: Vec<(&[u8], Vec<u8>)> = Vec::new();
        let ids: [&[u8]; 3] = [&[1], &[2], &[3]];
        for (ids, dc) in ids.into_iter().zip([200, -300, 400]) {
            let mut bits = Bits::default();
            bits.dc_block(dc);
            scans.push((ids, bits.finish()));
        }
        let data = jpeg(8, 8, &[(1, 0x11), (2, 0x11), (3, 0x11)], &[], &scans);
        let (f, r) = decode(b"jpeg", 8, 8, &data);
        r.unwrap();
        let (y, cb, cr) = (flat(200), flat(-300), flat(400));
        let (ro, go, bo) = color::ycbcr_offsets(Formula::Round, cb, cr);
        let c = |o: i32| (i32::from(y) + o).clamp(0, 255) as u8;
        assert_eq!(&f.data[..4], &[c(ro), c(go), c(bo), 255]);
        assert!(f.data.chunks_exact(4).all(|p| p == &f.data[..4]));
    }

    #[test]
    fn interleaved_420_chroma_covers_two_by_two() {
        // 16×16 4:2:0: four Y blocks, then Cb, then Cr, in one MCU.
        let mut bits = Bits::default();
        let ys = [0, 100, -100, 50];
        let mut pred = 0;
        for &dc in &ys {
            bits.dc_block(dc - pred);
            pred = dc;
        }
        bits.dc_block(-200);
        bits.dc_block(300);
        let data = jpeg(
            16,
            16,
            &[(1, 0x22), (2, 0x11), (3, 0x11)],
            &[],
            &[(&[1, 2, 3], bits.finish())],
        );
        let (f, r) = decode(b"jpeg", 16, 16, &data);
        r.unwrap();
        let (ro, go, bo) = color::ycbcr_offsets(Formula::Floor, flat(-200), flat(300));
        for yy in 0..16 {
            for x in 0..16 {
                let l = i32::from(flat(ys[(yy / 8) * 2 + x / 8]));
                let c = |o: i32| (l + o).clamp(0, 255) as u8;
                assert_eq!(
                    &f.data[(yy * 16 + x) * 4..][..4],
                    &[c(ro), c(go), c(bo), 255]
                );
            }
        }
    }

    #[test]
    fn two_fields_are_woven() {
        // Two 8×8 grey fields in a 8×16 frame: even rows from the first.
        let a = grey(8, 8, &[-400]);
        let b = grey(8, 8, &[400]);
        let sample = [a.clone(), b.clone()].concat();
        let (f, r) = decode(b"mjpa", 8, 16, &sample);
        r.unwrap();
        for y in 0..16 {
            let v = if y % 2 == 0 { flat(-400) } else { flat(400) };
            assert_eq!(f.data[y * 32], v, "row {y}");
        }
        // The same found through the APP1 'mjpg' offsets, with padding between.
        let mut app1 = vec![0, 0, 0, 0];
        app1.extend_from_slice(b"mjpg");
        let first_len = 2 + (4 + 40) + (a.len() - 2) + 6;
        for v in [first_len, first_len, first_len, 0, 0, 0, 0, 0] {
            app1.extend_from_slice(&(v as u32).to_be_bytes());
        }
        let mut first = vec![0xFF, 0xD8];
        first.extend(segment(0xE1, &app1));
        first.extend_from_slice(&a[2..]);
        first.extend_from_slice(&[0; 6]);
        assert_eq!(first.len(), first_len);
        let sample = [first, b.clone()].concat();
        let (f2, r) = decode(b"mjpa", 8, 16, &sample);
        r.unwrap();
        assert_eq!(f.data, f2.data);
        // A second field without tables of its own uses the first's.
        let mut bare = vec![0xFF, 0xD8];
        let mut pos = 2;
        while b[pos + 1] != 0xDA {
            let len = usize::from(u16::from_be_bytes([b[pos + 2], b[pos + 3]]));
            if !matches!(b[pos + 1], 0xDB | 0xC4) {
                bare.extend_from_slice(&b[pos..pos + 2 + len]);
            }
            pos += 2 + len;
        }
        bare.extend_from_slice(&b[pos..]);
        assert!(bare.len() < b.len());
        let mut d = JpegDecoder::new(&info(b"mjpa", 8, 16)).unwrap();
        let mut f3 = frame(8, 16);
        d.decode(&[a.clone(), bare].concat(), true, &mut f3)
            .unwrap();
        assert_eq!(f.data, f3.data);
        // One field only: repeated on both rows of each pair (and an error).
        let (f, r) = decode(b"mjpa", 8, 16, &a);
        assert!(r.is_err());
        assert!(f.data.chunks_exact(4).all(|p| p[0] == flat(-400)));
    }

    #[test]
    fn other_sizes_are_cropped_or_placed() {
        let big = grey(24, 16, &[0, 80, 160, -80, -160, 400]);
        let (f, r) = decode(b"jpeg", 16, 8, &big);
        r.unwrap();
        assert_eq!(f.data[0], flat(0));
        assert_eq!(f.data[8 * 4], flat(80));
        // Smaller (but not under ¾ of the height, which would make it a field).
        let small = grey(8, 8, &[400]);
        let (f, r) = decode(b"jpeg", 16, 10, &small);
        r.unwrap();
        assert_eq!(f.data[0], flat(400));
        assert_eq!(&f.data[8 * 4..8 * 4 + 4], &[0, 0, 0, 255]);
        assert_eq!(&f.data[(8 * 16) * 4..(8 * 16) * 4 + 4], &[0, 0, 0, 255]);
    }

    #[test]
    fn truncation_keeps_decoded_rows_and_says_where() {
        let dcs: Vec<i32> = (0..8).map(|i| i * 40 - 160).collect();
        let data = grey(8, 64, &dcs);
        // Cut inside the scan data: the first rows survive.
        let cut = data.len() - 6;
        let mut d = JpegDecoder::new(&info(b"jpeg", 8, 64)).unwrap();
        let mut f = frame(8, 64);
        let e = d.decode(&data[..cut], true, &mut f).unwrap_err();
        assert!(e.at.is_some_and(|at| at <= cut), "{e}");
        assert_eq!(f.data[0], flat(dcs[0]));
    }

    #[test]
    fn bad_streams_never_panic() {
        let mut seed = 0x2545_F491_u32;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        let fields = [grey(8, 8, &[-400]), grey(8, 8, &[400])].concat();
        let cases: [(&[u8], u32, u32, &[u8; 4]); 7] = [
            (J420, 16, 16, b"jpeg"),
            (J422, 16, 8, b"jpeg"),
            (J444, 8, 8, b"jpeg"),
            (JRST, 16, 48, b"jpeg"),
            (JGREY, 16, 16, b"jpeg"),
            (JPROG, 16, 16, b"jpeg"),
            (&fields, 8, 16, b"mjpa"),
        ];
        for (data, w, h, codec) in cases {
            let mut d = JpegDecoder::new(&info(codec, w, h)).unwrap();
            let mut f = frame(w, h);
            // Every truncation that loses scan data is an error (the last bytes
            // can be a final restart marker and EOI).
            for cut in 0..data.len() {
                let r = d.decode(&data[..cut], true, &mut f);
                if cut + 6 <= data.len() {
                    assert!(
                        r.is_err(),
                        "{codec:?} {w}×{h} len {} cut at {cut} decoded",
                        data.len()
                    );
                }
            }
            // Random byte changes, insertions and deletions.
            for _ in 0..1500 {
                let mut m = data.to_vec();
                for _ in 0..1 + next() % 4 {
                    let i = next() as usize % m.len();
                    match next() % 4 {
                        0 => m[i] = next() as u8,
                        1 => m[i] ^= 1 << (next() % 8),
                        2 => m.insert(i, next() as u8),
                        _ => {
                            m.remove(i);
                        }
                    }
                }
                let _ = d.decode(&m, true, &mut f);
                // A frame of another size than the description's also works.
                let mut small = frame(w.div_ceil(2), h.div_ceil(3));
                let _ = d.decode(&m, true, &mut small);
            }
        }
    }

    #[test]
    fn hostile_sizes_do_not_allocate() {
        // A header claiming 65535×65535 with no data: an error, quickly.
        let mut data = grey(8, 8, &[0]);
        let sof = data.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        data[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
        let (_, r) = decode(b"jpeg", 16, 16, &data);
        assert!(r.is_err());
    }
}
