use clap::Parser;
use kdiag_collector::{collect, signals, sys, Cli, Config, EXIT_NO_BUNDLE, EXIT_OK, EXIT_PARTIAL};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cli = Cli::parse();
    let cfg = match Config::from_cli(cli, args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("collect: {e}");
            std::process::exit(EXIT_NO_BUNDLE);
        }
    };
    sys::lower_priority();
    signals::install();
    match kdiag_collector::run(cfg) {
        Ok(s) => {
            eprintln!("{}", collect::report(&s));
            if s.problems > 0 {
                eprintln!(
                    "collect: {} items failed or were cut short; the bundle is still usable",
                    s.problems
                );
                std::process::exit(EXIT_PARTIAL);
            }
            std::process::exit(EXIT_OK);
        }
        Err(e) => {
            eprintln!("collect: {e}");
            eprintln!("collect: no bundle written");
            std::process::exit(EXIT_NO_BUNDLE);
        }
    }
}
