INSERT INTO s.other SELECT n FROM generate_series(1, 20) n;
