//! The `veille` command: parse the command line, run, map failures to exit codes
//! (0 success, 2 bad usage or bad input, 1 internal failure).

use clap::Parser;

// Counts heap bytes only inside `veille bench`'s measurement scopes (one relaxed load per
// allocation otherwise).
#[global_allocator]
static ALLOC: veille::bench::TrackingAlloc = veille::bench::TrackingAlloc::new();

fn main() {
    quiet_broken_pipes();
    veille::bench::memory::mark_installed();
    let cli = veille::cli::Cli::parse();
    if let Err(e) = veille::cli::run(cli) {
        eprintln!("veille: error: {}", veille::cli::one_line(&e));
        std::process::exit(veille::cli::exit_code(&e));
    }
}

/// Rust ignores SIGPIPE, so printing to a pipe whose reader has gone (`veille inspect | head`)
/// panics; like other Unix tools, end quietly instead.
#[cfg(unix)]
fn quiet_broken_pipes() {
    // SAFETY: called first thing in `main`, before any other thread exists; SIG_DFL is a
    // valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn quiet_broken_pipes() {}
