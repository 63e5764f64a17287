INSERT INTO s.t SELECT n, 'v' || n FROM generate_series(1, 50) n;
