INSERT INTO quiet.t VALUES (1), (2);
