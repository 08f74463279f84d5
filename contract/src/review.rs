//! The reviewer's decisions and payment orders: what a decision must carry, what an order
//! number looks like and when a payment code is refreshed. The backend enforces these; the
//! web app uses the same constants for its countdown and links.

use crate::api::{DecisionKind, DecisionRequest, ReviewTarget};
use crate::draft_field::DraftField;
use crate::error::FieldErrors;

/// A reviewer's reason message holds 1 to this many characters.
pub const REASON_MESSAGE_MAX_CHARS: usize = 500;
/// A rejection names at most this many reasons.
pub const MAX_REASONS: usize = 50;

/// Per-field reasons of a refused [`DecisionRequest`] (`reasons`, `reasons.<i>.message`,
/// `reasons.<i>.target`).
pub mod reason {
    use crate::reason::Reason;

    pub use crate::application::reason::{REQUIRED, TOO_LONG};
    /// `reasons.<i>.target`: a `field` target that names no field of the draft.
    pub const UNKNOWN_FIELD: &str = Reason::UnknownField.code();
    /// `reasons`: an approval carries no reasons.
    pub const NOT_ALLOWED: &str = Reason::NotAllowed.code();
    /// `reasons`: more than [`super::MAX_REASONS`].
    pub const TOO_MANY: &str = Reason::TooMany.code();
}

/// Whether `name` is the JSON path of a [`crate::api::Draft`] field, in the form the
/// wizard's errors use: `id_number`, `certificate.issued_on`, `history.1`, `history.1.unit`
/// ([`DraftField`]).
pub fn is_draft_field(name: &str) -> bool {
    DraftField::parse(name).is_some()
}

/// What is wrong with a decision; empty when it can be applied. A rejection needs 1 to
/// [`MAX_REASONS`] reasons, each with a message of 1 to [`REASON_MESSAGE_MAX_CHARS`]
/// characters (after trimming) and, for a field, a real draft field. An approval carries
/// no reasons. A document target is always an upload slot (the type says so).
pub fn check_decision(request: &DecisionRequest) -> FieldErrors {
    let mut errors = FieldErrors::new();
    match request.decision {
        DecisionKind::Approve => {
            if !request.reasons.is_empty() {
                errors.insert("reasons".into(), reason::NOT_ALLOWED.into());
            }
        }
        DecisionKind::Reject => {
            if request.reasons.is_empty() {
                errors.insert("reasons".into(), reason::REQUIRED.into());
            } else if request.reasons.len() > MAX_REASONS {
                errors.insert("reasons".into(), reason::TOO_MANY.into());
            }
            for (i, r) in request.reasons.iter().enumerate().take(MAX_REASONS) {
                let chars = r.message.trim().chars().count();
                if chars == 0 {
                    errors.insert(format!("reasons.{i}.message"), reason::REQUIRED.into());
                } else if chars > REASON_MESSAGE_MAX_CHARS {
                    errors.insert(format!("reasons.{i}.message"), reason::TOO_LONG.into());
                }
                if let ReviewTarget::Field(name) = &r.target
                    && !is_draft_field(name)
                {
                    errors.insert(format!("reasons.{i}.target"), reason::UNKNOWN_FIELD.into());
                }
            }
        }
    }
    errors
}

/// A payment code (`code_url`) is valid this long after it is issued (WeChat Pay Native: 2 hours).
pub const ORDER_CODE_TTL_S: i64 = 2 * 60 * 60;
/// Asking for an order's code this close to its expiry (or later) issues a new code for the
/// same order, so nobody scans a code that dies while they pay.
pub const ORDER_CODE_REFRESH_MARGIN_S: i64 = 5 * 60;

/// Whether a code expiring at `expires_at` must be replaced at `now`.
pub fn code_needs_refresh(expires_at: crate::time::Timestamp, now: crate::time::Timestamp) -> bool {
    expires_at.0 - now.0 <= ORDER_CODE_REFRESH_MARGIN_S
}

/// Whether `s` looks like an order number: `BM`, the date (`yyyymmdd`, Beijing time) and
/// 10 digits.
pub fn is_order_no(s: &str) -> bool {
    s.len() == 20 && s.starts_with("BM") && s[2..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ReviewReason;
    use crate::eligibility::Material;
    use crate::time::Timestamp;

    fn reject(reasons: Vec<ReviewReason>) -> DecisionRequest {
        DecisionRequest {
            decision: DecisionKind::Reject,
            reasons,
        }
    }

    fn r(target: ReviewTarget, message: &str) -> ReviewReason {
        ReviewReason {
            target,
            message: message.into(),
        }
    }

    #[test]
    fn draft_fields() {
        for ok in [
            "id_number",
            "history",
            "history.0",
            "history.12.unit",
            "certificate.issued_on",
            "certificate",
            "current_post_years",
        ] {
            assert!(is_draft_field(ok), "{ok}");
        }
        for bad in [
            "",
            "nope",
            "history.x.unit",
            "history.01",
            "history.1.salary",
            "certificate.colour",
            "id_number.0",
            "history.1.unit.more",
            "history.",
        ] {
            assert!(!is_draft_field(bad), "{bad}");
        }
    }

    #[test]
    fn decisions() {
        assert!(
            check_decision(&DecisionRequest {
                decision: DecisionKind::Approve,
                reasons: vec![]
            })
            .is_empty()
        );
        let approve_with_reason = DecisionRequest {
            decision: DecisionKind::Approve,
            reasons: vec![r(ReviewTarget::General, "x")],
        };
        assert_eq!(
            check_decision(&approve_with_reason)["reasons"],
            reason::NOT_ALLOWED
        );
        assert_eq!(check_decision(&reject(vec![]))["reasons"], "required");
        let ok = reject(vec![
            r(ReviewTarget::Document(Material::Portrait), "背景不是白色"),
            r(ReviewTarget::Field("id_number".into()), "身份证号有误"),
            r(
                ReviewTarget::General,
                &"长".repeat(REASON_MESSAGE_MAX_CHARS),
            ),
        ]);
        assert!(check_decision(&ok).is_empty());
        let bad = reject(vec![
            r(ReviewTarget::General, "  "),
            r(ReviewTarget::Field("salary".into()), "x"),
            r(
                ReviewTarget::General,
                &"长".repeat(REASON_MESSAGE_MAX_CHARS + 1),
            ),
        ]);
        let e = check_decision(&bad);
        assert_eq!(e["reasons.0.message"], "required");
        assert_eq!(e["reasons.1.target"], reason::UNKNOWN_FIELD);
        assert_eq!(e["reasons.2.message"], "too_long");
        assert_eq!(e.len(), 3);
    }

    #[test]
    fn codes_refresh_five_minutes_early() {
        let exp = Timestamp(10_000);
        assert!(!code_needs_refresh(exp, Timestamp(10_000 - 301)));
        assert!(code_needs_refresh(exp, Timestamp(10_000 - 300)));
        assert!(code_needs_refresh(exp, Timestamp(20_000)));
    }

    #[test]
    fn order_numbers() {
        assert!(is_order_no("BM202611270123456789"));
        assert!(!is_order_no("BM20261127012345678"));
        assert!(!is_order_no("XX202611270123456789"));
        assert!(!is_order_no("BM2026112701234567a9"));
    }
}
