//! The `qtvr` command.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// QuickTime VR movies: look inside them, and (soon) look around in them.
#[derive(Parser)]
#[command(name = "qtvr", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Print a movie's nodes, panoramas, objects, hot spots and tracks.
    Info {
        /// The movie file.
        file: PathBuf,
        /// Print JSON (schema in README.md) instead of text.
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
        /// Pan in degrees (panoramas; objects: the column showing this pan).
        #[arg(long, allow_hyphen_values = true)]
        pan: Option<f32>,
        /// Tilt in degrees (panoramas; objects: the row showing this tilt).
        #[arg(long, allow_hyphen_values = true)]
        tilt: Option<f32>,
        /// Vertical field of view in degrees.
        #[arg(long)]
        fov: Option<f32>,
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
        /// Node ID for panorama, equirect and cubemap (default: the movie's default node).
        #[arg(long)]
        node: Option<u32>,
        /// Equirect: width in pixels (height = width / 2; default: the panorama's own resolution).
        #[arg(long)]
        width: Option<u32>,
        /// Cubemap: face size in pixels (default: the panorama's own resolution).
        #[arg(long)]
        size: Option<u32>,
        /// Output: a folder for `tiles`; a .png/.jpg file for `panorama` and
        /// `equirect`; for `cubemap`, NAME.png gives NAME_front.png, NAME_right.png,
        /// NAME_back.png, NAME_left.png, NAME_top.png and NAME_bottom.png.
        #[arg(short, long)]
        output: PathBuf,
    },
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
            to,
            node,
            width,
            size,
            output,
        }) => {
            use qtvr::cli::render::PanoramaExport as P;
            let what = match to {
                ExportKind::Panorama => P::Panorama,
                ExportKind::Equirect => P::Equirect { width },
                _ => P::Cubemap { size },
            };
            with_scene(&file, |src, loaded, scene| {
                qtvr::cli::render::export_panorama(src, &loaded.movie, scene, node, what, &output)
            })
        }
        Some(Command::Render {
            file,
            node,
            pan,
            tilt,
            fov,
            row,
            column,
            state,
            frame,
            size,
            hotspots,
            output,
        }) => {
            let req = qtvr::cli::render::RenderRequest {
                node,
                pan,
                tilt,
                fov,
                row,
                column,
                state,
                frame,
                size,
                hotspots,
            };
            with_scene(&file, |src, loaded, scene| {
                qtvr::cli::render::render(src, &loaded.movie, scene, &req, &output)
            })
        }
        None => {
            eprintln!(
                "qtvr: the viewer window is not built yet; use `qtvr info FILE` (see `qtvr --help`)"
            );
            ExitCode::from(2)
        }
    }
}

/// Opens a movie, or prints why not (exit code 1).
fn open(file: &Path) -> Result<(qtvr::source::FileSource, qtvr::qtvr::Loaded), ExitCode> {
    qtvr::qtvr::open(file).map_err(|e| {
        match e {
            // These already name the file.
            qtvr::Error::Io { .. } | qtvr::Error::IsDirectory(_) => eprintln!("qtvr: {e}"),
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
    match qtvr::cli::export::export_tiles(&src, &loaded.movie, loaded.scene.as_ref(), dir) {
        Ok(report) => {
            for w in &report.warnings {
                eprintln!("qtvr: {shown}: warning: {}", w.message);
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

/// Opens a QTVR movie, runs a command on its scene and prints its report.
fn with_scene(
    file: &Path,
    run: impl FnOnce(
        &qtvr::source::FileSource,
        &qtvr::qtvr::Loaded,
        &qtvr::qtvr::Scene,
    ) -> Result<qtvr::cli::render::Report, String>,
) -> ExitCode {
    let (src, loaded) = match open(file) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let shown = file.display();
    let Some(scene) = loaded.scene.as_ref() else {
        eprintln!(
            "qtvr: {shown}: not a QuickTime VR movie (a plain QuickTime movie has no panorama or object nodes)"
        );
        return ExitCode::from(1);
    };
    for w in &scene.warnings {
        eprintln!("qtvr: {shown}: warning: {}", w.message);
    }
    match run(&src, &loaded, scene) {
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
    let (src, loaded) = match open(file) {
        Ok(x) => x,
        Err(code) => return code,
    };
    use qtvr::source::ByteSource;
    let shown = file.display().to_string();
    if json {
        println!("{}", qtvr::cli::info::to_json(&shown, src.len(), &loaded));
    } else {
        print!("{}", qtvr::cli::info::to_text(&shown, &loaded));
    }
    ExitCode::SUCCESS
}
