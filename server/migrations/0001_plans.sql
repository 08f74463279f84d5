-- Certification plans (认定计划). Enum columns hold the contract's JSON names
-- (`ecommerce_specialist`, `level_2`); instants are Unix seconds.
CREATE TABLE plans (
    id          TEXT    PRIMARY KEY NOT NULL,
    name        TEXT    NOT NULL,
    occupation  TEXT    NOT NULL,
    level       TEXT    NOT NULL,
    opens_at    INTEGER NOT NULL,
    closes_at   INTEGER NOT NULL,
    fee_fen     INTEGER NOT NULL CHECK (fee_fen >= 0),
    created_at  INTEGER NOT NULL,
    CHECK (opens_at < closes_at)
) STRICT;

CREATE INDEX plans_by_window ON plans (opens_at, name);
