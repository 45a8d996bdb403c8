//! Reading inputs: archives (.tgz/.tar.gz/.tar/.zip), unpacked folders and loose text files,
//! into `model::Node`s. (Placeholder: the real reader replaces this.)

use std::fmt;
use std::path::Path;

use crate::model::Node;

/// Bounds on what one input may make us read.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Total decompressed bytes read from one input.
    pub max_total_bytes: u64,
    /// Bytes kept of one file (the newest part is kept for logs).
    pub max_file_bytes: u64,
    /// Longest line kept whole; longer lines are cut.
    pub max_line_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total_bytes: 8 << 30,
            max_file_bytes: 1 << 30,
            max_line_bytes: 64 << 10,
        }
    }
}

#[derive(Debug)]
pub struct InputError {
    pub path: std::path::PathBuf,
    pub reason: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

impl std::error::Error for InputError {}

/// Reads one PATH given on the command line.
pub fn read_input(path: &Path, _limits: &Limits) -> Result<Node, InputError> {
    Err(InputError {
        path: path.to_path_buf(),
        reason: "input reading is not implemented yet".into(),
    })
}
