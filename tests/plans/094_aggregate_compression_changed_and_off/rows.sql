INSERT INTO s.m SELECT now() - n * interval '1 hour', n % 5, n FROM generate_series(1, 1200) n;
CALL refresh_continuous_aggregate('s.m_hourly', NULL, NULL);
CALL refresh_continuous_aggregate('s.m_daily', NULL, NULL);
SELECT compress_chunk(c) FROM show_chunks('s.m_hourly', older_than => interval '20 days') c;
SELECT compress_chunk(c) FROM show_chunks('s.m_daily', older_than => interval '20 days') c;
