//! The store's schema, versioned by SQLite's `user_version`: each migration takes a store from
//! one version to the next inside one transaction, so a store is always at a whole version.

use rusqlite::Connection;

/// The schema version this build writes.
pub const VERSION: i64 = 1;

/// Migrations: `MIGRATIONS[i]` takes a store from version `i` to `i + 1`.
const MIGRATIONS: [&str; 1] = [r#"
CREATE TABLE articles (
    id           INTEGER PRIMARY KEY,
    ext_id       TEXT,
    url          TEXT,
    source       TEXT NOT NULL,
    title        TEXT,
    author       TEXT,
    published    TEXT,
    ingested_at  TEXT NOT NULL,
    language     TEXT,
    text         TEXT NOT NULL,
    labels       TEXT,
    extra        TEXT NOT NULL,
    raw_sha256   TEXT NOT NULL,
    text_sha256  TEXT NOT NULL,
    dup_group    INTEGER,
    signature    BLOB
);
CREATE UNIQUE INDEX articles_url ON articles(url) WHERE url IS NOT NULL;
CREATE UNIQUE INDEX articles_text ON articles(text_sha256);
CREATE INDEX articles_published ON articles(published);
CREATE INDEX articles_group ON articles(dup_group);
CREATE TABLE classifications (
    article_id    INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    model         TEXT NOT NULL,
    model_sha256  TEXT NOT NULL,
    labels        TEXT NOT NULL,
    scores        TEXT NOT NULL,
    classified_at TEXT NOT NULL,
    PRIMARY KEY (article_id, model_sha256)
);
CREATE TABLE sources (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    fetched_at    TEXT,
    status        TEXT
);
"#];

/// Why a store cannot be brought to this build's schema.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// Written by a newer veille.
    #[error("schema version {found} is newer than this veille's ({VERSION}): use a newer veille")]
    Newer {
        /// The store's version.
        found: i64,
    },
    /// SQLite failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Bring `conn` to [`VERSION`], one transaction per migration.
pub fn migrate(conn: &mut Connection) -> Result<i64, SchemaError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > VERSION {
        return Err(SchemaError::Newer { found });
    }
    for (v, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", v as i64 + 1)?;
        tx.commit()?;
    }
    Ok(found)
}
