INSERT INTO s.t VALUES (1, 'ok', 'meh'), (2, 'sad', 'ok');
