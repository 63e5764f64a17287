INSERT INTO s.m SELECT now() - n * interval '1 hour', n % 5, n FROM generate_series(1, 480) n;
CALL refresh_continuous_aggregate('s.m_hourly', NULL, NULL);
