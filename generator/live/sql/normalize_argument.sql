-- Template: one argument of a shadow function as the model declares it: its mode when not IN (marker mode), its
-- name when it has one (marker name), its type, its default when it has one (marker default).
--@mode :mode
--@name :"name"
:type
--@default DEFAULT :default
