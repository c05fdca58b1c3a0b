-- Messenger channels (Telegram, VK) are custom channels with an adapter: `kind` names it and
-- `config` holds its credentials (JSON).

ALTER TABLE custom_channels ADD COLUMN kind TEXT NOT NULL DEFAULT 'custom';
ALTER TABLE custom_channels ADD COLUMN config TEXT NOT NULL DEFAULT '{}';
