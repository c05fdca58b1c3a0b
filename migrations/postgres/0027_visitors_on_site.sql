-- Visitors on the site and blocked visitors. A visit session is present while its pages are
-- seen (a socket or long-poll keeps them alive); `present` records what operators were told,
-- so an arrival and a departure are each announced once. A block applies to a visitor id and,
-- optionally, to an address (`visit_sessions.client_address`, 0026).

ALTER TABLE visit_sessions ADD COLUMN present BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX visit_sessions_present ON visit_sessions(present, last_seen_at);

CREATE TABLE visitor_blocks (
    id          BIGSERIAL PRIMARY KEY,
    visitor_id  TEXT NOT NULL,
    address     TEXT,
    reason      TEXT NOT NULL,
    created_by  BIGINT,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT,
    lifted_at   BIGINT,
    lifted_by   BIGINT
);
CREATE INDEX visitor_blocks_visitor ON visitor_blocks(visitor_id);
CREATE INDEX visitor_blocks_address ON visitor_blocks(address);
