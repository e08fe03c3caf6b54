//! Random access to the bytes of a movie, from a file or from memory.
//!
//! The parser reads only headers, tables and the small QTVR samples; image
//! samples are read later, by byte range, when they are decoded.

use std::fs::File;
use std::io;
use std::path::Path;

use crate::error::{Error, Result};

/// Positioned reads from a movie's bytes.
pub trait ByteSource: Send + Sync {
    /// Total length in bytes.
    fn len(&self) -> u64;
    /// True when there are no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Fills `buf` from `offset`; fails if the range runs past the end.
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
}

impl ByteSource for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| eof())?;
        let end = start.checked_add(buf.len()).ok_or_else(eof)?;
        let src = self.get(start..end).ok_or_else(eof)?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

impl ByteSource for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.as_slice().read_exact_at(offset, buf)
    }
}

/// A shared source reads like the source it holds (a movie's data fork is
/// an `Arc<dyn ByteSource>`: a file, a range of a wrapper, decoded bytes).
impl<T: ByteSource + ?Sized> ByteSource for std::sync::Arc<T> {
    fn len(&self) -> u64 {
        (**self).len()
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        (**self).read_exact_at(offset, buf)
    }
}

fn eof() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "read past the end of the data",
    )
}

/// A movie file on disk.
#[derive(Debug)]
pub struct FileSource {
    file: File,
    len: u64,
}

impl FileSource {
    /// Opens `path`, with clear errors for a missing file, a directory or no permission.
    pub fn open(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|source| Error::Io {
            path: shown.clone(),
            source,
        })?;
        if meta.is_dir() {
            return Err(Error::IsDirectory(shown));
        }
        let file = File::open(path).map_err(|source| Error::Io {
            path: shown,
            source,
        })?;
        Ok(FileSource {
            file,
            len: meta.len(),
        })
    }
}

impl ByteSource for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    #[cfg(unix)]
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, offset)
    }

    #[cfg(windows)]
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let mut done = 0usize;
        while done < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_read(
                &self.file,
                &mut buf[done..],
                offset + done as u64,
            )?;
            if n == 0 {
                return Err(eof());
            }
            done += n;
        }
        Ok(())
    }
}

/// Reads `len` bytes at `offset` into a new vector, with a file-offset error.
pub fn read_vec(src: &dyn ByteSource, offset: u64, len: u64) -> Result<Vec<u8>> {
    let end = offset.checked_add(len);
    if end.is_none_or(|e| e > src.len()) {
        return Err(Error::ReadAt {
            offset,
            len,
            source: eof(),
        });
    }
    let n = usize::try_from(len).map_err(|_| Error::ReadAt {
        offset,
        len,
        source: eof(),
    })?;
    let mut buf = vec![0u8; n];
    src.read_exact_at(offset, &mut buf)
        .map_err(|source| Error::ReadAt {
            offset,
            len,
            source,
        })?;
    Ok(buf)
}
