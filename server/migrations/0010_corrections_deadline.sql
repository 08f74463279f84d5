-- 补正截止: until when a rejected application of the plan may be corrected and sent again
-- (重新提交), also after registration closes (`closes_at`, when no new application and no
-- 报名 are taken any more). Plans stored before this get a week after their close, the
-- default the seed uses too (see seed.rs).
ALTER TABLE plans ADD COLUMN corrections_close_at INTEGER NOT NULL DEFAULT 0;
UPDATE plans SET corrections_close_at = closes_at + 7 * 86400;
