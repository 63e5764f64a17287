INSERT INTO core.readings_acme SELECT n, n FROM generate_series(1, 30) n;
