-- Light-mode tokens (visitor-api.md §15.3): a visitor-scoped bearer token for badge polling,
-- kept as the SHA-256 of the token, valid until `expires_at` (µs).
CREATE TABLE light_tokens (
    token_hash TEXT PRIMARY KEY,
    visitor_id TEXT NOT NULL REFERENCES visitors(id),
    location   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX light_tokens_expiry ON light_tokens(expires_at);

-- A visitor message the visitor picked from the hints (`hint_question`).
ALTER TABLE messages ADD COLUMN hint_question BOOLEAN NOT NULL DEFAULT FALSE;

-- The visitor's last reported location (`geo_response`): {"latitude", "longitude", "at"}.
ALTER TABLE visit_sessions ADD COLUMN geo TEXT;
