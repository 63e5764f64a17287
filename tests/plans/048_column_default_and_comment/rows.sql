INSERT INTO s.t (id) SELECT n FROM generate_series(1, 20) n;
