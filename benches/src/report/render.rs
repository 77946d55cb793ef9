//! Rendering helpers: Markdown tables, CSV fields, the SVG ratio chart.

use std::fmt::Write as _;

/// Renders a Markdown table with padded columns (readable as plain text).
pub fn markdown_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let width = |i: usize| {
        rows.iter()
            .filter_map(|r| r.get(i))
            .map(|c| c.chars().count())
            .chain([header[i].chars().count(), 3])
            .max()
            .unwrap_or(3)
    };
    let widths: Vec<usize> = (0..cols).map(width).collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::from("|");
        for (i, c) in cells.enumerate().take(cols) {
            let pad = widths[i].saturating_sub(c.chars().count());
            // Names left-aligned, numbers right-aligned.
            if i == 0 {
                let _ = write!(s, " {c}{} |", " ".repeat(pad));
            } else {
                let _ = write!(s, " {}{c} |", " ".repeat(pad));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(&mut header.iter().copied());
    out.push('|');
    for (i, w) in widths.iter().enumerate() {
        if i == 0 {
            let _ = write!(out, " {} |", "-".repeat(*w));
        } else {
            let _ = write!(out, " {}: |", "-".repeat(w - 1));
        }
    }
    out.push('\n');
    for r in rows {
        out.push_str(&line(&mut r.iter().map(String::as_str)));
    }
    out
}

/// Quotes a CSV field when it holds a comma, quote or line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Draws the ratio bar chart: log2 x axis spanning at least 0.5…2, a
/// vertical line at 1.0, green bars for ratios below 1, red above; `None`
/// ratios are labelled `n/a`.
pub fn ratio_chart(bars: &[(&str, Option<f64>)]) -> String {
    const LEFT: f64 = 230.0;
    const PLOT_W: f64 = 520.0;
    const RIGHT: f64 = 80.0;
    const TOP: f64 = 50.0;
    const ROW: f64 = 28.0;
    const BOTTOM: f64 = 40.0;
    let valid = bars
        .iter()
        .filter_map(|b| b.1)
        .filter(|x| x.is_finite() && *x > 0.0);
    let (lo, hi) = valid.fold((0.5f64, 2.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let (lo_e, hi_e) = (lo.log2().floor(), hi.log2().ceil());
    let x_of = |r: f64| LEFT + (r.log2() - lo_e) / (hi_e - lo_e) * PLOT_W;
    let width = LEFT + PLOT_W + RIGHT;
    let height = TOP + ROW * bars.len() as f64 + BOTTOM;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="15" font-weight="bold">ringbolt time / tokio time ('vs' rows: / that baseline's time; log scale; left of 1.0 = ringbolt faster)</text>"#,
        width / 2.0
    );
    let plot_bottom = TOP + ROW * bars.len() as f64;
    // Grid and ticks at powers of two.
    let mut e = lo_e;
    while e <= hi_e {
        let r = 2f64.powf(e);
        let x = x_of(r);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{plot_bottom}" stroke="#ddd"/>"##,
            TOP - 8.0
        );
        let _ = writeln!(
            s,
            r##"<text x="{x:.1}" y="{}" text-anchor="middle" fill="#555">{}×</text>"##,
            plot_bottom + 18.0,
            tick_label(r)
        );
        e += 1.0;
    }
    for (i, (name, ratio)) in bars.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 10.0,
            y + ROW / 2.0 + 4.0,
            xml_escape(name)
        );
        match ratio.filter(|x| x.is_finite() && *x > 0.0) {
            Some(r) => {
                let (x0, x1) = (x_of(1.0), x_of(r));
                let (bx, bw) = (x0.min(x1), (x1 - x0).abs().max(1.0));
                let color = if r < 1.0 { "#2e7d32" } else { "#c62828" };
                let _ = writeln!(
                    s,
                    r#"<rect x="{bx:.1}" y="{:.1}" width="{bw:.1}" height="{:.1}" fill="{color}"><title>{}: {r:.3}</title></rect>"#,
                    y + 5.0,
                    ROW - 10.0,
                    xml_escape(name)
                );
                let _ = writeln!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}">{r:.2}</text>"#,
                    LEFT + PLOT_W + 10.0,
                    y + ROW / 2.0 + 4.0
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" fill="#888">n/a</text>"##,
                    LEFT + PLOT_W + 10.0,
                    y + ROW / 2.0 + 4.0
                );
            }
        }
    }
    let x1 = x_of(1.0);
    let _ = writeln!(
        s,
        r#"<line x1="{x1:.1}" y1="{}" x2="{x1:.1}" y2="{plot_bottom}" stroke="black" stroke-width="2"/>"#,
        TOP - 8.0
    );
    s.push_str("</svg>\n");
    s
}

fn tick_label(r: f64) -> String {
    if r >= 1.0 {
        format!("{r:.0}")
    } else {
        let s = format!("{r:.4}");
        s.trim_end_matches('0').to_string()
    }
}
