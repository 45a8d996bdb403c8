//! `collect`: snapshots one Kubernetes node into one support bundle.
//!
//! - [`cli`]: the command line as clap parses it (`Cli`), its clap `command()`, completions;
//! - [`config`]: the validated `Config` of a run;
//! - [`sources`]: the table of items (what is collected, from where);
//! - [`job`]: what a job is (an item's path and source, and its [`job::Action`]);
//! - [`runner`]: one command with a timeout, in its own process group;
//! - [`spool`]: bounded, redacting storage of one item's output;
//! - [`writer`]: the tar.gz, written beside the target and renamed when complete;
//! - [`collect`]: the run (preflight, deadline, items into the bundle, manifest, summary);
//! - [`actions`]: what each kind of job does (commands, file tails, kubelet argv, probe);
//! - [`pool`]: the worker threads over the job queue (follow-ups first);
//! - [`podlogs`]: which containers get `kubectl logs`, from the collected pod list;
//! - [`fleet`]: `collect --nodes`, every node over ssh into one case archive;
//! - [`signals`]: SIGINT/SIGTERM end the run and remove its temporary files;
//! - [`sys`]: the system calls (priority, free space, host name, uid);
//! - [`pki`]: certificate dates without openssl;
//! - [`evidence`]: what the field rules read beyond logs (modules, conntrack, iptables backends,
//!   CNI folders, xfs_info, distribution configs, unit files), and [`etcd`]: its loopback metrics.
//!
//! Redaction lives in `kdiag_bundle::redact` so `analyze` can re-scan bundles with it.

pub mod actions;
pub mod cli;
pub mod collect;
pub mod config;
pub mod etcd;
pub mod evidence;
pub mod fleet;
pub mod job;
pub mod members;
pub mod pki;
pub mod podlogs;
pub mod pool;
pub mod runner;
pub mod signals;
pub mod sources;
pub mod spool;
pub mod sys;
pub mod util;
pub mod writer;

pub use cli::Cli;
pub use collect::{run, Summary, EXIT_NO_BUNDLE, EXIT_OK, EXIT_PARTIAL};
pub use config::Config;
