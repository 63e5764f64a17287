INSERT INTO s.t (id, owner, n) SELECT n, 'u' || n, n FROM generate_series(1, 30) n;
INSERT INTO s.u SELECT n, n FROM generate_series(1, 5) n;
