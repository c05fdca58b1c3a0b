-- Circuit breaker for failing bots (bot-api.md §4.3.5): hand-offs are recorded; a bot with five
-- within a minute is skipped in new routing decisions until `skip_until`.
CREATE TABLE bot_failures (
    operator_id BIGINT NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    failed_at   BIGINT NOT NULL
);
CREATE INDEX bot_failures_recent ON bot_failures(operator_id, failed_at);
ALTER TABLE bots ADD COLUMN skip_until BIGINT NOT NULL DEFAULT 0;
