INSERT INTO s.keep SELECT generate_series(1, 5); INSERT INTO s.old_log SELECT n, 'x' FROM generate_series(1, 5) n;
