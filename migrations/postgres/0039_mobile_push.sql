-- Pushes to mobile SDK visitors (visitor-api.md §16): until when a visit session's app is
-- listening (an open long-poll or WebSocket, with a short grace for the next poll), in µs.
-- While it is, nothing is pushed to its token. Deliveries are outbox rows of kind
-- `mobile_push`, subject = the visit session's id.
ALTER TABLE visit_sessions ADD COLUMN listening_until BIGINT;
-- Finding the sessions of a token the push service says is gone.
CREATE INDEX visit_sessions_push_token ON visit_sessions(push_token) WHERE push_token IS NOT NULL;
