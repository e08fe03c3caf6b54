//! The classic Mac OS resource fork: find a resource (the movie's `moov`).
//!
//! Written by hand from the layout in *Inside Macintosh: More Macintosh
//! Toolbox* ("Resource Manager", the format of a resource file); no crate
//! reads it. The fork starts with a 16-byte header (offset and length of the
//! resource data and of the resource map); the map holds a type list, one
//! reference list per type (ID, name offset, attributes, a 3-byte offset of
//! the resource's data) and names; each resource's data is a 4-byte length
//! and its bytes. Every offset and length is checked against the fork before
//! it is used, so a broken fork gives an [`Error::Mac`] naming the structure
//! and its byte offset in the fork.

use crate::container::FourCC;
use crate::error::{Error, Result};
use crate::source::{ByteSource, read_vec};

/// The largest resource map read (the map's own offsets are 16-bit, so a
/// real map is well below this).
const MAX_MAP: u64 = 1 << 20;

/// Where one resource's bytes lie in its fork.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceRef {
    pub kind: FourCC,
    pub id: i16,
    /// Offset of the resource's first data byte (after its 4-byte length)
    /// in the fork.
    pub offset: u64,
    pub len: u64,
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Every resource of type `kind` in the resource fork `fork`, in the order of
/// the map. `name` names the fork in errors (`"resource fork of movie.bin"`).
pub fn find(fork: &dyn ByteSource, kind: FourCC, name: &str) -> Result<Vec<ResourceRef>> {
    let err = |what: &str, offset: u64, problem: String| {
        Error::mac(format!("{what} of the {name}"), offset, problem)
    };
    let len = fork.len();
    if len < 16 {
        return Err(err(
            "resource fork header",
            0,
            format!("the fork is {len} bytes, a resource fork header needs 16"),
        ));
    }
    let h = read_vec(fork, 0, 16)?;
    let (data_off, map_off, data_len, map_len) = (
        u64::from(be32(&h, 0)),
        u64::from(be32(&h, 4)),
        u64::from(be32(&h, 8)),
        u64::from(be32(&h, 12)),
    );
    let data_end = data_off + data_len; // u32 + u32 cannot overflow u64
    if data_end > len {
        return Err(err(
            "resource fork header",
            0,
            format!(
                "resource data {data_off}..{data_end} runs past the end of the {len}-byte fork"
            ),
        ));
    }
    let map_end = map_off + map_len;
    if map_end > len || map_len < 30 {
        return Err(err(
            "resource fork header",
            4,
            format!(
                "resource map {map_off}..{map_end} ({map_len} bytes) does not fit the {len}-byte fork or is shorter than 30 bytes"
            ),
        ));
    }
    if map_len > MAX_MAP {
        return Err(err(
            "resource fork header",
            12,
            format!("resource map of {map_len} bytes is larger than any real one ({MAX_MAP})"),
        ));
    }
    let map = read_vec(fork, map_off, map_len)?;
    let types_at = usize::from(be16(&map, 24));
    if types_at + 2 > map.len() {
        return Err(err(
            "resource map",
            map_off + 24,
            format!("type list offset {types_at} lies past the end of the {map_len}-byte map"),
        ));
    }
    let type_count = (usize::from(be16(&map, types_at)) + 1) & 0xFFFF;
    let mut found = Vec::new();
    let mut done_type = false;
    for t in 0..type_count {
        let entry = types_at + 2 + t * 8;
        if entry + 8 > map.len() {
            return Err(err(
                "resource type list",
                map_off + entry as u64,
                format!("entry {t} of {type_count} lies past the end of the {map_len}-byte map"),
            ));
        }
        let ty = FourCC([map[entry], map[entry + 1], map[entry + 2], map[entry + 3]]);
        if ty != kind {
            continue;
        }
        if done_type {
            // A real map lists a type once; more entries could point at the
            // same reference list again and again.
            break;
        }
        done_type = true;
        let count = usize::from(be16(&map, entry + 4)) + 1;
        let refs_at = types_at + usize::from(be16(&map, entry + 6));
        for r in 0..count {
            let at = refs_at + r * 12;
            if at + 12 > map.len() {
                return Err(err(
                    "resource reference list",
                    map_off + at as u64,
                    format!(
                        "reference {r} of the {count} '{kind}' resources lies past the end of the {map_len}-byte map"
                    ),
                ));
            }
            let id = be16(&map, at) as i16;
            let rel = u64::from(u32::from_be_bytes([
                0,
                map[at + 5],
                map[at + 6],
                map[at + 7],
            ]));
            let len_at = data_off + rel;
            if len_at + 4 > data_end {
                return Err(err(
                    "resource reference list",
                    map_off + at as u64 + 5,
                    format!(
                        "'{kind}' resource {id}: its data offset {rel} lies past the end of the {data_len}-byte resource data"
                    ),
                ));
            }
            let l = read_vec(fork, len_at, 4)?;
            let rlen = u64::from(be32(&l, 0));
            if len_at + 4 + rlen > data_end {
                return Err(err(
                    "resource data",
                    len_at,
                    format!(
                        "'{kind}' resource {id} claims {rlen} bytes, more than the resource data holds ({} left)",
                        data_end - len_at - 4
                    ),
                ));
            }
            found.push(ResourceRef {
                kind,
                id,
                offset: len_at + 4,
                len: rlen,
            });
        }
    }
    Ok(found)
}

/// The movie's `moov` resource: the one with the lowest ID (a movie has one,
/// usually ID 128), or `None` when the fork has none.
pub fn find_moov(fork: &dyn ByteSource, name: &str) -> Result<Option<ResourceRef>> {
    Ok(find(fork, FourCC(*b"moov"), name)?
        .into_iter()
        .min_by_key(|r| r.id))
}

/// Writes a resource fork holding `resources` (type, ID, bytes) — for tests
/// and for the wrappers' writers in tests.
#[doc(hidden)]
pub fn write(resources: &[(FourCC, i16, &[u8])]) -> Vec<u8> {
    let mut data = Vec::new();
    let mut offsets = Vec::new();
    for (_, _, bytes) in resources {
        offsets.push(data.len() as u32);
        data.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        data.extend_from_slice(bytes);
    }
    // Types in first-seen order, each with its references.
    let mut types: Vec<FourCC> = Vec::new();
    for (k, _, _) in resources {
        if !types.contains(k) {
            types.push(*k);
        }
    }
    let data_off = 256u32;
    let map_off = data_off + data.len() as u32;
    let mut map = vec![0u8; 28];
    let types_at = 28usize;
    map.extend_from_slice(&((types.len() as u16).wrapping_sub(1)).to_be_bytes());
    let mut refs = Vec::new();
    let refs_base = 2 + 8 * types.len();
    for k in &types {
        let mine: Vec<usize> = (0..resources.len())
            .filter(|&i| resources[i].0 == *k)
            .collect();
        map.extend_from_slice(&k.0);
        map.extend_from_slice(&((mine.len() as u16) - 1).to_be_bytes());
        map.extend_from_slice(&((refs_base + refs.len()) as u16).to_be_bytes());
        for i in mine {
            refs.extend_from_slice(&resources[i].1.to_be_bytes());
            refs.extend_from_slice(&0xFFFFu16.to_be_bytes());
            refs.push(0);
            refs.extend_from_slice(&offsets[i].to_be_bytes()[1..]);
            refs.extend_from_slice(&[0; 4]);
        }
    }
    map.extend_from_slice(&refs);
    let names_at = map.len() as u16;
    map[24..26].copy_from_slice(&(types_at as u16).to_be_bytes());
    map[26..28].copy_from_slice(&names_at.to_be_bytes());
    let header = [
        data_off.to_be_bytes(),
        map_off.to_be_bytes(),
        (data.len() as u32).to_be_bytes(),
        (map.len() as u32).to_be_bytes(),
    ]
    .concat();
    map[..16].copy_from_slice(&header);
    let mut out = header;
    out.resize(data_off as usize, 0);
    out.extend_from_slice(&data);
    out.extend_from_slice(&map);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_lowest_moov() {
        let fork = write(&[
            (FourCC(*b"STR "), 5, b"hello"),
            (FourCC(*b"moov"), 200, b"second"),
            (FourCC(*b"moov"), 128, b"first"),
        ]);
        let r = find_moov(&fork, "fork").unwrap().unwrap();
        assert_eq!(r.id, 128);
        assert_eq!(&fork[r.offset as usize..][..r.len as usize], b"first");
        let none = write(&[(FourCC(*b"STR "), 5, b"hello")]);
        assert_eq!(find_moov(&none, "fork").unwrap(), None);
    }

    #[test]
    fn broken_forks_name_the_structure() {
        let mut fork = write(&[(FourCC(*b"moov"), 128, b"first")]);
        let e = find_moov(&fork[..10].to_vec(), "fork")
            .unwrap_err()
            .to_string();
        assert!(e.contains("resource fork header"), "{e}");
        // The resource's length past the data.
        fork[256..260].copy_from_slice(&1000u32.to_be_bytes());
        let e = find_moov(&fork, "fork").unwrap_err().to_string();
        assert!(
            e.contains("resource data") && e.contains("byte offset 256"),
            "{e}"
        );
    }
}
