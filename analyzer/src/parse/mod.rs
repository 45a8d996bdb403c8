//! Typed parsers, one module per file format. Each is a pure function over text returning typed
//! structs; none panics on bad input, and none reads an error message as data.

pub mod cni;
pub mod containerd;
pub mod df;
pub mod docker;
pub mod host;
pub mod iptables;
pub mod kernel;
pub mod kubectl;
pub mod kubelet;
pub mod net;
pub mod pki;
pub mod procfs;
pub mod prom;
pub mod selinux;
pub mod staticpod;
pub mod sysctl;
pub mod systemctl;
pub mod timesync;
