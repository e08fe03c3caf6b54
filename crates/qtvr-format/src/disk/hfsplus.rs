//! HFS+ and HFSX (Mac OS Extended), read by hand from Apple's Technical Note
//! TN1150 "HFS Plus Volume Format": the volume header 1024 bytes into the
//! volume (`H+` or `HX`), allocation blocks of `blockSize` bytes from the
//! volume's first byte, fork data (logical size and eight extents) for the
//! extents overflow and catalog files, catalog keys of parent ID and a UTF-16
//! name of at most 255 units, folder records (type 1) and file records
//! (type 2: Finder info, data and resource fork data). Forks with more than
//! eight extents continue in the extents overflow file. Hard links and the
//! attributes file are not followed.

use std::sync::Arc;

use crate::container::FourCC;
use crate::error::Result;
use crate::mac::FinderInfo;
use crate::source::ByteSource;

use super::source::ExtentSource;
use super::{RawFile, RawFork, Volume, bad, be16, be32, be64, btree};

/// Eight HFS+ extent descriptors (start block, block count; 32 bits each).
fn extents8(b: &[u8], at: usize) -> Vec<(u32, u32)> {
    (0..8)
        .map(|i| (be32(b, at + 8 * i), be32(b, at + 8 * i + 4)))
        .collect()
}

/// An `HFSPlusForkData` (80 bytes) at `at`.
fn fork_data(b: &[u8], at: usize) -> RawFork {
    RawFork {
        len: be64(b, at),
        extents: extents8(b, at + 16),
    }
}

/// Reads the HFS+ volume starting at image offset `at` (its volume header
/// at `at + 1024`).
pub fn read(image: &Arc<dyn ByteSource>, at: u64) -> Result<Volume> {
    let vh_at = at
        .checked_add(1024)
        .ok_or_else(|| bad("HFS+ volume header", at, "offset overflows"))?;
    let vh = super::read(image.as_ref(), vh_at, 512, "HFS+ volume header")?;
    let vh_err = |p: String| bad("HFS+ volume header", vh_at, p);
    if !matches!(&vh[0..2], b"H+" | b"HX") {
        return Err(vh_err(format!(
            "signature {:02x}{:02x} is neither 'H+' nor 'HX'",
            vh[0], vh[1]
        )));
    }
    let block_size = u64::from(be32(&vh, 40));
    if !(512..=1 << 20).contains(&block_size) || !block_size.is_power_of_two() {
        return Err(vh_err(format!(
            "block size {block_size} is not a power of two from 512 to 1 MiB"
        )));
    }
    let mut vol = Volume {
        kind: "HFS+",
        block_base: at,
        block_size,
        ..Volume::default()
    };
    let system_fork = |fork_at: usize, id: u32, vol: &Volume, what: &str| -> Result<ExtentSource> {
        let raw = fork_data(&vh, fork_at);
        let pieces = vol
            .pieces(id, 0, &raw)
            .map_err(|p| vh_err(format!("{what}: {p}")))?;
        ExtentSource::new(image.clone(), &pieces, raw.len)
            .map_err(|p| vh_err(format!("{what}: {p}")))
    };
    let extents = system_fork(192, 3, &vol, "extents overflow file")?;
    btree::walk_leaves(&extents, "HFS+ extents overflow B-tree", |rec, off| {
        // Key: length 10, fork type, pad, file ID, first file block; then 8 extents.
        if rec.len() < 12 + 64 || be16(rec, 0) < 10 {
            return Err(bad(
                "HFS+ extents overflow record",
                off,
                format!("{} bytes, too short", rec.len()),
            ));
        }
        let data_at = 2 + usize::from(be16(rec, 0));
        if rec.len() < data_at + 64 {
            return Err(bad(
                "HFS+ extents overflow record",
                off,
                "key longer than the record",
            ));
        }
        vol.overflow
            .entry((be32(rec, 4), rec[2]))
            .or_default()
            .insert(be32(rec, 8), extents8(rec, data_at));
        Ok(())
    })?;
    let catalog = system_fork(272, 4, &vol, "catalog file")?;
    btree::walk_leaves(&catalog, "HFS+ catalog B-tree", |rec, off| {
        let key_len = usize::from(be16(rec, 0));
        if key_len < 6 || rec.len() < 2 + key_len {
            return Err(bad(
                "HFS+ catalog record",
                off,
                format!(
                    "key length {key_len} does not fit the {}-byte record",
                    rec.len()
                ),
            ));
        }
        let parent = be32(rec, 2);
        let n = usize::from(be16(rec, 6));
        if n > 255 || 8 + 2 * n > 2 + key_len {
            return Err(bad(
                "HFS+ catalog record",
                off,
                format!("name length {n} is more than 255 or than the key holds"),
            ));
        }
        let units: Vec<u16> = (0..n).map(|i| be16(rec, 8 + 2 * i)).collect();
        // HFS+ stores names decomposed (NFD); shown and matched composed.
        let name: String = unicode_normalization::UnicodeNormalization::nfc(
            String::from_utf16_lossy(&units).as_str(),
        )
        .collect();
        let d = &rec[2 + key_len..];
        match be16(d, 0) {
            1 => {
                if d.len() < 88 {
                    return Err(bad(
                        "HFS+ folder record",
                        off,
                        format!("{} bytes where 88 are needed", d.len()),
                    ));
                }
                vol.folders.insert(be32(d, 8), (parent, name));
            }
            2 => {
                if d.len() < 248 {
                    return Err(bad(
                        "HFS+ file record",
                        off,
                        format!("{} bytes where 248 are needed", d.len()),
                    ));
                }
                vol.files.push(RawFile {
                    parent,
                    name,
                    id: be32(d, 8),
                    finder: Some(FinderInfo {
                        file_type: FourCC([d[48], d[49], d[50], d[51]]),
                        creator: FourCC([d[52], d[53], d[54], d[55]]),
                    }),
                    data: fork_data(d, 88),
                    rsrc: fork_data(d, 168),
                    offset: off,
                });
            }
            // Threads (3, 4) and anything else.
            _ => {}
        }
        Ok(())
    })?;
    vol.name = vol
        .folders
        .get(&2)
        .map(|(_, n)| n.clone())
        .unwrap_or_default();
    Ok(vol)
}
