DROP TABLE dossiers;
