INSERT INTO s.m SELECT now() - n * interval '1 hour', n % 5, n, n FROM generate_series(1, 600) n;
CALL refresh_continuous_aggregate('s.m_hourly', NULL, NULL);
SELECT compress_chunk(c) FROM show_chunks('s.m', older_than => interval '10 days') c;
