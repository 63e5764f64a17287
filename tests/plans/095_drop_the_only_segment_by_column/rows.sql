INSERT INTO s.m SELECT now() - n * interval '1 hour', n % 5, n, 'site' || n % 3 FROM generate_series(1, 200) n;
SELECT compress_chunk(c) FROM show_chunks('s.m', older_than => interval '2 days') c;
