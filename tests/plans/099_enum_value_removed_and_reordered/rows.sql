INSERT INTO s.t (id, m, ms) VALUES (1, 'happy', '{sad,ok}'), (2, 'sad', NULL), (3, DEFAULT, '{}');
INSERT INTO s.readings_acme VALUES (1, 'ok'), (2, NULL);
