//! Bounded readers over atom bodies (after mp4parse-rust's `BoxIter`).
//!
//! An [`AtomBody`] is the body of one atom; its [`Fields`] reader can never read
//! past the body, and [`Children`] yields child atoms that can never extend past
//! their parent. Every failure is an [`Error::Atom`] naming the atom and offset.

use super::FourCC;
use crate::error::{Error, Location, Problem, Result};

/// One atom as found in its parent: type, where it starts, and its body bytes.
#[derive(Clone, Copy, Debug)]
pub struct AtomBody<'a> {
    /// The atom type.
    pub kind: FourCC,
    /// Where its header starts.
    pub location: Location,
    /// Header length (8, or 16 with a 64-bit size).
    pub header_len: u64,
    /// The bytes after the header.
    pub data: &'a [u8],
}

impl<'a> AtomBody<'a> {
    /// Location of the first body byte.
    pub fn body_location(&self) -> Location {
        Location {
            offset: self.location.offset + self.header_len,
            ..self.location
        }
    }
    /// A field reader over the body.
    pub fn fields(&self) -> Fields<'a> {
        Fields {
            kind: self.kind,
            location: self.location,
            data: self.data,
            pos: 0,
        }
    }
    /// The child atoms of the body, starting at `skip` bytes into it.
    pub fn children_from(&self, skip: usize) -> Children<'a> {
        let start = skip.min(self.data.len());
        Children {
            data: &self.data[start..],
            base: Location {
                offset: self.body_location().offset + start as u64,
                ..self.location
            },
            pos: 0,
            lenient_tail: false,
        }
    }
    /// The child atoms of the body.
    pub fn children(&self) -> Children<'a> {
        self.children_from(0)
    }
    /// An error about this atom.
    pub fn error(&self, problem: Problem) -> Error {
        Error::atom(self.kind, self.location, problem)
    }
    /// The first child of type `kind`, if any (children that fail to parse end the search).
    pub fn child(&self, kind: &[u8; 4]) -> Result<Option<AtomBody<'a>>> {
        for c in self.children() {
            let c = c?;
            if c.kind.0 == *kind {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }
}

/// Reads big-endian fields from an atom body without ever passing its end.
#[derive(Clone, Debug)]
pub struct Fields<'a> {
    kind: FourCC,
    location: Location,
    data: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }
    /// Bytes read so far.
    pub fn position(&self) -> usize {
        self.pos
    }
    /// The rest of the body, consumed.
    pub fn rest(&mut self) -> &'a [u8] {
        let r = &self.data[self.pos..];
        self.pos = self.data.len();
        r
    }
    /// An error about this atom.
    pub fn error(&self, problem: Problem) -> Error {
        Error::atom(self.kind, self.location, problem)
    }
    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        match end {
            Some(end) => {
                let s = &self.data[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(self.error(Problem::BodyTooShort {
                need: self.pos as u64 + n as u64,
                have: self.data.len() as u64,
            })),
        }
    }
    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.bytes(n).map(|_| ())
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let b = self.bytes(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(b);
        Ok(a)
    }
    /// u8.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    /// Big-endian u16.
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    /// Big-endian i16.
    pub fn i16(&mut self) -> Result<i16> {
        Ok(i16::from_be_bytes(self.array()?))
    }
    /// Big-endian u32.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    /// Big-endian i32.
    pub fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_be_bytes(self.array()?))
    }
    /// Big-endian u64.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    /// Big-endian i64.
    pub fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_be_bytes(self.array()?))
    }
    /// Big-endian IEEE float.
    pub fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_be_bytes(self.array()?))
    }
    /// Signed 16.16 fixed point.
    pub fn fixed16(&mut self) -> Result<f64> {
        Ok(f64::from(self.i32()?) / 65536.0)
    }
    /// Unsigned 16.16 fixed point.
    pub fn ufixed16(&mut self) -> Result<f64> {
        Ok(f64::from(self.u32()?) / 65536.0)
    }
    /// Signed 8.8 fixed point.
    pub fn fixed8(&mut self) -> Result<f64> {
        Ok(f64::from(self.i16()?) / 256.0)
    }
    /// A four-character code.
    pub fn fourcc(&mut self) -> Result<FourCC> {
        Ok(FourCC(self.array()?))
    }
    /// Version byte and 24-bit flags of a "full atom".
    pub fn version_flags(&mut self) -> Result<(u8, u32)> {
        let v = self.u32()?;
        Ok(((v >> 24) as u8, v & 0x00ff_ffff))
    }
    /// Checks that `count` entries of `entry_size` bytes fit in what is left.
    pub fn check_table(&self, count: u64, entry_size: u64) -> Result<()> {
        let available = self.remaining() as u64;
        if count.checked_mul(entry_size).is_none_or(|n| n > available) {
            return Err(self.error(Problem::TooManyEntries {
                count,
                entry_size,
                available,
            }));
        }
        Ok(())
    }
}

/// Iterates over the atoms in a byte range (the body of a parent atom).
#[derive(Clone, Debug)]
pub struct Children<'a> {
    data: &'a [u8],
    base: Location,
    pos: usize,
    lenient_tail: bool,
}

impl<'a> Children<'a> {
    /// Atoms in `data`, whose first byte is at `base`.
    pub fn new(data: &'a [u8], base: Location) -> Self {
        Children {
            data,
            base,
            pos: 0,
            lenient_tail: false,
        }
    }
    /// Ends quietly at fewer than 8 trailing bytes (padding some writers leave,
    /// and the 4-byte zero terminator of user data lists).
    pub fn lenient_tail(mut self) -> Self {
        self.lenient_tail = true;
        self
    }
}

/// Parses one atom header at `pos` of `data`. Returns the atom and the position after it.
pub fn parse_atom_at(data: &[u8], pos: usize, base: Location) -> Result<(AtomBody<'_>, usize)> {
    let location = Location {
        offset: base.offset + pos as u64,
        ..base
    };
    let avail = (data.len() - pos) as u64;
    if avail < 8 {
        let kind = partial_kind(&data[pos..]);
        return Err(Error::atom(
            kind,
            location,
            Problem::HeaderTruncated {
                needed: 8,
                available: avail,
            },
        ));
    }
    let size32 = u32::from_be_bytes([data[pos], data[pos + 1], data[pos + 2], data[pos + 3]]);
    let kind = FourCC([data[pos + 4], data[pos + 5], data[pos + 6], data[pos + 7]]);
    let (size, header) = match size32 {
        0 => (avail, 8u64),
        1 => {
            if avail < 16 {
                return Err(Error::atom(
                    kind,
                    location,
                    Problem::HeaderTruncated {
                        needed: 16,
                        available: avail,
                    },
                ));
            }
            let mut b = [0u8; 8];
            b.copy_from_slice(&data[pos + 8..pos + 16]);
            (u64::from_be_bytes(b), 16u64)
        }
        n => (u64::from(n), 8u64),
    };
    if size < header {
        return Err(Error::atom(
            kind,
            location,
            Problem::SizeTooSmall { size, header },
        ));
    }
    if size > avail {
        return Err(Error::atom(
            kind,
            location,
            Problem::OverrunsParent {
                size,
                available: avail,
            },
        ));
    }
    // size <= avail <= data.len(), so these fit in usize.
    let end = pos + size as usize;
    let body = &data[pos + header as usize..end];
    Ok((
        AtomBody {
            kind,
            location,
            header_len: header,
            data: body,
        },
        end,
    ))
}

fn partial_kind(b: &[u8]) -> FourCC {
    let mut k = [b'?'; 4];
    for (i, x) in b.iter().skip(4).take(4).enumerate() {
        k[i] = *x;
    }
    FourCC(k)
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<AtomBody<'a>>;
    fn next(&mut self) -> Option<Self::Item> {
        let left = self.data.len() - self.pos;
        if left == 0 || (self.lenient_tail && left < 8) {
            return None;
        }
        match parse_atom_at(self.data, self.pos, self.base) {
            Ok((atom, next)) => {
                self.pos = next;
                Some(Ok(atom))
            }
            Err(e) => {
                self.pos = self.data.len();
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::build::atom;

    #[test]
    fn children_stop_at_parent_end() {
        let mut body = atom(b"abcd", &[1, 2, 3]);
        body.extend(atom(b"efgh", &[]));
        let kids: Vec<_> = Children::new(&body, Location::file(100))
            .collect::<Result<Vec<_>>>()
            .unwrap();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[0].kind, FourCC::new(b"abcd"));
        assert_eq!(kids[0].data, &[1, 2, 3]);
        assert_eq!(kids[1].location.offset, 111);
    }

    #[test]
    fn overrun_is_reported_with_offset() {
        let mut body = atom(b"abcd", &[0; 4]);
        body[3] = 40; // claims 40 bytes, has 12
        let err = Children::new(&body, Location::file(7))
            .next()
            .unwrap()
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("'abcd' atom at file offset 7"), "{msg}");
        assert!(msg.contains("runs past the end"), "{msg}");
    }

    #[test]
    fn size_zero_runs_to_end_and_size_one_is_64_bit() {
        let mut b = vec![0, 0, 0, 0];
        b.extend(b"zero");
        b.extend([9, 9]);
        let (a, end) = parse_atom_at(&b, 0, Location::file(0)).unwrap();
        assert_eq!((a.data, end), (&[9u8, 9][..], 10));
        let mut w = vec![0, 0, 0, 1];
        w.extend(b"wide");
        w.extend(18u64.to_be_bytes());
        w.extend([5, 6]);
        let (a, end) = parse_atom_at(&w, 0, Location::file(0)).unwrap();
        assert_eq!((a.header_len, a.data, end), (16, &[5u8, 6][..], 18));
    }

    #[test]
    fn too_small_and_truncated_headers() {
        let b = [0, 0, 0, 4, b'a', b'b', b'c', b'd'];
        let e = parse_atom_at(&b, 0, Location::file(0)).unwrap_err();
        assert!(e.to_string().contains("smaller than its 8-byte header"));
        let e = parse_atom_at(&b[..5], 0, Location::file(0)).unwrap_err();
        assert!(e.to_string().contains("cut off"));
    }

    #[test]
    fn fields_are_bounded() {
        let a = atom(b"test", &[0, 1, 0, 2, 0xff]);
        let (body, _) = parse_atom_at(&a, 0, Location::file(0)).unwrap();
        let mut f = body.fields();
        assert_eq!(f.u16().unwrap(), 1);
        assert_eq!(f.u16().unwrap(), 2);
        assert!(f.u16().is_err());
        assert_eq!(f.u8().unwrap(), 0xff);
        assert!(f.check_table(1, 1).is_err());
        assert!(f.check_table(u64::MAX, 8).is_err());
    }
}
