//! The `veille` command: parse the command line, run, map failures to exit codes
//! (0 success, 2 bad usage or bad input, 1 internal failure).

use clap::Parser;

// Counts heap bytes only inside `veille bench`'s measurement scopes (one relaxed load per
// allocation otherwise).
#[global_allocator]
static ALLOC: veille::bench::TrackingAlloc = veille::bench::TrackingAlloc::new();

fn main() {
    set_signals();
    veille::bench::memory::mark_installed();
    let cli = veille::cli::Cli::parse();
    if let Err(e) = veille::cli::run(cli) {
        // When standard error itself cannot be written, the exit code is all that is left.
        veille::cli::eprint_line(&format!("veille: error: {}", veille::cli::one_line(&e)));
        std::process::exit(veille::cli::exit_code(&e));
    }
    if veille::cli::stderr_failed() {
        std::process::exit(1);
    }
}

/// Rust ignores SIGPIPE, so printing to a pipe whose reader has gone (`veille inspect | head`)
/// panics; like other Unix tools, end quietly instead. A file-size limit (`ulimit -f`) would
/// kill the process in the middle of a save by SIGXFSZ and leave the temporary file behind;
/// ignored, the write fails with an error instead and the temporary file is removed.
#[cfg(unix)]
fn set_signals() {
    // SAFETY: called first thing in `main`, before any other thread exists; SIG_DFL and
    // SIG_IGN are valid dispositions for these signals.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

#[cfg(not(unix))]
fn set_signals() {}
