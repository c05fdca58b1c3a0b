-- Reply templates at three levels: global (scope 'global'), a department's ('department',
-- department_key set) and an operator's own ('personal', operator_id set). A section groups
-- them in the workspace; lang '' means every language.

CREATE TABLE templates (
    id              BIGSERIAL PRIMARY KEY,
    scope           TEXT NOT NULL,
    department_key  TEXT REFERENCES departments(key) ON DELETE CASCADE,
    operator_id     BIGINT REFERENCES operators(id) ON DELETE CASCADE,
    section         TEXT NOT NULL DEFAULT '',
    lang            TEXT NOT NULL DEFAULT '',
    title           TEXT NOT NULL,
    text            TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX templates_owner ON templates(scope, department_key, operator_id);
