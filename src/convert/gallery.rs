//! `OUTDIR/index.html`: the gallery of a conversion, a page a person can
//! look at: a card per QuickTime VR movie (its default view's thumbnail,
//! name, path, kind, size, codecs, warnings or why it failed, a link to the
//! converted movie), then the other files in a table. Self-contained (style
//! inline, no script), so it opens from the disk.

use super::run::{Entry, Report};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A relative URL for a path of the output folder (each part percent-encoded).
pub fn href(rel: &str) -> String {
    rel.split('/')
        .map(|part| {
            let mut out = String::new();
            for &b in part.as_bytes() {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn size_text(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else if bytes >= 1_000 {
        format!("{:.0} KB", bytes as f64 / 1e3)
    } else {
        format!("{bytes} bytes")
    }
}

fn card(e: &Entry) -> String {
    let name = e.path.rsplit('/').next().unwrap_or(&e.path);
    let link = e.outputs.first().map(|o| href(o));
    let thumb = match (&e.thumbnail, &link) {
        (Some(t), Some(l)) => format!(
            "<a href=\"{l}\"><img class=\"thumb\" src=\"{}\" alt=\"{}\"></a>",
            href(t),
            esc(name)
        ),
        (Some(t), None) => format!(
            "<img class=\"thumb\" src=\"{}\" alt=\"{}\">",
            href(t),
            esc(name)
        ),
        _ => "<div class=\"thumb none\">no picture</div>".to_string(),
    };
    let mut facts = vec![
        esc(e.describe.as_deref().unwrap_or("QuickTime VR")),
        size_text(e.size),
    ];
    if !e.codecs.is_empty() {
        facts.push(esc(&e.codecs.join(", ")));
    }
    if !e.sound.is_empty() {
        let n = e.sound.len();
        facts.push(format!("{n} sound track{}", if n == 1 { "" } else { "s" }));
    }
    let status = match e.status.as_str() {
        "converted" | "already converted" => String::new(),
        other => format!(
            "<p class=\"status {}\">{}{}</p>",
            if other == "failed" { "failed" } else { "other" },
            esc(other),
            e.reason
                .as_deref()
                .map(|r| format!(": {}", esc(r)))
                .unwrap_or_default()
        ),
    };
    let dup = e
        .duplicate_of
        .as_deref()
        .map(|d| format!("<p class=\"dup\">same file as {}</p>", esc(d)))
        .unwrap_or_default();
    let warnings = if e.warnings.is_empty() {
        String::new()
    } else {
        format!(
            "<details><summary>{} warning{}</summary><ul>{}</ul></details>",
            e.warnings.len(),
            if e.warnings.len() == 1 { "" } else { "s" },
            e.warnings
                .iter()
                .map(|w| format!("<li>{}</li>", esc(w)))
                .collect::<String>()
        )
    };
    let title = match &link {
        Some(l) => format!("<a href=\"{l}\">{}</a>", esc(name)),
        None => esc(name),
    };
    format!(
        "<div class=\"card {}\" data-path=\"{}\">{thumb}<h2>{title}</h2><p class=\"path\">{}</p><p>{}</p>{status}{dup}{warnings}</div>\n",
        esc(&e.status.replace(' ', "-")),
        esc(&e.path),
        esc(&e.path),
        facts.join(" · ")
    )
}

/// The gallery page of a run.
pub fn html(r: &Report) -> String {
    let movies: Vec<&Entry> = r
        .files
        .iter()
        .filter(|e| e.kind == "qtvr" || e.kind == "broken movie")
        .collect();
    let others: Vec<&Entry> = r
        .files
        .iter()
        .filter(|e| e.kind != "qtvr" && e.kind != "broken movie")
        .collect();
    let c = &r.counts;
    let mut s = String::new();
    s.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    s.push_str("<title>QuickTime VR conversion</title>\n<style>\n");
    s.push_str(STYLE);
    s.push_str("</style></head><body>\n<h1>QuickTime VR conversion</h1>\n");
    s.push_str(&format!(
        "<p class=\"summary\">{} files looked at in {}; {} QuickTime VR movies: {} converted{}{}{} (to {}, {:.1} s{}). Details of every file: <a href=\"report.json\">report.json</a>.</p>\n",
        c.files,
        esc(&r.inputs.join(", ")),
        c.movies,
        c.converted,
        if c.already_converted > 0 {
            format!(", {} already converted", c.already_converted)
        } else {
            String::new()
        },
        if c.failed > 0 {
            format!(", {} failed", c.failed)
        } else {
            String::new()
        },
        if c.not_converted > 0 {
            format!(", {} not converted", c.not_converted)
        } else {
            String::new()
        },
        r.target.name(),
        r.seconds,
        if r.stopped { ", stopped before the end" } else { "" }
    ));
    if !r.warnings.is_empty() {
        s.push_str("<ul class=\"warnings\">");
        for w in &r.warnings {
            s.push_str(&format!("<li>{}</li>", esc(w)));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("<div class=\"cards\">\n");
    for e in &movies {
        s.push_str(&card(e));
    }
    s.push_str("</div>\n");
    if !others.is_empty() {
        s.push_str(&format!(
            "<details class=\"others\"><summary>{} other files</summary><table><tr><th>path</th><th>size</th><th>what</th></tr>\n",
            others.len()
        ));
        for e in others {
            s.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}{}</td></tr>\n",
                esc(&e.path),
                size_text(e.size),
                esc(&e.kind),
                e.reason
                    .as_deref()
                    .map(|r| format!(": {}", esc(r)))
                    .unwrap_or_default()
            ));
        }
        s.push_str("</table></details>\n");
    }
    s.push_str(&format!(
        "<p class=\"foot\">{} · {}</p>\n</body></html>\n",
        esc(&r.generator),
        esc(&r.started)
    ));
    s
}

const STYLE: &str = "body { font: 14px/1.4 system-ui, sans-serif; margin: 20px; background: #f4f4f4; color: #222; }
h1 { font-size: 20px; margin: 0 0 6px; }
.cards { display: flex; flex-wrap: wrap; gap: 14px; }
.card { width: 320px; background: #fff; border: 1px solid #ccc; border-radius: 6px; overflow: hidden; }
.card h2 { font-size: 15px; margin: 8px 10px 2px; overflow-wrap: anywhere; }
.card p { margin: 2px 10px; }
.card .path { color: #666; font-size: 12px; overflow-wrap: anywhere; }
.thumb { display: block; width: 320px; height: 240px; object-fit: cover; background: #404040; }
.thumb.none { color: #bbb; display: flex; align-items: center; justify-content: center; }
.status.failed { color: #b00; }
.status.other { color: #666; }
.dup { color: #666; font-style: italic; }
details { margin: 4px 10px 10px; }
.others { margin: 20px 0; }
table { border-collapse: collapse; background: #fff; }
td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; font-size: 13px; }
.warnings { color: #a60; }
.foot { color: #888; font-size: 12px; margin-top: 20px; }
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hrefs_are_encoded_and_text_escaped() {
        assert_eq!(href("Café/a b.html"), "Caf%C3%A9/a%20b.html");
        assert_eq!(esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
