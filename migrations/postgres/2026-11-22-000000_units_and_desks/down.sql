DROP TABLE desks;
DROP INDEX units_parent_code;
DROP TABLE units;
