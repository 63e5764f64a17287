INSERT INTO s.t SELECT n, n, 'label ' || n FROM generate_series(1, 50) n;
