CREATE TABLE items (id TEXT PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO items VALUES ('item_1', 'one');
