//! Inline SVG plots for the bench report: a scatter plot, line plots and a heatmap, with
//! axes and ticks, no script and nothing fetched, so the page opens anywhere.

use std::fmt::Write;

const W: f64 = 600.0;
const H: f64 = 330.0;
const LEFT: f64 = 64.0;
/// Room on the right for the legend, outside the data.
const RIGHT: f64 = 110.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 48.0;

/// Colours of series and estimators (Okabe–Ito, readable by colour-blind people).
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
];

/// Text safe inside SVG and HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An axis: its range and whether it is logarithmic.
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
}

impl Axis {
    /// An axis covering `values` with a margin (log axes need positive values).
    pub fn fit(values: impl Iterator<Item = f64>, log: bool) -> Axis {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.filter(|v| v.is_finite() && (!log || *v > 0.0)) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !lo.is_finite() {
            (lo, hi) = if log { (1.0, 10.0) } else { (0.0, 1.0) };
        }
        if log {
            // Bounds on the 1-2-5 ladder around the data, so a narrow range is not lost in
            // whole decades.
            let (lo, hi) = (ladder_below(lo), ladder_above(hi));
            Axis {
                lo,
                hi: if hi <= lo { lo * 10.0 } else { hi },
                log,
            }
        } else {
            let pad = if hi > lo { (hi - lo) * 0.08 } else { 0.05 };
            Axis {
                lo: lo - pad,
                hi: hi + pad,
                log,
            }
        }
    }

    fn unit(&self, v: f64) -> f64 {
        if self.log {
            (v.max(self.lo).log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }

    fn ticks(&self) -> Vec<f64> {
        if self.log {
            let (l, h) = (
                self.lo.log10().floor() as i32,
                self.hi.log10().ceil() as i32,
            );
            // 1-2-5 ticks over a few decades, powers of ten beyond.
            let steps: &[f64] = if h - l <= 3 { &[1.0, 2.0, 5.0] } else { &[1.0] };
            return (l..=h)
                .flat_map(|e| steps.iter().map(move |m| m * 10f64.powi(e)))
                .filter(|t| *t >= self.lo * (1.0 - 1e-9) && *t <= self.hi * (1.0 + 1e-9))
                .collect();
        }
        let span = self.hi - self.lo;
        let raw = span / 5.0;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| span / s <= 6.0)
            .unwrap_or(10.0 * mag);
        let mut t = (self.lo / step).ceil() * step;
        let mut out = Vec::new();
        while t <= self.hi + step * 1e-9 {
            out.push(t);
            t += step;
        }
        out
    }
}

const LADDER: [f64; 3] = [1.0, 2.0, 5.0];

/// The largest 1, 2 or 5 times a power of ten at or below `v` (> 0).
fn ladder_below(v: f64) -> f64 {
    let d = 10f64.powf(v.log10().floor());
    LADDER
        .iter()
        .rev()
        .map(|m| m * d)
        .find(|x| *x <= v * (1.0 + 1e-9))
        .unwrap_or(d)
}

/// The smallest 1, 2 or 5 times a power of ten at or above `v` (> 0).
fn ladder_above(v: f64) -> f64 {
    let d = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * d)
        .find(|x| *x >= v * (1.0 - 1e-9))
        .unwrap_or(10.0 * d)
}

/// Compact tick labels: 0.85, 12, 1k, 2.5M, 1e-3.
pub fn tick_label(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 1e6 {
        trim(format!("{:.1}", v / 1e6)) + "M"
    } else if a >= 1e3 {
        trim(format!("{:.1}", v / 1e3)) + "k"
    } else if a >= 1.0 {
        trim(format!("{v:.2}"))
    } else if a >= 0.001 {
        trim(format!("{v:.3}"))
    } else {
        format!("{v:.0e}")
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A plot frame: axes, grid, ticks and labels; points are placed with [`Frame::xy`].
pub struct Frame {
    x: Axis,
    y: Axis,
    svg: String,
}

impl Frame {
    /// Start a plot.
    pub fn new(x: Axis, y: Axis, x_label: &str, y_label: &str, title: &str) -> Frame {
        let mut svg = String::new();
        let _ = write!(
            svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{t}" font-family="sans-serif" font-size="11">"##,
            t = escape(title)
        );
        let mut f = Frame { x, y, svg };
        f.axes(x_label, y_label);
        f
    }

    /// Pixel position of a data point.
    pub fn xy(&self, x: f64, y: f64) -> (f64, f64) {
        (
            LEFT + self.x.unit(x) * (W - LEFT - RIGHT),
            H - BOTTOM - self.y.unit(y) * (H - TOP - BOTTOM),
        )
    }

    fn axes(&mut self, x_label: &str, y_label: &str) {
        let (x0, y0, x1, y1) = (LEFT, H - BOTTOM, W - RIGHT, TOP);
        for t in self.x.ticks() {
            let (px, _) = self.xy(t, self.y.lo);
            let _ = write!(
                self.svg,
                r##"<line x1="{px:.1}" y1="{y1}" x2="{px:.1}" y2="{y0}" stroke="#e5e5e5"/><text x="{px:.1}" y="{ty}" text-anchor="middle" fill="#444">{l}</text>"##,
                ty = y0 + 15.0,
                l = tick_label(t)
            );
        }
        for t in self.y.ticks() {
            let (_, py) = self.xy(self.x.lo, t);
            let _ = write!(
                self.svg,
                r##"<line x1="{x0}" y1="{py:.1}" x2="{x1}" y2="{py:.1}" stroke="#e5e5e5"/><text x="{tx}" y="{ty:.1}" text-anchor="end" fill="#444">{l}</text>"##,
                tx = x0 - 6.0,
                ty = py + 4.0,
                l = tick_label(t)
            );
        }
        let _ = write!(
            self.svg,
            r##"<rect x="{x0}" y="{y1}" width="{w}" height="{h}" fill="none" stroke="#888"/><text x="{cx}" y="{ly}" text-anchor="middle" fill="#222">{xl}</text><text transform="translate(14 {cy}) rotate(-90)" text-anchor="middle" fill="#222">{yl}</text>"##,
            w = x1 - x0,
            h = y0 - y1,
            cx = (x0 + x1) / 2.0,
            ly = H - 10.0,
            cy = (y0 + y1) / 2.0,
            xl = escape(x_label),
            yl = escape(y_label)
        );
    }

    /// A labelled point with a tooltip.
    pub fn point(&mut self, x: f64, y: f64, colour: &str, label: &str, tooltip: &str) {
        if !(x.is_finite() && y.is_finite()) {
            return;
        }
        let (px, py) = self.xy(x, y);
        let _ = write!(
            self.svg,
            r##"<g><title>{tt}</title><circle cx="{px:.1}" cy="{py:.1}" r="5" fill="{colour}" fill-opacity="0.85" stroke="#fff"/><text x="{lx:.1}" y="{ly:.1}" fill="#222">{l}</text></g>"##,
            tt = escape(tooltip),
            lx = px + 7.0,
            ly = py - 6.0,
            l = escape(label)
        );
    }

    /// A polyline through data points, optionally dashed, with round markers.
    pub fn line(&mut self, pts: &[(f64, f64)], colour: &str, dashed: bool, markers: bool) {
        let px: Vec<(f64, f64)> = pts
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|&(x, y)| self.xy(x, y))
            .collect();
        if px.is_empty() {
            return;
        }
        let dash = if dashed {
            r#" stroke-dasharray="5 4""#
        } else {
            ""
        };
        let points: Vec<String> = px.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = write!(
            self.svg,
            r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"##,
            points.join(" ")
        );
        if markers {
            for (x, y) in &px {
                let _ = write!(
                    self.svg,
                    r##"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{colour}"/>"##
                );
            }
        }
    }

    /// A legend in the right margin, outside the data.
    pub fn legend(&mut self, entries: &[(&str, &str)]) {
        let x = W - RIGHT + 12.0;
        for (i, (name, colour)) in entries.iter().enumerate() {
            let y = TOP + 12.0 + i as f64 * 16.0;
            let _ = write!(
                self.svg,
                r##"<rect x="{x:.1}" y="{ry}" width="10" height="10" fill="{colour}"/><text x="{tx:.1}" y="{y}" fill="#222">{n}</text>"##,
                ry = y - 9.0,
                tx = x + 15.0,
                n = escape(name)
            );
        }
    }

    /// The finished SVG element.
    pub fn finish(mut self) -> String {
        self.svg.push_str("</svg>");
        self.svg
    }
}

/// A confusion-matrix heatmap: rows are true labels, columns predictions; each row is shaded
/// by its share so small classes read as well as large ones.
pub fn heatmap(labels: &[String], matrix: &[Vec<u64>], title: &str) -> String {
    let n = labels.len();
    let cell = (440.0 / n.max(1) as f64).clamp(12.0, 36.0);
    let margin = 170.0;
    // Column labels lean right over the last columns: room for them on that side.
    let width = margin + cell * n as f64 + 130.0;
    let height = margin + cell * n as f64 + 10.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{t}" font-family="sans-serif" font-size="10">"##,
        t = escape(title)
    );
    let short = |s: &str| -> String {
        if s.chars().count() > 26 {
            s.chars().take(25).collect::<String>() + "…"
        } else {
            s.to_string()
        }
    };
    for (i, row) in matrix.iter().enumerate().take(n) {
        let total: u64 = row.iter().sum();
        let y = margin + i as f64 * cell;
        let _ = write!(
            svg,
            r##"<text x="{x}" y="{ty:.1}" text-anchor="end" fill="#222">{l}</text>"##,
            x = margin - 6.0,
            ty = y + cell / 2.0 + 3.5,
            l = escape(&short(&labels[i]))
        );
        for (j, &c) in row.iter().enumerate().take(n) {
            let share = if total > 0 {
                c as f64 / total as f64
            } else {
                0.0
            };
            let x = margin + j as f64 * cell;
            // White to the palette's blue.
            let mix = |full: f64| (255.0 - share * (255.0 - full)).round() as u8;
            let fill = format!("#{:02x}{:02x}{:02x}", mix(0.0), mix(114.0), mix(178.0));
            let _ = write!(
                svg,
                r##"<g><title>{tl} → {pl}: {c} ({pct:.1}%)</title><rect x="{x:.1}" y="{y:.1}" width="{cell:.1}" height="{cell:.1}" fill="{fill}" stroke="#fff" stroke-width="0.5"/>"##,
                tl = escape(&labels[i]),
                pl = escape(&labels[j]),
                pct = share * 100.0
            );
            if cell >= 22.0 && c > 0 {
                let ink = if share > 0.5 { "#fff" } else { "#222" };
                let _ = write!(
                    svg,
                    r##"<text x="{cx:.1}" y="{cy:.1}" text-anchor="middle" fill="{ink}">{c}</text>"##,
                    cx = x + cell / 2.0,
                    cy = y + cell / 2.0 + 3.5
                );
            }
            svg.push_str("</g>");
        }
    }
    for (j, l) in labels.iter().enumerate() {
        let x = margin + j as f64 * cell + cell / 2.0 + 3.5;
        let _ = write!(
            svg,
            r##"<text transform="translate({x:.1} {y}) rotate(-60)" fill="#222">{l}</text>"##,
            y = margin - 6.0,
            l = escape(&short(l))
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_cover_the_axis_in_round_steps() {
        let a = Axis::fit([0.81, 0.87].into_iter(), false);
        let t = a.ticks();
        assert!(t.len() >= 3 && t.len() <= 7, "{t:?}");
        assert!(t.iter().all(|v| *v >= a.lo - 1e-12 && *v <= a.hi + 1e-12));
        let l = Axis::fit([0.3, 45.0].into_iter(), true);
        assert_eq!((l.lo, l.hi), (0.2, 50.0));
        let t = l.ticks();
        assert_eq!(t.len(), 8, "{t:?}");
        assert!(
            (t[0] - 0.2).abs() < 1e-12 && (t[7] - 50.0).abs() < 1e-9,
            "{t:?}"
        );
        let wide = Axis::fit([0.001, 500.0].into_iter(), true);
        assert_eq!(wide.ticks().len(), 6);
    }

    #[test]
    fn labels_are_compact_and_text_is_escaped() {
        assert_eq!(tick_label(1000.0), "1k");
        assert_eq!(tick_label(2_500_000.0), "2.5M");
        assert_eq!(tick_label(0.85), "0.85");
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        let svg = heatmap(&["x<y".into(), "z".into()], &[vec![3, 1], vec![0, 4]], "t");
        assert!(svg.contains("x&lt;y") && !svg.contains("x<y"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}
