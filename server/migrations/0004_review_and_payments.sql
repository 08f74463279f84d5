-- Reviews (审核) and payments (缴费). Instants are Unix seconds; enum columns hold the
-- contract's JSON names.

-- Every rejection with its reasons (the contract's `ReviewReason` list as JSON). The newest
-- row of an application is what a `rejected` application shows; older ones stay for history.
CREATE TABLE rejections (
    id              INTEGER PRIMARY KEY,
    application_id  TEXT    NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    reasons_json    TEXT    NOT NULL,
    decided_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX rejections_by_application ON rejections (application_id, id);

-- WeChat Pay Native orders. `amount_fen` is copied from the plan when the order is created,
-- never taken from a request. A refreshed code replaces `code_url`/`code_expires_at` and
-- keeps `order_no`.
CREATE TABLE orders (
    order_no         TEXT    PRIMARY KEY NOT NULL,
    application_id   TEXT    NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    amount_fen       INTEGER NOT NULL CHECK (amount_fen > 0),
    status           TEXT    NOT NULL CHECK (status IN ('unpaid', 'paid', 'closed')),
    code_url         TEXT,
    code_expires_at  INTEGER,
    paid_at          INTEGER,
    created_at       INTEGER NOT NULL
) STRICT;

-- At most one open order per application, whatever races the handlers lose.
CREATE UNIQUE INDEX orders_one_open_per_application ON orders (application_id)
    WHERE status = 'unpaid';
CREATE INDEX orders_by_application ON orders (application_id);
