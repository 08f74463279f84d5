-- Accounts (考生注册 / 登录), SMS verification codes, sessions and the development SMS
-- outbox. Instants are Unix seconds; secrets are never stored, only their hashes.

-- A candidate's account. `phone` is the normalised 11 digits. `password_hash` is an
-- Argon2id PHC string. The failure counters slow down and lock password guessing.
CREATE TABLE accounts (
    id              TEXT    PRIMARY KEY NOT NULL,
    phone           TEXT    NOT NULL UNIQUE,
    password_hash   TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    failed_logins   INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until    INTEGER,
    last_failed_at  INTEGER
) STRICT;

-- Every code sent; the rows also drive the per-phone and per-client rate limits.
-- `code_hash` is hex SHA-256(salt || code), `salt` hex. Only the newest row of a
-- phone + purpose can be used: a new code supersedes the older ones.
CREATE TABLE sms_codes (
    id           INTEGER PRIMARY KEY,
    phone        TEXT    NOT NULL,
    purpose      TEXT    NOT NULL,
    code_hash    TEXT    NOT NULL,
    salt         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    consumed_at  INTEGER,
    client_addr  TEXT    NOT NULL
) STRICT;

CREATE INDEX sms_codes_by_phone ON sms_codes (phone, created_at);
CREATE INDEX sms_codes_by_phone_purpose ON sms_codes (phone, purpose, id);
CREATE INDEX sms_codes_by_client ON sms_codes (client_addr, created_at);
CREATE INDEX sms_codes_by_time ON sms_codes (created_at);

-- Sessions. The cookie carries a random token; only its SHA-256 (hex) is stored, so a
-- copy of the database does not log anyone in.
CREATE TABLE sessions (
    token_hash    TEXT    PRIMARY KEY NOT NULL,
    account_id    TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER
) STRICT;

CREATE INDEX sessions_by_account ON sessions (account_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- What the development SMS sender "sent" (GET /api/v1/dev/sms-outbox).
CREATE TABLE sms_outbox (
    id       INTEGER PRIMARY KEY,
    phone    TEXT    NOT NULL,
    text     TEXT    NOT NULL,
    code     TEXT,
    sent_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX sms_outbox_by_phone ON sms_outbox (phone, id);
