"""Configuration: built-in defaults, then the TOML file, then CARTABLE_* environment variables.

One schema (`schema()`, gathered from the config-key modules that each feature of the
manifest `appliance/features.py` names) gives every key its type, default, description and
example. The example config and the docs are generated from it; unknown or ill-typed keys
are errors that name the key.

Keys are dotted (`web.port`); in the file they are tables (`[web]` then `port = 8080`); in
the environment they are upper case with dots turned into underscores (`CARTABLE_WEB_PORT`).
`CARTABLE_CONFIG` and `CARTABLE_DATA_DIR` are the two variables that are not keys of the
schema: they say where the file and the data are.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from appliance import features, timefmt
from appliance.errors import ConfigError
from appliance.i18n import N_

DEFAULT_CONFIG_FILE = Path("/etc/cartable/cartable.toml")
DEFAULT_DATA_DIR = Path("/var/lib/cartable")
ENV_PREFIX = "CARTABLE_"
SPECIAL_ENV = {"CARTABLE_CONFIG", "CARTABLE_DATA_DIR"}


@dataclass(frozen=True)
class Key:
    """One configuration key: dotted name, type, default, plain-words description, example.

    `type` is one of str, int, float, bool, list (of str). `choices` restricts the values;
    `minimum`/`maximum` bound numbers; `secret` keys are masked when shown; `check` is
    given the value and raises ValueError (a French phrase) when it is not acceptable.
    """

    name: str
    type: type
    default: Any
    description: str
    example: Any
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    secret: bool = False
    check: Callable[[Any], None] | None = None

    @property
    def env_name(self) -> str:
        return ENV_PREFIX + self.name.replace(".", "_").upper()


_CPU_LIST = re.compile(r"^[0-9]{1,4}(,[0-9]{1,4})*$")


def _check_cpus(value: str) -> None:
    """`web.cpus`: "auto", "all" or CPU numbers separated by commas."""
    if value not in ("auto", "all") and not _CPU_LIST.match(value):
        raise ValueError(f"« {value} » : attendu auto, all ou des numéros de cœurs (ex. 1 ou 2,3)")


@dataclass(frozen=True)
class Config:
    """The validated, frozen configuration; `values` maps dotted keys to values."""

    values: Mapping[str, Any]
    data_dir: Path
    file: Path | None
    sources: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "cartable.db"

    @property
    def metrics_db_path(self) -> Path:
        return self.data_dir / "metrics.db"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    def public_items(self) -> list[tuple[Key, Any, str]]:
        """(key, shown value, source) for every key, secrets masked, for display."""
        out = []
        for key in schema():
            value = self.values[key.name]
            shown = "••••••" if key.secret and value else value
            out.append((key, shown, self.sources.get(key.name, "défaut")))
        return out


T = TypeVar("T")
_DERIVED: dict[tuple[int, Callable], tuple[Config, Any]] = {}


def derived(config: Config, make: Callable[[Config], T]) -> T:
    """`make(config)`, worked out once per Config: a frozen configuration gives the same
    settings every time (a service's settings object, read on every request)."""
    key = (id(config), make)
    held = _DERIVED.get(key)
    if held is None or held[0] is not config:
        if len(_DERIVED) >= 256:
            _DERIVED.clear()
        held = _DERIVED[key] = (config, make(config))
    return held[1]


def core_keys() -> list[Key]:
    """The keys of the box itself: web server, school, sessions and logins, log."""
    return [
        Key(
            "web.host",
            str,
            "127.0.0.1",
            "Adresse sur laquelle le portail écoute. Derrière le proxy inverse, laissez 127.0.0.1.",
            "127.0.0.1",
        ),
        Key("web.port", int, 8080, "Port TCP du portail.", 8080, minimum=1, maximum=65535),
        Key(
            "web.threads",
            int,
            8,
            "Nombre de fils d'exécution de waitress qui traitent les requêtes en parallèle.",
            8,
            minimum=1,
            maximum=64,
        ),
        Key(
            "web.cpus",
            str,
            "auto",
            "Cœurs du processeur où tourne le portail : « auto » (un seul, le dernier, quand "
            "la machine en a plusieurs : Python n'exécute qu'un fil à la fois, et des fils "
            "répartis sur plusieurs cœurs se passent la main à grand coût ; les autres cœurs "
            "restent aux tâches planifiées, aux sauvegardes et au proxy), « all » (tous) ou "
            "des numéros (« 1 », « 2,3 »).",
            "auto",
            check=_check_cpus,
        ),
        Key(
            "web.connection_limit",
            int,
            400,
            "Connexions simultanées acceptées par waitress "
            "avant de mettre les suivantes en attente.",
            400,
            minimum=10,
            maximum=10000,
        ),
        Key(
            "web.public_url",
            str,
            "",
            "Adresse du portail telle que les usagers la tapent "
            "(imprimée sur les fiches de connexion). Vide : déduite de la requête.",
            "https://ent.college-exemple.fr",
        ),
        Key(
            "web.trusted_proxy",
            str,
            "",
            "Adresse du proxy inverse dont on croit l'en-tête X-Forwarded-For (vide : aucun).",
            "127.0.0.1",
        ),
        Key(
            "web.secure_cookies",
            str,
            "auto",
            "Cookies « Secure » : auto (seulement quand la "
            "requête arrive en HTTPS), always ou never.",
            "auto",
            choices=("auto", "always", "never"),
        ),
        Key(
            "web.default_locale",
            str,
            "fr",
            "Langue par défaut du portail.",
            "fr",
            choices=("fr", "en"),
        ),
        Key(
            "school.timezone",
            str,
            timefmt.DEFAULT_ZONE,
            "Fuseau horaire de l'établissement (nom IANA) : les dates et heures montrées "
            "aux personnes (pages, commandes, fiches, courriels) y sont exprimées.",
            "Indian/Reunion",
            check=timefmt.check_zone,
        ),
        Key(
            "security.session_idle_minutes",
            int,
            30,
            "Une session sans activité pendant ce nombre de minutes se ferme.",
            30,
            minimum=1,
            maximum=720,
        ),
        Key(
            "security.session_absolute_hours",
            int,
            12,
            "Une session se ferme au plus tard après ce nombre d'heures, même active.",
            12,
            minimum=1,
            maximum=72,
        ),
        Key(
            "security.throttle_free_failures",
            int,
            5,
            "Échecs de connexion consécutifs "
            "tolérés sur un compte avant d'imposer un délai croissant.",
            5,
            minimum=1,
            maximum=20,
        ),
        Key(
            "security.throttle_max_delay_seconds",
            int,
            900,
            "Délai maximal (secondes) imposé "
            "entre deux essais sur un compte après des échecs répétés.",
            900,
            minimum=60,
            maximum=3600,
        ),
        Key(
            "security.ip_failures_per_window",
            int,
            100,
            "Échecs de connexion tolérés depuis "
            "une même adresse IP par fenêtre, avant délai (une salle derrière un NAT partage "
            "une adresse).",
            100,
            minimum=5,
            maximum=100000,
        ),
        Key(
            "security.ip_window_minutes",
            int,
            10,
            "Durée de la fenêtre de comptage des échecs par adresse IP.",
            10,
            minimum=1,
            maximum=1440,
        ),
        Key(
            "security.admin_totp_required",
            bool,
            True,
            "Exiger la double authentification "
            "(TOTP) pour les comptes administrateur après leur première connexion.",
            True,
        ),
        Key(
            "security.totp_issuer",
            str,
            "Cartable",
            "Nom affiché dans l'application d'authentification.",
            "ENT Collège Exemple",
        ),
        Key(
            "log.level",
            str,
            "INFO",
            "Niveau de détail du journal.",
            "INFO",
            choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        ),
    ]


def schema(feature_list: Iterable[features.Feature] | None = None) -> list[Key]:
    """Every key of the configuration, each feature's in manifest order (default: every
    feature of `appliance.features.FEATURES`). A feature's module that does not import
    raises; a key declared twice raises ValueError."""
    keys: list[Key] = []
    for feature in features.FEATURES if feature_list is None else feature_list:
        for ref in feature.config_keys:
            keys.extend(_feature_keys(ref))
    seen: set[str] = set()
    for key in keys:
        if key.name in seen:
            raise ValueError(f"configuration key {key.name} is declared twice")
        seen.add(key.name)
    return keys


def _feature_keys(ref: str) -> list[Key]:
    """The keys behind one manifest reference: "module" (its KEYS and KEY_SPECS) or
    "module:function" (the function returns a list of keys) or "module:LIST"."""
    found = features.resolve(ref)
    if callable(found):
        return list(found())
    if isinstance(found, list | tuple):
        return list(found)
    keys = list(getattr(found, "KEYS", ()))
    for spec in getattr(found, "KEY_SPECS", ()):
        # backup/ may not import appliance: it describes its keys as plain dicts.
        spec = dict(spec)
        if "choices" in spec:
            spec["choices"] = tuple(spec["choices"])
        keys.append(Key(**spec))
    return keys


def _schema_by_name() -> dict[str, Key]:
    return {k.name: k for k in schema()}


def _coerce(key: Key, value: Any, origin: str) -> Any:
    """Check and convert a value for `key`; raise ConfigError naming the key and origin."""
    where = f"{origin}: la clé « {key.name} »"
    if isinstance(value, str) and origin.startswith("variable"):
        value = _parse_env_value(key, value, where)
    if key.type is bool:
        if not isinstance(value, bool):
            raise ConfigError(
                N_("%(where)s doit valoir true ou false (reçu %(value)s)."),
                where=where,
                value=repr(value),
            )
    elif key.type is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(
                N_("%(where)s doit être un nombre entier (reçu %(value)s)."),
                where=where,
                value=repr(value),
            )
    elif key.type is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(
                N_("%(where)s doit être un nombre (reçu %(value)s)."),
                where=where,
                value=repr(value),
            )
        value = float(value)
    elif key.type is str:
        if not isinstance(value, str):
            raise ConfigError(
                N_("%(where)s doit être un texte entre guillemets (reçu %(value)s)."),
                where=where,
                value=repr(value),
            )
    elif key.type is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(
                N_("%(where)s doit être une liste de textes (reçu %(value)s)."),
                where=where,
                value=repr(value),
            )
    if key.choices and value not in key.choices:
        allowed = ", ".join(str(c) for c in key.choices)
        raise ConfigError(
            N_("%(where)s doit être l'une de ces valeurs : %(allowed)s (reçu %(value)s)."),
            where=where,
            allowed=allowed,
            value=repr(value),
        )
    if key.minimum is not None and value < key.minimum:
        raise ConfigError(
            N_("%(where)s doit être au moins %(minimum)s (reçu %(value)s)."),
            where=where,
            minimum=key.minimum,
            value=repr(value),
        )
    if key.maximum is not None and value > key.maximum:
        raise ConfigError(
            N_("%(where)s doit être au plus %(maximum)s (reçu %(value)s)."),
            where=where,
            maximum=key.maximum,
            value=repr(value),
        )
    if key.check is not None:
        try:
            key.check(value)
        except ValueError as exc:
            raise ConfigError(
                N_("%(where)s : %(problem)s."), where=where, problem=str(exc)
            ) from exc
    return value


def _parse_env_value(key: Key, raw: str, where: str) -> Any:
    if key.type is str:
        return raw
    if key.type is bool:
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on", "oui"):
            return True
        if low in ("0", "false", "no", "off", "non"):
            return False
        return raw
    if key.type is int:
        try:
            return int(raw)
        except ValueError:
            return raw
    if key.type is float:
        try:
            return float(raw)
        except ValueError:
            return raw
    if key.type is list:
        raw = raw.strip()
        if raw.startswith("["):
            try:
                return json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ConfigError(
                    N_("%(where)s : liste JSON illisible (%(exc)s)."), where=where, exc=exc
                ) from exc
        return [p.strip() for p in raw.split(",") if p.strip()]
    return raw


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for k, v in table.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            flat.update(_flatten(v, name + "."))
        else:
            flat[name] = v
    return flat


def load(
    config_file: str | Path | None = None,
    data_dir: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    override_sources: Mapping[str, str] | None = None,
) -> Config:
    """Build the configuration from defaults, file, environment and explicit overrides.

    `config_file`/`data_dir` come from the command line; when None they are read from
    CARTABLE_CONFIG / CARTABLE_DATA_DIR, then the defaults (the file is optional only when
    it was not asked for explicitly). `overrides` is the last layer (a command's option
    such as `serve --port`); `override_sources` names where each came from, as the settings
    page shows it ("option --port"; default "option"). Raises ConfigError naming the key,
    file, variable or option.
    """
    env = os.environ if env is None else env
    by_name = _schema_by_name()
    values = {k: v.default for k, v in by_name.items()}
    sources = {k: "défaut" for k in by_name}

    explicit = config_file is not None or bool(env.get("CARTABLE_CONFIG"))
    path = Path(config_file or env.get("CARTABLE_CONFIG") or DEFAULT_CONFIG_FILE)
    used_file: Path | None = None
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                N_("%(path)s : fichier TOML illisible (%(exc)s)."), path=path, exc=exc
            ) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                N_("%(path)s : lecture impossible (%(exc)s)."), path=path, exc=exc
            ) from exc
        used_file = path
        for name, value in _flatten(data).items():
            if name not in by_name:
                raise ConfigError(
                    N_(
                        "%(path)s : la clé « %(name)s » n'existe pas "
                        "(voir `cartable config example` pour la liste des clés)."
                    ),
                    path=path,
                    name=name,
                )
            values[name] = _coerce(by_name[name], value, str(path))
            sources[name] = str(path)
    elif explicit:
        raise ConfigError(N_("Le fichier de configuration %(path)s n'existe pas."), path=path)

    env_names = {k.env_name: k for k in by_name.values()}
    for var, raw in env.items():
        if not var.startswith(ENV_PREFIX) or var in SPECIAL_ENV:
            continue
        key = env_names.get(var)
        if key is None:
            raise ConfigError(
                N_(
                    "La variable d'environnement %(var)s ne correspond à aucune clé de "
                    "configuration."
                ),
                var=var,
            )
        values[key.name] = _coerce(key, raw, f"variable {var}")
        sources[key.name] = f"variable {var}"

    for name, value in (overrides or {}).items():
        if name not in by_name:
            raise ConfigError(N_("Clé de configuration inconnue « %(name)s »."), name=name)
        origin = (override_sources or {}).get(name, "option")
        values[name] = _coerce(by_name[name], value, origin)
        sources[name] = origin

    ddir = Path(data_dir or env.get("CARTABLE_DATA_DIR") or DEFAULT_DATA_DIR)
    return Config(
        values=MappingProxyType(values),
        data_dir=ddir.absolute(),
        file=used_file,
        sources=MappingProxyType(sources),
    )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def example_toml() -> str:
    """A commented example configuration generated from the schema."""
    lines = [
        "# Cartable — configuration (/etc/cartable/cartable.toml)",
        "# Généré par `cartable config example` à partir du schéma : chaque clé, sa",
        "# description, sa valeur par défaut. Décommentez une ligne pour la changer.",
        "# Chaque clé peut aussi venir d'une variable d'environnement CARTABLE_<SECTION>_<CLÉ>.",
    ]
    section = None
    # One table per section, even when a feature adds keys to a section declared earlier.
    order = {k.name.rpartition(".")[0]: i for i, k in reversed(list(enumerate(schema())))}
    for key in sorted(schema(), key=lambda k: order[k.name.rpartition(".")[0]]):
        sec, _, leaf = key.name.rpartition(".")
        if sec != section:
            lines += ["", f"[{sec}]"]
            section = sec
        lines.append(f"# {key.description}")
        meta = [f"défaut : {_toml_value(key.default)}", f"variable : {key.env_name}"]
        if key.choices:
            meta.append("valeurs : " + ", ".join(str(c) for c in key.choices))
        lines.append("# " + " ; ".join(meta))
        lines.append(f"# {leaf} = {_toml_value(key.example)}")
    return "\n".join(lines) + "\n"
