//! Typed parsers, one module per file format. Each is a pure function over text returning typed
//! structs; none panics on bad input, and none reads an error message as data.

pub mod journal;
pub mod time;
