-- Post-chat surveys (visitor-api.md §9.8). `forms` is the JSON array of forms
-- ([{"id", "questions": [{"type", "text", "options", "maxLength"}]}]); a survey is offered after
-- chats of `department_key` and/or in `lang` (NULL: any); `version` grows with every change.
CREATE TABLE surveys (
    id             BIGSERIAL PRIMARY KEY,
    title          TEXT NOT NULL,
    enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    department_key TEXT,
    lang           TEXT,
    version        BIGINT NOT NULL,
    forms          TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

-- A survey offered to a visitor after a chat (the `id` clients see): the survey's title,
-- version and forms as offered, the question asked now (`form_id`, `question_id`) and `state`:
-- `open`, `completed` (answered to the end or closed by the visitor after answering) or
-- `cancelled`.
CREATE TABLE survey_runs (
    id             BIGSERIAL PRIMARY KEY,
    survey_id      BIGINT NOT NULL,
    title          TEXT NOT NULL,
    version        BIGINT NOT NULL,
    forms          TEXT NOT NULL,
    visitor_id     TEXT NOT NULL REFERENCES visitors(id),
    chat_id        BIGINT NOT NULL REFERENCES chats(id),
    operator_id    BIGINT,
    department_key TEXT,
    form_id        BIGINT NOT NULL,
    question_id    BIGINT NOT NULL,
    state          TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    closed_at      BIGINT
);
CREATE INDEX survey_runs_visitor ON survey_runs(visitor_id, state);
CREATE INDEX survey_runs_created ON survey_runs(created_at);

-- The visitor's answers: a mark 1–5, a radio option's position, or a comment.
CREATE TABLE survey_answers (
    run_id      BIGINT NOT NULL REFERENCES survey_runs(id),
    form_id     BIGINT NOT NULL,
    question_id BIGINT NOT NULL,
    answer      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (run_id, form_id, question_id)
);

-- `chat.resolution_survey_select`: was the visitor's question resolved by this operator (1) or not (0).
CREATE TABLE resolution_answers (
    chat_id     BIGINT NOT NULL REFERENCES chats(id),
    operator_id BIGINT NOT NULL REFERENCES operators(id),
    answer      BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (chat_id, operator_id)
);
