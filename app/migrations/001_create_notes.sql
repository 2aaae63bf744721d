-- The sample app's first table.
CREATE TABLE IF NOT EXISTS notes (
  id bigserial PRIMARY KEY,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
