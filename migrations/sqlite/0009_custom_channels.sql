-- Custom channels (custom-channel.md), visitor side: an external system posts its users'
-- messages in and receives operators' answers at its callback URL. Each channel has a
-- placement of the same key, so its chats route like any other.
CREATE TABLE custom_channels (
    key                 TEXT PRIMARY KEY,
    title               TEXT NOT NULL,
    secret              TEXT NOT NULL,
    callback_url        TEXT NOT NULL DEFAULT '',
    department_mode     TEXT NOT NULL DEFAULT 'not_necessary',
    default_department  TEXT,
    allowed_departments TEXT NOT NULL DEFAULT '[]',
    created_at          INTEGER NOT NULL
);
ALTER TABLE visitors ADD COLUMN channel_key TEXT;
ALTER TABLE visitors ADD COLUMN channel_user_id TEXT;
CREATE UNIQUE INDEX visitors_channel ON visitors(channel_key, channel_user_id);
ALTER TABLE chats ADD COLUMN channel_key TEXT;
