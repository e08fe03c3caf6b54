//! Apple partition maps, read by hand from *Inside Macintosh: Devices*
//! (chapter 3, SCSI Manager: the Driver Descriptor Map and the partition
//! map): block 0 holds the Driver Descriptor Map (`sbSig` `ER`, `sbBlkSize`),
//! blocks 1… the partition entries (`pmSig` `PM`, `pmMapBlkCnt` entries,
//! each with its first block `pmPyPartStart`, its length, name and type).
//! Map entries are 512 bytes apart on disks and most CD-ROMs; some CD-ROMs
//! space them by `sbBlkSize`. The first `Apple_HFS` (or `Apple_HFSX`)
//! partition holding an HFS or HFS+ signature is the volume.

use crate::error::{Error, Result};
use crate::source::ByteSource;
use crate::text::mac_roman;

use super::{be16, be32, volume_signature};

/// Most partition entries read.
const MAX_ENTRIES: u32 = 256;

/// The image offset of the first HFS volume of the image's Apple partition
/// map and a description of where it is; `Ok(None)` without a partition map.
pub fn find_hfs(src: &dyn ByteSource) -> Result<Option<(u64, String)>> {
    let mut ddm = [0u8; 4];
    if src.read_exact_at(0, &mut ddm).is_err() {
        return Ok(None);
    }
    let has_ddm = &ddm[0..2] == b"ER";
    let dev_block = u64::from(be16(&ddm, 2));
    let mut strides = vec![512u64];
    if has_ddm && dev_block > 512 && dev_block <= 32768 && dev_block.is_power_of_two() {
        strides.push(dev_block);
    }
    let mut seen = Vec::new();
    for &stride in &strides {
        let mut first = [0u8; 8];
        if src.read_exact_at(stride, &mut first).is_err() || &first[0..2] != b"PM" {
            continue;
        }
        let count = be32(&first, 4).clamp(1, MAX_ENTRIES);
        for i in 1..=u64::from(count) {
            let mut e = [0u8; 80];
            if src.read_exact_at(i * stride, &mut e).is_err() || &e[0..2] != b"PM" {
                break;
            }
            let start = u64::from(be32(&e, 8));
            let name = mac_roman(&e[16..48]);
            let kind = mac_roman(&e[48..80]);
            seen.push(format!("{kind} \"{name}\""));
            if !kind.eq_ignore_ascii_case("Apple_HFS") && !kind.eq_ignore_ascii_case("Apple_HFSX") {
                continue;
            }
            // Partition starts count in map blocks; try the device block size too.
            for unit in [stride, 512, dev_block.max(512)] {
                if let Some(at) = start.checked_mul(unit)
                    && volume_signature(src, at).is_some()
                {
                    return Ok(Some((
                        at,
                        format!(
                            "partition {i} ({kind} \"{name}\") of an Apple partition map, at byte {at}"
                        ),
                    )));
                }
            }
        }
        if !seen.is_empty() {
            break;
        }
    }
    if seen.is_empty() {
        // No partition entries: not a partition map (a stray "ER").
        return Ok(None);
    }
    Err(Error::NotInImage(format!(
        "an Apple partition map without a readable HFS or HFS+ partition (partitions: {})",
        seen.join(", ")
    )))
}
