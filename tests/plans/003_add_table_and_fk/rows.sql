INSERT INTO s.site SELECT n, 'site ' || n FROM generate_series(1, 10) n;
