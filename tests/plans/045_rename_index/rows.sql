INSERT INTO s.t SELECT n, n FROM generate_series(1, 50) n;
