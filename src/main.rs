//! The `veille` command: parse the command line, run, map failures to exit codes
//! (0 success, 2 bad usage or bad input, 1 internal failure).

use clap::Parser;

// Counts heap bytes only inside `veille bench`'s measurement scopes (one relaxed load per
// allocation otherwise).
#[global_allocator]
static ALLOC: veille::bench::TrackingAlloc = veille::bench::TrackingAlloc::new();

fn main() {
    veille::bench::memory::mark_installed();
    let cli = veille::cli::Cli::parse();
    if let Err(e) = veille::cli::run(cli) {
        eprintln!("veille: error: {}", veille::cli::one_line(&e));
        std::process::exit(veille::cli::exit_code(&e));
    }
}
