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
    /// Write a movie's content to image files.
    Export {
        /// The movie file.
        file: PathBuf,
        /// What to write.
        #[arg(long, value_enum)]
        to: ExportKind,
        /// Output folder (for `tiles`).
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportKind {
    /// Every decoded tile of every image and hot spot track, as PNG files named
    /// `track<ID>-sample<N>.png` (hot spot tiles as 8-bit indexed PNGs).
    Tiles,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Info { file, json }) => info(&file, json),
        Some(Command::Export {
            file,
            to: ExportKind::Tiles,
            output,
        }) => export_tiles(&file, &output),
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
