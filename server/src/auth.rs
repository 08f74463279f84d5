//! Sessions: the cookie, creating and looking up sessions, and the [`CurrentAccount`]
//! extractor that handlers needing a logged-in candidate take as an argument.
//!
//! The cookie carries a random token (32 bytes, base64url); the database keeps only its
//! SHA-256. The cookie is `HttpOnly` (no script reads it), `SameSite=Lax` (not sent on
//! cross-site sub-requests; the cross-site guard refuses foreign unsafe requests anyway),
//! `Path=/` and, outside development mode (unless `--insecure-cookies`), `Secure` under the
//! `__Host-` name, which browsers only accept from HTTPS without a `Domain`
//! ([`Config::cookies_secure`]). Sessions expire [`SESSION_IDLE_S`] after their last use and
//! at the latest [`SESSION_ABSOLUTE_S`] after the log-in, however often they are used. Tokens
//! and cookies are never logged.

use std::sync::{Arc, Mutex};

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use baoming_contract::api::{Account, SESSION_COOKIE, SESSION_COOKIE_SECURE};
use baoming_contract::auth::{SESSION_ABSOLUTE_S, SESSION_IDLE_S};
use baoming_contract::error::ErrorCode;
use baoming_contract::time::Timestamp;
use rusqlite::Connection;

use crate::AppState;
use crate::config::Config;
use crate::error::ApiError;
use crate::secrets;
use crate::store::sessions;

/// A session's last use is written at most this often, so every request is not a write.
pub const SESSION_TOUCH_INTERVAL_S: i64 = 60;

/// The session cookie's name and attributes, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCookie {
    secure: bool,
}

impl SessionCookie {
    pub fn new(secure: bool) -> SessionCookie {
        SessionCookie { secure }
    }

    pub fn from_config(config: &Config) -> SessionCookie {
        SessionCookie::new(config.cookies_secure())
    }

    /// `__Host-baoming_session` when secure, else `baoming_session`.
    pub fn name(self) -> &'static str {
        if self.secure {
            SESSION_COOKIE_SECURE
        } else {
            SESSION_COOKIE
        }
    }

    fn header(self, value: &str, max_age: u64) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        let cookie = format!(
            "{}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}",
            self.name()
        );
        // Tokens are base64url, so the value is always a valid header.
        HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// `Set-Cookie` value carrying `token` for [`SESSION_IDLE_S`].
    pub fn set(self, token: &str) -> HeaderValue {
        self.header(token, SESSION_IDLE_S)
    }

    /// `Set-Cookie` value carrying `token` until `deadline`, for a session extended at `now`.
    fn set_until(self, token: &str, now: Timestamp, deadline: Timestamp) -> HeaderValue {
        let left = u64::try_from(deadline.0.saturating_sub(now.0)).unwrap_or(0);
        self.header(token, left.min(SESSION_IDLE_S))
    }

    /// `Set-Cookie` value deleting the cookie.
    pub fn clear(self) -> HeaderValue {
        self.header("", 0)
    }

    /// The token in the request's cookies, if one of the right shape is there.
    pub fn read(self, headers: &HeaderMap) -> Option<String> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, value)| *name == self.name() && secrets::is_session_token(value))
            .map(|(_, value)| value.to_owned())
    }
}

/// Starts a session for `account_id`; returns the token for the cookie.
pub fn create_session(
    conn: &Connection,
    account_id: &str,
    now: Timestamp,
) -> rusqlite::Result<String> {
    let token = secrets::new_session_token();
    sessions::insert(
        conn,
        &secrets::session_token_hash(&token),
        account_id,
        now,
        deadline(now, now),
    )?;
    // Ended sessions are kept a day for inspection, then dropped.
    sessions::prune(conn, Timestamp(now.0 - 86_400))?;
    Ok(token)
}

/// When a session created at `created_at` and used at `now` expires: [`SESSION_IDLE_S`]
/// after `now`, but never later than [`SESSION_ABSOLUTE_S`] after `created_at`.
fn deadline(created_at: Timestamp, now: Timestamp) -> Timestamp {
    let idle = now.0.saturating_add(secs(SESSION_IDLE_S));
    let absolute = created_at.0.saturating_add(secs(SESSION_ABSOLUTE_S));
    Timestamp(idle.min(absolute))
}

fn secs(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX)
}

/// The answer when there is no usable session.
pub fn unauthenticated() -> ApiError {
    ApiError::new(
        ErrorCode::Unauthenticated,
        "no session, or the session expired or was revoked",
    )
}

/// The logged-in candidate. As a handler argument it answers 401 `unauthenticated` when
/// the request has no live session; it also extends the session (sliding expiry, up to the
/// absolute lifetime).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentAccount {
    pub account: Account,
    /// The session's stored hash, for handlers that act on the session itself.
    pub session_hash: String,
}

impl FromRequestParts<AppState> for CurrentAccount {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let cookie = SessionCookie::from_config(&state.config);
        let token = cookie.read(&parts.headers).ok_or_else(unauthenticated)?;
        let hash = secrets::session_token_hash(&token);
        let now = state.clock.now();
        let created_after = Timestamp(now.0.saturating_sub(secs(SESSION_ABSOLUTE_S)));
        let (session, touched) = state
            .db
            .call(move |conn| {
                let Some(session) = sessions::live(conn, &hash, now, created_after)? else {
                    return Ok((None, None));
                };
                let touch = now.0 - session.last_used_at.0 >= SESSION_TOUCH_INTERVAL_S;
                let mut extended = None;
                if touch {
                    let until = deadline(session.created_at, now);
                    sessions::touch(conn, &session.token_hash, now, until)?;
                    extended = Some(until);
                }
                Ok((Some(session), extended))
            })
            .await?;
        let session = session.ok_or_else(unauthenticated)?;
        if let Some(until) = touched
            && let Some(refresh) = parts.extensions.get::<CookieRefresh>()
        {
            refresh.set(cookie.set_until(&token, now, until));
        }
        Ok(CurrentAccount {
            account: session.account.to_api(),
            session_hash: session.token_hash,
        })
    }
}

/// A slot through which [`CurrentAccount`] asks [`refresh_session_cookie`] to send the
/// cookie again with a fresh `Max-Age`, so the browser keeps it as long as the server does.
#[derive(Debug, Clone, Default)]
pub struct CookieRefresh(Arc<Mutex<Option<HeaderValue>>>);

impl CookieRefresh {
    fn set(&self, value: HeaderValue) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(value);
    }

    fn take(&self) -> Option<HeaderValue> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Middleware for the API: re-sends the session cookie when the session was extended,
/// unless the handler set a cookie itself.
pub async fn refresh_session_cookie(mut req: Request, next: Next) -> Response {
    let refresh = CookieRefresh::default();
    req.extensions_mut().insert(refresh.clone());
    let mut response = next.run(req).await;
    if let Some(value) = refresh.take()
        && !response.headers().contains_key(header::SET_COOKIE)
    {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_lax_and_secure_when_asked() {
        let token = secrets::new_session_token();
        let plain = SessionCookie::new(false).set(&token);
        assert_eq!(
            plain.to_str().unwrap(),
            format!("baoming_session={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age=604800")
        );
        let secure = SessionCookie::new(true).set(&token);
        assert_eq!(
            secure.to_str().unwrap(),
            format!(
                "__Host-baoming_session={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age=604800; Secure"
            )
        );
        assert_eq!(
            SessionCookie::new(false).clear().to_str().unwrap(),
            "baoming_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"
        );
    }

    #[test]
    fn sessions_end_at_the_absolute_lifetime_however_often_used() {
        let start = Timestamp(1_000_000);
        let idle = secs(SESSION_IDLE_S);
        let absolute = secs(SESSION_ABSOLUTE_S);
        assert_eq!(deadline(start, start), Timestamp(start.0 + idle));
        // Used the day before the absolute end: no later than the end.
        let late = Timestamp(start.0 + absolute - 86_400);
        assert_eq!(deadline(start, late), Timestamp(start.0 + absolute));
        let cookie = SessionCookie::new(false).set_until("t", late, deadline(start, late));
        assert!(
            cookie.to_str().unwrap().contains("Max-Age=86400"),
            "{cookie:?}"
        );
    }

    #[test]
    fn the_token_is_read_from_any_cookie_header_by_exact_name() {
        let token = secrets::new_session_token();
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1"));
        headers.append(
            header::COOKIE,
            HeaderValue::from_str(&format!("x_baoming_session=zz; baoming_session={token}"))
                .unwrap(),
        );
        assert_eq!(
            SessionCookie::new(false).read(&headers),
            Some(token.clone())
        );
        // The secure name is a different cookie.
        assert_eq!(SessionCookie::new(true).read(&headers), None);

        let mut forged = HeaderMap::new();
        forged.insert(
            header::COOKIE,
            HeaderValue::from_static("baoming_session=short"),
        );
        assert_eq!(SessionCookie::new(false).read(&forged), None);
    }
}
