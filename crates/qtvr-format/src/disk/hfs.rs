//! HFS (the Mac OS Standard volume format), read by hand from *Inside
//! Macintosh: Files*, chapter 2: the master directory block 1024 bytes into
//! the volume (`drSigWord` `BD`), allocation blocks of `drAlBlkSiz` bytes
//! from 512-byte sector `drAlBlSt`, the extents overflow and catalog files
//! (three extents each in the MDB), catalog keys of parent ID and a Mac OS
//! Roman name of at most 31 bytes, folder records (type 1) and file records
//! (type 2: Finder info, data and resource fork lengths and first three
//! extents). An HFS volume that wraps an HFS+ volume (`drEmbedSigWord` `H+`)
//! is read as the HFS+ volume.

use std::sync::Arc;

use crate::container::FourCC;
use crate::error::Result;
use crate::mac::FinderInfo;
use crate::source::ByteSource;
use crate::text::mac_roman;

use super::source::ExtentSource;
use super::{RawFile, RawFork, Volume, bad, be16, be32, btree, hfsplus};

/// Three HFS extent descriptors (start block, block count; 16 bits each).
fn extents3(b: &[u8], at: usize) -> Vec<(u32, u32)> {
    (0..3)
        .map(|i| {
            (
                u32::from(be16(b, at + 4 * i)),
                u32::from(be16(b, at + 4 * i + 2)),
            )
        })
        .collect()
}

/// Reads the HFS volume starting at image offset `at` (its MDB at `at + 1024`).
pub fn read(image: &Arc<dyn ByteSource>, at: u64) -> Result<Volume> {
    let mdb_at = at + 1024;
    let mdb = super::read(image.as_ref(), mdb_at, 162, "HFS master directory block")?;
    let mdb_err = |p: String| bad("HFS master directory block", mdb_at, p);
    let block_size = u64::from(be32(&mdb, 20));
    if !(512..=1 << 30).contains(&block_size) || block_size % 512 != 0 {
        return Err(mdb_err(format!(
            "allocation block size {block_size} is not a multiple of 512 from 512 to 1 GiB"
        )));
    }
    let first_sector = u64::from(be16(&mdb, 28));
    let block_base = at + first_sector * 512;
    let name_len = usize::from(mdb[36]).min(27);
    let name = mac_roman(&mdb[37..37 + name_len]);
    if &mdb[124..126] == b"H+" {
        // An HFS wrapper around an HFS+ volume.
        let start = u64::from(be16(&mdb, 126));
        let inner = block_base + start * block_size;
        return hfsplus::read(image, inner);
    }
    let mut vol = Volume {
        kind: "HFS",
        name,
        block_base,
        block_size,
        ..Volume::default()
    };
    let system_fork =
        |len: u32, ext_at: usize, id: u32, vol: &Volume, what: &str| -> Result<ExtentSource> {
            let raw = RawFork {
                len: u64::from(len),
                extents: extents3(&mdb, ext_at),
            };
            let pieces = vol
                .pieces(id, 0, &raw)
                .map_err(|p| mdb_err(format!("{what}: {p}")))?;
            ExtentSource::new(image.clone(), &pieces, raw.len)
                .map_err(|p| mdb_err(format!("{what}: {p}")))
        };
    // The extents overflow file (its own extents never overflow).
    let extents = system_fork(be32(&mdb, 130), 134, 3, &vol, "extents overflow file")?;
    btree::walk_leaves(&extents, "HFS extents overflow B-tree", |rec, off| {
        // Key: length 7, fork type, file ID, first file block; then 3 extents.
        if rec.len() < 8 + 12 || rec[0] < 7 {
            return Err(bad(
                "HFS extents overflow record",
                off,
                format!("{} bytes, too short", rec.len()),
            ));
        }
        let key = ((be32(rec, 2)), rec[1]);
        let data_at = (1 + usize::from(rec[0])).next_multiple_of(2);
        if rec.len() < data_at + 12 {
            return Err(bad(
                "HFS extents overflow record",
                off,
                "key longer than the record",
            ));
        }
        vol.overflow
            .entry(key)
            .or_default()
            .insert(u32::from(be16(rec, 6)), extents3(rec, data_at));
        Ok(())
    })?;
    let catalog = system_fork(be32(&mdb, 146), 150, 4, &vol, "catalog file")?;
    btree::walk_leaves(&catalog, "HFS catalog B-tree", |rec, off| {
        let key_len = usize::from(*rec.first().unwrap_or(&0));
        if key_len < 6 || rec.len() < 1 + key_len {
            return Err(bad(
                "HFS catalog record",
                off,
                format!(
                    "key length {key_len} does not fit the {}-byte record",
                    rec.len()
                ),
            ));
        }
        let parent = be32(rec, 2);
        let n = usize::from(rec[6]);
        if n > 31 || 7 + n > 1 + key_len {
            return Err(bad(
                "HFS catalog record",
                off,
                format!("name length {n} is more than 31 or than the key holds"),
            ));
        }
        let name = mac_roman(&rec[7..7 + n]);
        let d = &rec[(1 + key_len).next_multiple_of(2).min(rec.len())..];
        match d.first() {
            Some(1) => {
                if d.len() < 70 {
                    return Err(bad(
                        "HFS folder record",
                        off,
                        format!("{} bytes where 70 are needed", d.len()),
                    ));
                }
                vol.folders.insert(be32(d, 6), (parent, name));
            }
            Some(2) => {
                if d.len() < 102 {
                    return Err(bad(
                        "HFS file record",
                        off,
                        format!("{} bytes where 102 are needed", d.len()),
                    ));
                }
                vol.files.push(RawFile {
                    parent,
                    name,
                    id: be32(d, 20),
                    finder: Some(FinderInfo {
                        file_type: FourCC([d[4], d[5], d[6], d[7]]),
                        creator: FourCC([d[8], d[9], d[10], d[11]]),
                    }),
                    data: RawFork {
                        len: u64::from(be32(d, 26)),
                        extents: extents3(d, 74),
                    },
                    rsrc: RawFork {
                        len: u64::from(be32(d, 36)),
                        extents: extents3(d, 86),
                    },
                    offset: off,
                });
            }
            // Threads (3, 4) and anything else.
            _ => {}
        }
        Ok(())
    })?;
    Ok(vol)
}
