INSERT INTO s.t (id, n) SELECT n, n FROM generate_series(1, 30) n;
