INSERT INTO s.t (id, n) SELECT n, n FROM generate_series(1, 30) n;
INSERT INTO s.old_t (id, n) SELECT n, n FROM generate_series(1, 10) n;
