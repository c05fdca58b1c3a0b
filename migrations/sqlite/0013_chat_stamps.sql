-- Change stamps for the Stored Data API's `/chats?since=` (stored-data-api.md §5). Any change
-- to a chat, its messages, its ratings or its visitor's fields clears the chat's stamp; the
-- export hands out new stamps, one writer at a time, from the 'chat_stamp' counter, so stamps
-- are unique, strictly increasing and never given to a change that commits later.

ALTER TABLE chats ADD COLUMN stamp INTEGER;
CREATE INDEX chats_stamp ON chats(stamp);
INSERT INTO counters (name, value) VALUES ('chat_stamp', 0);

CREATE TRIGGER chats_stamp_update AFTER UPDATE ON chats
WHEN NEW.stamp IS NOT NULL AND OLD.stamp IS NEW.stamp
BEGIN
    UPDATE chats SET stamp = NULL WHERE id = NEW.id;
END;

CREATE TRIGGER messages_stamp_insert AFTER INSERT ON messages
BEGIN
    UPDATE chats SET stamp = NULL WHERE id = NEW.chat_id AND stamp IS NOT NULL;
END;

CREATE TRIGGER messages_stamp_update AFTER UPDATE ON messages
BEGIN
    UPDATE chats SET stamp = NULL WHERE id = NEW.chat_id AND stamp IS NOT NULL;
END;

CREATE TRIGGER ratings_stamp_insert AFTER INSERT ON ratings
BEGIN
    UPDATE chats SET stamp = NULL WHERE id = NEW.chat_id AND stamp IS NOT NULL;
END;

CREATE TRIGGER ratings_stamp_update AFTER UPDATE ON ratings
BEGIN
    UPDATE chats SET stamp = NULL WHERE id = NEW.chat_id AND stamp IS NOT NULL;
END;

CREATE TRIGGER visitors_stamp_fields AFTER UPDATE OF fields ON visitors
WHEN OLD.fields IS NOT NEW.fields
BEGIN
    UPDATE chats SET stamp = NULL WHERE visitor_id = NEW.id AND stamp IS NOT NULL;
END;
