"""The worker's health jobs and the liveness probes, on a real box, a real metrics.db and
real HTTP servers on loopback."""

import http.server
import os
import threading
import time

import pytest

from appliance import config as config_mod
from appliance import scheduler
from appliance.errors import CartableError
from appliance.health import probes, schedule, wiring
from appliance.health.store import MetricStore
from tests.health_data import health_config, write_samples


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "cartable.toml"
    path.write_text(
        health_config(tmp_path)
        + 'sample_interval_seconds = 5\nwrite_batch_seconds = 10\ndigest_time = "06:45"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def http_server():
    """A loopback HTTP server answering `status` to every GET; yields (port, set_status)."""
    state = {"status": 200}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], lambda s: state.update(status=s)
    server.shutdown()
    server.server_close()


def test_jobs_are_registered_with_the_documented_intervals(box):
    specs = {s.id: s for s in schedule.jobs(box)}
    assert set(specs) == {"health.sample", "health.checks", "health.maintenance", "health.digest"}
    assert specs["health.sample"].trigger_args == {"seconds": 5}
    assert specs["health.checks"].trigger_args == {"seconds": 60}
    assert specs["health.maintenance"].trigger_args == {"seconds": 300}
    assert specs["health.digest"].trigger == "cron"
    assert specs["health.digest"].trigger_args == {"hour": 6, "minute": 45}
    # listing the jobs opens nothing: the monitor is built on the first tick
    assert not box.config.metrics_db_path.exists()
    ids = {s.id for s in scheduler.all_jobs(box)}
    assert {"housekeeping", "health.sample", "health.digest"} <= ids
    sched = scheduler.build(box, blocking=False)
    assert {"health.sample", "health.checks"} <= {j.id for j in sched.get_jobs()}


def test_ticks_sample_write_check_and_close(box):
    specs = {s.id: s for s in schedule.jobs(box)}
    specs["health.sample"].func(box)
    time.sleep(0.3)
    specs["health.sample"].func(box)
    specs["health.checks"].func(box)
    specs["health.maintenance"].func(box)  # flushes the buffer into metrics.db
    specs["health.digest"].func(box)  # no relay configured: nothing sent, no error
    store = MetricStore.open(box.config.metrics_db_path, readonly=True)
    try:
        assert store.read_raw("cpu.total_pct", 0, 2**40)
        # the web process now sees the worker alive through its samples
        seen = wiring.services(box.config, "web", store)
        assert seen[probes.SERVICE_WORKER] == {"alive": True, "detail": None}
    finally:
        store.close()


def test_the_worker_sees_itself_and_asks_the_portal(config_file, tmp_path, http_server):
    port, set_status = http_server
    config = config_mod.load(config_file, tmp_path / "data", env={}, overrides={"web.port": port})
    assert wiring.services(config, "worker") == {
        probes.SERVICE_WEB: {"alive": True, "detail": None},
        probes.SERVICE_WORKER: {"alive": True, "detail": None},
    }
    set_status(503)
    seen = wiring.services(config, "worker")[probes.SERVICE_WEB]
    assert seen["alive"] is False and "503" in seen["detail"]


def test_portal_probe_on_a_closed_port():
    from tests.health_data import free_port

    port = free_port()
    got = probes.portal_probe("0.0.0.0", port, timeout=1)  # noqa: S104 (dialled, not bound)
    assert got["alive"] is False and f":{port}" in got["detail"]


def test_worker_heartbeat_follows_the_newest_sample(tmp_path):
    path = tmp_path / "metrics.db"
    store = MetricStore.open(path)
    try:
        assert probes.worker_heartbeat(store.conn, max_age_seconds=300)["alive"] is False
        write_samples(path, count=2)
        assert probes.worker_heartbeat(store.conn, max_age_seconds=300)["alive"] is True
        later = time.time() + 3600
        old = probes.worker_heartbeat(store.conn, max_age_seconds=300, now=later)
        assert old["alive"] is False and "min" in old["detail"]
    finally:
        store.close()
    assert probes.heartbeat_limit(60) == 300 and probes.heartbeat_limit(600) == 1800


def test_a_box_without_repository_is_not_backed_up(box):
    assert schedule.last_backup_time(box) is None
    assert wiring.backups_monitored(box) is False  # no dead-man check on the age...
    results = wiring.diagnose(box, "web", None)
    backups = [r for r in results if r["category"] == "backups"]
    # ...but nothing is backed up: an error (issue #9), not « Rien n'est vérifié ici »
    assert [(r["key"], r["status"]) for r in backups] == [("backup.none", "error")]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the file to another user")
def test_root_may_not_write_into_the_services_metrics_db(box):
    path = box.config.metrics_db_path
    write_samples(path, count=1)
    os.chown(path, 4242, -1)
    with pytest.raises(CartableError, match="sudo -u 4242"):
        wiring.open_store(box.config, write=True)
    store = wiring.open_store(box.config)  # reading is fine
    assert store is not None
    store.close()
