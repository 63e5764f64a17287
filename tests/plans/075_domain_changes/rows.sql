INSERT INTO s.t (id, n, l, c) SELECT n, n * 2, 'x', 'c' || n FROM generate_series(1, 20) n;
