"""The portal under waitress for `serving_costs.py`, with two routes added.

Run by `serving_costs.py` (not by hand): `python -m tests.bench.serving_app CONFIG DATA
PORT`. `/_bench/rows/plain` reads 100 rows row by row (`fetchall`), `/_bench/rows/one`
the same rows as one JSON text built by SQLite (`json_group_array`: one step); logging
and CPUs (`web.cpus`) as `cartable serve` sets them.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from waitress import create_server

from appliance import config as config_mod
from appliance.cli.run import _quiet_queue_warnings, pin_cpus
from appliance.core import open_box
from webui.app import create_app

ROWS = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) "
    "SELECT x AS id, 'élève ' || x AS name, x % 7 AS kind, '2026-12-0' || (x % 9 + 1) AS day "
    "FROM c ORDER BY x"
)
ONE_STEP = (
    "SELECT json_group_array(json_object('id', id, 'name', name, 'kind', kind, 'day', day)) "
    f"FROM ({ROWS})"
)


def main() -> None:
    cfg, data, port = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    settings = config_mod.load(cfg, data, env={})
    box = open_box(settings)
    pin_cpus(settings["web.cpus"])  # as `cartable serve`, before waitress's threads
    app = create_app(box)

    def plain():
        found = [dict(r) for r in box.conn().execute(ROWS).fetchall()]
        return {"items": found}

    def one():
        # The same rows as one JSON text built by SQLite: one step instead of one a row.
        (text,) = box.conn().execute(ONE_STEP).fetchone()
        return {"items": json.loads(text)}

    app.add_url_rule("/_bench/rows/plain", "bench_rows_plain", plain)
    app.add_url_rule("/_bench/rows/one", "bench_rows_one", one)
    logging.basicConfig(level=logging.INFO)  # as `cartable serve`
    _quiet_queue_warnings()
    server = create_server(app, host="127.0.0.1", port=port, threads=settings["web.threads"],
                           connection_limit=settings["web.connection_limit"])  # fmt: skip
    server.run()


if __name__ == "__main__":
    main()
