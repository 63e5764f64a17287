INSERT INTO s.t (id, name) SELECT n, 'name ' || n FROM generate_series(1, 20) n;
