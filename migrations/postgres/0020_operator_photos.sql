-- Operators' uploaded photos (data: URLs, checked when saved), served from
-- /widget/image/operator-{id}; `avatar` then holds that path.

ALTER TABLE operators ADD COLUMN photo TEXT;
