INSERT INTO s.site SELECT n, 'site ' || n FROM generate_series(1, 10) n;
INSERT INTO s.t SELECT n, n % 10 + 1, 'v' || n, n FROM generate_series(1, 50) n;
