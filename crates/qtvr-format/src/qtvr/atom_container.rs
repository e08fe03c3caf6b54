//! QT atom containers (QTFF "QT atoms and atom containers"): the tree format of
//! the QTVR 2 world, node information, panorama and object samples.
//!
//! A QT atom has a 20-byte header: size, type, atom ID, reserved u16, child
//! count u16, reserved u32. A container starts with a 12-byte header (10
//! reserved bytes and a lock count) and a `sean` root. Some writers omit the
//! container header or the root, or put classic 8-byte-header atoms where QT
//! atoms belong; this reader accepts all of those, deciding per atom list by
//! checking that the headers chain exactly (one pass per level, so the work is
//! linear in the input whatever it holds).

use crate::container::FourCC;
use crate::container::reader::Fields;
use crate::error::{Error, Location, Problem, Result};
use crate::limits::Budget;

/// Deepest nesting accepted.
pub const MAX_DEPTH: u32 = 24;

/// One atom of a QT atom container.
#[derive(Debug, Clone, PartialEq)]
pub struct QtAtom {
    pub kind: FourCC,
    /// Atom ID (1 for classic atoms, which have none).
    pub id: u32,
    /// Where the atom's header is.
    pub location: Location,
    /// Header length: 20 for QT atoms, 8 for classic ones.
    pub header_len: u64,
    /// Leaf data (empty for parents).
    pub data: Vec<u8>,
    pub children: Vec<QtAtom>,
}

impl QtAtom {
    /// The first child of type `kind`.
    pub fn child(&self, kind: &[u8; 4]) -> Option<&QtAtom> {
        self.children.iter().find(|c| c.kind.0 == *kind)
    }
    /// The child of type `kind` with atom ID `id`.
    pub fn child_with_id(&self, kind: &[u8; 4], id: u32) -> Option<&QtAtom> {
        self.children
            .iter()
            .find(|c| c.kind.0 == *kind && c.id == id)
    }
    /// All children of type `kind`.
    pub fn children_of<'a>(&'a self, kind: &'a [u8; 4]) -> impl Iterator<Item = &'a QtAtom> + 'a {
        self.children.iter().filter(move |c| c.kind.0 == *kind)
    }
    /// A bounded field reader over the leaf data.
    pub fn fields(&self) -> Fields<'_> {
        crate::container::reader::AtomBody {
            kind: self.kind,
            location: self.location,
            header_len: self.header_len,
            data: &self.data,
        }
        .fields()
    }
    /// An error about this atom.
    pub fn error(&self, problem: Problem) -> Error {
        Error::atom(self.kind, self.location, problem)
    }
}

/// Expected leaf sizes of fixed-layout atoms, to tell a classic atom from a QT atom
/// when the headers alone are ambiguous.
fn expected_leaf_size(kind: &[u8; 4]) -> Option<usize> {
    Some(match kind {
        b"pdat" => 84,
        b"cuvw" => 36,
        b"ndhd" => 24,
        b"vrsc" => 24,
        b"nloc" => 24,
        b"obji" => 88,
        b"hsin" => 64,
        b"link" => 76,
        _ => return None,
    })
}

/// Atom types that hold children in every QTVR container.
fn is_parent_type(kind: &[u8; 4]) -> bool {
    matches!(
        kind,
        b"sean" | b"vrnp" | b"vrni" | b"hspa" | b"hots" | b"imgp" | b"vrcp"
    )
}

/// Parses a QT atom container held in `data` (whose first byte is at `base`).
/// Returns the root atom (a synthetic `sean` when the data has no root).
pub fn parse_container(data: &[u8], base: Location, budget: &Budget) -> Result<QtAtom> {
    let (data, base) = if data.len() >= 12 && data[..4] == [0, 0, 0, 0] {
        (
            &data[12..],
            Location {
                offset: base.offset + 12,
                ..base
            },
        )
    } else {
        (data, base)
    };
    let mut list = parse_list(data, base, budget, 0)?;
    if list.len() == 1 && list[0].kind.0 == *b"sean" {
        return Ok(list.remove(0));
    }
    Ok(QtAtom {
        kind: FourCC::new(b"sean"),
        id: 1,
        location: base,
        header_len: 0,
        data: Vec::new(),
        children: list,
    })
}

/// One header in a list: size, type, and the QT-header fields if there is room.
struct Header {
    size: usize,
    kind: [u8; 4],
    qt: Option<(u32, u16)>, // (id, child count) when the reserved fields are zero
}

fn header_at(data: &[u8], pos: usize) -> Option<Header> {
    let left = data.len() - pos;
    if left < 8 {
        return None;
    }
    let b = &data[pos..];
    let size = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
    if size < 8 || size > left {
        return None;
    }
    let kind = [b[4], b[5], b[6], b[7]];
    let qt = (size >= 20 && b[12..14] == [0, 0] && b[16..20] == [0, 0, 0, 0]).then(|| {
        (
            u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
            u16::from_be_bytes([b[14], b[15]]),
        )
    });
    Some(Header { size, kind, qt })
}

/// True when `data` is exactly a chain of atom headers (`min` = smallest size allowed),
/// optionally followed by up to 7 bytes of padding or a zero terminator.
fn chains(data: &[u8], min: usize, want: Option<usize>) -> bool {
    let mut pos = 0;
    let mut n = 0;
    while data.len() - pos >= 8 {
        match header_at(data, pos) {
            Some(h) if h.size >= min => {
                pos += h.size;
                n += 1;
            }
            _ => return false,
        }
    }
    let tail_ok = data[pos..].iter().all(|&b| b == 0);
    tail_ok && n > 0 && want.is_none_or(|w| w == n)
}

fn parse_list(data: &[u8], base: Location, budget: &Budget, depth: u32) -> Result<Vec<QtAtom>> {
    if depth > MAX_DEPTH {
        return Err(Error::atom(
            FourCC::new(b"sean"),
            base,
            Problem::NestingTooDeep(MAX_DEPTH),
        ));
    }
    let mut out = Vec::new();
    let mut pos = 0usize;
    while data.len() - pos >= 8 {
        let location = Location {
            offset: base.offset + pos as u64,
            ..base
        };
        let raw = &data[pos..];
        let size = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
        let kind = FourCC([raw[4], raw[5], raw[6], raw[7]]);
        if size == 0 && raw.iter().all(|&b| b == 0) {
            break; // zero padding / terminator
        }
        let Some(h) = header_at(data, pos) else {
            let problem = if size < 8 {
                Problem::SizeTooSmall {
                    size: size as u64,
                    header: 8,
                }
            } else {
                Problem::OverrunsParent {
                    size: size as u64,
                    available: raw.len() as u64,
                }
            };
            return Err(Error::atom(kind, location, problem));
        };
        let body = &data[pos + 8..pos + h.size];
        let expected = expected_leaf_size(&h.kind);
        let as_qt = match h.qt {
            None => false,
            Some((_, 0)) => expected != Some(body.len()),
            Some((_, n)) => {
                chains(&body[12..], 20, Some(usize::from(n)))
                    || (is_parent_type(&h.kind) && !chains(body, 8, None))
            }
        };
        budget
            .reserve((std::mem::size_of::<QtAtom>() + body.len()) as u64)
            .map_err(|e| Error::atom(kind, location, e.into()))?;
        let atom = if as_qt {
            let (id, count) = h.qt.unwrap_or((1, 0));
            let payload = &body[12..];
            let ploc = Location {
                offset: location.offset + 20,
                ..base
            };
            if count > 0 {
                QtAtom {
                    kind,
                    id,
                    location,
                    header_len: 20,
                    data: Vec::new(),
                    children: parse_list(payload, ploc, budget, depth + 1)?,
                }
            } else {
                QtAtom {
                    kind,
                    id,
                    location,
                    header_len: 20,
                    data: payload.to_vec(),
                    children: Vec::new(),
                }
            }
        } else {
            // A classic atom. Parents among them hold classic children.
            let bloc = Location {
                offset: location.offset + 8,
                ..base
            };
            let is_parent = expected.is_none() && is_parent_type(&h.kind) && chains(body, 8, None);
            if is_parent {
                QtAtom {
                    kind,
                    id: 1,
                    location,
                    header_len: 8,
                    data: Vec::new(),
                    children: parse_list(body, bloc, budget, depth + 1)?,
                }
            } else {
                QtAtom {
                    kind,
                    id: 1,
                    location,
                    header_len: 8,
                    data: body.to_vec(),
                    children: Vec::new(),
                }
            }
        };
        out.push(atom);
        pos += h.size;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::build::{atom, qt_container, qt_leaf, qt_parent};

    fn parse(b: &[u8]) -> QtAtom {
        parse_container(b, Location::file(0), &Budget::for_file(b.len() as u64)).unwrap()
    }

    #[test]
    fn standard_container_with_header_and_root() {
        let b = qt_container(&[
            qt_leaf(b"vrsc", 1, &[0; 24]),
            qt_parent(
                b"vrnp",
                1,
                &[qt_parent(b"vrni", 7, &[qt_leaf(b"nloc", 1, &[0; 24])])],
            ),
        ]);
        let root = parse(&b);
        assert_eq!(root.kind, FourCC::new(b"sean"));
        assert_eq!(root.children.len(), 2);
        let vrni = root.child(b"vrnp").unwrap().child(b"vrni").unwrap();
        assert_eq!(vrni.id, 7);
        assert_eq!(vrni.child(b"nloc").unwrap().data.len(), 24);
        assert_eq!(vrni.location.offset, 12 + 20 + 44 + 20);
    }

    #[test]
    fn without_container_header_or_root() {
        let b = [
            qt_leaf(b"vrsg", 3, b"\0\0\0\x02hi"),
            qt_leaf(b"ndhd", 1, &[0; 24]),
        ]
        .concat();
        let root = parse(&b);
        assert_eq!(root.children.len(), 2);
        assert_eq!(
            root.child_with_id(b"vrsg", 3).unwrap().data,
            b"\0\0\0\x02hi"
        );
    }

    #[test]
    fn classic_atoms_where_qt_atoms_belong() {
        // A classic 'pdat' of exactly 84 bytes whose first bytes look like a QT header.
        let pdat = atom(b"pdat", &[0u8; 84]);
        let hspa = atom(b"hspa", &atom(b"hots", &atom(b"hsin", &[1; 64])));
        let root = parse(&[pdat, hspa].concat());
        assert_eq!(root.child(b"pdat").unwrap().data.len(), 84);
        let hsin = root
            .child(b"hspa")
            .unwrap()
            .child(b"hots")
            .unwrap()
            .child(b"hsin")
            .unwrap();
        assert_eq!(hsin.data, vec![1; 64]);
    }

    #[test]
    fn broken_sizes_name_the_atom() {
        let mut b = qt_container(&[qt_leaf(b"vrsc", 1, &[0; 24])]);
        let n = b.len();
        b[12 + 20 + 3] = 200; // vrsc claims 200 bytes
        let e = parse_container(&b, Location::file(1000), &Budget::for_file(n as u64)).unwrap_err();
        assert!(
            e.to_string().contains("'vrsc' atom at file offset 1032"),
            "{e}"
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut a = qt_leaf(b"leaf", 1, &[1, 2, 3]);
        for _ in 0..40 {
            a = qt_parent(b"nest", 1, &[a]);
        }
        let e =
            parse_container(&a, Location::file(0), &Budget::for_file(a.len() as u64)).unwrap_err();
        assert!(e.to_string().contains("nest deeper"), "{e}");
    }
}
