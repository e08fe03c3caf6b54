//! Texels to a texture through a few staging buffers, reused.
//!
//! `Queue::write_texture` makes a new staging buffer for every call and frees
//! it once the copy is done, so uploading a large node touched fresh memory
//! (page faults, on a software adapter the kernel zeroing it) for every band
//! of rows. A [`Stager`] keeps [`STAGING_BUFFERS`] buffers of
//! [`STAGING_BYTES`] in a ring: rows are copied into the current one (each
//! padded to the 256 bytes a buffer-to-texture copy needs), the copies
//! recorded, and when it is full it is submitted and mapped again in the
//! background while rows go into the next; only a buffer still being
//! copied from is waited for. So the device's copies (on a software
//! adapter, its own thread writing fresh texture memory) run beside the
//! making of the next pages instead of after it, and at most
//! `STAGING_BUFFERS × STAGING_BYTES` of staging memory exists at a time.

use std::sync::mpsc;

use super::Gpu;

/// Each staging buffer's size: large enough for a row of the widest texture
/// (16384 texels), small beside a node's textures.
pub const STAGING_BYTES: u64 = 4 << 20;

/// Staging buffers in the ring: one being filled while the others' copies
/// run.
pub const STAGING_BUFFERS: usize = 3;

/// One staging buffer and whether it can be written.
struct Staging {
    buffer: wgpu::Buffer,
    state: State,
}

enum State {
    Mapped,
    /// Submitted; mapped again once its copies are done (the result of
    /// `map_async` arrives here), after `submission`.
    Mapping(
        mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>,
        wgpu::SubmissionIndex,
    ),
    /// Mapping failed: the device is lost.
    Broken,
}

/// Uploads bands of rows through a ring of reused staging buffers.
pub struct Stager<'a> {
    gpu: &'a Gpu,
    ring: Vec<Staging>,
    /// The buffer rows go into.
    current: usize,
    /// Bytes of the current buffer holding rows not yet submitted.
    used: u64,
    encoder: wgpu::CommandEncoder,
}

impl<'a> Stager<'a> {
    pub fn new(gpu: &'a Gpu) -> Stager<'a> {
        let ring = (0..STAGING_BUFFERS)
            .map(|_| Staging {
                buffer: gpu.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("upload staging"),
                    size: STAGING_BYTES,
                    usage: wgpu::BufferUsages::MAP_WRITE | wgpu::BufferUsages::COPY_SRC,
                    mapped_at_creation: true,
                }),
                state: State::Mapped,
            })
            .collect();
        Stager {
            gpu,
            ring,
            current: 0,
            used: 0,
            encoder: gpu.device.create_command_encoder(&Default::default()),
        }
    }

    /// Copies `data` (rows of `4 × width` bytes, RGBA) into mip level `level`
    /// of layer `z` of `texture`, from its top row.
    pub fn write(&mut self, texture: &wgpu::Texture, z: u32, level: u32, width: u32, data: &[u8]) {
        let row = 4 * width as usize;
        if row == 0 {
            return;
        }
        let padded = row.next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT as usize);
        // Rows per band: what fits a buffer (at least one; a row is at
        // most 64 KiB, a buffer 4 MiB).
        let band = ((STAGING_BYTES as usize) / padded).max(1);
        for (i, rows) in data.chunks(band * row).enumerate() {
            let n = rows.len() / row;
            let bytes = (n * padded) as u64;
            if self.used + bytes > STAGING_BYTES {
                self.submit();
            }
            let Some(buffer) = self.ready() else {
                return;
            };
            let range = self.used..self.used + bytes;
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
                    buffer: &buffer,
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
                        y: (i * band) as u32,
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

    /// The current buffer, mapped: waited for if its earlier copies are
    /// still running; None if it cannot be mapped (device lost).
    fn ready(&mut self) -> Option<wgpu::Buffer> {
        let gpu = self.gpu;
        let staging = self.ring.get_mut(self.current)?;
        if let State::Mapping(rx, index) = &staging.state {
            let _ = gpu.device.poll(wgpu::PollType::Wait {
                submission_index: Some(index.clone()),
                timeout: None,
            });
            // The callback runs in that poll; a device that gives no answer
            // is lost.
            staging.state = match rx.try_recv() {
                Ok(Ok(())) => State::Mapped,
                _ => State::Broken,
            };
        }
        matches!(staging.state, State::Mapped).then(|| staging.buffer.clone())
    }

    /// Submits the copies recorded so far from the current buffer, asks for
    /// it to be mapped again once they are done, and moves to the next.
    fn submit(&mut self) {
        let encoder = std::mem::replace(
            &mut self.encoder,
            self.gpu.device.create_command_encoder(&Default::default()),
        );
        let Some(staging) = self.ring.get_mut(self.current) else {
            return;
        };
        if matches!(staging.state, State::Mapped) {
            staging.buffer.unmap();
        }
        let index = self.gpu.queue.submit([encoder.finish()]);
        let (tx, rx) = mpsc::channel();
        staging
            .buffer
            .slice(..)
            .map_async(wgpu::MapMode::Write, move |r| {
                let _ = tx.send(r);
            });
        staging.state = State::Mapping(rx, index);
        self.current = (self.current + 1) % self.ring.len();
        self.used = 0;
    }

    /// Submits what is left and waits until every copy is done.
    pub fn finish(mut self) {
        self.submit();
        let _ = self.gpu.device.poll(wgpu::PollType::wait_indefinitely());
    }
}
