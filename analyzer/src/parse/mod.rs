//! Typed parsers, one module per file format.
