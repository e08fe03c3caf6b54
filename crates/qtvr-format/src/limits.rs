//! Every budget and size limit in one place (after image-rs's `Limits`).
//!
//! A movie's tables are untrusted: a 100-byte `stsz` atom may claim four billion
//! samples. Before anything is allocated from a size or count that came from the
//! file, the parser asks the [`Budget`] for the bytes; the budget is set from the
//! file size, so a small file can never make the reader allocate much.
//!
//! [`Limits`] holds the numbers of every budget: the file's allocation budget,
//! the decoders' frame limits and the total one decode request may keep, the
//! assembled picture's limits, the root package's texture upload limit and
//! object frame cache, and the time an ffmpeg run of the codec fallback may take. Each stage draws on the part it needs; the defaults are
//! the values documented on each field.
//!
//! One number bounds the decoded pixels: [`Limits::memory`] (1 GiB unless the
//! user raises it with `--max-memory`). Before a node is decoded its claims
//! (every frame's size from its sample description, the picture they make,
//! its texture pages) are added up ([`crate::assemble::node_memory`]) and
//! checked against it; the per-stage limits (one frame, one decode request,
//! one picture, one node's textures) are each at most the same number, so a
//! file whose contents disagree with its claims is stopped too.

use std::cell::Cell;

/// Every budget and size limit of reading, assembling and showing a movie.
///
/// `Limits::default()` (= [`Limits::DEFAULT`]) is what the library and the
/// viewer use; a caller may tighten (or loosen) any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Fixed part of the file's allocation budget, for the small structures
    /// every movie needs. Default 16 MiB.
    pub file_base: u64,
    /// Allocation budget granted per byte of input file. Default 32.
    pub file_per_byte: u64,
    /// Upper bound of the allocation budget whatever the file size. Default 4 GiB.
    pub file_ceiling: u64,
    /// Largest width or height of one decoded frame, in pixels. Default 32768.
    pub frame_max_side: u32,
    /// Most bytes one decoded frame's pixels may take. Default 1 GiB.
    pub frame_max_bytes: u64,
    /// Most bytes all the frames one decode request keeps may take together.
    /// Default 1 GiB.
    pub request_max_bytes: u64,
    /// Largest width or height of one assembled picture, in pixels. Default 65536.
    pub picture_max_side: u64,
    /// Most bytes one assembled (or rendered) picture may take. Default 1 GiB.
    pub picture_max_bytes: u64,
    /// Most bytes one node's textures (texture pages with mip chains) may take.
    /// Default 1 GiB.
    pub upload_max_bytes: u64,
    /// Most texture pages (array layers) one node may use; the adapter's own
    /// limit applies as well. Default `u32::MAX` (the adapter's limit alone).
    pub upload_max_layers: u32,
    /// The decoded-pixel budget: most bytes of decoded pixels one node may
    /// hold at once (its decoded frames, the picture assembled from them and
    /// its texture pages), checked against the file's claims before anything
    /// is decoded. Default 1 GiB; [`Limits::with_memory`] sets it (the
    /// command line's `--max-memory`).
    pub memory: u64,
    /// Memory the viewer's object frame cache may hold. Default 256 MiB.
    pub frame_cache_bytes: u64,
    /// Time one ffmpeg run of the codec fallback may take
    /// ([`crate::tiles::external`]), in milliseconds, before
    /// [`Limits::fallback_time_per_sample_ms`] is added. Default 10 s.
    pub fallback_time_ms: u64,
    /// What one ffmpeg run may take on top of [`Limits::fallback_time_ms`]
    /// for each sample it decodes and each started megapixel of the frame,
    /// in milliseconds. Default 100 ms.
    pub fallback_time_per_sample_ms: u64,
}

impl Limits {
    /// The default limits (see each field).
    pub const DEFAULT: Limits = Limits {
        file_base: 16 << 20,
        file_per_byte: 32,
        file_ceiling: 4 << 30,
        frame_max_side: 32768,
        frame_max_bytes: 1 << 30,
        request_max_bytes: 1 << 30,
        picture_max_side: 65536,
        picture_max_bytes: 1 << 30,
        upload_max_bytes: 1 << 30,
        upload_max_layers: u32::MAX,
        memory: 1 << 30,
        frame_cache_bytes: 256 << 20,
        fallback_time_ms: 10_000,
        fallback_time_per_sample_ms: 100,
    };

    /// These limits with a decoded-pixel budget of `bytes` ([`Limits::memory`]):
    /// the limits of one frame, one decode request, one picture and one
    /// node's textures become that number too.
    pub const fn with_memory(self, bytes: u64) -> Limits {
        Limits {
            memory: bytes,
            frame_max_bytes: bytes,
            request_max_bytes: bytes,
            picture_max_bytes: bytes,
            upload_max_bytes: bytes,
            ..self
        }
    }

    /// Checks a node's decoded pixels, as its file claims them
    /// ([`crate::assemble::node_memory`]), against [`Limits::memory`].
    pub fn check_memory(&self, needs: &MemoryNeeds) -> std::result::Result<(), LimitError> {
        if needs.bytes > self.memory {
            return Err(LimitError::OverLimit {
                what: Resource::Memory,
                count: needs.frames,
                width: needs.largest[0].into(),
                height: needs.largest[1].into(),
                requested: needs.bytes,
                limit: self.memory,
            });
        }
        Ok(())
    }

    /// The allocation budget for parsing a file of `file_len` bytes.
    pub fn budget_for_file(&self, file_len: u64) -> Budget {
        let total = file_len
            .saturating_mul(self.file_per_byte)
            .saturating_add(self.file_base)
            .min(self.file_ceiling);
        Budget::with_total(total)
    }

    /// Checks that a decoded frame of `width × height` pixels of
    /// `bytes_per_pixel` fits [`Limits::frame_max_side`] and
    /// [`Limits::frame_max_bytes`]; its bytes.
    pub fn check_frame(
        &self,
        width: u32,
        height: u32,
        bytes_per_pixel: u64,
    ) -> std::result::Result<u64, LimitError> {
        if width > self.frame_max_side || height > self.frame_max_side {
            return Err(LimitError::TooLarge {
                what: Resource::Frame,
                width: width.into(),
                height: height.into(),
                max_side: self.frame_max_side.into(),
            });
        }
        let bytes = u64::from(width) * u64::from(height) * bytes_per_pixel;
        if bytes > self.frame_max_bytes {
            return Err(LimitError::OverLimit {
                what: Resource::Frame,
                count: 1,
                width: width.into(),
                height: height.into(),
                requested: bytes,
                limit: self.frame_max_bytes,
            });
        }
        Ok(bytes)
    }

    /// Checks that `layers` RGBA texture pages of `width × height` texels with
    /// their mip chains (a third more) fit [`Limits::upload_max_bytes`]; their bytes.
    pub fn check_upload(
        &self,
        layers: u32,
        width: u32,
        height: u32,
    ) -> std::result::Result<u64, LimitError> {
        let texels = u64::from(width) * u64::from(height) * u64::from(layers);
        let bytes = texels.saturating_mul(4) / 3 * 4;
        if bytes > self.upload_max_bytes {
            return Err(LimitError::OverLimit {
                what: Resource::Upload,
                count: layers.into(),
                width: width.into(),
                height: height.into(),
                requested: bytes,
                limit: self.upload_max_bytes,
            });
        }
        Ok(bytes)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// The decoded pixels one node would hold, from its file's claims
/// ([`crate::assemble::node_memory`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryNeeds {
    /// Frames decoded (image and hot spot tracks).
    pub frames: u64,
    /// The largest frame's width and height.
    pub largest: [u32; 2],
    /// Bytes at the busiest moment: the decoded frames, the picture made of
    /// them and its texture pages.
    pub bytes: u64,
}

/// Which budget of [`Limits`] a request did not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// The file's allocation budget ([`Budget`]).
    Allocation,
    /// One decoded frame ([`Limits::frame_max_bytes`]).
    Frame,
    /// The frames of one decode request ([`Limits::request_max_bytes`]).
    Request,
    /// One assembled picture ([`Limits::picture_max_bytes`]).
    Picture,
    /// One node's textures ([`Limits::upload_max_bytes`]).
    Upload,
    /// The viewer's object frame cache ([`Limits::frame_cache_bytes`]).
    FrameCache,
    /// The decoded pixels of one node ([`Limits::memory`]).
    Memory,
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Resource::Allocation => "allocation budget",
            Resource::Frame => "frame limit",
            Resource::Request => "limit of one decode",
            Resource::Picture => "picture limit",
            Resource::Upload => "texture upload limit",
            Resource::FrameCache => "frame cache",
            Resource::Memory => "memory budget",
        })
    }
}

/// What a budget could not grant: which budget, the bytes asked for and the
/// bytes left. Every parser turns it into
/// [`Problem::OverBudget`](crate::error::Problem::OverBudget) of the atom it
/// was reading (`From`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("needs {requested} bytes but only {remaining} of the {what} remain")]
pub struct OverBudget {
    pub what: Resource,
    pub requested: u64,
    pub remaining: u64,
}

/// A size over one of the [`Limits`]: every limit refuses with one of these
/// (the file's allocation budget with [`OverBudget`], the fixed limits with
/// [`LimitError::TooLarge`] or [`LimitError::OverLimit`]). `what` says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// A running budget could not grant the bytes.
    #[error(transparent)]
    OverBudget(#[from] OverBudget),
    /// `width × height` pixels are more than `max_side` on a side.
    #[error("{}", too_large(*.what, *.width, *.height, *.max_side))]
    TooLarge {
        what: Resource,
        width: u64,
        height: u64,
        max_side: u64,
    },
    /// `count` pictures of `width × height` pixels (for [`Resource::Request`]:
    /// the frames so far, the last one's size) need `requested` bytes, more
    /// than the `limit`.
    #[error("{}", over_limit(*.what, *.count, *.width, *.height, *.requested, *.limit))]
    OverLimit {
        what: Resource,
        count: u64,
        width: u64,
        height: u64,
        requested: u64,
        limit: u64,
    },
}

impl LimitError {
    /// Which limit was passed.
    pub fn what(&self) -> Resource {
        match self {
            LimitError::OverBudget(e) => e.what,
            LimitError::TooLarge { what, .. } | LimitError::OverLimit { what, .. } => *what,
        }
    }
}

fn too_large(what: Resource, width: u64, height: u64, max_side: u64) -> String {
    let noun = match what {
        Resource::Frame => "frame",
        Resource::Upload => "texture page",
        _ => "picture",
    };
    format!("the {noun} is {width}×{height} pixels, more than {max_side} on a side")
}

fn over_limit(
    what: Resource,
    count: u64,
    width: u64,
    height: u64,
    requested: u64,
    limit: u64,
) -> String {
    match what {
        Resource::Frame => format!(
            "a {width}×{height} frame needs {requested} bytes, more than the limit of {limit}"
        ),
        Resource::Request => {
            format!("its frames need more than the {limit} bytes allowed for one decode")
        }
        Resource::Upload => format!(
            "{count} texture pages of {width}x{height} are more than this viewer uploads ({} MB; \
             --max-memory MB raises it)",
            limit >> 20
        ),
        Resource::Memory => format!(
            "needs {} MB of decoded pixels ({count} frames of up to {width}×{height} and what is \
             made of them), more than the {} MB memory budget; `--max-memory {}` raises it",
            requested.div_ceil(1 << 20),
            limit >> 20,
            requested.div_ceil(1 << 20)
        ),
        _ => format!(
            "{count} of {width}×{height} pixels need {requested} bytes, more than the {what} of {limit}"
        ),
    }
}

/// A running allocation allowance (the file's, from [`Limits`]).
#[derive(Debug)]
pub struct Budget {
    remaining: Cell<u64>,
    total: u64,
}

impl Budget {
    /// Fixed part of the budget ([`Limits::file_base`] by default).
    pub const BASE: u64 = Limits::DEFAULT.file_base;
    /// Budget bytes granted per byte of input file ([`Limits::file_per_byte`] by default).
    pub const PER_FILE_BYTE: u64 = Limits::DEFAULT.file_per_byte;
    /// Upper bound whatever the file size ([`Limits::file_ceiling`] by default).
    pub const CEILING: u64 = Limits::DEFAULT.file_ceiling;

    /// The budget for parsing a file of `file_len` bytes, with the default
    /// [`Limits`] ([`Limits::budget_for_file`] for others).
    pub fn for_file(file_len: u64) -> Self {
        Limits::DEFAULT.budget_for_file(file_len)
    }

    /// A budget of exactly `total` bytes.
    pub fn with_total(total: u64) -> Self {
        Budget {
            remaining: Cell::new(total),
            total,
        }
    }

    /// Takes `bytes` from the budget, or fails with what was asked and what is left.
    pub fn take(&self, bytes: u64) -> std::result::Result<(), OverBudget> {
        let left = self.remaining.get();
        if bytes > left {
            return Err(OverBudget {
                what: Resource::Allocation,
                requested: bytes,
                remaining: left,
            });
        }
        self.remaining.set(left - bytes);
        Ok(())
    }

    /// Takes room for `count` values of `T`, or fails like [`Budget::take`].
    pub fn take_items<T>(&self, count: u64) -> std::result::Result<(), OverBudget> {
        self.take(count.saturating_mul(std::mem::size_of::<T>() as u64))
    }

    /// The same as [`Budget::take`].
    pub fn reserve(&self, bytes: u64) -> std::result::Result<(), OverBudget> {
        self.take(bytes)
    }

    /// The same as [`Budget::take_items`].
    pub fn reserve_items<T>(&self, count: u64) -> std::result::Result<(), OverBudget> {
        self.take_items::<T>(count)
    }

    /// Bytes not yet taken.
    pub fn remaining(&self) -> u64 {
        self.remaining.get()
    }

    /// Bytes taken so far.
    pub fn used(&self) -> u64 {
        self.total - self.remaining.get()
    }

    /// The whole allowance.
    pub fn total(&self) -> u64 {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_grows_with_file_and_refuses_overdraft() {
        let b = Budget::for_file(1000);
        assert_eq!(b.total(), Budget::BASE + 32_000);
        assert!(b.take(Budget::BASE).is_ok());
        assert_eq!(b.remaining(), 32_000);
        let e = b.take(32_001).unwrap_err();
        assert_eq!(
            e,
            OverBudget {
                what: Resource::Allocation,
                requested: 32_001,
                remaining: 32_000
            }
        );
        assert_eq!(
            e.to_string(),
            "needs 32001 bytes but only 32000 of the allocation budget remain"
        );
        assert!(b.take_items::<u64>(4000).is_ok());
        assert_eq!(b.remaining(), 0);
        assert_eq!(b.used(), b.total());
    }

    #[test]
    fn budget_has_a_ceiling() {
        assert_eq!(Budget::for_file(u64::MAX).total(), Budget::CEILING);
    }

    #[test]
    fn limits_set_the_file_budget() {
        let l = Limits {
            file_base: 10,
            file_per_byte: 2,
            file_ceiling: 100,
            ..Limits::default()
        };
        assert_eq!(l.budget_for_file(20).total(), 50);
        assert_eq!(l.budget_for_file(1000).total(), 100);
    }

    #[test]
    fn frames_over_the_limits_are_typed() {
        let l = Limits {
            frame_max_side: 100,
            frame_max_bytes: 1000,
            ..Limits::default()
        };
        assert_eq!(l.check_frame(10, 25, 4), Ok(1000));
        let e = l.check_frame(101, 2, 1).unwrap_err();
        assert_eq!(
            e,
            LimitError::TooLarge {
                what: Resource::Frame,
                width: 101,
                height: 2,
                max_side: 100
            }
        );
        assert_eq!(e.what(), Resource::Frame);
        assert_eq!(
            e.to_string(),
            "the frame is 101×2 pixels, more than 100 on a side"
        );
        let e = l.check_frame(10, 26, 4).unwrap_err();
        assert_eq!(
            e,
            LimitError::OverLimit {
                what: Resource::Frame,
                count: 1,
                width: 10,
                height: 26,
                requested: 1040,
                limit: 1000
            }
        );
        assert_eq!(
            e.to_string(),
            "a 10×26 frame needs 1040 bytes, more than the limit of 1000"
        );
    }

    #[test]
    fn the_memory_budget_bounds_every_stage() {
        let l = Limits::DEFAULT.with_memory(100 << 20);
        assert_eq!(l.memory, 100 << 20);
        for stage in [
            l.frame_max_bytes,
            l.request_max_bytes,
            l.picture_max_bytes,
            l.upload_max_bytes,
        ] {
            assert_eq!(stage, 100 << 20);
        }
        assert_eq!(l.frame_cache_bytes, Limits::DEFAULT.frame_cache_bytes);
        // The default: 1 GiB, and no stage above it.
        let d = Limits::DEFAULT;
        assert_eq!(d.memory, 1 << 30);
        assert!(
            [
                d.frame_max_bytes,
                d.request_max_bytes,
                d.picture_max_bytes,
                d.upload_max_bytes
            ]
            .iter()
            .all(|&b| b <= d.memory)
        );
        let needs = MemoryNeeds {
            frames: 6,
            largest: [4000, 4000],
            bytes: (100 << 20) + 1,
        };
        let e = l.check_memory(&needs).unwrap_err();
        assert_eq!(e.what(), Resource::Memory);
        assert_eq!(
            e.to_string(),
            "needs 101 MB of decoded pixels (6 frames of up to 4000×4000 and what is made of \
             them), more than the 100 MB memory budget; `--max-memory 101` raises it"
        );
        assert_eq!(
            l.check_memory(&MemoryNeeds {
                bytes: 100 << 20,
                ..needs
            }),
            Ok(())
        );
    }

    #[test]
    fn uploads_over_the_limit_are_typed() {
        let l = Limits {
            upload_max_bytes: 3 << 30,
            ..Limits::default()
        };
        // 4 bytes a texel and a third more for the mips: 3 pages of 16384² take 4 GiB.
        assert_eq!(l.check_upload(2, 16384, 16384), Ok((2 << 30) / 3 * 4));
        let e = l.check_upload(3, 16384, 16384).unwrap_err();
        assert_eq!(
            e,
            LimitError::OverLimit {
                what: Resource::Upload,
                count: 3,
                width: 16384,
                height: 16384,
                requested: 4 << 30,
                limit: 3 << 30
            }
        );
        assert_eq!(e.what(), Resource::Upload);
        assert_eq!(
            e.to_string(),
            "3 texture pages of 16384x16384 are more than this viewer uploads (3072 MB; \
             --max-memory MB raises it)"
        );
        let budget = LimitError::from(Budget::with_total(1).take(2).unwrap_err());
        assert_eq!(budget.what(), Resource::Allocation);
    }
}
