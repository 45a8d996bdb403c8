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
    match kdiag_collector::config::fleet_from_cli(&cli, &args) {
        Ok(Some(fleet)) => run_case(&fleet),
        Ok(None) => {}
        Err(e) => {
            eprintln!("collect: {e}");
            std::process::exit(EXIT_NO_BUNDLE);
        }
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

/// `collect --nodes`: the case, then one line per node; exits 0 when every node's bundle is
/// complete, 1 when some node failed or is partial, 2 when no node answered.
fn run_case(fleet: &kdiag_collector::fleet::FleetConfig) -> ! {
    signals::install();
    match kdiag_collector::fleet::run_case(fleet) {
        Ok(s) => {
            eprintln!("{}", kdiag_collector::fleet::report(&s));
            let answered = s.manifest.answered();
            let all_ok = s
                .manifest
                .nodes
                .iter()
                .all(|n| n.status == kdiag_bundle::case::CaseStatus::Ok);
            std::process::exit(if answered == 0 {
                EXIT_NO_BUNDLE
            } else if all_ok {
                EXIT_OK
            } else {
                EXIT_PARTIAL
            });
        }
        Err(e) => {
            eprintln!("collect: {e}");
            eprintln!("collect: no case archive written");
            std::process::exit(EXIT_NO_BUNDLE);
        }
    }
}
