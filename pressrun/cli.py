"""The command line: pressrun build|check|release|… (also `python build.py …`).

Every user error (a PressrunError) becomes its message here, in `Commands.invoke`, once:
exit code 1, or 2 for a mistake in the command line; anything else is a bug and shows its
traceback.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import sys
import time
from pathlib import Path

import click
from click.core import ParameterSource

from .diagnostics import PressrunError, UsageProblem, Warnings
from .project import Project, find_project


class UserError(click.ClickException):
    """Every user error ends here: printed once, exit code 1, no traceback."""

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


def project_of(ctx: click.Context) -> Project:
    """The project, found when a command first needs one (reproduce needs none)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Project):
        root.obj = find_project(root.obj)
    return root.obj


@contextlib.contextmanager
def user_errors(ctx: click.Context):
    """The one place where a user error becomes a message: a mistake in the command line
    exits 2 with the command's usage, bad input 1; neither shows a traceback."""
    try:
        yield
    except UsageProblem as exc:
        raise click.UsageError(str(exc).removeprefix("error: "), ctx) from None
    except PressrunError as exc:
        count = len(exc.diagnostics)
        raise UserError(f"{exc}\n{count} error{'s' if count != 1 else ''}") from None


class Command(click.Command):
    def invoke(self, ctx: click.Context):
        with user_errors(ctx):
            return super().invoke(ctx)


class Commands(click.Group):
    command_class = Command

    def invoke(self, ctx: click.Context):
        with user_errors(ctx):  # the group's own part: finding the project
            return super().invoke(ctx)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Project folder (default: the nearest one at or above the current folder).",
)
@click.pass_context
def cli(ctx: click.Context, project_dir: Path | None) -> None:
    """pressrun builds printable publications from YAML content and recorded references."""
    ctx.obj = project_dir or Path.cwd()  # where to look for the project


STRICT = click.option("--strict", is_flag=True, help="Treat warnings as errors.")
JOBS = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: the number of cores).",
)
SCHEDULER = re.compile(r"(?:(?:tcp|tls|ws|wss)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})")


def scheduler_address(ctx, param, value: str | None) -> str | None:
    """A Dask scheduler's address, tcp://HOST:PORT (or tls://, ws://, wss://; HOST:PORT)."""
    if value is None or value == "":
        return None
    found = SCHEDULER.fullmatch(value.strip())
    if not found or not 0 < int(found.group(2)) < 65536:
        given = ctx.get_parameter_source(param.name) == ParameterSource.ENVIRONMENT
        raise click.BadParameter(
            f"{'PRESSRUN_CLUSTER=' if given else ''}{value!r} is not a Dask scheduler's "
            "address: give tcp://HOST:PORT, as 'dask scheduler' prints it (tcp://10.0.0.5:8786)",
            ctx,
            param,
        )
    return value.strip()


CLUSTER = click.option(
    "--cluster",
    envvar="PRESSRUN_CLUSTER",
    default=None,
    metavar="ADDRESS",
    callback=scheduler_address,
    help="Build on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786).",
)
ALLOW_MISMATCH = click.option(
    "--allow-mismatch",
    is_flag=True,
    help="Build on cluster workers whose pressrun, tools or fonts differ (warnings).",
)


@cli.command()
@click.argument("publications", nargs=-1)
@click.option(
    "--lang",
    "langs",
    multiple=True,
    help="Build only this language, or a parallel edition's pair: en-es (repeatable).",
)
@click.option(
    "--format", "formats", multiple=True, help="Build only this format, e.g. handout (repeatable)."
)
@JOBS
@click.option("--force", is_flag=True, help="Rebuild even the outputs that are up to date.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors and warnings.")
@CLUSTER
@ALLOW_MISMATCH
@STRICT
@click.pass_context
def build(ctx, publications, langs, formats, jobs, force, quiet, cluster, allow_mismatch, strict):
    """Build PUBLICATIONS (default: all) into output/<pub>/<lang>/<format>.pdf.

    Outputs whose inputs did not change since they were built are kept.
    """
    from .console import report_for
    from .pipeline import build as run_build

    warnings = Warnings(strict)
    report = report_for(warnings, quiet)
    started = time.perf_counter()
    try:
        built = run_build(
            project_of(ctx),
            list(publications),
            list(langs),
            list(formats),
            report=report,
            jobs=jobs,
            force=force,
            cluster=cluster,
            allow_mismatch=allow_mismatch,
        )
    finally:
        report.close()
    if not quiet:
        click.echo(
            f"{len(built)} output(s) built in {time.perf_counter() - started:.2f} s, "
            f"{warnings.count} warning(s)"
        )
        click.echo(accessibility_line(report.to_look_at))


@cli.command()
@click.argument("publications", nargs=-1)
@STRICT
@click.option(
    "--list-uncited", is_flag=True, help="List the references that the text does not cite."
)
@click.option(
    "--accessibility",
    is_flag=True,
    help="List what readers who cannot see the page miss: alt texts that say nothing, "
    "heading jumps, links that read out an address.",
)
@click.pass_context
def check(ctx, publications, strict, list_uncited, accessibility):
    """Check PUBLICATIONS (default: all) as a build would, without typesetting."""
    from .accessibility import findings
    from .check import check as run_check
    from .diagnostics import visible
    from .load import uncited

    warn = Warnings(strict)
    started = time.perf_counter()
    checked = run_check(project_of(ctx), list(publications))
    for pub in checked:
        for diagnostic in pub.warnings:
            warn(diagnostic)
    found = [d for pub in checked for d in findings(pub)]
    for diagnostic in found if accessibility else []:
        warn(diagnostic)
    click.echo(
        f"checked {len(checked)} publication(s) in {time.perf_counter() - started:.2f} s: "
        f"no errors, {warn.count} warning(s)"
    )
    for pub in checked if list_uncited else []:
        for ref in uncited(pub):
            click.echo(f"{ref.where}: reference '{visible(ref.id)}' is not cited")
    if not accessibility:
        click.echo(accessibility_line(len(found)))


def accessibility_line(found: int) -> str:
    """The summary line of every build and check: what `check --accessibility` would list."""
    if not found:
        return "accessibility: PDFs tagged (PDF/UA-1); no alt text, heading or link text to fix"
    return (
        f"accessibility: {found} thing(s) to fix for readers who cannot see the page "
        "(pressrun check --accessibility lists them)"
    )


@cli.command()
@click.argument("publications", nargs=-1, required=True)
@click.option("--version", help="The edition's version (default: the one in publication.yaml).")
@click.option(
    "--sign",
    "key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Sign CHECKSUMS.sha256 with this OpenSSH key (CHECKSUMS.sha256.sig).",
)
@CLUSTER
@ALLOW_MISMATCH
@STRICT
@click.pass_context
def release(ctx, publications, version, key, cluster, allow_mismatch, strict):
    """Freeze an edition of each of PUBLICATIONS in output/editions/<pub>/<version>/
    (PDF/A-3b)."""
    from .editions import write_index
    from .release import editions_root, release_all

    project = project_of(ctx)
    started = time.perf_counter()
    folders = release_all(
        project,
        list(publications),
        version,
        warn=Warnings(strict),
        key=key,
        cluster=cluster,
        allow_mismatch=allow_mismatch,
    )
    write_index(editions_root(project))
    for folder in folders:
        files = sum(1 for p in folder.rglob("*") if p.is_file())
        click.echo(f"released {project.display(folder)}: {files} files{', signed' if key else ''}")
    click.echo(f"{len(folders)} edition(s) in {time.perf_counter() - started:.2f} s")


@cli.command("class-set")
@click.argument("publication")
@click.option(
    "--roster",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of the class: a name column (required), class and version (optional).",
)
@click.option(
    "--format", "format_name", default="handout", show_default=True, help="handout or booklet."
)
@click.option("--lang", default=None, help="The language (default: the publication's first).")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write it (default: output/<pub>/<lang>/<format>-<roster>.pdf).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only errors and warnings.")
@JOBS
@CLUSTER
@ALLOW_MISMATCH
@STRICT
@click.pass_context
def class_set(
    ctx,
    publication,
    roster,
    format_name,
    lang,
    output,
    quiet,
    jobs,
    cluster,
    allow_mismatch,
    strict,
):
    """Print a class set of PUBLICATION: a copy per student of the roster, named on every
    page, each starting on a new sheet (booklets imposed), in one PDF.
    """
    from .classset import make_class_set
    from .console import report_for

    project = project_of(ctx)
    warnings = Warnings(strict)
    report = report_for(warnings, quiet)
    started = time.perf_counter()
    try:
        made = make_class_set(
            project,
            publication,
            roster,
            format_name,
            lang,
            output,
            report,
            jobs=jobs,
            cluster=cluster,
            allow_mismatch=allow_mismatch,
        )
    finally:
        report.close()
    if not quiet:
        click.echo(
            f"wrote {project.display(made.path)}: {made.students} copies, {made.pages} pages, "
            f"in {time.perf_counter() - started:.2f} s"
        )


def edition_folders(project: Project, folders: tuple[Path, ...]) -> list[Path]:
    from .editions import all_editions
    from .release import editions_root

    return list(folders) or all_editions(editions_root(project))


UNAUTHENTICATED = (
    "Intact means every file matches manifest.json and CHECKSUMS.sha256. It does not prove who "
    "made the edition: whoever can change its files can rewrite those too. Editions released "
    "with 'release --sign KEY' are authenticated by 'verify --allowed-signers FILE'."
)


@cli.command()
@click.argument("editions", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--allowed-signers",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also require a signature by a key of this OpenSSH allowed-signers file.",
)
@click.pass_context
def verify(ctx, editions, allowed_signers):
    """Check EDITIONS (default: every edition) against their manifests and signatures."""
    from .editions import verify as run_verify

    # Editions named by their folders need no project (README: "verify EDITION_DIR").
    folders = list(editions) or edition_folders(project_of(ctx), editions)
    problems = []
    for folder in folders:
        found = run_verify(folder, allowed_signers)
        problems += found.problems
        if found.problems:
            state = f"{len(found.problems)} problem(s)"
        elif found.signer:
            state = f"intact, signed by {found.signer}"
        elif found.signed:
            state = "intact (signed; give --allowed-signers to check the signature)"
        else:
            state = "intact, not authenticated (unsigned)"
        click.echo(f"{folder}: {state}")
    if problems:
        raise PressrunError(problems)
    click.echo(f"{len(folders)} edition(s) verified")
    if not allowed_signers:
        click.echo(UNAUTHENTICATED)


@cli.command()
@click.argument("edition", type=click.Path(exists=True, file_okay=False, path_type=Path))
def reproduce(edition):
    """Rebuild EDITION from the sources inside it and compare the bytes with the archive."""
    from .editions import reproduce as run_reproduce

    started = time.perf_counter()
    result = run_reproduce(edition)
    changed = {
        k: (v, result.tools_now.get(k))
        for k, v in result.tools_then.items()
        if result.tools_now.get(k) != v
    }
    for tool, (then, now) in sorted(changed.items()):
        click.echo(f"warning: {tool} {then} made the edition; this machine has {now}", err=True)
    elapsed = time.perf_counter() - started
    if result.differing:
        for name in result.differing:
            click.echo(
                f"{edition / name}: error: differs from the rebuild [not-reproduced]", err=True
            )
        raise UserError(
            f"{len(result.differing)} file(s) of {result.edition.name} differ from their rebuild"
        )
    count = len(result.edition.manifest.files)
    click.echo(f"reproduced {result.edition.name}: {count} files identical ({elapsed:.2f} s)")


@cli.command()
@click.pass_context
def editions(ctx):
    """List the released editions and write output/editions/index.html."""
    from .editions import all_editions, read_edition, write_index
    from .release import editions_root

    root = editions_root(project_of(ctx))
    damaged: list = []
    for folder in all_editions(root):
        try:
            manifest = read_edition(folder).manifest
        except PressrunError as exc:
            damaged += exc.diagnostics
            continue
        click.echo(
            f"{manifest.publication} {manifest.version} ({manifest.date}): "
            f"{len(manifest.files)} files"
        )
    if root.is_dir():
        write_index(root)
        click.echo(f"index: {project_of(ctx).display(root / 'index.html')}")
    if damaged:
        raise PressrunError(damaged)


@cli.command()
@click.argument("pub_id")
@click.option(
    "--lang",
    "langs",
    multiple=True,
    default=["en"],
    show_default=True,
    help="A language of the publication (repeatable).",
)
@click.option(
    "--labels-from",
    metavar="LANG",
    help="For a language with no label catalog, start one from LANG's (to translate).",
)
@click.pass_context
def new(ctx, pub_id, langs, labels_from):
    """Create content/PUB_ID/ with a publication that builds at once."""
    from .scaffold import new as scaffold

    files = scaffold(project_of(ctx), pub_id, list(langs), labels_from)
    for name in files:
        click.echo(f"created {name}")
    named = ctx.find_root().params.get("project_dir")  # as the user wrote it
    project = f" --project {shlex.quote(str(named))}" if named else ""
    click.echo(f"next: {this_command()}{project} build {pub_id}")


def this_command() -> str:
    """How the user ran pressrun, to say the next command as it works for them."""
    import os

    script = sys.argv[0]
    if not script.endswith(".py"):
        return os.path.basename(script) or "pressrun"
    # The interpreter as the user would type it: relative when it lies under this folder.
    python = sys.executable
    if Path(python).is_relative_to(Path.cwd()):
        python = os.path.relpath(python)
    return f"{python} {script}"


def watching(ctx, publications, on_built=lambda made: None) -> None:
    from .console import LineReport
    from .watch import watch as run_watch

    report = LineReport(Warnings(strict=False))
    try:
        run_watch(project_of(ctx), list(publications), report, click.echo, on_built)
    except KeyboardInterrupt:
        click.echo("stopped")


@cli.command()
@click.argument("publications", nargs=-1)
@click.pass_context
def watch(ctx, publications):
    """Rebuild PUBLICATIONS (default: all) whenever content, templates or styles change."""
    watching(ctx, publications)


@cli.command()
@click.argument("publications", nargs=-1)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port on 127.0.0.1 (0: any free port).",
)
@click.pass_context
def serve(ctx, publications, port):
    """Serve output/ on localhost, rebuild on every change, and reload the open pages."""
    import threading

    from .serve import Builds, server

    project = project_of(ctx)
    builds = Builds()
    try:
        httpd = server(project.output, port, builds)
    except OSError as exc:
        raise UserError(
            f"error: cannot serve on port {port}: {exc.strerror}\n"
            "  hint: choose another port with --port"
        ) from None
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    host, bound = httpd.server_address[:2]
    click.echo(f"serving http://{host}:{bound}/ (the web editions: <pub>/<lang>/index.html)")
    watching(ctx, publications, on_built=lambda made: builds.finished() if made else None)
    httpd.shutdown()


@cli.command()
@click.argument("word", required=False)
def styles(word):
    """List the CSL citation styles (those whose name or title holds WORD): name, class, title.
    Independent styles first; a dependent style (a journal's) formats as its parent does."""
    from .csl import catalog

    every = catalog()
    chosen = [
        s for s in every if not word or word.lower() in s.name or word.lower() in s.title.lower()
    ]
    width = max((len(s.name) for s in chosen), default=0)
    for group, heading in ((False, "independent styles"), (True, "dependent styles")):
        rows = [s for s in chosen if s.dependent is group]
        if rows:
            click.echo(f"# {heading} ({len(rows):,})")
        for s in rows:
            click.echo(f"{s.name:<{width}}  {s.kind:<11}  {s.title}")
    independent = sum(not s.dependent for s in every)
    click.echo(
        f"{len(chosen):,} shown of {independent:,} independent and {len(every) - independent:,} "
        "dependent styles; name one as 'style:' in publication.yaml"
    )


def main() -> None:
    """The console script `pressrun`."""
    cli()
