//! Renderers: the findings [`Document`] (plus what the reports need of each node, [`NodeData`])
//! turned into bytes, all behind one interface ([`Renderer`]): the terminal summary, the JSON
//! document (docs/findings.md), the Markdown and the self-contained HTML report (docs/report.md).

pub mod md;
pub mod report;
pub mod terminal;
pub mod timeline;

use std::path::{Path, PathBuf};

use crate::findings::{json, Document};

pub use report::{NodeData, Uncollected};

/// One output format.
pub trait Renderer {
    /// The rendered document.
    fn render(&self, doc: &Document, data: &[NodeData]) -> Result<Vec<u8>, String>;
}

/// The findings document as JSON.
pub struct Json;

/// The terminal summary, with ANSI colours when `color`.
pub struct Terminal {
    pub color: bool,
}

/// The HTML or Markdown report, from the embedded templates or those of `templates`.
pub struct Report<'a> {
    pub kind: report::Kind,
    pub templates: Option<&'a Path>,
}

impl Renderer for Json {
    fn render(&self, doc: &Document, _: &[NodeData]) -> Result<Vec<u8>, String> {
        let mut buf = Vec::new();
        json::write(doc, &mut buf).map_err(|e| e.to_string())?;
        Ok(buf)
    }
}

impl Renderer for Terminal {
    fn render(&self, doc: &Document, _: &[NodeData]) -> Result<Vec<u8>, String> {
        let mut buf = Vec::new();
        terminal::write(doc, self.color, &mut buf).map_err(|e| e.to_string())?;
        Ok(buf)
    }
}

impl Renderer for Report<'_> {
    fn render(&self, doc: &Document, data: &[NodeData]) -> Result<Vec<u8>, String> {
        report::render(self.kind, doc, data, self.templates).map(String::into_bytes)
    }
}

/// `--out DIR`: report.html, report.md and findings.json, written in that order; the paths
/// written. Nothing is written unless all three rendered.
pub fn write_reports(
    dir: &Path,
    doc: &Document,
    data: &[NodeData],
    templates: Option<&Path>,
) -> Result<Vec<PathBuf>, String> {
    let html = Report {
        kind: report::Kind::Html,
        templates,
    };
    let md = Report {
        kind: report::Kind::Markdown,
        templates,
    };
    let files = [
        ("report.html", html.render(doc, data)?),
        ("report.md", md.render(doc, data)?),
        ("findings.json", Json.render(doc, data)?),
    ];
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for (name, bytes) in files {
        let p = dir.join(name);
        std::fs::write(&p, bytes).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        written.push(p);
    }
    Ok(written)
}

/// An error when `target` lies inside one of the input bundle folders: reports are never
/// written into a bundle.
pub fn check_outside_bundles(target: &Path, inputs: &[PathBuf]) -> Result<(), String> {
    let t = canonical_target(target);
    for i in inputs.iter().filter(|i| i.is_dir()) {
        if let Ok(b) = i.canonicalize() {
            if t.starts_with(&b) {
                return Err(format!(
                    "{} is inside the bundle {}: reports are never written into a bundle; choose a folder outside it",
                    target.display(),
                    i.display()
                ));
            }
        }
    }
    Ok(())
}

/// The canonical form of `p`, also when it does not exist yet (its nearest existing ancestor
/// is canonicalized).
fn canonical_target(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut rest = Vec::new();
    let mut cur = abs.as_path();
    loop {
        if let Ok(c) = cur.canonicalize() {
            let mut out = c;
            for r in rest.iter().rev() {
                out.push(r);
            }
            return out;
        }
        match (cur.parent(), cur.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                cur = parent;
            }
            _ => return abs,
        }
    }
}
