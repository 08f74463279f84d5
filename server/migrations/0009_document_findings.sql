-- The warnings of the browser's photo checks a file was uploaded with (the candidate saw
-- them and chose 仍然上传): the contract's codes (`photo_warning`), in its order, separated
-- by commas; empty for none, as for every file stored before this migration.
ALTER TABLE documents ADD COLUMN findings TEXT NOT NULL DEFAULT '';
