-- Roll call and absences (#13): the reasons (motifs) an absence or a lateness is settled
-- with. `admissible`: a reason the law accepts (Code de l'éducation, L131-8) or the school
-- counts as such; complete half-days without an admissible reason are the ones the
-- monthly alert counts. `legal`: one of L131-8's five, which stays admissible and active.
-- The vie scolaire edits the list (labels, flags, the school's own reasons); a reason is
-- never deleted (events name it), it is made inactive.
CREATE TABLE attendance_reason (
  code TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 40 AND code NOT GLOB '*[^a-z0-9_]*'),
  label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 120),
  admissible INTEGER NOT NULL CHECK (admissible IN (0, 1)),
  legal INTEGER NOT NULL DEFAULT 0 CHECK (legal IN (0, 1)),
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  position INTEGER NOT NULL DEFAULT 0,
  CHECK (legal = 0 OR (admissible = 1 AND active = 1))
);

INSERT INTO attendance_reason (code, label, admissible, legal, position) VALUES
  ('maladie', 'Maladie de l''enfant', 1, 1, 10),
  ('maladie_contagieuse', 'Maladie transmissible ou contagieuse d''un membre de la famille', 1, 1, 20),
  ('reunion_familiale', 'Réunion solennelle de famille', 1, 1, 30),
  ('transport', 'Difficulté accidentelle des moyens de transport', 1, 1, 40),
  ('famille_itinerante', 'Absence temporaire des responsables, que l''enfant accompagne (famille itinérante)', 1, 1, 50),
  ('rendez_vous_medical', 'Rendez-vous médical', 1, 0, 60),
  ('examen', 'Examen ou convocation officielle', 1, 0, 70),
  ('sortie_scolaire', 'Sortie ou voyage scolaire', 1, 0, 80),
  ('stage', 'Stage en entreprise', 1, 0, 90),
  ('dispense_eps', 'Dispense d''EPS', 1, 0, 100),
  ('convenance', 'Convenance personnelle', 0, 0, 110),
  ('panne_reveil', 'Panne de réveil', 0, 0, 120),
  ('autre', 'Autre motif (non recevable)', 0, 0, 130);
