//! The `veille` command: parse the command line, run, map failures to exit codes
//! (0 success, 2 bad usage or bad input, 1 internal failure).

use clap::Parser;

fn main() {
    let cli = veille::cli::Cli::parse();
    if let Err(e) = veille::cli::run(cli) {
        eprintln!("veille: error: {}", veille::cli::one_line(&e));
        std::process::exit(veille::cli::exit_code(&e));
    }
}
