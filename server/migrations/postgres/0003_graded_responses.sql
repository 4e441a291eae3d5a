-- Each graded attempt's responses in one compact text, written with the score: for every
-- question of the paper in order, "question_id.version:bits;" with the bits of the response
-- in the bank's option order (0: unanswered). The item-analysis export reads 100,000 of these
-- instead of joining 4,000,000 issued questions with their answers. NULL until graded;
-- attempts graded before this column existed are filled in by the store when it opens.
ALTER TABLE attempts ADD COLUMN responses TEXT;
