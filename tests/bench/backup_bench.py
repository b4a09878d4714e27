"""Backup benchmark (issue 4): Cartable's nightly backup and full restore against bare borg
on the same data, measured in the same run on the same machine.

Not a pytest test. Run: `.venv/bin/python -m tests.bench.backup_bench [--gb 1.5]`

- A generated school: a lycée's directory imported through the real importer (3,000
  students, 5,500 guardians, 250 staff; `tests.bench.school_files`), a year of audit log
  (logins), a metrics database, and `--gb` GB of files in people's and classes' folders
  (about half incompressible photos and PDFs, half documents; every file distinct).
- Nightly backup: `appliance.backups.run` (consistent SQLite snapshot, manifest with a
  SHA-256 per file, borg create, prune, compact when due, history, audit) into a fresh
  repository, against a bare `borg create` of the same data folder into another fresh
  repository (same encryption repokey-blake2 and compression). Measured for the first
  (full) backup (checksum cache emptied: every file hashed) and for a second one after a
  night's changes (1 % of files changed, new files, new rows). Target: ours ≤ 1.2 × bare.
- Full restore: `appliance.backups.restore.disaster_restore` (extract, integrity, row counts,
  every file's checksum, putting in place) into an empty data folder, against a bare
  `borg extract` of the latest archive of the bare repository (same data). Target: ours
  ≤ 1.2 × bare.
- Fairness: `--rounds` (3) rounds, each with fresh repositories; the side that goes first
  alternates; dirty pages are written back (`sync`) before each timed side; the data is
  in the page cache for both. The round with the median ratio is reported (with its
  breakdown), and every round's ratio.

Results go to tests/bench/results/backup.json (see `run_all.py` for docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import sqlite3
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path

from appliance import backups
from appliance import config as config_mod
from appliance.backups import restore as backup_restore
from appliance.core import create_box
from appliance.directory import reconcile
from appliance.school import set_school
from appliance.security.audit import SYSTEM
from tests.bench import school_files
from tests.bench.common import machine, save

TARGET = 1.2
LYCEE = {"n_students": 3000, "n_guardians": 5500, "n_staff": 250}
WORDS = " ".join(
    [
        "le la les un une des élève classe devoir cours mathématiques français histoire",
        "géographie physique chimie exercice rédaction correction leçon chapitre page",
        "question réponse problème solution évaluation trimestre conseil professeur",
        "cahier texte lecture analyse document sortie projet volcan énergie fraction",
    ]
).split()
PASSPHRASE = "banc-essai-sauvegarde-2026"  # bench only: a throw-away repository


def _corpus(size: int, rng: random.Random) -> bytes:
    """About `size` bytes of French-looking text (compressible like real documents)."""
    line_words = [" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(4000)]
    text = "\n".join(rng.choice(line_words) for _ in range(size // 80))
    return text.encode("utf-8")


def make_files(files_dir: Path, person_ids: list[int], total_bytes: int, seed: int = 7) -> dict:
    """Write about `total_bytes` of distinct files; returns counts and sizes."""
    rng = random.Random(seed)
    corpus = _corpus(32 * 1024 * 1024, rng)
    written = n = 0
    while written < total_bytes:
        if rng.random() < 0.8:
            folder = files_dir / "people" / str(rng.choice(person_ids))
        else:
            folder = files_dir / "classes" / f"classe-{rng.randint(1, 90)}"
        folder.mkdir(parents=True, exist_ok=True)
        if rng.random() < 0.5:  # photos, scans, PDFs: incompressible
            size = int(rng.lognormvariate(13.0, 0.9))  # median ~440 KB
            data = os.urandom(min(size, 12 * 1024 * 1024))
            name = f"photo-{n}.jpg"
        else:  # documents: text from anywhere in the corpus, different for each file
            size = min(int(rng.lognormvariate(11.0, 1.2)), 4 * 1024 * 1024)  # median ~60 KB
            start = rng.randrange(0, len(corpus) - size - 1)
            data = f"Document {n} — {rng.random()}\n".encode() + corpus[start : start + size]
            name = f"document-{n}.odt"
        (folder / name).write_bytes(data)
        written += len(data)
        n += 1
    return {"files": n, "bytes": written}


def make_school(root: Path, gb: float) -> tuple:
    """A box with a real directory, audit log, metrics database and `gb` GB of files."""
    root.mkdir(parents=True)
    cfg = root / "cartable.toml"
    cfg.write_text("[backup]\nfree_space_margin_mb = 64\n")
    box = create_box(config_mod.load(cfg, root / "data", env={}))
    conn = box.conn()
    set_school(conn, uai="0679999X", name="Lycée du banc d'essai")
    school = school_files.generate(**LYCEE, uai="0679999X", year=2026)
    paths = school_files.write_school(school, root / "exports")
    plan = reconcile.plan(conn, paths, today=date(2026, 10, 1), school_year=2026)
    reconcile.apply(conn, plan, actor="bench", initial_passwords=False)
    ids = [r[0] for r in conn.execute("SELECT id FROM person")]
    rng = random.Random(3)
    rows = []
    for i in range(300_000):
        pid = rng.choice(ids)
        at = f"2026-0{rng.randint(1, 9)}-{rng.randint(1, 28):02d}T08:{i % 60:02d}:00+00:00"
        ip = f"10.0.{rng.randint(0, 40)}.{rng.randint(1, 250)}"
        rows.append((at, pid, f"login{pid}", ip, "login", f"person:{pid}", "ok", None))
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO audit_log (at, actor_id, actor_login, ip, action, target, outcome, details)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")
    metrics = sqlite3.connect(box.config.metrics_db_path)
    metrics.execute("CREATE TABLE point (series INTEGER, t INTEGER, value REAL)")
    metrics.executemany(
        "INSERT INTO point VALUES (?, ?, ?)",
        ((s, t, rng.random()) for s in range(60) for t in range(0, 17280 * 10, 10)),
    )
    metrics.commit()
    metrics.close()
    files = make_files(box.config.files_dir, ids, int(gb * 1e9))
    return box, files, len(ids)


def night_changes(box, seed: int = 11) -> None:
    """What a school day changes: 1 % of the files rewritten, new files, new rows."""
    rng = random.Random(seed)
    all_files = sorted(p for p in box.config.files_dir.rglob("*") if p.is_file())
    for path in rng.sample(all_files, max(1, len(all_files) // 100)):
        with path.open("r+b") as fh:
            fh.seek(rng.randrange(0, max(1, path.stat().st_size)))
            fh.write(os.urandom(4096))
    new_dir = box.config.files_dir / "classes" / "nouveaux"
    new_dir.mkdir(parents=True, exist_ok=True)
    for i in range(40):
        (new_dir / f"rendu-{i}.pdf").write_bytes(os.urandom(500_000))
    conn = box.conn()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO audit_log (at, actor_login, action, outcome) VALUES (?, ?, 'login', 'ok')",
        [("2026-10-02T08:00:00+00:00", f"eleve{i}") for i in range(3000)],
    )
    conn.execute("COMMIT")


def _bare_env(base: Path) -> dict:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "BORG_PASSPHRASE": PASSPHRASE,
        "BORG_BASE_DIR": str(base),
        "BORG_EXIT_CODES": "modern",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }


def _timed(cmd: list[str], env: dict, cwd: Path | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, capture_output=True)
    return round(time.perf_counter() - t0, 2)


class BorgTimes(logging.Handler):
    """Collects « borg SUBCOMMAND : code N en X s » from the runner's log: seconds per
    borg subcommand, to show where the time of a Cartable run goes."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.times: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("borg %s : code") and record.args:
            cmd, _code, seconds = record.args
            self.times[cmd] = round(self.times.get(cmd, 0.0) + float(seconds), 2)


def _timed_call(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return round(time.perf_counter() - t0, 2), out


def bare_create(borg: str, repo: Path, data: Path, name: str, env: dict, compression: str):
    items = [p.name for p in sorted(data.iterdir()) if p.name in ("cartable.db", "metrics.db")]
    cmd = [borg, "create", "--compression", compression, f"{repo}::{name}", *items, "files"]
    return _timed(cmd, env, cwd=data)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gb", type=float, default=1.5, help="GB of files (default 1.5)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--workdir", help="Folder for the temporary data (default: /tmp)")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="cartable-bench-backup-", dir=args.workdir))
    try:
        return _run(tmp, args.gb, max(1, args.rounds))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _settle() -> None:
    """Before each timed side: write back dirty pages (generated files, the previous
    side's repository or extraction), so neither side pays for the other's writes."""
    os.sync()


def _sides(round_no: int) -> tuple[str, str]:
    """Which side goes first alternates from one round to the next."""
    return ("bare", "ours") if round_no % 2 == 0 else ("ours", "bare")


def _median_round(rounds: list[dict]) -> dict:
    """The round whose ratio is the median (its breakdown is shown), with every ratio."""
    ordered = sorted(rounds, key=lambda r: r["ratio"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["ratios_of_rounds"] = [r["ratio"] for r in rounds]
    return chosen


def _bare_night(borg, bare_repo, data_dir, name, env, compression, keep) -> dict:
    bare_s = bare_create(borg, bare_repo, data_dir, name, env, compression)
    prune = [borg, "prune", f"--keep-daily={keep.keep_daily}",
             f"--keep-weekly={keep.keep_weekly}", f"--keep-monthly={keep.keep_monthly}",
             str(bare_repo)]  # fmt: skip
    prune_s = _timed(prune, env)  # not timed against ours: shown for reference
    compact_s = _timed([borg, "compact", str(bare_repo)], env)
    return {"create_s": bare_s, "create_prune_compact_s": round(bare_s + prune_s + compact_s, 2)}


def _our_night(box, label: str) -> dict:
    times, borg_log = BorgTimes(), logging.getLogger("cartable.backup.borg")
    borg_log.addHandler(times)
    level = borg_log.level
    borg_log.setLevel(logging.INFO)
    try:
        ours_s, records = _timed_call(backups.run, box, SYSTEM, [label])
    finally:
        borg_log.removeHandler(times)
        borg_log.setLevel(level)
    (rec,) = records
    if rec.outcome != "ok":
        raise RuntimeError(rec.message)
    return {"run_s": ours_s, "times": times.times, "rec": rec}


def _run(tmp: Path, gb: float, rounds: int) -> dict:
    t0 = time.perf_counter()
    box, files, people = make_school(tmp / "ecole", gb)
    generated_s = round(time.perf_counter() - t0, 1)
    config = box.config
    ctx = backups.backup_context(config)
    borg, compression = ctx.borg_bin, config["backup.compression"]
    env = _bare_env(tmp / "bare-borg")
    keep = backups.retention(config)

    result: dict = {"gb": gb, "files": files, "people": people, "generated_s": generated_s}
    result["rounds"] = rounds
    result["databases_mb"] = {
        p.name: round(p.stat().st_size / 1e6, 1) for p in (config.db_path, config.metrics_db_path)
    }
    per_round: dict[str, list[dict]] = {"full": [], "incremental": [], "restore": []}
    for k in range(rounds):
        label, bare_repo, our_repo = f"banc{k}", tmp / f"depot-nu-{k}", tmp / f"depot-cartable-{k}"
        subprocess.run([borg, "init", "--encryption", "repokey-blake2", str(bare_repo)],
                       env=env, check=True, capture_output=True)  # fmt: skip
        backups.init(box, SYSTEM, label, str(our_repo))
        ctx.checksum_cache.unlink(missing_ok=True)  # a first backup hashes every file
        for night in ("full", "incremental"):
            if night == "incremental":
                night_changes(box, seed=11 + k)
            out = {}
            for side in _sides(k):
                _settle()
                if side == "bare":
                    out["bare"] = _bare_night(
                        borg, bare_repo, config.data_dir, f"nu-{night}", env, compression, keep
                    )
                else:
                    out["ours"] = _our_night(box, label)
            bare, ours, rec = out["bare"], out["ours"], out["ours"]["rec"]
            latest = backups.list_archives(box, label)[0]
            per_round[night].append(
                {
                    "bare_borg_create_s": bare["create_s"],
                    "cartable_run_s": ours["run_s"],
                    "cartable_borg_create_s": round(latest.duration or 0, 2),
                    "cartable_borg_commands_s": ours["times"],
                    "cartable_outside_borg_s": round(
                        ours["run_s"] - sum(ours["times"].values()), 2
                    ),
                    "ratio": round(ours["run_s"] / bare["create_s"], 2),
                    "bare_create_prune_compact_s": bare["create_prune_compact_s"],
                    "ratio_to_bare_create_prune_compact": round(
                        ours["run_s"] / bare["create_prune_compact_s"], 2
                    ),
                    "pruned": rec.pruned,
                    "compacted": bool(rec.compacted),
                    "original_mb": round((rec.original_size or 0) / 1e6, 1),
                    "deduplicated_mb": round((rec.deduplicated_size or 0) / 1e6, 1),
                }
            )
        per_round["restore"].append(_restores(tmp, k, borg, env, bare_repo, our_repo, ctx, label))
        shutil.rmtree(bare_repo, ignore_errors=True)
        shutil.rmtree(our_repo, ignore_errors=True)

    result["backup_full"] = _median_round(per_round["full"])
    result["backup_incremental"] = _median_round(per_round["incremental"])
    result["restore"] = _median_round(per_round["restore"])
    result["every_round"] = per_round
    result["targets"] = {
        f"backup_full_within_{TARGET}x": result["backup_full"]["ratio"] <= TARGET,
        f"backup_incremental_within_{TARGET}x": result["backup_incremental"]["ratio"] <= TARGET,
        f"restore_within_{TARGET}x": result["restore"]["ratio"] <= TARGET,
    }
    result["machine"] = machine()
    result["borg"] = subprocess.run([borg, "--version"], capture_output=True, text=True).stdout
    result["command"] = f".venv/bin/python -m tests.bench.backup_bench --gb {gb}" + (
        f" --rounds {rounds}" if rounds != 3 else ""
    )
    save("backup", result)
    print(_summary(result), flush=True)
    return result


def _restores(tmp, k, borg, env, bare_repo, our_repo, ctx, label) -> dict:
    """Bare `borg extract` of the bare repository's latest archive against Cartable's
    full restore of its own latest archive (same data), in alternating order."""
    phrase = tmp / "phrase.txt"
    shutil.copy(ctx.passphrase_path(label), phrase)
    extract_dir, new_dir = tmp / f"extraction-nue-{k}", tmp / f"nouveau-serveur-{k}"
    new_cfg = tmp / "nouveau.toml"
    new_cfg.write_text("[backup]\nfree_space_margin_mb = 64\n")
    out = {}
    for side in _sides(k):
        _settle()
        if side == "bare":
            extract_dir.mkdir()
            out["bare"] = _timed(
                [borg, "extract", f"{bare_repo}::nu-incremental"], env, extract_dir
            )
        else:
            new_config = config_mod.load(new_cfg, new_dir, env={})
            out["ours"], report = _timed_call(
                backup_restore.disaster_restore, new_config, SYSTEM, str(our_repo), "latest",
                phrase,
            )  # fmt: skip
            if not report.ok:
                raise RuntimeError(report.text())
            out["steps"] = {s.name: s.seconds for s in report.steps}
    shutil.rmtree(extract_dir, ignore_errors=True)
    shutil.rmtree(new_dir, ignore_errors=True)
    return {
        "bare_borg_extract_s": out["bare"],
        "cartable_restore_s": out["ours"],
        "ratio": round(out["ours"] / out["bare"], 2),
        "steps_s": out["steps"],
    }


def _summary(r: dict) -> str:
    lines = [f"{r['gb']} GB, {r['files']['files']} files, {r['people']} people"]
    for night in ("full", "incremental"):
        b = r[f"backup_{night}"]
        lines.append(
            f"backup {night}: cartable {b['cartable_run_s']} s vs bare borg create "
            f"{b['bare_borg_create_s']} s = {b['ratio']}× (bare create+prune+compact "
            f"{b['bare_create_prune_compact_s']} s = {b['ratio_to_bare_create_prune_compact']}×)"
            f"; borg {b['cartable_borg_commands_s']}, outside borg "
            f"{b['cartable_outside_borg_s']} s; rounds {b['ratios_of_rounds']}"
        )
    x = r["restore"]
    lines.append(
        f"restore: cartable {x['cartable_restore_s']} s vs bare borg extract "
        f"{x['bare_borg_extract_s']} s = {x['ratio']}×; steps {x['steps_s']}; "
        f"rounds {x['ratios_of_rounds']}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
