-- The last bot that held each chat (for the chat_closed and chat_returned_to_bot extensions
-- and for bot notes), when it let go, and whether it was told of the close.
ALTER TABLE chats ADD COLUMN last_bot_id INTEGER;
ALTER TABLE chats ADD COLUMN bot_released_at INTEGER;
ALTER TABLE chats ADD COLUMN bot_close_sent BOOLEAN NOT NULL DEFAULT FALSE;
