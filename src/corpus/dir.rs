//! Folder readers: one sub-folder per label (the 20 Newsgroups layout), and folders of
//! articles to classify.

use super::{CorpusError, Document, Labels};
use std::path::{Path, PathBuf};

/// Largest single-article file read (a guard against a stray huge or endless file).
pub const MAX_ARTICLE_BYTES: u64 = 64 << 20;

/// What a folder entry is, without following a link to a folder.
enum Entry {
    Folder(PathBuf),
    File(PathBuf),
}

/// Entries of a folder, sorted by name. Hidden entries, links to folders (loops), and
/// anything that is not a regular file (FIFOs and devices would block or never end) are
/// skipped; links to regular files are followed.
fn sorted_entries(dir: &Path) -> Result<Vec<Entry>, CorpusError> {
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
        let path = entry.path();
        let kind = entry.file_type().map_err(io)?;
        if kind.is_dir() {
            out.push(Entry::Folder(path));
        } else if kind.is_file()
            || (kind.is_symlink() && path.metadata().is_ok_and(|m| m.is_file()))
        {
            out.push(Entry::File(path));
        }
    }
    out.sort_by(|a, b| entry_path(a).cmp(entry_path(b)));
    Ok(out)
}

fn entry_path(e: &Entry) -> &Path {
    match e {
        Entry::Folder(p) | Entry::File(p) => p,
    }
}

/// All regular files under `dir`, recursively, in sorted order.
pub(crate) fn files_under(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    let mut out = Vec::new();
    for e in sorted_entries(dir)? {
        match e {
            Entry::Folder(p) => out.extend(files_under(&p)?),
            Entry::File(p) => out.push(p),
        }
    }
    Ok(out)
}

/// Sub-folders of `dir`, sorted.
pub(crate) fn subfolders(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    Ok(sorted_entries(dir)?
        .into_iter()
        .filter_map(|e| match e {
            Entry::Folder(p) => Some(p),
            Entry::File(_) => None,
        })
        .collect())
}

/// Read one file as one article (id: the path as given).
pub fn read_text_file(path: &Path) -> Result<Document, CorpusError> {
    let io = |source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path).map_err(io)?;
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_ARTICLE_BYTES + 1),
        &mut bytes,
    )
    .map_err(io)?;
    if bytes.len() as u64 > MAX_ARTICLE_BYTES {
        return Err(CorpusError::Unsupported {
            path: path.to_path_buf(),
            message: format!("larger than {MAX_ARTICLE_BYTES} bytes: not read as one article"),
        });
    }
    text_document(path.display().to_string(), bytes, path)
}

pub(crate) fn text_document(
    id: String,
    bytes: Vec<u8>,
    path: &Path,
) -> Result<Document, CorpusError> {
    if super::error::looks_like_utf16(&bytes) {
        return Err(CorpusError::Utf16 {
            path: path.to_path_buf(),
            line: 1,
        });
    }
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
    for sub in subfolders(root)? {
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
        let mut d = super::in_folder(read_text_file(&f))?;
        d.id = id;
        d.labels = Some(Labels::Single(label));
        Ok(d)
    }))
}
