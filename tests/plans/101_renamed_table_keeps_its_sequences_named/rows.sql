INSERT INTO s.site (v) VALUES ('a'), ('b'), ('c');
