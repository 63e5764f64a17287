INSERT INTO s.t SELECT n, 'c' || (n % 7), 'v' || n FROM generate_series(1, 50) n;
