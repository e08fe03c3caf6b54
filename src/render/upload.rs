//! Texels to a texture through one staging buffer, reused.
//!
//! `Queue::write_texture` makes a new staging buffer for every call and frees
//! it once the copy is done, so uploading a large node touched fresh memory
//! (page faults, on a software adapter the kernel zeroing it) for every band
//! of rows. A [`Stager`] keeps one mapped buffer of [`STAGING_BYTES`]: rows
//! are copied into it (each padded to the 256 bytes a buffer-to-texture copy
//! needs), the copies recorded, and when it is full it is submitted, waited
//! for and mapped again. At most one buffer's worth of staging memory exists
//! at a time.

use std::sync::mpsc;

use super::Gpu;

/// The staging buffer's size: large enough for a row of the widest texture
/// (16384 texels), small beside a node's textures.
pub const STAGING_BYTES: u64 = 2 << 20;

/// Uploads bands of rows through one reused staging buffer.
pub struct Stager<'a> {
    gpu: &'a Gpu,
    buffer: wgpu::Buffer,
    /// Bytes of the buffer holding rows not yet submitted.
    used: u64,
    /// Whether the buffer is mapped (false between a submit and the next map).
    mapped: bool,
    encoder: wgpu::CommandEncoder,
}

impl<'a> Stager<'a> {
    pub fn new(gpu: &'a Gpu) -> Stager<'a> {
        let buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("upload staging"),
            size: STAGING_BYTES,
            usage: wgpu::BufferUsages::MAP_WRITE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: true,
        });
        Stager {
            gpu,
            buffer,
            used: 0,
            mapped: true,
            encoder: gpu.device.create_command_encoder(&Default::default()),
        }
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
        // most 64 KiB, the buffer 2 MiB).
        let band = ((STAGING_BYTES as usize) / padded).max(1);
        for (i, rows) in data.chunks(band * row).enumerate() {
            let n = rows.len() / row;
            let bytes = (n * padded) as u64;
            if self.used + bytes > STAGING_BYTES {
                self.submit();
            }
            if !self.map() {
                return;
            }
            let range = self.used..self.used + bytes;
            match self.buffer.slice(range).get_mapped_range_mut() {
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
                    buffer: &self.buffer,
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

    /// Maps the buffer again once its copies are done; false if it cannot be.
    fn map(&mut self) -> bool {
        if self.mapped {
            return true;
        }
        let (tx, rx) = mpsc::channel();
        self.buffer
            .slice(..)
            .map_async(wgpu::MapMode::Write, move |r| {
                let _ = tx.send(r);
            });
        let _ = self.gpu.device.poll(wgpu::PollType::wait_indefinitely());
        self.mapped = matches!(rx.recv(), Ok(Ok(())));
        self.mapped
    }

    /// Submits the copies recorded so far.
    fn submit(&mut self) {
        if self.mapped {
            self.buffer.unmap();
            self.mapped = false;
        }
        let encoder = std::mem::replace(
            &mut self.encoder,
            self.gpu.device.create_command_encoder(&Default::default()),
        );
        self.gpu.queue.submit([encoder.finish()]);
        self.used = 0;
    }

    /// Submits what is left and waits until every copy is done.
    pub fn finish(mut self) {
        self.submit();
        let _ = self.gpu.device.poll(wgpu::PollType::wait_indefinitely());
    }
}
