INSERT INTO s.t SELECT 'k' || n, n FROM generate_series(1, 50) n;
