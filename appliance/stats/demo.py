"""The demo school's usage statistics (`cartable run --demo`, `make run`): six weeks of
plausible visits up to yesterday — school days busy, Wednesday afternoons and weekends
quiet; students on the home page, the cahier de textes and the timetable, teachers on the
roll call and the cahier de textes, parents on grades and absences — drawn from a fixed
seed within the demo's own head counts, and most demo accounts activated (a last login
some days ago; a parent and the guest never came). This is a demo, never a real school.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from appliance.db import rows, scalar, transaction
from appliance.stats.taxonomy import PROFILE_OF
from appliance.stats.usage import today as local_today

WEEKS = 6
NEVER_CAME = ("karim.benali", "paul.invite")
# Profile → service → share of the profile's people who use it on a school day.
_USE = {
    "eleve": {
        "accueil": 0.9, "cahier_textes": 0.75, "gestion_temps": 0.6, "notes": 0.5,
        "courrier_electronique": 0.3, "stockage_partage": 0.3, "actualites": 0.2,
        "absences": 0.1, "agenda": 0.15, "services_vie_scolaire": 0.05,
    },
    "parent": {
        "accueil": 0.7, "notes": 0.5, "cahier_textes": 0.4, "absences": 0.35,
        "gestion_temps": 0.3, "courrier_electronique": 0.3, "actualites": 0.2,
        "agenda": 0.1,
    },
    "enseignant": {
        "accueil": 0.95, "absences": 0.9, "cahier_textes": 0.9, "gestion_temps": 0.7,
        "courrier_electronique": 0.6, "notes": 0.5, "stockage_partage": 0.4,
        "services_vie_scolaire": 0.3, "actualites": 0.25, "agenda": 0.2,
    },
    "personnel": {
        "accueil": 1.0, "absences": 1.0, "services_vie_scolaire": 0.8,
        "courrier_electronique": 0.7, "gestion_temps": 0.6, "actualites": 0.3,
    },
    "invite": {"accueil": 0.2, "actualites": 0.2, "courrier_electronique": 0.1},
    "admin": {"accueil": 0.5, "services_vie_scolaire": 0.3, "gestion_temps": 0.2},
}  # fmt: skip
# Monday … Sunday: how busy the day is (Wednesday: mornings only; weekends: homework).
_DAY_FACTOR = (1.0, 1.0, 0.6, 1.0, 0.9, 0.2, 0.25)


def ensure(
    conn: sqlite3.Connection, data_dir: Path | None = None, *, today: date | None = None
) -> bool:
    """Give the demo school its statistics when it has none; True when some were added."""
    if scalar(conn, "SELECT 1 FROM usage_stat LIMIT 1"):
        return False
    today = today or local_today()
    heads = {
        PROFILE_OF[r["profile"]]: r["n"]
        for r in rows(
            conn, "SELECT profile, count(*) AS n FROM person WHERE state = 'active' GROUP BY 1"
        )
    }
    if not heads:
        return False
    rng = random.Random(14)  # the same demo every time
    found = []
    for back in range(WEEKS * 7, 0, -1):
        day = today - timedelta(days=back)
        factor = _DAY_FACTOR[day.weekday()]
        for profile, uses in _USE.items():
            n = heads.get(profile, 0)
            for service, share in uses.items():
                people = sum(1 for _ in range(n) if rng.random() < share * factor)
                if people:
                    visits = sum(rng.randint(1, 4) for _ in range(people))
                    found.append((day.isoformat(), service, profile, visits, people))
    came = datetime.combine(today - timedelta(days=2), time(17, 30), tzinfo=UTC).isoformat()
    with transaction(conn):
        conn.executemany(
            "INSERT INTO usage_stat (day, service, profile, visits, people) VALUES (?, ?, ?, ?, ?)",
            found,
        )
        conn.execute(
            "UPDATE person SET last_login_at = ? WHERE last_login_at IS NULL "
            f"AND login NOT IN ({', '.join('?' * len(NEVER_CAME))})",
            (came, *NEVER_CAME),
        )
    return bool(found)
