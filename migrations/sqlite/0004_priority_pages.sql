-- The page a visit session is on (reported by the widget), for priority pages.
ALTER TABLE visit_sessions ADD COLUMN page_url TEXT;
