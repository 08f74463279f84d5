//! 考生注册, 登录, 忘记密码: `POST /sms-codes`, `POST /accounts`, `POST /sessions`,
//! `DELETE /sessions/current`, `GET /me` and `POST /password-resets`, with the development
//! endpoints `GET /dev/sms-outbox` (where the checks read the codes) and
//! `POST /dev/sessions/expire`.
//!
//! The backend's rate limits are real, so the checks are frugal with SMS codes:
//!
//! - every check uses fresh phone numbers ([`phone_number`]), so the per-phone limits
//!   (one a minute, five an hour, ten a day) never carry over from one check or run to the next;
//! - one registered account is shared ([`SharedAccount`]): it is registered by the first check
//!   that needs it (normally the register check) and used by every check that needs an
//!   account, so only registering itself and the password reset spend codes on it; the
//!   applications and documents areas use it too, as the applications' owner
//!   ([`shared_account_session`]), and register one more account between them, the "other"
//!   candidate of their cross-account checks ([`register_another_account`]);
//! - every request to `POST /sms-codes` goes through [`sms_request`], which counts the codes
//!   the backend accepted to send and refuses to ask for more than [`SMS_BUDGET`] in a run:
//!   the per-client limit ([`SMS_PER_CLIENT_PER_HOUR`]) must allow two runs within an hour.
//!   A full run in development mode asks for 6: 5 here, 1 for the applications' other account.
//!
//! The password reset needs a second code for the shared account's phone, so it waits out the
//! per-phone minute since the registration code; it runs last, when most of it has passed.
//!
//! Checks that ask for codes, need an account or use `/dev/...` are marked
//! [`Check::needs_dev`]: against a backend not in development mode they are skipped (its SMS
//! would reach real phones, and the suite could not read the codes anyway). The others send
//! no SMS to a conformant backend and always run.

use std::cell::{Cell, OnceCell, RefCell};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use baoming_contract::api::{Account, Outbox, OutboxMessage, SmsCodeSent};
use baoming_contract::auth::{
    SMS_CODE_LEN, SMS_CODE_TTL_S, SMS_PER_CLIENT_PER_HOUR, SMS_RESEND_INTERVAL_S, normalize_code,
    reason,
};
use baoming_contract::error::{ErrorCode, ErrorEnvelope};
use baoming_contract::time::Timestamp;
use baoming_contract::{password, phone};
use serde_json::json;

use super::{Check, CheckResult, Ctx};
use crate::client::{Request, Response};
use crate::cookie::{self, Jar};
use crate::expect;

/// The most SMS codes one run asks the backend to send. Two runs must fit the per-client
/// hourly limit, since every request of the suite comes from one address.
pub const SMS_BUDGET: u32 = 8;
const _: () = assert!(2 * SMS_BUDGET <= SMS_PER_CLIENT_PER_HOUR);

/// How far the backend's clock may be from ours when judging `created_at` and `sent_at`.
const CLOCK_SKEW_S: i64 = 120;

/// Phone numbers that are not mainland mobile numbers, one per reason of the contract.
const INVALID_PHONES: &[&str] = &["", "1380013800", "12800138000", "138-0013-800a"];

/// Passwords the contract refuses for lacking a letter or a digit.
const WEAK_PASSWORDS: &[&str] = &["abcdefgh", "12345678"];

/// A well-formed code no check has been sent (registering never gets as far as checking it).
const MADE_UP_CODE: &str = "123456";

/// A session cookie value no backend issued.
const FORGED_SESSION: &str = "conformance-not-a-session";

/// Checks that need the shared account's phone to have had no SMS for a minute: run after
/// every other area, so they seldom wait.
pub fn late_checks() -> Vec<Check> {
    vec![
        Check::new(
            "accounts",
            "a register code for a registered phone answers 202 like any other; the phone gets a notice without a code, and a guess answers 422 code_wrong",
            register_code_registered_phone,
        )
        .needs_dev(),
    ]
}

pub fn checks() -> Vec<Check> {
    let area = "accounts";
    vec![
        Check::new(
            area,
            "POST /sms-codes answers 202 SmsCodeSent (retry_after_s 60, expires_in_s 300) and the code reaches the dev outbox",
            send_code,
        )
        .needs_dev(),
        Check::new(
            area,
            "an invalid phone answers 422 validation_failed with fields.phone",
            invalid_phone,
        ),
        Check::new(
            area,
            "a body that is not an SmsCodeRequest answers 422 validation_failed",
            malformed_code_request,
        ),
        Check::new(
            area,
            "a second code within a minute answers 429 rate_limited with retry_after_s and Retry-After",
            resend_too_soon,
        )
        .needs_dev(),
        Check::new(
            area,
            "a reset_password code for a phone without an account answers 202 like any other; the phone gets a notice without a code, and a guess answers 422 code_wrong",
            reset_code_unknown_phone,
        )
        .needs_dev(),
        Check::new(
            area,
            "POST /accounts with the code answers 201 Account (phone normalised) and sets the session cookie",
            register,
        )
        .needs_dev(),
        Check::new(
            area,
            "GET /me with the session cookie answers the registered Account",
            me_with_cookie,
        )
        .needs_dev(),
        Check::new(
            area,
            "GET /me without a session answers 401 unauthenticated",
            me_without_session,
        ),
        Check::new(
            area,
            "registering a registered phone without its code answers 422 code_wrong, as for any phone (nothing tells whether it is registered)",
            register_twice,
        )
        .needs_dev(),
        Check::new(
            area,
            "registering with a wrong code answers 422, fields.code code_wrong, and creates nothing",
            register_wrong_code,
        )
        .needs_dev(),
        Check::new(
            area,
            "a weak password answers 422, fields.password password_needs_letter_and_digit",
            weak_password,
        ),
        Check::new(
            area,
            "several field problems are reported at once (register and password reset)",
            several_problems,
        ),
        Check::new(
            area,
            "POST /sessions with the right password answers 200 Account and a new session cookie",
            login_right,
        )
        .needs_dev(),
        Check::new(
            area,
            "a wrong password answers 401 unauthenticated, fields.password credentials_wrong, like an unknown phone",
            login_wrong_password,
        )
        .needs_dev(),
        Check::new(
            area,
            "logging in with an unknown phone answers 401 unauthenticated, fields.password credentials_wrong",
            login_unknown_phone,
        ),
        Check::new(
            area,
            "DELETE /sessions/current answers 204, clears the cookie and ends the session",
            logout,
        )
        .needs_dev(),
        Check::new(
            area,
            "DELETE /sessions/current without a session answers 204",
            logout_without_session,
        ),
        Check::new(
            area,
            "a password reset for a phone without an account answers 422 code_wrong, as for any wrong code",
            reset_unknown_phone,
        ),
        Check::new(
            area,
            "POST /dev/sessions/expire ends the account's sessions: GET /me answers 401",
            dev_expire_sessions,
        )
        .needs_dev(),
        Check::new(
            area,
            "POST /password-resets with a code answers 204; the old password and sessions stop working, the new password works",
            password_reset,
        )
        .needs_dev(),
    ]
}

// ---------------------------------------------------------------- shared state

/// What the accounts checks share within a run.
pub struct Shared {
    phones: PhoneSource,
    /// SMS codes the backend accepted to send this run (202 answers).
    codes_sent: Cell<u32>,
    /// The registered account, or why registering it failed (not retried: that would spend
    /// more codes).
    account: OnceCell<Result<SharedAccount, String>>,
}

impl Shared {
    pub fn new() -> Shared {
        Shared {
            phones: PhoneSource::from_clock(),
            codes_sent: Cell::new(0),
            account: OnceCell::new(),
        }
    }

    /// A phone number no earlier check or run has used (see [`phone_number`]).
    fn fresh_phone(&self) -> String {
        phone_number(self.phones.seed, self.phones.take())
    }

    /// A valid password no earlier check has used.
    fn fresh_password(&self) -> String {
        password_for(self.phones.seed, self.phones.take())
    }
}

impl Default for Shared {
    fn default() -> Shared {
        Shared::new()
    }
}

/// Numbers for [`phone_number`]: a seed drawn once per run and a counter.
struct PhoneSource {
    seed: u64,
    next: Cell<u64>,
}

impl PhoneSource {
    /// Seeded from the clock's nanoseconds and the process id, so two runs (even two at
    /// once) draw different numbers.
    fn from_clock() -> PhoneSource {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        // Truncating the nanoseconds keeps their fast-changing low bits.
        let seed = mix(nanos as u64 ^ (u64::from(std::process::id()) << 32));
        PhoneSource {
            seed,
            next: Cell::new(0),
        }
    }

    fn take(&self) -> u64 {
        let n = self.next.get();
        self.next.set(n + 1);
        n
    }
}

/// SplitMix64's finaliser: spreads nearby inputs over the whole range.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The `n`-th phone number of a run seeded with `seed`: `139` and 8 digits, a valid mainland
/// mobile number. Within a run the numbers are distinct (the step is coprime with 10⁸, so
/// the first 10⁸ never repeat); runs start at unrelated places.
pub fn phone_number(seed: u64, n: u64) -> String {
    const SPACE: u64 = 100_000_000;
    // Odd and not a multiple of 5: coprime with 10⁸ = 2⁸·5⁸.
    const STEP: u64 = 7_654_321;
    let offset = (u128::from(seed) + u128::from(n) * u128::from(STEP)) % u128::from(SPACE);
    format!("139{offset:08}")
}

/// A password the contract accepts (letters and digits, 8 to 72 bytes), different for every
/// `n`.
pub fn password_for(seed: u64, n: u64) -> String {
    format!("Conformance{:08}", mix(seed ^ mix(n)) % 100_000_000)
}

/// `13912345678` as people paste it, `+86 139 1234 5678`; the backend must normalise it.
pub fn pasted(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("+86 {} {} {}", &phone[..3], &phone[3..7], &phone[7..])
    } else {
        phone.to_owned()
    }
}

/// A well-formed code that is not `code`: each digit moved on by one.
pub fn other_code(code: &str) -> String {
    code.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_digit((d + 1) % 10, 10).unwrap_or('0'),
            None => '0',
        })
        .collect()
}

/// The account the checks share.
pub struct SharedAccount {
    /// Normalised, 11 digits.
    phone: String,
    /// The current password (the reset check changes it).
    password: RefCell<String>,
    /// What registering answered.
    account: Account,
    /// The session registering started.
    jar: Jar,
    /// Whether the session cookie registering set has the contract's attributes.
    cookie_sound: CheckResult,
    /// When the per-phone minute since the last SMS to it is over.
    codes_allowed_at: Cell<Instant>,
}

impl SharedAccount {
    fn password(&self) -> String {
        self.password.borrow().clone()
    }
}

/// A new session of the shared account, for the checks of other areas: its normalised phone
/// and a jar holding the session (logged in with its current password, since the accounts
/// checks end its earlier sessions).
pub fn shared_account_session(ctx: &Ctx) -> Result<(String, Jar), String> {
    let account = shared_account(ctx)?;
    let jar = logged_in(ctx, account)
        .map_err(|e| format!("logging in to the account the checks share: {e}"))?;
    Ok((account.phone.clone(), jar))
}

/// Registers one more account (a fresh phone; one SMS code of the run's budget) for checks
/// that need a second candidate: its normalised phone and a jar holding its session.
pub fn register_another_account(ctx: &Ctx) -> Result<(String, Jar), String> {
    let account = register_account(ctx)?;
    Ok((account.phone, account.jar))
}

/// The shared account, registered by the first check that asks.
fn shared_account(ctx: &Ctx) -> Result<&SharedAccount, String> {
    ctx.accounts
        .account
        .get_or_init(|| register_account(ctx))
        .as_ref()
        .map_err(|e| format!("registering the account the accounts checks share failed: {e}"))
}

/// Asks for a code, reads it from the outbox, registers with it (the phone pasted, not
/// normalised) and checks the answer: 201, an `Account` with the normalised phone, a
/// session cookie (whose attributes are judged, but only fail the register check).
fn register_account(ctx: &Ctx) -> Result<SharedAccount, String> {
    let phone = ctx.accounts.fresh_phone();
    let password = ctx.accounts.fresh_password();
    let sent = code_sent(&post_sms_code(ctx, &phone, "register")?)?;
    let codes_allowed_at = Instant::now() + Duration::from_secs(sent.retry_after_s);
    let code = outbox_code(ctx, &phone)?.code;
    let resp = ctx
        .client
        .send(Request::new("POST", "/accounts").json(&json!({
            "phone": pasted(&phone),
            "code": code,
            "password": password,
        })))?;
    let account: Account = expect::json(&resp, 201)?;
    expect::ensure(account.phone == phone, || {
        format!(
            "{}: Account.phone is {:?}, expected the normalised {phone:?} (registered as {:?})",
            resp.what,
            account.phone,
            pasted(&phone)
        )
    })?;
    expect::ensure(!account.id.trim().is_empty(), || {
        format!("{}: Account.id is empty", resp.what)
    })?;
    recent(&resp, "Account.created_at", account.created_at)?;
    let jar = session_started(&resp)?;
    let cookie_sound = session_cookie_sound(ctx, &resp);
    Ok(SharedAccount {
        phone,
        password: RefCell::new(password),
        account,
        jar,
        cookie_sound,
        codes_allowed_at: Cell::new(codes_allowed_at),
    })
}

// ---------------------------------------------------------------- helpers

/// Every request to `POST /sms-codes` goes through here: refused once the run's
/// [`SMS_BUDGET`] is spent, and counted when the backend accepted to send a code.
fn sms_request(ctx: &Ctx, req: Request) -> Result<Response, String> {
    let sent = ctx.accounts.codes_sent.get();
    if sent >= SMS_BUDGET {
        return Err(format!(
            "the suite already had {sent} SMS codes sent this run, its budget \
             (the backend allows {SMS_PER_CLIENT_PER_HOUR} an hour per client address)"
        ));
    }
    let resp = ctx.client.send(req)?;
    if resp.status == 202 {
        ctx.accounts.codes_sent.set(sent + 1);
    }
    Ok(resp)
}

/// `POST /sms-codes` for `phone` (as typed) and `purpose` (its wire name).
fn post_sms_code(ctx: &Ctx, phone: &str, purpose: &str) -> Result<Response, String> {
    sms_request(
        ctx,
        Request::new("POST", "/sms-codes").json(&json!({ "phone": phone, "purpose": purpose })),
    )
}

/// A 202 `SmsCodeSent` with the contract's countdown and validity.
fn code_sent(resp: &Response) -> Result<SmsCodeSent, String> {
    let sent: SmsCodeSent = expect::json(resp, 202)?;
    expect::ensure(sent.retry_after_s == SMS_RESEND_INTERVAL_S, || {
        format!(
            "{}: retry_after_s is {}, expected {SMS_RESEND_INTERVAL_S} (one code a minute per phone)",
            resp.what, sent.retry_after_s
        )
    })?;
    expect::ensure(sent.expires_in_s == SMS_CODE_TTL_S, || {
        format!(
            "{}: expires_in_s is {}, expected {SMS_CODE_TTL_S}",
            resp.what, sent.expires_in_s
        )
    })?;
    Ok(sent)
}

/// What the development outbox holds for one phone.
struct OutboxCode {
    /// The newest message's code.
    code: String,
    /// How many messages went to the phone.
    messages: usize,
}

/// `GET /dev/sms-outbox?phone=`: only that phone's messages, newest first; the newest
/// carries a six-digit code that its text shows, sent just now.
/// The development outbox's messages to `phone` (checked: filtered to it, newest first,
/// the newest sent just now), the newest first, and what was asked.
fn outbox_of(ctx: &Ctx, phone: &str) -> Result<(String, Vec<OutboxMessage>), String> {
    let resp = ctx.client.get(&format!("/dev/sms-outbox?phone={phone}"))?;
    let outbox: Outbox = expect::json(&resp, 200)?;
    let what = &resp.what;
    if let Some(other) = outbox.messages.iter().find(|m| m.phone != phone) {
        return Err(format!(
            "{what}: holds a message to {:?}; ?phone= must filter to {phone:?}",
            other.phone
        ));
    }
    expect::ensure(
        outbox
            .messages
            .windows(2)
            .all(|w| w[0].sent_at >= w[1].sent_at),
        || format!("{what}: messages are not newest first"),
    )?;
    let newest = outbox
        .messages
        .first()
        .ok_or_else(|| format!("{what}: no message to {phone}; nothing was sent"))?;
    recent(&resp, "sent_at", newest.sent_at)?;
    Ok((resp.what, outbox.messages))
}

fn outbox_code(ctx: &Ctx, phone: &str) -> Result<OutboxCode, String> {
    let (what, messages) = outbox_of(ctx, phone)?;
    let newest = &messages[0];
    let code = newest
        .code
        .clone()
        .ok_or_else(|| format!("{what}: the newest message has no code"))?;
    expect::ensure(
        normalize_code(&code).as_deref() == Ok(code.as_str()),
        || format!("{what}: code {code:?} is not {SMS_CODE_LEN} digits"),
    )?;
    expect::ensure(newest.text.contains(&code), || {
        format!(
            "{what}: the text {:?} does not show the code {code}",
            newest.text
        )
    })?;
    Ok(OutboxCode {
        code,
        messages: messages.len(),
    })
}

/// Asks for an SMS of `purpose` to the shared account's phone once the minute since the
/// last one is over (waiting, if need be, what is left of it).
fn sms_to_shared_account(
    ctx: &Ctx,
    account: &SharedAccount,
    purpose: &str,
) -> Result<Response, String> {
    let wait = account
        .codes_allowed_at
        .get()
        .saturating_duration_since(Instant::now());
    if !wait.is_zero() {
        sleep(wait + Duration::from_secs(1));
    }
    let mut resp = post_sms_code(ctx, &account.phone, purpose)?;
    if resp.status == 429 {
        // Clocks differ a little; wait what the backend says, once.
        let env = expect::envelope_for(&resp, ErrorCode::RateLimited)?;
        match env.error.retry_after_s {
            Some(s) if s <= SMS_RESEND_INTERVAL_S => {
                sleep(Duration::from_secs(s + 1));
                resp = post_sms_code(ctx, &account.phone, purpose)?;
            }
            _ => {
                return Err(format!(
                    "{}: a {purpose} code a minute after the last SMS is refused: {}",
                    resp.what,
                    expect::excerpt(&resp.body)
                ));
            }
        }
    }
    if resp.status == 202 {
        account
            .codes_allowed_at
            .set(Instant::now() + Duration::from_secs(SMS_RESEND_INTERVAL_S));
    }
    Ok(resp)
}

/// The newest message in the development outbox to `phone`, which must be a notice: no
/// `code`, and no six digits in its text.
fn outbox_notice(ctx: &Ctx, phone: &str) -> Result<String, String> {
    let (what, messages) = outbox_of(ctx, phone)?;
    let newest = &messages[0];
    let digits = newest
        .text
        .as_bytes()
        .windows(SMS_CODE_LEN)
        .any(|w| w.iter().all(u8::is_ascii_digit));
    expect::ensure(newest.code.is_none() && !digits, || {
        format!(
            "{what}: the phone's owner must get a notice without a code, got {:?} (code {:?})",
            newest.text, newest.code
        )
    })?;
    Ok(newest.text.clone())
}

/// A guessed code for `phone` answers 422 `code_wrong` and starts no session.
fn guess_answers_code_wrong(ctx: &Ctx, path: &str, phone: &str) -> CheckResult {
    let resp = ctx.client.send(Request::new("POST", path).json(&json!({
        "phone": phone,
        "code": MADE_UP_CODE,
        "password": ctx.accounts.fresh_password(),
    })))?;
    let env = expect::envelope_for(&resp, ErrorCode::ValidationFailed)?;
    expect::fields_exactly(&resp, &env, &[("code", reason::CODE_WRONG)])?;
    no_session_started(&resp)
}

/// Now, by this machine's clock.
pub fn now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// `at` is now, give or take [`CLOCK_SKEW_S`].
pub fn recent(resp: &Response, what: &str, at: Timestamp) -> CheckResult {
    recent_at(&resp.what, what, at)
}

/// `at` (the `field` of what `source` answered) is now, give or take [`CLOCK_SKEW_S`].
pub fn recent_at(source: &str, field: &str, at: Timestamp) -> CheckResult {
    let now = now();
    expect::ensure((at.0 - now.0).abs() <= CLOCK_SKEW_S, || {
        format!(
            "{source}: {field} is {}, but it is {} (more than {CLOCK_SKEW_S} s apart)",
            at.to_rfc3339(),
            now.to_rfc3339()
        )
    })
}

/// The answer sets a session cookie with the contract's attributes; the jar holding it.
/// The answer sets a session cookie; the jar holding it. Its attributes are judged by
/// [`session_cookie_sound`], only in the checks about them, so that a wrong attribute does
/// not hide what the other checks find.
fn session_started(resp: &Response) -> Result<Jar, String> {
    if !cookie::session_cookies(resp).iter().any(|c| !c.deletes()) {
        return Err(format!(
            "{}: no Set-Cookie starts a session (baoming_session or __Host-baoming_session); got {:?}",
            resp.what,
            resp.headers_all("set-cookie")
        ));
    }
    let mut jar = Jar::default();
    jar.absorb(resp);
    Ok(jar)
}

/// Every session cookie the answer sets has the contract's attributes.
fn session_cookie_sound(ctx: &Ctx, resp: &Response) -> CheckResult {
    let over_https = ctx.client.url("").starts_with("https://");
    let problems: Vec<String> = cookie::session_cookies(resp)
        .iter()
        .filter(|c| !c.deletes())
        .flat_map(|c| cookie::session_cookie_problems(c, over_https))
        .collect();
    expect::ensure(problems.is_empty(), || {
        format!("{}: {}", resp.what, problems.join("; "))
    })
}

/// The answer starts no session (deleting the cookie is fine).
fn no_session_started(resp: &Response) -> CheckResult {
    let started: Vec<String> = cookie::session_cookies(resp)
        .into_iter()
        .filter(|c| !c.deletes())
        .map(|c| c.name)
        .collect();
    expect::ensure(started.is_empty(), || {
        format!(
            "{}: a refused request must start no session, but it sets {started:?}",
            resp.what
        )
    })
}

/// `POST /sessions`.
fn login(ctx: &Ctx, phone: &str, password: &str) -> Result<Response, String> {
    ctx.client.send(
        Request::new("POST", "/sessions").json(&json!({ "phone": phone, "password": password })),
    )
}

/// Logs the shared account in; the jar holding the new session.
fn logged_in(ctx: &Ctx, account: &SharedAccount) -> Result<Jar, String> {
    let resp = login(ctx, &account.phone, &account.password())?;
    same_account(&resp, 200, &account.account)?;
    session_started(&resp)
}

/// `GET /me` with the jar's cookies.
fn me(ctx: &Ctx, jar: &Jar) -> Result<Response, String> {
    ctx.client.send(Request::get("/me").cookies(jar))
}

/// The answer is `expected` (an `Account`) with `status`.
fn same_account(resp: &Response, status: u16, expected: &Account) -> CheckResult {
    let got: Account = expect::json(resp, status)?;
    expect::ensure(got == *expected, || {
        format!(
            "{}: answered {got:?}, expected the account {expected:?}",
            resp.what
        )
    })
}

/// The 401 `unauthenticated` envelope with `fields.password = credentials_wrong` (and
/// nothing else), starting no session.
fn credentials_wrong(resp: &Response) -> Result<ErrorEnvelope, String> {
    let env = expect::envelope_for(resp, ErrorCode::Unauthenticated)?;
    expect::fields_exactly(resp, &env, &[("password", reason::CREDENTIALS_WRONG)])?;
    no_session_started(resp)?;
    Ok(env)
}

/// The contract's reason for a value its validator refuses (a bug in the suite otherwise).
fn refusal<E>(result: Result<impl Sized, E>, code: impl Fn(E) -> &'static str) -> &'static str {
    match result {
        Ok(_) => panic!("the suite's example value is valid by the contract"),
        Err(e) => code(e),
    }
}

// ---------------------------------------------------------------- SMS codes

fn send_code(ctx: &Ctx) -> CheckResult {
    let phone = ctx.accounts.fresh_phone();
    // Pasted with the country code and spaces; the backend normalises it.
    code_sent(&post_sms_code(ctx, &pasted(&phone), "register")?)?;
    let outbox = outbox_code(ctx, &phone)?;
    expect::ensure(outbox.messages == 1, || {
        format!(
            "the outbox holds {} messages to the fresh phone {phone}, expected 1",
            outbox.messages
        )
    })
}

fn invalid_phone(ctx: &Ctx) -> CheckResult {
    for input in INVALID_PHONES {
        let expected = refusal(phone::normalize(input), |e| e.code());
        let resp = post_sms_code(ctx, input, "register")?;
        let env = expect::envelope_for(&resp, ErrorCode::ValidationFailed)
            .map_err(|e| format!("phone {input:?}: {e}"))?;
        expect::fields_exactly(&resp, &env, &[("phone", expected)])
            .map_err(|e| format!("phone {input:?}: {e}"))?;
    }
    Ok(())
}

fn malformed_code_request(ctx: &Ctx) -> CheckResult {
    let phone = ctx.accounts.fresh_phone();
    let bodies = [
        (
            "an unknown purpose",
            json!({ "phone": phone, "purpose": "login" }).to_string(),
        ),
        ("no purpose", json!({ "phone": phone }).to_string()),
        ("no phone", json!({ "purpose": "register" }).to_string()),
        (
            "broken JSON",
            format!(r#"{{"phone": "{phone}", "purpose": "#),
        ),
    ];
    for (what, body) in bodies {
        let resp = sms_request(
            ctx,
            Request::new("POST", "/sms-codes").body("application/json", &body),
        )?;
        expect::envelope_for(&resp, ErrorCode::ValidationFailed)
            .map_err(|e| format!("{what}: {e}"))?;
    }
    Ok(())
}

fn resend_too_soon(ctx: &Ctx) -> CheckResult {
    let phone = ctx.accounts.fresh_phone();
    code_sent(&post_sms_code(ctx, &phone, "register")?)?;
    let resp = post_sms_code(ctx, &phone, "register")?;
    // The envelope check also holds the Retry-After header to retry_after_s.
    let env = expect::envelope_for(&resp, ErrorCode::RateLimited)?;
    match env.error.retry_after_s {
        Some(s) if (1..=SMS_RESEND_INTERVAL_S).contains(&s) => {}
        Some(s) => {
            return Err(format!(
                "{}: retry_after_s is {s}, expected 1..={SMS_RESEND_INTERVAL_S}",
                resp.what
            ));
        }
        None => {
            return Err(format!(
                "{}: a rate_limited answer needs retry_after_s (and Retry-After)",
                resp.what
            ));
        }
    }
    let outbox = outbox_code(ctx, &phone)?;
    expect::ensure(outbox.messages == 1, || {
        format!(
            "the refused request still sent a code: the outbox holds {} messages to {phone}",
            outbox.messages
        )
    })
}

fn reset_code_unknown_phone(ctx: &Ctx) -> CheckResult {
    let phone = ctx.accounts.fresh_phone();
    code_sent(&post_sms_code(ctx, &phone, "reset_password")?)?;
    outbox_notice(ctx, &phone)?;
    guess_answers_code_wrong(ctx, "/password-resets", &phone)
}

fn register_code_registered_phone(ctx: &Ctx) -> CheckResult {
    let account = shared_account(ctx)?;
    code_sent(&sms_to_shared_account(ctx, account, "register")?)?;
    outbox_notice(ctx, &account.phone)?;
    guess_answers_code_wrong(ctx, "/accounts", &pasted(&account.phone))
}

// ---------------------------------------------------------------- register

fn register(ctx: &Ctx) -> CheckResult {
    shared_account(ctx)?.cookie_sound.clone()
}

fn me_with_cookie(ctx: &Ctx) -> CheckResult {
    let account = shared_account(ctx)?;
    same_account(&me(ctx, &account.jar)?, 200, &account.account)
}

fn me_without_session(ctx: &Ctx) -> CheckResult {
    let resp = ctx.client.get("/me")?;
    expect::envelope_for(&resp, ErrorCode::Unauthenticated)?;
    let forged = format!(
        "{}={FORGED_SESSION}; {}={FORGED_SESSION}",
        baoming_contract::api::SESSION_COOKIE,
        baoming_contract::api::SESSION_COOKIE_SECURE
    );
    let resp = ctx
        .client
        .send(Request::get("/me").header("Cookie", &forged))?;
    expect::envelope_for(&resp, ErrorCode::Unauthenticated)
        .map_err(|e| format!("with a session cookie no backend issued: {e}"))?;
    Ok(())
}

fn register_twice(ctx: &Ctx) -> CheckResult {
    let account = shared_account(ctx)?;
    guess_answers_code_wrong(ctx, "/accounts", &pasted(&account.phone))
}

fn register_wrong_code(ctx: &Ctx) -> CheckResult {
    let phone = ctx.accounts.fresh_phone();
    let password = ctx.accounts.fresh_password();
    code_sent(&post_sms_code(ctx, &phone, "register")?)?;
    let code = outbox_code(ctx, &phone)?.code;
    let resp = ctx
        .client
        .send(Request::new("POST", "/accounts").json(&json!({
            "phone": phone,
            "code": other_code(&code),
            "password": password,
        })))?;
    let env = expect::envelope_for(&resp, ErrorCode::ValidationFailed)?;
    expect::fields_exactly(&resp, &env, &[("code", reason::CODE_WRONG)])?;
    no_session_started(&resp)?;
    // No account came of it.
    credentials_wrong(&login(ctx, &phone, &password)?)
        .map_err(|e| format!("after the refused registration, logging in: {e}"))?;
    Ok(())
}

fn weak_password(ctx: &Ctx) -> CheckResult {
    let phone = ctx.accounts.fresh_phone();
    for weak in WEAK_PASSWORDS {
        let expected = refusal(password::validate(weak), |e| e.code());
        let resp = ctx
            .client
            .send(Request::new("POST", "/accounts").json(&json!({
                "phone": phone,
                "code": MADE_UP_CODE,
                "password": weak,
            })))?;
        let env = expect::envelope_for(&resp, ErrorCode::ValidationFailed)
            .map_err(|e| format!("password {weak:?}: {e}"))?;
        expect::field(&resp, &env, "password", expected)
            .map_err(|e| format!("password {weak:?}: {e}"))?;
        expect::ensure(!env.error.fields.contains_key("phone"), || {
            format!(
                "{}: the phone {phone} is valid, but fields.phone is {:?}",
                resp.what, env.error.fields["phone"]
            )
        })?;
        no_session_started(&resp)?;
    }
    Ok(())
}

fn several_problems(ctx: &Ctx) -> CheckResult {
    let (bad_phone, bad_code, bad_password) = ("12345", "12a", "abc1");
    let expected = [
        ("code", refusal(normalize_code(bad_code), |e| e.code())),
        (
            "password",
            refusal(password::validate(bad_password), |e| e.code()),
        ),
        ("phone", refusal(phone::normalize(bad_phone), |e| e.code())),
    ];
    let body = json!({ "phone": bad_phone, "code": bad_code, "password": bad_password });
    for path in ["/accounts", "/password-resets"] {
        let resp = ctx.client.send(Request::new("POST", path).json(&body))?;
        let env = expect::envelope_for(&resp, ErrorCode::ValidationFailed)?;
        expect::fields_exactly(&resp, &env, &expected)?;
        no_session_started(&resp)?;
    }
    Ok(())
}

// ---------------------------------------------------------------- log in / out

fn login_right(ctx: &Ctx) -> CheckResult {
    let account = shared_account(ctx)?;
    // Pasted again: logging in normalises the phone like registering does.
    let resp = login(ctx, &pasted(&account.phone), &account.password())?;
    same_account(&resp, 200, &account.account)?;
    session_cookie_sound(ctx, &resp)?;
    let jar = session_started(&resp)?;
    expect::ensure(jar.session() != account.jar.session(), || {
        format!(
            "{}: logging in must start a new session, not hand out the registration's again",
            resp.what
        )
    })?;
    same_account(&me(ctx, &jar)?, 200, &account.account)
}

fn login_wrong_password(ctx: &Ctx) -> CheckResult {
    let account = shared_account(ctx)?;
    let wrong_password = format!("{}0", account.password());
    let wrong = credentials_wrong(&login(ctx, &account.phone, &wrong_password)?)?;
    // An unknown phone gets the very same answer: nothing tells a guesser which phones
    // have accounts.
    let resp = login(ctx, &ctx.accounts.fresh_phone(), &wrong_password)?;
    let unknown = credentials_wrong(&resp)?;
    expect::ensure(wrong == unknown, || {
        format!(
            "{}: an unknown phone must get the same answer as a wrong password \
             (or the answer tells which phones have accounts): {unknown:?} vs {wrong:?}",
            resp.what
        )
    })
}

fn login_unknown_phone(ctx: &Ctx) -> CheckResult {
    let phone = ctx.accounts.fresh_phone();
    let password = ctx.accounts.fresh_password();
    credentials_wrong(&login(ctx, &phone, &password)?).map(|_| ())
}

fn logout(ctx: &Ctx) -> CheckResult {
    let account = shared_account(ctx)?;
    let jar = logged_in(ctx, account)?;
    same_account(&me(ctx, &jar)?, 200, &account.account)?;
    let resp = ctx
        .client
        .send(Request::new("DELETE", "/sessions/current").cookies(&jar))?;
    expect::no_content(&resp)?;
    let cleared = cookie::session_cookies(&resp)
        .iter()
        .any(|c| c.deletes() && jar.get(&c.name).is_some());
    expect::ensure(cleared, || {
        format!(
            "{}: logging out must clear the session cookie (a Set-Cookie with Max-Age=0); got {:?}",
            resp.what,
            resp.headers_all("set-cookie")
        )
    })?;
    // The old cookie, kept by a careless or hostile client, no longer works.
    let resp = me(ctx, &jar)?;
    expect::envelope_for(&resp, ErrorCode::Unauthenticated)
        .map_err(|e| format!("after logging out, the old session cookie: {e}"))?;
    Ok(())
}

fn logout_without_session(ctx: &Ctx) -> CheckResult {
    let resp = ctx
        .client
        .send(Request::new("DELETE", "/sessions/current"))?;
    expect::no_content(&resp)?;
    let forged = format!("{}={FORGED_SESSION}", baoming_contract::api::SESSION_COOKIE);
    let resp = ctx
        .client
        .send(Request::new("DELETE", "/sessions/current").header("Cookie", &forged))?;
    expect::no_content(&resp).map_err(|e| format!("with a session cookie no backend issued: {e}"))
}

// ---------------------------------------------------------------- password reset

fn reset_unknown_phone(ctx: &Ctx) -> CheckResult {
    guess_answers_code_wrong(ctx, "/password-resets", &ctx.accounts.fresh_phone())
}

fn password_reset(ctx: &Ctx) -> CheckResult {
    let account = shared_account(ctx)?;
    let old_password = account.password();
    // A session from before the reset; the reset must end it.
    let before = logged_in(ctx, account)?;

    let resp = sms_to_shared_account(ctx, account, "reset_password")?;
    code_sent(&resp)?;
    let code = outbox_code(ctx, &account.phone)?.code;

    let new_password = ctx.accounts.fresh_password();
    let reset = json!({ "phone": account.phone, "code": code, "password": new_password });
    let resp = ctx
        .client
        .send(Request::new("POST", "/password-resets").json(&reset))?;
    expect::no_content(&resp)?;
    *account.password.borrow_mut() = new_password.clone();
    no_session_started(&resp)?;

    // The code is used up.
    let resp = ctx
        .client
        .send(Request::new("POST", "/password-resets").json(&reset))?;
    let env = expect::envelope_for(&resp, ErrorCode::ValidationFailed)
        .map_err(|e| format!("the same code a second time: {e}"))?;
    expect::fields_exactly(&resp, &env, &[("code", reason::CODE_WRONG)])
        .map_err(|e| format!("the same code a second time: {e}"))?;

    credentials_wrong(&login(ctx, &account.phone, &old_password)?)
        .map_err(|e| format!("the old password after the reset: {e}"))?;
    let jar = logged_in(ctx, account).map_err(|e| format!("the new password: {e}"))?;
    same_account(&me(ctx, &jar)?, 200, &account.account)?;
    let resp = me(ctx, &before)?;
    expect::envelope_for(&resp, ErrorCode::Unauthenticated)
        .map_err(|e| format!("a session from before the reset: {e}"))?;
    Ok(())
}

// ---------------------------------------------------------------- development

fn dev_expire_sessions(ctx: &Ctx) -> CheckResult {
    let account = shared_account(ctx)?;
    let jar = logged_in(ctx, account)?;
    same_account(&me(ctx, &jar)?, 200, &account.account)?;
    let resp = ctx.client.send(Request::new(
        "POST",
        &format!("/dev/sessions/expire?phone={}", account.phone),
    ))?;
    expect::no_content(&resp)?;
    let resp = me(ctx, &jar)?;
    expect::envelope_for(&resp, ErrorCode::Unauthenticated)
        .map_err(|e| format!("after expiring the sessions: {e}"))?;
    let resp = ctx.client.send(Request::new(
        "POST",
        &format!("/dev/sessions/expire?phone={}", ctx.accounts.fresh_phone()),
    ))?;
    expect::envelope_for(&resp, ErrorCode::NotFound)
        .map_err(|e| format!("a phone without an account: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn phone_numbers_are_valid_mobile_numbers_distinct_within_a_run() {
        for seed in [0, 1, 99_999_999, 100_000_000, u64::MAX, mix(42)] {
            let mut seen = HashSet::new();
            for n in 0..2_000 {
                let p = phone_number(seed, n);
                assert_eq!(p.len(), 11, "{p}");
                assert!(p.starts_with("139"), "{p}");
                assert_eq!(phone::normalize(&p).as_deref(), Ok(p.as_str()));
                assert!(seen.insert(p.clone()), "seed {seed}: {p} repeats at {n}");
            }
        }
        // Even far apart in a run.
        assert_ne!(phone_number(7, 0), phone_number(7, 100_000_000 - 1));
    }

    #[test]
    fn runs_draw_from_unrelated_places() {
        let a = PhoneSource::from_clock();
        std::thread::sleep(Duration::from_millis(2));
        let b = PhoneSource::from_clock();
        assert_ne!(a.seed, b.seed);
        assert_ne!(phone_number(a.seed, 0), phone_number(b.seed, 0));
        // Neighbouring seeds (clock ticks) are spread apart by the mixing.
        assert_ne!(mix(1) % 100_000_000, mix(2) % 100_000_000);
    }

    #[test]
    fn the_source_counts_up() {
        let shared = Shared::new();
        let first = shared.fresh_phone();
        let second = shared.fresh_phone();
        assert_ne!(first, second);
        assert_eq!(shared.phones.next.get(), 2);
    }

    #[test]
    fn passwords_pass_the_contract_and_differ() {
        let mut seen = HashSet::new();
        for n in 0..500 {
            let p = password_for(12345, n);
            assert_eq!(password::validate(&p), Ok(()), "{p}");
            seen.insert(p);
        }
        assert!(seen.len() > 490);
    }

    #[test]
    fn pasted_numbers_normalise_back() {
        assert_eq!(pasted("13912345678"), "+86 139 1234 5678");
        assert_eq!(
            phone::normalize(&pasted("13912345678")).as_deref(),
            Ok("13912345678")
        );
        assert_eq!(pasted("x"), "x");
    }

    #[test]
    fn other_codes_are_well_formed_and_different() {
        assert_eq!(other_code("123456"), "234567");
        assert_eq!(other_code("999999"), "000000");
        for code in ["000000", "493021", "999990"] {
            let other = other_code(code);
            assert_ne!(other, code);
            assert_eq!(normalize_code(&other).as_deref(), Ok(other.as_str()));
        }
    }

    #[test]
    fn the_examples_are_refused_for_the_reasons_the_checks_expect() {
        let reasons: Vec<&str> = INVALID_PHONES
            .iter()
            .map(|p| refusal(phone::normalize(p), |e| e.code()))
            .collect();
        assert_eq!(
            reasons,
            [
                "required",
                "phone_wrong_length",
                "phone_not_mobile",
                "phone_invalid_characters"
            ]
        );
        for weak in WEAK_PASSWORDS {
            assert_eq!(
                refusal(password::validate(weak), |e| e.code()),
                "password_needs_letter_and_digit"
            );
        }
        assert_eq!(normalize_code(MADE_UP_CODE).as_deref(), Ok(MADE_UP_CODE));
    }

    #[test]
    fn the_budget_is_enforced() {
        let ctx = Ctx::new(crate::client::Client::new("http://127.0.0.1:9"), None);
        ctx.accounts.codes_sent.set(SMS_BUDGET);
        let err = post_sms_code(&ctx, "13900000000", "register").unwrap_err();
        assert!(err.contains("budget"), "{err}");
    }

    #[test]
    fn checks_that_spend_codes_or_need_accounts_need_development_mode() {
        let always: Vec<String> = checks()
            .into_iter()
            .filter(|c| !c.needs_dev)
            .map(|c| c.name)
            .collect();
        assert_eq!(always.len(), 8, "{always:#?}");
        assert!(always.iter().all(|n| n.starts_with("accounts: ")));
    }
}
