-- What operators see of a visitor's visit (the context panel): the browser's user agent, the
-- client address as the server determined it (behind trusted proxies, the one they name), the
-- page the visitor came from, and the pages visited in the visit session with their times.

ALTER TABLE visit_sessions ADD COLUMN user_agent TEXT;
ALTER TABLE visit_sessions ADD COLUMN client_address TEXT;
ALTER TABLE visit_sessions ADD COLUMN referrer TEXT;

CREATE TABLE visit_pages (
    visit_session_id TEXT NOT NULL REFERENCES visit_sessions(id),
    url              TEXT NOT NULL,
    title            TEXT,
    visited_at       BIGINT NOT NULL
);
CREATE INDEX visit_pages_session ON visit_pages(visit_session_id, visited_at);
