//! Reading inputs: archives, folders and loose files, into `model::Node`s.
