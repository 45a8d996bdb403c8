//! Markdown helpers: the rules' why/fix markdown to safe HTML, and escaping of bundle text for the
//! Markdown report (table cells, inline text, code fences that no text can close).

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

/// Markdown to HTML for the report. Raw HTML in the text is shown as text, links keep only
/// http(s)/mailto targets (others become plain text), images become their alt text: the output
/// contains no element or attribute the text chose, so it is safe to embed unescaped.
pub fn to_html(text: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let mut drop_link_end = Vec::new();
    let mut in_image = 0usize;
    let events = Parser::new_ext(text, opts).filter_map(|ev| match ev {
        Event::Html(s) | Event::InlineHtml(s) => Some(Event::Text(s)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let ok = ["https://", "http://", "mailto:"]
                .iter()
                .any(|p| dest_url.to_ascii_lowercase().starts_with(p));
            drop_link_end.push(!ok);
            ok.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link) => {
            if drop_link_end.pop().unwrap_or(false) {
                None
            } else {
                Some(Event::End(TagEnd::Link))
            }
        }
        Event::Start(Tag::Image { .. }) => {
            in_image += 1;
            None
        }
        Event::End(TagEnd::Image) => {
            in_image = in_image.saturating_sub(1);
            None
        }
        Event::FootnoteReference(s) => Some(Event::Text(CowStr::from(format!("[^{s}]")))),
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// Text for one GFM table cell: one line, `|` escaped, markup characters neutralized.
pub fn cell(text: &str) -> String {
    let one_line: String = text
        .split(['\n', '\r'])
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    inline(&one_line)
}

/// Text for a Markdown paragraph: markdown and HTML characters backslash-escaped, so bundle text
/// neither formats nor injects anything.
pub fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '!' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A backtick fence longer than any backtick run in `text` (at least three).
pub fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_and_bad_links_are_text() {
        let h = to_html("a <script>alert(1)</script> [x](javascript:alert(1)) ![i](http://x/i.png) [ok](https://k8s.io)\n\n<img src=x onerror=alert(1)>");
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("<img"), "{h}");
        assert!(h.contains("&lt;script&gt;"), "{h}");
        assert!(!h.contains("javascript:"), "{h}");
        assert!(h.contains("<a href=\"https://k8s.io\">ok</a>"), "{h}");
    }

    #[test]
    fn fences_and_cells() {
        assert_eq!(fence("no ticks"), "```");
        assert_eq!(fence("a ```` b"), "`````");
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(inline("<b>*x*</b>"), "\\<b\\>\\*x\\*\\</b\\>");
    }

    #[test]
    fn code_blocks_render() {
        let h = to_html("Run:\n\n```sh\nswapoff -a && echo '<ok>'\n```\n");
        assert!(
            h.contains("<pre><code class=\"language-sh\">swapoff -a &amp;&amp; echo '&lt;ok&gt;'"),
            "{h}"
        );
    }
}
