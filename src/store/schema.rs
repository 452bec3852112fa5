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
    /// Older than this veille's, and opened to read only (so not migrated).
    #[error(
        "schema version {found} is older than this veille's ({VERSION}): \
         `veille ingest` migrates it"
    )]
    Older {
        /// The store's version.
        found: i64,
    },
    /// An SQLite database, but not a veille store: another program's tables, or none.
    #[error("not a veille store: {}", describe_foreign(tables))]
    Foreign {
        /// Its tables (none: an empty database).
        tables: Vec<String>,
    },
    /// SQLite failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

fn describe_foreign(tables: &[String]) -> String {
    const SHOWN: usize = 5;
    match tables.len() {
        0 => "an empty SQLite database".into(),
        n => format!(
            "an SQLite database of another program (tables: {}{})",
            tables[..n.min(SHOWN)].join(", "),
            if n > SHOWN { ", ..." } else { "" }
        ),
    }
}

/// The version of the store on `conn`, checked without writing anything: not newer than
/// [`VERSION`], and, below version 1, a database with no tables at all (a new store), never
/// another program's database, which veille would otherwise fill with its own tables. A file
/// that is not an SQLite database fails here, on the first read.
pub fn check(conn: &Connection) -> Result<i64, SchemaError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > VERSION {
        return Err(SchemaError::Newer { found });
    }
    if found < 1 {
        let mut stmt = conn.prepare(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') \
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?;
        let tables = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        if !tables.is_empty() {
            return Err(SchemaError::Foreign { tables });
        }
    }
    Ok(found)
}

/// Bring `conn` to [`VERSION`], one transaction per migration (after [`check`]).
pub fn migrate(conn: &mut Connection) -> Result<i64, SchemaError> {
    let found = check(conn)?;
    for (v, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", v as i64 + 1)?;
        tx.commit()?;
    }
    Ok(found)
}
