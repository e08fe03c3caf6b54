//! MacBinary I, II and III: a 128-byte header, the data fork, the resource
//! fork, each padded to a multiple of 128 bytes.
//!
//! Written by hand from the MacBinary I/II/III specifications (the header
//! layout and the CRC-16/XMODEM of its first 124 bytes, which MacBinary II and
//! III carry at offset 124); no crate reads it. Detected by content: the
//! header's zero bytes, a name of 1 to 63 bytes, fork lengths that fit the
//! file, and for II/III the CRC (III adds the signature `mBIN` at 102). The
//! forks are ranges of the file, never copied.

use std::sync::Arc;

use super::{FinderInfo, Forks, Range, crc16_xmodem};
use crate::container::FourCC;
use crate::error::{Error, Result};
use crate::source::{ByteSource, read_vec};

const HEADER: u64 = 128;

fn pad128(n: u64) -> u64 {
    n.div_ceil(128) * 128
}

/// Which MacBinary a header is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    One,
    Two,
    Three,
}

/// The forks of a MacBinary file, `None` when `file` is not MacBinary.
pub fn read(file: &Arc<dyn ByteSource>, name: &str) -> Result<Option<Forks>> {
    let len = file.len();
    if len < HEADER {
        return Ok(None);
    }
    let h = read_vec(file.as_ref(), 0, HEADER)?;
    let name_len = h[1];
    if h[0] != 0 || h[74] != 0 || h[82] != 0 || !(1..=63).contains(&name_len) {
        return Ok(None);
    }
    let be32 = |at: usize| u64::from(u32::from_be_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]));
    let stored_crc = u16::from_be_bytes([h[124], h[125]]);
    let crc = crc16_xmodem(&h[..124]);
    let signature = &h[102..106] == b"mBIN";
    let claims_ii = h[123] == 129 || h[122] == 129 || h[122] == 130;
    let version = if signature {
        Version::Three
    } else if claims_ii || (stored_crc == crc && stored_crc != 0) {
        Version::Two
    } else if h[99..128].iter().all(|&b| b == 0) {
        Version::One
    } else {
        return Ok(None);
    };
    let label = match version {
        Version::One => "MacBinary I",
        Version::Two => "MacBinary II",
        Version::Three => "MacBinary III",
    };
    let data_len = be32(83);
    let res_len = be32(87);
    let secondary = if version == Version::One {
        0
    } else {
        u64::from(u16::from_be_bytes([h[120], h[121]]))
    };
    let data_at = HEADER + pad128(secondary);
    let res_at = data_at + pad128(data_len);
    let end = res_at + res_len;
    // The fork lengths must fit the file; for MacBinary I (no CRC) the file
    // must also end within the padding after them, or it is not MacBinary.
    if data_len > 0x7FFF_FFFF || res_len > 0x7FFF_FFFF {
        if version == Version::One {
            return Ok(None);
        }
        return Err(Error::mac(
            format!("{label} header of {name}"),
            if data_len > 0x7FFF_FFFF { 83 } else { 87 },
            format!("fork lengths {data_len} and {res_len}: larger than MacBinary allows"),
        ));
    }
    if version == Version::One && (end > len || len > pad128(end) + HEADER) {
        return Ok(None);
    }
    if version != Version::One && stored_crc != crc {
        return Err(Error::mac(
            format!("{label} header of {name}"),
            124,
            format!("header CRC is {stored_crc:#06x} but the header's bytes give {crc:#06x}"),
        ));
    }
    if end > len {
        return Err(Error::mac(
            format!("{label} header of {name}"),
            83,
            format!(
                "data fork of {data_len} bytes and resource fork of {res_len} bytes end at byte {end}, past the end of the {len}-byte file"
            ),
        ));
    }
    let file_type = FourCC([h[65], h[66], h[67], h[68]]);
    let creator = FourCC([h[69], h[70], h[71], h[72]]);
    let orig = crate::text::mac_roman(&h[2..2 + usize::from(name_len)]);
    Ok(Some(Forks {
        data: Arc::new(Range::new(file.clone(), data_at, data_len)),
        resource: (res_len > 0)
            .then(|| Arc::new(Range::new(file.clone(), res_at, res_len)) as Arc<dyn ByteSource>),
        finder: Some(FinderInfo { file_type, creator }),
        how: format!("{label} (file \"{orig}\")"),
        looked: vec![format!("{name} ({label})")],
    }))
}

/// Writes a MacBinary II file (III with `iii`) — for tests.
#[doc(hidden)]
pub fn write(name: &str, finder: FinderInfo, data: &[u8], rsrc: &[u8], iii: bool) -> Vec<u8> {
    let mut h = vec![0u8; 128];
    let n = name.len().min(63);
    h[1] = n as u8;
    h[2..2 + n].copy_from_slice(&name.as_bytes()[..n]);
    h[65..69].copy_from_slice(&finder.file_type.0);
    h[69..73].copy_from_slice(&finder.creator.0);
    h[83..87].copy_from_slice(&(data.len() as u32).to_be_bytes());
    h[87..91].copy_from_slice(&(rsrc.len() as u32).to_be_bytes());
    if iii {
        h[102..106].copy_from_slice(b"mBIN");
        h[122] = 130;
    } else {
        h[122] = 129;
    }
    h[123] = 129;
    let crc = crc16_xmodem(&h[..124]);
    h[124..126].copy_from_slice(&crc.to_be_bytes());
    let mut out = h;
    for fork in [data, rsrc] {
        out.extend_from_slice(fork);
        out.resize(pad128(out.len() as u64) as usize, 0);
    }
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
    fn versions_and_forks() {
        let data = b"data fork bytes".to_vec();
        let rsrc = vec![7u8; 300];
        for (iii, label) in [(false, "MacBinary II"), (true, "MacBinary III")] {
            let f = open(write("name", F, &data, &rsrc, iii)).unwrap().unwrap();
            assert!(f.how.starts_with(label), "{}", f.how);
            assert_eq!(f.finder, Some(F));
            assert_eq!(read_vec(f.data.as_ref(), 0, 15).unwrap(), data);
            let r = f.resource.unwrap();
            assert_eq!(r.len(), 300);
            assert_eq!(read_vec(r.as_ref(), 0, 300).unwrap(), rsrc);
        }
        // MacBinary I: no CRC, no version bytes.
        let mut one = write("name", F, &data, &rsrc, false);
        one[99..128].fill(0);
        let f = open(one.clone()).unwrap().unwrap();
        assert!(f.how.starts_with("MacBinary I "), "{}", f.how);
        // Cut short: MacBinary I is then not recognised, II is an error.
        assert!(open(one[..300].to_vec()).unwrap().is_none());
        let two = write("name", F, &data, &rsrc, false);
        let e = open(two[..300].to_vec()).err().unwrap().to_string();
        assert!(e.contains("past the end of the 300-byte file"), "{e}");
    }

    #[test]
    fn other_files_are_not_macbinary() {
        assert!(open(vec![0u8; 127]).unwrap().is_none());
        assert!(open(vec![0u8; 4096]).unwrap().is_none());
        let mut text = b"hello world ".repeat(20);
        text[0] = 0;
        assert!(open(text).unwrap().is_none());
    }
}
