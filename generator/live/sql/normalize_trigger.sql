-- Template: one of the model's triggers with a WHEN clause on a shadow table (named t<position>), calling the
-- model's function: :timing (BEFORE, AFTER), :events (INSERT OR UPDATE ...), :for_each (ROW, STATEMENT).
CREATE TRIGGER :"name" :timing :events ON :"table"
   FOR EACH :for_each WHEN (:when) EXECUTE FUNCTION :"function"()
