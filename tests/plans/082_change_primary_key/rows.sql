INSERT INTO s.t SELECT n, 'c' || n, 'v' || n FROM generate_series(1, 40) n;
INSERT INTO s.u SELECT n, 'v' || n FROM generate_series(1, 20) n;
INSERT INTO s.w SELECT n, n % 3, 'v' || n FROM generate_series(1, 25) n;
