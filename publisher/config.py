"""Where a project's files are and which base IRI its records publish under.

The base IRI lives in ``pyproject.toml`` (``[tool.publisher] base_iri``) so that the
records, which use relative IRIs only, can publish under any domain; the environment
variable ``PUBLISHER_BASE_IRI`` overrides it for a deployment.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

BASE_IRI_ENV = "PUBLISHER_BASE_IRI"


class ConfigError(Exception):
    """The project cannot be located or its configuration is unusable."""


@dataclass(frozen=True)
class Project:
    """A checkout holding ontology/, shapes/, data/ and catalog/ beside its pyproject.toml."""

    root: Path
    base_iri: str

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def catalog_dir(self) -> Path:
        return self.root / "catalog"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    def relative(self, path: Path) -> str:
        """A path as users see it in reports: relative to the project when inside it."""
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def check_base_iri(iri: str) -> str:
    """Refuse base IRIs that would make relative record IRIs resolve somewhere surprising."""
    parts = urlsplit(iri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"base IRI {iri!r} must be an absolute http(s) IRI")
    if not iri.endswith("/") or parts.query or parts.fragment:
        raise ConfigError(f"base IRI {iri!r} must end with '/' and have no query or fragment")
    return iri


def resolve_iri(base_iri: str, reference: str) -> str:
    """Resolve a relative IRI reference against the base, as Turtle does.

    Unlike ``urllib.parse.urljoin``, keeps an empty fragment: ``"ontology#"`` must become
    ``{base}ontology#``, a namespace, not ``{base}ontology``.
    """
    resolved = urljoin(base_iri, reference)
    if reference.endswith("#") and not resolved.endswith("#"):
        resolved += "#"
    return resolved


def find_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` whose pyproject.toml has [tool.publisher]."""
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and "publisher" in _read_toml(candidate).get("tool", {}):
            return directory
    raise ConfigError(
        f"no pyproject.toml with a [tool.publisher] table at or above {start}; "
        "run the command inside a publisher project or pass --project"
    )


def load_project(root: Path | None = None) -> Project:
    """Locate the project and settle its base IRI (environment first, then pyproject)."""
    root = find_root((root or Path.cwd()).resolve())
    settings = _read_toml(root / "pyproject.toml")["tool"]["publisher"]
    base_iri = os.environ.get(BASE_IRI_ENV) or settings.get("base_iri")
    if not base_iri:
        raise ConfigError(f"{root / 'pyproject.toml'}: [tool.publisher] has no base_iri")
    return Project(root=root, base_iri=check_base_iri(base_iri))


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from error
