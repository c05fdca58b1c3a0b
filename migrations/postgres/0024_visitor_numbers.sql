-- A stable number per visitor, so that operators can tell unnamed visitors apart
-- («Посетитель 1234»). PostgreSQL hands it out from a sequence: existing visitors get theirs
-- now, new ones on insert.

ALTER TABLE visitors ADD COLUMN number BIGSERIAL NOT NULL;
