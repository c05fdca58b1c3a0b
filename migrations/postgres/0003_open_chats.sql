-- Each operator's number of open (chatting) chats, kept by the database itself on every change
-- of a chat's operator or state, so routing reads it instead of counting.

ALTER TABLE operators ADD COLUMN open_chats BIGINT NOT NULL DEFAULT 0;

UPDATE operators SET open_chats = (
    SELECT COUNT(*) FROM chats c WHERE c.operator_id = operators.id AND c.state = 'chatting'
);

CREATE FUNCTION beseda_chats_open_chats() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.state = 'chatting' AND OLD.operator_id IS NOT NULL THEN
        UPDATE operators SET open_chats = open_chats - 1 WHERE id = OLD.operator_id;
    END IF;
    IF NEW.state = 'chatting' AND NEW.operator_id IS NOT NULL THEN
        UPDATE operators SET open_chats = open_chats + 1 WHERE id = NEW.operator_id;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER chats_open_chats_insert AFTER INSERT ON chats
FOR EACH ROW EXECUTE FUNCTION beseda_chats_open_chats();

CREATE TRIGGER chats_open_chats_update AFTER UPDATE OF operator_id, state ON chats
FOR EACH ROW WHEN (OLD.operator_id IS DISTINCT FROM NEW.operator_id OR OLD.state IS DISTINCT FROM NEW.state)
EXECUTE FUNCTION beseda_chats_open_chats();

CREATE INDEX operators_online ON operators(status, open_chats, last_assigned_at);
