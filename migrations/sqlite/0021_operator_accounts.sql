-- Operator accounts over their life: a password the operator must replace at the next login
-- (one-time demo passwords, an administrator's reset), deactivated accounts (kept, cannot log
-- in) and deleted ones (kept for the history their chats reference, gone from every list).

ALTER TABLE operators ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE operators ADD COLUMN deactivated_at BIGINT;
ALTER TABLE operators ADD COLUMN deleted_at BIGINT;
