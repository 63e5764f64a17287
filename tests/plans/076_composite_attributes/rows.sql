INSERT INTO s.t (id, a) SELECT n, ROW('street ' || n, 'city', 'old')::s.address FROM generate_series(1, 20) n;
