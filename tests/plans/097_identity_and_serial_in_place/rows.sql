INSERT INTO s.t (n, p) VALUES (1, 3), (2, 4);
INSERT INTO s.t (n, p, m) VALUES (3, 5, 100);
