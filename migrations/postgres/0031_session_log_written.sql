-- When a visit session's log last grew. The pruning job looks only at sessions written since
-- its previous run (less the retention age), so a run costs what was written lately rather
-- than a scan of the whole retained log every minute (docs/performance.md).
ALTER TABLE visit_sessions ADD COLUMN log_written_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX visit_sessions_log_written ON visit_sessions(log_written_at);
-- When the pruning job last ran (0: never, so its first run looks at every session).
INSERT INTO counters (name, value) VALUES ('session_events_pruned_at', 0);
