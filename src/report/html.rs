//! `index.html`: one self-contained page (inline CSS, relative image links, no scripts, no
//! network) that shows the key numbers and every chart with its caption, readable offline.

use std::fmt::Write;

use super::data::{Insights, JOBS};
use super::figures::{Figure, hint};
use super::{KeyNumber, PNG, SVG};

/// Section headings per job.
fn heading(job: &str) -> &'static str {
    match job {
        "fraud_detection" => "Fraud detection",
        "cost_optimization" => "Freight cost optimisation",
        "product_sales" => "Product sales",
        "eda" => "Exploratory data analysis",
        _ => "Other",
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:0 auto;\
max-width:1060px;padding:1em;color:#222;background:#fafafa}\
h1{margin-bottom:.2em}.meta{color:#666;margin-top:0}\
table.keys{border-collapse:collapse;margin:1em 0}\
table.keys td,table.keys th{padding:.35em .9em;border-bottom:1px solid #ddd;text-align:left}\
table.keys td.num{text-align:right;font-variant-numeric:tabular-nums}\
.missing{background:#fff4e5;border-left:4px solid #e69f00;padding:.6em 1em}\
figure{margin:1.5em 0;background:#fff;padding:.5em;border:1px solid #e4e4e4}\
figure img{max-width:100%;height:auto;display:block}\
figcaption{color:#444;margin-top:.4em}code{background:#eee;padding:0 .2em}";

/// The whole page.
///
/// Each key number carries `data-key` and its exact value in `data-value` (Rust's shortest
/// round-trip form), so tests and scripts can read the figures without parsing display text.
pub fn page(
    insights: &Insights,
    figures: &[Figure],
    keys: &[KeyNumber],
    generated: &str,
) -> String {
    let mut h = String::new();
    // Writing to a String cannot fail, so the fmt::Results below are ignored.
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"generator\" content=\"ecomflow report\">\n\
         <title>ecomflow report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>ecomflow report</h1>\n<p class=\"meta\">Generated {} from the latest insights in \
         HBase.</p>\n",
        escape(generated)
    );

    let missing = insights.missing_jobs();
    if !missing.is_empty() {
        let _ = writeln!(
            h,
            "<div class=\"missing\" id=\"missing-jobs\">\n<p>Some jobs have no \
             results yet, so their charts say “no data”:</p>\n<ul>"
        );
        for job in &missing {
            let _ = writeln!(
                h,
                "<li data-job=\"{job}\"><strong>{job}</strong>: {}</li>",
                code(&hint(job))
            );
        }
        let _ = writeln!(h, "</ul>\n</div>");
    }

    let _ = writeln!(h, "<h2 id=\"key-numbers\">Key numbers</h2>\n<table class=\"keys\">");
    for k in keys {
        let value = k.value.map(|v| format!(" data-value=\"{v}\"")).unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr data-key=\"{}\"{value}><th>{}</th><td class=\"num\">{}</td></tr>",
            escape(k.key),
            escape(&k.label),
            escape(&k.display)
        );
    }
    let _ = writeln!(h, "</table>");

    for job in JOBS {
        let _ = write!(h, "<section id=\"{job}\">\n<h2>{}</h2>\n", heading(job));
        let run = match insights.run_id(job) {
            Some(id) => format!("Job <code>{job}</code>, run <code>{}</code>.", escape(id)),
            None => format!("Job <code>{job}</code> has no results yet: {}.", code(&hint(job))),
        };
        let _ = writeln!(h, "<p class=\"meta\">{run}</p>");
        for f in figures.iter().filter(|f| f.job == job) {
            let alt = escape(f.chart.title());
            let _ = writeln!(
                h,
                "<figure id=\"{stem}\">\n<a href=\"{stem}.{SVG}\"><img src=\"{stem}.{PNG}\" \
                 alt=\"{alt}\" width=\"{w}\" height=\"{ht}\"></a>\n<figcaption>{cap}{nodata}\
                 </figcaption>\n</figure>",
                stem = f.stem,
                w = f.size.0,
                ht = f.size.1,
                cap = escape(f.caption),
                nodata = if f.chart.has_data() { "" } else { " (no data yet)" },
            );
        }
        let _ = writeln!(h, "</section>");
    }
    let _ = writeln!(h, "</body>\n</html>");
    h
}

/// Backtick-quoted commands in a hint become `<code>` elements.
fn code(text: &str) -> String {
    let escaped = escape(text);
    let mut out = String::new();
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::figures::figures;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(code("run `x <y>` now"), "run <code>x &lt;y&gt;</code> now");
    }

    #[test]
    fn page_without_insights_names_every_job_to_run() {
        let insights = Insights::default();
        let keys = vec![KeyNumber {
            key: "total_orders",
            label: "Orders".into(),
            value: Some(3000.0),
            display: "3,000".into(),
        }];
        let html = page(&insights, &figures(&insights), &keys, "2024-06-01 10:00 UTC");
        for job in JOBS {
            assert!(html.contains(&format!("<li data-job=\"{job}\">")), "{job}");
            assert!(html.contains(&format!("<code>ecomflow submit {job}</code>")));
        }
        assert!(html.contains("<tr data-key=\"total_orders\" data-value=\"3000\">"));
        assert!(html.contains("<img src=\"fraud-by-category.png\""));
        assert!(html.contains("<a href=\"eda-correlation-orders.svg\">"));
        assert_eq!(html.matches("<figure ").count(), 20);
        assert!(!html.contains("http://") && !html.contains("https://"), "must work offline");
    }
}
