//! The `qtvr` command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Info { file, json }) => info(&file, json),
        None => {
            eprintln!(
                "qtvr: the viewer window is not built yet; use `qtvr info FILE` (see `qtvr --help`)"
            );
            ExitCode::from(2)
        }
    }
}

fn info(file: &std::path::Path, json: bool) -> ExitCode {
    let shown = file.display().to_string();
    match qtvr::qtvr::open(file) {
        Ok((src, loaded)) => {
            use qtvr::source::ByteSource;
            if json {
                println!("{}", qtvr::cli::info::to_json(&shown, src.len(), &loaded));
            } else {
                print!("{}", qtvr::cli::info::to_text(&shown, &loaded));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            match e {
                // These already name the file.
                qtvr::Error::Io { .. } | qtvr::Error::IsDirectory(_) => eprintln!("qtvr: {e}"),
                _ => eprintln!("qtvr: {shown}: {e}"),
            }
            ExitCode::from(1)
        }
    }
}
