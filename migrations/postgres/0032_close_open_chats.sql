-- Chats left open by versions whose closing timeouts defaulted to "never" get an inactivity
-- deadline (docs/routing.md «Closing»): their conversation timeout — the chat's own, its
-- placement's, or 24 h — after their last change. The scheduler then closes them, each with
-- one chat_closed, unless the visitor has not read the operator's last message (then it waits
-- up to three days after that message). Chats that already have the timer keep it.
INSERT INTO timers (kind, chat_id, due_at, created_at)
SELECT 'auto_close', c.id,
       c.modified_at + COALESCE(c.conversation_timeout_hours, p.conversation_timeout_hours, 24) * 3600000000,
       c.modified_at
FROM chats c LEFT JOIN placements p ON p.key = c.location
WHERE c.state <> 'closed'
  AND NOT EXISTS (SELECT 1 FROM timers t WHERE t.kind = 'auto_close' AND t.chat_id = c.id);
