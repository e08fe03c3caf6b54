//! Renderer benchmark (`cargo bench --bench render`): the one command for
//! any machine, with or without a GPU (it names the adapter it ran on).
//!
//! 1. Frame time: the window's drawing path (view data, one full-screen pass,
//!    submit, wait for the GPU; hot spot outlines off, as the window starts)
//!    into an offscreen target of 1280×720, 1920×1080 and 3840×2160, for a
//!    cylinder (`real/archon_facilities-panorama-lg.mov`, 5280×640), a
//!    3×3-tiled cube (`real/cuty_CuTy.mov`) and a cube of 1800² faces
//!    (`real/panini_OutsideSionHillCampus.mov`), over a pan sweep. Without
//!    `../shared/samples`, made-up pictures of the same sizes stand in.
//! 2. Upload: [`Renderer::set_picture`] of a cube of six 1800² faces (pages
//!    with gutters and mip chains made, then copied to the device), in MB of
//!    texture (mips included) per second, best of 3.
//! 3. Time to first frame for every sample movie's default node: open and read
//!    the movie, decode and assemble the node (while the GPU device and pipeline
//!    are made on another thread, as the viewer does), upload with mips, render
//!    and read back one 1024×768 frame. Beside it, side by side in the same run,
//!    ffmpeg decoding the same image track (`ffmpeg -v error -i FILE -map 0:v:N
//!    -f null -`, best of 3, its process start-up included) as a reference.
//!
//! Writes a Markdown report to stdout and `target/bench-render.md`.
//! `--quick`: fewer frames; `--frames-only`: parts 1 and 2; `--motion-scale F`:
//! part 1's frames drawn at F of the resolution and scaled up, as the window
//! draws a moving view (motion quality).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use qtvr::cli::render::{node_picture, pick_node};
use qtvr::render::hotspot_ids;
use qtvr::render::{DrawTarget, Gpu, Renderer, UploadOptions};
use qtvr::view::{ObjectView, Shot};
use qtvr_format::assemble::NodePicture;
use qtvr_format::qtvr::scene::{HotspotId, NodeContent, NodeId, View};

fn samples() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    d.is_dir().then_some(d)
}

fn load(path: &Path) -> (NodeId, NodePicture, Vec<HotspotId>, Shot) {
    let (src, loaded) = qtvr_format::qtvr::open(path).expect("open");
    let scene = loaded.scene.as_ref().expect("a QTVR movie");
    let node = pick_node(scene, None).expect("default node");
    let (ov, shot) = match &node.content {
        NodeContent::Object(o) => {
            let v = ObjectView::default_for(o);
            (Some(v), v.shot(o))
        }
        NodeContent::Panorama(p) => (None, Shot::Perspective(p.limits.default)),
    };
    let pic = node_picture(&src, &loaded.movie, node, ov.as_ref()).expect("picture");
    (node.id, pic, hotspot_ids(node), shot)
}

fn frame_times(
    gpu: &Gpu,
    pic: NodePicture,
    flat: Option<Shot>,
    sizes: &[[u32; 2]],
    frames: usize,
) -> Vec<(String, f64)> {
    let mut r = Renderer::new(gpu);
    r.set_picture(gpu, pic, &[], UploadOptions::default())
        .expect("upload");
    let mut out = Vec::new();
    for &[w, h] in sizes {
        let format = wgpu::TextureFormat::Rgba8Unorm;
        let tex = qtvr::render::target_texture(gpu, [w, h], format, wgpu::TextureUsages::empty());
        let view = tex.create_view(&Default::default());
        let mut run = |i: usize| {
            // Objects: their frame as the viewer shows it; panoramas: a pan sweep.
            let shot = flat.unwrap_or(Shot::Perspective(View {
                pan: (i * 7 % 360) as f32,
                tilt: 5.0,
                fov: 40.0,
            }));
            let mut enc = gpu.device.create_command_encoder(&Default::default());
            r.draw_scaled_into(
                gpu,
                &mut enc,
                &DrawTarget::whole(&view, format, [w, h]),
                &shot,
                false,
                motion_scale(),
            )
            .expect("draw");
            gpu.queue.submit([enc.finish()]);
            gpu.device
                .poll(wgpu::PollType::wait_indefinitely())
                .expect("poll");
        };
        // Software rasterisers compile shader variants during the first draws.
        for i in 0..10 {
            run(i);
        }
        let t = Instant::now();
        for i in 0..frames {
            run(i);
        }
        let ms = t.elapsed().as_secs_f64() * 1000.0 / frames as f64;
        out.push((format!("{w}×{h}"), ms));
    }
    out
}

/// `--motion-scale F`: frames drawn at F of the resolution and scaled up, as
/// the window draws a moving view (1: full resolution, the default).
fn motion_scale() -> f32 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--motion-scale")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0)
}

fn ffmpeg_decode(path: &Path, track_index: usize) -> Option<Duration> {
    let mut best: Option<Duration> = None;
    for _ in 0..3 {
        let t = Instant::now();
        let ok = Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(path)
            .args(["-map", &format!("0:v:{track_index}"), "-f", "null", "-"])
            .output()
            .ok()?
            .status
            .success();
        if !ok {
            return None;
        }
        let e = t.elapsed();
        best = Some(best.map_or(e, |b| b.min(e)));
    }
    best
}

/// Open → first 1024×768 frame read back, GPU set up on another thread meanwhile.
fn first_frame(path: &Path) -> (Duration, Duration) {
    let t0 = Instant::now();
    let gpu_thread = std::thread::spawn(|| {
        let gpu = Gpu::headless().expect("gpu");
        let mut r = Renderer::new(&gpu);
        r.warm_up(&gpu, wgpu::TextureFormat::Rgba8Unorm);
        (gpu, r)
    });
    let (_, pic, ids, shot) = load(path);
    let decoded = t0.elapsed();
    let (gpu, mut r) = gpu_thread.join().expect("gpu thread");
    r.set_picture(&gpu, pic, &ids, UploadOptions::default())
        .expect("upload");
    r.render_image(&gpu, &shot, 1024, 768, false)
        .expect("render");
    (t0.elapsed(), decoded)
}

/// The index among the movie's video tracks of the default node's image track.
fn video_index(path: &Path) -> Option<usize> {
    let (_, loaded) = qtvr_format::qtvr::open(path).ok()?;
    qtvr::cli::render::default_image_track_index(&loaded.movie, loaded.scene.as_ref()?)
}

/// A made-up picture: a cylinder `w`×`h` or a cube of six `w`² faces.
fn made_up(cube: bool, w: u32, h: u32) -> NodePicture {
    use qtvr_format::assemble::{Geometry, Plane, RgbaImage, Surface};
    let image = |seed: u32, w: u32, h: u32| {
        let mut data = Vec::with_capacity((w * h * 4) as usize);
        for y in 0..h {
            for x in 0..w {
                data.extend_from_slice(&[
                    (x ^ y).wrapping_add(seed) as u8,
                    (x / 3) as u8,
                    (y / 5 + seed * 40) as u8,
                    255,
                ]);
            }
        }
        RgbaImage::new(w, h, data)
    };
    let h2 = std::f32::consts::FRAC_1_SQRT_2;
    // Yaw 0, 90, 180, 270 about Y, then pitch ±90 about X: the six faces.
    let rotations = [
        [1.0, 0.0, 0.0, 0.0],
        [h2, 0.0, h2, 0.0],
        [0.0, 0.0, 1.0, 0.0],
        [h2, 0.0, -h2, 0.0],
        [h2, h2, 0.0, 0.0],
        [h2, -h2, 0.0, 0.0],
    ];
    let surfaces = if cube {
        (0..6)
            .map(|i| Surface {
                geometry: Geometry::Plane(Plane {
                    rotation: rotations[i],
                    focal: w as f32 / 2.0,
                    centre: [0.0, 0.0],
                    aspect: 1.0,
                    skew: 0.0,
                }),
                image: image(i as u32, w, w),
                hotspots: None,
            })
            .collect()
    } else {
        vec![Surface {
            geometry: Geometry::Cylinder {
                pan: [0.0, 360.0],
                wraps: true,
            },
            image: image(0, w, h),
            hotspots: None,
        }]
    };
    NodePicture {
        node: NodeId(1),
        surfaces,
        warnings: Vec::new(),
    }
}

/// Texture bytes of a picture as uploaded: RGBA with mip chains (4/3).
fn texture_mb(pic: &NodePicture) -> f64 {
    let base: u64 = pic
        .surfaces
        .iter()
        .map(|s| u64::from(s.image.width) * u64::from(s.image.height) * 4)
        .sum();
    base as f64 * 4.0 / 3.0 / 1e6
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let dir = samples();
    let mut md = String::new();
    let gpu = Gpu::headless().expect("a graphics adapter (lavapipe or a GPU)");
    md += &format!(
        "Adapter: {} (anisotropy {}×)\n\n",
        gpu.description, gpu.anisotropy
    );
    md += "| picture | target | ms/frame | frames/s |\n|---|---|---:|---:|\n";
    let frames = if quick { 10 } else { 60 };
    let pictures: Vec<(&str, NodePicture, Option<Shot>)> = match &dir {
        Some(dir) => [
            (
                "cylinder 5280×640 (archon-lg)",
                "real/archon_facilities-panorama-lg.mov",
            ),
            ("cube 3×3 tiles, 510² faces (CuTy)", "real/cuty_CuTy.mov"),
            (
                "cube 1800² faces (Panini)",
                "real/panini_OutsideSionHillCampus.mov",
            ),
            (
                "object, 320×240 frames (libquicktime)",
                "tools-made/libquicktime_object_12x3_jpeg.mov",
            ),
        ]
        .into_iter()
        .map(|(name, rel)| {
            let (_, pic, _, shot) = load(&dir.join(rel));
            let flat = matches!(shot, Shot::Flat { .. }).then_some(shot);
            (name, pic, flat)
        })
        .collect(),
        None => vec![
            ("made-up cylinder 5280×640", made_up(false, 5280, 640), None),
            ("made-up cube 1800² faces", made_up(true, 1800, 1800), None),
        ],
    };
    for (name, pic, flat) in pictures {
        let sizes = [[1280, 720], [1920, 1080], [3840, 2160]];
        for (size, ms) in frame_times(&gpu, pic, flat, &sizes, frames) {
            md += &format!("| {name} | {size} | {ms:.2} | {:.0} |\n", 1000.0 / ms);
        }
    }
    // Upload throughput.
    let cube = made_up(true, 1800, 1800);
    let mb = texture_mb(&cube);
    let mut best = Duration::MAX;
    let mut r = Renderer::new(&gpu);
    for _ in 0..3 {
        let pic = cube.clone();
        let t = Instant::now();
        r.set_picture(&gpu, pic, &[], UploadOptions::default())
            .expect("upload");
        gpu.device
            .poll(wgpu::PollType::wait_indefinitely())
            .expect("poll");
        best = best.min(t.elapsed());
    }
    drop(r);
    md += &format!(
        "\nUpload of a cube of six 1800² faces ({mb:.0} MB of texture with mips): {:.0} ms, {:.0} MB/s\n",
        best.as_secs_f64() * 1000.0,
        mb / best.as_secs_f64()
    );
    drop(gpu);
    let quick_exit = std::env::args().any(|a| a == "--frames-only");
    let movies: Vec<(PathBuf, String)> = match &dir {
        _ if quick_exit => Vec::new(),
        Some(dir) => {
            let mut movies: Vec<PathBuf> = Vec::new();
            for sub in ["real", "tools-made", "gen"] {
                if let Ok(rd) = std::fs::read_dir(dir.join(sub)) {
                    movies.extend(
                        rd.flatten()
                            .map(|e| e.path())
                            .filter(|p| p.extension().is_some_and(|e| e == "mov")),
                    );
                }
            }
            movies.sort();
            movies
                .into_iter()
                .map(|m| {
                    let name = m.strip_prefix(dir).unwrap_or(&m).display().to_string();
                    (m, name)
                })
                .collect()
        }
        None => {
            let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo.mov");
            vec![(demo, "(bundled demo)".to_string())]
        }
    };
    if !movies.is_empty() {
        md += "\n| movie | open → first frame (ms) | of which read + decode + assemble | ffmpeg decode of the track (ms) | ratio ffmpeg / ours |\n|---|---:|---:|---:|---:|\n";
    }
    for (m, name) in movies {
        let runs = if quick { 1 } else { 3 };
        let mut best = (Duration::MAX, Duration::MAX);
        for _ in 0..runs {
            let r = first_frame(&m);
            if r.0 < best.0 {
                best = r;
            }
        }
        let ff = video_index(&m).and_then(|i| ffmpeg_decode(&m, i));
        let (ffs, ratio) = match ff {
            Some(f) => (
                format!("{:.1}", f.as_secs_f64() * 1000.0),
                format!("{:.2}", f.as_secs_f64() / best.0.as_secs_f64()),
            ),
            None => ("—".into(), "—".into()),
        };
        md += &format!(
            "| {name} | {:.1} | {:.1} | {ffs} | {ratio} |\n",
            best.0.as_secs_f64() * 1000.0,
            best.1.as_secs_f64() * 1000.0
        );
    }
    println!("{md}");
    let _ = std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-render.md"),
        md,
    );
}
