//! The rate limits of SMS codes and log-ins, as pure functions of "now" and what happened
//! before, so they can be tested at chosen instants. The numbers are the contract's
//! ([`baoming_contract::auth`]); this module only applies them.

use baoming_contract::auth::{
    LOGIN_LOCK_AFTER_FAILURES, LOGIN_LOCK_S, SMS_PER_CLIENT_PER_DAY, SMS_PER_CLIENT_PER_HOUR,
    SMS_PER_PHONE_PER_DAY, SMS_PER_PHONE_PER_HOUR, SMS_RESEND_INTERVAL_S,
    login_delay_after_failures,
};
use baoming_contract::error::ErrorCode;
use baoming_contract::time::Timestamp;

use crate::error::ApiError;

const HOUR_S: i64 = 3600;

/// Why a request must wait, and how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `rate_limited`: a minute or hour limit; allowed again after `retry_after_s`.
    RateLimited { retry_after_s: u64 },
    /// `daily_limit_reached`: today's (China Standard Time) allowance is used up.
    DailyLimitReached { retry_after_s: u64 },
    /// `account_locked`: too many failed log-ins.
    AccountLocked { retry_after_s: u64 },
}

impl Refusal {
    pub fn retry_after_s(self) -> u64 {
        match self {
            Refusal::RateLimited { retry_after_s }
            | Refusal::DailyLimitReached { retry_after_s }
            | Refusal::AccountLocked { retry_after_s } => retry_after_s,
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        let (code, message) = match refusal {
            Refusal::RateLimited { .. } => (ErrorCode::RateLimited, "too many requests; wait"),
            Refusal::DailyLimitReached { .. } => {
                (ErrorCode::DailyLimitReached, "today's limit is used up")
            }
            Refusal::AccountLocked { .. } => (
                ErrorCode::AccountLocked,
                "too many failed log-ins; the account is locked",
            ),
        };
        ApiError::new(code, message).with_retry_after(refusal.retry_after_s())
    }
}

/// The next midnight in China Standard Time after `now`.
pub fn next_midnight_cst(now: Timestamp) -> Timestamp {
    let tomorrow =
        baoming_contract::time::Date::from_days_since_epoch(now.date_cst().days_since_epoch() + 1);
    Timestamp::start_of_day_cst(tomorrow)
}

/// The earliest instant from which SMS history has to be looked at: the start of today (CST)
/// or an hour ago, whichever is earlier.
pub fn sms_history_since(now: Timestamp) -> Timestamp {
    Timestamp::start_of_day_cst(now.date_cst()).min(Timestamp(now.0 - HOUR_S))
}

/// When `limit` events within a sliding `window` (seconds) allow another one: `None` when
/// they already do. `times` may be in any order.
fn sliding_window_free_at(
    times: &[Timestamp],
    now: Timestamp,
    window: i64,
    limit: u32,
) -> Option<i64> {
    let mut recent: Vec<i64> = times
        .iter()
        .map(|t| t.0)
        .filter(|t| *t > now.0 - window)
        .collect();
    let limit = usize::try_from(limit).unwrap_or(usize::MAX).max(1);
    if recent.len() < limit {
        return None;
    }
    recent.sort_unstable();
    // Once the oldest events have left the window, fewer than `limit` remain.
    Some(recent[recent.len() - limit] + window)
}

fn count_today(times: &[Timestamp], now: Timestamp) -> usize {
    let today = Timestamp::start_of_day_cst(now.date_cst());
    times.iter().filter(|t| **t >= today).count()
}

/// Whether another SMS code may be sent now, given the instants codes were sent to this
/// phone and from this client address (at least those since [`sms_history_since`]).
///
/// The wait is until every limit allows again; the day limit's answer wins, because that is
/// what the candidate must be told ("today's codes are used up").
pub fn sms_send(now: Timestamp, phone: &[Timestamp], client: &[Timestamp]) -> Result<(), Refusal> {
    let resend = phone
        .iter()
        .map(|t| t.0 + SMS_RESEND_INTERVAL_S as i64)
        .max()
        .filter(|at| *at > now.0);
    let minute_or_hour = [
        resend,
        sliding_window_free_at(phone, now, HOUR_S, SMS_PER_PHONE_PER_HOUR),
        sliding_window_free_at(client, now, HOUR_S, SMS_PER_CLIENT_PER_HOUR),
    ];
    let over_today = count_today(phone, now) >= count(SMS_PER_PHONE_PER_DAY)
        || count_today(client, now) >= count(SMS_PER_CLIENT_PER_DAY);
    let daily = over_today.then(|| next_midnight_cst(now).0);
    let free_at = minute_or_hour.into_iter().chain([daily]).flatten().max();
    match free_at {
        None => Ok(()),
        Some(at) => {
            let retry_after_s = seconds_until(now, at);
            Err(if daily.is_some() {
                Refusal::DailyLimitReached { retry_after_s }
            } else {
                Refusal::RateLimited { retry_after_s }
            })
        }
    }
}

/// Seconds until another code may be requested for a phone that was sent codes at `phone`
/// (including the one just sent): the 获取验证码 countdown.
pub fn sms_next_allowed_in(now: Timestamp, phone: &[Timestamp]) -> u64 {
    match sms_send(now, phone, &[]) {
        Ok(()) => 0,
        Err(refusal) => refusal.retry_after_s(),
    }
}

fn count(limit: u32) -> usize {
    usize::try_from(limit).unwrap_or(usize::MAX)
}

fn seconds_until(now: Timestamp, at: i64) -> u64 {
    u64::try_from(at - now.0).unwrap_or(0).max(1)
}

/// An account's record of failed log-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginFailures {
    /// Failures in a row since the last success or lock.
    pub count: u32,
    pub last_failed_at: Option<Timestamp>,
    pub locked_until: Option<Timestamp>,
}

/// Whether a log-in attempt may check the password now.
pub fn login_attempt(now: Timestamp, failures: &LoginFailures) -> Result<(), Refusal> {
    if let Some(until) = failures.locked_until
        && until > now
    {
        return Err(Refusal::AccountLocked {
            retry_after_s: seconds_until(now, until.0),
        });
    }
    let delay = login_delay_after_failures(failures.count);
    if delay > 0
        && let Some(last) = failures.last_failed_at
    {
        let free_at = last
            .0
            .saturating_add(i64::try_from(delay).unwrap_or(i64::MAX));
        if free_at > now.0 {
            return Err(Refusal::RateLimited {
                retry_after_s: seconds_until(now, free_at),
            });
        }
    }
    Ok(())
}

/// What a failed attempt leaves behind: one more failure, or a lock (and the count starting
/// over, so the lock's end does not lock again at the next mistake).
pub fn after_login_failure(now: Timestamp, failures: &LoginFailures) -> LoginFailures {
    let count = failures.count.saturating_add(1);
    if count >= LOGIN_LOCK_AFTER_FAILURES {
        LoginFailures {
            count: 0,
            last_failed_at: Some(now),
            locked_until: Some(Timestamp(now.0 + LOGIN_LOCK_S as i64)),
        }
    } else {
        LoginFailures {
            count,
            last_failed_at: Some(now),
            locked_until: None,
        }
    }
}

/// Failed log-ins from one client address (every phone together) within
/// [`CLIENT_FAILURE_WINDOW_S`] before that address is slowed down: generous, because a
/// school's computer room shares one address on registration day.
pub const CLIENT_LOGIN_FAILURES: usize = 100;
/// Wrong SMS codes (registration and password reset together) from one client address
/// within [`CLIENT_FAILURE_WINDOW_S`]. A candidate mistypes a code once or twice; thirty
/// wrong codes are a script trying other people's phones.
pub const CLIENT_CODE_FAILURES: usize = 30;
/// The window of [`CLIENT_LOGIN_FAILURES`] and [`CLIENT_CODE_FAILURES`].
pub const CLIENT_FAILURE_WINDOW_S: i64 = 10 * 60;
/// Entries kept before the expired ones are swept.
const GUARD_SWEEP_AT: usize = 10_000;

/// Failures per client address in a sliding window, refused beyond a cap. In memory, like
/// [`LoginGuard`]: a limiter a restart forgets, never waiting on the database's writer.
#[derive(Debug)]
pub struct ClientBudget {
    cap: usize,
    window_s: i64,
    clients:
        std::sync::Mutex<std::collections::HashMap<String, std::collections::VecDeque<Timestamp>>>,
}

impl ClientBudget {
    /// At most `cap` failures from one address within `window_s` seconds.
    pub fn new(cap: usize, window_s: i64) -> ClientBudget {
        ClientBudget {
            cap,
            window_s,
            clients: std::sync::Mutex::default(),
        }
    }

    fn clients(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        std::collections::HashMap<String, std::collections::VecDeque<Timestamp>>,
    > {
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `client` may try again now: `rate_limited` until its oldest failure in the
    /// window leaves it.
    pub fn check(&self, client: &str, now: Timestamp) -> Result<(), Refusal> {
        let clients = self.clients();
        let Some(times) = clients.get(client) else {
            return Ok(());
        };
        let mut recent = times.iter().filter(|t| t.0 > now.0 - self.window_s);
        match recent.clone().nth(self.cap - 1).and(recent.next()) {
            Some(oldest) => Err(Refusal::RateLimited {
                retry_after_s: seconds_until(now, oldest.0 + self.window_s),
            }),
            None => Ok(()),
        }
    }

    /// Counts a failure of `client`.
    pub fn spend(&self, client: &str, now: Timestamp) {
        let mut clients = self.clients();
        if clients.len() > GUARD_SWEEP_AT {
            clients.retain(|_, times| {
                times.retain(|t| t.0 > now.0 - self.window_s);
                !times.is_empty()
            });
        }
        let times = clients.entry(client.to_owned()).or_default();
        times.push_back(now);
        while times.len() > self.cap {
            times.pop_front();
        }
    }

    /// Takes back the last failure counted for `client` (the attempt it stood for
    /// succeeded).
    pub fn refund(&self, client: &str) {
        if let Some(times) = self.clients().get_mut(client) {
            times.pop_back();
        }
    }
}

/// Failed log-ins, kept in memory per **phone and client address** and per client address.
///
/// A lock (after [`LOGIN_LOCK_AFTER_FAILURES`] wrong passwords) and the growing delays
/// before it apply to the pair, so a stranger guessing someone's password from their own
/// address locks only themselves out: the candidate, from their phone or home, still logs
/// in. Guessing from many addresses is met per address (each pair slows down and locks,
/// each address is capped at [`CLIENT_LOGIN_FAILURES`] failures in
/// [`CLIENT_FAILURE_WINDOW_S`] whatever the phone), and the password's own strength does
/// the rest. Memory, not the database: it is a limiter, a restart forgets it (documented),
/// and a burst of failures never waits on the single writer.
#[derive(Debug)]
pub struct LoginGuard {
    pairs: std::sync::Mutex<std::collections::HashMap<(String, String), LoginFailures>>,
    clients: ClientBudget,
}

impl Default for LoginGuard {
    fn default() -> Self {
        LoginGuard {
            pairs: std::sync::Mutex::default(),
            clients: ClientBudget::new(CLIENT_LOGIN_FAILURES, CLIENT_FAILURE_WINDOW_S),
        }
    }
}

impl LoginGuard {
    fn pairs(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<(String, String), LoginFailures>> {
        self.pairs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `client` may try a password for `phone` now.
    pub fn check(&self, phone: &str, client: &str, now: Timestamp) -> Result<(), Refusal> {
        self.clients.check(client, now)?;
        match self.pairs().get(&(phone.to_owned(), client.to_owned())) {
            Some(failures) => login_attempt(now, failures),
            None => Ok(()),
        }
    }

    /// Counts a failure (before the password is checked, so guesses sent in parallel
    /// cannot slip past the slow-down); answers the pair's record after it.
    pub fn failed(&self, phone: &str, client: &str, now: Timestamp) -> LoginFailures {
        self.clients.spend(client, now);
        let mut pairs = self.pairs();
        if pairs.len() > GUARD_SWEEP_AT {
            let lock = i64::try_from(LOGIN_LOCK_S).unwrap_or(i64::MAX);
            pairs.retain(|_, f| {
                f.locked_until.is_some_and(|t| t > now)
                    || f.last_failed_at.is_some_and(|t| t.0 > now.0 - lock)
            });
        }
        let entry = pairs
            .entry((phone.to_owned(), client.to_owned()))
            .or_default();
        *entry = after_login_failure(now, entry);
        *entry
    }

    /// The password was right: the pair starts over, and the failure counted for this
    /// attempt is taken back from the address.
    pub fn succeeded(&self, phone: &str, client: &str) {
        self.pairs().remove(&(phone.to_owned(), client.to_owned()));
        self.clients.refund(client);
    }

    /// Forgets every lock and delay of `phone` (its owner reset the password).
    pub fn forget_phone(&self, phone: &str) {
        self.pairs().retain(|(p, _), _| p != phone);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baoming_contract::auth::LOGIN_FREE_FAILURES;

    #[test]
    fn a_strangers_lock_is_the_strangers_alone() {
        let guard = LoginGuard::default();
        let t = Timestamp(1_800_000_000);
        let mut now = t;
        for _ in 0..LOGIN_LOCK_AFTER_FAILURES {
            // Each failure waits out the delay before it.
            while guard.check("13800138000", "10.0.0.9", now).is_err() {
                now = Timestamp(now.0 + 1);
            }
            guard.failed("13800138000", "10.0.0.9", now);
        }
        assert!(matches!(
            guard.check("13800138000", "10.0.0.9", now),
            Err(Refusal::AccountLocked { .. })
        ));
        // The owner, elsewhere, is not locked; another phone from the stranger is not either.
        assert_eq!(guard.check("13800138000", "192.0.2.1", now), Ok(()));
        assert_eq!(guard.check("13900139000", "10.0.0.9", now), Ok(()));
        // After the lock, the pair may try again.
        let later = Timestamp(now.0 + LOGIN_LOCK_S as i64 + 1);
        assert_eq!(guard.check("13800138000", "10.0.0.9", later), Ok(()));
    }

    #[test]
    fn one_address_trying_many_phones_is_capped() {
        let guard = LoginGuard::default();
        let now = Timestamp(1_800_000_000);
        for i in 0..CLIENT_LOGIN_FAILURES {
            let phone = format!("138{i:08}");
            assert_eq!(guard.check(&phone, "10.0.0.9", now), Ok(()), "{i}");
            guard.failed(&phone, "10.0.0.9", now);
        }
        assert!(matches!(
            guard.check("13999999999", "10.0.0.9", now),
            Err(Refusal::RateLimited { .. })
        ));
        assert_eq!(guard.check("13999999999", "10.0.0.10", now), Ok(()));
        let later = Timestamp(now.0 + CLIENT_FAILURE_WINDOW_S + 1);
        assert_eq!(guard.check("13999999999", "10.0.0.9", later), Ok(()));
    }

    #[test]
    fn an_address_is_refused_beyond_its_budget_until_the_oldest_failure_leaves() {
        let budget = ClientBudget::new(3, 600);
        let t = Timestamp(1_800_000_000);
        for i in 0..3 {
            assert_eq!(budget.check("10.0.0.9", Timestamp(t.0 + i)), Ok(()));
            budget.spend("10.0.0.9", Timestamp(t.0 + i));
        }
        assert_eq!(
            budget.check("10.0.0.9", Timestamp(t.0 + 10)),
            Err(Refusal::RateLimited { retry_after_s: 590 })
        );
        assert_eq!(budget.check("10.0.0.10", Timestamp(t.0 + 10)), Ok(()));
        // The first failure leaves the window: one more is allowed.
        assert_eq!(budget.check("10.0.0.9", Timestamp(t.0 + 600)), Ok(()));
        budget.refund("10.0.0.9");
        assert_eq!(budget.check("10.0.0.9", Timestamp(t.0 + 10)), Ok(()));
    }

    #[test]
    fn a_right_password_starts_the_pair_over() {
        let guard = LoginGuard::default();
        let now = Timestamp(1_800_000_000);
        for _ in 0..LOGIN_FREE_FAILURES {
            guard.failed("13800138000", "10.0.0.9", now);
        }
        assert!(guard.check("13800138000", "10.0.0.9", now).is_err());
        guard.succeeded("13800138000", "10.0.0.9");
        assert_eq!(guard.check("13800138000", "10.0.0.9", now), Ok(()));
    }

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn plus(t: Timestamp, s: i64) -> Timestamp {
        Timestamp(t.0 + s)
    }

    #[test]
    fn midnight_is_china_midnight() {
        let now = at("2026-11-28T23:59:30+08:00");
        assert_eq!(
            next_midnight_cst(now).to_rfc3339(),
            "2026-11-29T00:00:00+08:00"
        );
        // 17:00 UTC is already the next day in Beijing.
        let now = at("2026-11-28T17:00:00Z");
        assert_eq!(
            next_midnight_cst(now).to_rfc3339(),
            "2026-11-30T00:00:00+08:00"
        );
        assert_eq!(
            sms_history_since(at("2026-11-28T00:30:00+08:00")).to_rfc3339(),
            "2026-11-27T23:30:00+08:00"
        );
    }

    #[test]
    fn one_code_a_minute() {
        let t0 = at("2026-11-28T10:00:00+08:00");
        assert_eq!(sms_send(t0, &[], &[]), Ok(()));
        assert_eq!(
            sms_send(plus(t0, 1), &[t0], &[]),
            Err(Refusal::RateLimited { retry_after_s: 59 })
        );
        assert_eq!(
            sms_send(plus(t0, 59), &[t0], &[]),
            Err(Refusal::RateLimited { retry_after_s: 1 })
        );
        assert_eq!(sms_send(plus(t0, 60), &[t0], &[]), Ok(()));
        assert_eq!(sms_next_allowed_in(t0, &[t0]), 60);
    }

    #[test]
    fn five_an_hour_sliding() {
        let t0 = at("2026-11-28T10:00:00+08:00");
        let sent: Vec<_> = (0..5).map(|i| plus(t0, i * 60)).collect();
        let now = plus(t0, 5 * 60);
        assert_eq!(
            sms_send(now, &sent, &[]),
            Err(Refusal::RateLimited {
                retry_after_s: 3600 - 300
            })
        );
        assert_eq!(sms_next_allowed_in(plus(t0, 240), &sent), 3600 - 240);
        assert_eq!(sms_send(plus(t0, 3600), &sent, &[]), Ok(()));
    }

    #[test]
    fn ten_a_day_until_china_midnight() {
        let t0 = at("2026-11-28T08:00:00+08:00");
        let sent: Vec<_> = (0..10).map(|i| plus(t0, i * 3600)).collect();
        let now = at("2026-11-28T20:00:00+08:00");
        assert_eq!(
            sms_send(now, &sent, &[]),
            Err(Refusal::DailyLimitReached {
                retry_after_s: 4 * 3600
            })
        );
        assert_eq!(
            sms_send(at("2026-11-29T00:00:00+08:00"), &sent, &[]),
            Ok(())
        );
    }

    #[test]
    fn per_client_limits() {
        let t0 = at("2026-11-28T10:00:00+08:00");
        let client: Vec<_> = (0..SMS_PER_CLIENT_PER_HOUR as i64)
            .map(|i| plus(t0, i * 10))
            .collect();
        let now = plus(t0, 600);
        assert_eq!(
            sms_send(now, &[], &client),
            Err(Refusal::RateLimited {
                retry_after_s: 3000
            })
        );
        let day: Vec<_> = (0..SMS_PER_CLIENT_PER_DAY as i64)
            .map(|i| plus(t0, i * 600))
            .collect();
        let now = at("2026-11-28T23:00:00+08:00");
        assert_eq!(
            sms_send(now, &[], &day),
            Err(Refusal::DailyLimitReached {
                retry_after_s: 3600
            })
        );
    }

    #[test]
    fn log_ins_slow_down_then_lock() {
        let t0 = at("2026-11-28T10:00:00+08:00");
        let mut f = LoginFailures::default();
        for _ in 0..LOGIN_FREE_FAILURES - 1 {
            assert_eq!(login_attempt(t0, &f), Ok(()));
            f = after_login_failure(t0, &f);
        }
        assert_eq!(login_attempt(t0, &f), Ok(()));
        f = after_login_failure(t0, &f);
        assert_eq!(
            login_attempt(t0, &f),
            Err(Refusal::RateLimited { retry_after_s: 2 })
        );
        assert_eq!(login_attempt(plus(t0, 2), &f), Ok(()));
        for _ in LOGIN_FREE_FAILURES..LOGIN_LOCK_AFTER_FAILURES {
            f = after_login_failure(t0, &f);
        }
        assert_eq!(f.count, 0);
        assert_eq!(
            login_attempt(plus(t0, 60), &f),
            Err(Refusal::AccountLocked {
                retry_after_s: LOGIN_LOCK_S - 60
            })
        );
        assert_eq!(login_attempt(plus(t0, LOGIN_LOCK_S as i64), &f), Ok(()));
    }

    #[test]
    fn refusals_become_envelopes() {
        let e = ApiError::from(Refusal::DailyLimitReached { retry_after_s: 7 });
        assert_eq!(e.code(), ErrorCode::DailyLimitReached);
        assert_eq!(e.envelope().error.retry_after_s, Some(7));
    }
}
