//! 考生注册, 登录, 忘记密码: `POST /sms-codes`, `POST /accounts`, `POST /sessions`,
//! `DELETE /sessions/current`, `GET /me` and `POST /password-resets`.
//!
//! Every rule (phone format, code format, password strength, the limits) comes from the
//! contract; the answers are the ones the OpenAPI document lists for each endpoint.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use baoming_contract::api::{
    Account, LoginRequest, PasswordResetRequest, RegisterRequest, SmsCodeRequest, SmsCodeSent,
    SmsPurpose,
};
use baoming_contract::auth::{SMS_CODE_MAX_ATTEMPTS, SMS_CODE_TTL_S, normalize_code, reason};
use baoming_contract::error::{ErrorCode, FieldErrors};
use baoming_contract::time::Timestamp;
use baoming_contract::{password, phone};
use rusqlite::Connection;

use crate::AppState;
use crate::auth::{self, CurrentAccount, SessionCookie};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientAddr, JsonBody};
use crate::limits::{self, Refusal};
use crate::passwords;
use crate::secrets::{self, SmsCodeKey};
use crate::sms::{Cause, SmsError, SmsMessage};
use crate::store::accounts::{self, StoredAccount};
use crate::store::{sessions, sms_codes};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/sms-codes", post(send_sms_code))
        .route("/accounts", post(register))
        .route("/sessions", post(login))
        .route("/sessions/current", delete(logout))
        .route("/me", get(me))
        .route("/password-resets", post(reset_password))
}

/// Codes older than this are deleted; the limits look back at most a day.
const SMS_HISTORY_KEPT_S: i64 = 2 * 86_400;

/// Collects field problems so a form learns about all of them at once.
#[derive(Debug, Default)]
struct Invalid(FieldErrors);

impl Invalid {
    fn check<T, E>(
        &mut self,
        field: &str,
        result: Result<T, E>,
        code: impl Fn(E) -> &'static str,
    ) -> Option<T> {
        result
            .map_err(|e| {
                self.0.insert(field.to_owned(), code(e).to_owned());
            })
            .ok()
    }

    fn into_result(self) -> ApiResult<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        let mut error = ApiError::validation("some fields are invalid; see fields");
        for (field, reason) in self.0 {
            error = error.with_field(field, reason);
        }
        Err(error)
    }
}

/// Phone, code and password of a register or reset request, each checked by the contract.
fn validate_code_form(
    phone_in: &str,
    code_in: &str,
    password_in: &str,
) -> ApiResult<(String, String)> {
    let mut invalid = Invalid::default();
    let phone = invalid.check("phone", phone::normalize(phone_in), |e| e.code());
    let code = invalid.check("code", normalize_code(code_in), |e| e.code());
    invalid.check("password", password::validate(password_in), |e| e.code());
    invalid.into_result()?;
    match (phone, code) {
        (Some(phone), Some(code)) => Ok((phone, code)),
        _ => Err(ApiError::internal("validation passed without values")),
    }
}

fn phone_registered() -> ApiError {
    ApiError::new(ErrorCode::Conflict, "this phone already has an account")
        .with_field("phone", reason::PHONE_REGISTERED)
}

fn phone_not_registered() -> ApiError {
    ApiError::not_found("this phone has no account")
        .with_field("phone", reason::PHONE_NOT_REGISTERED)
}

fn code_refused(why: &'static str) -> ApiError {
    ApiError::validation("the SMS code is not accepted").with_field("code", why)
}

fn credentials_wrong() -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, "phone or password is wrong")
        .with_field("password", reason::CREDENTIALS_WRONG)
}

// ---------------------------------------------------------------- SMS codes

/// Sends a code, or, when the phone cannot use one, a notice saying why: a register code
/// for a phone that has an account gets [`SmsMessage::already_registered`], a reset code
/// for one without gets [`SmsMessage::not_registered`]. The answer is the same either way
/// (same status, same body, the same work done, counted against the same limits), so the
/// page tells no one but the phone's owner whether the number is registered. The code
/// stored for a notice is one nobody can type, so guessing it behaves as guessing any code.
async fn send_sms_code(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    JsonBody(request): JsonBody<SmsCodeRequest>,
) -> ApiResult<(StatusCode, Json<SmsCodeSent>)> {
    let phone = phone::normalize(&request.phone)
        .map_err(|e| ApiError::validation("invalid phone number").with_field("phone", e.code()))?;
    let purpose = request.purpose;
    let now = state.clock.now();
    let code = secrets::new_sms_code();
    let salt = secrets::new_salt();
    let code_hash = state
        .sms_code_key
        .hash(&salt, &phone, purpose_name(purpose), &code);
    // What is stored when no code is sent: a random value that is not six digits.
    let unusable_hash =
        state
            .sms_code_key
            .hash(&salt, &phone, purpose_name(purpose), &secrets::new_salt());
    let stored_phone = phone.clone();
    let (code_id, retry_after_s, usable) = state
        .db
        .call(move |conn| {
            let phone = stored_phone;
            let tx = conn.transaction()?;
            let registered = accounts::phone_registered(&tx, &phone)?;
            let usable = match purpose {
                SmsPurpose::Register => !registered,
                SmsPurpose::ResetPassword => registered,
            };
            let since = limits::sms_history_since(now);
            let mut to_phone = sms_codes::sent_to_phone_since(&tx, &phone, since)?;
            let from_client = if state.config.no_client_sms_limit {
                Vec::new()
            } else {
                sms_codes::sent_from_client_since(&tx, &client, since)?
            };
            limits::sms_send(now, &to_phone, &from_client)?;
            sms_codes::prune(&tx, Timestamp(now.0 - SMS_HISTORY_KEPT_S))?;
            let id = sms_codes::insert(
                &tx,
                &sms_codes::NewCode {
                    phone: &phone,
                    purpose,
                    code_hash: if usable { &code_hash } else { &unusable_hash },
                    salt: &salt,
                    created_at: now,
                    expires_at: Timestamp(now.0 + SMS_CODE_TTL_S as i64),
                    client_addr: &client,
                },
            )?;
            tx.commit()?;
            to_phone.push(now);
            Ok((id, limits::sms_next_allowed_in(now, &to_phone), usable))
        })
        .await?;

    let sender = Arc::clone(&state.sms);
    let message = match (usable, purpose) {
        (true, _) => SmsMessage::verification_code(&phone, &code),
        (false, SmsPurpose::Register) => SmsMessage::already_registered(&phone),
        (false, SmsPurpose::ResetPassword) => SmsMessage::not_registered(&phone),
    };
    let sent = tokio::task::spawn_blocking(move || {
        let result = sender.send(&message);
        if let Err(e) = &result {
            e.log(&message);
        }
        result
    })
    .await
    .unwrap_or_else(|e| {
        tracing::error!(error = %e, "the SMS sender panicked");
        Err(SmsError::Unavailable {
            cause: Cause::Provider,
            maybe_sent: true,
            detail: "the sender panicked".into(),
        })
    });
    if let Err(error) = sent {
        // A code that certainly never left neither counts against the limits nor
        // supersedes the previous one; one that may arrive stays usable.
        if !error.maybe_sent() {
            state
                .db
                .call(move |conn| Ok(sms_codes::delete(conn, code_id)?))
                .await?;
        }
        return Err(sms_refusal(&error));
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(SmsCodeSent {
            retry_after_s,
            expires_in_s: SMS_CODE_TTL_S,
        }),
    ))
}

/// The answer to a code the provider did not send.
fn sms_refusal(error: &SmsError) -> ApiError {
    match error {
        SmsError::RateLimited {
            retry_after_s,
            daily,
            ..
        } => {
            let refusal = if *daily {
                Refusal::DailyLimitReached {
                    retry_after_s: *retry_after_s,
                }
            } else {
                Refusal::RateLimited {
                    retry_after_s: *retry_after_s,
                }
            };
            refusal.into()
        }
        SmsError::InvalidNumber { .. } => ApiError::validation("this number cannot receive SMS")
            .with_field("phone", reason::PHONE_UNREACHABLE),
        SmsError::Unavailable { .. } => ApiError::new(
            ErrorCode::Unavailable,
            "the SMS could not be sent; try again later",
        ),
    }
}

/// The purpose as stored and hashed (its contract name).
fn purpose_name(purpose: SmsPurpose) -> &'static str {
    match purpose {
        SmsPurpose::Register => "register",
        SmsPurpose::ResetPassword => "reset_password",
    }
}

/// [`verify_code`] behind the client address's budget of wrong codes
/// ([`limits::CLIENT_CODE_FAILURES`]), in one transaction that is committed whatever the
/// verdict, since a wrong guess must stay counted. A right code is not used up here but by
/// the transaction that acts on it ([`use_code`]), so a request turned away in between
/// (the password-hashing queue full) leaves the candidate their code. Answers the code's
/// id.
async fn check_code(
    state: &AppState,
    client: String,
    phone: String,
    purpose: SmsPurpose,
    code: String,
) -> ApiResult<i64> {
    let now = state.clock.now();
    state.code_guard.check(&client, now)?;
    // The request will need a hash: when the queue is full, 503 before the code is looked at.
    passwords::HashGate::global().room()?;
    let key = Arc::clone(&state.sms_code_key);
    let verdict = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let verdict = verify_code(&tx, &key, &phone, purpose, &code, now)?;
            tx.commit()?;
            Ok(verdict)
        })
        .await?;
    verdict.map_err(|why| {
        state.code_guard.spend(&client, now);
        code_refused(why)
    })
}

/// Uses up the code [`check_code`] accepted, in the transaction that acts on it: refused
/// with `code_wrong` when another request used it meanwhile (two tabs, one code).
fn use_code(conn: &Connection, id: i64, now: Timestamp) -> ApiResult<()> {
    if sms_codes::consume(conn, id, now)? {
        Ok(())
    } else {
        Err(code_refused(reason::CODE_WRONG))
    }
}

/// Checks `code` against the newest code sent to `phone` for `purpose`, counting a wrong
/// guess. The outer `Result` is the database's; the inner one the verdict: the code's id,
/// or the `fields.code` reason.
fn verify_code(
    conn: &Connection,
    key: &SmsCodeKey,
    phone: &str,
    purpose: SmsPurpose,
    code: &str,
    now: Timestamp,
) -> rusqlite::Result<Result<i64, &'static str>> {
    let Some(stored) = sms_codes::newest(conn, phone, purpose)? else {
        return Ok(Err(reason::CODE_WRONG));
    };
    if stored.consumed {
        return Ok(Err(reason::CODE_WRONG));
    }
    if stored.attempts >= SMS_CODE_MAX_ATTEMPTS {
        return Ok(Err(reason::CODE_ATTEMPTS_EXCEEDED));
    }
    if stored.expires_at <= now {
        return Ok(Err(reason::CODE_EXPIRED));
    }
    let guess = key.hash(&stored.salt, phone, purpose_name(purpose), code);
    if !secrets::constant_time_eq(&guess, &stored.code_hash) {
        sms_codes::add_attempt(conn, stored.id)?;
        return Ok(Err(reason::CODE_WRONG));
    }
    Ok(Ok(stored.id))
}

// ---------------------------------------------------------------- register

/// The code is checked first: a phone with an account never received one (it was sent
/// [`SmsMessage::already_registered`] instead), so a stranger's attempt answers `code_wrong`
/// whether or not the phone is registered, and `phone_registered` only reaches whoever holds
/// a right code — the phone's owner, who registered in another tab meanwhile.
async fn register(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    JsonBody(request): JsonBody<RegisterRequest>,
) -> ApiResult<Response> {
    let (phone, code) = validate_code_form(&request.phone, &request.code, &request.password)?;
    let code_id = check_code(&state, client, phone.clone(), SmsPurpose::Register, code).await?;
    let now = state.clock.now();

    let password_hash = passwords::hash(request.password).await?;
    let account = StoredAccount {
        id: secrets::new_id(),
        phone,
        password_hash,
        created_at: now,
    };
    let (token, account) = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            use_code(&tx, code_id, now)?;
            // Another request may have registered the phone while the hash was computed.
            if !accounts::insert(&tx, &account)? {
                return Err(phone_registered());
            }
            let token = auth::create_session(&tx, &account.id, now)?;
            tx.commit()?;
            Ok((token, account.to_api()))
        })
        .await?;
    tracing::info!(account = %account.id, "account registered");
    Ok(logged_in(&state, StatusCode::CREATED, &token, account))
}

fn logged_in(state: &AppState, status: StatusCode, token: &str, account: Account) -> Response {
    let cookie = SessionCookie::from_config(&state.config).set(token);
    (status, [(header::SET_COOKIE, cookie)], Json(account)).into_response()
}

// ---------------------------------------------------------------- log in / out

/// A log-in. Wrong passwords slow down, then lock, the pair of phone and client address
/// ([`limits::LoginGuard`]): a stranger guessing locks only themselves out. Unknown phones
/// count the same way and take the same time, so the answer says nothing about who has an
/// account.
async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    JsonBody(request): JsonBody<LoginRequest>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    // A number that does not even normalise has no account; it gets the same answer.
    let phone = phone::normalize(&request.phone).ok();
    let key = phone
        .clone()
        .unwrap_or_else(|| request.phone.trim().to_owned());
    state.login_guard.check(&key, &client, now)?;
    passwords::HashGate::global().room()?;
    // Counted as a failure until the password proves right, so guesses sent in parallel
    // cannot slip past the slow-down.
    let failed = state.login_guard.failed(&key, &client, now);
    let account = match phone {
        Some(phone) => {
            state
                .db
                .read(move |conn| Ok(accounts::by_phone(conn, &phone)?))
                .await?
        }
        None => None,
    };
    let stored_hash = account.as_ref().map(|a| a.password_hash.clone());
    let right = passwords::verify(request.password, stored_hash).await?;
    let Some(account) = account.filter(|_| right) else {
        return Err(match failed.locked_until {
            Some(until) => Refusal::AccountLocked {
                retry_after_s: u64::try_from(until.0 - now.0).unwrap_or(0),
            }
            .into(),
            None => credentials_wrong(),
        });
    };
    state.login_guard.succeeded(&key, &client);
    let account_id = account.id.clone();
    let token = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let token = auth::create_session(&tx, &account_id, now)?;
            tx.commit()?;
            Ok(token)
        })
        .await?;
    Ok(logged_in(&state, StatusCode::OK, &token, account.to_api()))
}

/// Idempotent: without a session, or with a dead one, it still answers 204 and clears the
/// cookie.
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let cookie = SessionCookie::from_config(&state.config);
    if let Some(token) = cookie.read(&headers) {
        let hash = secrets::session_token_hash(&token);
        let now = state.clock.now();
        state
            .db
            .call(move |conn| Ok(sessions::revoke(conn, &hash, now)?))
            .await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, cookie.clear())],
    )
        .into_response())
}

async fn me(current: CurrentAccount) -> Json<Account> {
    Json(current.account)
}

// ---------------------------------------------------------------- password reset

/// Like [`register`], the code is checked first, so the answer to a stranger says nothing
/// about whether the phone has an account.
async fn reset_password(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    JsonBody(request): JsonBody<PasswordResetRequest>,
) -> ApiResult<Response> {
    let (phone, code) = validate_code_form(&request.phone, &request.code, &request.password)?;
    let code_id = check_code(
        &state,
        client,
        phone.clone(),
        SmsPurpose::ResetPassword,
        code,
    )
    .await?;
    let now = state.clock.now();
    let unlocked = phone.clone();
    let account_id = state
        .db
        .read(move |conn| {
            // Only a right code gets here: the owner learns their account is gone.
            accounts::by_phone(conn, &phone)?
                .map(|account| account.id)
                .ok_or_else(phone_not_registered)
        })
        .await?;

    let password_hash = passwords::hash(request.password).await?;
    let revoked = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            use_code(&tx, code_id, now)?;
            accounts::set_password(&tx, &account_id, &password_hash)?;
            let revoked = sessions::revoke_all(&tx, &account_id, now)?;
            tx.commit()?;
            Ok(revoked)
        })
        .await?;
    // Whoever proved they hold the phone is no longer slowed down or locked out anywhere.
    state.login_guard.forget_phone(&unlocked);
    tracing::info!(revoked, "password reset");
    let cookie = SessionCookie::from_config(&state.config);
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, cookie.clear())],
    )
        .into_response())
}
