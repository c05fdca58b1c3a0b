-- operators.must_change_password was declared INTEGER here and BOOLEAN on PostgreSQL (0021).
-- SQLite stores the same 0/1 either way; the column is declared BOOLEAN like the other flags so
-- the two schemas read alike (the lockstep test compares declared types). SQLite cannot change
-- a column's type in place: a new column takes the values, the old one goes, the new one takes
-- its name. Every query names the column, so its new place at the end of the row changes nothing.

ALTER TABLE operators ADD COLUMN must_change_password_flag BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE operators SET must_change_password_flag = must_change_password;
ALTER TABLE operators DROP COLUMN must_change_password;
ALTER TABLE operators RENAME COLUMN must_change_password_flag TO must_change_password;
