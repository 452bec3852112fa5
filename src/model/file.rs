//! The model file format: a small header, then a postcard body.
//!
//! ```text
//! 8 bytes   magic  "VEILLE\0\x1a"
//! 4 bytes   format version (u32, little-endian)
//! 4 bytes   header length H (u32, little-endian)
//! H bytes   header, JSON: kind, format and crate versions, stemmer identity, body length, CRC-32
//! N bytes   body, postcard
//! ```
//!
//! The header is JSON so that `head -c 300 model.veille` tells a person what the file is.
//! Files are written to a temporary file beside the target and renamed into place, so an
//! interrupted write never leaves a half-written model.

use crate::text::stem::STEMMER_ID;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Magic bytes at the start of every model file.
pub const MAGIC: &[u8; 8] = b"VEILLE\0\x1a";
/// The format version this build writes and reads.
/// v2: classifiers learn how articles are scored (passages, evidence); clusterings record how
/// `--k auto` chose k.
/// v3: weight and idf vectors are one block of little-endian bytes each ([`f32_block`]), not a
/// sequence of floats: decoding a model of 3 million weights becomes a copy. v2 files still
/// load (each field is read the way its file's version wrote it).
pub const FORMAT_VERSION: u32 = 3;

/// The oldest format version this build reads.
pub const OLDEST_READ_VERSION: u32 = 2;

thread_local! {
    /// Format version of the body being decoded on this thread: serde passes no context to
    /// a field's decoder, and the fields whose encoding changed need it ([`f32_block`]).
    static DECODING: std::cell::Cell<u32> = const { std::cell::Cell::new(FORMAT_VERSION) };
}

/// Serde helpers (`#[serde(with = "crate::model::file::f32_block")]`) for a `Vec<f32>` field
/// written as one block of little-endian bytes (format v3 on), read back by a bulk copy;
/// bodies of earlier formats hold it as a sequence of floats, read as such.
pub mod f32_block {
    use serde::de::{self, Deserialize, Deserializer, Visitor};
    use serde::Serializer;

    /// Write `v` as `4 × len` little-endian bytes.
    pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        s.serialize_bytes(&bytes)
    }

    /// Read what [`serialize`] wrote (or, in a v2 body, a sequence of floats).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        if super::DECODING.with(std::cell::Cell::get) < 3 {
            return Vec::<f32>::deserialize(d);
        }
        struct Block;
        impl Visitor<'_> for Block {
            type Value = Vec<f32>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a block of little-endian f32 bytes")
            }
            fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<Vec<f32>, E> {
                if !b.len().is_multiple_of(4) {
                    return Err(E::invalid_length(b.len(), &self));
                }
                use rayon::prelude::*;
                // Zeroed memory is fresh pages, not yet touched: filled a chunk per core, the
                // page faults of a large block (most of its cost) are taken side by side.
                const CHUNK: usize = 1 << 18;
                let mut v = vec![0f32; b.len() / 4];
                v.par_chunks_mut(CHUNK)
                    .zip(b.par_chunks(4 * CHUNK))
                    .for_each(|(dst, src)| {
                        for (d, c) in dst.iter_mut().zip(src.chunks_exact(4)) {
                            *d = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                        }
                    });
                Ok(v)
            }
        }
        d.deserialize_bytes(Block)
    }
}

/// The JSON header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// What the body holds (`"classifier"`).
    pub kind: String,
    /// Format version (also stored in binary before the header).
    pub format_version: u32,
    /// Version of veille that wrote the file.
    pub crate_version: String,
    /// Stemmer identity the vocabulary was built with.
    pub stemmer: String,
    /// Body length in bytes.
    pub body_len: u64,
    /// CRC-32 of the body.
    pub body_crc32: u32,
}

/// Why a model file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    /// I/O.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Not a veille model at all.
    #[error("{}: not a veille model file (bad magic bytes)", path.display())]
    NotAModel {
        /// The file.
        path: PathBuf,
    },
    /// Shorter than its header says.
    #[error("{}: truncated model file ({actual} bytes, expected {expected})", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Bytes present.
        actual: u64,
        /// Bytes expected.
        expected: u64,
    },
    /// Written by a newer veille.
    #[error("{}: model format v{found} is newer than this veille {} supports (v{FORMAT_VERSION}): upgrade veille", path.display(), env!("CARGO_PKG_VERSION"))]
    NewerFormat {
        /// The file.
        path: PathBuf,
        /// Its format version.
        found: u32,
    },
    /// Written by an older, unsupported format.
    #[error("{}: model format v{found} is older than this veille reads (v{OLDEST_READ_VERSION} to v{FORMAT_VERSION}): rebuild it with the `veille train` or `veille cluster` command that made it", path.display())]
    OlderFormat {
        /// The file.
        path: PathBuf,
        /// Its format version.
        found: u32,
    },
    /// Checksum mismatch or an undecodable header or body.
    #[error("{}: corrupt model file ({reason})", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The vocabulary was built by another stemmer.
    #[error("{}: model was built with stemmer \"{found}\" but this veille uses \"{STEMMER_ID}\": its vocabulary would not match; retrain the model", path.display())]
    Stemmer {
        /// The file.
        path: PathBuf,
        /// The stemmer in the file.
        found: String,
    },
    /// Another kind of model than expected.
    #[error("{}: this is a {found} model, expected a {expected} model", path.display())]
    Kind {
        /// The file.
        path: PathBuf,
        /// Kind in the file.
        found: String,
        /// Kind expected.
        expected: String,
    },
    /// The body could not be encoded.
    #[error("could not encode the model: {0}")]
    Encode(String),
}

/// Encode `body` of the given kind into the file bytes.
pub fn encode<T: Serialize>(kind: &str, body: &T) -> Result<Vec<u8>, ModelFileError> {
    let body = postcard::to_stdvec(body).map_err(|e| ModelFileError::Encode(e.to_string()))?;
    let header = Header {
        kind: kind.to_string(),
        format_version: FORMAT_VERSION,
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        stemmer: STEMMER_ID.to_string(),
        body_len: body.len() as u64,
        body_crc32: crc32fast::hash(&body),
    };
    let header = serde_json::to_vec(&header).map_err(|e| ModelFileError::Encode(e.to_string()))?;
    let mut out = Vec::with_capacity(16 + header.len() + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&body);
    Ok(out)
}

/// Write bytes atomically: a temporary file in the same folder, synced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ModelFileError> {
    let io = |source| ModelFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = AtomicFile::create(path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.commit().map_err(io)
}

/// A file written in place of `path` only when complete: a temporary file beside it (same
/// folder, so the rename is atomic), synced and renamed over `path` by
/// [`AtomicFile::commit`]; dropped uncommitted, nothing is left.
pub struct AtomicFile {
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
}

impl AtomicFile {
    /// Start writing what will become `path`.
    pub fn create(path: &Path) -> std::io::Result<AtomicFile> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".veille-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
        })
    }

    /// Sync the file and put it in place. Temporary files are created owner-only; what is
    /// written here is an ordinary, shareable file (mode 0644).
    pub fn commit(self) -> std::io::Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            self.tmp
                .as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        self.tmp.as_file().sync_all()?;
        self.tmp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tmp.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.tmp.flush()
    }
}

/// Read and check a model file's header; returns the header and the body bytes.
pub fn decode<'a>(
    path: &Path,
    bytes: &'a [u8],
    expected_kind: &str,
) -> Result<(Header, &'a [u8]), ModelFileError> {
    let (header, body) = decode_any(path, bytes)?;
    if header.kind != expected_kind {
        return Err(ModelFileError::Kind {
            path: path.to_path_buf(),
            found: header.kind,
            expected: expected_kind.to_string(),
        });
    }
    Ok((header, body))
}

/// Like [`decode`], for a model of any kind: the caller reads the kind from the header.
pub fn decode_any<'a>(path: &Path, bytes: &'a [u8]) -> Result<(Header, &'a [u8]), ModelFileError> {
    let p = || path.to_path_buf();
    if bytes.len() < 16 {
        if bytes.len() >= 8 && &bytes[..8] == MAGIC || MAGIC.starts_with(bytes) && !bytes.is_empty()
        {
            return Err(ModelFileError::Truncated {
                path: p(),
                actual: bytes.len() as u64,
                expected: 16,
            });
        }
        return Err(ModelFileError::NotAModel { path: p() });
    }
    if &bytes[..8] != MAGIC {
        return Err(ModelFileError::NotAModel { path: p() });
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version > FORMAT_VERSION {
        return Err(ModelFileError::NewerFormat {
            path: p(),
            found: version,
        });
    }
    if version < OLDEST_READ_VERSION {
        return Err(ModelFileError::OlderFormat {
            path: p(),
            found: version,
        });
    }
    let hlen = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]) as usize;
    let Some(hbytes) = bytes.get(16..16usize.saturating_add(hlen)) else {
        return Err(ModelFileError::Truncated {
            path: p(),
            actual: bytes.len() as u64,
            expected: 16 + hlen as u64,
        });
    };
    let header: Header = serde_json::from_slice(hbytes).map_err(|e| ModelFileError::Corrupt {
        path: p(),
        reason: format!("unreadable header: {e}"),
    })?;
    if header.format_version != version {
        return Err(ModelFileError::Corrupt {
            path: p(),
            reason: format!(
                "the header says format v{} but the file starts as v{version}",
                header.format_version
            ),
        });
    }
    let body = &bytes[16 + hlen..];
    if (body.len() as u64) < header.body_len {
        return Err(ModelFileError::Truncated {
            path: p(),
            actual: bytes.len() as u64,
            expected: ((16 + hlen) as u64).saturating_add(header.body_len),
        });
    }
    if body.len() as u64 > header.body_len {
        return Err(ModelFileError::Corrupt {
            path: p(),
            reason: format!(
                "{} unexpected bytes after the body",
                body.len() as u64 - header.body_len
            ),
        });
    }
    if crc32fast::hash(body) != header.body_crc32 {
        return Err(ModelFileError::Corrupt {
            path: p(),
            reason: "checksum mismatch".into(),
        });
    }
    if header.stemmer != STEMMER_ID {
        return Err(ModelFileError::Stemmer {
            path: p(),
            found: header.stemmer,
        });
    }
    // A view, not a copy: a 14 MB model would otherwise be copied once more before decoding.
    Ok((header, body))
}

/// Decode a checked body as `T`: every byte must belong to it (bytes left over mean the body
/// is not what its header says, even when the checksum was made to match).
pub fn decode_body<T: for<'de> Deserialize<'de>>(
    path: &Path,
    version: u32,
    body: &[u8],
) -> Result<T, ModelFileError> {
    let corrupt = |reason| ModelFileError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let previous = DECODING.with(|v| v.replace(version));
    let decoded = postcard::take_from_bytes(body);
    DECODING.with(|v| v.set(previous));
    let (value, rest) = decoded.map_err(|e| corrupt(format!("undecodable body: {e}")))?;
    if !rest.is_empty() {
        return Err(corrupt(format!(
            "{} bytes left over inside the body after its contents",
            rest.len()
        )));
    }
    Ok(value)
}

/// Why the decoded parts of a model do not fit together: a file that passed its checksum
/// but holds what no veille writes (crafted, or from a buggy build). Reported as
/// [`ModelFileError::Corrupt`], the input's fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidModel(pub String);

impl From<&str> for InvalidModel {
    fn from(s: &str) -> Self {
        InvalidModel(s.to_string())
    }
}

/// A model body that can check its own consistency after decoding.
pub trait Validate {
    /// Why the decoded parts do not fit together, if they do not.
    fn validate(&self) -> Result<(), InvalidModel>;
}

/// Largest model file read (a guard against being pointed at a device or a huge file).
pub const MAX_MODEL_BYTES: u64 = 4 << 30;

/// Read a file and decode its body as `T`, then validate it.
pub fn load<T: for<'de> Deserialize<'de> + Validate>(
    path: &Path,
    expected_kind: &str,
) -> Result<(Header, T), ModelFileError> {
    from_bytes(path, &read(path)?, expected_kind)
}

/// The bytes of a model file: a regular file of at most [`MAX_MODEL_BYTES`].
pub fn read(path: &Path) -> Result<FileBytes, ModelFileError> {
    let io = |source| ModelFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Only regular files, checked before opening: opening a FIFO would block, and a device
    // would never end.
    if !std::fs::metadata(path).map_err(io)?.is_file() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let mut file = std::fs::File::open(path).map_err(io)?;
    // The length of the file opened, the one read: the guard and the buffer agree even if
    // the path was replaced in between.
    let len = file.metadata().map_err(io)?.len();
    if len > MAX_MODEL_BYTES {
        return Err(ModelFileError::Corrupt {
            path: path.to_path_buf(),
            reason: format!("{len} bytes is larger than any model veille writes"),
        });
    }
    if len < PREFAULTED_FROM {
        let mut bytes = vec![0; len as usize];
        read_all(&mut file, &mut bytes).map_err(io)?;
        return Ok(FileBytes::Heap(bytes));
    }
    // Memory the kernel fills in one call (MADV_POPULATE_WRITE), in 2 MiB pages where it
    // allows them (MADV_HUGEPAGE), instead of one page fault per 4 KiB page as the read copies
    // in: a quarter of a one-article classify went to those faults. Both are hints: without
    // them the read faults the pages in. Anonymous memory, not a map of the file: a file
    // truncated under a map would kill the process (SIGBUS) instead of giving an error.
    let mut map = memmap2::MmapOptions::new()
        .len(len as usize)
        .map_anon()
        .map_err(io)?;
    let _ = map.advise(memmap2::Advice::HugePage);
    let _ = map.advise(memmap2::Advice::PopulateWrite);
    read_all(&mut file, &mut map).map_err(io)?;
    Ok(FileBytes::Prefaulted(map))
}

/// Fill `buf` with the whole of `file`, which its length said is `buf.len()` bytes: a file
/// that is shorter or longer by the time it is read (written to meanwhile, or a file such as
/// those of `/proc` whose length says nothing) is an error, whatever its size: the input's
/// fault (`InvalidInput`, exit 2), not veille's.
fn read_all(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<()> {
    use std::io::{Error, ErrorKind};
    file.read_exact(buf).map_err(|e| match e.kind() {
        ErrorKind::UnexpectedEof => {
            Error::new(ErrorKind::InvalidInput, "the file shrank while being read")
        }
        _ => e,
    })?;
    if file.read(&mut [0u8; 1])? != 0 {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "the file grew while being read",
        ));
    }
    Ok(())
}

/// Files from this size are read into prefaulted memory (smaller ones into a `Vec`).
const PREFAULTED_FROM: u64 = 1 << 20;

/// The bytes of a model file read by [`read`].
pub enum FileBytes {
    /// A small file, in a `Vec`.
    Heap(Vec<u8>),
    /// A large file, in anonymous memory whose pages were filled in one call (where the
    /// kernel takes the hint).
    Prefaulted(memmap2::MmapMut),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Heap(v) => v,
            FileBytes::Prefaulted(m) => m,
        }
    }
}

/// Decode file bytes (named `path` in errors) as `T`, then validate it: what [`load`] does
/// once the file is read.
pub fn from_bytes<T: for<'de> Deserialize<'de> + Validate>(
    path: &Path,
    bytes: &[u8],
    expected_kind: &str,
) -> Result<(Header, T), ModelFileError> {
    let (header, body) = decode(path, bytes, expected_kind)?;
    let value = checked_body(path, header.format_version, body)?;
    Ok((header, value))
}

/// Decode a body already checked by [`decode`] or [`decode_any`], then validate it.
pub fn checked_body<T: for<'de> Deserialize<'de> + Validate>(
    path: &Path,
    version: u32,
    body: &[u8],
) -> Result<T, ModelFileError> {
    let value: T = decode_body(path, version, body)?;
    value.validate().map_err(|reason| ModelFileError::Corrupt {
        path: path.to_path_buf(),
        reason: format!("inconsistent contents: {reason}"),
    })?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip_err(mutate: impl Fn(&mut Vec<u8>)) -> String {
        let mut bytes = encode("classifier", &vec![1u32, 2, 3]).unwrap();
        mutate(&mut bytes);
        decode(Path::new("m.veille"), &bytes, "classifier")
            .unwrap_err()
            .to_string()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_longer_than_its_length_says_is_refused_not_read_to_its_end() {
        // /proc files are regular files of length 0 that yield bytes: the same case as a file
        // that grows while it is read, for the small-file path as for the large one.
        let path = Path::new("/proc/self/status");
        let err = read(path).err().expect("refused");
        assert_eq!(
            err.to_string(),
            "/proc/self/status: the file grew while being read"
        );
        assert!(
            matches!(&err, ModelFileError::Io { source, .. } if source.kind() == std::io::ErrorKind::InvalidInput),
            "the input's fault: {err:?}"
        );
    }

    #[test]
    fn issue9_trailing_body_bytes_and_a_disagreeing_header_version_are_refused() {
        // A body with bytes after its contents, checksum and length made to match.
        let mut body = postcard::to_stdvec(&vec![1u32, 2, 3]).unwrap();
        body.extend_from_slice(b"junk");
        let original = encode("classifier", &0u8).unwrap();
        let hlen = u32::from_le_bytes([original[12], original[13], original[14], original[15]]);
        let mut header: Header = serde_json::from_slice(&original[16..16 + hlen as usize]).unwrap();
        header.body_len = body.len() as u64;
        header.body_crc32 = crc32fast::hash(&body);
        let rebuild = |header: &Header| {
            let h = serde_json::to_vec(header).unwrap();
            let mut out = MAGIC.to_vec();
            out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
            out.extend_from_slice(&(h.len() as u32).to_le_bytes());
            out.extend_from_slice(&h);
            out.extend_from_slice(&body);
            out
        };
        let bytes = rebuild(&header);
        let (_, checked) = decode(Path::new("m"), &bytes, "classifier").unwrap();
        let e = decode_body::<Vec<u32>>(Path::new("m"), FORMAT_VERSION, checked).unwrap_err();
        assert!(e.to_string().contains("4 bytes left over"), "{e}");
        header.format_version = FORMAT_VERSION + 1;
        let e = decode(Path::new("m"), &rebuild(&header), "classifier").unwrap_err();
        assert!(e.to_string().contains("the header says format"), "{e}");
    }

    #[test]
    fn round_trip() {
        let bytes = encode("classifier", &vec![1u32, 2, 3]).unwrap();
        let (h, body) = decode(Path::new("m"), &bytes, "classifier").unwrap();
        assert_eq!(h.crate_version, env!("CARGO_PKG_VERSION"));
        let v: Vec<u32> = postcard::from_bytes(body).unwrap();
        assert_eq!(v, [1, 2, 3]);
    }

    #[test]
    fn each_failure_says_which() {
        assert!(roundtrip_err(|b| b[0] = b'X').contains("not a veille model"));
        assert!(roundtrip_err(|b| b.truncate(b.len() - 2)).contains("truncated"));
        assert!(roundtrip_err(|b| b.truncate(5)).contains("truncated"));
        assert!(roundtrip_err(|b| {
            let n = b.len();
            b[n - 1] ^= 0xff
        })
        .contains("checksum mismatch"));
        assert!(roundtrip_err(|b| b[8] = 9).contains("newer than this veille"));
        // A header length or body length near the integer limits is a clean error.
        assert!(
            roundtrip_err(|b| b[12..16].copy_from_slice(&u32::MAX.to_le_bytes()))
                .contains("truncated")
        );
        let huge = roundtrip_err(|b| {
            let at = b.windows(10).position(|w| w == b"\"body_len\"").unwrap() + 11;
            let end = at + b[at..].iter().position(|&c| c == b',').unwrap();
            let mut patched = b[..at].to_vec();
            patched.extend_from_slice(u64::MAX.to_string().as_bytes());
            patched.extend_from_slice(&b[end..]);
            let hlen =
                u32::from_le_bytes([b[12], b[13], b[14], b[15]]) as usize + patched.len() - b.len();
            patched[12..16].copy_from_slice(&(hlen as u32).to_le_bytes());
            *b = patched;
        });
        assert!(huge.contains("truncated"), "{huge}");
        let other = roundtrip_err(|b| {
            let at = b
                .windows(19)
                .position(|w| w == b"rust-stemmers 1.2.0")
                .unwrap();
            b[at + 14..at + 19].copy_from_slice(b"9.9.9");
        });
        assert!(other.contains("built with stemmer"), "{other}");
        let bytes = encode("clustering", &0u8).unwrap();
        let e = decode(Path::new("m"), &bytes, "classifier")
            .unwrap_err()
            .to_string();
        assert!(e.contains("clustering model"));
        assert!(
            decode(Path::new("m"), b"hello world, not a model", "classifier")
                .unwrap_err()
                .to_string()
                .contains("not a veille model")
        );
    }
}
