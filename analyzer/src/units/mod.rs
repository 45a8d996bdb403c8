//! Units: the lowest layer. Formats of single values that every layer above reads: times and
//! log-line timestamps, Kubernetes quantities, CIDRs, versions, shell words. Imports nothing of the crate.

pub mod cidr;
pub mod datecmd;
pub mod logtime;
pub mod quantity;
pub mod shell;
pub mod time;
pub mod version;

/// The message of a caught panic.
pub fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}
