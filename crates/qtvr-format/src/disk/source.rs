//! A fork as a [`ByteSource`]: a list of byte ranges (extents) of the image,
//! read in place — nothing is copied.

use std::io;
use std::sync::Arc;

use crate::source::ByteSource;

/// One contiguous piece of a fork: `len` bytes at `image_offset` in the
/// image, holding the fork's bytes from `start` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// Offset of the piece in the fork.
    pub start: u64,
    /// Offset of the piece in the image.
    pub image_offset: u64,
    /// Length in bytes.
    pub len: u64,
}

/// The bytes of a fork: runs of the image, in fork order, covering exactly
/// `len` bytes. Built only by [`ExtentSource::new`], which checks that every
/// run lies inside the image and that the runs cover the fork.
pub struct ExtentSource {
    image: Arc<dyn ByteSource>,
    runs: Vec<Run>,
    len: u64,
}

impl std::fmt::Debug for ExtentSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtentSource")
            .field("runs", &self.runs)
            .field("len", &self.len)
            .finish()
    }
}

impl ExtentSource {
    /// The fork of `len` bytes made of `pieces` (image offset, length), in
    /// order. Runs past `len` are cut; `Err` says what is wrong (a piece past
    /// the end of the image, or pieces that do not reach `len`).
    pub fn new(
        image: Arc<dyn ByteSource>,
        pieces: &[(u64, u64)],
        len: u64,
    ) -> std::result::Result<ExtentSource, String> {
        let image_len = image.len();
        let mut runs = Vec::new();
        let mut start = 0u64;
        for (i, &(at, n)) in pieces.iter().enumerate() {
            if start >= len {
                break;
            }
            let n = n.min(len - start);
            if n == 0 {
                continue;
            }
            let end = at.checked_add(n).filter(|&e| e <= image_len);
            if end.is_none() {
                return Err(format!(
                    "extent {} ({n} bytes at byte offset {at}) runs past the end of the image ({image_len} bytes)",
                    i + 1
                ));
            }
            runs.push(Run {
                start,
                image_offset: at,
                len: n,
            });
            start += n;
        }
        if start < len {
            return Err(format!(
                "the extents hold {start} bytes of the fork's {len}"
            ));
        }
        Ok(ExtentSource { image, runs, len })
    }

    /// The runs, in fork order.
    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// Where byte `offset` of the fork lies in the image (for messages).
    pub fn image_offset(&self, offset: u64) -> u64 {
        let i = self.runs.partition_point(|r| r.start <= offset);
        match i.checked_sub(1).and_then(|i| self.runs.get(i)) {
            Some(r) => r.image_offset.saturating_add(offset - r.start),
            None => offset,
        }
    }
}

impl ByteSource for ExtentSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset
            .checked_add(buf.len() as u64)
            .filter(|&e| e <= self.len)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "read past the end of the fork",
                )
            })?;
        let mut at = offset;
        let mut done = 0usize;
        // The run holding `offset`, then the following ones.
        let mut i = self.runs.partition_point(|r| r.start <= offset).max(1) - 1;
        while at < end {
            let r = self.runs.get(i).ok_or_else(|| {
                io::Error::new(io::ErrorKind::UnexpectedEof, "fork extents end early")
            })?;
            let within = at - r.start;
            let n = (r.len - within).min(end - at);
            let n_usize = usize::try_from(n).map_err(|_| io::Error::other("read too large"))?;
            self.image
                .read_exact_at(r.image_offset + within, &mut buf[done..done + n_usize])?;
            done += n_usize;
            at += n;
            i += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_across_runs_and_refuses_the_rest() {
        let image: Arc<dyn ByteSource> = Arc::new((0u8..100).collect::<Vec<u8>>());
        let s = ExtentSource::new(image.clone(), &[(50, 10), (0, 10), (90, 10)], 25).unwrap();
        let mut b = [0u8; 25];
        s.read_exact_at(0, &mut b).unwrap();
        let want: Vec<u8> = (50..60).chain(0..10).chain(90..95).collect();
        assert_eq!(&b[..], &want[..]);
        let mut b = [0u8; 4];
        s.read_exact_at(8, &mut b).unwrap();
        assert_eq!(b, [58, 59, 0, 1]);
        assert!(s.read_exact_at(22, &mut b).is_err());
        assert_eq!(s.image_offset(12), 2);
        assert!(ExtentSource::new(image.clone(), &[(95, 10)], 10).is_err());
        assert!(ExtentSource::new(image.clone(), &[(0, 5)], 10).is_err());
        assert!(ExtentSource::new(image, &[(u64::MAX, 5)], 5).is_err());
    }
}
