-- A numeric id for every department (the Stored Data API shows it beside the key).

ALTER TABLE departments ADD COLUMN id INTEGER;
UPDATE departments SET id = (SELECT COUNT(*) FROM departments d WHERE d.key <= departments.key);
CREATE UNIQUE INDEX departments_id ON departments(id);
