-- Usage statistics (issue 14): aggregates only. One row per school day (the school's
-- local date), service of the national taxonomy and profile: how many visits and how many
-- distinct people. There is no person, session, login or address column, on purpose:
-- who did what is never stored (tests/integration/stats/test_stats.py checks the schema).
CREATE TABLE usage_stat (
  day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  service TEXT NOT NULL CHECK (service IN (
    'accueil', 'actualites', 'cahier_textes', 'courrier_electronique', 'stockage_partage',
    'services_vie_scolaire', 'gestion_temps', 'absences', 'notes', 'agenda'
  )),
  profile TEXT NOT NULL CHECK (profile IN (
    'eleve', 'parent', 'enseignant', 'personnel', 'invite', 'admin'
  )),
  visits INTEGER NOT NULL DEFAULT 0 CHECK (visits >= 0),
  people INTEGER NOT NULL DEFAULT 0 CHECK (people >= 0),
  PRIMARY KEY (day, service, profile)
) WITHOUT ROWID;
