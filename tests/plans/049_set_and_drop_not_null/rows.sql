INSERT INTO s.t SELECT n, n, n FROM generate_series(1, 20) n;
