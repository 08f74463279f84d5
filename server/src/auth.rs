//! Sessions: the cookie, creating and looking up sessions, and the [`CurrentAccount`]
//! extractor that handlers needing a logged-in candidate take as an argument.
//!
//! The cookie carries a random token (32 bytes, base64url); the database keeps only its
//! SHA-256. The cookie is `HttpOnly` (no script reads it), `SameSite=Lax` (not sent on
//! cross-site sub-requests; the cross-site guard refuses foreign unsafe requests anyway),
//! `Path=/` and, with `--secure-cookies`, `Secure` under the `__Host-` name, which browsers
//! only accept from HTTPS without a `Domain`. Sessions expire [`SESSION_IDLE_S`] after their
//! last use. Tokens and cookies are never logged.

use std::sync::{Arc, Mutex};

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use baoming_contract::api::{Account, SESSION_COOKIE, SESSION_COOKIE_SECURE};
use baoming_contract::auth::SESSION_IDLE_S;
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
        SessionCookie::new(config.secure_cookies)
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
        idle_deadline(now),
    )?;
    // Ended sessions are kept a day for inspection, then dropped.
    sessions::prune(conn, Timestamp(now.0 - 86_400))?;
    Ok(token)
}

fn idle_deadline(now: Timestamp) -> Timestamp {
    Timestamp(
        now.0
            .saturating_add(i64::try_from(SESSION_IDLE_S).unwrap_or(i64::MAX)),
    )
}

/// The answer when there is no usable session.
pub fn unauthenticated() -> ApiError {
    ApiError::new(
        ErrorCode::Unauthenticated,
        "no session, or the session expired or was revoked",
    )
}

/// The logged-in candidate. As a handler argument it answers 401 `unauthenticated` when
/// the request has no live session; it also extends the session (sliding expiry).
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
        let (session, touched) = state
            .db
            .call(move |conn| {
                let Some(session) = sessions::live(conn, &hash, now)? else {
                    return Ok((None, false));
                };
                let touch = now.0 - session.last_used_at.0 >= SESSION_TOUCH_INTERVAL_S;
                if touch {
                    sessions::touch(conn, &session.token_hash, now, idle_deadline(now))?;
                }
                Ok((Some(session), touch))
            })
            .await?;
        let session = session.ok_or_else(unauthenticated)?;
        if touched && let Some(refresh) = parts.extensions.get::<CookieRefresh>() {
            refresh.set(cookie.set(&token));
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
