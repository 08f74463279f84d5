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

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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
        let path = self.dir.join(format!(".tmp-{}", secrets::new_id()));
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
    fn only_hashes_are_names() {
        let store = FileStore::in_data_dir(Path::new("/data"));
        assert!(store.path("../etc/passwd").is_err());
        assert!(store.path(&"A".repeat(64)).is_err());
        assert!(store.path(&"a".repeat(64)).is_ok());
    }
}
