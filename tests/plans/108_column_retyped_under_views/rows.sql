INSERT INTO s.t VALUES (1, 5, 'a'), (2, 15, 'b');
