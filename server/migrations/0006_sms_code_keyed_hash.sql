-- SMS codes are stored as HMAC-SHA256 under a server key kept outside the database
-- (`secrets::SmsCodeKey`: `code_hash` = hex HMAC(key, salt:phone:purpose:code)) instead of
-- SHA-256(salt || code), which a copy of the database reversed by trying all million codes.
-- Codes stored the old way can no longer be checked: they are marked used and their hashes
-- dropped; the rows stay, as the rate limits count them.
UPDATE sms_codes SET code_hash = '', consumed_at = COALESCE(consumed_at, created_at);

-- The development outbox kept every code in clear text, also in production, where it was
-- the only sender. It is used with --dev only from now on; what it holds goes.
DELETE FROM sms_outbox;
