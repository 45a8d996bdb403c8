//! `analyze`: thin glue; the work is in the kdiag_analyzer library.

use clap::Parser;
use kdiag_analyzer::cli::{self, Cli, Config};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let usage = e.use_stderr();
            let _ = e.print();
            // Exit codes 1-3 mean findings / no input; a usage error must not look like one.
            std::process::exit(if usage { cli::EXIT_ERROR } else { 0 });
        }
    };
    let code = match Config::from_cli(cli) {
        Ok(config) => cli::run(config),
        Err(e) => {
            eprintln!("analyze: {e}");
            cli::EXIT_ERROR
        }
    };
    std::process::exit(code);
}
