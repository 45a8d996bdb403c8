//! The rules engine: rule model, loading, evaluation, findings.
