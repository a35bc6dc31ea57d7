"""The ``publisher`` command: wires the flow's steps together and reports; no logic of its own.

Exit codes (DESIGN.md): 0 success / conforming, 1 violations, 2 unreadable input or settings.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from publisher.config import ConfigError, Project, load_project
from publisher.incremental import validate_project
from publisher.loading import InputError
from publisher.release import BuildError, BuildRefused, build, resolve_release

EXIT_OK, EXIT_VIOLATIONS, EXIT_UNREADABLE = 0, 1, 2
EXIT_PUSH_FAILED = 3  # `publisher push`: the store could not be reached or refused the data


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The publisher project (default: the one containing the current directory).",
)
@click.version_option(package_name="publisher")
@click.pass_context
def main(context: click.Context, project: Path | None) -> None:
    """Publish official meetings and agreements as linked open data."""
    context.obj = project


def _project(context: click.Context) -> Project:
    try:
        return load_project(context.obj)
    except ConfigError as error:
        _fail(str(error), EXIT_UNREADABLE)


@main.command("validate")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def validate_command(context: click.Context, output: str) -> None:
    """Check the records against the shapes. Exit 0 conforming, 1 violations, 2 unreadable input."""
    project = _project(context)
    try:
        _, report, _ = validate_project(project)
    except InputError as error:
        if output == "json":
            click.echo(_json({"conforms": False, "error": error.as_dict()}))
        _fail(str(error), EXIT_UNREADABLE)
    click.echo(report.to_json() if output == "json" else report.to_text())
    sys.exit(EXIT_OK if report.conforms else EXIT_VIOLATIONS)


@main.command("build")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site"),
    show_default=True,
    help="Directory of releases; DIR/current is the one served.",
)
@click.pass_context
def build_command(context: click.Context, out: Path) -> None:
    """Validate, then write a release to DIR and make it current."""
    _build(_project(context), out)


def _build(project: Project, out: Path) -> Path:
    try:
        result = build(project, out, progress=lambda line: click.echo(line, err=True))
    except InputError as error:
        _fail(str(error), EXIT_UNREADABLE)
    except BuildRefused as refused:
        click.echo(refused.report.to_text())
        _fail(
            "build refused: the records violate the shapes; the previous release is untouched",
            EXIT_VIOLATIONS,
        )
    except (BuildError, OSError) as error:
        _fail(f"build failed, the previous release is untouched: {error}", EXIT_UNREADABLE)
    total = sum(result.timings.values())
    warnings = result.report.count("Warning")
    click.echo(
        f"released {result.triples} triples to {result.release} in {total:.2f} s"
        + (f" ({warnings} warning(s): run `publisher validate`)" if warnings else "")
    )
    return result.release


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option(
    "--release",
    "release_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site"),
    show_default=True,
    help="A release, or a build directory (its current release); built first if it has none.",
)
@click.pass_context
def serve_command(context: click.Context, host: str, port: int, release_dir: Path) -> None:
    """Serve a release over HTTP (for production, run gunicorn on publisher.web:create_app())."""
    try:
        release = resolve_release(release_dir)
    except FileNotFoundError:
        click.echo(f"{release_dir} holds no release yet: building one", err=True)
        release = _build(_project(context), release_dir)
    from publisher.web import create_app, run_server

    try:
        app = create_app(release)
    except ValueError as error:  # settings (PUBLISHER_*) that cannot work
        _fail(str(error), EXIT_UNREADABLE)
    run_server(app, host=host, port=port)


@main.command("synth")
@click.option("--meetings", type=click.IntRange(min=1), required=True, help="How many meetings to write.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same files.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory to write into (default: data/synthetic/ of the project, which builds then include).",
)
@click.pass_context
def synth_command(context: click.Context, meetings: int, seed: int, out: Path | None) -> None:
    """Write synthetic records shaped like ours, for measuring the publisher at scale."""
    from publisher.synth import SynthError, generate

    target = out if out is not None else _project(context).data_dir / "synthetic"
    try:
        result = generate(target, meetings=meetings, seed=seed)
    except (SynthError, OSError) as error:
        _fail(str(error), EXIT_UNREADABLE)
    click.echo(
        f"wrote {result.meetings:,} meetings in {result.trips:,} trips ({result.triples:,} triples) "
        f"to {target}, one file per trip"
    )


@main.command("push")
@click.option(
    "--release",
    "release_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site"),
    show_default=True,
    help="A release, or a build directory (its current release).",
)
@click.option(
    "--endpoint-graph-store",
    "store",
    metavar="URL",
    help="A SPARQL 1.1 Graph Store endpoint (Virtuoso: http://HOST:8890/sparql-graph-crud-auth).",
)
@click.option(
    "--virtuoso-isql",
    metavar="HOST:PORT",
    help="Load with Virtuoso's bulk loader through isql instead (needs --load-dir).",
)
@click.option(
    "--load-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="For the bulk loader: a directory the Virtuoso server reads (in its DirsAllowed).",
)
@click.option("--graph", metavar="IRI", help="The graph to replace (default: the release's base IRI).")
@click.option("--user", help="User of the store (Virtuoso: dba).")
@click.option("--password", envvar="PUBLISHER_PUSH_PASSWORD", help="Or the PUBLISHER_PUSH_PASSWORD variable.")
@click.option("--chunk-triples", type=click.IntRange(min=1), default=100_000, show_default=True)
def push_command(
    release_dir: Path,
    store: str | None,
    virtuoso_isql: str | None,
    load_dir: Path | None,
    graph: str | None,
    user: str | None,
    password: str | None,
    chunk_triples: int,
) -> None:
    """Load a release into an external SPARQL store (for BACKEND=sparql)."""
    from publisher.push import PushError, bulk_load_virtuoso, push_graph_store

    if bool(store) == bool(virtuoso_isql):
        _fail("give either --endpoint-graph-store URL or --virtuoso-isql HOST:PORT", EXIT_UNREADABLE)
    try:
        release = resolve_release(release_dir)
    except FileNotFoundError as error:
        _fail(str(error), EXIT_UNREADABLE)
    report = lambda line: click.echo(line, err=True)  # noqa: E731
    try:
        if store:
            result = push_graph_store(
                release,
                store,
                graph=graph,
                user=user,
                password=password,
                chunk_triples=chunk_triples,
                progress=report,
            )
        else:
            if load_dir is None:
                _fail("--virtuoso-isql needs --load-dir", EXIT_UNREADABLE)
            result = bulk_load_virtuoso(
                release,
                virtuoso_isql,
                load_dir,
                graph=graph,
                user=user or "dba",
                password=password if password is not None else "dba",
                progress=report,
            )
    except (PushError, OSError) as error:
        _fail(f"push failed: {error}", EXIT_PUSH_FAILED)
    click.echo(
        f"pushed {result.triples:,} triples of {release.name} into <{result.graph}> "
        f"in {result.seconds:.2f} s ({result.requests} request(s))"
    )


def _json(value: dict) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, indent=2)


def _fail(message: str, code: int):
    click.echo(f"error: {message}", err=True)
    sys.exit(code)
