-- Custom channels on the bot side (custom-channel.md §5): the channel takes chats like a bot,
-- through its own operator account.
ALTER TABLE custom_channels ADD COLUMN side TEXT NOT NULL DEFAULT 'visitor';
ALTER TABLE custom_channels ADD COLUMN operator_id INTEGER REFERENCES operators(id);
