-- WeChat Pay attempts behind each order, refunds, and the payments log staff read.
--
-- The candidate's order number never changes. WeChat takes a repeated `out_trade_no` only
-- with identical parameters, sets `time_expire` once, and wants a new `out_trade_no` after
-- it: so each code is an *attempt* with its own `out_trade_no`, closed at WeChat before the
-- next one is made. A payment on any attempt pays the order.

-- Orders may now be refunded, and carry what the candidate should know about the last
-- attempt (`notice`). SQLite cannot change a CHECK constraint in place: rebuild the table
-- (nothing references it yet).
CREATE TABLE orders_v2 (
    order_no         TEXT    PRIMARY KEY NOT NULL,
    application_id   TEXT    NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    amount_fen       INTEGER NOT NULL CHECK (amount_fen > 0),
    status           TEXT    NOT NULL CHECK (status IN ('unpaid', 'paid', 'closed', 'refunded')),
    code_url         TEXT,
    code_expires_at  INTEGER,
    paid_at          INTEGER,
    created_at       INTEGER NOT NULL,
    refunded_at      INTEGER,
    notice           TEXT
) STRICT;

INSERT INTO orders_v2 (order_no, application_id, amount_fen, status, code_url, code_expires_at,
                       paid_at, created_at)
    SELECT order_no, application_id, amount_fen, status, code_url, code_expires_at, paid_at,
           created_at
    FROM orders;
DROP TABLE orders;
ALTER TABLE orders_v2 RENAME TO orders;
CREATE UNIQUE INDEX orders_one_open_per_application ON orders (application_id)
    WHERE status = 'unpaid';
CREATE INDEX orders_by_application ON orders (application_id);

-- Each `out_trade_no` sent to the provider, with exactly the parameters it was sent with
-- (a repeat must be identical). `pending`: sent, no answer recorded yet (the next try
-- repeats it unchanged); `open`: has a code; `closed`: closed or expired unpaid; `paid`;
-- `refunded`.
CREATE TABLE payment_attempts (
    out_trade_no      TEXT    PRIMARY KEY NOT NULL,
    order_no          TEXT    NOT NULL REFERENCES orders (order_no) ON DELETE CASCADE,
    amount_fen        INTEGER NOT NULL CHECK (amount_fen > 0),
    description       TEXT    NOT NULL,
    time_expire       INTEGER NOT NULL,
    state             TEXT    NOT NULL
                      CHECK (state IN ('pending', 'open', 'closed', 'paid', 'refunded')),
    code_url          TEXT,
    transaction_id    TEXT,
    paid_at           INTEGER,
    trade_state       TEXT,
    created_at        INTEGER NOT NULL,
    checked_at        INTEGER
) STRICT;

CREATE INDEX payment_attempts_by_order ON payment_attempts (order_no, created_at);
CREATE INDEX payment_attempts_unsettled ON payment_attempts (state)
    WHERE state IN ('pending', 'open');

-- Orders made before attempts existed used the order number as WeChat's out_trade_no.
INSERT INTO payment_attempts (out_trade_no, order_no, amount_fen, description, time_expire,
                              state, code_url, paid_at, created_at)
    SELECT order_no, order_no, amount_fen, '职业技能等级认定报名费',
           COALESCE(code_expires_at, created_at),
           CASE status WHEN 'unpaid' THEN 'open' WHEN 'paid' THEN 'paid' ELSE 'closed' END,
           code_url, paid_at, created_at
    FROM orders;

-- Refunds: asked by staff (the whole fee, with a reason) or automatically for a second
-- payment of an order already paid. `requested`: not yet accepted by the provider (the
-- reconciler repeats it, same out_refund_no).
CREATE TABLE refunds (
    out_refund_no   TEXT    PRIMARY KEY NOT NULL,
    order_no        TEXT    NOT NULL REFERENCES orders (order_no) ON DELETE CASCADE,
    out_trade_no    TEXT    NOT NULL REFERENCES payment_attempts (out_trade_no),
    amount_fen      INTEGER NOT NULL CHECK (amount_fen > 0),
    reason          TEXT    NOT NULL,
    requested_by    TEXT    NOT NULL,
    duplicate       INTEGER NOT NULL DEFAULT 0,
    state           TEXT    NOT NULL
                    CHECK (state IN ('requested', 'processing', 'success', 'closed', 'abnormal')),
    created_at      INTEGER NOT NULL,
    completed_at    INTEGER
) STRICT;

CREATE INDEX refunds_by_order ON refunds (order_no);
CREATE INDEX refunds_unsettled ON refunds (state) WHERE state IN ('requested', 'processing');

-- What happened to money, for staff: duplicate payments, refunds, attempts closed.
CREATE TABLE payment_log (
    id            INTEGER PRIMARY KEY,
    order_no      TEXT    NOT NULL,
    out_trade_no  TEXT,
    event         TEXT    NOT NULL,
    detail        TEXT    NOT NULL,
    at            INTEGER NOT NULL
) STRICT;

CREATE INDEX payment_log_by_order ON payment_log (order_no, id);
