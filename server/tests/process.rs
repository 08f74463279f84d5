//! The real binary: the start-up line tools wait for, `--listen 127.0.0.1:0`, graceful
//! shutdown on SIGTERM, data surviving a restart, `openapi` on stdout, `--help` on stdout with
//! exit code 0 and usage errors on stderr with 2.

#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_baoming-server");

/// A running server, killed if a test fails half-way.
struct Running {
    child: Child,
    addr: String,
}

impl Running {
    fn start(data_dir: &std::path::Path) -> Running {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env_remove("BAOMING_LISTEN")
            // Production mode needs an SMS provider; this one is never called.
            .envs(common::UNREACHABLE_SMS_ENV)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn baoming-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read start-up line");
        let addr = line
            .trim_end()
            .strip_prefix("baoming-server listening on http://")
            .unwrap_or_else(|| panic!("unexpected start-up line {line:?}"))
            .to_owned();
        assert!(!addr.ends_with(":0"), "the real port is printed: {addr}");
        Running { child, addr }
    }

    /// A bare HTTP/1.1 GET; returns the status line and the body.
    fn get(&self, path: &str) -> (String, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read response");
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        (
            head.lines().next().unwrap_or_default().to_owned(),
            body.to_owned(),
        )
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(sent.success());
        let status = self.child.wait().expect("wait");
        std::mem::forget(self);
        status
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serves_until_sigterm_and_keeps_data_across_restarts() {
    let dir = TempDir::new("process");
    let data = dir.path().join("data");

    let server = Running::start(&data);
    let (status, body) = server.get("/api/v1/health");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains(r#""status":"ok""#), "{body}");
    let (_, first) = server.get("/api/v1/plans");
    assert!(server.terminate().success(), "graceful exit");
    assert!(data.join("baoming.sqlite3").is_file());

    let server = Running::start(&data);
    let (status, second) = server.get("/api/v1/plans");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(second, first, "same plans after a restart");
    assert!(server.terminate().success());
}

#[test]
fn openapi_command_prints_the_contract_document() {
    let out = Command::new(BIN).arg("openapi").output().expect("run");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        baoming_contract::openapi::to_pretty_json()
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--bogus"][..],
        &["serve", "--listen"],
        &["--allowed-origin", "localhost:8080"],
        &["--dev", "serve"],
        &["review", "--token", "T", "frobnicate"],
    ] {
        let out = Command::new(BIN).args(args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("error: ") && stderr.contains("--help"),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let out = Command::new(BIN).arg("--bogus").output().expect("run");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: baoming-server"));
}

#[test]
fn help_prints_the_command_line_and_exits_0() {
    const SECRET: &str = "secret-token-0123456789";
    for (args, names) in [
        (
            &["--help"][..],
            &["--listen", "BAOMING_LISTEN", "review"][..],
        ),
        (
            &["serve", "-h"],
            &["--sms-provider", "BAOMING_WECHATPAY_MCHID"],
        ),
        (&["review", "--help"], &["refund", "BAOMING_REVIEWER_TOKEN"]),
    ] {
        let out = Command::new(BIN)
            .args(args)
            .env("BAOMING_REVIEWER_TOKENS", SECRET)
            .env("BAOMING_REVIEWER_TOKEN", SECRET)
            .output()
            .expect("run");
        assert!(out.status.success(), "{args:?}");
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(
            help.starts_with("Usage:") || help.contains("\nUsage:"),
            "{help}"
        );
        for name in names {
            assert!(help.contains(name), "{name} in {args:?}: {help}");
        }
        assert!(!help.contains(SECRET), "no variable's value in the help");
        assert!(out.stderr.is_empty(), "{args:?}");
    }
}
