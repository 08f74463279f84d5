//! Child processes: printed before they run, and never outliving xtask.
//!
//! Two mechanisms keep children from leaking:
//! - [`Background`] owns a long-running child (a server) and stops it on drop, which
//!   also runs when xtask returns an error or panics.
//! - On Linux every child gets the parent-death signal (SIGTERM), so even when xtask
//!   itself is killed (SIGTERM from CI, SIGKILL) its children go with it.
//!
//! Children stay in xtask's process group, so Ctrl-C in a terminal reaches all of them
//! directly; nothing needs to forward it.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// A command to run, which remembers what to print about itself.
pub struct Cmd {
    inner: Command,
    /// Program and arguments as shown to the user.
    words: Vec<String>,
    /// Environment changes worth showing (PATH is shown abbreviated).
    shown_env: Vec<String>,
    cwd: Option<PathBuf>,
}

impl Cmd {
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        let program = program.as_ref();
        let mut inner = Command::new(program);
        die_with_parent(&mut inner);
        Cmd {
            inner,
            words: vec![show_word(program)],
            shown_env: Vec::new(),
            cwd: None,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.words.push(show_word(arg.as_ref()));
        self.inner.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for arg in args {
            self = self.arg(arg);
        }
        self
    }

    /// Sets a variable and shows it when the command is printed.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        let value = value.as_ref();
        self.shown_env
            .retain(|e| !e.starts_with(&format!("{key}=")));
        self.shown_env.push(format!("{key}={}", show_word(value)));
        self.inner.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.inner.env_remove(key);
        self
    }

    /// Puts `dirs` in front of the inherited `PATH`.
    pub fn path_prepend(mut self, dirs: &[PathBuf]) -> Self {
        if dirs.is_empty() {
            return self;
        }
        let inherited = std::env::var_os("PATH").unwrap_or_default();
        let mut all: Vec<PathBuf> = dirs.to_vec();
        all.extend(std::env::split_paths(&inherited));
        let joined: OsString = std::env::join_paths(all).unwrap_or(inherited);
        let shown: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        self.shown_env.retain(|e| !e.starts_with("PATH="));
        self.shown_env
            .push(format!("PATH={}:$PATH", shown.join(":")));
        self.inner.env("PATH", joined);
        self
    }

    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.cwd = Some(dir.to_path_buf());
        self.inner.current_dir(dir);
        self
    }

    /// The command as a shell line: `VAR=value program args`.
    pub fn display(&self) -> String {
        let mut line = String::new();
        for e in &self.shown_env {
            let _ = write!(line, "{e} ");
        }
        line.push_str(&self.words.join(" "));
        line
    }

    fn announce(&self) {
        println!("\n$ {}", self.display());
        let _ = std::io::stdout().flush();
    }

    fn spawn_inner(&mut self) -> Result<Child> {
        self.inner.spawn().with_context(|| {
            format!(
                "could not start `{}` (is it installed and on PATH? `cargo xtask setup` installs the project's tools)",
                self.words[0]
            )
        })
    }

    /// Runs with inherited stdio; a non-zero exit is an error.
    pub fn run(self) -> Result<()> {
        let line = self.display();
        let status = self.status()?;
        if !status.success() {
            bail!("`{line}` failed ({})", describe(status));
        }
        Ok(())
    }

    /// Runs with inherited stdio and returns the exit status, whatever it is.
    pub fn status(mut self) -> Result<ExitStatus> {
        self.announce();
        let mut child = self.spawn_inner()?;
        Ok(child.wait()?)
    }

    /// Runs, echoing stdout live while keeping a copy; stderr is inherited.
    pub fn run_tee(self) -> Result<(ExitStatus, String)> {
        self.run_tee_prefixed("")
    }

    /// [`Cmd::run_tee`] with `prefix` before each echoed line (not in the copy), for
    /// commands that run side by side.
    pub fn run_tee_prefixed(mut self, prefix: &str) -> Result<(ExitStatus, String)> {
        self.announce();
        self.inner.stdout(Stdio::piped());
        let mut child = self.spawn_inner()?;
        let stdout = child.stdout.take().expect("stdout was piped");
        let captured = tee_lines(stdout, prefix);
        let status = child.wait()?;
        Ok((status, captured))
    }

    /// Runs silently and returns stdout; a non-zero exit is an error carrying stderr.
    pub fn read_stdout(mut self) -> Result<String> {
        self.announce();
        let line = self.display();
        self.inner.stdin(Stdio::null());
        let output = self
            .inner
            .output()
            .with_context(|| format!("could not start `{line}`"))?;
        if !output.status.success() {
            bail!(
                "`{line}` failed ({}):\n{}",
                describe(output.status),
                String::from_utf8_lossy(&output.stderr).trim_end()
            );
        }
        String::from_utf8(output.stdout).with_context(|| format!("`{line}` printed non-UTF-8"))
    }

    /// Runs with stderr inherited and returns stdout and the exit status, whatever it is
    /// (for a tool whose machine-readable report goes to stdout).
    pub fn read_stdout_any(mut self) -> Result<(ExitStatus, String)> {
        self.announce();
        let line = self.display();
        self.inner.stdin(Stdio::null());
        self.inner.stderr(Stdio::inherit());
        let output = self
            .inner
            .output()
            .with_context(|| format!("could not start `{line}`"))?;
        let stdout = String::from_utf8(output.stdout)
            .with_context(|| format!("`{line}` printed non-UTF-8"))?;
        Ok((output.status, stdout))
    }

    /// Runs quietly to ask a tool something (a version); `None` when it cannot run or
    /// fails. Returns stdout followed by stderr.
    pub fn probe(mut self) -> Option<String> {
        self.inner.stdin(Stdio::null());
        let output = self.inner.output().ok()?;
        if !output.status.success() {
            return None;
        }
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        Some(text)
    }

    /// Runs with inherited stdio, giving up after `limit`: `Ok(None)` on time-out (the
    /// child is killed).
    pub fn run_with_timeout(mut self, limit: Duration) -> Result<Option<ExitStatus>> {
        self.announce();
        self.inner.stdin(Stdio::null());
        let child = self.spawn_inner()?;
        let mut guard = Background::adopt(&self.words[0], child);
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = guard.try_wait()? {
                return Ok(Some(status));
            }
            thread::sleep(Duration::from_millis(200));
        }
        println!(
            "`{}` did not finish within {} s; stopping it",
            self.words[0],
            limit.as_secs()
        );
        drop(guard);
        Ok(None)
    }

    /// Starts a long-running child that shares our terminal (stdio inherited).
    pub fn spawn_foreground(mut self, name: &str) -> Result<Background> {
        self.announce();
        let child = self.spawn_inner()?;
        Ok(Background::adopt(name, child))
    }

    /// Starts a long-running child whose output is forwarded line by line, prefixed
    /// with `[name]`; [`Background::wait_listening`] then waits for it to be ready.
    pub fn spawn_background(self, name: &str) -> Result<Background> {
        self.spawn_background_teed(name, None)
    }

    /// [`Cmd::spawn_background`] that also writes every line the child prints to `log`
    /// (created afresh), for tests that check what a server wrote.
    pub fn spawn_background_teed(mut self, name: &str, log: Option<&Path>) -> Result<Background> {
        let log = log
            .map(|path| {
                std::fs::File::create(path)
                    .with_context(|| format!("creating {}", path.display()))
                    .map(|f| std::sync::Arc::new(std::sync::Mutex::new(f)))
            })
            .transpose()?;
        self.announce();
        self.inner
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.spawn_inner()?;
        let (tx, rx) = mpsc::channel();
        let prefix = format!("[{name}] ");
        if let Some(out) = child.stdout.take() {
            let (tx, prefix, log) = (tx.clone(), prefix.clone(), log.clone());
            thread::spawn(move || forward(out, &prefix, false, tx, log));
        }
        if let Some(err) = child.stderr.take() {
            thread::spawn(move || forward(err, &prefix, true, tx, log));
        }
        let mut bg = Background::adopt(name, child);
        bg.listening = Some(rx);
        Ok(bg)
    }
}

/// A child that is stopped (SIGTERM, then SIGKILL) when this value is dropped.
pub struct Background {
    name: String,
    child: Child,
    exited: bool,
    listening: Option<mpsc::Receiver<String>>,
}

impl Background {
    /// The process id (to read its `/proc` figures).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn adopt(name: &str, child: Child) -> Self {
        Background {
            name: name.to_string(),
            child,
            exited: false,
            listening: None,
        }
    }

    /// Waits until the child prints `... listening on <url>` and returns the URL.
    pub fn wait_listening(&mut self, limit: Duration) -> Result<String> {
        let rx = self
            .listening
            .take()
            .context("wait_listening needs a child started with spawn_background")?;
        let start = Instant::now();
        loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(url) => return Ok(url),
                Err(RecvTimeoutError::Timeout) => {}
                // Both output streams closed: the child is gone or going.
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait()?;
                    self.exited = true;
                    bail!(
                        "{} exited ({}) before it printed \"listening on\"; its output is above",
                        self.name,
                        describe(status)
                    );
                }
            }
            if let Some(status) = self.try_wait()? {
                bail!(
                    "{} exited ({}) before it printed \"listening on\"; its output is above",
                    self.name,
                    describe(status)
                );
            }
            if start.elapsed() >= limit {
                bail!(
                    "{} did not print \"listening on <url>\" within {} s",
                    self.name,
                    limit.as_secs()
                );
            }
        }
    }

    /// Waits for the child to end by itself.
    pub fn wait(&mut self) -> Result<ExitStatus> {
        let status = self.child.wait()?;
        self.exited = true;
        Ok(status)
    }

    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>> {
        let status = self.child.try_wait()?;
        if status.is_some() {
            self.exited = true;
        }
        Ok(status)
    }

    /// Asks the child to stop, then forces it after a grace period.
    pub fn stop(&mut self) {
        if self.exited {
            return;
        }
        terminate(&self.child);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => {
                    self.exited = true;
                    return;
                }
                Ok(None) => thread::sleep(Duration::from_millis(50)),
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.exited = true;
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(unix)]
fn terminate(child: &Child) {
    // The pid is ours and not yet reaped (we have not waited), so it cannot have been
    // reused by another process.
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
}

#[cfg(not(unix))]
fn terminate(_child: &Child) {
    // No gentle stop here: `stop` forces the child after the grace period.
}

/// Linux: the child gets SIGTERM when the xtask thread that started it dies. All
/// children are started from the main thread, which lives as long as xtask.
#[cfg(target_os = "linux")]
fn die_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure only calls prctl(2), which is async-signal-safe, as required
    // between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_cmd: &mut Command) {}

/// Copies lines to our stdout (with a prefix) and returns them all.
fn tee_lines(stream: ChildStdout, prefix: &str) -> String {
    let mut reader = BufReader::new(stream);
    let mut captured = String::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf);
                let mut out = std::io::stdout().lock();
                let _ = write!(out, "{prefix}{line}");
                if !line.ends_with('\n') {
                    let _ = writeln!(out);
                }
                let _ = out.flush();
                captured.push_str(&line);
            }
        }
    }
    captured
}

/// Forwards a background child's stream and reports the first `listening on <url>`.
fn forward(
    stream: impl Read,
    prefix: &str,
    to_stderr: bool,
    tx: mpsc::Sender<String>,
    log: Option<std::sync::Arc<std::sync::Mutex<std::fs::File>>>,
) {
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::new();
    let mut reported = false;
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf);
                let line = line.trim_end_matches(['\r', '\n']);
                if to_stderr {
                    eprintln!("{prefix}{line}");
                } else {
                    println!("{prefix}{line}");
                }
                if let Some(log) = &log
                    && let Ok(mut file) = log.lock()
                {
                    let _ = writeln!(file, "{line}");
                }
                if !reported && let Some(url) = listening_url(line) {
                    reported = true;
                    let _ = tx.send(url);
                }
            }
        }
    }
}

/// `baoming-server listening on http://127.0.0.1:8080` → `http://127.0.0.1:8080`.
pub fn listening_url(line: &str) -> Option<String> {
    let rest = &line[line.find("listening on ")? + "listening on ".len()..];
    let url = rest.split_whitespace().next()?;
    url.starts_with("http").then(|| url.to_string())
}

/// "exit status 3", "killed by signal 9".
pub fn describe(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    status.to_string()
}

fn show_word(word: &OsStr) -> String {
    let text = word.to_string_lossy();
    if text.is_empty() {
        return "''".to_string();
    }
    let plain = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@+%".contains(c));
    if plain {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `n` distinct ports that were free a moment ago, for servers that must know each
/// other's addresses before they start. The listeners are held together (so the ports
/// differ) and closed before returning; another process could take a port in between,
/// which on a test machine is rare enough.
pub fn free_ports(n: usize) -> Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()
        .context("could not bind local ports to find free ones")?;
    listeners
        .iter()
        .map(|l| Ok(l.local_addr()?.port()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_url_after_listening_on() {
        let cases = [
            (
                "baoming-server listening on http://127.0.0.1:8080",
                Some("http://127.0.0.1:8080"),
            ),
            (
                "static-server listening on http://127.0.0.1:4000/baoming/ (spa)",
                Some("http://127.0.0.1:4000/baoming/"),
            ),
            ("listening on port 8080", None),
            ("starting up", None),
        ];
        for (line, want) in cases {
            assert_eq!(listening_url(line).as_deref(), want, "{line}");
        }
    }

    #[test]
    fn shows_commands_like_a_shell() {
        let cmd = Cmd::new("cargo")
            .args(["test", "-p", "baoming"])
            .env("RUSTC_BOOTSTRAP", "1")
            .arg("a b");
        assert_eq!(
            cmd.display(),
            "RUSTC_BOOTSTRAP=1 cargo test -p baoming 'a b'"
        );
    }

    #[cfg(unix)]
    fn sh(script: &str) -> Cmd {
        Cmd::new("sh").args(["-c", script])
    }

    #[cfg(unix)]
    #[test]
    fn a_hanging_command_is_stopped_at_its_time_limit() {
        let start = Instant::now();
        let status = sh("sleep 30")
            .run_with_timeout(Duration::from_millis(300))
            .unwrap();
        assert!(status.is_none());
        assert!(start.elapsed() < Duration::from_secs(5));

        let status = sh("exit 3")
            .run_with_timeout(Duration::from_secs(10))
            .unwrap();
        assert_eq!(status.and_then(|s| s.code()), Some(3));
    }

    #[cfg(unix)]
    #[test]
    fn background_children_report_their_url_and_stop_on_drop() {
        let mut server =
            sh("echo 'starting'; echo 'demo listening on http://127.0.0.1:1/x/'; exec sleep 30")
                .spawn_background("demo")
                .unwrap();
        let url = server.wait_listening(Duration::from_secs(10)).unwrap();
        assert_eq!(url, "http://127.0.0.1:1/x/");
        let start = Instant::now();
        drop(server);
        // SIGTERM ends `sleep` at once; no wait for the 5 s grace period.
        assert!(start.elapsed() < Duration::from_secs(3));
    }

    #[cfg(unix)]
    #[test]
    fn a_child_that_dies_or_stays_silent_is_an_error() {
        let mut dead = sh("echo 'bad flag' >&2; exit 2")
            .spawn_background("dead")
            .unwrap();
        let err = dead.wait_listening(Duration::from_secs(10)).unwrap_err();
        assert!(format!("{err}").contains("exit status 2"), "{err}");

        let mut silent = sh("exec sleep 30").spawn_background("silent").unwrap();
        let err = silent
            .wait_listening(Duration::from_millis(500))
            .unwrap_err();
        assert!(format!("{err}").contains("within"), "{err}");
    }

    #[test]
    fn free_ports_are_distinct() {
        let ports = free_ports(3).unwrap();
        assert!(ports.iter().all(|&p| p != 0));
        assert!(ports[0] != ports[1] && ports[1] != ports[2] && ports[0] != ports[2]);
    }
}
