//! Checks on the files a command will write, made before any work: the folder exists and
//! can be written, the target is not a folder or a special file, and no output is one of the
//! command's inputs (or another of its outputs).

use super::UsageError;
use std::path::{Path, PathBuf};

/// A file a command reads or writes, with the flag that named it (for messages).
pub struct Named<'a> {
    /// The flag, as the user typed it (`--data`, `--out`, ...).
    pub flag: &'static str,
    /// The path.
    pub path: &'a Path,
}

/// `(flag, path)` pairs for every path in `paths`.
pub fn named<'a>(flag: &'static str, paths: &'a [PathBuf]) -> impl Iterator<Item = Named<'a>> {
    paths.iter().map(move |p| Named { flag, path: p })
}

/// Refuse, before any work, outputs that cannot be written or that would replace an input:
/// every output is checked by [`check_output_dir`], then compared with every input and every
/// other output by device and inode (so a hard link, a symlink or `./x` for `x` is caught), and
/// an output inside an input folder that already exists is refused too.
pub fn check_outputs(outputs: &[Named], inputs: &[Named]) -> anyhow::Result<()> {
    for o in outputs {
        check_output_dir(o.path)?;
    }
    for (i, o) in outputs.iter().enumerate() {
        let earlier = outputs[..i].iter().map(|x| (x, "another output"));
        for (other, what) in earlier.chain(inputs.iter().map(|x| (x, "an input"))) {
            if same_file(o.path, other.path) || inside_folder(o.path, other.path) {
                return Err(UsageError(format!(
                    "{} {}: is {what} ({} {}); refusing to overwrite it",
                    o.flag,
                    o.path.display(),
                    other.flag,
                    other.path.display()
                ))
                .into());
            }
        }
    }
    Ok(())
}

/// Refuse to run when standard output is one of the input files: `>` has already truncated
/// it, and `>>` would make the command read its own output without end.
pub fn check_stdout_not_input(inputs: &[Named]) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Some((dev, ino)) = stdout_identity() else {
            return Ok(());
        };
        for i in inputs {
            if let Ok(m) = std::fs::metadata(i.path) {
                if m.is_file() && m.dev() == dev && m.ino() == ino {
                    return Err(UsageError(format!(
                        "standard output is the input file {} ({}); write the output elsewhere",
                        i.path.display(),
                        i.flag
                    ))
                    .into());
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = inputs;
    Ok(())
}

/// Device and inode of standard output when it is a regular file.
#[cfg(unix)]
fn stdout_identity() -> Option<(u64, u64)> {
    // SAFETY: fstat on fd 1 with a zeroed, properly sized stat buffer; no memory is shared.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(1, &mut st) != 0 || (st.st_mode & libc::S_IFMT) != libc::S_IFREG {
            return None;
        }
        Some((st.st_dev as u64, st.st_ino as u64))
    }
}

/// Whether standard output was closed when veille started (`>&-`). Rust's runtime then opens
/// `/dev/null` read-write in its place, so every write would "succeed" and the output be lost.
/// A shell's `> /dev/null` opens it write-only, which is how the two are told apart.
pub fn stdout_is_closed() -> bool {
    #[cfg(unix)]
    {
        // SAFETY: fcntl and fstat/stat only query; the stat buffers are zeroed and sized.
        unsafe {
            let flags = libc::fcntl(1, libc::F_GETFL);
            if flags == -1 {
                return true;
            }
            if flags & libc::O_ACCMODE != libc::O_RDWR {
                return false;
            }
            let mut out: libc::stat = std::mem::zeroed();
            let mut null: libc::stat = std::mem::zeroed();
            libc::fstat(1, &mut out) == 0
                && libc::stat(c"/dev/null".as_ptr(), &mut null) == 0
                && out.st_rdev == null.st_rdev
                && (out.st_mode & libc::S_IFMT) == libc::S_IFCHR
        }
    }
    #[cfg(not(unix))]
    false
}

/// Whether `a` and `b` name the same file: the same device and inode when both exist, the
/// same name in the same folder when neither does yet.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => same_inode(&x, &y),
        (Err(_), Err(_)) => match (planned(a), planned(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
        _ => false,
    }
}

#[cfg(unix)]
fn same_inode(x: &std::fs::Metadata, y: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    x.dev() == y.dev() && x.ino() == y.ino()
}

#[cfg(not(unix))]
fn same_inode(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// Where a file that does not exist yet will be: its folder, resolved, and its name.
fn planned(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some(dir.canonicalize().ok()?.join(name))
}

/// Whether `output` exists and lies under the folder `input` (replacing it would change the
/// input corpus).
fn inside_folder(output: &Path, input: &Path) -> bool {
    if !input.is_dir() || !output.exists() {
        return false;
    }
    match (output.canonicalize(), input.canonicalize()) {
        (Ok(o), Ok(i)) => o.starts_with(i),
        _ => false,
    }
}

/// Fail early, before long work, when the folder of an output file does not exist, cannot be
/// written, or the target is a folder or a special file.
pub fn check_output_dir(path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() && !dir.is_dir() {
            return Err(UsageError(format!(
                "{}: folder {} does not exist",
                path.display(),
                dir.display()
            ))
            .into());
        }
    }
    if path.is_dir() {
        return Err(UsageError(format!(
            "{}: is a folder, expected a file path",
            path.display()
        ))
        .into());
    }
    // Never replace a device, FIFO or other special file by renaming over it.
    if let Ok(m) = std::fs::symlink_metadata(path) {
        if !(m.is_file() || m.is_symlink() && path.metadata().is_ok_and(|t| t.is_file())) {
            return Err(UsageError(format!(
                "{}: exists and is not a regular file; refusing to replace it",
                path.display()
            ))
            .into());
        }
    }
    // Fail now, not after a long run, if the folder cannot be written.
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Err(e) = tempfile::Builder::new()
        .prefix(".veille-probe-")
        .tempfile_in(dir)
    {
        return Err(UsageError(format!(
            "{}: cannot write in {}: {e}",
            path.display(),
            dir.display()
        ))
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_that_is_an_input_is_refused_by_inode() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("d.jsonl");
        std::fs::write(&data, "{}\n").unwrap();
        let link = dir.path().join("link.jsonl");
        std::fs::hard_link(&data, &link).unwrap();
        let fresh = dir.path().join("m.veille");
        let inputs = [Named {
            flag: "--data",
            path: &data,
        }];
        for same in [&data, &link] {
            let e = check_outputs(
                &[Named {
                    flag: "--out",
                    path: same,
                }],
                &inputs,
            )
            .unwrap_err()
            .to_string();
            assert!(e.contains("is an input (--data"), "{e}");
        }
        check_outputs(
            &[Named {
                flag: "--out",
                path: &fresh,
            }],
            &inputs,
        )
        .unwrap();
    }

    #[test]
    fn two_outputs_on_one_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jsonl");
        let dotted = dir.path().join(".").join("a.jsonl");
        let e = check_outputs(
            &[
                Named {
                    flag: "--out",
                    path: &a,
                },
                Named {
                    flag: "--assignments",
                    path: &dotted,
                },
            ],
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("is another output (--out"), "{e}");
    }
}
