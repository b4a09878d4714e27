"""SSH for off-site repositories: URLs, host key scan, fingerprints and pinning, identity.

The technician compares the fingerprint shown by `scan_host_keys` with the one the
hosting provider gives, then `pin_host_key` writes it to the runner's known_hosts file.
Borg's ssh runs with StrictHostKeyChecking=yes on that file only: an unknown or changed
key is a clear error (see `runner`), never a prompt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from backup.errors import N_, BackupError, HostKeyError
from backup.fsutil import atomic_write

KEY_TYPES = ("ed25519", "ecdsa", "rsa")
_PREFERENCE = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "rsa-sha2-512")


@dataclass(frozen=True)
class HostKey:
    """One SSH host public key: type (« ssh-ed25519 »), base64 blob, SHA256 fingerprint."""

    key_type: str
    key: str

    @property
    def fingerprint(self) -> str:
        """OpenSSH's « SHA256:… » form, as `ssh-keygen -l` prints it."""
        digest = hashlib.sha256(base64.b64decode(self.key)).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")

    def known_hosts_line(self, host: str, port: int = 22) -> str:
        return f"{host_pattern(host, port)} {self.key_type} {self.key}"

    def to_dict(self) -> dict:
        return {"key_type": self.key_type, "key": self.key, "fingerprint": self.fingerprint}


def host_pattern(host: str, port: int = 22) -> str:
    """How known_hosts names a host: « host », or « [host]:port » for another port."""
    return host if int(port) == 22 else f"[{host}]:{int(port)}"


def _parse_key_line(line: str) -> tuple[str, HostKey] | None:
    parts = line.split()
    if len(parts) < 3 or line.lstrip().startswith("#"):
        return None
    try:
        base64.b64decode(parts[2], validate=True)
    except (binascii.Error, ValueError):
        return None
    return parts[0], HostKey(parts[1], parts[2])


def scan_host_keys(host: str, port: int = 22, *, timeout: int = 10) -> list[HostKey]:
    """Ask `host:port` for its public host keys (ssh-keyscan), preferred type first.

    Returns the keys to show as fingerprints. Raises HostKeyError when the host does not
    answer or ssh-keyscan is missing.
    """
    cmd = ["ssh-keyscan", "-T", str(int(timeout)), "-p", str(int(port))]
    cmd += ["-t", ",".join(KEY_TYPES), host]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 15)
    except FileNotFoundError as exc:
        raise HostKeyError(N_("ssh-keyscan est introuvable : installez openssh-client.")) from exc
    except subprocess.TimeoutExpired as exc:
        raise HostKeyError(
            N_("Le serveur %(host)s:%(port)s ne répond pas (délai dépassé)."), host=host, port=port
        ) from exc
    keys = [p[1] for line in proc.stdout.splitlines() if (p := _parse_key_line(line))]
    if not keys:
        raise HostKeyError(
            N_(
                "Le serveur %(host)s:%(port)s n'a présenté aucune clé SSH (injoignable, "
                "ou ce n'est pas un serveur SSH). Vérifiez l'adresse et le port."
            ),
            host=host,
            port=port,
        )
    order = {t: i for i, t in enumerate(_PREFERENCE)}
    return sorted(set(keys), key=lambda k: (order.get(k.key_type, 99), k.key_type))


def pinned_host_keys(known_hosts: Path, host: str, port: int = 22) -> list[HostKey]:
    """The keys pinned for `host:port` in `known_hosts` (empty when none)."""
    try:
        text = Path(known_hosts).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    wanted = host_pattern(host, port)
    out = []
    for line in text.splitlines():
        parsed = _parse_key_line(line)
        if parsed and wanted in parsed[0].split(","):
            out.append(parsed[1])
    return out


def pin_host_key(known_hosts: Path, host: str, port: int, key: HostKey) -> Path:
    """Pin `key` as the only accepted key of `host:port` (replacing an older pin).

    Returns the known_hosts path (written atomically, mode 0600).
    """
    known_hosts = Path(known_hosts)
    known_hosts.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    wanted = host_pattern(host, port)
    try:
        lines = known_hosts.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    kept = [ln for ln in lines if not ((p := _parse_key_line(ln)) and wanted in p[0].split(","))]
    kept.append(key.known_hosts_line(host, port))
    atomic_write(known_hosts, ("\n".join(kept) + "\n").encode(), mode=0o600)
    return known_hosts


def verify_host_key(known_hosts: Path, host: str, port: int = 22, *, timeout: int = 10) -> HostKey:
    """Check that `host:port` still presents its pinned key; returns that key.

    Raises HostKeyError when nothing is pinned, or when the server's key changed.
    """
    pinned = pinned_host_keys(known_hosts, host, port)
    if not pinned:
        raise HostKeyError(
            N_(
                "Aucune clé SSH n'est confirmée pour %(host)s. Affichez son "
                "empreinte et confirmez-la avant la première sauvegarde."
            ),
            host=host_pattern(host, port),
        )
    current = scan_host_keys(host, port, timeout=timeout)
    for key in pinned:
        if key in current:
            return key
    shown = ", ".join(k.fingerprint for k in current)
    raise HostKeyError(
        N_(
            "La clé SSH de %(host)s a changé : confirmée "
            "%(fingerprint)s, présentée maintenant %(shown)s. Ce peut être une "
            "réinstallation du serveur ou quelqu'un qui se fait passer pour lui : vérifiez auprès "
            "de l'hébergeur avant de confirmer la nouvelle clé."
        ),
        host=host_pattern(host, port),
        fingerprint=pinned[0].fingerprint,
        shown=shown,
    )


def generate_identity(path: Path, comment: str = "cartable-backup") -> str:
    """Create an ed25519 key pair at `path` (unless present); returns the public key line.

    Raises BackupError when ssh-keygen fails or is missing.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        cmd = ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            raise BackupError(
                N_("Impossible de créer la clé SSH %(path)s : %(exc)s"), path=path, exc=exc
            ) from exc
        os.chmod(path, 0o600)
    return Path(str(path) + ".pub").read_text().strip()


def authorized_keys_line(
    public_key: str, repo_path: str, *, borg_path: str = "borg", append_only: bool = False
) -> str:
    """The line to put in the backup account's authorized_keys on the off-site server.

    It lets this key run only `borg serve`, restricted to `repo_path`.
    """
    serve = f"{borg_path} serve --restrict-to-path {repo_path}"
    if append_only:
        serve += " --append-only"
    return f'command="{serve}",restrict {public_key.strip()}'
