//! The findings document as JSON (docs/findings.md).

use std::io::Write;

use super::Document;

pub fn write(doc: &Document, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, doc)?;
    out.write_all(b"\n")
}
