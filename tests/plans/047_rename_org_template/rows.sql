INSERT INTO core.vals_acme SELECT now() - n * interval '1 hour', n % 3, n FROM generate_series(1, 100) n;
INSERT INTO core.vals_beta SELECT now() - n * interval '1 hour', n % 3, n FROM generate_series(1, 20) n;
