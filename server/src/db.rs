//! The SQLite database: opening, schema migrations, and running queries off the async
//! runtime.
//!
//! WAL mode: one writer connection behind a mutex (SQLite allows a single writer anyway, and
//! one path for writes means no "database is locked" between our own connections), and a
//! small pool of read-only connections ([`Db::read`]) that read in parallel with each other
//! and with the writer, each seeing the last committed state. Nothing slow may run while a
//! connection is held: no password hash, no network call (payments call the provider
//! between short transactions, see `checkout`), no upload stream.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// Schema migrations, applied in order. `PRAGMA user_version` records how many have run, so
/// a migration is never edited once released: add a new file instead.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_plans", include_str!("../migrations/0001_plans.sql")),
    (
        "0002_accounts",
        include_str!("../migrations/0002_accounts.sql"),
    ),
    (
        "0003_applications",
        include_str!("../migrations/0003_applications.sql"),
    ),
    (
        "0004_review_and_payments",
        include_str!("../migrations/0004_review_and_payments.sql"),
    ),
    (
        "0005_submitted_draft",
        include_str!("../migrations/0005_submitted_draft.sql"),
    ),
    (
        "0006_sms_code_keyed_hash",
        include_str!("../migrations/0006_sms_code_keyed_hash.sql"),
    ),
    (
        "0007_payment_attempts",
        include_str!("../migrations/0007_payment_attempts.sql"),
    ),
    (
        "0008_idempotency_request_hash",
        include_str!("../migrations/0008_idempotency_request_hash.sql"),
    ),
    (
        "0009_document_findings",
        include_str!("../migrations/0009_document_findings.sql"),
    ),
    (
        "0010_corrections_deadline",
        include_str!("../migrations/0010_corrections_deadline.sql"),
    ),
];

/// A handle to the database, cheap to clone.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    /// Read-only connections to the same file; `None` for an in-memory database, whose
    /// reads go to the writer.
    readers: Option<Arc<Readers>>,
}

/// Read-only connections, opened on demand up to [`READERS`].
struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    slots: Semaphore,
}

/// How many read-only connections at most: reads are short, so a few per core keep both
/// cores busy while a write or a slow disk holds one.
pub const READERS: usize = 4;

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Db")
    }
}

/// Why the database could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// The data directory could not be created.
    Io(std::io::Error),
    /// SQLite refused (corrupt file, failing migration, ...).
    Sqlite(rusqlite::Error),
    /// The file was migrated by a newer build; running an older one would misread it.
    TooNew { found: i64, known: usize },
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Io(e) => write!(f, "cannot create the data directory: {e}"),
            OpenError::Sqlite(e) => write!(f, "database error: {e}"),
            OpenError::TooNew { found, known } => write!(
                f,
                "the database has schema version {found}, this build knows only {known}; \
                 run a newer baoming-server"
            ),
        }
    }
}

impl std::error::Error for OpenError {}

impl From<rusqlite::Error> for OpenError {
    fn from(e: rusqlite::Error) -> Self {
        OpenError::Sqlite(e)
    }
}

impl Db {
    /// Opens (creating if needed) `baoming.sqlite3` in `data_dir` and migrates it.
    pub fn open_in_dir(data_dir: &Path) -> Result<Db, OpenError> {
        std::fs::create_dir_all(data_dir).map_err(OpenError::Io)?;
        Db::open(&data_dir.join("baoming.sqlite3"))
    }

    /// Opens (creating if needed) the database file at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Db, OpenError> {
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        migrate(&mut conn)?;
        let mut db = Db::from_connection(conn);
        db.readers = Some(Arc::new(Readers {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
            slots: Semaphore::new(READERS),
        }));
        Ok(db)
    }

    /// A private in-memory database, migrated (for tests and tools).
    pub fn open_in_memory() -> Result<Db, OpenError> {
        let mut conn = Connection::open_in_memory()?;
        configure(&conn)?;
        migrate(&mut conn)?;
        Ok(Db::from_connection(conn))
    }

    fn from_connection(conn: Connection) -> Db {
        Db {
            conn: Arc::new(Mutex::new(conn)),
            readers: None,
        }
    }

    /// Runs a read-only `f` on one of the read-only connections (waiting for a free one),
    /// on the blocking thread pool, in parallel with other reads and with the writer. It
    /// sees what was committed when it starts. A write from `f` fails (`query_only`).
    pub async fn read<F, T>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let Some(readers) = self.readers.clone() else {
            return self.call(move |conn| f(conn)).await;
        };
        // The slot is held until the blocking task below is done (it is awaited here).
        let pool = Arc::clone(&readers);
        let _slot = pool.slots.acquire().await.map_err(ApiError::internal)?;
        let pooled = readers.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        tokio::task::spawn_blocking(move || {
            let conn = match pooled {
                Some(conn) => conn,
                None => open_reader(&readers.path).map_err(ApiError::internal)?,
            };
            let result = f(&conn);
            // A connection left inside a transaction (a panic is caught above us) is dropped
            // rather than reused.
            if conn.is_autocommit() {
                readers
                    .idle
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(conn);
            }
            result
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs `f` with the connection on the blocking thread pool, so slow disk I/O never
    /// stalls the async workers.
    pub async fn call<F, T>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock leaves SQLite itself consistent (an open
            // transaction rolls back when its guard drops), so carrying on is safe.
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs `f` with the connection on the current thread; for start-up and tests, never
    /// from an async handler.
    pub fn blocking<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

/// A read-only connection to the database file (already migrated, in WAL mode).
fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch(
        "PRAGMA query_only = ON;
         PRAGMA busy_timeout = 5000;",
    )?;
    Ok(conn)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // WAL lets readers (a backup, the sqlite3 shell) work while the server writes;
    // in-memory databases answer "memory" and that is fine.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;
         PRAGMA busy_timeout = 5000;",
    )?;
    Ok(())
}

/// The schema version recorded in the file (`PRAGMA user_version`).
pub fn schema_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Applies the migrations the file has not seen yet, each in its own transaction together
/// with the version bump, so a crash never leaves a half-applied step recorded as done.
pub fn migrate(conn: &mut Connection) -> Result<(), OpenError> {
    let found = schema_version(conn)?;
    let known = MIGRATIONS.len();
    let start = usize::try_from(found).unwrap_or(usize::MAX);
    if start > known {
        return Err(OpenError::TooNew { found, known });
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(start) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        // PRAGMA takes no bound parameters; the value is our own integer.
        tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
        tx.commit()?;
        tracing::info!(migration = name, "applied database migration");
    }
    Ok(())
}

/// Whether `table` exists; used by tests and start-up checks.
pub fn table_exists(conn: &Connection, table: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [table],
        |_| Ok(()),
    )
    .optional()
    .map(|found| found.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_and_record_the_version() {
        let db = Db::open_in_memory().expect("open");
        db.blocking(|conn| {
            assert_eq!(schema_version(conn).unwrap(), MIGRATIONS.len() as i64);
            for table in [
                "plans",
                "accounts",
                "sms_codes",
                "sessions",
                "sms_outbox",
                "applications",
                "application_events",
                "documents",
                "idempotency",
                "rejections",
                "orders",
                "payment_attempts",
                "refunds",
                "payment_log",
            ] {
                assert!(table_exists(conn, table).unwrap(), "{table}");
            }
            // Running again is a no-op, not a "table already exists" error.
            migrate(conn).expect("second migrate");
            assert_eq!(schema_version(conn).unwrap(), MIGRATIONS.len() as i64);
        });
    }

    #[test]
    fn files_stored_before_findings_were_kept_have_none() {
        let before = MIGRATIONS
            .iter()
            .position(|(name, _)| *name == "0009_document_findings")
            .unwrap();
        let mut conn = Connection::open_in_memory().unwrap();
        for (_, sql) in &MIGRATIONS[..before] {
            conn.execute_batch(sql).unwrap();
        }
        // A row of its own, without an application around it.
        conn.execute_batch(&format!(
            "PRAGMA user_version = {before}; PRAGMA foreign_keys = OFF;"
        ))
        .unwrap();
        conn.execute(
            "INSERT INTO documents
                 (application_id, material, sha256, content_type, size_bytes, uploaded_at)
             VALUES ('a1', 'portrait', 'ab', 'image/jpeg', 51200, 1790000000)",
            [],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let docs = crate::store::documents::list(&conn, "a1").unwrap();
        assert_eq!(docs.len(), 1);
        assert!(docs[0].findings.is_empty());
    }

    #[test]
    fn a_database_from_a_newer_build_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA user_version = 999").unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(OpenError::TooNew { found: 999, .. })
        ));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_run_beside_a_write_and_see_what_was_committed() {
        let dir = std::env::temp_dir().join(format!("baoming-db-{}", crate::secrets::new_id()));
        let db = Db::open_in_dir(&dir).unwrap();
        db.call(|c| {
            c.execute_batch("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1);")?;
            Ok(())
        })
        .await
        .unwrap();
        // The writer holds an open transaction with an uncommitted row...
        let (hold, release) = std::sync::mpsc::channel::<()>();
        let (opened, is_open) = std::sync::mpsc::channel::<()>();
        let writer = {
            let db = db.clone();
            tokio::spawn(async move {
                db.call(move |c| {
                    let tx = c.transaction()?;
                    tx.execute("INSERT INTO t VALUES (2)", [])?;
                    let _ = opened.send(());
                    let _ = release.recv_timeout(std::time::Duration::from_secs(5));
                    tx.commit()?;
                    Ok(())
                })
                .await
            })
        };
        tokio::task::spawn_blocking(move || is_open.recv())
            .await
            .unwrap()
            .unwrap();
        // ...and a read answers at once, with the committed state only.
        let seen: i64 = db
            .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(seen, 1);
        // Reads cannot write.
        assert!(
            db.read(|c| Ok(c.execute("DELETE FROM t", [])?))
                .await
                .is_err()
        );
        hold.send(()).unwrap();
        writer.await.unwrap().unwrap();
        let seen: i64 = db
            .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(seen, 2);
        drop(db);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn foreign_keys_are_enforced() {
        let db = Db::open_in_memory().unwrap();
        let on: i64 = db.blocking(|c| {
            c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))
                .unwrap()
        });
        assert_eq!(on, 1);
    }
}
