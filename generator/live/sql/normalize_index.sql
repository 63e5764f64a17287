-- Template: one of the model's indexes on a shadow table (named <table>_i<position>); :keys its columns and
-- expressions with their operator classes; the predicate when the model gives one (marker where).
CREATE INDEX :"name" ON :"table" USING :method (:keys)
--@where WHERE :where
