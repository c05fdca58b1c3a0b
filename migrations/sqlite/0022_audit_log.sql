-- The audit log: who changed what in the admin API (and the CLI), from which address, with
-- the changed fields before and after (secrets masked). Kept until an operator prunes it.

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    actor_id     INTEGER,
    actor        TEXT NOT NULL,
    address      TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL DEFAULT '',
    target_id    TEXT NOT NULL DEFAULT '',
    changes      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log(at);
