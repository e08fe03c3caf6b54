//! The `qtvr` command.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use qtvr_format::qtvr::NodeId;

/// QuickTime VR movies: look around in them, look inside them, convert them.
///
/// `qtvr FILE` opens the viewer window; `qtvr` alone opens the bundled demo.
#[derive(Parser)]
#[command(name = "qtvr", version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    view: ViewArgs,
    /// A reference movie's alternate to open (1-based, as `info` lists them;
    /// default: the best one that is here).
    #[arg(long, global = true, value_parser = clap::value_parser!(u32).range(1..))]
    alternate: Option<u32>,
    /// Most decoded pixels a node may hold (its frames, picture and
    /// textures), in MB: a movie whose claims need more is refused before
    /// anything is decoded. `convert` holds its running conversions to it
    /// together.
    #[arg(long, global = true, value_name = "MB", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..=(1 << 24)))]
    max_memory: u64,
    /// Longest one decode may take, in seconds, before it is abandoned with
    /// a message: each of the viewer's loads (default 30), each node of
    /// `render`, `export` and `convert` (default: no limit).
    #[arg(long, global = true, value_name = "SECONDS",
          value_parser = parse_seconds)]
    decode_timeout: Option<std::time::Duration>,
}

/// A positive number of seconds.
fn parse_seconds(s: &str) -> Result<std::time::Duration, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 1e9 => Ok(std::time::Duration::from_secs_f64(v)),
        _ => Err(format!("{s:?} is not a number of seconds above 0")),
    }
}

/// `--alternate`, as `main` read it (0-based).
static ALTERNATE: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();

/// A view's angles (the node's defaults where not given).
#[derive(clap::Args)]
struct Angles {
    /// Pan in degrees (objects: the column showing this pan).
    #[arg(long, allow_hyphen_values = true)]
    pan: Option<f32>,
    /// Tilt in degrees (objects: the row showing this tilt).
    #[arg(long, allow_hyphen_values = true)]
    tilt: Option<f32>,
    /// Vertical field of view in degrees.
    #[arg(long)]
    fov: Option<f32>,
}

/// The viewer window's options.
#[derive(clap::Args)]
struct ViewArgs {
    /// The movie to open (default: the bundled demo).
    file: Option<PathBuf>,
    /// Node ID to start at (default: the movie's default node).
    #[arg(long)]
    node: Option<u32>,
    #[command(flatten)]
    angles: Angles,
    /// Window size in logical pixels.
    #[arg(long, default_value = "1024x768", value_parser = qtvr::cli::render::parse_size)]
    size: [u32; 2],
    /// Start in fullscreen.
    #[arg(long)]
    fullscreen: bool,
    /// Dragging grabs the picture instead of turning continuously (G switches).
    #[arg(long)]
    grab: bool,
    /// Print the view as a JSON line on stdout whenever it comes to rest (for
    /// scripts and tests).
    #[arg(long)]
    report_state: bool,
    /// The resolution of moving frames: `auto` (lowered while frames are
    /// slower than 1/60 s, full again at rest), `full`, or a fraction such
    /// as `0.5`.
    #[arg(long, default_value = "auto", value_parser = qtvr::viewer::quality::MotionSetting::parse)]
    motion_quality: qtvr::viewer::quality::MotionSetting,
}

#[derive(Subcommand)]
enum Command {
    /// Print a movie's nodes, panoramas, objects, hot spots and tracks.
    Info {
        /// The movie file.
        file: PathBuf,
        /// Print JSON (schema in docs/cli.md) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Render one view offscreen (the same renderer as the window) to a PNG or JPEG.
    Render {
        /// The movie file.
        file: PathBuf,
        /// Node ID (default: the movie's default node).
        #[arg(long)]
        node: Option<u32>,
        #[command(flatten)]
        angles: Angles,
        /// Object movies: row (0 = top).
        #[arg(long)]
        row: Option<u32>,
        /// Object movies: column.
        #[arg(long)]
        column: Option<u32>,
        /// Object movies: view state (0-based).
        #[arg(long)]
        state: Option<u32>,
        /// Object movies: animation frame (0-based).
        #[arg(long)]
        frame: Option<u32>,
        /// Picture size.
        #[arg(long, default_value = "1024x768", value_parser = qtvr::cli::render::parse_size)]
        size: [u32; 2],
        /// Overlay the hot spot regions.
        #[arg(long)]
        hotspots: bool,
        /// Draw the view as the window draws it while moving: at this
        /// fraction of the size (0.2 to 1), scaled up.
        #[arg(long, value_parser = parse_motion_scale)]
        motion_scale: Option<f32>,
        /// Output file (.png, .jpg or .jpeg).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Write a movie's content to image files.
    Export {
        /// The movie file.
        file: PathBuf,
        /// What to write.
        #[arg(long, value_enum)]
        to: ExportKind,
        /// Node ID for panorama, equirect, cubemap and sound (default: the movie's default
        /// node; for sound, the whole movie's sound).
        #[arg(long)]
        node: Option<u32>,
        /// Equirect: width in pixels (height = width / 2; default: the panorama's own resolution).
        #[arg(long)]
        width: Option<u32>,
        /// Cubemap: face size in pixels (default: the panorama's own resolution).
        #[arg(long)]
        size: Option<u32>,
        /// Web and pannellum: replace an existing non-empty output folder.
        #[arg(long)]
        force: bool,
        /// Output: a folder for `tiles`, `web` and `pannellum`; a .png/.jpg file for `panorama` and
        /// `equirect`; a .wav file for `sound`; for `cubemap`, NAME.png gives NAME_front.png, NAME_right.png,
        /// NAME_back.png, NAME_left.png, NAME_top.png and NAME_bottom.png.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Convert every QuickTime VR movie in folders, zip files and disc images.
    ///
    /// Files are recognised by content (old Mac files have no extensions);
    /// Mac wrappers and AppleDouble files (also `__MACOSX/` in zips) are
    /// read. The input's folder structure is kept in OUTDIR, which also gets
    /// `index.html` (a gallery) and `report.json` (every file looked at). A
    /// second run skips what is already converted. Exit code 0: every movie
    /// converted; 2: some failed (or Ctrl+C stopped the run); 1: nothing
    /// could be read.
    Convert {
        /// Files, folders, zip files and disc images.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The output folder.
        #[arg(short, long)]
        output: PathBuf,
        /// What each movie becomes.
        #[arg(long, value_enum, default_value = "web")]
        to: ConvertKind,
        /// Movies converted at once (default: the number of CPUs).
        #[arg(long)]
        jobs: Option<usize>,
        /// Convert again what an earlier run converted.
        #[arg(long)]
        force: bool,
        /// Only every N-th movie, starting with the I-th (`I/N`), to share a
        /// large archive between machines.
        #[arg(long, value_parser = qtvr::cli::convert::parse_shard)]
        shard: Option<(usize, usize)>,
    },
    /// List the QuickTime movies inside a disc image.
    ///
    /// HFS, HFS+, Apple partition maps, ISO 9660 and hybrid ISO 9660 + HFS
    /// CD-ROMs: one movie per line, its path (`IMAGE//Folder/Movie`, which
    /// every command accepts; `:` stands for a `/` in a name), data fork size
    /// in bytes and kind, separated by tabs.
    Ls {
        /// The disc image.
        image: PathBuf,
        /// Print JSON (schema in docs/cli.md) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Register the viewer with the desktop for the current user: a menu
    /// entry, an icon and the default application for QuickTime movies
    /// (.mov, .qt, .qtvr).
    InstallDesktop,
    /// Undo `install-desktop`.
    UninstallDesktop,
}

#[derive(Clone, Copy, ValueEnum)]
enum ConvertKind {
    /// The web player (`export --to web`).
    Web,
    /// A Pannellum tour.
    Pannellum,
    /// An equirectangular JPEG of the default node.
    Equirect,
    /// Six cube-face JPEGs of the default node.
    Cubemap,
    /// Every decoded tile as PNG.
    Tiles,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportKind {
    /// Every decoded tile of every image and hot spot track, as PNG files named
    /// `track<ID>-sample<N>.png` (hot spot tiles as 8-bit indexed PNGs).
    Tiles,
    /// The upright cylinder image of a cylindrical panorama.
    Panorama,
    /// An equirectangular (2:1) image of the whole sphere, for modern viewers.
    Equirect,
    /// Six cube faces: front, right, back, left, top, bottom.
    Cubemap,
    /// A self-contained web player folder (open its index.html): every node,
    /// hot spot, link and object movie (docs/web.md).
    Web,
    /// A Pannellum tour configuration with its pictures (docs/web.md).
    Pannellum,
    /// A WAV file: the sound of `--node`, or the movie's sound without it.
    Sound,
}

impl Command {
    /// Whether the command draws with the GPU (the viewer does too).
    fn draws(&self) -> bool {
        match self {
            Command::Render { .. } | Command::Convert { .. } => true,
            Command::Export { to, .. } => matches!(
                to,
                ExportKind::Equirect | ExportKind::Cubemap | ExportKind::Pannellum
            ),
            _ => false,
        }
    }
}

/// `--motion-scale`: a fraction of the resolution, as `--motion-quality` takes it.
fn parse_motion_scale(s: &str) -> Result<f32, String> {
    match qtvr::viewer::quality::MotionSetting::parse(s)? {
        qtvr::viewer::quality::MotionSetting::Fixed(f) => Ok(f),
        _ => Err(format!("`{s}` is not a fraction from 0.2 to 1")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = ALTERNATE.set(cli.alternate.map(|n| n as usize - 1));
    qtvr::budget::set_memory(cli.max_memory << 20);
    if let Some(t) = cli.decode_timeout {
        qtvr::budget::set_decode_time(t);
    }
    if cli.command.as_ref().is_none_or(Command::draws) {
        quiet_device_select();
    }
    qtvr::timeline::mark("started");
    match cli.command {
        Some(Command::Info { file, json }) => info(&file, json),
        Some(Command::Export {
            file,
            to: ExportKind::Tiles,
            output,
            ..
        }) => export_tiles(&file, &output),
        Some(Command::Export {
            file,
            to: ExportKind::Web,
            node,
            output,
            force,
            ..
        }) => export_web(&file, node.map(NodeId), &output, force),
        Some(Command::Export {
            file,
            to: ExportKind::Pannellum,
            output,
            force,
            ..
        }) => with_scene(&file, |src, loaded, scene| {
            qtvr::web::pannellum::export_to(src, &loaded.movie, scene, &output, force)
        }),
        Some(Command::Export {
            file,
            to: ExportKind::Sound,
            node,
            output,
            ..
        }) => with_scene(&file, |src, loaded, scene| {
            qtvr::cli::sound::export_sound(src, &loaded.movie, scene, node.map(NodeId), &output)
        }),
        Some(Command::Export {
            file,
            to,
            node,
            width,
            size,
            output,
            ..
        }) => {
            use qtvr::cli::render::PanoramaExport as P;
            let what = match to {
                ExportKind::Panorama => P::Panorama,
                ExportKind::Equirect => P::Equirect { width },
                _ => P::Cubemap { size },
            };
            with_scene(&file, |src, loaded, scene| {
                qtvr::cli::render::export_panorama(
                    src,
                    &loaded.movie,
                    scene,
                    node.map(NodeId),
                    what,
                    &output,
                )
            })
        }
        Some(Command::Render {
            file,
            node,
            angles: Angles { pan, tilt, fov },
            row,
            column,
            state,
            frame,
            size,
            hotspots,
            motion_scale,
            output,
        }) => {
            let req = qtvr::cli::render::RenderRequest {
                node: node.map(NodeId),
                pan,
                tilt,
                fov,
                row,
                column,
                state,
                frame,
                size,
                hotspots,
                motion_scale,
            };
            with_scene(&file, |src, loaded, scene| {
                qtvr::cli::render::render(src, &loaded.movie, scene, &req, &output)
            })
        }
        Some(Command::Ls { image, json }) => ls(&image, json),
        Some(Command::Convert {
            inputs,
            output,
            to,
            jobs,
            force,
            shard,
        }) => {
            use qtvr::convert::run::{Options, Target};
            let opts = Options {
                inputs,
                out: output,
                to: match to {
                    ConvertKind::Web => Target::Web,
                    ConvertKind::Pannellum => Target::Pannellum,
                    ConvertKind::Equirect => Target::Equirect,
                    ConvertKind::Cubemap => Target::Cubemap,
                    ConvertKind::Tiles => Target::Tiles,
                },
                jobs: jobs
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
                force,
                shard,
                budget: cli.max_memory << 20,
            };
            ExitCode::from(qtvr::cli::convert::convert(&opts))
        }
        Some(Command::InstallDesktop) => desktop(true),
        Some(Command::UninstallDesktop) => desktop(false),
        None => view(cli.view),
    }
}

/// `qtvr ls IMAGE`.
fn ls(image: &Path, json: bool) -> ExitCode {
    match qtvr::cli::ls::list(image) {
        Ok(l) => {
            for w in &l.warnings {
                eprintln!("qtvr: {}: warning: {w}", image.display());
            }
            if json {
                println!("{}", qtvr::cli::ls::to_json(&l));
            } else {
                print!("{}", qtvr::cli::ls::to_text(&l));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("qtvr: {e}");
            ExitCode::from(1)
        }
    }
}

/// The viewer window.
fn view(a: ViewArgs) -> ExitCode {
    // A disc image: its only QTVR movie; several: the window opens the
    // image and offers them in its chooser; none: why not (exit 2).
    let file = match a.file.as_deref().map(qtvr::cli::ls::pick) {
        Some(qtvr::cli::ls::Pick::Movie(p)) => Some(p),
        Some(qtvr::cli::ls::Pick::Choose { qtvr: 0, message }) => {
            eprintln!("qtvr: {message}");
            return ExitCode::from(2);
        }
        _ => a.file,
    };
    // `--alternate N` of a reference movie: open that alternate's file.
    let file = match (file, ALTERNATE.get().copied().flatten()) {
        (Some(f), Some(n)) => match qtvr_format::qtvr::open_alternate(&f, Some(n)) {
            Ok((_, loaded)) => match loaded.references.first() {
                Some(r) => r.found[r.chosen].clone().map(PathBuf::from).or(Some(f)),
                None => Some(f),
            },
            Err(e) => {
                eprintln!("qtvr: {}: {e}", f.display());
                return ExitCode::from(1);
            }
        },
        (f, _) => f,
    };
    let origin = match file {
        Some(f) => qtvr::app::load::Origin::File(f),
        None => qtvr::app::load::Origin::Bundled("demo.mov", qtvr::app::DEMO),
    };
    let opts = qtvr::app::Options {
        origin,
        node: a.node.map(NodeId),
        view: [a.angles.pan, a.angles.tilt, a.angles.fov],
        size: a.size,
        fullscreen: a.fullscreen,
        drag: if a.grab {
            qtvr::view::nav::DragMode::Grab
        } else {
            qtvr::view::nav::DragMode::Continuous
        },
        report_state: a.report_state,
        motion: a.motion_quality,
    };
    match qtvr::app::run(opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("qtvr: {e}");
            ExitCode::from(1)
        }
    }
}

fn desktop(install: bool) -> ExitCode {
    use qtvr::cli::desktop;
    let result = desktop::Dirs::from_env().and_then(|dirs| {
        if install {
            let exe = std::env::current_exe()
                .and_then(|p| p.canonicalize())
                .map_err(|e| format!("cannot find this program's path: {e}"))?;
            desktop::install(&exe, &dirs)
        } else {
            desktop::uninstall(&dirs)
        }
    });
    match result {
        Ok(r) => {
            let verb = if install { "wrote" } else { "removed" };
            for f in &r.files {
                println!("{verb} {}", f.display());
            }
            for n in &r.notes {
                println!("{n}");
            }
            if install {
                println!(
                    "QuickTime movies now open in qtvr; `qtvr uninstall-desktop` undoes this."
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("qtvr: {e}");
            ExitCode::from(1)
        }
    }
}

/// Opens a movie, or prints why not (exit code 1).
fn open(
    file: &Path,
) -> Result<
    (
        std::sync::Arc<dyn qtvr_format::source::ByteSource>,
        qtvr_format::qtvr::Loaded,
    ),
    ExitCode,
> {
    // A plain file, or a Mac file's forks (MacBinary, AppleSingle, BinHex,
    // AppleDouble sidecars, the macOS named fork); a reference movie's
    // alternate.
    let alternate = ALTERNATE.get().copied().flatten();
    qtvr_format::qtvr::open_alternate(file, alternate).map_err(|e| {
        match e {
            // These already name the file.
            qtvr_format::Error::Io { .. } | qtvr_format::Error::IsDirectory(_) => {
                eprintln!("qtvr: {e}")
            }
            _ => eprintln!("qtvr: {}: {e}", file.display()),
        }
        ExitCode::from(1)
    })
}

fn export_tiles(file: &Path, dir: &Path) -> ExitCode {
    let (src, loaded) = match open(file) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let shown = file.display();
    let warnings = loaded
        .scene
        .as_ref()
        .map_or(&loaded.movie.warnings, |s| &s.warnings);
    for w in warnings {
        eprintln!("qtvr: {shown}: warning: {}", w.message);
    }
    match qtvr::cli::export::export_tiles(src.as_ref(), &loaded.movie, loaded.scene.as_ref(), dir) {
        Ok(report) => {
            for w in &report.warnings {
                eprintln!("qtvr: {shown}: warning: {}", w.message);
            }
            for n in &report.notes {
                eprintln!("qtvr: {n}");
            }
            println!(
                "wrote {} tiles to {}{}",
                report.written.len(),
                dir.display(),
                if report.imperfect > 0 {
                    format!(
                        " ({} damaged or undecodable, see the warnings)",
                        report.imperfect
                    )
                } else {
                    String::new()
                }
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("qtvr: {shown}: {e}");
            ExitCode::from(1)
        }
    }
}

/// `qtvr export --to web`.
fn export_web(file: &Path, node: Option<NodeId>, dir: &Path, force: bool) -> ExitCode {
    let started = std::time::Instant::now();
    let opts = qtvr::web::WebOptions {
        nodes: node.map(|n| vec![n]),
        source_name: file.file_name().map(|n| n.to_string_lossy().into_owned()),
    };
    with_scene(file, |src, loaded, scene| {
        let (web, path) = qtvr::web::export_to(src, &loaded.movie, scene, dir, force, &opts)?;
        let mut report = qtvr::cli::render::Report {
            notes: web.notes,
            warnings: web
                .warnings
                .into_iter()
                .map(|message| qtvr_format::error::Warning {
                    offset: None,
                    message,
                })
                .collect(),
            written: vec![path.clone()],
        };
        report.notes.push(format!(
            "{} nodes, {} files, {:.1} MB in {:.2} s; open {}",
            web.nodes,
            web.files,
            web.bytes as f64 / 1e6,
            started.elapsed().as_secs_f64(),
            path.join("index.html").display()
        ));
        Ok(report)
    })
}

/// Opens a QTVR movie, runs a command on its scene and prints its report.
fn with_scene(
    file: &Path,
    run: impl FnOnce(
        &dyn qtvr_format::source::ByteSource,
        &qtvr_format::qtvr::Loaded,
        &qtvr_format::qtvr::Scene,
    ) -> Result<qtvr::cli::render::Report, String>,
) -> ExitCode {
    let (src, loaded) = match open(file) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let shown = file.display();
    let Some(scene) = loaded.scene.as_ref() else {
        eprintln!("qtvr: {shown}: {}", qtvr_format::qtvr::NOT_QTVR);
        return ExitCode::from(1);
    };
    for w in &scene.warnings {
        eprintln!("qtvr: {shown}: warning: {}", w.message);
    }
    match run(src.as_ref(), &loaded, scene) {
        Ok(report) => {
            for w in &report.warnings {
                eprintln!("qtvr: {shown}: warning: {}", w.message);
            }
            for n in &report.notes {
                eprintln!("qtvr: {n}");
            }
            for p in &report.written {
                println!("wrote {}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("qtvr: {shown}: {e}");
            ExitCode::from(1)
        }
    }
}

fn info(file: &Path, json: bool) -> ExitCode {
    let (_src, loaded) = match open(file) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let shown = file.display().to_string();
    if json {
        println!(
            "{}",
            qtvr::cli::info::to_json(&shown, loaded.data_len, &loaded)
        );
    } else {
        print!("{}", qtvr::cli::info::to_text(&shown, &loaded));
    }
    ExitCode::SUCCESS
}

/// Mesa's Vulkan device-select layer (an implicit layer every Vulkan program
/// loads) asks libwayland for the default GPU; without a usable
/// `XDG_RUNTIME_DIR` (ssh, cron, CI) libwayland prints
/// `error: XDG_RUNTIME_DIR is invalid or not set in the environment.` once per
/// Vulkan instance, although nothing failed. In exactly that case a command that draws
/// runs itself again with `NODEVICE_SELECT=1`, which turns that layer off (the
/// layer only reorders GPUs, and wgpu chooses its adapter itself; errors of
/// the driver itself still print). The environment can only be changed for a
/// new process without `unsafe`, hence the `exec`, which happens before any
/// thread starts and costs about a millisecond. `NODEVICE_SELECT` set by the
/// user, or a valid `XDG_RUNTIME_DIR`, leaves everything as it is.
fn quiet_device_select() {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let usable = std::env::var_os("XDG_RUNTIME_DIR")
            .is_some_and(|d| d.to_string_lossy().starts_with('/'));
        if usable || std::env::var_os("NODEVICE_SELECT").is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        // Only returns when the exec failed; then go on as we are.
        let _ = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("NODEVICE_SELECT", "1")
            .exec();
    }
}
