-- Change stamps for the Stored Data API's `/chats?since=` (stored-data-api.md §5). Any change
-- to a chat, its messages, its ratings or its visitor's fields clears the chat's stamp; the
-- export hands out new stamps, one writer at a time, from the 'chat_stamp' counter, so stamps
-- are unique, strictly increasing and never given to a change that commits later.

ALTER TABLE chats ADD COLUMN stamp BIGINT;
CREATE INDEX chats_stamp ON chats(stamp);
INSERT INTO counters (name, value) VALUES ('chat_stamp', 0);

CREATE FUNCTION beseda_chats_stamp() RETURNS trigger AS $$
BEGIN
    IF NEW.stamp IS NOT DISTINCT FROM OLD.stamp THEN
        NEW.stamp := NULL;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER chats_stamp_update BEFORE UPDATE ON chats
FOR EACH ROW EXECUTE FUNCTION beseda_chats_stamp();

CREATE FUNCTION beseda_chat_child_stamp() RETURNS trigger AS $$
BEGIN
    UPDATE chats SET stamp = NULL WHERE id = NEW.chat_id AND stamp IS NOT NULL;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER messages_stamp AFTER INSERT OR UPDATE ON messages
FOR EACH ROW EXECUTE FUNCTION beseda_chat_child_stamp();

CREATE TRIGGER ratings_stamp AFTER INSERT OR UPDATE ON ratings
FOR EACH ROW EXECUTE FUNCTION beseda_chat_child_stamp();

CREATE FUNCTION beseda_visitor_stamp() RETURNS trigger AS $$
BEGIN
    UPDATE chats SET stamp = NULL WHERE visitor_id = NEW.id AND stamp IS NOT NULL;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER visitors_stamp_fields AFTER UPDATE OF fields ON visitors
FOR EACH ROW WHEN (OLD.fields IS DISTINCT FROM NEW.fields)
EXECUTE FUNCTION beseda_visitor_stamp();
