-- A message a custom channel could not be given (custom-channel.md §6), shown to operators.
ALTER TABLE messages ADD COLUMN delivery_failed BOOLEAN NOT NULL DEFAULT FALSE;
