//! BinHex 4.0: a text file that carries both forks of a Mac file.
//!
//! Written by hand from the BinHex 4.0 definition (RFC 1741); no crate reads
//! it. After the line `(This file must be converted with BinHex 4.0)` (or
//! any line that starts `(This file must be converted`) the
//! data runs from `:` to `:`, six bits per character of a 64-character
//! alphabet, line breaks ignored; the bytes are run-length encoded (`0x90 n`
//! repeats the byte before it `n` times in all, `0x90 0` is a literal
//! `0x90`). They hold a header (name, type, creator, Finder flags, the fork
//! lengths), the data fork and the resource fork, each followed by its
//! CRC-16/XMODEM, all three checked. Decoding stops at the length the header
//! declares, which must fit the allocation allowance of the file's size.

use std::sync::Arc;

use super::{FinderInfo, Forks, Range, crc16_xmodem};
use crate::container::FourCC;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::source::{ByteSource, read_vec};

/// The start of the marker line: `(This file must be converted with BinHex
/// 4.0)`, or as some encoders write it (macutils' `binhex`),
/// `(This file must be converted; you knew that already.)`.
const MARKER: &[u8] = b"(This file must be converted";
const ALPHABET: &[u8; 64] = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";
/// How far into the file the marker line is looked for (mail headers may
/// come first).
const SEARCH: u64 = 64 << 10;
/// The largest BinHex text read.
const MAX_TEXT: u64 = 1 << 30;

/// Whether `file` holds the BinHex 4.0 marker line near its start.
pub fn detect(file: &dyn ByteSource) -> Result<Option<usize>> {
    let n = file.len().min(SEARCH);
    let head = read_vec(file, 0, n)?;
    let Some(at) = head.windows(MARKER.len()).position(|w| w == MARKER) else {
        return Ok(None);
    };
    // Only text (mail headers, a note) may come before the marker: a movie
    // that happens to hold the words is not BinHex.
    let text = head[..at]
        .iter()
        .all(|&c| c == b'\r' || c == b'\n' || c == b'\t' || (0x20..0x7F).contains(&c));
    Ok(text.then_some(at))
}

/// Each byte's 6-bit value, 0xFF for bytes outside the alphabet.
const VALUES: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 64 {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

fn value(c: u8) -> Option<u8> {
    let v = VALUES[usize::from(c)];
    (v != 0xFF).then_some(v)
}

/// The forks of a BinHex file, `None` when `file` is not BinHex.
pub fn read(file: &Arc<dyn ByteSource>, name: &str) -> Result<Option<Forks>> {
    let Some(marker) = detect(file.as_ref())? else {
        return Ok(None);
    };
    let len = file.len();
    let text_err = |offset: u64, problem: String| {
        Error::mac(format!("BinHex text of {name}"), offset, problem)
    };
    if len > MAX_TEXT {
        return Err(text_err(
            0,
            format!("{len} bytes of BinHex text: more than the {MAX_TEXT} read"),
        ));
    }
    let text = read_vec(file.as_ref(), 0, len)?;
    // The data starts at the first ':' after the marker line.
    let after = marker + MARKER.len();
    let Some(start) = text[after..]
        .iter()
        .position(|&c| c == b':')
        .map(|p| p + after + 1)
    else {
        return Err(text_err(
            after as u64,
            "no ':' starts the encoded data after the BinHex line".into(),
        ));
    };
    let cap = Limits::DEFAULT.budget_for_file(len).total();
    let stream_err = |offset: u64, problem: String| {
        Error::mac(format!("BinHex data of {name} (decoded)"), offset, problem)
    };
    let mut out: Vec<u8> = Vec::new();
    // The length of the whole decoded stream, once the header says it.
    let mut want: Option<u64> = None;
    let mut bits = 0u32;
    let mut nbits = 0u32;
    let mut last: Option<u8> = None;
    let mut run_next = false;
    let mut closed = false;
    for (i, &c) in text[start..].iter().enumerate() {
        if want.is_some_and(|w| out.len() as u64 >= w) {
            break;
        }
        if matches!(c, b'\r' | b'\n' | b'\t' | b' ') {
            continue;
        }
        if c == b':' {
            closed = true;
            break;
        }
        let Some(v) = value(c) else {
            return Err(text_err(
                (start + i) as u64,
                format!("byte {c:#04x} is not a BinHex character"),
            ));
        };
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits < 8 {
            continue;
        }
        nbits -= 8;
        let b = (bits >> nbits) as u8;
        bits &= (1 << nbits) - 1;
        // Run-length decoding.
        let emit = |byte: u8, count: usize, out: &mut Vec<u8>| -> Result<()> {
            let limit = want.unwrap_or(cap).min(cap);
            if out.len() as u64 + count as u64 > limit {
                return Err(text_err(
                    (start + i) as u64,
                    match want {
                        Some(w) => format!(
                            "the data decodes to more than the {w} bytes its header declares"
                        ),
                        None => format!("the data decodes to more than {cap} bytes"),
                    },
                ));
            }
            out.resize(out.len() + count, byte);
            Ok(())
        };
        if run_next {
            run_next = false;
            if b == 0 {
                emit(0x90, 1, &mut out)?;
                last = Some(0x90);
            } else {
                let Some(prev) = last else {
                    return Err(text_err(
                        (start + i) as u64,
                        "a run (0x90) with no byte before it to repeat".into(),
                    ));
                };
                emit(prev, usize::from(b) - 1, &mut out)?;
            }
        } else if b == 0x90 {
            run_next = true;
        } else {
            emit(b, 1, &mut out)?;
            last = Some(b);
        }
        if want.is_none() && !out.is_empty() {
            let n = usize::from(out[0]);
            let head = 1 + n + 1 + 4 + 4 + 2 + 4 + 4;
            if out.len() >= head + 2 {
                if !(1..=63).contains(&n) {
                    return Err(stream_err(
                        0,
                        format!("file name of {n} bytes (1 to 63 allowed)"),
                    ));
                }
                let be = |at: usize| {
                    u64::from(u32::from_be_bytes([
                        out[at],
                        out[at + 1],
                        out[at + 2],
                        out[at + 3],
                    ]))
                };
                let (dlen, rlen) = (be(head - 8), be(head - 4));
                let total = head as u64 + 2 + dlen + 2 + rlen + 2;
                if total > cap {
                    return Err(stream_err(
                        (head - 8) as u64,
                        format!(
                            "forks of {dlen} and {rlen} bytes: more than the {cap} bytes allowed for a {len}-byte file"
                        ),
                    ));
                }
                let stored = u16::from_be_bytes([out[head], out[head + 1]]);
                let crc = crc16_xmodem(&out[..head]);
                if stored != crc {
                    return Err(stream_err(
                        head as u64,
                        format!(
                            "header CRC is {stored:#06x} but the header's bytes give {crc:#06x}"
                        ),
                    ));
                }
                want = Some(total);
            }
        }
    }
    let have = out.len() as u64;
    let Some(total) = want.filter(|&w| have >= w) else {
        return Err(text_err(
            len,
            format!(
                "the data ends after {have} decoded bytes{}{}",
                want.map(|w| format!(", its header declares {w}"))
                    .unwrap_or_else(|| ", before its header is complete".into()),
                if closed { "" } else { " (no closing ':')" }
            ),
        ));
    };
    let n = usize::from(out[0]);
    let head = 1 + n + 1 + 4 + 4 + 2 + 4 + 4;
    let be = |at: usize| {
        u64::from(u32::from_be_bytes([
            out[at],
            out[at + 1],
            out[at + 2],
            out[at + 3],
        ]))
    };
    let (dlen, rlen) = (be(head - 8), be(head - 4));
    let data_at = head as u64 + 2;
    let res_at = data_at + dlen + 2;
    for (what, at, flen) in [
        ("data fork", data_at, dlen),
        ("resource fork", res_at, rlen),
    ] {
        // at + flen + 2 <= total == out.len(), checked above.
        let (a, e) = (at as usize, (at + flen) as usize);
        let stored = u16::from_be_bytes([out[e], out[e + 1]]);
        let crc = crc16_xmodem(&out[a..e]);
        if stored != crc {
            return Err(stream_err(
                e as u64,
                format!("{what} CRC is {stored:#06x} but its {flen} bytes give {crc:#06x}"),
            ));
        }
    }
    debug_assert_eq!(res_at + rlen + 2, total);
    let o = 1 + n + 1;
    let finder = FinderInfo {
        file_type: FourCC([out[o], out[o + 1], out[o + 2], out[o + 3]]),
        creator: FourCC([out[o + 4], out[o + 5], out[o + 6], out[o + 7]]),
    };
    let orig = crate::text::mac_roman(&out[1..1 + n]);
    let all: Arc<dyn ByteSource> = Arc::new(out);
    Ok(Some(Forks {
        data: Arc::new(Range::new(all.clone(), data_at, dlen)),
        resource: (rlen > 0)
            .then(|| Arc::new(Range::new(all.clone(), res_at, rlen)) as Arc<dyn ByteSource>),
        finder: Some(finder),
        how: format!("BinHex 4.0 (file \"{orig}\")"),
        looked: vec![format!("{name} (BinHex 4.0)")],
    }))
}

/// Writes a BinHex 4.0 file — for tests.
#[doc(hidden)]
pub fn write(name: &str, finder: FinderInfo, data: &[u8], rsrc: &[u8]) -> Vec<u8> {
    let mut raw = Vec::new();
    let n = name.len().min(63);
    raw.push(n as u8);
    raw.extend_from_slice(&name.as_bytes()[..n]);
    raw.push(0);
    raw.extend_from_slice(&finder.file_type.0);
    raw.extend_from_slice(&finder.creator.0);
    raw.extend_from_slice(&[0, 0]);
    raw.extend_from_slice(&(data.len() as u32).to_be_bytes());
    raw.extend_from_slice(&(rsrc.len() as u32).to_be_bytes());
    let crc = crc16_xmodem(&raw);
    raw.extend_from_slice(&crc.to_be_bytes());
    for fork in [data, rsrc] {
        raw.extend_from_slice(fork);
        raw.extend_from_slice(&crc16_xmodem(fork).to_be_bytes());
    }
    // Run-length encoding: runs of 4 to 255 equal bytes (never of 0x90).
    let mut rle = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        let mut run = 1;
        while i + run < raw.len() && raw[i + run] == b && run < 255 {
            run += 1;
        }
        if b == 0x90 {
            rle.extend_from_slice(&[0x90, 0]);
            i += 1;
        } else if run >= 4 {
            rle.extend_from_slice(&[b, 0x90, run as u8]);
            i += run;
        } else {
            rle.push(b);
            i += 1;
        }
    }
    let mut chars = Vec::new();
    for g in rle.chunks(3) {
        let v = (u32::from(g[0]) << 16)
            | (u32::from(*g.get(1).unwrap_or(&0)) << 8)
            | u32::from(*g.get(2).unwrap_or(&0));
        let keep = [2, 3, 4][g.len() - 1];
        for k in 0..keep {
            chars.push(ALPHABET[((v >> (18 - 6 * k)) & 63) as usize]);
        }
    }
    let mut out = b"(This file must be converted with BinHex 4.0)\n:".to_vec();
    let mut col = 1;
    for c in chars {
        if col == 64 {
            out.push(b'\n');
            col = 0;
        }
        out.push(c);
        col += 1;
    }
    out.extend_from_slice(b":\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: FinderInfo = crate::mac::MOOV_TVOD;

    fn open(bytes: Vec<u8>) -> Result<Option<Forks>> {
        read(&(Arc::new(bytes) as Arc<dyn ByteSource>), "test")
    }

    #[test]
    fn runs_and_literal_0x90_round_trip() {
        let mut data = vec![0x90u8; 5];
        data.extend([1, 2, 3]);
        data.extend(vec![0u8; 600]);
        data.extend([0x90, 4, 4, 4, 4, 4]);
        let rsrc = vec![9u8; 10];
        let f = open(write("n", F, &data, &rsrc)).unwrap().unwrap();
        assert_eq!(f.finder, Some(F));
        assert_eq!(read_vec(f.data.as_ref(), 0, f.data.len()).unwrap(), data);
        let r = f.resource.unwrap();
        assert_eq!(read_vec(r.as_ref(), 0, r.len()).unwrap(), rsrc);
    }

    #[test]
    fn mail_headers_may_come_first_but_not_binary() {
        let mut mail = b"From: someone\r\nSubject: a movie\r\n\r\n".to_vec();
        mail.extend(write("n", F, b"abc", b""));
        assert!(open(mail).unwrap().is_some());
        let mut movie = vec![0u8, 0, 0, 8, b'f', b'r', b'e', b'e'];
        movie.extend(b"(This file must be converted with BinHex 4.0)");
        assert!(open(movie).unwrap().is_none());
    }

    #[test]
    fn cut_or_unclosed_data_is_an_error() {
        let full = write("n", F, &[5u8; 100], b"rsrc");
        let e = open(full[..full.len() - 30].to_vec())
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("the data ends after"), "{e}");
        // A header declaring forks far larger than the text allows.
        let mut raw = vec![1u8, b'n', 0];
        raw.extend(b"MooVTVOD");
        raw.extend([0, 0]);
        raw.extend(0x7FFF_FFFFu32.to_be_bytes());
        raw.extend(0u32.to_be_bytes());
        raw.extend([0, 0]);
        let mut text = b"(This file must be converted with BinHex 4.0)\n:".to_vec();
        for g in raw.chunks(3) {
            let v = (u32::from(g[0]) << 16)
                | (u32::from(*g.get(1).unwrap_or(&0)) << 8)
                | u32::from(*g.get(2).unwrap_or(&0));
            for k in 0..4 {
                text.push(ALPHABET[((v >> (18 - 6 * k)) & 63) as usize]);
            }
        }
        text.push(b':');
        let e = open(text).err().unwrap().to_string();
        assert!(e.contains("more than the"), "{e}");
    }
}
