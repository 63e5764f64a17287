-- Template: a policy on a shadow table (live/security.py), its expressions as the model writes them, so that the
-- server prints them back. :"name" the policy, :"table" the shadow table; :using / :check the model's SQL.
CREATE POLICY :"name" ON :"table"
--@using USING (:using)
--@check WITH CHECK (:check)
