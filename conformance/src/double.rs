//! The candidate's phone, played by the WeChat Pay test double (`wechatpay-double`, its
//! `/_double/` control endpoints): scanning an order's `code_url` and paying it. Used with
//! `--wechat-double <URL>` when the backend under test talks to that double instead of
//! WeChat Pay.

use std::time::Duration;

use serde_json::{Value, json};

/// Pays the double's order whose QR code is `code_url`, as a phone that scanned it would;
/// the double then sends the backend its signed payment notification.
pub fn pay_code(double_url: &str, code_url: &str) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let base = double_url.trim_end_matches('/');
    let list: Value = agent
        .get(&format!("{base}/_double/orders"))
        .call()
        .map_err(|e| format!("GET {base}/_double/orders: {e}"))?
        .body_mut()
        .read_json()
        .map_err(|e| format!("GET {base}/_double/orders: {e}"))?;
    let orders = list
        .as_array()
        .or_else(|| list.get("orders").and_then(Value::as_array))
        .ok_or_else(|| format!("GET {base}/_double/orders: not a list: {list}"))?;
    let out_trade_no = orders
        .iter()
        .find(|o| o.get("code_url").and_then(Value::as_str) == Some(code_url))
        .and_then(|o| o.get("out_trade_no").and_then(Value::as_str))
        .ok_or_else(|| {
            format!("the WeChat Pay double issued no code {code_url:?}: the backend did not pass WeChat's code_url on unchanged")
        })?;
    let mut resp = agent
        .post(&format!("{base}/_double/pay"))
        .send_json(json!({ "out_trade_no": out_trade_no, "notify": true }))
        .map_err(|e| format!("POST {base}/_double/pay: {e}"))?;
    if !resp.status().is_success() {
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        return Err(format!(
            "POST {base}/_double/pay {out_trade_no}: HTTP {}: {body}",
            resp.status()
        ));
    }
    Ok(())
}
