//! What commands print: writing to standard output without panicking, and plain-text
//! tables for people.

use std::sync::atomic::{AtomicBool, Ordering};

/// Standard output could not be written (a full disk, a failing device). The command fails
/// with exit code 1 instead of panicking as `println!` would.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct StdoutError(pub std::io::Error);

/// `print!` that returns a [`StdoutError`] from the enclosing function instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout(), $($arg)*).map_err($crate::cli::output::StdoutError)?
    }};
}

/// `println!` that returns a [`StdoutError`] from the enclosing function instead of panicking.
macro_rules! sayln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*).map_err($crate::cli::output::StdoutError)?
    }};
}

static STDERR_FAILED: AtomicBool = AtomicBool::new(false);

/// Write one line to standard error. A failure (a full disk behind `2>file`) is remembered,
/// so that the command still finishes its work but ends with exit code 1 (see
/// [`stderr_failed`]): a warning that cannot be shown must not pass for a clean run.
pub fn eprint_line(line: &str) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    if writeln!(err, "{line}").and_then(|_| err.flush()).is_err() {
        STDERR_FAILED.store(true, Ordering::Relaxed);
    }
}

/// Whether a line written by [`eprint_line`] was lost.
pub fn stderr_failed() -> bool {
    STDERR_FAILED.load(Ordering::Relaxed)
}

/// A table with a header row, columns padded to their widest cell; numeric-looking cells
/// are right-aligned.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let width = widths(header, rows);
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut out = table_line(&width, &header);
    let rule: Vec<String> = width.iter().map(|&w| "-".repeat(w)).collect();
    out.push_str(&rule.join("  "));
    out.push('\n');
    for r in rows {
        out.push_str(&table_line(&width, r));
    }
    out
}

/// A table written as rows arrive, in bounded memory: the first [`StreamTable::SAMPLE`] rows
/// set the column widths (they are held until then, or until the end); later rows are written
/// at once with those widths, a wider cell simply pushing the rest of its line right.
pub struct StreamTable<'h> {
    header: &'h [&'h str],
    held: Vec<Vec<String>>,
    width: Option<Vec<usize>>,
}

impl<'h> StreamTable<'h> {
    /// Rows that set the column widths.
    pub const SAMPLE: usize = 1000;

    /// A table with these column names.
    pub fn new(header: &'h [&'h str]) -> Self {
        StreamTable {
            header,
            held: Vec::new(),
            width: None,
        }
    }

    /// Add a row; writes it (and the rows held before it) once the widths are known.
    pub fn push(&mut self, row: Vec<String>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        match &self.width {
            Some(w) => out.write_all(table_line(w, &row).as_bytes()),
            None => {
                self.held.push(row);
                if self.held.len() >= Self::SAMPLE {
                    self.release(out)?;
                }
                Ok(())
            }
        }
    }

    /// Write what is still held (the whole table when it has fewer rows than the sample).
    pub fn finish(mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        if self.width.is_none() {
            self.release(out)?;
        }
        Ok(())
    }

    fn release(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let held = std::mem::take(&mut self.held);
        self.width = Some(widths(self.header, &held));
        out.write_all(table(self.header, &held).as_bytes())
    }
}

fn widths(header: &[&str], rows: &[Vec<String>]) -> Vec<usize> {
    let n = header.len();
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            width[i] = width[i].max(printable(c).chars().count());
        }
    }
    width
}

fn is_numeric(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || ".-+%±e ".contains(c))
}

/// One padded line; numeric-looking cells after the first column are right-aligned, control
/// characters escaped.
fn table_line(width: &[usize], cells: &[String]) -> String {
    let mut parts = Vec::with_capacity(cells.len());
    for (i, c) in cells.iter().enumerate() {
        let c = printable(c);
        let pad = width
            .get(i)
            .copied()
            .unwrap_or(0)
            .saturating_sub(c.chars().count());
        if is_numeric(&c) && i > 0 {
            parts.push(format!("{}{}", " ".repeat(pad), c));
        } else {
            parts.push(format!("{}{}", c, " ".repeat(pad)));
        }
    }
    let mut line = parts.join("  ").trim_end().to_string();
    line.push('\n');
    line
}

/// A cell of text from the input (a label, an id, a term) with its control characters
/// escaped, so that a crafted name cannot move the cursor or forge lines in a table.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Format a score with 3 decimals.
pub fn f3(x: f64) -> String {
    format!("{x:.3}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_pads_and_right_aligns_numbers() {
        let t = table(
            &["label", "f1"],
            &[
                vec!["x".into(), "1.0".into()],
                vec!["longer".into(), "0.25".into()],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "label   f1");
        assert_eq!(lines[2], "x        1.0");
        assert_eq!(lines[3], "longer  0.25");
    }

    #[test]
    fn a_streamed_table_matches_the_whole_one_below_the_sample() {
        let rows = vec![
            vec!["x".to_string(), "1.0".to_string()],
            vec!["longer".to_string(), "0.25".to_string()],
        ];
        let mut out = Vec::new();
        let mut t = StreamTable::new(&["label", "f1"]);
        for r in rows.clone() {
            t.push(r, &mut out).unwrap();
        }
        t.finish(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            table(&["label", "f1"], &rows)
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("a\u{1b}[2Jb\nc"), "a\\u{1b}[2Jb\\nc");
        assert_eq!(printable("plain"), "plain");
    }
}
