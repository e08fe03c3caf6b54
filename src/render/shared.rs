//! Presenting frames drawn on the CPU through the window system's shared
//! memory (the `softbuffer` crate: MIT-SHM on X11).
//!
//! With no GPU, wgpu draws on lavapipe, and Mesa's software Vulkan swap
//! chain (22.3) hands every frame to the X server with `PutImage` through
//! the connection's socket: for a 1920×1080 window the kernel copies 8 MB
//! into the socket and the server copies it out again, each frame (a
//! system-wide `perf` of a drag: 16% of all CPU time in the viewer's
//! `_copy_from_iter`, 8% in the server). Here the frame is drawn into a
//! texture, copied into a mapped buffer (on a software adapter, memory
//! like any other), and written into a shared-memory image the server reads
//! in place. Used for software adapters only ([`super::WindowSurface`]);
//! a GPU's own swap chain is faster than any copy through the CPU.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

use super::Gpu;

/// What a window offers for presenting: its window and display handles.
pub trait Handles: wgpu::rwh::HasWindowHandle + wgpu::rwh::HasDisplayHandle + Send + Sync {}

impl<T: wgpu::rwh::HasWindowHandle + wgpu::rwh::HasDisplayHandle + Send + Sync> Handles for T {}

type Window = Arc<dyn Handles>;

/// The format frames are drawn in: each pixel's bytes B, G, R, A, which
/// read as a little-endian `u32` are softbuffer's 0RGB once the top byte is
/// cleared.
pub const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Bgra8Unorm;

/// A window's frames, drawn into a texture, read back, and presented
/// through shared memory by a thread of its own: while it waits for the
/// device to finish a frame and hands it to the window system, the next
/// frame is being prepared (two readback buffers, at most two frames on
/// their way).
pub struct SharedPresenter {
    device: wgpu::Device,
    texture: wgpu::Texture,
    size: [u32; 2],
    /// Frames to show, to the thread.
    jobs: Option<SyncSender<Shown>>,
    /// Readback buffers the thread is done with (or why it could not show
    /// a frame).
    done: Receiver<Result<wgpu::Buffer, String>>,
    /// Readback buffers made (at most [`BUFFERS`]).
    made: usize,
    /// Buffers free for the next frames.
    free: Vec<wgpu::Buffer>,
    thread: Option<JoinHandle<()>>,
}

/// Readback buffers in turn while the view moves: one being shown while the
/// next frame is copied.
const BUFFERS: usize = 2;

/// A frame read back into `buffer`, `size` pixels, for the thread to show.
struct Shown {
    buffer: wgpu::Buffer,
    size: [u32; 2],
}

impl SharedPresenter {
    /// A presenter for `window` at `size` (physical pixels); an error where
    /// the window system offers no such buffers (softbuffer is built here
    /// for X11 only: Wayland's and others' windows use wgpu's swap chain).
    pub fn new(gpu: &Gpu, window: Window, size: [u32; 2]) -> Result<SharedPresenter, String> {
        let context = softbuffer::Context::new(window.clone()).map_err(|e| e.to_string())?;
        let surface = softbuffer::Surface::new(&context, window).map_err(|e| e.to_string())?;
        let (jobs, inbox) = sync_channel::<Shown>(BUFFERS);
        let (outbox, done) = channel();
        let device = gpu.device.clone();
        let thread = std::thread::Builder::new()
            .name("present".into())
            .spawn(move || show_frames(&device, surface, &inbox, &outbox))
            .map_err(|e| e.to_string())?;
        let size = size.map(|v| v.max(1));
        Ok(SharedPresenter {
            device: gpu.device.clone(),
            texture: frame_texture(gpu, size),
            size,
            jobs: Some(jobs),
            done,
            made: 0,
            free: Vec::new(),
            thread: Some(thread),
        })
    }

    /// Makes the frame's texture `size` (at least 1 pixel each way); the
    /// window's buffer follows with the next frame shown.
    pub fn resize(&mut self, gpu: &Gpu, size: [u32; 2]) {
        let size = size.map(|v| v.max(1));
        if size != self.size {
            self.texture = frame_texture(gpu, size);
            self.size = size;
        }
    }

    pub fn size(&self) -> [u32; 2] {
        self.size
    }

    /// A view of the texture the next frame is drawn into.
    pub fn frame_view(&self) -> wgpu::TextureView {
        self.texture.create_view(&Default::default())
    }

    /// Shows the frame drawn into [`Self::frame_view`] (its commands
    /// submitted): copied into a readback buffer and handed to the thread.
    /// With `wait`, returns once it is on screen (a view at rest: what is
    /// reported is what the window shows); else as soon as a buffer is
    /// free.
    pub fn present(&mut self, gpu: &Gpu, wait: bool) -> Result<(), String> {
        let size = self.size;
        let bytes = u64::from(padded_row(size[0])) * u64::from(size[1]);
        let buffer = loop {
            // Buffers back from the thread; a failure to show is the window's end.
            while let Ok(back) = self.done.try_recv() {
                self.free.push(back?);
            }
            // Buffers of another size (the window was resized): dropped,
            // made again at this one.
            let before = self.free.len();
            self.free.retain(|b| b.size() == bytes);
            self.made -= before - self.free.len();
            if let Some(b) = self.free.pop() {
                break b;
            }
            // The second buffer only for frames not waited for (a moving
            // view): a view at rest, or an object's animation, needs one.
            let allowed = if wait { 1 } else { BUFFERS };
            if self.made < allowed {
                self.made += 1;
                break readback_buffer(gpu, bytes);
            }
            let back = self
                .done
                .recv()
                .map_err(|_| "the presenting thread ended")?;
            self.free.push(back?);
        };
        let mut enc = gpu.device.create_command_encoder(&Default::default());
        enc.copy_texture_to_buffer(
            self.texture.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(padded_row(size[0])),
                    rows_per_image: None,
                },
            },
            wgpu::Extent3d {
                width: size[0],
                height: size[1],
                depth_or_array_layers: 1,
            },
        );
        gpu.queue.submit([enc.finish()]);
        let jobs = self.jobs.as_ref().ok_or("the presenting thread ended")?;
        jobs.send(Shown { buffer, size })
            .map_err(|_| "the presenting thread ended")?;
        if wait {
            // Every buffer back: every frame sent is on screen.
            while self.free.len() < self.made {
                let back = self
                    .done
                    .recv()
                    .map_err(|_| "the presenting thread ended")?;
                self.free.push(back?);
            }
        }
        Ok(())
    }
}

impl Drop for SharedPresenter {
    fn drop(&mut self) {
        // The thread ends with its inbox.
        self.jobs = None;
        let _ = self.device.poll(wgpu::PollType::Poll);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The presenting thread: each frame read back is waited for, written
/// into the window's shared buffer and shown; its buffer goes back.
fn show_frames(
    device: &wgpu::Device,
    mut window: softbuffer::Surface<Window, Window>,
    inbox: &Receiver<Shown>,
    outbox: &Sender<Result<wgpu::Buffer, String>>,
) {
    let mut shown_size = [0, 0];
    while let Ok(Shown { buffer, size }) = inbox.recv() {
        let result = (|| {
            if size != shown_size {
                let [w, h] = size.map(|v| NonZeroU32::new(v).unwrap_or(NonZeroU32::MIN));
                window.resize(w, h).map_err(|e| e.to_string())?;
                shown_size = size;
            }
            let slice = buffer.slice(..);
            slice.map_async(wgpu::MapMode::Read, |_| {});
            device
                .poll(wgpu::PollType::wait_indefinitely())
                .map_err(|e| e.to_string())?;
            let shown = (|| {
                let data = slice.get_mapped_range().map_err(|e| e.to_string())?;
                let mut out = window.buffer_mut().map_err(|e| e.to_string())?;
                let (w, row) = (size[0] as usize, padded_row(size[0]) as usize);
                for (dst, src) in out.chunks_exact_mut(w).zip(data.chunks(row)) {
                    // Whole words where the row is aligned (it is: rows
                    // are multiples of 256 bytes in a mapped buffer), the
                    // top byte (alpha) cleared.
                    match bytemuck::try_cast_slice::<u8, u32>(src) {
                        Ok(words) => {
                            for (d, s) in dst.iter_mut().zip(words) {
                                *d = u32::from_le(*s) & 0x00ff_ffff;
                            }
                        }
                        Err(_) => {
                            for (d, s) in dst.iter_mut().zip(src.chunks_exact(4)) {
                                *d = u32::from_le_bytes([s[0], s[1], s[2], 0]);
                            }
                        }
                    }
                }
                out.present().map_err(|e| e.to_string())?;
                // softbuffer sends the image but does not flush the
                // connection: waiting for the server to have drawn it (what
                // the next frame would wait for) sends it now, or the last
                // frame of a movement would only show with the next one.
                window.buffer_mut().map(drop).map_err(|e| e.to_string())
            })();
            buffer.unmap();
            shown
        })();
        if outbox.send(result.map(|()| buffer)).is_err() {
            return;
        }
    }
}

/// The texture a frame of `size` is drawn into.
fn frame_texture(gpu: &Gpu, size: [u32; 2]) -> wgpu::Texture {
    super::target_texture(gpu, size, FORMAT, wgpu::TextureUsages::COPY_SRC)
}

/// A buffer of `bytes` a frame is read back into.
fn readback_buffer(gpu: &Gpu, bytes: u64) -> wgpu::Buffer {
    gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("frame readback"),
        size: bytes,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

/// Bytes per row of a `w`-pixel frame in the readback buffer.
fn padded_row(w: u32) -> u32 {
    w.saturating_mul(4)
        .div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT)
        * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT
}

#[cfg(test)]
mod tests {
    use super::padded_row;

    #[test]
    fn readback_rows_are_padded_to_the_copy_alignment() {
        assert_eq!(padded_row(1), 256);
        assert_eq!(padded_row(64), 256);
        assert_eq!(padded_row(65), 512);
        assert_eq!(padded_row(1920), 7680);
        assert_eq!(padded_row(1366), 5632);
    }
}
