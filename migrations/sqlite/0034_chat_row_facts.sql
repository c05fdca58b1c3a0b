-- What a chat's list row shows of its messages, kept on the chat instead of read from its
-- messages for every row (that read grew with the chat's length): the number of visitor
-- messages the operator has not read, the oldest visitor message after the newest answer
-- (waiting since), and the newest conversation message (the preview). Kept by the message
-- writes (`crates/beseda-store/src/sql/row_facts.rs`); here filled once from the messages.

-- A visitor's message by its client-side id (every message send checks it, to answer a retry
-- with the message already written) was found by reading all of the visitor's messages.
CREATE INDEX messages_client_side ON messages(client_side_id);

ALTER TABLE chats ADD COLUMN unread_by_operator_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN waiting_since BIGINT;
ALTER TABLE chats ADD COLUMN preview_message_id TEXT;

UPDATE chats SET
  unread_by_operator_count = (SELECT COUNT(*) FROM messages m WHERE m.chat_id = chats.id AND m.deleted = FALSE
    AND m.is_read = FALSE AND m.kind IN ('visitor', 'keyboard_response', 'file_visitor', 'sticker_visitor', 'contacts')),
  waiting_since = (SELECT m.created_at FROM messages m WHERE m.chat_id = chats.id AND m.deleted = FALSE
    AND m.kind IN ('visitor', 'keyboard_response', 'file_visitor', 'sticker_visitor', 'contacts')
    AND m.created_at > COALESCE((SELECT a.created_at FROM messages a WHERE a.chat_id = chats.id AND a.deleted = FALSE
      AND a.kind IN ('operator', 'file_operator', 'keyboard', 'cont_req', 'action_request')
      ORDER BY a.created_at DESC LIMIT 1), -1)
    ORDER BY m.created_at LIMIT 1),
  preview_message_id = (SELECT m.id FROM messages m WHERE m.chat_id = chats.id AND m.deleted = FALSE
    AND m.kind IN ('visitor', 'keyboard_response', 'file_visitor', 'sticker_visitor', 'contacts',
                   'operator', 'file_operator', 'keyboard', 'cont_req', 'action_request')
    ORDER BY m.created_at DESC LIMIT 1);
