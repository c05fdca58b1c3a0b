-- Operator events a change wrote, waiting to be numbered into `operator_events` by a round
-- after the change committed (the store's `log_sequencer.rs`): changes no longer wait for
-- each other on the log counter's row lock.
CREATE TABLE operator_events_pending (
    id         BIGSERIAL PRIMARY KEY,
    created_at BIGINT NOT NULL,
    event      TEXT NOT NULL
);
