//! An application's status and the only transitions allowed between statuses.
//!
//! ```text
//! draft ─submit→ under_review ─approve→ awaiting_payment ─pay→ paid ─ticket→ ticket_ready
//!                  ↑      └─reject→ rejected                   └──────refund──────┴→ refunded
//!                  └──resubmit───────┘
//! ```

use serde::{Deserialize, Serialize};

use crate::time::{Timestamp, add_working_days};

/// Reviewers decide within about this many working days of a submission (the seed: 约2个工作日).
pub const REVIEW_WORKING_DAYS: u32 = 2;

/// When a submission made at `submitted_at` should be decided: [`REVIEW_WORKING_DAYS`]
/// working days later, weekends skipped (the `expected_decision_by` of an application
/// `under_review`).
pub fn expected_decision_by(submitted_at: Timestamp) -> Timestamp {
    add_working_days(submitted_at, REVIEW_WORKING_DAYS)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// 草稿: being filled in, not submitted.
    Draft,
    /// 审核中: about 2 working days; the candidate may still edit.
    UnderReview,
    /// 审核不通过: 查看原因, fix, 重新提交.
    Rejected,
    /// 审核通过 · 待缴费
    AwaitingPayment,
    /// 缴费成功: wait for the admission ticket.
    Paid,
    /// 准考证可打印
    TicketReady,
    /// 已退款: staff refunded the fee (the candidate withdrew, or the exam was cancelled);
    /// the registration no longer counts.
    Refunded,
}

/// What moves an application from one status to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    Submit,
    Approve,
    Reject,
    Resubmit,
    ConfirmPayment,
    IssueTicket,
    /// Staff refunded the whole fee (the refund completed at the payment provider).
    Refund,
}

impl ApplicationStatus {
    /// The status after `t`, or `None` when `t` is not allowed now.
    pub fn apply(self, t: Transition) -> Option<ApplicationStatus> {
        use ApplicationStatus::*;
        use Transition::*;
        match (self, t) {
            (Draft, Submit) => Some(UnderReview),
            (UnderReview, Approve) => Some(AwaitingPayment),
            (UnderReview, Reject) => Some(Rejected),
            (Rejected, Resubmit) => Some(UnderReview),
            (AwaitingPayment, ConfirmPayment) => Some(Paid),
            (Paid, IssueTicket) => Some(TicketReady),
            (Paid | TicketReady, Refund) => Some(Refunded),
            _ => None,
        }
    }

    /// Whether the candidate may change the form and documents. The seed lets candidates
    /// edit while 审核中; after approval the materials are final.
    pub fn candidate_may_edit(self) -> bool {
        matches!(self, Self::Draft | Self::UnderReview | Self::Rejected)
    }

    /// Whether something is still expected to change without the candidate acting, so the
    /// status page keeps refreshing itself.
    pub fn is_pending(self) -> bool {
        matches!(self, Self::UnderReview | Self::AwaitingPayment | Self::Paid)
    }

    /// The status as the seed names it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::UnderReview => "审核中",
            Self::Rejected => "审核不通过",
            Self::AwaitingPayment => "待缴费",
            Self::Paid => "缴费成功",
            Self::TicketReady => "准考证可打印",
            Self::Refunded => "已退款",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ApplicationStatus::*;
    use super::Transition::*;

    #[test]
    fn the_whole_table() {
        let all_s = [
            Draft,
            UnderReview,
            Rejected,
            AwaitingPayment,
            Paid,
            TicketReady,
            Refunded,
        ];
        let all_t = [
            Submit,
            Approve,
            Reject,
            Resubmit,
            ConfirmPayment,
            IssueTicket,
            Refund,
        ];
        let allowed = [
            (Draft, Submit, UnderReview),
            (UnderReview, Approve, AwaitingPayment),
            (UnderReview, Reject, Rejected),
            (Rejected, Resubmit, UnderReview),
            (AwaitingPayment, ConfirmPayment, Paid),
            (Paid, IssueTicket, TicketReady),
            (Paid, Refund, Refunded),
            (TicketReady, Refund, Refunded),
        ];
        for s in all_s {
            for t in all_t {
                let expected = allowed
                    .iter()
                    .find(|(a, b, _)| *a == s && *b == t)
                    .map(|x| x.2);
                assert_eq!(s.apply(t), expected, "{s:?} --{t:?}-->");
            }
        }
    }

    #[test]
    fn a_paid_application_cannot_be_paid_again() {
        assert_eq!(Paid.apply(ConfirmPayment), None);
        assert_eq!(TicketReady.apply(ConfirmPayment), None);
    }

    #[test]
    fn a_friday_submission_is_expected_on_tuesday() {
        use crate::time::Timestamp;
        let friday = Timestamp::parse_rfc3339("2026-11-27T10:00:00+08:00").unwrap();
        assert_eq!(
            super::expected_decision_by(friday).to_rfc3339(),
            "2026-12-01T10:00:00+08:00"
        );
    }

    #[test]
    fn editing_and_pending() {
        assert!(UnderReview.candidate_may_edit());
        assert!(!AwaitingPayment.candidate_may_edit());
        assert!(UnderReview.is_pending());
        assert!(!Draft.is_pending());
        assert_eq!(Rejected.label_zh(), "审核不通过");
    }
}
