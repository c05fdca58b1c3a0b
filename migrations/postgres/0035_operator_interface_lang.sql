-- An operator's own console language («Язык интерфейса»: `ru` or `en`); NULL follows the
-- organisation's main language.
ALTER TABLE operators ADD COLUMN interface_lang TEXT;
