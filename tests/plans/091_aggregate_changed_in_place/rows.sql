INSERT INTO s.m (at, device, v) SELECT now() - n * interval '20 minutes', n % 4, n FROM generate_series(1, 200) n;
