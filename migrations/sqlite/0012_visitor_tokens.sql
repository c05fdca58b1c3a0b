-- Visitor tokens registered by a site's backend (visitor-identification.md §4).
CREATE TABLE visitor_tokens (
    token         TEXT PRIMARY KEY,
    fields        TEXT NOT NULL,
    registered_at BIGINT NOT NULL
);
