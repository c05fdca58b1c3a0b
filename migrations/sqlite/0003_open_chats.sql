-- Each operator's number of open (chatting) chats, kept by the database itself on every change
-- of a chat's operator or state, so routing reads it instead of counting.

ALTER TABLE operators ADD COLUMN open_chats INTEGER NOT NULL DEFAULT 0;

UPDATE operators SET open_chats = (
    SELECT COUNT(*) FROM chats c WHERE c.operator_id = operators.id AND c.state = 'chatting'
);

CREATE TRIGGER chats_open_chats_insert AFTER INSERT ON chats
WHEN NEW.state = 'chatting' AND NEW.operator_id IS NOT NULL
BEGIN
    UPDATE operators SET open_chats = open_chats + 1 WHERE id = NEW.operator_id;
END;

CREATE TRIGGER chats_open_chats_update AFTER UPDATE OF operator_id, state ON chats
WHEN OLD.operator_id IS NOT NEW.operator_id OR OLD.state IS NOT NEW.state
BEGIN
    UPDATE operators SET open_chats = open_chats - 1 WHERE id = OLD.operator_id AND OLD.state = 'chatting';
    UPDATE operators SET open_chats = open_chats + 1 WHERE id = NEW.operator_id AND NEW.state = 'chatting';
END;

CREATE INDEX operators_online ON operators(status, open_chats, last_assigned_at);
