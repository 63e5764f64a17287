-- The start of a plan step sent as one query (a step of one statement: live/planrun.py).
BEGIN
