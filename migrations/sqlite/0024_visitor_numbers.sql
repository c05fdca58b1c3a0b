-- A stable number per visitor, so that operators can tell unnamed visitors apart
-- («Посетитель 1234»). SQLite hands it out from the row id: existing visitors get theirs now,
-- new ones on insert.

ALTER TABLE visitors ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE visitors SET number = rowid;

CREATE TRIGGER visitors_number AFTER INSERT ON visitors
BEGIN
    UPDATE visitors SET number = NEW.rowid WHERE rowid = NEW.rowid;
END;
