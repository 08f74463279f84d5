-- An idempotency key is bound to the request it first answered: `request_hash` is hex
-- SHA-256 of the method, the path and the body. The same key with another request is
-- refused (422 `idempotency_key_reused`) instead of returning an answer to a different
-- question. Rows remembered before this migration have no hash; they still answer a repeat
-- to their own endpoint, and expire with the retention like every row.
ALTER TABLE idempotency ADD COLUMN request_hash TEXT;
