-- A chat's own conversation timeout (webchat-sessions.md §4–5), overriding its placement's.
ALTER TABLE chats ADD COLUMN conversation_timeout_hours BIGINT;
