"""The format of `repositories.json`: its version and the chain that upgrades older files.

Each file says its `"version"`; a file without one is version 1 (the first format, which
already wrote it but never checked it). `UPGRADES[n]` turns a version-n payload into a
version n+1 one; reading runs the chain up to `REGISTRY_VERSION` and the registry writes
the result back (see `Registry`). A file newer than the code is refused, never rewritten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from backup.errors import N_, RegistryError

REGISTRY_VERSION = 1

Payload = dict[str, Any]

# version n -> the function that turns a version-n payload into version n+1.
UPGRADES: dict[int, Callable[[Payload], Payload]] = {}


def upgrade(
    data: Any,
    path: Path,
    *,
    chain: Mapping[int, Callable[[Payload], Payload]] = UPGRADES,
    current: int = REGISTRY_VERSION,
) -> tuple[Payload, bool]:
    """Bring the payload read from `path` to version `current` through `chain`.

    Given the parsed JSON; returns (payload at `current`, whether it changed, so must be
    written back). Raises RegistryError when it is not a registry, or is newer than the
    code.
    """
    if not isinstance(data, dict):
        raise RegistryError(
            N_("Le registre des dépôts %(path)s n'a pas la forme attendue (un objet JSON)."),
            path=path,
        )
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RegistryError(
            N_("Le registre des dépôts %(path)s porte une version invalide : %(version)s."),
            path=path,
            version=repr(version),
        )
    if version > current:
        raise RegistryError(
            N_(
                "Le registre des dépôts %(path)s est au format %(have)s, plus récent que ce "
                "logiciel (format %(code)s) : il a été écrit par une version plus récente de "
                "Cartable. Installez cette version (ou plus récente) ; ne le modifiez pas à "
                "la main."
            ),
            path=path,
            have=version,
            code=current,
        )
    changed = "version" not in data
    while version < current:
        data = chain[version](dict(data))
        version += 1
        data["version"] = version
        changed = True
    return {**data, "version": current}, changed
