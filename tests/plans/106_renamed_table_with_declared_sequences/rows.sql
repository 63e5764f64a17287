INSERT INTO s.orders (v) VALUES ('a'), ('b');
