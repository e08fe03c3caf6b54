//! `qtvr convert INPUT... -o OUTDIR`: the command line around
//! [`crate::convert`]: a progress bar on a terminal (files found, movies
//! done, failures, time left; the `indicatif` crate), plain lines otherwise,
//! Ctrl+C to stop cleanly (a second Ctrl+C quits at once), and the exit code:
//! 0 when every QTVR movie converted, 2 when some failed (or the run was
//! stopped), 1 when nothing could be read.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::convert::run::{Options, Progress, run};

/// Runs the conversion; returns the exit code.
pub fn convert(opts: &Options) -> u8 {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            eprintln!("qtvr: stopped");
            std::process::exit(130);
        }
        eprintln!(
            "qtvr: stopping: the movies being converted finish, no others start (Ctrl+C again quits at once)"
        );
    });
    let terminal = std::io::stderr().is_terminal();
    let bar = indicatif::ProgressBar::new(0);
    if terminal {
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{bar:30}] {pos}/{len} movies · {msg} · {elapsed} (about {eta} left)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        bar.set_message("looking for movies");
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let failed = std::sync::atomic::AtomicUsize::new(0);
    let found_files = std::sync::atomic::AtomicUsize::new(0);
    let progress = |p: Progress| match p {
        Progress::Found { files, movies } => {
            found_files.store(files, Ordering::Relaxed);
            bar.set_length(movies as u64);
            bar.set_message(format!("{files} files, {movies} movies, 0 failed"));
            if !terminal {
                eprintln!("qtvr: {files} files looked at, {movies} QuickTime VR movies to convert");
            }
        }
        Progress::Done {
            entry,
            done,
            movies,
        } => {
            if entry.status == "failed" {
                failed.fetch_add(1, Ordering::Relaxed);
            }
            let f = failed.load(Ordering::Relaxed);
            bar.inc(1);
            bar.set_message(format!(
                "{} files, {movies} movies, {f} failed",
                found_files.load(Ordering::Relaxed)
            ));
            let line = format!(
                "[{done}/{movies}] {}: {}{} ({:.1} s)",
                entry.status,
                entry.path,
                entry
                    .reason
                    .as_deref()
                    .map(|r| format!(" — {r}"))
                    .unwrap_or_default(),
                entry.seconds
            );
            if terminal {
                if entry.status == "failed" {
                    bar.println(line);
                }
            } else {
                eprintln!("qtvr: {line}");
            }
        }
    };
    let result = run(opts, &stop, &progress);
    bar.finish_and_clear();
    match result {
        Ok(r) => {
            let c = &r.counts;
            println!(
                "{} files, {} QuickTime VR movies: {} converted, {} already converted, {} failed{}; wrote {} and {}",
                c.files,
                c.movies,
                c.converted,
                c.already_converted,
                c.failed,
                if r.stopped {
                    format!(", {} not converted (stopped)", c.not_converted)
                } else {
                    String::new()
                },
                opts.out.join("index.html").display(),
                opts.out.join("report.json").display()
            );
            let readable = r.files.iter().any(|e| e.kind != "unreadable");
            if !readable {
                1
            } else if c.failed > 0 || r.stopped {
                2
            } else {
                0
            }
        }
        Err(e) => {
            eprintln!("qtvr: {e}");
            1
        }
    }
}

/// Parses `I/N` (1 ≤ I ≤ N).
pub fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("shard '{s}' should look like 2/8"))?;
    let i: usize = i
        .trim()
        .parse()
        .map_err(|_| format!("shard '{s}': I must be a number"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("shard '{s}': N must be a number"))?;
    if n == 0 || i == 0 || i > n {
        return Err(format!("shard '{s}': I must be 1..N"));
    }
    Ok((i, n))
}
