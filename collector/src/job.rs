//! What a job is: one bundle item (its layout path and the source shown in the manifest) and how
//! it is obtained ([`Action`]: commands, files, the kubelet's argv, certificates, kubectl).
//! Which jobs a run has is `sources`, the table; what each action does is `actions`.

use crate::sources::CMD_TIMEOUT;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One external command.
#[derive(Debug, Clone)]
pub struct CmdSpec {
    pub argv: Vec<String>,
    pub timeout: Duration,
    /// Non-zero exit codes that still mean "this output is the answer".
    pub ok_codes: Vec<i32>,
    /// Exit codes that mean "this thing does not exist here" (systemctl's 4: no such unit).
    pub not_found_codes: Vec<i32>,
    /// A failure whose stderr holds this text also means "does not exist here" (`systemctl
    /// cat` exits 1 with `No files found for X.service.`).
    pub not_found_stderr: Option<&'static str>,
}

impl CmdSpec {
    pub fn new(argv: &[&str]) -> CmdSpec {
        CmdSpec {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            timeout: CMD_TIMEOUT,
            ok_codes: vec![],
            not_found_codes: vec![],
            not_found_stderr: None,
        }
    }
    pub(crate) fn ok(mut self, codes: &[i32]) -> CmdSpec {
        self.ok_codes = codes.to_vec();
        self
    }
    pub(crate) fn nf(mut self, codes: &[i32]) -> CmdSpec {
        self.not_found_codes = codes.to_vec();
        self
    }
    pub(crate) fn nf_stderr(mut self, text: &'static str) -> CmdSpec {
        self.not_found_stderr = Some(text);
        self
    }
    pub fn display(&self) -> String {
        self.argv
            .iter()
            .map(|a| {
                if a.contains(' ') {
                    format!("'{a}'")
                } else {
                    a.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// How an item is obtained.
#[derive(Debug, Clone)]
pub enum Action {
    Cmd(CmdSpec),
    /// Several commands into one file; `first_only`: only the first one that exists
    /// (rpm, else dpkg); otherwise each in turn (date, timedatectl, chronyc, ntpstat).
    Multi {
        cmds: Vec<CmdSpec>,
        first_only: bool,
    },
    /// A file; `tail` caps it to this many newest bytes.
    File {
        real: PathBuf,
        shown: String,
        tail: Option<u64>,
    },
    /// The first of these files that exists.
    FirstFile {
        candidates: Vec<(PathBuf, String)>,
        tail: Option<u64>,
    },
    /// The running kubelet's argv.
    KubeletCmdline,
    /// Certificate validity of these files.
    Pki {
        files: Vec<(PathBuf, String)>,
    },
    /// `kubectl version`: decides whether the other kubectl items run.
    KubectlProbe {
        base: Vec<String>,
    },
    /// A kubectl command; when `pods`, its output picks the pods whose logs are collected.
    Kubectl {
        spec: CmdSpec,
        pods: bool,
    },
    /// A command; when it is not installed, this file instead (`lsmod`, else /proc/modules).
    CmdElseFile {
        spec: CmdSpec,
        real: PathBuf,
        shown: String,
    },
    /// Small one-value files (/proc/sys), written as `grep . FILE...` prints them: `PATH:VALUE`.
    Values {
        files: Vec<(PathBuf, String)>,
    },
    /// Folders listed as `ls -ln --time-style=full-iso DIR...` prints them.
    Listing {
        dirs: Vec<(PathBuf, String)>,
    },
    /// etcd's plain-HTTP loopback metrics (the URL read from its static pod manifest), only
    /// the size, quota, leader and alarm series kept.
    EtcdMetrics {
        manifest: PathBuf,
        shown: String,
    },
    /// Not tried: recorded with this status and reason.
    Record {
        status: kdiag_bundle::Status,
        reason: String,
    },
}

#[derive(Debug, Clone)]
pub struct Job {
    pub path: String,
    pub source: String,
    pub action: Action,
}

impl Job {
    pub(crate) fn cmd(path: &str, spec: CmdSpec) -> Job {
        Job {
            path: path.to_string(),
            source: spec.display(),
            action: Action::Cmd(spec),
        }
    }
    pub(crate) fn file(root: &Path, path: &str, file: &str) -> Job {
        Job {
            path: path.to_string(),
            source: format!("file:{file}"),
            action: Action::File {
                real: under(root, file),
                shown: file.to_string(),
                tail: None,
            },
        }
    }
    /// A kubectl read (`argv` in full, the default command timeout); `pods`: the pod list.
    pub(crate) fn kubectl(path: &str, argv: Vec<String>, pods: bool) -> Job {
        let spec = CmdSpec {
            argv,
            timeout: CMD_TIMEOUT,
            ok_codes: vec![],
            not_found_codes: vec![],
            not_found_stderr: None,
        };
        Job {
            path: path.to_string(),
            source: spec.display(),
            action: Action::Kubectl { spec, pods },
        }
    }
    /// The first of `candidates` (paths on the node) that exists under `root`.
    pub(crate) fn first_file(root: &Path, path: &str, candidates: &[&str]) -> Job {
        Job {
            path: path.to_string(),
            source: format!("file:{}", candidates.join(" or ")),
            action: Action::FirstFile {
                candidates: candidates
                    .iter()
                    .map(|f| (under(root, f), f.to_string()))
                    .collect(),
                tail: None,
            },
        }
    }
    pub(crate) fn record(
        path: &str,
        source: &str,
        status: kdiag_bundle::Status,
        reason: String,
    ) -> Job {
        Job {
            path: path.into(),
            source: source.into(),
            action: Action::Record { status, reason },
        }
    }
}

/// `file` (absolute) under `root`.
pub fn under(root: &Path, file: &str) -> PathBuf {
    root.join(file.trim_start_matches('/'))
}
