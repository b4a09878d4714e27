"""Host key fingerprints (as ssh-keygen prints them) and pinning in known_hosts."""

import stat
import subprocess

import pytest

from backup.sshkeys import (
    HostKey,
    authorized_keys_line,
    host_pattern,
    pin_host_key,
    pinned_host_keys,
)
from tests.fixtures.tools import require_program


@pytest.fixture
def key(tmp_path) -> HostKey:
    require_program("ssh-keygen", "openssh-client")
    path = tmp_path / "k"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    kind, blob = (tmp_path / "k.pub").read_text().split()[:2]
    return HostKey(kind, blob)


def test_fingerprint_is_the_one_ssh_keygen_shows(key, tmp_path):
    out = subprocess.run(
        ["ssh-keygen", "-lf", str(tmp_path / "k.pub")], capture_output=True, text=True
    ).stdout
    assert key.fingerprint == out.split()[1]


def test_pin_replaces_the_previous_key_of_that_host_only(key, tmp_path):
    kh = tmp_path / "ssh" / "known_hosts"
    other = HostKey("ssh-ed25519", key.key[:-4] + "AAAA")
    pin_host_key(kh, "backup.example.org", 2222, other)
    pin_host_key(kh, "autre.example.org", 22, other)
    pin_host_key(kh, "backup.example.org", 2222, key)
    assert pinned_host_keys(kh, "backup.example.org", 2222) == [key]
    assert pinned_host_keys(kh, "autre.example.org") == [other]
    assert pinned_host_keys(kh, "backup.example.org") == []  # port 22 is another entry
    assert stat.S_IMODE(kh.stat().st_mode) == 0o600
    assert host_pattern("h", 22) == "h" and host_pattern("h", 2222) == "[h]:2222"


def test_authorized_keys_line_restricts_to_borg_serve():
    line = authorized_keys_line("ssh-ed25519 AAAA c", "/srv/depots", append_only=True)
    assert line == (
        'command="borg serve --restrict-to-path /srv/depots --append-only",restrict '
        "ssh-ed25519 AAAA c"
    )
