//! Texels to a texture through reused staging buffers.
//!
//! `Queue::write_texture` makes a new staging buffer for every call and frees
//! it once the copy is done, so uploading a large node touched fresh memory
//! (page faults, on a software adapter the kernel zeroing it) for every band
//! of rows. A [`Stager`] keeps mapped buffers of at most [`STAGING_BYTES`]
//! (a quarter of the upload at most): rows are copied into one (each padded
//! to the 256 bytes a buffer-to-texture copy needs), the copies recorded,
//! and when it is full it is submitted. A large upload then fills a second
//! buffer while the device copies the first (on a software adapter its
//! queue thread does, beside the rows being made here), and waits for a
//! buffer only when its turn comes again; a small one waits for its one
//! buffer. At most two buffers' worth of staging memory exists at a time.

use std::sync::mpsc;

use super::Gpu;

/// A staging buffer's size at most: large enough for a row of the widest
/// texture (16384 texels), small beside a node's textures.
pub const STAGING_BYTES: u64 = 2 << 20;

/// A staging buffer's size at least: one row of the widest texture.
const MIN_STAGING_BYTES: u64 = 64 << 10;

/// Uploads from this size on fill one buffer while the device copies the
/// other; smaller ones (whose copies are short) keep to one buffer, since
/// a second would weigh more beside their textures than it saves time.
const DOUBLE_MIN_BYTES: u64 = 16 << 20;

/// One staging buffer and the submission that last read it.
struct Slot {
    buffer: wgpu::Buffer,
    /// Whether it is mapped (false from its submission until mapped again).
    mapped: bool,
    /// The submission whose copies read it last.
    read_by: Option<wgpu::SubmissionIndex>,
}

/// Uploads bands of rows through (at most) two reused staging buffers.
pub struct Stager<'a> {
    gpu: &'a Gpu,
    /// Each buffer's size: a quarter of what the upload needs, within
    /// [`MIN_STAGING_BYTES`]..=[`STAGING_BYTES`].
    size: u64,
    /// One buffer, or two for uploads of [`DOUBLE_MIN_BYTES`] or more (the
    /// second made only when the first is full).
    slots: Vec<Slot>,
    double: bool,
    /// The slot being filled.
    cur: usize,
    /// Bytes of the current buffer holding rows not yet submitted.
    used: u64,
    encoder: wgpu::CommandEncoder,
}

impl<'a> Stager<'a> {
    /// A stager for an upload of about `need` bytes:
    /// small uploads (an object's view, a small node) map a quarter of what
    /// they need at most, a few round trips of little copies.
    pub fn new(gpu: &'a Gpu, need: u64) -> Stager<'a> {
        let size = (need / 4)
            .clamp(MIN_STAGING_BYTES, STAGING_BYTES)
            .next_multiple_of(u64::from(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT));
        let mut stager = Stager {
            gpu,
            size,
            slots: Vec::with_capacity(2),
            double: need >= DOUBLE_MIN_BYTES,
            cur: 0,
            used: 0,
            encoder: gpu.device.create_command_encoder(&Default::default()),
        };
        stager.add_slot();
        stager
    }

    fn add_slot(&mut self) {
        self.slots.push(Slot {
            buffer: self.gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("upload staging"),
                size: self.size,
                usage: wgpu::BufferUsages::MAP_WRITE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: true,
            }),
            mapped: true,
            read_by: None,
        });
    }

    /// Copies `data` (rows of `4 × width` bytes, RGBA) into mip level `level`
    /// of layer `z` of `texture`, from its row `top` on.
    pub fn write(
        &mut self,
        texture: &wgpu::Texture,
        z: u32,
        level: u32,
        width: u32,
        top: u32,
        data: &[u8],
    ) {
        let row = 4 * width as usize;
        if row == 0 {
            return;
        }
        let padded = row.next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT as usize);
        // Rows per band: what fits the buffer (at least one; a row is at
        // most 64 KiB, the buffer at least that).
        let band = ((self.size as usize) / padded).max(1);
        for (i, rows) in data.chunks(band * row).enumerate() {
            let n = rows.len() / row;
            let bytes = (n * padded) as u64;
            if self.used + bytes > self.size {
                self.submit();
            }
            if !self.map() {
                return;
            }
            let range = self.used..self.used + bytes;
            let Some(buffer) = self.slots.get(self.cur).map(|s| &s.buffer) else {
                return;
            };
            match buffer.slice(range).get_mapped_range_mut() {
                // Write-only memory: whole rows copied in, never read.
                Ok(mut view) if padded == row => view.copy_from_slice(rows),
                Ok(mut view) => {
                    for (k, src) in rows.chunks_exact(row).enumerate() {
                        view.slice(k * padded..k * padded + row)
                            .copy_from_slice(src);
                    }
                }
                // Not mapped after all: the texture keeps what it has (the
                // device reports its own error).
                Err(_) => return,
            }
            self.encoder.copy_buffer_to_texture(
                wgpu::TexelCopyBufferInfo {
                    buffer,
                    layout: wgpu::TexelCopyBufferLayout {
                        offset: self.used,
                        bytes_per_row: Some(padded as u32),
                        rows_per_image: Some(n as u32),
                    },
                },
                wgpu::TexelCopyTextureInfo {
                    texture,
                    mip_level: level,
                    origin: wgpu::Origin3d {
                        x: 0,
                        y: top + (i * band) as u32,
                        z,
                    },
                    aspect: wgpu::TextureAspect::All,
                },
                wgpu::Extent3d {
                    width,
                    height: n as u32,
                    depth_or_array_layers: 1,
                },
            );
            self.used += bytes;
        }
    }

    /// Maps the current buffer again once the copies that read it are done
    /// (only those: the other buffer's may still be running); false if it
    /// cannot be.
    fn map(&mut self) -> bool {
        if self.cur >= self.slots.len() {
            self.add_slot();
        }
        let Some(slot) = self.slots.get_mut(self.cur) else {
            return false;
        };
        if slot.mapped {
            return true;
        }
        let (tx, rx) = mpsc::channel();
        slot.buffer
            .slice(..)
            .map_async(wgpu::MapMode::Write, move |r| {
                let _ = tx.send(r);
            });
        let _ = self.gpu.device.poll(wgpu::PollType::Wait {
            submission_index: slot.read_by.take(),
            timeout: None,
        });
        slot.mapped = matches!(rx.recv(), Ok(Ok(())));
        slot.mapped
    }

    /// Submits the copies recorded so far and turns to the other buffer.
    fn submit(&mut self) {
        let encoder = std::mem::replace(
            &mut self.encoder,
            self.gpu.device.create_command_encoder(&Default::default()),
        );
        if let Some(slot) = self.slots.get_mut(self.cur) {
            if slot.mapped {
                slot.buffer.unmap();
                slot.mapped = false;
            }
            slot.read_by = Some(self.gpu.queue.submit([encoder.finish()]));
        }
        self.used = 0;
        if self.double {
            self.cur = 1 - self.cur;
        }
    }

    /// Submits what is left and waits until every copy is done.
    pub fn finish(mut self) {
        self.submit();
        let _ = self.gpu.device.poll(wgpu::PollType::wait_indefinitely());
    }
}
