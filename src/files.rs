//! The user's files, opened so that they cannot be used against the program: a landscape
//! is read only when it is a regular file of bounded size and written at the target of its
//! symbolic links, never over a file the user could not write or whose owner would change;
//! its lock file is never a followed link; credential files must be private, as ssh wants.
//! Every refusal is one sentence that names the file.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The most a landscape file may hold; a generated landscape of 100,000 systems is about
/// 23 MB, so this leaves room without letting a hostile file exhaust memory.
pub const MAX_LANDSCAPE_BYTES: u64 = 256 * 1024 * 1024;

/// The most a formations file may hold: a file that declares every formation of a large
/// global account by name is well under 1 MiB; more is not a formations file.
pub const MAX_FORMATIONS_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The most a token file or a service key may hold.
pub const MAX_CREDENTIAL_BYTES: u64 = 64 * 1024;

/// Set to `1` to use credential files that other users can read (a shared lab machine).
pub const ALLOW_OPEN_CREDENTIALS_ENV: &str = "FORMATION_WIZARD_ALLOW_OPEN_CREDENTIALS";

/// How long a writer waits for another's lock before saying so on stderr.
pub const LOCK_NOTICE_AFTER: Duration = Duration::from_secs(1);

fn refused(kind: io::ErrorKind, why: String) -> io::Error {
    io::Error::new(kind, why)
}

/// What kind of file `meta` is, in words, for a refusal.
fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

fn not_regular(meta: &Metadata) -> io::Error {
    refused(
        io::ErrorKind::InvalidInput,
        format!("it is {}, not a regular file", kind_of(meta)),
    )
}

/// Opens `path` for reading only if it is a regular file: the type is checked before the
/// open (so a FIFO is never opened) and again on the open descriptor (so a swap in between
/// is caught); the open itself never blocks.
fn open_regular(path: &Path) -> io::Result<(File, Metadata)> {
    let before = std::fs::metadata(path)?;
    if !before.is_file() {
        return Err(not_regular(&before));
    }
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    Ok((file, meta))
}

/// Reads a regular file of at most `max` bytes; anything else is refused without reading.
pub fn read_regular(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let (file, meta) = open_regular(path)?;
    let too_big = || {
        refused(
            io::ErrorKind::InvalidData,
            format!(
                "it is larger than {}, the most formation-wizard reads",
                size_words(max)
            ),
        )
    };
    if meta.len() > max {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The file may grow after the size check; never read more than the bound.
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_big());
    }
    Ok(bytes)
}

fn size_words(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{} KiB", bytes / 1024)
    }
}

/// The file a write to `path` must change: the final target of its symbolic links, so
/// that a link stays a link and every writer through it or its target meets in one file
/// (and one lock). A path that does not exist yet is used as given; a link to nothing is
/// refused rather than replaced.
pub fn resolve(path: &Path) -> io::Result<PathBuf> {
    match std::fs::canonicalize(path) {
        Ok(target) => Ok(target),
        Err(e) if e.kind() == io::ErrorKind::NotFound => match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => Err(refused(
                io::ErrorKind::NotFound,
                "it is a symbolic link to a file that does not exist".to_owned(),
            )),
            _ => Ok(path.to_owned()),
        },
        Err(e) => Err(e),
    }
}

/// Whether this process may replace the existing file `meta` describes without taking it
/// over: it must be a regular file, marked writable, writable by this user, and — for
/// anyone but root, who can hand it back — owned by this user, since a rename would
/// otherwise make the writer its owner.
pub fn check_replaceable(path: &Path, meta: &Metadata) -> io::Result<()> {
    if !meta.is_file() {
        return Err(not_regular(meta));
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o222 == 0 {
        return Err(refused(
            io::ErrorKind::PermissionDenied,
            format!(
                "it is read-only (mode {mode:04o}); make it writable (chmod u+w) if it may be changed"
            ),
        ));
    }
    if !can_write(path) {
        return Err(refused(
            io::ErrorKind::PermissionDenied,
            format!(
                "you may not write it (owner uid {}, mode {mode:04o})",
                meta.uid()
            ),
        ));
    }
    let me = effective_uid();
    if me != 0 && meta.uid() != me {
        return Err(refused(
            io::ErrorKind::PermissionDenied,
            format!(
                "it belongs to another user (uid {}); replacing it would make you its owner",
                meta.uid()
            ),
        ));
    }
    Ok(())
}

fn can_write(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Gives `file` the owner and group of `meta` when running as root, so that a replaced
/// file keeps its owner; anyone else already owns what they may replace.
pub fn keep_owner(file: &File, meta: &Metadata) -> io::Result<()> {
    if effective_uid() != 0 {
        return Ok(());
    }
    std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()))
}

/// An exclusive advisory lock on `<target>.lock`, released on drop.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// How to wait for a lock another process holds.
#[derive(Debug, Clone, Copy)]
pub struct LockWait {
    /// Give up after this long.
    pub timeout: Duration,
}

/// Takes the exclusive lock beside `target` (already resolved through links). The lock file
/// is opened without following a symbolic link and without blocking on a FIFO, so a
/// planted link or pipe is refused and its target never created. When another process
/// holds the lock, `waiting` is called once after [`LOCK_NOTICE_AFTER`]; after
/// `wait.timeout` the wait ends with an error naming the lock file.
pub fn lock_beside(target: &Path, wait: LockWait, waiting: impl FnOnce(&Path)) -> io::Result<Lock> {
    let mut name = target.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(&lock_path)
        .map_err(|e| lock_open_error(&lock_path, e))?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(refused(
            io::ErrorKind::InvalidInput,
            format!(
                "its lock file {} is {}, not a regular file",
                lock_path.display(),
                kind_of(&meta)
            ),
        ));
    }
    wait_for(&file, &lock_path, wait, waiting)?;
    Ok(Lock { _file: file })
}

fn lock_open_error(lock_path: &Path, e: io::Error) -> io::Error {
    if e.raw_os_error() == Some(libc::ELOOP) {
        return refused(
            io::ErrorKind::InvalidInput,
            format!(
                "its lock file {} is a symbolic link, which is never followed; remove it if you did not make it",
                lock_path.display()
            ),
        );
    }
    refused(
        e.kind(),
        format!("cannot open its lock file {}: {e}", lock_path.display()),
    )
}

/// Waits in the kernel (a blocking `flock` on a second descriptor of the same open file,
/// in a helper thread), so the lock goes to this process the moment it is free and the
/// wait shows in `/proc/locks`. On a timeout the helper is abandoned: if it gets the lock
/// later, nobody receives it and dropping its descriptor releases it at once.
fn wait_for(
    file: &File,
    lock_path: &Path,
    wait: LockWait,
    waiting: impl FnOnce(&Path),
) -> io::Result<()> {
    let cannot = |e: io::Error| {
        refused(
            e.kind(),
            format!("cannot lock its lock file {}: {e}", lock_path.display()),
        )
    };
    match file.try_lock() {
        Ok(()) => return Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => {}
        Err(std::fs::TryLockError::Error(e)) => return Err(cannot(e)),
    }
    let started = Instant::now();
    let helper = file.try_clone().map_err(cannot)?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let got = helper.lock();
        // The receiver is gone when the wait timed out; `helper` drops here either way,
        // and the lock stays with the other descriptor only if it was received.
        let _ = tx.send(got);
    });
    let first = LOCK_NOTICE_AFTER.min(wait.timeout);
    let got = match rx.recv_timeout(first) {
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) if wait.timeout > first => {
            waiting(lock_path);
            rx.recv_timeout(wait.timeout - first)
        }
        other => other,
    };
    match got {
        Ok(result) => result.map_err(cannot),
        Err(_) => Err(refused(
            io::ErrorKind::TimedOut,
            format!(
                "gave up after {:.1} s waiting for its lock file {}, which another process holds (wait longer with --lock-timeout SECONDS)",
                started.elapsed().as_secs_f64(),
                lock_path.display()
            ),
        )),
    }
}

/// Reads a credential file (a token file, a service key): a regular file of bounded size
/// that only its owner can read, unless [`ALLOW_OPEN_CREDENTIALS_ENV`] is `1`. `what`
/// names it in the refusal ("the token file").
pub fn read_credential(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    let fail = |e: io::Error| format!("cannot read {what} {}: {e}", path.display());
    let (file, meta) = open_regular(path).map_err(fail)?;
    check_private(path, what, &meta)?;
    if meta.len() > MAX_CREDENTIAL_BYTES {
        return Err(format!(
            "{what} {} is larger than {}; it cannot be a credential",
            path.display(),
            size_words(MAX_CREDENTIAL_BYTES)
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_CREDENTIAL_BYTES)
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    Ok(bytes)
}

/// Makes `dir` (and its parents) if needed and makes it private (0700), also when it was
/// made earlier under a looser umask.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Replaces `path` whole with `bytes`, never readable by others on the way: a temporary
/// file beside it (`prefix…`) restricted to 0600 before a byte is written, synced, then
/// renamed over the old one. The directory must exist.
pub fn write_private(path: &Path, bytes: &[u8], prefix: &str) -> io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(prefix).tempfile_in(dir)?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Refuses a credential file that its group or others can read, naming the fix.
pub fn check_private(path: &Path, what: &str, meta: &Metadata) -> Result<(), String> {
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 == 0 || open_credentials_allowed() {
        return Ok(());
    }
    Err(format!(
        "{what} {} can be read by other users (mode {mode:04o}); restrict it with `chmod 600 {}` (or set {ALLOW_OPEN_CREDENTIALS_ENV}=1 to accept it)",
        path.display(),
        path.display()
    ))
}

fn open_credentials_allowed() -> bool {
    std::env::var(ALLOW_OPEN_CREDENTIALS_ENV).is_ok_and(|v| v == "1")
}

/// Checks a credential file without keeping its content: the Director client reads it
/// itself; this makes sure it is private and not a pipe first.
pub fn check_credential(path: &Path, what: &str) -> Result<(), String> {
    read_credential(path, what).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_bound_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        std::fs::write(&path, vec![b' '; 2048]).unwrap();
        let e = read_regular(&path, 1024).unwrap_err();
        assert!(e.to_string().contains("larger than 1 KiB"), "{e}");
        assert_eq!(read_regular(&path, 4096).unwrap().len(), 2048);
    }

    #[test]
    fn a_directory_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_regular(dir.path(), 1024).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
    }

    #[test]
    fn a_link_to_nothing_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(dir.path().join("missing.json"), &link).unwrap();
        assert!(resolve(&link).is_err());
        let fresh = dir.path().join("new.json");
        assert_eq!(resolve(&fresh).unwrap(), fresh);
    }

    #[test]
    fn a_read_only_file_is_not_replaceable_even_for_root() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ro.json");
        std::fs::write(&path, "{}").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let e = check_replaceable(&path, &meta).unwrap_err();
        assert!(e.to_string().contains("read-only (mode 0444)"), "{e}");
    }
}
