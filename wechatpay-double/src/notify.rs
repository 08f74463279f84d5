//! Notifications to the merchant's notify_url (支付成功回调通知, 退款结果通知).
//!
//! - Envelope: `id`, `create_time`, `event_type`, `resource_type` "encrypt-resource",
//!   `resource` {`original_type`, `algorithm` "AEAD_AES_256_GCM", `ciphertext`,
//!   `associated_data`, `nonce`}, `summary`.
//! - Signed like an answer: `Wechatpay-Serial`, `Wechatpay-Signature`,
//!   `Wechatpay-Timestamp`, `Wechatpay-Nonce` ("回调报文的HTTP请求头中会包含报文的签名信息").
//! - "商户接收到回调通知报文后,需在5秒内完成对报文的验签,并应答回调通知";
//!   "接收成功:HTTP应答状态码需返回200或204,无需返回应答报文。接收失败:HTTP应答状态码需返回5XX或4XX,
//!   同时需返回应答报文 {"code":"FAIL","message":"失败"}".
//! - "如果微信收到应答不是成功或超时,微信认为通知失败,微信会通过一定的策略定期重新发起通知"
//!   (通知频率为15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h: 15 retries); the double
//!   keeps the count and shortens the wait to `notify_retry_ms`.
//! - 签名探测: "微信支付会在极少数应答或通知回调中生成错误签名,以探测商户系统是否正确地验证了签名"
//!   (回调签名验证失败排查指引, 情况四).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::clock::format_time;
use crate::model::{NotificationRecord, Order, Refund, RefundStatus, TradeState};
use crate::state::{Shared, Signature};
use crate::{ControlError, api, crypto, fixtures};

/// Who a delivery is about, for the log.
struct Meta {
    url: String,
    event_type: &'static str,
    out_trade_no: String,
    out_refund_no: Option<String>,
    probe: bool,
}

/// Sends TRANSACTION.SUCCESS for a paid order. With `probe` the signature is wrong on purpose
/// and there is one attempt only.
pub(crate) fn transaction_success(
    shared: &Arc<Shared>,
    order: &Order,
    probe: bool,
) -> Result<(), ControlError> {
    if !order.trade_state.is_paid() {
        return Err(ControlError::Conflict(format!(
            "order {} is {}, not paid",
            order.out_trade_no,
            order.trade_state.as_str()
        )));
    }
    // The resource is the transaction as 查询订单 shows it, with trade_state SUCCESS.
    let mut paid = order.clone();
    paid.trade_state = TradeState::Success;
    let resource = api::transaction_json(&paid);
    let envelope = envelope(
        shared,
        "TRANSACTION.SUCCESS",
        "支付成功",
        "transaction",
        &resource,
    )?;
    deliver(
        shared,
        Meta {
            url: order.notify_url.clone(),
            event_type: "TRANSACTION.SUCCESS",
            out_trade_no: order.out_trade_no.clone(),
            out_refund_no: None,
            probe,
        },
        envelope,
    );
    Ok(())
}

/// Moves a PROCESSING refund to `status` (SUCCESS, ABNORMAL or CLOSED) and sends the
/// matching REFUND.* notification when the refund had a notify_url.
pub(crate) fn settle_refund(
    shared: &Arc<Shared>,
    out_refund_no: &str,
    status: RefundStatus,
) -> Result<Refund, ControlError> {
    if status == RefundStatus::Processing {
        return Err(ControlError::BadRequest(
            "a refund settles as SUCCESS, ABNORMAL or CLOSED".to_string(),
        ));
    }
    let refund = {
        let mut inner = shared.lock();
        let refund = inner
            .refunds
            .get_mut(out_refund_no)
            .ok_or_else(|| ControlError::NotFound(format!("refund {out_refund_no}")))?;
        if refund.status != RefundStatus::Processing {
            return Err(ControlError::Conflict(format!(
                "refund {out_refund_no} is already {}",
                refund.status.as_str()
            )));
        }
        refund.status = status;
        if status == RefundStatus::Success {
            refund.success_time = Some(shared.clock.now());
        }
        refund.clone()
    };
    if let Some(url) = &refund.notify_url {
        let (event_type, summary) = match status {
            RefundStatus::Success => ("REFUND.SUCCESS", "退款成功"),
            RefundStatus::Abnormal => ("REFUND.ABNORMAL", "退款异常"),
            _ => ("REFUND.CLOSED", "退款关闭"),
        };
        // 退款结果通知 resource: mchid, out_trade_no, transaction_id, out_refund_no, refund_id,
        // refund_status, success_time (when SUCCESS), user_received_account, amount
        // {total, refund, payer_total, payer_refund}.
        let mut resource = json!({
            "mchid": fixtures::MCHID,
            "out_trade_no": refund.out_trade_no,
            "transaction_id": refund.transaction_id,
            "out_refund_no": refund.out_refund_no,
            "refund_id": refund.refund_id,
            "refund_status": refund.status.as_str(),
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": refund.total,
                "refund": refund.refund,
                "payer_total": refund.total,
                "payer_refund": refund.refund,
            },
        });
        if let Some(at) = refund.success_time {
            resource["success_time"] = json!(format_time(at));
        }
        let envelope = envelope(shared, event_type, summary, "refund", &resource)?;
        deliver(
            shared,
            Meta {
                url: url.clone(),
                event_type,
                out_trade_no: refund.out_trade_no.clone(),
                out_refund_no: Some(refund.out_refund_no.clone()),
                probe: false,
            },
            envelope,
        );
    }
    Ok(refund)
}

fn envelope(
    shared: &Shared,
    event_type: &str,
    summary: &str,
    original_type: &str,
    resource: &Value,
) -> Result<Value, ControlError> {
    let nonce = crypto::random_alnum(12);
    let plaintext = serde_json::to_vec(resource).unwrap_or_default();
    // The associated_data of payment and refund resources is their original_type.
    let ciphertext = crypto::aead_encrypt(
        fixtures::API_V3_KEY.as_bytes(),
        &nonce,
        original_type,
        &plaintext,
    )
    .map_err(|e| ControlError::Conflict(e.to_string()))?;
    let id = crypto::random_hex_upper(32).to_ascii_lowercase();
    Ok(json!({
        "id": format!("{}-{}-{}-{}-{}", &id[..8], &id[8..12], &id[12..16], &id[16..20], &id[20..]),
        "create_time": format_time(shared.clock.now()),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": {
            "original_type": original_type,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": ciphertext,
            "associated_data": original_type,
            "nonce": nonce,
        },
    }))
}

fn deliver(shared: &Arc<Shared>, meta: Meta, envelope: Value) {
    let shared = Arc::clone(shared);
    shared.runtime.clone().spawn(async move {
        let body = serde_json::to_vec(&envelope).unwrap_or_default();
        let id = envelope["id"].as_str().unwrap_or_default().to_string();
        let attempts = if meta.probe {
            1
        } else {
            shared.config.notify_max_attempts.max(1)
        };
        for attempt in 1..=attempts {
            // Each attempt is signed afresh (with whichever platform key signs now), as a
            // retry hours later could not reuse a timestamp.
            let mut signature = shared.sign(&body);
            if meta.probe {
                signature.signature = format!("WECHATPAY/SIGNTEST/{}", crypto::random_alnum(64));
            }
            let agent = shared.agent.clone();
            let url = meta.url.clone();
            let sent = body.clone();
            let headers = signature.clone();
            let result = tokio::task::spawn_blocking(move || post(&agent, &url, sent, &headers))
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
            let (status, answer_body, error) = match result {
                Ok((status, text)) => (Some(status), Some(text), None),
                Err(error) => (None, None, Some(error)),
            };
            let accepted = matches!(status, Some(200 | 204));
            let failure_answer_well_formed = match (status, &answer_body) {
                (Some(s), Some(text)) if !accepted && s >= 400 => Some(well_formed_failure(text)),
                _ => None,
            };
            shared.lock().notifications.push(NotificationRecord {
                id: id.clone(),
                attempt,
                at: shared.clock.now(),
                url: meta.url.clone(),
                event_type: meta.event_type.to_string(),
                out_trade_no: meta.out_trade_no.clone(),
                out_refund_no: meta.out_refund_no.clone(),
                wechatpay_serial: signature.serial.clone(),
                probe: meta.probe,
                status,
                answer_body,
                error,
                accepted,
                failure_answer_well_formed,
                envelope: envelope.clone(),
            });
            if accepted {
                break;
            }
            if attempt < attempts {
                tokio::time::sleep(Duration::from_millis(shared.config.notify_retry_ms)).await;
            }
        }
    });
}

/// `{"code":"FAIL","message":"失败"}`: a string code other than SUCCESS and a string message.
fn well_formed_failure(text: &str) -> bool {
    serde_json::from_str::<Value>(text).is_ok_and(|v| {
        v["code"]
            .as_str()
            .is_some_and(|c| !c.is_empty() && c != "SUCCESS")
            && v["message"].is_string()
    })
}

fn post(
    agent: &ureq::Agent,
    url: &str,
    body: Vec<u8>,
    signature: &Signature,
) -> Result<(u16, String), String> {
    let mut response = agent
        .post(url)
        .header("Content-Type", "application/json")
        .header("Wechatpay-Serial", &signature.serial)
        .header("Wechatpay-Signature", &signature.signature)
        .header("Wechatpay-Timestamp", &signature.timestamp)
        .header("Wechatpay-Nonce", &signature.nonce)
        .header("Wechatpay-Signature-Type", crate::auth::SCHEME)
        .send(body)
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .read_to_vec()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    Ok((status, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_answers_must_carry_code_and_message() {
        assert!(well_formed_failure(r#"{"code":"FAIL","message":"失败"}"#));
        assert!(!well_formed_failure(r#"{"code":"FAIL"}"#));
        assert!(!well_formed_failure(r#"{"message":"x"}"#));
        assert!(!well_formed_failure("FAIL"));
        assert!(!well_formed_failure(r#"{"code":"SUCCESS","message":"ok"}"#));
    }
}
