-- Applications (报名), their status timeline, uploaded documents and remembered answers of
-- idempotent requests. Enum columns hold the contract's JSON names (`under_review`,
-- `id_card_front`); instants are Unix seconds.

-- One application per candidate per plan. `draft_json` is the contract's `Draft` as JSON;
-- `version` grows with every saved change (optimistic concurrency for draft saves).
CREATE TABLE applications (
    id            TEXT    PRIMARY KEY NOT NULL,
    account_id    TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    plan_id       TEXT    NOT NULL REFERENCES plans (id),
    status        TEXT    NOT NULL,
    version       INTEGER NOT NULL CHECK (version >= 1),
    draft_json    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    submitted_at  INTEGER,
    UNIQUE (account_id, plan_id)
) STRICT;

-- Status changes, oldest first by id.
CREATE TABLE application_events (
    id              INTEGER PRIMARY KEY,
    application_id  TEXT    NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    status          TEXT    NOT NULL,
    at              INTEGER NOT NULL
) STRICT;

CREATE INDEX application_events_by_application ON application_events (application_id, id);

-- One file per slot. The bytes live outside the database in `<data-dir>/files/<sha256>`,
-- shared by every row with the same content.
CREATE TABLE documents (
    application_id  TEXT    NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    material        TEXT    NOT NULL,
    sha256          TEXT    NOT NULL,
    content_type    TEXT    NOT NULL,
    size_bytes      INTEGER NOT NULL CHECK (size_bytes >= 0),
    uploaded_at     INTEGER NOT NULL,
    PRIMARY KEY (application_id, material)
) STRICT;

CREATE INDEX documents_by_sha256 ON documents (sha256);

-- The first successful answer to an idempotent request (submit, resubmit), per account, key
-- and endpoint (method and concrete path); a repeat returns it unchanged.
CREATE TABLE idempotency (
    account_id  TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key         TEXT    NOT NULL,
    endpoint    TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, key, endpoint)
) STRICT;

CREATE INDEX idempotency_by_time ON idempotency (created_at);
