-- Bulk exports to an integration (the Unisender «export contacts» button): progress is kept
-- here so the admin panel can show it and a restart resumes after the last batch.

CREATE TABLE export_jobs (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL,
    total       BIGINT NOT NULL,
    done        BIGINT NOT NULL DEFAULT 0,
    cursor      TEXT NOT NULL DEFAULT '',
    error       TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX export_jobs_kind ON export_jobs(kind, id);
