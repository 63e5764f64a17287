INSERT INTO s.m SELECT now() - n * interval '1 hour', n % 5, n FROM generate_series(1, 100) n;
