-- E-mail changes made by contact-form answers (`chat.cont_resp`, visitor-api.md §12.1): the
-- limit of 3 a day per visitor counts these; rows older than two days are dropped.
CREATE TABLE visitor_email_changes (
    visitor_id TEXT NOT NULL REFERENCES visitors(id),
    changed_at INTEGER NOT NULL
);
CREATE INDEX visitor_email_changes_visitor ON visitor_email_changes(visitor_id, changed_at);
