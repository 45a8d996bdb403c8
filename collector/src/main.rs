use clap::Parser;
use kdiag_collector::cli::{write_completions, Sub};
use kdiag_collector::{collect, signals, sys, Cli, Config, EXIT_NO_BUNDLE, EXIT_OK, EXIT_PARTIAL};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cli = Cli::parse();
    if let Some(Sub::Completions { shell }) = cli.command {
        write_completions(shell, &mut std::io::stdout().lock());
        std::process::exit(EXIT_OK);
    }
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
