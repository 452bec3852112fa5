//! Folder readers: one sub-folder per label (the 20 Newsgroups layout), and folders of
//! articles to classify.

use super::{CorpusError, Document, Labels};
use std::path::{Path, PathBuf};

/// Entries of a folder, sorted by name, hidden ones skipped.
pub(crate) fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    let io = |source| CorpusError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        out.push(entry.path());
    }
    out.sort();
    Ok(out)
}

/// All files under `dir`, recursively, in sorted order.
pub(crate) fn files_under(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    let mut out = Vec::new();
    for p in sorted_entries(dir)? {
        if p.is_dir() {
            out.extend(files_under(&p)?);
        } else {
            out.push(p);
        }
    }
    Ok(out)
}

/// Read one file as one article (id: the path as given).
pub fn read_text_file(path: &Path) -> Result<Document, CorpusError> {
    let bytes = std::fs::read(path).map_err(|source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    text_document(path.display().to_string(), bytes, path)
}

pub(crate) fn text_document(
    id: String,
    bytes: Vec<u8>,
    path: &Path,
) -> Result<Document, CorpusError> {
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = 1 + bytes[..valid].iter().filter(|&&b| b == b'\n').count() as u64;
        let offset = valid
            - bytes[..valid]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
        CorpusError::Utf8 {
            path: path.to_path_buf(),
            line,
            offset,
        }
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    if text.trim().is_empty() {
        return Err(CorpusError::EmptyText {
            path: path.to_path_buf(),
            line: 1,
        });
    }
    Ok(Document::new(id, text))
}

/// Streams a labelled folder: each sub-folder's name is the label of the files in it.
pub fn labelled_folder(
    root: &Path,
) -> Result<impl Iterator<Item = Result<Document, CorpusError>> + Send, CorpusError> {
    let mut files = Vec::new();
    for sub in sorted_entries(root)? {
        if !sub.is_dir() {
            continue;
        }
        let label = sub
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for f in files_under(&sub)? {
            files.push((label.clone(), f));
        }
    }
    if files.is_empty() {
        return Err(CorpusError::Unsupported {
            path: root.to_path_buf(),
            message: "no labelled articles: a training folder needs one sub-folder per label, with one file per article".into(),
        });
    }
    let root = root.to_path_buf();
    Ok(files.into_iter().map(move |(label, f)| {
        let id = f.strip_prefix(&root).unwrap_or(&f).display().to_string();
        let mut d = read_text_file(&f)?;
        d.id = id;
        d.labels = Some(Labels::Single(label));
        Ok(d)
    }))
}
