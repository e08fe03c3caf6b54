//! Codecs without a decoder here, decoded by ffmpeg (docs/formats.md,
//! "Codecs"): tiles encoded by ffmpeg's own encoders (`mpeg4` with B-frames,
//! `h263` at its QCIF size, `libx264` where this ffmpeg has it) are written
//! with the project's writer into a cylindrical panorama and an object movie;
//! the tiles must come back as ffmpeg decodes them, in the right places, and
//! `qtvr render` must show the pictures. `qtvr info` marks the tracks; without
//! ffmpeg the warning says what to install; a fake ffmpeg that crashes or
//! hangs is an error for its track, never a hang.

mod common;
use common::succeeded as ok;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use image::{GrayImage, Luma, Rgb, RgbImage, RgbaImage};
use qtvr_format::container::build::raw_entry;
use qtvr_format::container::read_movie;
use qtvr_format::limits::Budget;
use qtvr_format::qtvr::scene::{HotspotId, NodeContent, NodeId, View};
use qtvr_format::qtvr::write::{
    CylinderSpec, EncodedImages, HotSpotAction, ObjectBehaviour, ObjectSpec, PanoLimits, Tour,
    TourContent, TourHotSpot, TourNode,
};
use qtvr_format::source::{ByteSource, FileSource, read_vec};
use qtvr_format::tiles::{DecodeOptions, Role, TileStatus, decode_track};

/// Tiles are QCIF (176×144), a size `h263` encodes: the cylinder is 6 strips
/// of 144 (stored turned, 176×144), the object's frames are 176×144.
const TILE: [u32; 2] = [176, 144];
const STRIPS: u32 = 6;
const PANO: [u32; 2] = [TILE[1] * STRIPS, TILE[0]];
const ROWS: u32 = 2;
const COLUMNS: u32 = 4;
/// The scaler flags the fallback uses, for ffmpeg's own reference decode.
const SCALE: &str = "scale=flags=bicubic+accurate_rnd+full_chroma_int,format=rgba";

const CYL: NodeId = NodeId(1);
const OBJ: NodeId = NodeId(2);

fn scratch(tag: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ffmpeg-fallback-{tag}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn have_ffmpeg() -> bool {
    qtvr_testkit::require_tool("ffmpeg", "ffmpeg")
}

fn has_encoder(name: &str) -> bool {
    let o = Command::new("ffmpeg")
        .args(["-hide_banner", "-encoders"])
        .output()
        .expect("run ffmpeg");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .any(|l| l.split_whitespace().nth(1) == Some(name))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A picture whose every region differs from every other: hue around the
/// panorama, a vertical ramp and a checker of 24-pixel squares.
fn panorama() -> RgbImage {
    let [w, h] = PANO;
    RgbImage::from_fn(w, h, |x, y| {
        let a = std::f32::consts::TAU * x as f32 / w as f32;
        let check = if (x / 24 + y / 24) % 2 == 0 {
            30.0
        } else {
            -30.0
        };
        let c = |v: f32| (v + check).clamp(0.0, 255.0) as u8;
        Rgb([
            c(128.0 + 90.0 * a.sin()),
            c(128.0 + 90.0 * (a + 2.1).sin()),
            c(40.0 + 170.0 * y as f32 / h as f32),
        ])
    })
}

/// Object frame `i`: its own colour and a bar whose place says which it is.
fn object_frame(i: u32) -> RgbImage {
    let [w, h] = TILE;
    RgbImage::from_fn(w, h, |x, y| {
        let bar = x / 20 == i;
        let base = [
            (i * 30 % 256) as u8,
            (200 - i * 20) as u8,
            (60 + i * 25) as u8,
        ];
        if bar {
            Rgb([255, 255, 255])
        } else {
            Rgb([
                base[0].saturating_add((y / 2) as u8),
                base[1],
                base[2].saturating_add((x / 4) as u8),
            ])
        }
    })
}

/// Strip `i` of `k` (0 = the right-most) turned 90° counter-clockwise, as
/// the writer stores a vertical cylinder's tiles.
fn rotated_strip(img: &RgbImage, k: u32, i: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    let s = w / k;
    RgbImage::from_fn(h, s, |x, y| *img.get_pixel(w - 1 - (i * s + y), x))
}

/// Encodes `frames` with ffmpeg (`codec` and its options) into `DIR/NAME.mov`.
fn encode(dir: &Path, name: &str, frames: &[RgbImage], codec: &[&str]) -> PathBuf {
    for (i, f) in frames.iter().enumerate() {
        f.save(dir.join(format!("{name}-{i:02}.png"))).unwrap();
    }
    let out = dir.join(format!("{name}.mov"));
    let o = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-framerate", "5", "-i"])
        .arg(dir.join(format!("{name}-%02d.png")))
        .arg("-c:v")
        .args(codec)
        .args(["-pix_fmt", "yuv420p"])
        .arg(&out)
        .output()
        .expect("run ffmpeg");
    ok(&o);
    out
}

/// The video track of a movie ffmpeg wrote, as samples for the writer: the
/// sample description entry as stored, the samples, sync samples and
/// composition offsets (in tiles of 60 units).
fn encoded(mov: &Path) -> EncodedImages {
    let src = FileSource::open(mov).unwrap();
    let m = read_movie(&src, &Budget::for_file(src.len())).unwrap();
    let t = m
        .tracks
        .iter()
        .find(|t| t.handler.0 == *b"vide")
        .expect("a video track");
    let d = &t.descriptions[0];
    let tick = t.samples[0].duration.max(1) as i64;
    EncodedImages {
        description: raw_entry(&d.format.0, &d.data),
        samples: t
            .samples
            .iter()
            .map(|s| read_vec(&src, s.offset, u64::from(s.size)).unwrap())
            .collect(),
        sync_samples: t.has_sync_table.then(|| {
            t.samples
                .iter()
                .enumerate()
                .filter(|(_, s)| s.is_sync)
                .map(|(i, _)| i as u32 + 1)
                .collect()
        }),
        composition_offsets: t
            .composition_offsets
            .iter()
            .map(|&o| (i64::from(o) * 60 / tick) as i32)
            .collect(),
    }
}

/// ffmpeg's own decode of a movie's video, RGBA frames with the fallback's scaler.
fn reference(mov: &Path, [w, h]: [u32; 2]) -> Vec<RgbaImage> {
    let o = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(mov)
        .args(["-map", "0:v:0", "-vf", SCALE, "-fps_mode", "passthrough"])
        .args(["-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"])
        .output()
        .expect("run ffmpeg");
    ok(&o);
    let n = (w * h * 4) as usize;
    assert_eq!(o.stdout.len() % n, 0);
    o.stdout
        .chunks_exact(n)
        .map(|c| RgbaImage::from_raw(w, h, c.to_vec()).unwrap())
        .collect()
}

/// Peak signal to noise ratio of two RGB(A) pictures' colour channels.
fn psnr(a: &[u8], a_channels: usize, b: &[u8], b_channels: usize) -> f64 {
    let pixels = a.len() / a_channels;
    assert_eq!(pixels, b.len() / b_channels);
    let mut se = 0.0f64;
    for p in 0..pixels {
        for c in 0..3 {
            let d = f64::from(a[p * a_channels + c]) - f64::from(b[p * b_channels + c]);
            se += d * d;
        }
    }
    let mse = se / (pixels * 3) as f64;
    if mse == 0.0 {
        99.0
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

fn max_diff(a: &[u8], b: &[u8]) -> u8 {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.abs_diff(*y))
        .max()
        .unwrap_or(0)
}

fn limits() -> PanoLimits {
    PanoLimits {
        pan: [0.0, 360.0],
        tilt: [-25.0, 25.0],
        fov: [10.0, 50.0],
        default: View {
            pan: 0.0,
            tilt: 0.0,
            fov: 40.0,
        },
    }
}

/// A hot spot map for the cylinder (rle, decoded natively): one spot.
fn hotspot_map() -> GrayImage {
    GrayImage::from_fn(PANO[0], PANO[1], |x, y| {
        Luma([u8::from((100..200).contains(&x) && (50..100).contains(&y)) * 3])
    })
}

/// The two-node tour: the cylinder (with a hot spot map) and the object.
fn tour(with_hotspots: bool) -> Tour {
    let cylinder = TourNode {
        id: CYL,
        name: Some("Pano".into()),
        content: TourContent::Cylinder(CylinderSpec {
            image: panorama(),
            tiles: STRIPS,
            hotspots: with_hotspots.then(hotspot_map),
            limits: limits(),
        }),
        hotspots: if with_hotspots {
            vec![TourHotSpot {
                id: HotspotId(3),
                name: None,
                best_view: None,
                rect: None,
                action: HotSpotAction::Undefined,
            }]
        } else {
            Vec::new()
        },
    };
    let object = TourNode {
        id: OBJ,
        name: Some("Thing".into()),
        content: TourContent::Object(ObjectSpec {
            frames: (0..ROWS * COLUMNS).map(object_frame).collect(),
            rows: ROWS,
            columns: COLUMNS,
            pan: [0.0, 360.0],
            tilt: [30.0, -30.0],
            fov: [16.0, 64.0],
            default: View {
                pan: 0.0,
                tilt: 30.0,
                fov: 64.0,
            },
            hotspots: Vec::new(),
            behaviour: ObjectBehaviour::default(),
        }),
        hotspots: Vec::new(),
    };
    Tour {
        name: None,
        default_node: CYL,
        nodes: vec![cylinder, object],
        jpeg_quality: 95,
    }
}

/// The source tiles: the cylinder's turned strips and the object's frames.
fn source_tiles() -> (Vec<RgbImage>, Vec<RgbImage>) {
    let pano = panorama();
    let strips = (0..STRIPS)
        .map(|i| rotated_strip(&pano, STRIPS, i))
        .collect();
    let frames = (0..ROWS * COLUMNS).map(object_frame).collect();
    (strips, frames)
}

struct Made {
    dir: PathBuf,
    /// The tour with ffmpeg-encoded image tracks.
    movie: PathBuf,
    /// The same tour with JPEG tiles (quality 95).
    jpeg: PathBuf,
    strips_mov: PathBuf,
    frames_mov: PathBuf,
}

/// Encodes the tiles with `codec` and writes the tours.
fn make(tag: &str, codec: &[&str]) -> Made {
    let dir = scratch(tag);
    let (strips, frames) = source_tiles();
    let strips_mov = encode(&dir, "strips", &strips, codec);
    let frames_mov = encode(&dir, "frames", &frames, codec);
    let t = tour(true);
    let bytes = t
        .write_encoded(&[(CYL, encoded(&strips_mov)), (OBJ, encoded(&frames_mov))])
        .unwrap();
    let movie = dir.join("tour.mov");
    std::fs::write(&movie, bytes).unwrap();
    let jpeg = dir.join("jpeg.mov");
    std::fs::write(&jpeg, t.write().unwrap()).unwrap();
    Made {
        dir,
        movie,
        jpeg,
        strips_mov,
        frames_mov,
    }
}

fn qtvr(args: &[&str], ffmpeg: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_qtvr"));
    c.args(args);
    match ffmpeg {
        Some(f) => c.env("QTVR_FFMPEG", f),
        None => c.env_remove("QTVR_FFMPEG"),
    };
    c.output().expect("run qtvr")
}

fn rgba(p: &Path) -> RgbaImage {
    image::open(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .to_rgba8()
}

/// Every tile of the tour's image tracks decodes through ffmpeg as ffmpeg
/// decodes the movie it came from, each in its place.
fn check_tiles(made: &Made) {
    let src = FileSource::open(&made.movie).unwrap();
    let loaded = qtvr_format::qtvr::load(&src).unwrap();
    let scene = loaded.scene.as_ref().unwrap();
    assert!(scene.warnings.is_empty(), "{:?}", scene.warnings);
    let (strips, frames) = source_tiles();
    for (node, source, mov) in [
        (CYL, &strips, &made.strips_mov),
        (OBJ, &frames, &made.frames_mov),
    ] {
        let n = scene.node(node).unwrap();
        let u = match &n.content {
            NodeContent::Panorama(p) => &p.image_track,
            NodeContent::Object(o) => &o.image_track,
        };
        let track = loaded
            .movie
            .tracks
            .iter()
            .find(|t| t.id == u.track_id)
            .unwrap();
        let (w, h) = source[0].dimensions();
        let want = reference(mov, [w, h]);
        assert_eq!(want.len(), source.len(), "{}", mov.display());
        // All at once (one run), then one at a time from the end (runs that
        // start at a sync sample and go on until the pictures are complete).
        let all: Vec<usize> = (0..source.len()).collect();
        let d = decode_track(&src, track, &all, Role::Image, &DecodeOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", made.movie.display()));
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        let mut singles = Vec::new();
        for s in all.iter().rev() {
            let one = decode_track(&src, track, &[*s], Role::Image, &DecodeOptions::default())
                .unwrap_or_else(|e| panic!("{}: sample {s}: {e}", made.movie.display()));
            singles.push(one.tiles.into_iter().next().unwrap());
        }
        singles.reverse();
        for (k, (tile, single)) in d.tiles.iter().zip(&singles).enumerate() {
            assert_eq!(tile.sample, k);
            assert_eq!(tile.status, TileStatus::Decoded);
            assert_eq!((tile.frame.width, tile.frame.height), (w, h));
            let m = max_diff(&tile.frame.data, want[k].as_raw());
            assert!(
                m <= 2,
                "track {} tile {k}: {m} from ffmpeg's own decode",
                track.id
            );
            let m = max_diff(&single.frame.data, want[k].as_raw());
            assert!(
                m <= 2,
                "track {} tile {k} alone: {m} from ffmpeg's decode",
                track.id
            );
            // And it is the picture it was made from, not another one.
            let scores: Vec<f64> = source
                .iter()
                .map(|s| psnr(&tile.frame.data, 4, s.as_raw(), 3))
                .collect();
            let best = scores
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .unwrap()
                .0;
            assert_eq!(best, k, "track {} tile {k}: {scores:?}", track.id);
            assert!(scores[k] > 28.0, "track {} tile {k}: {scores:?}", track.id);
        }
    }
}

/// `qtvr render` of the panorama matches the JPEG tour's; the object's views
/// at their own size are their frames; the notes name ffmpeg.
fn check_renders(made: &Made) {
    let movie = made.movie.to_str().unwrap();
    let view = made.dir.join("view.png");
    let jpeg_view = made.dir.join("jpeg-view.png");
    let args = |m: &str, out: &Path| -> Vec<String> {
        [
            "render", m, "--pan", "100", "--tilt", "5", "--fov", "40", "--size", "320x240", "-o",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([out.to_str().unwrap().to_string()])
        .collect()
    };
    let a = args(movie, &view);
    let o = qtvr(&a.iter().map(String::as_str).collect::<Vec<_>>(), None);
    ok(&o);
    assert!(
        stderr(&o).contains("is decoded by ffmpeg"),
        "{}",
        stderr(&o)
    );
    let a = args(made.jpeg.to_str().unwrap(), &jpeg_view);
    ok(&qtvr(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    ));
    let (x, y) = (rgba(&view), rgba(&jpeg_view));
    let p = psnr(x.as_raw(), 4, y.as_raw(), 4);
    assert!(p > 28.0, "panorama view: {p:.1} dB from the JPEG tour's");
    // Object views at the frame's own size and widest field of view: 1:1.
    let frames: Vec<RgbImage> = (0..ROWS * COLUMNS).map(object_frame).collect();
    for (row, column) in [(1, 3), (0, 1)] {
        let out = made.dir.join(format!("object-{row}-{column}.png"));
        let o = qtvr(
            &[
                "render",
                movie,
                "--node",
                "2",
                "--row",
                &row.to_string(),
                "--column",
                &column.to_string(),
                "--size",
                "176x144",
                "-o",
                out.to_str().unwrap(),
            ],
            None,
        );
        ok(&o);
        let got = rgba(&out);
        let k = (row * COLUMNS + column) as usize;
        let scores: Vec<f64> = frames
            .iter()
            .map(|f| psnr(got.as_raw(), 4, f.as_raw(), 3))
            .collect();
        let best = scores
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        assert_eq!(best, k, "row {row} column {column}: {scores:?}");
        assert!(scores[k] > 26.0, "row {row} column {column}: {scores:?}");
    }
}

fn run_codec(tag: &str, codec: &[&str]) {
    if !have_ffmpeg() {
        return;
    }
    let made = make(tag, codec);
    check_tiles(&made);
    check_renders(&made);
}

#[test]
fn mpeg4_with_b_frames_is_decoded_by_ffmpeg() {
    run_codec("mpeg4", &["mpeg4", "-q:v", "2", "-bf", "2", "-g", "100"]);
}

#[test]
fn h263_is_decoded_by_ffmpeg() {
    run_codec("h263", &["h263", "-q:v", "2"]);
}

#[test]
fn h264_is_decoded_by_ffmpeg_where_libx264_is_present() {
    if !have_ffmpeg() {
        return;
    }
    if !has_encoder("libx264") {
        // Debian's ffmpeg (what CI installs) has it: under CI=true this fails.
        qtvr_testkit::skip("this ffmpeg has no libx264 encoder");
        return;
    }
    run_codec("h264", &["libx264", "-crf", "12", "-preset", "veryfast"]);
}

#[test]
fn info_marks_the_tracks_and_without_ffmpeg_says_what_to_install() {
    if !have_ffmpeg() {
        return;
    }
    let made = make("info", &["mpeg4", "-q:v", "3"]);
    let movie = made.movie.to_str().unwrap();
    let o = qtvr(&["info", movie], None);
    ok(&o);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        text.contains(
            "image track 4 'mp4v', samples 1..6 (6), 176x144 depth 24 (decoded by ffmpeg)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "track 4 'vide' (disabled): 6 samples, codec 'mp4v', depth 24 — decoded by ffmpeg"
        ),
        "{text}"
    );
    let o = qtvr(&["info", "--json", movie], None);
    ok(&o);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let decoders: Vec<(u64, String)> = json["quicktime"]["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| Some((t["id"].as_u64()?, t["decoder"].as_str()?.to_string())))
        .collect();
    assert!(decoders.contains(&(4, "ffmpeg".into())), "{decoders:?}");
    assert!(decoders.contains(&(5, "native".into())), "{decoders:?}");

    // Without ffmpeg (QTVR_FFMPEG set but empty).
    let o = qtvr(&["info", movie], Some(""));
    ok(&o);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(text.contains("(needs ffmpeg, not found)"), "{text}");
    assert!(
        text.contains("codec 'mp4v' needs ffmpeg (not found; install it or set QTVR_FFMPEG): shown as a grey checkerboard"),
        "{text}"
    );
    let o = qtvr(&["info", "--json", movie], Some(""));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["quicktime"]["tracks"][3]["decoder"], "needs ffmpeg");
    let out = made.dir.join("none.png");
    let o = qtvr(&["render", movie, "-o", out.to_str().unwrap()], Some(""));
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(
            "no tile of track 4 could be decoded: codec 'mp4v' is not supported without ffmpeg; install ffmpeg (or set QTVR_FFMPEG) to show it"
        ),
        "{}",
        stderr(&o)
    );
    // Exporting tiles: the checkerboards are written, the warning says why.
    let tiles = made.dir.join("tiles-none");
    let o = qtvr(
        &[
            "export",
            movie,
            "--to",
            "tiles",
            "-o",
            tiles.to_str().unwrap(),
        ],
        Some(""),
    );
    ok(&o);
    assert!(
        stderr(&o).contains("warning: track 4: codec 'mp4v' is not supported without ffmpeg; install ffmpeg (or set QTVR_FFMPEG) to show it; its 6 sample(s) show as a grey checkerboard"),
        "{}",
        stderr(&o)
    );
}

/// A fake ffmpeg (a shell script) in the scratch folder.
#[cfg(unix)]
fn fake(dir: &Path, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt as _;
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p.to_string_lossy().into_owned()
}

#[cfg(unix)]
#[test]
fn a_crashing_or_hanging_ffmpeg_is_an_error_for_its_track_only() {
    // The movie needs no real ffmpeg: any codec without a decoder here will do.
    let dir = scratch("fake");
    let mut t = tour(true);
    t.nodes.truncate(1);
    let mut images = EncodedImages {
        description: qtvr_format::container::build::video_entry(
            b"IV50",
            TILE[0] as u16,
            TILE[1] as u16,
            24,
            None,
        ),
        samples: vec![vec![1, 2, 3]; STRIPS as usize],
        ..Default::default()
    };
    images.sync_samples = None;
    let movie = dir.join("iv50.mov");
    std::fs::write(&movie, t.write_encoded(&[(CYL, images)]).unwrap()).unwrap();
    let movie = movie.to_str().unwrap();

    let crash = fake(&dir, "crash", "echo 'IV50: no decoder' >&2\nexit 3");
    let out = dir.join("view.png");
    let o = qtvr(
        &["render", movie, "-o", out.to_str().unwrap()],
        Some(&crash),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "track 4: ffmpeg ({crash}) could not decode codec 'IV50': it failed (exit code 3): IV50: no decoder"
        )),
        "{}",
        stderr(&o)
    );
    // Exporting tiles: the hot spot track is still written, the image track's
    // failure is a warning.
    let tiles = dir.join("tiles");
    let o = qtvr(
        &[
            "export",
            movie,
            "--to",
            "tiles",
            "-o",
            tiles.to_str().unwrap(),
        ],
        Some(&crash),
    );
    ok(&o);
    assert!(
        stderr(&o).contains("warning: track 4: ffmpeg (")
            && stderr(&o).contains("0 of its 6 tiles were written"),
        "{}",
        stderr(&o)
    );
    let written = std::fs::read_dir(&tiles).unwrap().count();
    assert_eq!(written, STRIPS as usize, "the hot spot tiles");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("(6 damaged or undecodable"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );

    // A hanging ffmpeg: stopped at the time limit (10 s + 100 ms a sample).
    let hang = fake(&dir, "hang", "sleep 60");
    let started = Instant::now();
    let o = qtvr(&["render", movie, "-o", out.to_str().unwrap()], Some(&hang));
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("it ran longer than 10.6 s for 6 sample(s) and was stopped"),
        "{}",
        stderr(&o)
    );
    assert!(took < Duration::from_secs(30), "{took:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The window's viewer turning an object whose frames ffmpeg decodes: the
/// decoding happens on loader threads (as the shell runs them), never in the
/// viewer's event handling. On arrival every view is asked for in one
/// request; a turn before they are in keeps the picture shown (no decode, no
/// upload); once in, the view turned to shows ffmpeg's decode of its frame,
/// and further turns come from the cache at once.
#[test]
fn the_viewer_decodes_ffmpeg_object_views_in_the_background() {
    use qtvr::viewer::load::{self, LoadEvent, Origin};
    use qtvr::viewer::{Effect, Host, Input, KeyName, KeyPress, NamedKey, Options, Report, Viewer};
    use std::sync::mpsc;

    if !have_ffmpeg() {
        return;
    }
    struct NoHost;
    impl Host for NoHost {
        fn hotspot_at(&self, _: &qtvr::view::Shot, _: [u32; 2], _: [f64; 2]) -> Option<HotspotId> {
            None
        }
        fn fullscreen(&self) -> bool {
            false
        }
    }
    let made = make("viewer", &["mpeg4", "-q:v", "2", "-bf", "2", "-g", "100"]);
    let frames = reference(&made.frames_mov, TILE);
    let (tx, rx) = mpsc::channel::<LoadEvent>();
    // Carries out the load effects as the shell does (threads), keeping the
    // uploads and the views asked for.
    let run = |fx: Vec<Effect>, uploads: &mut Vec<Vec<u8>>, asked: &mut Vec<usize>| {
        for e in fx {
            let tx = tx.clone();
            let send = move |e| {
                let _ = tx.send(e);
            };
            match e {
                Effect::Open {
                    generation,
                    origin,
                    node,
                } => load::open(generation, origin, node, Default::default(), send),
                Effect::LoadNode {
                    generation,
                    movie,
                    node,
                    object_view,
                } => load::load_node(
                    generation,
                    movie,
                    node,
                    object_view,
                    Default::default(),
                    send,
                ),
                Effect::DecodeViews {
                    generation,
                    movie,
                    node,
                    views,
                } => {
                    asked.push(views.len());
                    load::decode_views(generation, movie, node, views, Default::default(), send)
                }
                Effect::Upload { picture, .. } => {
                    uploads.push(picture.surfaces[0].image.rgba().into_owned())
                }
                _ => {}
            }
        }
    };
    let now = Instant::now();
    let mut v = Viewer::new(
        Options {
            view: [None; 3],
            drag: qtvr::view::nav::DragMode::Continuous,
            report_state: true,
            motion: qtvr::viewer::quality::MotionSetting::Auto,
        },
        now,
    );
    let host = NoHost;
    let (mut uploads, mut asked) = (Vec::new(), Vec::new());
    let fx = v.handle(
        now,
        Input::Resized {
            size: [640, 480],
            scale: 1.0,
        },
        &host,
    );
    run(fx, &mut uploads, &mut asked);
    let fx = v.handle(
        now,
        Input::Open {
            origin: Origin::File(made.movie.clone()),
            node: Some(OBJ),
        },
        &host,
    );
    run(fx, &mut uploads, &mut asked);
    let next = || {
        rx.recv_timeout(Duration::from_secs(120))
            .expect("a loader answers")
    };
    // Opened, then the arrival picture (decoded by ffmpeg on the loader).
    let mut views_event = None;
    while uploads.is_empty() {
        let e = next();
        if matches!(e, LoadEvent::Views { .. }) {
            views_event = Some(e);
            continue;
        }
        let fx = v.handle(now, Input::Load(e), &host);
        run(fx, &mut uploads, &mut asked);
    }
    assert_eq!(
        asked,
        vec![(ROWS * COLUMNS) as usize],
        "every view asked for at once"
    );
    let at = |v: &mut Viewer| {
        let fx = v.handle(now, Input::ReportState, &host);
        fx.into_iter()
            .find_map(|e| match e {
                Effect::Report(Report::State { view, .. }) => {
                    Some(view.row.unwrap() * COLUMNS + view.column.unwrap())
                }
                _ => None,
            })
            .expect("a state report")
    };
    let first = at(&mut v);
    let key = |v: &mut Viewer, down| {
        v.handle(
            now,
            Input::Key(KeyPress {
                key: KeyName::Named(NamedKey::Right),
                code: None,
                down,
                repeat: false,
            }),
            &host,
        )
    };
    // A turn while the views are being decoded: nothing decoded here.
    let (before, before_asked) = (uploads.len(), asked.len());
    let mut fx = key(&mut v, true);
    fx.extend(key(&mut v, false));
    run(fx, &mut uploads, &mut asked);
    let turned = at(&mut v);
    assert_ne!(turned, first, "the key turned the object");
    assert_eq!(
        uploads.len(),
        before,
        "no frame decoded in the event handling"
    );
    assert_eq!(
        asked.len(),
        before_asked,
        "nothing more asked while all are coming"
    );
    // The views arrive: the view turned to shows its frame as ffmpeg decodes it.
    let e = views_event.unwrap_or_else(|| {
        loop {
            let e = next();
            if matches!(e, LoadEvent::Views { .. }) {
                break e;
            }
        }
    });
    let fx = v.handle(now, Input::Load(e), &host);
    run(fx, &mut uploads, &mut asked);
    assert_eq!(uploads.len(), before + 1, "the turned view is shown");
    let shown = uploads.last().unwrap();
    let diff = |i: usize| max_diff(shown, frames[i].as_raw());
    assert!(
        diff(turned as usize) <= 2,
        "view {turned}: max difference {} from ffmpeg's frame",
        diff(turned as usize)
    );
    // Later turns: from the cache, at once, nothing asked.
    let mut fx = key(&mut v, true);
    fx.extend(key(&mut v, false));
    run(fx, &mut uploads, &mut asked);
    let again = at(&mut v);
    assert_ne!(again, turned);
    assert_eq!(uploads.len(), before + 2);
    assert_eq!(asked.len(), before_asked);
    assert!(max_diff(uploads.last().unwrap(), frames[again as usize].as_raw()) <= 2);
}
