INSERT INTO s.w VALUES (10, 'x'), (11, 'y');
