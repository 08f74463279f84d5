//! The `wechatpay-double` binary as the project's xtask runs it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_wechatpay-double");

/// Kills the child even when an assertion fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn prints_its_listening_line_and_serves() {
    let mut child = Child(
        Command::new(BIN)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--mode",
                "certificate",
                "--allow-http-notify",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the binary starts"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("wechatpay-double listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut answer = agent.get(&format!("{url}/_double/config")).call().unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let config: serde_json::Value =
        serde_json::from_str(&answer.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(config["mode"], "certificate");
    assert_eq!(config["base_url"], url.as_str());
    // An unsigned v3 request is refused as WeChat would.
    let answer = agent.get(&format!("{url}/v3/certificates")).call().unwrap();
    assert_eq!(answer.status().as_u16(), 401);
}

#[test]
fn print_config_names_the_fixture_files() {
    let output = Command::new(BIN)
        .args(["--print-config", "--mode", "public-key"])
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let config: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(config["mchid"], wechatpay_double::fixtures::MCHID);
    assert_eq!(
        config["platform_public_key_id"],
        wechatpay_double::fixtures::PLATFORM_1_PUB_KEY_ID
    );
    let key_path = config["merchant_key_path"].as_str().unwrap();
    assert_eq!(
        std::fs::read_to_string(key_path).unwrap(),
        wechatpay_double::fixtures::MERCHANT_KEY_PEM
    );
}
