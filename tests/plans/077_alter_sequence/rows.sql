INSERT INTO s.t (n) SELECT n FROM generate_series(1, 20) n;
