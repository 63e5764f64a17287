-- Whether the history records scripts of another model database (then a full rollback of this one does not
-- empty it, and does not drop it). Parameter: the model database's name.
SELECT EXISTS (SELECT FROM schemagen.history WHERE database <> %s)
