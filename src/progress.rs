//! 办理进度 as a stepper: the whole road of an application (填写报名信息 → 提交报名 → 审核 →
//! 缴费 → 缴费成功 → 准考证), each stage done (with the date it happened), current, or still
//! to come, computed from the application's status and its status events. Plain Rust, so the
//! rules are tested on the host; `pages/application.rs` draws the result.

use baoming_contract::api::StatusEvent;
use baoming_contract::status::ApplicationStatus;
use baoming_contract::time::Timestamp;

/// One stage of the road.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// 填写报名信息 (its date: when the application was opened).
    Fill,
    /// 提交报名 (its date: the latest submission or resubmission).
    Submit,
    /// 审核 (its date: when it was approved).
    Review,
    /// 缴费 (its date: when the fee was paid).
    Pay,
    /// 缴费成功: waiting for the admission ticket.
    Paid,
    /// 准考证 (可打印).
    Ticket,
    /// 已退款: the registration was cancelled and the fee returned; only on refunded
    /// applications, where it ends the road.
    Refunded,
}

/// Where the candidate stands with a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// Behind the candidate.
    Done,
    /// Where the candidate is now.
    Current,
    /// Where the candidate is now, and something needs fixing (审核不通过).
    Attention,
    /// Still to come.
    Upcoming,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub stage: Stage,
    pub state: StepState,
    /// When the stage happened (done stages, when the events say so).
    pub at: Option<Timestamp>,
}

impl Step {
    /// Whether this is the step to mark `aria-current="step"`.
    pub fn is_current(&self) -> bool {
        matches!(self.state, StepState::Current | StepState::Attention)
    }
}

/// The latest event into `status`, if any.
fn last(events: &[StatusEvent], status: ApplicationStatus) -> Option<Timestamp> {
    events
        .iter()
        .rev()
        .find(|e| e.status == status)
        .map(|e| e.at)
}

/// The stepper for an application in `status` with these events (oldest first). Exactly one
/// step is current; the ones before it are done, the ones after it upcoming.
pub fn steps(status: ApplicationStatus, events: &[StatusEvent]) -> Vec<Step> {
    use ApplicationStatus as S;
    let date_of = |stage: Stage| match stage {
        Stage::Fill => last(events, S::Draft),
        Stage::Submit => last(events, S::UnderReview),
        Stage::Review => last(events, S::AwaitingPayment),
        Stage::Pay | Stage::Paid => last(events, S::Paid),
        Stage::Ticket => last(events, S::TicketReady),
        Stage::Refunded => last(events, S::Refunded),
    };
    let mut road = vec![
        Stage::Fill,
        Stage::Submit,
        Stage::Review,
        Stage::Pay,
        Stage::Paid,
        Stage::Ticket,
    ];
    // Where the candidate is now, by its index on the road.
    let (current, state) = match status {
        S::Draft => (0, StepState::Current),
        S::UnderReview => (2, StepState::Current),
        S::Rejected => (2, StepState::Attention),
        S::AwaitingPayment => (3, StepState::Current),
        S::Paid => (4, StepState::Current),
        S::TicketReady => (5, StepState::Current),
        S::Refunded => {
            // The ticket will not come: the road ends in 已退款, after 准考证 only when one
            // had been issued.
            if last(events, S::TicketReady).is_none() {
                road.pop();
            }
            road.push(Stage::Refunded);
            (road.len() - 1, StepState::Current)
        }
    };
    road.into_iter()
        .enumerate()
        .map(|(i, stage)| {
            let (state, at) = if i < current {
                (StepState::Done, date_of(stage))
            } else if i == current {
                (state, None)
            } else {
                (StepState::Upcoming, None)
            };
            Step { stage, state, at }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Stage::*;
    use super::StepState::*;
    use super::*;
    use ApplicationStatus as S;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn ev(status: ApplicationStatus, when: &str) -> StatusEvent {
        StatusEvent {
            status,
            at: at(when),
        }
    }

    fn shape(steps: &[Step]) -> Vec<(Stage, StepState)> {
        steps.iter().map(|s| (s.stage, s.state)).collect()
    }

    fn created() -> Vec<StatusEvent> {
        vec![ev(S::Draft, "2026-11-27T09:00:00+08:00")]
    }

    fn submitted() -> Vec<StatusEvent> {
        let mut e = created();
        e.push(ev(S::UnderReview, "2026-11-27T10:00:00+08:00"));
        e
    }

    fn paid() -> Vec<StatusEvent> {
        let mut e = submitted();
        e.push(ev(S::AwaitingPayment, "2026-11-30T15:00:00+08:00"));
        e.push(ev(S::Paid, "2026-12-01T08:30:00+08:00"));
        e
    }

    #[test]
    fn a_draft_is_at_the_start_with_everything_ahead() {
        let steps = steps(S::Draft, &created());
        assert_eq!(
            shape(&steps),
            [
                (Fill, Current),
                (Submit, Upcoming),
                (Review, Upcoming),
                (Pay, Upcoming),
                (Paid, Upcoming),
                (Ticket, Upcoming),
            ]
        );
        assert!(steps.iter().all(|s| s.at.is_none()));
    }

    #[test]
    fn under_review_has_filling_and_submitting_behind_with_their_dates() {
        let steps = steps(S::UnderReview, &submitted());
        assert_eq!(
            shape(&steps),
            [
                (Fill, Done),
                (Submit, Done),
                (Review, Current),
                (Pay, Upcoming),
                (Paid, Upcoming),
                (Ticket, Upcoming),
            ]
        );
        assert_eq!(steps[0].at, Some(at("2026-11-27T09:00:00+08:00")));
        assert_eq!(steps[1].at, Some(at("2026-11-27T10:00:00+08:00")));
        assert_eq!(steps[2].at, None);
    }

    #[test]
    fn rejected_is_the_review_stage_needing_attention_not_a_later_one() {
        let mut events = submitted();
        events.push(ev(S::Rejected, "2026-11-28T11:00:00+08:00"));
        let steps = steps(S::Rejected, &events);
        assert_eq!(
            steps[2],
            Step {
                stage: Review,
                state: Attention,
                at: None
            }
        );
        assert!(steps[2].is_current());
        assert_eq!(steps.iter().filter(|s| s.is_current()).count(), 1);
        assert!(steps[3..].iter().all(|s| s.state == Upcoming));
    }

    #[test]
    fn a_resubmission_dates_the_submit_stage() {
        let mut events = submitted();
        events.push(ev(S::Rejected, "2026-11-28T11:00:00+08:00"));
        events.push(ev(S::UnderReview, "2026-11-29T16:45:00+08:00"));
        let steps = steps(S::UnderReview, &events);
        assert_eq!(steps[1].at, Some(at("2026-11-29T16:45:00+08:00")));
        assert_eq!(steps[2].state, Current);
    }

    #[test]
    fn awaiting_payment_has_the_review_done_on_its_approval_date() {
        let mut events = submitted();
        events.push(ev(S::AwaitingPayment, "2026-11-30T15:00:00+08:00"));
        let steps = steps(S::AwaitingPayment, &events);
        assert_eq!(steps[2].state, Done);
        assert_eq!(steps[2].at, Some(at("2026-11-30T15:00:00+08:00")));
        assert_eq!((steps[3].stage, steps[3].state), (Pay, Current));
        assert_eq!(steps[4].state, Upcoming);
    }

    #[test]
    fn paid_waits_for_the_ticket() {
        let steps = steps(S::Paid, &paid());
        assert_eq!(
            shape(&steps),
            [
                (Fill, Done),
                (Submit, Done),
                (Review, Done),
                (Pay, Done),
                (Paid, Current),
                (Ticket, Upcoming),
            ]
        );
        assert_eq!(steps[3].at, Some(at("2026-12-01T08:30:00+08:00")));
    }

    #[test]
    fn ticket_ready_is_the_last_stage_reached() {
        let mut events = paid();
        events.push(ev(S::TicketReady, "2026-12-10T09:00:00+08:00"));
        let steps = steps(S::TicketReady, &events);
        assert_eq!(steps.len(), 6);
        assert!(steps[..5].iter().all(|s| s.state == Done && s.at.is_some()));
        assert_eq!((steps[5].stage, steps[5].state), (Ticket, Current));
    }

    #[test]
    fn a_refund_ends_the_road_instead_of_the_ticket() {
        let mut events = paid();
        events.push(ev(S::Refunded, "2026-12-02T10:00:00+08:00"));
        let steps = steps(S::Refunded, &events);
        assert_eq!(
            shape(&steps),
            [
                (Fill, Done),
                (Submit, Done),
                (Review, Done),
                (Pay, Done),
                (Paid, Done),
                (Refunded, Current),
            ]
        );
        assert!(steps.iter().all(|s| s.state != Upcoming));
    }

    #[test]
    fn a_refund_after_the_ticket_keeps_the_ticket_done() {
        let mut events = paid();
        events.push(ev(S::TicketReady, "2026-12-10T09:00:00+08:00"));
        events.push(ev(S::Refunded, "2026-12-11T10:00:00+08:00"));
        let steps = steps(S::Refunded, &events);
        assert_eq!(steps.len(), 7);
        assert_eq!((steps[5].stage, steps[5].state), (Ticket, Done));
        assert_eq!(steps[5].at, Some(at("2026-12-10T09:00:00+08:00")));
        assert_eq!((steps[6].stage, steps[6].state), (Refunded, Current));
    }

    #[test]
    fn missing_events_leave_done_stages_undated() {
        let steps = steps(S::AwaitingPayment, &[]);
        assert!(steps[..3].iter().all(|s| s.state == Done && s.at.is_none()));
    }
}
