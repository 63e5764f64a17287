INSERT INTO s.t SELECT n, 'c' || n, 'v' || n FROM generate_series(1, 30) n;
