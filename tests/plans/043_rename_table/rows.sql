INSERT INTO s.site SELECT n, 'site ' || n FROM generate_series(1, 10) n;
INSERT INTO s.device SELECT n, 1 + n % 10 FROM generate_series(1, 100) n;
