//! Payment providers: the [`PaymentProvider`] interface and the development
//! [`SandboxProvider`].
//!
//! **The real WeChat Pay API v3 Native client** is [`crate::wechat_pay::WechatPayProvider`]
//! (`--payment-provider wechat`): `prepay` is `POST /v3/pay/transactions/native`
//! answering `code_url`; `query` is `GET /v3/pay/transactions/out-trade-no/{order_no}`
//! (`trade_state` `SUCCESS` is paid, with `success_time`); `close` is
//! `.../out-trade-no/{order_no}/close`. Each request is signed (RSA-SHA256,
//! `WECHATPAY2-SHA256-RSA2048`) and each answer's platform signature verified; its
//! notifications arrive at `POST /api/v1/payments/wechat/notify`.
//!
//! Calls are blocking and made on the blocking thread pool, inside the database
//! transaction that records their result (so concurrent requests make one order); a real
//! client should use short time-outs.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use baoming_contract::review::ORDER_CODE_TTL_S;
use baoming_contract::time::Timestamp;

use crate::secrets;

/// A payment code for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepay {
    /// `weixin://wxpay/bizpayurl?pr=…`, drawn as a QR code.
    pub code_url: String,
    /// After this the code no longer works; ask for a new one for the same order.
    pub expires_at: Timestamp,
}

/// What the provider knows about an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentState {
    Unpaid,
    Paid { paid_at: Timestamp },
}

/// Something that takes payments. Blocking; called from the blocking thread pool.
pub trait PaymentProvider: Send + Sync {
    /// A code to pay `amount_fen` for `order_no`, valid from `now`. Called again for the
    /// same order when its code expires: the order number never changes.
    fn prepay(
        &self,
        order_no: &str,
        amount_fen: u64,
        description: &str,
        now: Timestamp,
    ) -> anyhow::Result<Prepay>;

    /// Whether `order_no` has been paid.
    fn query(&self, order_no: &str) -> anyhow::Result<PaymentState>;

    /// Closes an unpaid order so it can no longer be paid.
    fn close(&self, order_no: &str) -> anyhow::Result<()>;

    /// The sandbox behind this provider, for the development endpoint that pays orders.
    fn sandbox(&self) -> Option<&SandboxProvider> {
        None
    }

    /// The WeChat Pay client behind this provider, for the notification endpoint.
    fn wechat(&self) -> Option<&crate::wechat_pay::WechatPayProvider> {
        None
    }
}

impl fmt::Debug for dyn PaymentProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PaymentProvider")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SandboxState {
    Unpaid,
    Paid(Timestamp),
    Closed,
}

/// The development provider: codes shaped like WeChat's, valid [`ORDER_CODE_TTL_S`], and
/// nothing is paid until [`SandboxProvider::mark_paid`] (the development endpoint
/// `POST /api/v1/dev/orders/{order_no}/mark-paid`) says so. Its memory is the process's:
/// after a restart an unpaid order is simply unpaid again.
#[derive(Debug, Default)]
pub struct SandboxProvider {
    orders: Mutex<HashMap<String, SandboxState>>,
}

impl SandboxProvider {
    pub fn new() -> SandboxProvider {
        SandboxProvider::default()
    }

    fn orders(&self) -> std::sync::MutexGuard<'_, HashMap<String, SandboxState>> {
        self.orders.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Pays `order_no` at `at`, as if the candidate scanned and paid. `false` when it was
    /// closed; paying twice keeps the first time. An order the sandbox has not seen (its
    /// code was issued before a restart) is paid too: the caller checks the order exists.
    pub fn mark_paid(&self, order_no: &str, at: Timestamp) -> bool {
        let mut orders = self.orders();
        match orders.get(order_no) {
            Some(SandboxState::Paid(_)) => true,
            Some(SandboxState::Closed) => false,
            Some(SandboxState::Unpaid) | None => {
                orders.insert(order_no.to_owned(), SandboxState::Paid(at));
                true
            }
        }
    }
}

impl PaymentProvider for SandboxProvider {
    fn prepay(
        &self,
        order_no: &str,
        amount_fen: u64,
        _description: &str,
        now: Timestamp,
    ) -> anyhow::Result<Prepay> {
        anyhow::ensure!(amount_fen > 0, "nothing to pay");
        let mut orders = self.orders();
        match orders.get(order_no) {
            Some(SandboxState::Paid(_)) => anyhow::bail!("order {order_no} is already paid"),
            Some(SandboxState::Closed) => anyhow::bail!("order {order_no} is closed"),
            _ => {}
        }
        orders.insert(order_no.to_owned(), SandboxState::Unpaid);
        Ok(Prepay {
            code_url: format!("weixin://wxpay/bizpayurl?pr={}", sandbox_code()),
            expires_at: Timestamp(now.0 + ORDER_CODE_TTL_S),
        })
    }

    fn query(&self, order_no: &str) -> anyhow::Result<PaymentState> {
        Ok(match self.orders().get(order_no) {
            Some(SandboxState::Paid(at)) => PaymentState::Paid { paid_at: *at },
            _ => PaymentState::Unpaid,
        })
    }

    fn close(&self, order_no: &str) -> anyhow::Result<()> {
        let mut orders = self.orders();
        if let Some(SandboxState::Paid(_)) = orders.get(order_no) {
            anyhow::bail!("order {order_no} is already paid");
        }
        orders.insert(order_no.to_owned(), SandboxState::Closed);
        Ok(())
    }

    fn sandbox(&self) -> Option<&SandboxProvider> {
        Some(self)
    }
}

/// `pr=` values look like WeChat's: 7 letters and digits.
fn sandbox_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    secrets::random_from(ALPHABET, 7)
}

/// A new order number: `BM`, the Beijing date `yyyymmdd` and 10 random digits
/// (see [`baoming_contract::review::is_order_no`]).
pub fn new_order_no(now: Timestamp) -> String {
    let date = now.date_cst();
    let digits = secrets::random_from(b"0123456789", 10);
    format!(
        "BM{:04}{:02}{:02}{digits}",
        date.year(),
        date.month(),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use baoming_contract::review::is_order_no;

    #[test]
    fn order_numbers_carry_the_beijing_date() {
        // 2026-11-27 20:00 UTC is already the 28th in Beijing.
        let t = Timestamp::parse_rfc3339("2026-11-27T20:00:00Z").unwrap();
        let no = new_order_no(t);
        assert!(is_order_no(&no), "{no}");
        assert!(no.starts_with("BM20261128"), "{no}");
        assert_ne!(new_order_no(t), no);
    }

    #[test]
    fn the_sandbox_pays_only_what_it_issued() {
        let s = SandboxProvider::new();
        let now = Timestamp(1_800_000_000);
        let p = s.prepay("BM1", 15000, "x", now).unwrap();
        assert!(p.code_url.starts_with("weixin://wxpay/bizpayurl?pr="));
        assert_eq!(p.code_url.len(), "weixin://wxpay/bizpayurl?pr=".len() + 7);
        assert_eq!(p.expires_at, Timestamp(now.0 + 7200));
        let again = s.prepay("BM1", 15000, "x", now).unwrap();
        assert_ne!(again.code_url, p.code_url);
        assert_eq!(s.query("BM1").unwrap(), PaymentState::Unpaid);
        assert!(s.mark_paid("BM1", Timestamp(now.0 + 5)));
        assert!(s.mark_paid("BM1", Timestamp(now.0 + 9)));
        assert_eq!(
            s.query("BM1").unwrap(),
            PaymentState::Paid {
                paid_at: Timestamp(now.0 + 5)
            }
        );
        assert!(s.prepay("BM1", 15000, "x", now).is_err());
        assert!(s.close("BM1").is_err());
        s.prepay("BM2", 1, "x", now).unwrap();
        s.close("BM2").unwrap();
        assert!(!s.mark_paid("BM2", now));
    }
}
