//! AppleSingle and AppleDouble: a header (magic `0x00051600` or
//! `0x00051607`, version, 16 filler bytes, an entry count) and a table of
//! entries (ID, offset, length): the data fork is entry 1, the resource fork
//! entry 2, the Finder info (type, creator, flags) entry 9.
//!
//! Written by hand from RFC 1740 and the AppleSingle/AppleDouble Formats for
//! Foreign Files specification (version 1 and 2); no crate reads it. An
//! AppleSingle file holds both forks; an AppleDouble header file (`._name`,
//! `__MACOSX/._name`) holds the resource fork and Finder info of the file
//! beside it. Every entry is checked to lie inside the file; the forks are
//! ranges of the file, never copied.

use std::sync::Arc;

use super::{FinderInfo, Range};
use crate::container::FourCC;
use crate::error::{Error, Result};
use crate::source::{ByteSource, read_vec};

/// AppleSingle's magic number.
pub const SINGLE: u32 = 0x0005_1600;
/// AppleDouble's magic number.
pub const DOUBLE: u32 = 0x0005_1607;

/// What an AppleSingle or AppleDouble file holds.
pub struct Entries {
    /// AppleDouble (`true`) or AppleSingle.
    pub double: bool,
    pub data: Option<Arc<dyn ByteSource>>,
    pub resource: Option<Arc<dyn ByteSource>>,
    pub finder: Option<FinderInfo>,
}

/// Whether `file` starts with the AppleSingle or AppleDouble magic.
pub fn magic(file: &dyn ByteSource) -> Option<u32> {
    if file.len() < 4 {
        return None;
    }
    let mut m = [0u8; 4];
    file.read_exact_at(0, &mut m).ok()?;
    let m = u32::from_be_bytes(m);
    (m == SINGLE || m == DOUBLE).then_some(m)
}

/// Reads the entry table of an AppleSingle or AppleDouble file; `name`
/// names it in errors.
pub fn read(file: &Arc<dyn ByteSource>, name: &str) -> Result<Entries> {
    let len = file.len();
    let Some(m) = magic(file.as_ref()) else {
        return Err(Error::mac(
            format!("AppleSingle/AppleDouble header of {name}"),
            0,
            "no AppleSingle (0x00051600) or AppleDouble (0x00051607) magic number",
        ));
    };
    let label = if m == SINGLE {
        "AppleSingle"
    } else {
        "AppleDouble"
    };
    let err = |what: &str, offset: u64, problem: String| {
        Error::mac(format!("{label} {what} of {name}"), offset, problem)
    };
    if len < 26 {
        return Err(err(
            "header",
            0,
            format!("the file is {len} bytes, the header needs 26"),
        ));
    }
    let h = read_vec(file.as_ref(), 0, 26)?;
    let version = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
    if version != 0x0001_0000 && version != 0x0002_0000 {
        return Err(err(
            "header",
            4,
            format!("unknown version {version:#010x} (1.0 and 2.0 are defined)"),
        ));
    }
    let count = u64::from(u16::from_be_bytes([h[24], h[25]]));
    let table_end = 26 + count * 12;
    if table_end > len {
        return Err(err(
            "entry table",
            24,
            format!("{count} entries of 12 bytes run past the end of the {len}-byte file"),
        ));
    }
    let table = read_vec(file.as_ref(), 26, count * 12)?;
    let mut out = Entries {
        double: m == DOUBLE,
        data: None,
        resource: None,
        finder: None,
    };
    for (i, e) in table.chunks_exact(12).enumerate() {
        let be = |at: usize| u32::from_be_bytes([e[at], e[at + 1], e[at + 2], e[at + 3]]);
        let (id, off, elen) = (be(0), u64::from(be(4)), u64::from(be(8)));
        let at = 26 + i as u64 * 12;
        if off + elen > len {
            return Err(err(
                "entry table",
                at,
                format!(
                    "entry {id} at bytes {off}..{} runs past the end of the {len}-byte file",
                    off + elen
                ),
            ));
        }
        let range = || Arc::new(Range::new(file.clone(), off, elen)) as Arc<dyn ByteSource>;
        match id {
            1 => out.data = Some(range()),
            2 => out.resource = (elen > 0).then(range),
            9 => {
                if elen < 8 {
                    return Err(err(
                        "entry table",
                        at,
                        format!("Finder info (entry 9) is {elen} bytes, needs at least 8"),
                    ));
                }
                let f = read_vec(file.as_ref(), off, 8)?;
                out.finder = Some(FinderInfo {
                    file_type: FourCC([f[0], f[1], f[2], f[3]]),
                    creator: FourCC([f[4], f[5], f[6], f[7]]),
                });
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Writes an AppleSingle file (AppleDouble with `data` `None`), version 2 —
/// for tests.
#[doc(hidden)]
pub fn write(finder: FinderInfo, data: Option<&[u8]>, rsrc: &[u8]) -> Vec<u8> {
    let mut finfo = [0u8; 32];
    finfo[..4].copy_from_slice(&finder.file_type.0);
    finfo[4..8].copy_from_slice(&finder.creator.0);
    let mut entries: Vec<(u32, &[u8])> = vec![(9, &finfo[..])];
    if let Some(d) = data {
        entries.push((1, d));
    }
    entries.push((2, rsrc));
    let mut out = Vec::new();
    out.extend_from_slice(&(if data.is_some() { SINGLE } else { DOUBLE }).to_be_bytes());
    out.extend_from_slice(&0x0002_0000u32.to_be_bytes());
    out.extend_from_slice(&[0; 16]);
    out.extend_from_slice(&(entries.len() as u16).to_be_bytes());
    let mut off = 26 + 12 * entries.len();
    for (id, bytes) in &entries {
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&(off as u32).to_be_bytes());
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        off += bytes.len();
    }
    for (_, bytes) in &entries {
        out.extend_from_slice(bytes);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: FinderInfo = crate::mac::MOOV_TVOD;

    fn open(bytes: Vec<u8>) -> Result<Entries> {
        read(&(Arc::new(bytes) as Arc<dyn ByteSource>), "test")
    }

    #[test]
    fn single_and_double() {
        let e = open(write(F, Some(b"data"), b"rsrc")).unwrap();
        assert!(!e.double);
        assert_eq!(e.finder, Some(F));
        assert_eq!(e.data.unwrap().len(), 4);
        assert_eq!(e.resource.unwrap().len(), 4);
        let e = open(write(F, None, b"rsrc")).unwrap();
        assert!(e.double && e.data.is_none());
    }

    #[test]
    fn broken_tables_name_their_offsets() {
        let mut b = write(F, Some(b"data"), b"rsrc");
        // The second entry's length far past the end.
        b[26 + 12 + 8..26 + 12 + 12].copy_from_slice(&u32::MAX.to_be_bytes());
        let e = open(b).err().unwrap().to_string();
        assert!(
            e.contains("AppleSingle entry table of test, byte offset 38"),
            "{e}"
        );
        let mut b = write(F, Some(b"data"), b"rsrc");
        b[4] = 9;
        let e = open(b).err().unwrap().to_string();
        assert!(e.contains("byte offset 4: unknown version"), "{e}");
        let e = open(write(F, None, b"")[..20].to_vec())
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("the header needs 26"), "{e}");
    }
}
