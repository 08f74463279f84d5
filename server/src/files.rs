//! Uploaded files, outside the database: `<data-dir>/files/<sha256 hex>`.
//!
//! Content-addressed, so identical uploads are stored once and a name says nothing about
//! whose file it is. A file is written to a temporary name first and renamed into place, so
//! a reader never sees half a file.
//!
//! The invariant "a `documents` row's hash has its file" holds because every rename into
//! place and every removal happens inside [`crate::db::Db::call`], i.e. under the database
//! lock, in the same step as the row changes; only the slow write of the temporary file
//! happens outside it.
//!
//! A process killed while writing (or before its [`TempFile`] is dropped) leaves its
//! `.tmp-*` file behind, with a candidate's ID-card bytes in it: [`sweep_at_start_up`] and
//! [`spawn_temp_sweeper`] remove those older than [`STALE_TEMP_AGE`].

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::secrets;

/// The directory of stored files.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

/// A written, not yet committed file; removed when dropped uncommitted.
#[derive(Debug)]
pub struct TempFile {
    path: Option<PathBuf>,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take()
            && let Err(e) = fs::remove_file(&path)
        {
            tracing::warn!(error = %e, path = %path.display(), "cannot remove a temporary upload");
        }
    }
}

/// How the names of temporary files begin (never a hex digit, so never a stored file's).
pub const TEMP_PREFIX: &str = ".tmp-";
/// A temporary file this old is a leftover: an upload writes its file in seconds (at most
/// 10 MB, see `photo::DOCUMENT_MAX_BYTES`), so an hour leaves a wide margin for a slow disk.
pub const STALE_TEMP_AGE: Duration = Duration::from_secs(60 * 60);
/// How often [`spawn_temp_sweeper`] is meant to run.
pub const TEMP_SWEEP_EVERY: Duration = Duration::from_secs(10 * 60);

/// Removes the temporary files in `dir` (a store's directory, `<data-dir>/files`) last
/// modified more than `older_than` ago; returns how many it removed (blocking). A missing
/// directory holds none. Stored files and anything else are left alone.
pub fn remove_stale_temp_files(dir: &Path, older_than: Duration) -> io::Result<usize> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        if !entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            continue;
        }
        let meta = match entry.metadata() {
            Ok(meta) => meta,
            // Committed or dropped by its upload since the directory was read.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        // A modification time in the future (a clock set back) counts as fresh.
        let age = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .unwrap_or_default();
        if !meta.is_file() || age <= older_than {
            continue;
        }
        match fs::remove_file(entry.path()) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}

/// Removes the leftovers of interrupted uploads in `data_dir`'s store when the state opens
/// (blocking). A failure is logged: it must not keep the server from starting.
pub fn sweep_at_start_up(data_dir: &Path) {
    let store = FileStore::in_data_dir(data_dir);
    sweep(&store.dir, STALE_TEMP_AGE);
}

fn sweep(dir: &Path, older_than: Duration) {
    match remove_stale_temp_files(dir, older_than) {
        Ok(0) => {}
        Ok(n) => tracing::info!(removed = n, "removed leftover temporary uploads"),
        Err(e) => tracing::warn!(error = %e, "cannot remove leftover temporary uploads"),
    }
}

/// Every `every`, removes the temporary files of `data_dir`'s store older than `older_than`
/// (normally [`TEMP_SWEEP_EVERY`] and [`STALE_TEMP_AGE`]). Abort the handle on shutdown.
pub fn spawn_temp_sweeper(
    data_dir: PathBuf,
    every: Duration,
    older_than: Duration,
) -> tokio::task::JoinHandle<()> {
    let dir = FileStore::in_data_dir(&data_dir).dir;
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let dir = dir.clone();
            if let Err(e) = tokio::task::spawn_blocking(move || sweep(&dir, older_than)).await {
                tracing::error!(error = %e, "the temporary-upload sweeper failed");
            }
        }
    })
}

/// Whether `name` is a lower-case hex SHA-256, the only names this store uses (so a name
/// can never climb out of the directory).
fn is_sha256_hex(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn bad_name(name: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a SHA-256 file name: {name:?}"),
    )
}

impl FileStore {
    /// The store under a data directory.
    pub fn in_data_dir(data_dir: &Path) -> FileStore {
        FileStore {
            dir: data_dir.join("files"),
        }
    }

    /// Where the content with this hash lives.
    pub fn path(&self, sha256: &str) -> io::Result<PathBuf> {
        if is_sha256_hex(sha256) {
            Ok(self.dir.join(sha256))
        } else {
            Err(bad_name(sha256))
        }
    }

    /// Writes `bytes` to a new temporary file in the store's directory (blocking).
    pub fn write_temp(&self, bytes: &[u8]) -> io::Result<TempFile> {
        fs::create_dir_all(&self.dir)?;
        let path = self.dir.join(format!("{TEMP_PREFIX}{}", secrets::new_id()));
        let mut temp = TempFile {
            path: Some(path.clone()),
        };
        let result = fs::File::create_new(&path).and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        });
        match result {
            Ok(()) => Ok(temp),
            Err(e) => {
                // `create_new` may have failed before creating anything.
                if !path.exists() {
                    temp.path = None;
                }
                Err(e)
            }
        }
    }

    /// Puts a temporary file in place as the content with `sha256` (blocking); when that
    /// content is already stored, the temporary copy is dropped instead.
    pub fn commit(&self, mut temp: TempFile, sha256: &str) -> io::Result<()> {
        let target = self.path(sha256)?;
        let Some(source) = temp.path.clone() else {
            return Err(io::Error::other("temporary file already committed"));
        };
        if target.exists() {
            return Ok(()); // `temp` removes itself
        }
        fs::rename(&source, &target)?;
        temp.path = None;
        Ok(())
    }

    /// Removes the content with `sha256`; a file already gone is fine (blocking).
    pub fn remove(&self, sha256: &str) -> io::Result<()> {
        match fs::remove_file(self.path(sha256)?) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store(label: &str) -> (FileStore, PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "baoming-files-{label}-{}-{}",
            std::process::id(),
            secrets::new_id()
        ));
        (FileStore::in_data_dir(&dir), dir)
    }

    #[test]
    fn content_is_stored_once_under_its_hash() {
        let (store, dir) = temp_store("once");
        let sha = secrets::sha256_hex(b"hello");
        store
            .commit(store.write_temp(b"hello").unwrap(), &sha)
            .unwrap();
        store
            .commit(store.write_temp(b"hello").unwrap(), &sha)
            .unwrap();
        let names: Vec<String> = fs::read_dir(dir.join("files"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(
            names,
            std::slice::from_ref(&sha),
            "no temporary file left behind"
        );
        assert_eq!(fs::read(store.path(&sha).unwrap()).unwrap(), b"hello");
        store.remove(&sha).unwrap();
        store.remove(&sha).unwrap();
        assert!(!store.path(&sha).unwrap().exists());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_uncommitted_temporary_file_disappears() {
        let (store, dir) = temp_store("drop");
        drop(store.write_temp(b"abc").unwrap());
        assert_eq!(fs::read_dir(dir.join("files")).unwrap().count(), 0);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn only_old_temporary_files_are_swept() {
        let (store, dir) = temp_store("sweep");
        let files = dir.join("files");
        assert_eq!(remove_stale_temp_files(&files, STALE_TEMP_AGE).unwrap(), 0);
        let sha = secrets::sha256_hex(b"kept");
        store
            .commit(store.write_temp(b"kept").unwrap(), &sha)
            .unwrap();
        let in_progress = store.write_temp(b"writing").unwrap();
        let two_hours_ago = SystemTime::now() - Duration::from_secs(2 * 60 * 60);
        for name in [".tmp-old", "other-old"] {
            let file = fs::File::create(files.join(name)).unwrap();
            file.set_modified(two_hours_ago).unwrap();
        }
        fs::File::open(store.path(&sha).unwrap())
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
        assert_eq!(remove_stale_temp_files(&files, STALE_TEMP_AGE).unwrap(), 1);
        let mut names: Vec<String> = fs::read_dir(&files)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(
            names.iter().any(|n| n.starts_with(TEMP_PREFIX)),
            "in progress kept"
        );
        assert!(names.contains(&sha) && names.contains(&"other-old".to_owned()));
        drop(in_progress);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn only_hashes_are_names() {
        let store = FileStore::in_data_dir(Path::new("/data"));
        assert!(store.path("../etc/passwd").is_err());
        assert!(store.path(&"A".repeat(64)).is_err());
        assert!(store.path(&"a".repeat(64)).is_ok());
    }
}
