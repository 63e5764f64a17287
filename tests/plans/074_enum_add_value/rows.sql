INSERT INTO s.t (id, m) SELECT n, CASE WHEN n % 2 = 0 THEN 'sad' ELSE 'happy' END::s.mood FROM generate_series(1, 20) n;
