//! The trends report: one self-contained HTML page (inline CSS and SVG, no script, nothing
//! fetched: a Content-Security-Policy forbids it) with the themes over time as small
//! multiples, each theme's rising terms and example articles, the emerging subjects with
//! their articles, and the counts per period. Titles and URLs come from the web: everything
//! is escaped, and only `http(s)` URLs become links.
//!
//! No wall-clock time goes into the page: the same trends and metadata give the same bytes.

use super::emerging::{Subject, MIN_STORIES, MIN_SUBJECT};
use super::{rise, Example, Granularity, ThemeSeries, Trends, BASELINE, MIN_TERM_DOCS, Z_RISING};
use crate::bench::svg::{escape, tick_label, PALETTE};
use std::fmt::Write;

/// Where the figures of a report come from, shown under its title.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportMeta {
    /// The store, as it should be named on the page (its file name, say).
    pub store: String,
    /// The model's name in the store.
    pub model: String,
    /// The SHA-256 of the model file, in hex.
    pub model_sha256: String,
    /// How articles were grouped in time.
    pub by: Granularity,
    /// First day counted, when one was given.
    pub since: Option<String>,
    /// Last day counted, when one was given.
    pub until: Option<String>,
    /// Articles left out for want of a publication date.
    pub undated: usize,
    /// The veille version that made the page.
    pub veille_version: String,
}

/// Nothing may be loaded: no script, no image, no font, no frame; inline styles only.
const CSP: &str = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
    style-src 'unsafe-inline'; img-src data:\">";

const STYLE: &str = "body{font-family:sans-serif;max-width:1280px;margin:2em auto;padding:0 1em;\
color:#222;line-height:1.35}\
h1{font-size:1.6em;margin-bottom:0.2em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}\
h3{font-size:1.05em;margin:0 0 0.3em}h4{font-size:0.9em;margin:0.8em 0 0.2em;color:#444}\
.meta,.note,.scale{color:#555;font-size:13px}.lead{font-size:15px}\
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:14px;\
align-items:start}\
.card{border:1px solid #ddd;border-radius:4px;padding:10px 12px;break-inside:avoid}\
.card.up{border-color:#D55E00;box-shadow:inset 3px 0 0 #D55E00}\
.card ul{margin:0.2em 0;padding-left:1.2em;font-size:13px}.card li{margin:0.15em 0}\
.none{color:#666;font-style:italic;font-size:13px}\
.badge{display:inline-block;font-size:11px;font-weight:bold;padding:1px 6px;\
border-radius:8px;margin-left:6px;vertical-align:middle;color:#fff}\
.badge.new{background:#009E73}.badge.rising{background:#D55E00}\
.rise{color:#D55E00}\
table{border-collapse:collapse;font-size:13px;margin:0.4em 0}\
th,td{padding:2px 7px;border-bottom:1px solid #ddd;text-align:right;vertical-align:bottom}\
td{white-space:nowrap}\
th:first-child,td:first-child{text-align:left}\
.terms td:first-child{font-family:monospace}\
.wide{overflow-x:auto}.wide th{font-weight:normal;font-size:12px;max-width:9em}\
a{color:#0B5394}svg{display:block}\
@media print{body{max-width:none;margin:0}.card{box-shadow:none}a{color:#222}\
h2{break-after:avoid}}";

/// The report page of `t`.
pub fn render(t: &Trends, meta: &ReportMeta) -> String {
    let mut h = String::new();
    let title = format!("veille trends: {}", meta.store);
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">{CSP}\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><style>{STYLE}</style></head><body><h1>{t}</h1>",
        t = escape(&title)
    );
    meta_line(&mut h, t, meta);
    if t.periods.is_empty() {
        h.push_str(
            "<p class=\"none\">No dated story in this selection: there is nothing to show over \
             time.</p></body></html>\n",
        );
        return h;
    }
    lead(&mut h, t);
    themes_section(&mut h, t, meta);
    emerging_section(&mut h, t);
    counts_table(&mut h, t);
    h.push_str("</body></html>\n");
    h
}

fn by_name(by: Granularity) -> &'static str {
    match by {
        Granularity::Day => "day",
        Granularity::Week => "ISO week",
        Granularity::Month => "month",
    }
}

fn meta_line(h: &mut String, t: &Trends, meta: &ReportMeta) {
    let stories: usize = t.totals.iter().sum();
    let sha = &meta.model_sha256;
    let _ = write!(
        h,
        "<p class=\"meta\">model <b>{}</b> (sha256 <span title=\"{}\">{}…</span>) · by {}",
        escape(&meta.model),
        escape(sha),
        escape(sha.get(..16).unwrap_or(sha)),
        by_name(meta.by)
    );
    if let (Some(first), Some(last)) = (t.periods.first(), t.periods.last()) {
        let _ = write!(
            h,
            " · {} to {} ({} periods)",
            escape(first),
            escape(last),
            t.periods.len()
        );
    }
    for (word, d) in [("since", &meta.since), ("until", &meta.until)] {
        if let Some(d) = d {
            let _ = write!(h, " · {word} {}", escape(d));
        }
    }
    let _ = write!(
        h,
        " · {} (near-duplicate copies counted once)",
        n_stories(stories)
    );
    if meta.undated > 0 {
        let _ = write!(
            h,
            " · {} article(s) without a publication date not counted",
            meta.undated
        );
    }
    let _ = write!(h, " · veille {}</p>", escape(&meta.veille_version));
}

/// What rose in the last period, in one paragraph.
fn lead(h: &mut String, t: &Trends) {
    let last = t.periods.len() - 1;
    let up: Vec<String> = t
        .themes
        .iter()
        .filter(|s| s.rising[last])
        .map(|s| {
            format!(
                "<b>{}</b> ({} of {}, {})",
                escape(&s.theme),
                s.counts[last],
                n_stories(t.totals[last]),
                pct(s.shares[last])
            )
        })
        .collect();
    let new: Vec<String> = t
        .emerging
        .iter()
        .filter(|s| s.new || s.rising)
        .map(|s| format!("<b>{}</b>", escape(&s.name)))
        .collect();
    let _ = write!(
        h,
        "<p class=\"lead\">In {} ({}): {}. {}.</p>",
        escape(&t.periods[last]),
        n_stories(t.totals[last]),
        if up.is_empty() {
            "no theme rises".to_string()
        } else {
            format!("rising {}", up.join(", "))
        },
        if new.is_empty() {
            "No new or rising subject outside the themes".to_string()
        } else {
            format!("New or rising outside the themes: {}", new.join(", "))
        }
    );
}

/// "1 story", "2 stories".
fn n_stories(n: usize) -> String {
    if n == 1 {
        "1 story".into()
    } else {
        format!("{n} stories")
    }
}

fn pct(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn themes_section(h: &mut String, t: &Trends, meta: &ReportMeta) {
    let last = t.periods.len() - 1;
    let lp = escape(&t.periods[last]);
    let _ = write!(
        h,
        "<h2>Themes over time</h2><p class=\"note\">Share of each period's stories per theme, \
         each chart on its own scale (stated under it). <span class=\"rise\">▲</span> rising: \
         the share is at least 1.5 times its share over the {BASELINE} periods before and a \
         two-proportion z-test gives z ≥ {Z_RISING}. Rising terms: log-odds ratio with an \
         informative prior, the theme's articles of {lp} against its articles before (z ≥ \
         {Z_RISING}, in at least {MIN_TERM_DOCS} articles of {lp}).</p>"
    );
    if t.themes.is_empty() {
        let _ = write!(
            h,
            "<p class=\"none\">No story of this selection carries a theme of model {}.</p>",
            escape(&meta.model)
        );
    }
    h.push_str("<div class=\"grid\">");
    for s in &t.themes {
        theme_card(h, t, s);
    }
    // The stories no theme covers, by the same rule.
    let marks: Vec<bool> = (0..t.periods.len())
        .map(|p| rise(&t.unlabelled, &t.totals, p).is_some())
        .collect();
    let shares: Vec<f64> = t
        .unlabelled
        .iter()
        .zip(&t.totals)
        .map(|(&n, &d)| super::share(n, d))
        .collect();
    let _ = write!(
        h,
        "<section class=\"card unthemed\"><h3>no theme</h3>{}<p class=\"note\">Stories no theme \
         of the model covers: the emerging subjects below are found among them.</p></section>",
        share_chart(t, "no theme", &t.unlabelled, &shares, &marks, "#888888")
    );
    h.push_str("</div>");
}

fn theme_card(h: &mut String, t: &Trends, s: &ThemeSeries) {
    let last = t.periods.len() - 1;
    let lp = escape(&t.periods[last]);
    let up = s.rising[last];
    let _ = write!(
        h,
        "<section class=\"card theme{}\" data-theme=\"{n}\"><h3>{n}{}</h3>{}",
        if up { " up" } else { "" },
        if up {
            "<span class=\"badge rising\">rising</span>"
        } else {
            ""
        },
        share_chart(t, &s.theme, &s.counts, &s.shares, &s.rising, PALETTE[0]),
        n = escape(&s.theme)
    );
    let _ = write!(h, "<h4>Rising terms in {lp}</h4>");
    if s.rising_terms.is_empty() {
        h.push_str("<p class=\"none\">No term rises.</p>");
    } else {
        h.push_str(
            "<table class=\"terms\"><thead><tr><th>term</th><th>z</th><th>articles now</th>\
             <th>before</th></tr></thead><tbody>",
        );
        for r in &s.rising_terms {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{:.1}</td><td>{}</td><td>{}</td></tr>",
                escape(&r.term),
                r.z,
                r.now,
                r.before
            );
        }
        h.push_str("</tbody></table>");
    }
    let _ = write!(h, "<h4>Examples from {lp}</h4>");
    examples(h, &s.examples);
    h.push_str("</section>");
}

/// A chart of shares (with counts in the tooltips), on its own scale, stated below it.
fn share_chart(
    t: &Trends,
    name: &str,
    counts: &[usize],
    shares: &[f64],
    marks: &[bool],
    colour: &str,
) -> String {
    let top = nice_ceil(shares.iter().fold(0.0f64, |m, &v| m.max(v)) * 100.0).min(100.0);
    let tips = tooltips(t, counts, marks);
    let values: Vec<f64> = shares.iter().map(|v| v * 100.0).collect();
    let last = t.periods.len() - 1;
    format!(
        "{}<p class=\"scale\">scale 0–{}% of the period's stories · {}: {} of {} ({})</p>",
        bars(&Chart {
            series: name,
            periods: &t.periods,
            values: &values,
            marks,
            top,
            unit: "%",
            whole: false,
            colour,
            tips: &tips,
        }),
        tick_label(top),
        escape(&t.periods[last]),
        counts[last],
        t.totals[last],
        pct(shares[last])
    )
}

/// One tooltip per period: its stories in the series, of how many, and whether it rises.
fn tooltips(t: &Trends, counts: &[usize], marks: &[bool]) -> Vec<String> {
    t.periods
        .iter()
        .enumerate()
        .map(|(p, period)| {
            let (n, total) = (counts.get(p).copied().unwrap_or(0), t.totals[p]);
            format!(
                "{period}: {n} of {} ({:.1}%){}",
                n_stories(total),
                super::share(n, total) * 100.0,
                if marks.get(p).copied().unwrap_or(false) {
                    ", rising"
                } else {
                    ""
                }
            )
        })
        .collect()
}

/// The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten) at or
/// above `v`; 1 for nothing.
fn nice_ceil(v: f64) -> f64 {
    if !(v > 0.0 && v.is_finite()) {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|x| *x >= v * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag)
}

/// One small chart: a bar per period.
struct Chart<'a> {
    /// What it shows (its accessible name and `data-series`).
    series: &'a str,
    periods: &'a [String],
    values: &'a [f64],
    /// Periods marked rising.
    marks: &'a [bool],
    /// The top of the scale.
    top: f64,
    /// Unit of the y labels.
    unit: &'a str,
    /// Whether the values are whole numbers (counts).
    whole: bool,
    colour: &'a str,
    /// One tooltip per period.
    tips: &'a [String],
}

const CW: f64 = 320.0;
const CH: f64 = 124.0;
const CLEFT: f64 = 34.0;
const CRIGHT: f64 = 26.0;
const CTOP: f64 = 14.0;
const CBOTTOM: f64 = 20.0;
const RISING: &str = "#D55E00";

fn bars(c: &Chart) -> String {
    let n = c.periods.len().max(1);
    let (pw, ph) = (CW - CLEFT - CRIGHT, CH - CTOP - CBOTTOM);
    let y0 = CH - CBOTTOM;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" data-series=\"{s}\" viewBox=\"0 0 {CW} {CH}\" width=\"{CW}\" \
         height=\"{CH}\" role=\"img\" aria-label=\"{s} per period\" font-family=\"sans-serif\" \
         font-size=\"10\">",
        s = escape(c.series)
    );
    // Grid lines at the bottom, the middle and the top of the scale (no middle one where it
    // would say half a story).
    for f in [0.0, 0.5, 1.0] {
        if f == 0.5 && c.whole && (c.top / 2.0).fract() != 0.0 {
            continue;
        }
        let y = y0 - f * ph;
        let _ = write!(
            svg,
            "<line x1=\"{CLEFT}\" y1=\"{y:.1}\" x2=\"{x2}\" y2=\"{y:.1}\" stroke=\"{}\"/>\
             <text x=\"{tx}\" y=\"{ty:.1}\" text-anchor=\"end\" fill=\"#555\">{}{}</text>",
            if f == 0.0 { "#888" } else { "#e5e5e5" },
            tick_label(f * c.top),
            if f == 0.0 { "" } else { c.unit },
            x2 = CW - CRIGHT,
            tx = CLEFT - 4.0,
            ty = y + 3.5
        );
    }
    let slot = pw / n as f64;
    let bw = (slot * 0.78).max(0.5);
    for (i, &v) in c.values.iter().enumerate() {
        let x = CLEFT + i as f64 * slot + (slot - bw) / 2.0;
        let bh = if c.top > 0.0 {
            (v / c.top).clamp(0.0, 1.0) * ph
        } else {
            0.0
        };
        let up = c.marks.get(i).copied().unwrap_or(false);
        let period = escape(&c.periods[i]);
        let _ = write!(
            svg,
            "<g><title>{}</title><rect class=\"bar{}\" data-period=\"{period}\" x=\"{x:.1}\" \
             y=\"{:.1}\" width=\"{bw:.1}\" height=\"{bh:.1}\" fill=\"{}\"/>",
            escape(c.tips.get(i).map_or("", String::as_str)),
            if up { " rising" } else { "" },
            y0 - bh,
            if up { RISING } else { c.colour }
        );
        if up {
            let (cx, ty) = (x + bw / 2.0, y0 - bh - 3.0);
            let _ = write!(
                svg,
                "<path class=\"rise-mark\" data-period=\"{period}\" d=\"M{:.1} {ty:.1}L{:.1} \
                 {ty:.1}L{cx:.1} {:.1}Z\" fill=\"{RISING}\"/>",
                cx - 4.0,
                cx + 4.0,
                ty - 7.0
            );
        }
        svg.push_str("</g>");
    }
    // Period labels, thinned to what fits; the last period always has its label.
    let longest = c
        .periods
        .iter()
        .map(|p| p.chars().count())
        .max()
        .unwrap_or(1);
    let fits = (pw / (longest as f64 * 6.0 + 10.0)).floor().max(1.0) as usize;
    let step = n.div_ceil(fits);
    for (i, p) in c.periods.iter().enumerate() {
        if !(n - 1 - i).is_multiple_of(step) {
            continue;
        }
        let cx = CLEFT + (i as f64 + 0.5) * slot;
        let _ = write!(
            svg,
            "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#444\">{}</text>",
            y0 + 13.0,
            escape(p)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// `url` when it is an `http(s)` URL fit for an `href`, else `None` (a `javascript:` or
/// `data:` URL, a relative one, or one with spaces or control characters is never a link).
fn web_url(url: Option<&str>) -> Option<&str> {
    let u = url?.trim();
    let scheme = u.get(..u.find(':')?)?;
    let ok = (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
        && u[scheme.len()..].starts_with("://")
        && u.len() > scheme.len() + 3
        && !u.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(u)
}

/// A title, linked to its URL when that is an `http(s)` one.
fn linked(title: &str, url: Option<&str>) -> String {
    match web_url(url) {
        Some(u) => format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            escape(u),
            escape(title)
        ),
        None => escape(title),
    }
}

fn examples(h: &mut String, ex: &[Example]) {
    if ex.is_empty() {
        h.push_str("<p class=\"none\">No article.</p>");
        return;
    }
    h.push_str("<ul>");
    for e in ex {
        let _ = write!(h, "<li>{}", linked(&e.title, e.url.as_deref()));
        if e.outlets > 1 {
            let _ = write!(h, " <span class=\"meta\">· {} outlets</span>", e.outlets);
        }
        h.push_str("</li>");
    }
    h.push_str("</ul>");
}

fn emerging_section(h: &mut String, t: &Trends) {
    let last = t.periods.len() - 1;
    let lp = escape(&t.periods[last]);
    let _ = write!(
        h,
        "<h2>Emerging subjects</h2><p class=\"note\">Stories no theme covers, clustered \
         (spherical k-means on TF-IDF) and named by their most distinctive terms; rising ones \
         first. <span class=\"badge new\">new</span> no story before {lp}; <span \
         class=\"badge rising\">rising</span> its share of {lp} rises by the themes' rule. \
         Bars: stories per period.</p>"
    );
    if t.emerging.is_empty() {
        let open: usize = t.unlabelled.iter().sum();
        let _ = if open < MIN_STORIES {
            write!(
                h,
                "<p class=\"none\">No emerging subject: {open} stories without a theme, and \
                 {MIN_STORIES} are needed to cluster them.</p>"
            )
        } else {
            write!(
                h,
                "<p class=\"none\">No emerging subject: the {open} stories without a theme form \
                 no group of {MIN_SUBJECT} or more.</p>"
            )
        };
        return;
    }
    h.push_str("<div class=\"grid\">");
    for s in &t.emerging {
        subject_card(h, t, s);
    }
    h.push_str("</div>");
}

fn subject_card(h: &mut String, t: &Trends, s: &Subject) {
    let last = t.periods.len() - 1;
    let up = s.new || s.rising;
    let _ = write!(
        h,
        "<section class=\"card subject{}\" data-subject=\"{n}\"><h3>{n}{}{}</h3>\
         <p class=\"meta\">terms: {} · {} · {} in {} (z {:.1})</p>",
        if up { " up" } else { "" },
        if s.new {
            "<span class=\"badge new\">new</span>"
        } else {
            ""
        },
        if s.rising {
            "<span class=\"badge rising\">rising</span>"
        } else {
            ""
        },
        escape(&s.terms.join(", ")),
        n_stories(s.stories),
        s.counts.get(last).copied().unwrap_or(0),
        escape(&t.periods[last]),
        s.z,
        n = escape(&s.name)
    );
    let values: Vec<f64> = s.counts.iter().map(|&c| c as f64).collect();
    let marks: Vec<bool> = (0..t.periods.len())
        .map(|p| p == last && s.rising)
        .collect();
    let tips = tooltips(t, &s.counts, &marks);
    let top = nice_ceil(values.iter().fold(0.0f64, |m, &v| m.max(v))).max(1.0);
    let _ = write!(
        h,
        "{}<p class=\"scale\">scale 0–{} stories</p><h4>Articles</h4>",
        bars(&Chart {
            series: &s.name,
            periods: &t.periods,
            values: &values,
            marks: &marks,
            top,
            unit: "",
            whole: true,
            colour: PALETTE[2],
            tips: &tips,
        }),
        tick_label(top)
    );
    examples(h, &s.examples);
    h.push_str("</section>");
}

fn counts_table(h: &mut String, t: &Trends) {
    h.push_str(
        "<h2>Counts per period</h2><p class=\"note\">Stories per period and theme (a story may \
         carry several themes), share of the period's stories, ▲ rising.</p><div \
         class=\"wide\"><table class=\"counts\"><thead><tr><th>period</th><th>stories</th>",
    );
    for s in &t.themes {
        let _ = write!(h, "<th>{}</th>", escape(&s.theme));
    }
    h.push_str("<th>no theme</th></tr></thead><tbody>");
    for (p, period) in t.periods.iter().enumerate() {
        let _ = write!(h, "<tr><td>{}</td><td>{}</td>", escape(period), t.totals[p]);
        for s in &t.themes {
            let _ = write!(
                h,
                "<td>{} ({}){}</td>",
                s.counts[p],
                pct(s.shares[p]),
                if s.rising[p] {
                    " <span class=\"rise\">▲</span>"
                } else {
                    ""
                }
            );
        }
        let _ = write!(h, "<td>{}</td></tr>", t.unlabelled[p]);
    }
    h.push_str("</tbody></table></div>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trends::RisingTerm;

    fn meta() -> ReportMeta {
        ReportMeta {
            store: "watch.db".into(),
            model: "themes".into(),
            model_sha256: "ab".repeat(32),
            by: Granularity::Month,
            since: None,
            until: None,
            undated: 2,
            veille_version: "0.1.0".into(),
        }
    }

    fn hostile() -> Trends {
        let evil = |url: &str| Example {
            title: "<script>alert(1)</script> \"quoted\" & <b>bold</b>".into(),
            url: Some(url.into()),
            outlets: 3,
        };
        Trends {
            periods: vec!["2025-03".into(), "2025-04".into()],
            totals: vec![10, 20],
            themes: vec![ThemeSeries {
                theme: "<img src=x onerror=alert(1)>".into(),
                counts: vec![1, 8],
                shares: vec![0.1, 0.4],
                rising: vec![false, true],
                rising_terms: vec![RisingTerm {
                    term: "<svg onload=alert(1)>".into(),
                    z: 2.5,
                    now: 4,
                    before: 0,
                }],
                examples: vec![
                    evil("javascript:alert(1)"),
                    evil(" JavaScript:alert(1)"),
                    evil("data:text/html,<script>alert(1)</script>"),
                    evil("https://ok.example/a?b=1&c=\"2\""),
                    evil("//evil.example/x"),
                ],
            }],
            unlabelled: vec![9, 12],
            emerging: vec![Subject {
                name: "</section><script>x</script>".into(),
                terms: vec!["<i>".into()],
                stories: 4,
                counts: vec![0, 4],
                shares: vec![0.0, 0.2],
                rising: true,
                z: 2.0,
                new: true,
                examples: vec![evil("vbscript:msgbox(1)"), evil("http://fine.example/")],
            }],
        }
    }

    /// A whole page: doctype and language first, closed at the end.
    fn assert_whole(page: &str) {
        assert!(
            page.starts_with("<!DOCTYPE html><html lang=\"en\">"),
            "{page}"
        );
        assert!(page.ends_with("</body></html>\n"), "{page}");
    }

    #[test]
    fn hostile_titles_and_urls_render_inert() {
        let page = render(&hostile(), &meta());
        let lower = page.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{page}");
        assert!(!lower.contains("<img"), "{page}");
        assert!(!lower.contains("<svg onload"), "{page}");
        assert!(!lower.contains("<b>bold"), "{page}");
        assert!(!lower.contains("javascript:alert(1)\""), "{page}");
        for bad in ["javascript:", "data:", "vbscript:", "//evil"] {
            assert!(
                !lower.contains(&format!("href=\"{bad}")) && !lower.contains("href=\" "),
                "{bad} became a link: {page}"
            );
        }
        // The two web URLs are the only links, escaped.
        assert_eq!(page.matches("<a href=").count(), 2, "{page}");
        assert!(page.contains("href=\"https://ok.example/a?b=1&amp;c=&quot;2&quot;\""));
        assert!(page.contains("href=\"http://fine.example/\""));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // Nothing may load, and there is no script at all.
        assert!(page.contains("Content-Security-Policy"));
        assert!(page.contains("default-src 'none'"));
    }

    #[test]
    fn the_page_is_the_same_bytes_each_time_and_marks_what_rises() {
        let (t, m) = (hostile(), meta());
        let a = render(&t, &m);
        assert_eq!(a, render(&t, &m));
        assert_whole(&a);
        assert_eq!(a.matches("<svg class=\"chart\"").count(), 3);
        assert_eq!(
            a.matches("<path class=\"rise-mark\" data-period=\"2025-04\"")
                .count(),
            2,
            "the theme and the subject rise in 2025-04"
        );
        assert!(a.contains("badge new"));
        assert!(a.contains("2 article(s) without a publication date"));
    }

    #[test]
    fn empty_cases_say_so_in_a_sentence() {
        let empty = Trends {
            periods: vec![],
            totals: vec![],
            themes: vec![],
            unlabelled: vec![],
            emerging: vec![],
        };
        let page = render(&empty, &meta());
        assert!(page.contains("No dated story"), "{page}");
        assert_whole(&page);
        let quiet = Trends {
            periods: vec!["2025-04".into()],
            totals: vec![3],
            themes: vec![],
            unlabelled: vec![3],
            emerging: vec![],
        };
        let page = render(&quiet, &meta());
        assert!(page.contains("No story of this selection carries a theme"));
        assert!(page.contains("No emerging subject: 3 stories without a theme"));
        assert!(page.contains("no theme rises"));
        assert_whole(&page);
    }

    #[test]
    fn scales_are_round_and_labels_thin_out() {
        assert_eq!(nice_ceil(13.2), 15.0);
        assert_eq!(nice_ceil(7.0), 8.0);
        assert_eq!(nice_ceil(0.0), 1.0);
        assert_eq!(nice_ceil(100.0), 100.0);
        let periods: Vec<String> = (1..=60).map(|d| format!("2025-W{d:02}")).collect();
        let values = vec![1.0; 60];
        let svg = bars(&Chart {
            series: "x",
            periods: &periods,
            values: &values,
            marks: &[],
            top: 2.0,
            unit: "%",
            whole: false,
            colour: "#000",
            tips: &[],
        });
        let labels = periods
            .iter()
            .filter(|p| svg.contains(&format!(">{p}</text>")))
            .count();
        assert!((2..=6).contains(&labels), "{labels} labels");
        assert!(
            svg.contains(">2025-W60</text>"),
            "the last period is labelled"
        );
    }
}
