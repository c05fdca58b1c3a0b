-- The department a visitor chose with chat.start while the chat waits for their first message
-- (chat_start_after_message): the first message starts the chat in it (docs/routing.md).
ALTER TABLE visit_sessions ADD COLUMN chosen_department TEXT;
