//! Payment providers: the [`PaymentProvider`] interface and the development
//! [`SandboxProvider`].
//!
//! **The real WeChat Pay API v3 Native client** is [`crate::wechat_pay::WechatPayProvider`]
//! (`--payment-provider wechat`). A provider knows *attempts*, WeChat's `out_trade_no`:
//! the candidate's order number never changes, and behind it [`crate::checkout`] makes one
//! attempt after another as codes expire (WeChat takes a repeated `out_trade_no` only with
//! identical parameters, sets `time_expire` once, and wants a new `out_trade_no` after it).
//!
//! Calls are blocking and run on the blocking thread pool, never while a database
//! connection or a lock other requests need is held.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use baoming_contract::time::Timestamp;

use crate::secrets;

/// One attempt to be paid: exactly what WeChat receives. Repeating it unchanged is safe
/// (WeChat answers the same code); any change needs a new `out_trade_no`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepayRequest {
    pub out_trade_no: String,
    pub amount_fen: u64,
    pub description: String,
    /// After this the code no longer works, set once per attempt.
    pub time_expire: Timestamp,
}

/// A refund of (part of) one paid attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    pub out_trade_no: String,
    pub out_refund_no: String,
    pub amount_fen: u64,
    /// The attempt's whole amount.
    pub total_fen: u64,
    pub reason: String,
}

/// What the provider knows of an attempt (WeChat's `trade_state`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TradeState {
    /// The provider never took this `out_trade_no`.
    NotFound,
    /// NOTPAY: issued, not paid.
    NotPay,
    /// USERPAYING: the candidate is entering a password.
    UserPaying,
    /// SUCCESS: paid.
    Success {
        paid_at: Timestamp,
        transaction_id: String,
        amount_fen: u64,
    },
    /// REFUND: paid, then (partly) refunded.
    Refund {
        paid_at: Timestamp,
        transaction_id: String,
        amount_fen: u64,
    },
    /// CLOSED: closed or expired unpaid.
    Closed,
    /// REVOKED: revoked (not used by Native; handled as closed).
    Revoked,
    /// PAYERROR: the payment failed (bank card refused, …).
    PayError,
}

impl TradeState {
    /// WeChat's name of the state (`NOT_FOUND` for an attempt WeChat does not know), as
    /// stored with the attempt.
    pub fn name(&self) -> &'static str {
        match self {
            TradeState::NotFound => "NOT_FOUND",
            TradeState::NotPay => "NOTPAY",
            TradeState::UserPaying => "USERPAYING",
            TradeState::Success { .. } => "SUCCESS",
            TradeState::Refund { .. } => "REFUND",
            TradeState::Closed => "CLOSED",
            TradeState::Revoked => "REVOKED",
            TradeState::PayError => "PAYERROR",
        }
    }
}

/// A refund's state (WeChat's `status` / `refund_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundState {
    Processing,
    Success {
        at: Timestamp,
    },
    /// Closed by WeChat without the money moving.
    Closed,
    /// The money could not be returned (a closed bank card): staff must act.
    Abnormal,
}

/// Why a provider call failed.
#[derive(Debug)]
pub enum ProviderError {
    /// The provider answered with a business error: the request took no effect, and
    /// repeating it unchanged gets the same answer (`code` is WeChat's, e.g. `ORDERPAID`).
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// No usable answer (network, 5xx, a bad signature): the outcome is unknown, so the
    /// request may be repeated unchanged later.
    Unavailable(anyhow::Error),
}

impl ProviderError {
    /// Whether this is the refusal `code`.
    pub fn is(&self, wanted: &str) -> bool {
        matches!(self, ProviderError::Refused { code, .. } if code == wanted)
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderError::Refused {
                status,
                code,
                message,
            } => write!(f, "refused (HTTP {status} {code}): {message}"),
            ProviderError::Unavailable(e) => write!(f, "unavailable: {e:#}"),
        }
    }
}

impl std::error::Error for ProviderError {}

/// Something that takes payments. Blocking; called from the blocking thread pool.
pub trait PaymentProvider: Send + Sync {
    /// A code (`code_url`) to pay the attempt.
    fn prepay(&self, req: &PrepayRequest) -> Result<String, ProviderError>;

    /// What became of an attempt.
    fn query(&self, out_trade_no: &str) -> Result<TradeState, ProviderError>;

    /// Closes an unpaid attempt so it can no longer be paid (`ORDERPAID` when it was).
    fn close(&self, out_trade_no: &str) -> Result<(), ProviderError>;

    /// Refunds (part of) a paid attempt; repeating the same `out_refund_no` is safe.
    fn refund(&self, req: &RefundRequest) -> Result<RefundState, ProviderError>;

    /// What became of a refund.
    fn query_refund(&self, out_refund_no: &str) -> Result<RefundState, ProviderError>;

    /// Periodic upkeep (the reconciler calls it): e.g. refreshing platform certificates.
    fn maintain(&self) {}
}

impl fmt::Debug for dyn PaymentProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PaymentProvider")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SandboxState {
    Unpaid,
    Paid(Timestamp),
    Refunded(Timestamp),
    Closed,
}

#[derive(Debug, Clone)]
struct SandboxTrade {
    request: PrepayRequest,
    code_url: String,
    state: SandboxState,
    /// The `out_refund_no` of its (whole) refund.
    refund: Option<String>,
}

/// The development provider: codes shaped like WeChat's, and nothing is paid until
/// [`SandboxProvider::mark_paid`] (the development endpoint
/// `POST /api/v1/dev/orders/{order_no}/mark-paid`) says so. It keeps WeChat's rules for a
/// repeated `out_trade_no` (identical parameters only, nothing after expiry, close or
/// payment), so development sees what production will. Refunds succeed at once. Its memory
/// is the process's: after a restart an attempt is simply unknown.
#[derive(Debug, Default)]
pub struct SandboxProvider {
    trades: Mutex<HashMap<String, SandboxTrade>>,
    clock: crate::clock::Clock,
}

impl SandboxProvider {
    pub fn new(clock: crate::clock::Clock) -> SandboxProvider {
        SandboxProvider {
            trades: Mutex::default(),
            clock,
        }
    }

    fn trades(&self) -> std::sync::MutexGuard<'_, HashMap<String, SandboxTrade>> {
        self.trades.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn refused(code: &str, message: &str) -> ProviderError {
        ProviderError::Refused {
            status: 400,
            code: code.to_owned(),
            message: message.to_owned(),
        }
    }

    /// Pays the attempt `out_trade_no` at `at`, as if the candidate scanned and paid.
    /// `false` when it is unknown, closed or expired; paying twice keeps the first time.
    pub fn mark_paid(&self, out_trade_no: &str, at: Timestamp) -> bool {
        let mut trades = self.trades();
        let Some(trade) = trades.get_mut(out_trade_no) else {
            return false;
        };
        match trade.state {
            SandboxState::Paid(_) | SandboxState::Refunded(_) => true,
            SandboxState::Closed => false,
            SandboxState::Unpaid if at.0 >= trade.request.time_expire.0 => false,
            SandboxState::Unpaid => {
                trade.state = SandboxState::Paid(at);
                true
            }
        }
    }
}

impl PaymentProvider for SandboxProvider {
    fn prepay(&self, req: &PrepayRequest) -> Result<String, ProviderError> {
        if req.amount_fen == 0 {
            return Err(Self::refused("PARAM_ERROR", "nothing to pay"));
        }
        let now = self.clock.now();
        let mut trades = self.trades();
        if let Some(trade) = trades.get(&req.out_trade_no) {
            return match trade.state {
                SandboxState::Paid(_) | SandboxState::Refunded(_) => {
                    Err(Self::refused("ORDERPAID", "该订单已支付"))
                }
                SandboxState::Closed => Err(Self::refused("ORDER_CLOSED", "订单已关闭")),
                SandboxState::Unpaid if now.0 >= trade.request.time_expire.0 => {
                    Err(Self::refused("ORDER_CLOSED", "订单已过期"))
                }
                SandboxState::Unpaid if trade.request != *req => {
                    Err(Self::refused("INVALID_REQUEST", "参数与首次请求时不一致"))
                }
                SandboxState::Unpaid => Ok(trade.code_url.clone()),
            };
        }
        if req.time_expire.0 <= now.0 {
            return Err(Self::refused("PARAM_ERROR", "time_expire is in the past"));
        }
        let code_url = format!(
            "weixin://wxpay/bizpayurl/up?pr={}&groupid=00",
            sandbox_code()
        );
        trades.insert(
            req.out_trade_no.clone(),
            SandboxTrade {
                request: req.clone(),
                code_url: code_url.clone(),
                state: SandboxState::Unpaid,
                refund: None,
            },
        );
        Ok(code_url)
    }

    fn query(&self, out_trade_no: &str) -> Result<TradeState, ProviderError> {
        Ok(match self.trades().get(out_trade_no) {
            None => TradeState::NotFound,
            Some(t) => match t.state {
                SandboxState::Paid(at) => TradeState::Success {
                    paid_at: at,
                    transaction_id: format!("sandbox-{out_trade_no}"),
                    amount_fen: t.request.amount_fen,
                },
                SandboxState::Refunded(at) => TradeState::Refund {
                    paid_at: at,
                    transaction_id: format!("sandbox-{out_trade_no}"),
                    amount_fen: t.request.amount_fen,
                },
                SandboxState::Closed => TradeState::Closed,
                // WeChat keeps answering NOTPAY after time_expire (it is "not the time the
                // order closes"); only a close makes it CLOSED.
                SandboxState::Unpaid => TradeState::NotPay,
            },
        })
    }

    fn close(&self, out_trade_no: &str) -> Result<(), ProviderError> {
        let mut trades = self.trades();
        let trade = trades
            .get_mut(out_trade_no)
            .ok_or_else(|| Self::refused("ORDER_NOT_EXIST", "订单不存在"))?;
        match trade.state {
            SandboxState::Paid(_) | SandboxState::Refunded(_) => {
                Err(Self::refused("ORDERPAID", "该订单已支付"))
            }
            _ => {
                trade.state = SandboxState::Closed;
                Ok(())
            }
        }
    }

    fn refund(&self, req: &RefundRequest) -> Result<RefundState, ProviderError> {
        let now = self.clock.now();
        let mut trades = self.trades();
        let trade = trades
            .get_mut(&req.out_trade_no)
            .ok_or_else(|| Self::refused("RESOURCE_NOT_EXISTS", "订单不存在"))?;
        match trade.state {
            SandboxState::Paid(_) => {
                trade.state = SandboxState::Refunded(now);
                trade.refund = Some(req.out_refund_no.clone());
                Ok(RefundState::Success { at: now })
            }
            // The same refund asked again answers as before; another one finds nothing
            // left to refund.
            SandboxState::Refunded(at) if trade.refund.as_ref() == Some(&req.out_refund_no) => {
                Ok(RefundState::Success { at })
            }
            SandboxState::Refunded(_) => Err(Self::refused(
                "INVALID_REQUEST",
                "申请退款金额超过订单可退金额",
            )),
            _ => Err(Self::refused("INVALID_REQUEST", "订单未支付")),
        }
    }

    fn query_refund(&self, out_refund_no: &str) -> Result<RefundState, ProviderError> {
        // Refunds complete at once in the sandbox; an unknown one is refused as WeChat does.
        self.trades()
            .values()
            .find_map(|t| match t.state {
                SandboxState::Refunded(at) if t.refund.as_deref() == Some(out_refund_no) => {
                    Some(RefundState::Success { at })
                }
                _ => None,
            })
            .ok_or_else(|| Self::refused("RESOURCE_NOT_EXISTS", "退款单不存在"))
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
    fn the_sandbox_keeps_wechats_rules_for_a_repeated_out_trade_no() {
        let now = Timestamp(1_800_000_000);
        let clock = crate::clock::Clock::fixed(now);
        let s = SandboxProvider::new(clock.clone());
        let req = PrepayRequest {
            out_trade_no: "BM1-1".into(),
            amount_fen: 15000,
            description: "x".into(),
            time_expire: Timestamp(now.0 + 7200),
        };
        let code = s.prepay(&req).unwrap();
        assert!(
            code.starts_with("weixin://wxpay/bizpayurl/up?pr="),
            "{code}"
        );
        // The identical request answers the same code; a changed one is refused.
        assert_eq!(s.prepay(&req).unwrap(), code);
        let changed = PrepayRequest {
            time_expire: Timestamp(now.0 + 9000),
            ..req.clone()
        };
        assert!(s.prepay(&changed).unwrap_err().is("INVALID_REQUEST"));
        assert_eq!(s.query("BM1-1").unwrap(), TradeState::NotPay);
        assert_eq!(s.query("BM1-9").unwrap(), TradeState::NotFound);
        assert!(s.mark_paid("BM1-1", Timestamp(now.0 + 5)));
        assert!(s.mark_paid("BM1-1", Timestamp(now.0 + 9)));
        assert!(matches!(
            s.query("BM1-1").unwrap(),
            TradeState::Success { paid_at: Timestamp(t), amount_fen: 15000, .. } if t == now.0 + 5
        ));
        assert!(s.prepay(&req).unwrap_err().is("ORDERPAID"));
        assert!(s.close("BM1-1").unwrap_err().is("ORDERPAID"));
        // Expiry: nothing can be paid or re-ordered afterwards.
        let other = PrepayRequest {
            out_trade_no: "BM2-1".into(),
            ..req.clone()
        };
        s.prepay(&other).unwrap();
        clock.advance(7200);
        assert_eq!(s.query("BM2-1").unwrap(), TradeState::NotPay);
        assert!(!s.mark_paid("BM2-1", clock.now()));
        assert!(s.prepay(&other).unwrap_err().is("ORDER_CLOSED"));
        // Refunds.
        let refund = RefundRequest {
            out_trade_no: "BM1-1".into(),
            out_refund_no: "BM1-1R".into(),
            amount_fen: 15000,
            total_fen: 15000,
            reason: "r".into(),
        };
        assert!(matches!(
            s.refund(&refund).unwrap(),
            RefundState::Success { .. }
        ));
        assert!(matches!(
            s.query("BM1-1").unwrap(),
            TradeState::Refund { .. }
        ));
        assert!(matches!(
            s.query_refund("BM1-1R").unwrap(),
            RefundState::Success { .. }
        ));
        assert!(
            s.query_refund("BM1-1X")
                .unwrap_err()
                .is("RESOURCE_NOT_EXISTS")
        );
        let another = RefundRequest {
            out_refund_no: "BM1-1S".into(),
            ..refund.clone()
        };
        assert!(s.refund(&another).unwrap_err().is("INVALID_REQUEST"));
    }
}
