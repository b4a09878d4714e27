"""An off-site repository through a real sshd on the loopback interface (`borg serve`
restricted to one folder): host key pinning, backup, restore, a changed host key and an
unreachable host (the local repository still gets its backup)."""

from __future__ import annotations

import subprocess

import pytest

from backup import jobs, restore, setup
from backup.errors import HostKeyError
from backup.sshkeys import HostKey, pin_host_key, verify_host_key
from tests.fixtures.backup.support import make_ctx


@pytest.fixture(scope="module")
def offsite(sshd, tmp_path_factory):
    """A server state with the sshd's host key pinned and an off-site repository."""
    root = tmp_path_factory.mktemp("client")
    ctx = make_ctx(root / "state", ssh_identity=sshd.client_key)
    url = sshd.url("cartable")
    keys = setup.host_keys(url)
    expected = subprocess.run(
        ["ssh-keygen", "-lf", f"{sshd.host_key}.pub"], capture_output=True, text=True
    ).stdout.split()[1]
    assert keys[0].fingerprint == expected  # what the technician compares
    setup.pin_host(ctx, url, keys[0])
    try:
        init = setup.init_repository(ctx, "hors-site", url)
    except Exception as exc:
        pytest.fail(f"{exc}\n--- journal de sshd ---\n{sshd.log_tail()}")
    return ctx, init, root


def test_unpinned_host_is_refused_before_connecting(sshd, tmp_path):
    ctx = make_ctx(tmp_path / "state", ssh_identity=sshd.client_key)
    with pytest.raises(HostKeyError, match="n'a pas été confirmée"):
        setup.init_repository(ctx, "hors-site", sshd.url("autre"))
    assert not (sshd.repo_root / "autre").exists()


def test_backup_and_drill_over_ssh(offsite, school, tmp_path):
    ctx, init, _root = offsite
    assert init.created and init.repository.kind == "ssh"
    assert init.repository.host_key["fingerprint"].startswith("SHA256:")
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.outcome == "ok", rec.message
    assert rec.nfiles >= 8
    (drill,) = restore.restore_drill(ctx, tmp_path / "exercice")
    assert drill.outcome == "ok", drill.message


def test_changed_host_key_is_a_clear_error_never_a_prompt(offsite, sshd, school, tmp_path):
    ctx, _init, _root = offsite
    impostor = tmp_path / "impostor"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(impostor)], check=True)
    good = HostKey("ssh-ed25519", sshd.host_pub)
    other = HostKey("ssh-ed25519", (tmp_path / "impostor.pub").read_text().split()[1])
    pin_host_key(ctx.known_hosts, "127.0.0.1", sshd.port, other)
    try:
        (rec,) = jobs.run_backup(ctx, school)
        assert rec.outcome == "error" and rec.alert
        assert "a changé" in rec.message and "Rien n'a été envoyé" in rec.message
        with pytest.raises(HostKeyError, match="a changé"):
            verify_host_key(ctx.known_hosts, "127.0.0.1", sshd.port)
    finally:
        pin_host_key(ctx.known_hosts, "127.0.0.1", sshd.port, good)
    assert verify_host_key(ctx.known_hosts, "127.0.0.1", sshd.port) == good


def test_unreachable_offsite_host_does_not_stop_the_local_backup(offsite, sshd, school):
    ctx, _init, root = offsite
    setup.init_repository(ctx, "local", str(root / "depot-local"))
    sshd.stop()
    try:
        recs = {r.label: r for r in jobs.run_backup(ctx, school)}
    finally:
        sshd.start()
    assert recs["local"].outcome == "ok", recs["local"].message
    assert recs["hors-site"].outcome == "error"
    assert "injoignable" in recs["hors-site"].message
