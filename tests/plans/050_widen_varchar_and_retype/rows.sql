INSERT INTO s.t SELECT n, 'c' || n, n FROM generate_series(1, 20) n;
