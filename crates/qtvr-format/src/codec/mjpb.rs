//! `mjpb` (Motion-JPEG format B) decoder.
//!
//! Format B is baseline JPEG without markers. A sample holds one field, or the
//! two fields of an interlaced frame, each starting with a header of ten
//! big-endian 32-bit fields:
//!
//! | byte | field |
//! |---|---|
//! | 0 | unused |
//! | 4 | tag `mjpg` |
//! | 8 | field size |
//! | 12 | padded field size |
//! | 16 | offset of the next field (from the start of the sample; 0: none) |
//! | 20 | offset of the quantization tables (0: none) |
//! | 24 | offset of the Huffman tables (0: the JPEG standard's, Annex K.3) |
//! | 28 | offset of the frame header (SOF) |
//! | 32 | offset of the scan header (SOS) |
//! | 36 | offset of the scan data |
//!
//! The table and header offsets, from the start of the field, point at what a
//! JPEG marker segment holds after its marker: a 16-bit length, then the body.
//! The scan data is the entropy-coded data without the `0xFF 0x00` byte
//! stuffing of JPEG; it runs up to the field size past the scan header (or the
//! end of the sample, or of the field when a second one follows).
//!
//! The decoder rebuilds an ordinary JPEG stream from each field (SOI, DQT, DHT,
//! SOF, SOS, the data with stuffing put back, EOI) and hands it to the
//! project's JPEG decoder ([`super::jpeg`]), which already weaves two fields
//! and matches ffmpeg. Nothing maintained in Rust reads format B, and the
//! restructuring is a few dozen lines, so it is written here by hand.
//!
//! ffmpeg's `mjpegb` decoder is the reference, mirrored in: offsets read
//! relative to the field; the second field decoded only when the first is
//! a field (its height under ¾ of the frame's, ffmpeg's test) and the first
//! field's header names one; the standard Huffman tables when a field has
//! none; the first field on the even rows. Where ffmpeg skips an offset beyond
//! the sample with a warning, this is an error naming the field and the
//! header byte that holds the offset (ffmpeg then decodes garbage or nothing).
//! Errors found in the rebuilt stream are reported at the sample byte they
//! came from.
//!
//! The rebuilt stream is at most twice the sample's scan data (stuffing) plus
//! the four table and header segments of each field (each at most 64 KiB, as
//! their lengths are 16-bit) and a few markers; its buffer is reused.

use super::jpeg::JpegDecoder;
use super::{DecodeError, Decoder, Frame, FrameKind, StreamInfo, Unsupported};
use crate::container::FourCC;

/// Decoder for `mjpb` streams.
pub struct MjpbDecoder {
    jpeg: JpegDecoder,
    /// The JPEG stream rebuilt from the current sample.
    stream: Vec<u8>,
    /// Where each piece of `stream` came from.
    pieces: Vec<Piece>,
}

/// A piece of the rebuilt stream and the sample bytes it stands for.
#[derive(Debug, Clone, Copy)]
struct Piece {
    /// Start in the rebuilt stream.
    out: usize,
    /// Start in the sample.
    src: usize,
    /// How the piece maps to the sample.
    how: Origin,
    /// Which field (1 or 2).
    field: usize,
}

/// How a piece of the rebuilt stream maps back to the sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Inserted bytes (markers, default tables): all stand for `src`.
    Inserted,
    /// Copied as is.
    Verbatim,
    /// Copied with a 0x00 after every 0xFF.
    Stuffed,
}

/// What each header word holds (by index; the first four are not offsets).
const NAMES: [&str; 10] = [
    "",
    "",
    "",
    "",
    "next field",
    "quantization tables",
    "Huffman tables",
    "frame header",
    "scan header",
    "scan data",
];

/// Size of a field header.
const HEADER: usize = 40;

/// One field of a sample, every range checked to lie in the sample.
#[derive(Debug, Clone)]
struct Field {
    /// 1 or 2.
    index: usize,
    /// Start of the field in the sample.
    base: usize,
    /// The next field's offset from the start of the sample (0: none).
    next: usize,
    /// Marker segments (length and body), absolute ranges in the sample.
    dqt: Option<(usize, usize)>,
    dht: Option<(usize, usize)>,
    sof: (usize, usize),
    sos: (usize, usize),
    /// The scan data, absolute range.
    data: (usize, usize),
}

impl Field {
    /// Reads the field header at `base`. Offsets must lie within the `avail`
    /// bytes from `base` to the end of the sample; the scan data also stops at
    /// `limit` bytes from `base` (where a second field starts).
    fn parse(sample: &[u8], base: usize, index: usize, limit: usize) -> Result<Field, DecodeError> {
        let avail = sample.len() - base.min(sample.len());
        if avail < HEADER {
            return Err(DecodeError::at(
                sample.len(),
                format!(
                    "field {index}: the sample ends {avail} bytes into the field's {HEADER}-byte Motion-JPEG B header (at byte {base})"
                ),
            ));
        }
        let word = |k: usize| {
            let at = base + 4 * k;
            u32::from_be_bytes([sample[at], sample[at + 1], sample[at + 2], sample[at + 3]])
        };
        if word(1).to_be_bytes() != *b"mjpg" {
            return Err(DecodeError::at(
                base + 4,
                format!(
                    "field {index}: the header's tag is '{}', not 'mjpg'",
                    FourCC(word(1).to_be_bytes())
                ),
            ));
        }
        let field_size = word(2) as usize;
        let mut offs = [0usize; 10];
        for (k, off) in offs.iter_mut().enumerate().skip(4) {
            let v = word(k) as usize;
            if v >= avail {
                return Err(DecodeError::at(
                    base + 4 * k,
                    format!(
                        "field {index}: the {} offset {v} is beyond the field ({avail} bytes from byte {base} to the end of the sample)",
                        NAMES[k]
                    ),
                ));
            }
            *off = v;
        }
        // A marker segment: its 16-bit length (counting itself), within the field.
        let segment = |k: usize| -> Result<Option<(usize, usize)>, DecodeError> {
            let off = offs[k];
            if off == 0 {
                return Ok(None);
            }
            let len = match sample.get(base + off..base + off + 2) {
                Some(b) => usize::from(u16::from_be_bytes([b[0], b[1]])),
                None => 0,
            };
            if len < 2 || off + len > avail {
                return Err(DecodeError::at(
                    base + off,
                    format!(
                        "field {index}: the {} at offset {off} has length {len}, more than the {} bytes left in the sample or less than 2",
                        NAMES[k],
                        avail - off
                    ),
                ));
            }
            Ok(Some((base + off, base + off + len)))
        };
        let missing = |k: usize| {
            DecodeError::at(
                base + 4 * k,
                format!("field {index} has no {} (its offset is 0)", NAMES[k]),
            )
        };
        let dqt = segment(5)?;
        let dht = segment(6)?;
        let sof = segment(7)?.ok_or_else(|| missing(7))?;
        let sos = segment(8)?.ok_or_else(|| missing(8))?;
        let sod = offs[9];
        if sod == 0 {
            return Err(missing(9));
        }
        if base + sod < sos.1 && base + sod >= sos.0 {
            return Err(DecodeError::at(
                base + 36,
                format!(
                    "field {index}: the scan data offset {sod} lies inside the scan header (offsets {}..{})",
                    sos.0 - base,
                    sos.1 - base
                ),
            ));
        }
        // ffmpeg reads the scan through field size bytes from the scan header.
        let end = (sos.0 - base)
            .saturating_add(field_size)
            .min(avail)
            .min(limit);
        if end <= sod {
            return Err(DecodeError::at(
                base + 8,
                format!(
                    "field {index}: no scan data: it starts at offset {sod}, and the field (size {field_size}) ends at offset {end}"
                ),
            ));
        }
        Ok(Field {
            index,
            base,
            next: offs[4],
            dqt,
            dht,
            sof,
            sos,
            data: (base + sod, base + end),
        })
    }

    /// The height in the frame header (0 if it is too short to say).
    fn height(&self, sample: &[u8]) -> usize {
        match sample.get(self.sof.0 + 3..self.sof.0 + 5) {
            Some(b) if self.sof.1 - self.sof.0 >= 5 => {
                usize::from(u16::from_be_bytes([b[0], b[1]]))
            }
            _ => 0,
        }
    }

    /// Bytes the field's rebuilt JPEG stream takes.
    fn rebuilt_len(&self, sample: &[u8]) -> usize {
        let seg = |s: Option<(usize, usize)>| s.map_or(0, |(a, b)| 2 + b - a);
        let data = &sample[self.data.0..self.data.1];
        let dht = match self.dht {
            Some(s) => seg(Some(s)),
            None => 4 + DEFAULT_DHT_BODY_LEN,
        };
        2 + seg(self.dqt)
            + dht
            + seg(Some(self.sof))
            + seg(Some(self.sos))
            + data.len()
            + data.iter().filter(|&&b| b == 0xFF).count()
            + 2
    }
}

impl MjpbDecoder {
    /// A decoder for the stream, or why it cannot be decoded.
    pub fn new(info: &StreamInfo) -> Result<Self, Unsupported> {
        if info.codec.0 != *b"mjpb" {
            return Err(Unsupported::Codec(info.codec));
        }
        let inner = StreamInfo {
            codec: FourCC(*b"mjpa"),
            ..info.clone()
        };
        Ok(MjpbDecoder {
            jpeg: JpegDecoder::new(&inner)?,
            stream: Vec::new(),
            pieces: Vec::new(),
        })
    }

    fn push(&mut self, field: usize, src: usize, how: Origin, bytes: &[u8]) {
        self.pieces.push(Piece {
            out: self.stream.len(),
            src,
            how,
            field,
        });
        match how {
            Origin::Stuffed => {
                for &b in bytes {
                    self.stream.push(b);
                    if b == 0xFF {
                        self.stream.push(0);
                    }
                }
            }
            _ => self.stream.extend_from_slice(bytes),
        }
    }

    /// Appends the JPEG stream of one field.
    fn rebuild(&mut self, sample: &[u8], f: &Field) {
        let i = f.index;
        self.push(i, f.base, Origin::Inserted, &[0xFF, 0xD8]);
        let segment = |d: &mut Self, marker: u8, (a, b): (usize, usize)| {
            d.push(i, a, Origin::Inserted, &[0xFF, marker]);
            d.push(i, a, Origin::Verbatim, &sample[a..b]);
        };
        if let Some(s) = f.dqt {
            segment(self, 0xDB, s);
        }
        match f.dht {
            Some(s) => segment(self, 0xC4, s),
            None => {
                let len = (2 + DEFAULT_DHT_BODY_LEN) as u16;
                let at = f.base + 24;
                self.push(i, at, Origin::Inserted, &[0xFF, 0xC4]);
                self.push(i, at, Origin::Inserted, &len.to_be_bytes());
                for (class_id, counts, values) in DEFAULT_HUFFMAN {
                    self.push(i, at, Origin::Inserted, &[class_id]);
                    self.push(i, at, Origin::Inserted, counts);
                    self.push(i, at, Origin::Inserted, values);
                }
            }
        }
        segment(self, 0xC0, f.sof);
        segment(self, 0xDA, f.sos);
        self.push(i, f.data.0, Origin::Stuffed, &sample[f.data.0..f.data.1]);
        self.push(i, f.data.1, Origin::Inserted, &[0xFF, 0xD9]);
    }

    /// The sample byte that rebuilt-stream byte `at` came from, and its field.
    fn source_of(&self, sample: &[u8], at: usize) -> (usize, usize) {
        let Some(p) = self.pieces.iter().rev().find(|p| p.out <= at) else {
            return (0, 1);
        };
        let into = at - p.out;
        let src = match p.how {
            Origin::Inserted => p.src,
            Origin::Verbatim => p.src + into,
            Origin::Stuffed => {
                let (mut i, mut o) = (p.src, 0);
                while o < into && i < sample.len() {
                    o += if sample[i] == 0xFF { 2 } else { 1 };
                    i += 1;
                }
                i
            }
        };
        (src.min(sample.len()), p.field)
    }
}

impl Decoder for MjpbDecoder {
    /// The JPEG decoder's frames (planes where the picture allows).
    fn kind(&self) -> FrameKind {
        self.jpeg.kind()
    }

    fn decode(&mut self, sample: &[u8], sync: bool, frame: &mut Frame) -> Result<(), DecodeError> {
        let (fw, fh) = (frame.width as usize, frame.height as usize);
        if !matches!(frame.kind, FrameKind::YCbCr(_)) {
            frame.check_shape(fw, fh, FrameKind::Rgba)?;
        }
        let first = Field::parse(sample, 0, 1, sample.len())?;
        // The JPEG decoder's (and ffmpeg's) test for a field of an interlaced frame.
        let interlaced = first.height(sample) < fh * 3 / 4;
        let (first, second) = if interlaced && first.next != 0 {
            let next = first.next;
            let first = Field::parse(sample, 0, 1, next)?;
            (
                first,
                Some(Field::parse(sample, next, 2, sample.len() - next)),
            )
        } else {
            (first, None)
        };
        self.stream.clear();
        self.pieces.clear();
        let mut total = first.rebuilt_len(sample);
        if let Some(Ok(f)) = &second {
            total += f.rebuilt_len(sample);
        }
        self.stream.reserve_exact(total);
        self.rebuild(sample, &first);
        let second_err = match second {
            Some(Ok(f)) => {
                self.rebuild(sample, &f);
                None
            }
            Some(Err(e)) => Some(e),
            None => None,
        };
        let stream = std::mem::take(&mut self.stream);
        let result = self.jpeg.decode(&stream, sync, frame);
        self.stream = stream;
        // A bad second field header is the problem to report (the JPEG
        // decoder then only says the second field is missing).
        if let Some(e) = second_err {
            return Err(e);
        }
        result.map_err(|e| match e.at {
            Some(at) => {
                let (src, field) = self.source_of(sample, at);
                DecodeError::at(src, format!("field {field}: {}", e.what))
            }
            None => e,
        })
    }
}

/// Bytes of the standard tables' DHT body (class/id, 16 counts, values, ×4).
const DEFAULT_DHT_BODY_LEN: usize = 4 * 17 + 12 + 162 + 12 + 162;

/// The Huffman tables of the JPEG standard (ITU T.81 Annex K.3, tables K.3–K.6):
/// (class and id, code counts per length 1–16, symbols).
const DEFAULT_HUFFMAN: [(u8, &[u8; 16], &[u8]); 4] = [
    (0x00, &DC_LUMA_COUNTS, &DC_VALUES),
    (0x10, &AC_LUMA_COUNTS, &AC_LUMA_VALUES),
    (0x01, &DC_CHROMA_COUNTS, &DC_VALUES),
    (0x11, &AC_CHROMA_COUNTS, &AC_CHROMA_VALUES),
];

const DC_LUMA_COUNTS: [u8; 16] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_CHROMA_COUNTS: [u8; 16] = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const DC_VALUES: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_LUMA_COUNTS: [u8; 16] = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D];
const AC_LUMA_VALUES: [u8; 162] = [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
    0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xA1, 0x08, 0x23, 0x42, 0xB1, 0xC1, 0x15, 0x52, 0xD1, 0xF0,
    0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0A, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2A, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
    0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
    0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7,
    0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5,
    0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE1, 0xE2,
    0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8,
    0xF9, 0xFA,
];
const AC_CHROMA_COUNTS: [u8; 16] = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
const AC_CHROMA_VALUES: [u8; 162] = [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
    0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xA1, 0xB1, 0xC1, 0x09, 0x23, 0x33, 0x52, 0xF0,
    0x15, 0x62, 0x72, 0xD1, 0x0A, 0x16, 0x24, 0x34, 0xE1, 0x25, 0xF1, 0x17, 0x18, 0x19, 0x1A, 0x26,
    0x27, 0x28, 0x29, 0x2A, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
    0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
    0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
    0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5,
    0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3,
    0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA,
    0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8,
    0xF9, 0xFA,
];

/// Restructures baseline JPEG images into one Motion-JPEG B sample, one field per
/// image, each padded to a multiple of 4 bytes. With `huffman` false the
/// fields carry no Huffman tables (the images must use the standard ones).
/// None when an image is not a single-scan sequential JPEG without restart
/// markers (what format B can hold).
///
/// For tests and for crafting fixtures (`examples/craft_codec_fixtures.rs`).
pub fn sample_from_jpegs(images: &[&[u8]], huffman: bool) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for (n, jpeg) in images.iter().enumerate() {
        let parts = split_jpeg(jpeg)?;
        let mut field = vec![0u8; HEADER];
        let mut offsets = [0u32; 5];
        let segments: [(usize, &[u8]); 4] = [
            (0, &parts.dqt),
            (1, if huffman { &parts.dht } else { &[] }),
            (2, &parts.sof),
            (3, &parts.sos),
        ];
        for (k, body) in segments {
            if body.is_empty() {
                continue;
            }
            offsets[k] = field.len() as u32;
            field.extend_from_slice(&u16::try_from(body.len() + 2).ok()?.to_be_bytes());
            field.extend_from_slice(body);
        }
        offsets[4] = field.len() as u32;
        field.extend_from_slice(&parts.data);
        let size = field.len();
        field.resize(size.next_multiple_of(4), 0);
        let next = if n + 1 < images.len() {
            out.len() + field.len()
        } else {
            0
        };
        let words = [
            0,
            u32::from_be_bytes(*b"mjpg"),
            size as u32,
            field.len() as u32,
            next as u32,
        ];
        for (k, v) in words.iter().chain(&offsets).enumerate() {
            field[4 * k..4 * k + 4].copy_from_slice(&v.to_be_bytes());
        }
        out.extend_from_slice(&field);
    }
    Some(out)
}

/// The parts of a baseline JPEG that format B keeps: table bodies (all DQT and
/// all DHT segments merged), the SOF and SOS bodies, the unstuffed scan data.
struct JpegParts {
    dqt: Vec<u8>,
    dht: Vec<u8>,
    sof: Vec<u8>,
    sos: Vec<u8>,
    data: Vec<u8>,
}

fn split_jpeg(j: &[u8]) -> Option<JpegParts> {
    if j.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut p = JpegParts {
        dqt: Vec::new(),
        dht: Vec::new(),
        sof: Vec::new(),
        sos: Vec::new(),
        data: Vec::new(),
    };
    let mut pos = 2;
    loop {
        if *j.get(pos)? != 0xFF {
            return None;
        }
        let marker = *j.get(pos + 1)?;
        let len = usize::from(u16::from_be_bytes([*j.get(pos + 2)?, *j.get(pos + 3)?]));
        let body = j.get(pos + 4..pos + 2 + len)?;
        pos += 2 + len;
        match marker {
            0xDB => p.dqt.extend_from_slice(body),
            0xC4 => p.dht.extend_from_slice(body),
            0xC0 | 0xC1 => p.sof = body.to_vec(),
            0xDD if body.iter().any(|&b| b != 0) => return None,
            0xDA => {
                p.sos = body.to_vec();
                break;
            }
            0xC2 | 0xC3 | 0xC5..=0xCF => return None,
            _ => {}
        }
    }
    // Scan data up to EOI, unstuffed; any other marker is refused.
    loop {
        let b = *j.get(pos)?;
        if b != 0xFF {
            p.data.push(b);
            pos += 1;
            continue;
        }
        match *j.get(pos + 1)? {
            0x00 => {
                p.data.push(0xFF);
                pos += 2;
            }
            0xD9 => break,
            _ => return None,
        }
    }
    (!p.sof.is_empty() && !p.dqt.is_empty()).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    fn info(w: u32, h: u32) -> StreamInfo {
        StreamInfo {
            codec: FourCC(*b"mjpb"),
            width: w,
            height: h,
            depth: 24,
            palette: None,
        }
    }

    fn decode(w: u32, h: u32, sample: &[u8]) -> (Frame, Result<(), DecodeError>) {
        let mut d = MjpbDecoder::new(&info(w, h)).unwrap();
        let mut f = Frame::new(w, h, FrameKind::Rgba, None, &Limits::default()).unwrap();
        let r = d.decode(sample, true, &mut f);
        (f.into_rgba_frame(), r)
    }

    /// A baseline JPEG of a smooth gradient, by the `image` crate (4:4:4,
    /// the standard Huffman tables).
    fn jpeg(w: u32, h: u32, seed: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([
                (x * 255 / w.max(1)) as u8,
                (y * 255 / h.max(1)) as u8,
                ((x + y + seed) * 7 % 256) as u8,
            ])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap();
        out
    }

    /// The JPEG decoder's picture of a JPEG (the reference for the rebuilt stream).
    fn as_jpeg(w: u32, h: u32, data: &[u8]) -> Frame {
        let inner = StreamInfo {
            codec: FourCC(*b"mjpa"),
            ..info(w, h)
        };
        let mut d = JpegDecoder::new(&inner).unwrap();
        let mut f = Frame::new(w, h, FrameKind::Rgba, None, &Limits::default()).unwrap();
        d.decode(data, true, &mut f).unwrap();
        f.into_rgba_frame()
    }

    #[test]
    fn only_mjpb() {
        assert!(MjpbDecoder::new(&info(8, 8)).is_ok());
        let other = StreamInfo {
            codec: FourCC(*b"jpeg"),
            ..info(8, 8)
        };
        assert!(MjpbDecoder::new(&other).is_err());
    }

    #[test]
    fn default_tables_are_the_standard_ones() {
        // The image crate writes the Annex K tables; its DHT segments hold the same bytes.
        let j = jpeg(16, 16, 0);
        let parts = split_jpeg(&j).unwrap();
        let mut ours = Vec::new();
        for (class_id, counts, values) in DEFAULT_HUFFMAN {
            let mut t = vec![class_id];
            t.extend_from_slice(counts);
            t.extend_from_slice(values);
            assert_eq!(
                counts.iter().map(|&c| usize::from(c)).sum::<usize>(),
                values.len()
            );
            ours.push(t);
        }
        // Compare table by table (the order of tables in the file may differ).
        let mut theirs = Vec::new();
        let mut b = &parts.dht[..];
        while !b.is_empty() {
            let n: usize = b[1..17].iter().map(|&c| usize::from(c)).sum();
            theirs.push(b[..17 + n].to_vec());
            b = &b[17 + n..];
        }
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs);
        assert_eq!(
            ours.iter().map(Vec::len).sum::<usize>(),
            DEFAULT_DHT_BODY_LEN
        );
    }

    #[test]
    fn one_field_decodes_as_its_jpeg() {
        // Odd sizes, with and without Huffman tables in the field.
        for (w, h) in [(16, 16), (13, 11), (1, 1), (33, 7)] {
            let j = jpeg(w, h, w);
            let want = as_jpeg(w, h, &j);
            for huffman in [true, false] {
                let s = sample_from_jpegs(&[&j], huffman).unwrap();
                let (f, r) = decode(w, h, &s);
                r.unwrap();
                assert_eq!(f.data, want.data, "{w}×{h} huffman {huffman}");
            }
        }
    }

    #[test]
    fn scan_data_with_ff_bytes_is_stuffed() {
        let j = jpeg(32, 32, 3);
        let s = sample_from_jpegs(&[&j], true).unwrap();
        let parts = split_jpeg(&j).unwrap();
        assert!(
            parts.data.contains(&0xFF),
            "the test image should code some 0xFF bytes"
        );
        let (f, r) = decode(32, 32, &s);
        r.unwrap();
        assert_eq!(f.data, as_jpeg(32, 32, &j).data);
    }

    #[test]
    fn two_fields_are_woven() {
        let (top, bottom) = (jpeg(16, 8, 0), jpeg(16, 8, 100));
        let s = sample_from_jpegs(&[&top, &bottom], false).unwrap();
        let (f, r) = decode(16, 16, &s);
        r.unwrap();
        let (a, b) = (as_jpeg(16, 8, &top), as_jpeg(16, 8, &bottom));
        for y in 0..16 {
            let src = if y % 2 == 0 { &a } else { &b };
            // Grey-free 4:4:4 fields: each woven row is its field's row.
            assert_eq!(
                &f.data[y * 64..y * 64 + 64],
                &src.data[(y / 2) * 64..(y / 2) * 64 + 64],
                "row {y}"
            );
        }
        // Only the first field: its rows on both, and an error.
        let one = sample_from_jpegs(&[&top], false).unwrap();
        let (_, r) = decode(16, 16, &one);
        assert!(r.unwrap_err().what.contains("second field"));
        // A field at full height is not interlaced: the second is ignored.
        let full = jpeg(16, 16, 0);
        let mut s = sample_from_jpegs(&[&full, &full], false).unwrap();
        let second = u32::from_be_bytes([s[16], s[17], s[18], s[19]]) as usize;
        s[second + 4] = b'X'; // the second field's tag is bad, but unused
        let (f, r) = decode(16, 16, &s);
        r.unwrap();
        assert_eq!(f.data, as_jpeg(16, 16, &full).data);
    }

    #[test]
    fn bad_headers_name_the_field_and_byte() {
        let j = jpeg(16, 8, 0);
        let s = sample_from_jpegs(&[&j, &j], true).unwrap();
        let second = u32::from_be_bytes([s[16], s[17], s[18], s[19]]) as usize;
        let set =
            |s: &mut Vec<u8>, at: usize, v: u32| s[at..at + 4].copy_from_slice(&v.to_be_bytes());
        // Too short for a header.
        let e = decode(16, 16, &s[..39]).1.unwrap_err();
        assert_eq!(e.at, Some(39));
        // A bad tag.
        let mut m = s.clone();
        m[5] = b'x';
        let e = decode(16, 16, &m).1.unwrap_err();
        assert_eq!(e.at, Some(4), "{e}");
        assert!(e.what.starts_with("field 1"), "{e}");
        // Each offset beyond the field, in each field.
        for (k, name) in NAMES.iter().enumerate().skip(4) {
            for base in [0, second] {
                let mut m = s.clone();
                set(&mut m, base + 4 * k, (s.len() - base) as u32);
                let e = decode(16, 16, &m).1.unwrap_err();
                assert_eq!(e.at, Some(base + 4 * k), "offset {k} field at {base}: {e}");
                let n = if base == 0 { 1 } else { 2 };
                assert!(e.what.starts_with(&format!("field {n}")), "{e}");
                assert!(e.what.contains(name), "{e}");
            }
        }
        // A segment whose length runs past the sample.
        let mut m = s.clone();
        let dqt = u32::from_be_bytes([
            s[second + 20],
            s[second + 21],
            s[second + 22],
            s[second + 23],
        ]) as usize;
        m[second + dqt..second + dqt + 2].copy_from_slice(&[0xFF, 0xF0]);
        let e = decode(16, 16, &m).1.unwrap_err();
        assert_eq!(e.at, Some(second + dqt), "{e}");
        assert!(
            e.what.contains("field 2") && e.what.contains("quantization"),
            "{e}"
        );
        // Missing frame header, scan header, scan data.
        for k in [7, 8, 9] {
            let mut m = s.clone();
            set(&mut m, 4 * k, 0);
            let e = decode(16, 16, &m).1.unwrap_err();
            assert_eq!(e.at, Some(4 * k), "{e}");
        }
        // Scan data starting inside the scan header.
        let mut m = s.clone();
        let sos = u32::from_be_bytes([s[32], s[33], s[34], s[35]]);
        set(&mut m, 36, sos + 1);
        assert_eq!(decode(16, 16, &m).1.unwrap_err().at, Some(36));
        // A field size that ends before the scan data.
        let mut m = s.clone();
        set(&mut m, 8, 1);
        assert_eq!(decode(16, 16, &m).1.unwrap_err().at, Some(8));
    }

    #[test]
    fn errors_in_the_scan_point_into_the_sample() {
        let j = jpeg(16, 16, 5);
        let s = sample_from_jpegs(&[&j], true).unwrap();
        let sod = u32::from_be_bytes([s[36], s[37], s[38], s[39]]) as usize;
        let size = u32::from_be_bytes([s[8], s[9], s[10], s[11]]) as usize;
        // Cut inside the scan data: the error lies in the scan data, at or before the cut.
        let cut = sod + (size - sod) / 2;
        let e = decode(16, 16, &s[..cut]).1.unwrap_err();
        let at = e.at.unwrap();
        assert!(at >= sod && at <= cut, "{e}");
        assert!(e.what.starts_with("field 1: "), "{e}");
        // A frame header with 12-bit samples: reported inside the frame header.
        let sof = u32::from_be_bytes([s[28], s[29], s[30], s[31]]) as usize;
        let mut m = s.clone();
        m[sof + 2] = 12;
        let e = decode(16, 16, &m).1.unwrap_err();
        assert_eq!(e.at, Some(sof + 2), "{e}");
    }

    #[test]
    fn rebuilt_stream_stays_small() {
        let j = jpeg(24, 24, 9);
        let s = sample_from_jpegs(&[&j], false).unwrap();
        let mut d = MjpbDecoder::new(&info(24, 24)).unwrap();
        let mut f = Frame::new(24, 24, FrameKind::Rgba, None, &Limits::default()).unwrap();
        d.decode(&s, true, &mut f).unwrap();
        assert!(d.stream.len() <= 2 * s.len() + 4 + DEFAULT_DHT_BODY_LEN + 16);
        assert_eq!(d.stream.capacity(), d.stream.len());
    }

    #[test]
    fn bad_samples_never_panic() {
        let mut rng = qtvr_testkit::Rng::new(0x2545_F491);
        let (a, b) = (jpeg(16, 8, 1), jpeg(16, 8, 2));
        let s = sample_from_jpegs(&[&a, &b], true).unwrap();
        let second = u32::from_be_bytes([s[16], s[17], s[18], s[19]]) as usize;
        let mut d = MjpbDecoder::new(&info(16, 16)).unwrap();
        let mut f = Frame::new(16, 16, FrameKind::Rgba, None, &Limits::default()).unwrap();
        for cut in 0..s.len() {
            let _ = d.decode(&s[..cut], true, &mut f);
        }
        for _ in 0..2000 {
            let mut m = s.clone();
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(m.len());
                match rng.below(3) {
                    0 => m[i] = rng.byte(),
                    1 => m[i] ^= 1 << rng.below(8),
                    // The header words of either field, where offsets live.
                    _ => {
                        let at = rng.pick(&[0, second]) + ((i % 40) & !3);
                        m[at..at + 4].copy_from_slice(&rng.next_u32().to_be_bytes());
                    }
                }
            }
            if let Err(e) = d.decode(&m, true, &mut f) {
                assert!(e.at.is_none_or(|at| at <= m.len()), "{e}");
            }
        }
    }
}
