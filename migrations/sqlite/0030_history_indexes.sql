-- Indexes shaped for frequent queries whose cost otherwise grew with the stored history —
-- waiting chats, finished outbox rows, due timers, all chats (docs/performance.md, «Cost
-- independent of history»). Each serves one query's exact WHERE and ORDER BY.

-- The outbox workers' claim: the first pending rows of one kind, in id order. Finished rows —
-- nearly all of the table over time — are not in it.
CREATE INDEX outbox_pending ON outbox(kind, id) WHERE done_at IS NULL;

-- The auto-assignment pass takes waiting chats in assignment order (priority pages first,
-- online requests before offline ones, oldest first) without sorting every waiting chat.
CREATE INDEX chats_queue ON chats(priority DESC, offline, id)
    WHERE operator_id IS NULL AND state IN ('queue', 'offline_queue');

-- A channel's bot side names a chat by its client-side id.
CREATE INDEX chats_client_side_id ON chats(client_side_id, id);

-- Due timers in the order they fire (ties by chat), without sorting every due timer.
DROP INDEX timers_due;
CREATE INDEX timers_due ON timers(due_at, chat_id);
