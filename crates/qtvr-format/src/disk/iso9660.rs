//! ISO 9660 (ECMA-119) CD-ROM file systems, read by hand from the standard:
//! volume descriptors from sector 16 (`CD001`; the primary descriptor, type
//! 1, and a Joliet supplementary descriptor, type 2 with escape sequence
//! `%/@`, `%/C` or `%/E`, whose UTF-16 names are preferred), the logical
//! block size, the root directory record, and directory records (extent,
//! length, flags, name; `;1` version suffixes dropped; multi-extent files
//! joined). Used for images with no HFS volume; hybrid discs open their HFS
//! side instead. ISO 9660 keeps no resource forks and no Finder types, and
//! Rock Ridge and Apple's ISO 9660 extensions are not read.

use std::collections::HashSet;
use std::sync::Arc;

use crate::error::Result;
use crate::source::ByteSource;
use crate::text::mac_roman;

use super::{RawFile, RawFork, Volume, bad, be16, read};

/// Most directory bytes read for one directory.
const MAX_DIR: u64 = 16 << 20;
/// Most directory records read in all.
const MAX_RECORDS: usize = 1_000_000;
/// Deepest directory nesting followed.
const MAX_DEPTH: usize = 64;

fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Whether the image has an ISO 9660 volume descriptor at sector 16.
pub fn is_iso9660(src: &dyn ByteSource) -> bool {
    let mut b = [0u8; 5];
    src.read_exact_at(32769, &mut b).is_ok() && &b == b"CD001"
}

/// Reads the ISO 9660 file system of the image.
pub fn read_volume(image: &Arc<dyn ByteSource>) -> Result<Volume> {
    let src = image.as_ref();
    let mut primary: Option<(u64, Vec<u8>)> = None;
    let mut joliet: Option<(u64, Vec<u8>)> = None;
    for sector in 16u64..80 {
        let at = sector * 2048;
        let d = read(src, at, 2048, "ISO 9660 volume descriptor")?;
        if &d[1..6] != b"CD001" {
            if primary.is_some() {
                break; // no terminator; what was found is enough
            }
            return Err(bad(
                "ISO 9660 volume descriptor",
                at,
                "no 'CD001' standard identifier (the descriptor set ends without a terminator)",
            ));
        }
        match d[0] {
            1 if primary.is_none() => primary = Some((at, d)),
            2 if joliet.is_none()
                && d[88] == b'%'
                && d[89] == b'/'
                && matches!(d[90], b'@' | b'C' | b'E') =>
            {
                joliet = Some((at, d))
            }
            255 => break,
            _ => {}
        }
    }
    let Some((pvd_at, pvd)) = primary else {
        return Err(bad(
            "ISO 9660 volume descriptors",
            32768,
            "no primary volume descriptor",
        ));
    };
    let name = String::from_utf8_lossy(&pvd[40..72]).trim_end().to_string();
    let (at, d, utf16) = match joliet {
        Some((a, d)) => (a, d, true),
        None => (pvd_at, pvd, false),
    };
    let block = u64::from(be16(&d, 130));
    if !(512..=32768).contains(&block) || !block.is_power_of_two() {
        return Err(bad(
            "ISO 9660 volume descriptor",
            at,
            format!("logical block size {block} is not a power of two from 512 to 32768"),
        ));
    }
    let mut vol = Volume {
        kind: "ISO 9660",
        name,
        block_base: 0,
        block_size: block,
        ..Volume::default()
    };
    let root = &d[156..190];
    let mut queue = vec![(
        le32(root, 2),
        u64::from(le32(root, 10)),
        2u32,
        0usize,
        at + 156,
    )];
    let mut seen: HashSet<u32> = HashSet::new();
    let mut next_id = 16u32;
    // ISO 9660 has no file IDs; each file gets its own.
    let mut file_id = 16u32;
    let mut records = 0usize;
    while let Some((lba, len, folder, depth, from)) = queue.pop() {
        let dir_at = u64::from(lba) * block;
        let what = "ISO 9660 directory";
        if !seen.insert(lba) {
            return Err(bad(
                what,
                from,
                format!("the directory at block {lba} is reached twice (a loop)"),
            ));
        }
        if depth > MAX_DEPTH {
            return Err(bad(
                what,
                from,
                format!("directories nest deeper than {MAX_DEPTH}"),
            ));
        }
        if len > MAX_DIR {
            return Err(bad(what, from, format!("{len} bytes, more than {MAX_DIR}")));
        }
        let end = dir_at.checked_add(len).filter(|&e| e <= src.len());
        if end.is_none() {
            return Err(bad(
                what,
                from,
                format!("{len} bytes at byte offset {dir_at} run past the end of the image"),
            ));
        }
        let buf = read(src, dir_at, len as usize, what)?;
        let mut pos = 0usize;
        // A multi-extent file's pieces, joined under its first record.
        let mut pending: Option<RawFile> = None;
        while pos < buf.len() {
            let n = usize::from(buf[pos]);
            if n == 0 {
                // Records do not cross a block: the rest of this one is padding.
                pos = (pos / block as usize + 1) * block as usize;
                continue;
            }
            let rec_at = dir_at + pos as u64;
            let Some(r) = buf.get(pos..pos + n).filter(|_| n >= 34) else {
                return Err(bad(
                    "ISO 9660 directory record",
                    rec_at,
                    format!("length {n} is under 34 or runs past its directory"),
                ));
            };
            pos += n;
            records += 1;
            if records > MAX_RECORDS {
                return Err(bad(
                    "ISO 9660 directory record",
                    rec_at,
                    format!("more than {MAX_RECORDS} records"),
                ));
            }
            let name_len = usize::from(r[32]);
            let Some(raw) = r.get(33..33 + name_len) else {
                return Err(bad(
                    "ISO 9660 directory record",
                    rec_at,
                    format!("name length {name_len} runs past the record"),
                ));
            };
            if raw == [0] || raw == [1] {
                continue; // `.` and `..`
            }
            let name = clean(if utf16 {
                let units: Vec<u16> = raw
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                String::from_utf16_lossy(&units)
            } else {
                mac_roman(raw)
            });
            let extent = le32(r, 2);
            let size = u64::from(le32(r, 10));
            let flags = r[25];
            if flags & 2 != 0 {
                let id = next_id;
                next_id = next_id.saturating_add(1);
                vol.folders.insert(id, (folder, name));
                queue.push((extent, size, id, depth + 1, rec_at));
                continue;
            }
            let blocks = u32::try_from(size.div_ceil(block)).unwrap_or(u32::MAX);
            match pending.as_mut() {
                Some(p) if p.name == name => {
                    p.data.len += size;
                    p.data.extents.push((extent, blocks));
                }
                _ => {
                    if let Some(p) = pending.take() {
                        vol.files.push(p);
                    }
                    file_id = file_id.saturating_add(1);
                    pending = Some(RawFile {
                        parent: folder,
                        name,
                        id: file_id,
                        finder: None,
                        data: RawFork {
                            len: size,
                            extents: vec![(extent, blocks)],
                        },
                        rsrc: RawFork::default(),
                        offset: rec_at,
                    });
                }
            }
            if flags & 0x80 == 0
                && let Some(p) = pending.take()
            {
                vol.files.push(p);
            }
        }
        if let Some(p) = pending.take() {
            vol.files.push(p);
        }
    }
    vol.files.sort_by_key(|f| f.parent);
    Ok(vol)
}

/// `NAME.EXT;1` → `NAME.EXT`, `NAME.` → `NAME`.
fn clean(name: String) -> String {
    let base = name.split(';').next().unwrap_or("");
    base.strip_suffix('.').unwrap_or(base).to_string()
}
