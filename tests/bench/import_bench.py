"""Import benchmark (issue 3): plan + apply of a generated lycée and of a regional-scale
directory, against a reference measured in the same run.

Not a pytest test. Run: `.venv/bin/python -m tests.bench.import_bench [--scale lycee|region|both]`

- Lycée: 3,000 students, 5,500 legal guardians, 250 staff and teachers, as the three
  national exports (`tests.bench.school_files`: SIECLE students and guardians in
  ISO-8859-15, STS-Web with services). Plan + apply into a fresh database (target under
  10 s in all), then plan + apply of the same files again: it must change nothing.
- Region: 150,000 accounts (55,000 students, 90,000 guardians, 5,000 staff, one UAI), plan
  + apply in a subprocess whose peak resident memory is read with
  `getrusage(RUSAGE_CHILDREN).ru_maxrss` (targets: under 5 minutes, under 500 MB). Linux
  carries a parent's peak RSS into a child it spawns, so the child is started through a
  small launcher process spawned before this process grows; the child also reports its
  own VmHWM as a cross-check.
- Reference (the floor any importer pays): parsing the same XML files with defusedxml's
  ElementTree alone, plus one `executemany` of as many person rows as accounts, in one
  transaction, into a freshly migrated database. Figures are given as ratios to it.

Results go to tests/bench/results/import.json (see `run_all.py` for docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from appliance.db import connect, migrate, now_iso, scalar, transaction
from appliance.directory import reconcile, snapshot
from appliance.school import set_school
from tests.bench import school_files
from tests.bench.common import REPO, machine, save

UAI = "0679999X"
YEAR = 2026
TODAY = date(2026, 10, 1)
LYCEE = {"n_students": 3000, "n_guardians": 5500, "n_staff": 250}
REGION = {"n_students": 55000, "n_guardians": 90000, "n_staff": 5000}
TARGET_LYCEE_S = 10.0
TARGET_REGION_S = 300.0
TARGET_REGION_MB = 500.0

# A tiny process (standard library only) that runs one command and reports its rusage.
_LAUNCHER = """
import json, resource, subprocess, sys
cmd = json.loads(sys.stdin.readline())
if cmd:
    p = subprocess.run(cmd["argv"], cwd=cmd["cwd"], capture_output=True, text=True)
    out = {"rc": p.returncode, "stdout": p.stdout, "stderr": p.stderr[-4000:]}
    out["children_maxrss_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps(out), flush=True)
"""


def fresh_db(path: Path):
    """A new, migrated database with the school row."""
    conn = connect(path)
    migrate(conn)
    set_school(conn, uai=UAI, name="Lycée du banc d'essai")
    return conn


def import_once(conn, paths: list[Path]) -> tuple[dict, reconcile.Plan]:
    """Plan then apply `paths`; return the timings and what the plan said."""
    start = time.perf_counter()
    plan = reconcile.plan(conn, paths, today=TODAY, school_year=YEAR)
    planned = time.perf_counter()
    if not plan.applicable:
        raise RuntimeError(f"plan has errors: {[p.message for p in plan.errors[:5]]}")
    reconcile.apply(conn, plan, actor="bench", initial_passwords=False)
    applied = time.perf_counter()
    counts = {
        profile: {k: v for k, v in c.items() if v}
        for profile, c in plan.counts().items()
        if any(c.values())
    }
    return {
        "plan_s": round(planned - start, 3),
        "apply_s": round(applied - planned, 3),
        "total_s": round(applied - start, 3),
        "counts": counts,
        "warnings": len(plan.warnings),
        "has_changes": plan.has_changes,
    }, plan


def reference(paths: list[Path], n_rows: int, db_path: Path) -> dict:
    """Parse the files with defusedxml's ElementTree, then insert `n_rows` person rows with
    one executemany in one transaction into a freshly migrated database."""
    from defusedxml.ElementTree import fromstring

    start = time.perf_counter()
    for path in paths:
        root = fromstring(path.read_bytes())
        del root
    parsed = time.perf_counter()
    gc.collect()
    conn = connect(db_path)
    migrate(conn)
    stamp = now_iso()
    rows = (
        (f"prenom.nom{i}", "student", "Prénom", f"NOM{i}", "2010-01-01", stamp, stamp)
        for i in range(n_rows)
    )
    before = time.perf_counter()
    with transaction(conn):
        conn.executemany(
            "INSERT INTO person (login, profile, state, first_name, last_name, birth_date, "
            "created_at, updated_at) VALUES (?, ?, 'active', ?, ?, ?, ?, ?)",
            rows,
        )
    inserted = time.perf_counter()
    conn.close()
    return {
        "parse_s": round(parsed - start, 3),
        "insert_s": round(inserted - before, 3),
        "total_s": round((parsed - start) + (inserted - before), 3),
        "rows": n_rows,
    }


def _write(spec: dict, directory: Path) -> tuple[list[Path], dict]:
    school = school_files.generate(**spec, uai=UAI, year=YEAR)
    paths = school_files.write_school(school, directory)
    return paths, school.expected


def _sizes(paths: list[Path]) -> dict:
    return {p.name: round(p.stat().st_size / 1e6, 1) for p in paths}


def _accounts(conn) -> dict:
    return {
        profile: scalar(
            conn, "SELECT count(*) FROM person WHERE profile = ? AND state = 'active'", (profile,)
        )
        for profile in ("student", "relative", "teacher", "staff")
    }


def _expected_accounts(expected: dict) -> dict:
    return {p: expected[p] for p in ("student", "relative", "teacher", "staff")}


def lycee(tmp: Path) -> dict:
    paths, expected = _write(LYCEE, tmp / "lycee")
    n_accounts = sum(_expected_accounts(expected).values())
    ref = reference(paths, n_accounts, tmp / "reference-lycee.db")
    conn = fresh_db(tmp / "lycee.db")
    first, _ = import_once(conn, paths)
    accounts = _accounts(conn)
    before = snapshot.fingerprint(conn)
    second, plan2 = import_once(conn, paths)
    unchanged = snapshot.fingerprint(conn) == before and not plan2.has_changes
    conn.close()
    return {
        "accounts": _expected_accounts(expected),
        "files_mb": _sizes(paths),
        "in_files": {k: v for k, v in expected.items() if k not in accounts},
        "reference": ref,
        "first": first,
        "accounts_created": accounts,
        "accounts_as_expected": accounts == _expected_accounts(expected),
        "second": second,
        "second_changes_nothing": unchanged,
        "first_over_reference": round(first["total_s"] / ref["total_s"], 2),
        "second_over_reference": round(second["total_s"] / ref["total_s"], 2),
    }


def region(tmp: Path, launcher: subprocess.Popen) -> dict:
    directory = tmp / "region"
    paths, expected = _write(REGION, directory)
    gc.collect()
    argv = [sys.executable, "-m", "tests.bench.import_bench", "--child", str(directory)]
    start = time.perf_counter()
    out, _ = launcher.communicate(json.dumps({"argv": argv, "cwd": str(REPO)}) + "\n")
    wall = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = json.loads(out)
    if report["rc"] != 0:
        raise RuntimeError(f"regional import failed:\n{report['stderr']}")
    child = json.loads(report["stdout"].strip().splitlines()[-1])
    n_accounts = sum(_expected_accounts(expected).values())
    ref = reference(paths, n_accounts, tmp / "reference-region.db")
    return {
        "accounts": _expected_accounts(expected),
        "files_mb": _sizes(paths),
        "reference": ref,
        "import": child["import"],
        "accounts_created": child["accounts"],
        "accounts_as_expected": child["accounts"] == _expected_accounts(expected),
        "subprocess_wall_s": round(wall, 2),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "child_vmhwm_mb": child["vmhwm_mb"],
        "over_reference": round(child["import"]["total_s"] / ref["total_s"], 2),
    }


def child(directory: Path) -> None:
    """The regional import, alone in its process: print its figures as one JSON line."""
    paths = [
        directory / "ElevesSansAdresses.xml",
        directory / "ResponsablesAvecAdresses.xml",
        directory / f"sts_emp_{UAI}_{YEAR}.xml",
    ]
    conn = fresh_db(directory / "region.db")
    figures, plan = import_once(conn, paths)
    del plan
    accounts = _accounts(conn)
    conn.close()
    status = Path("/proc/self/status").read_text()
    hwm_kb = int(status.split("VmHWM:")[1].split()[0])
    print(
        json.dumps({"import": figures, "accounts": accounts, "vmhwm_mb": round(hwm_kb / 1024, 1)})
    )


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=("lycee", "region", "both"), default="both")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child)
        return {}
    launcher = None
    if args.scale in ("region", "both"):
        # Started first, while this process is small (see the module docstring).
        launcher = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
    result: dict = {"machine": machine(), "today": TODAY.isoformat()}
    targets: dict[str, bool] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="cartable-import-bench-") as tmp:
            tmp = Path(tmp)
            if args.scale in ("lycee", "both"):
                ly = result["lycee"] = lycee(tmp)
                targets["lycee_under_10s"] = ly["first"]["total_s"] < TARGET_LYCEE_S
                targets["lycee_second_import_changes_nothing"] = ly["second_changes_nothing"]
                targets["lycee_accounts_as_expected"] = ly["accounts_as_expected"]
            if launcher is not None:
                spawner, launcher = launcher, None
                rg = result["region"] = region(tmp, spawner)
                targets["region_under_5min"] = rg["import"]["total_s"] < TARGET_REGION_S
                targets["region_peak_under_500mb"] = rg["peak_rss_mb"] < TARGET_REGION_MB
                targets["region_accounts_as_expected"] = rg["accounts_as_expected"]
    finally:
        if launcher is not None:
            launcher.communicate("null\n")
    result["targets"] = targets
    save("import", result)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
