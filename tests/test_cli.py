"""The command line: build, styles, help, and exit codes 0, 1 (user error), 2 (usage)."""

from __future__ import annotations

import builtins
import re

import pytest
from click.testing import CliRunner
from conftest import SAMPLE

from pressrun import cli as cli_module


def run(*args: str):
    return CliRunner().invoke(cli_module.cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", [[], ["build"], ["styles"]])
def test_help_on_every_command(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_build_one_language(project):
    result = run("--project", str(project.root), "build", SAMPLE, "--lang", "es")
    assert result.exit_code == 0, result.output
    assert f"built output/{SAMPLE}/es/handout.pdf" in result.output
    assert (project.output / SAMPLE / "es" / "handout.pdf").read_bytes().startswith(b"%PDF-")
    assert not (project.output / SAMPLE / "en").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "soviet-japanese"], "Error: no publication 'soviet-japanese' in content/"),
        (["build", "--format", "pdf"], f"Error: {SAMPLE} has no format 'pdf'"),
        (["build", "--lang", "fr"], f"Error: {SAMPLE} has no language 'fr'"),
        (["check", "nope"], "Error: no publication 'nope' in content/"),
        (["new", "Bad_Id"], "Error: 'Bad_Id' is not a valid publication id"),
        (["release", SAMPLE, "--version", "2"], "Error: version '2' is not a semantic version"),
    ],
)
def test_command_line_mistakes_are_usage_errors(project, args, message):
    result = run("--project", str(project.root), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Usage:" in result.output
    assert "Traceback" not in result.output and "publication.yaml" not in result.output


def test_bad_content_exits_1_with_file_line_and_keeps_old_output(project):
    run("--project", str(project.root), "build", "--lang", "en")
    pdf = project.output / SAMPLE / "en" / "handout.pdf"
    before = pdf.read_bytes()
    en = project.content / SAMPLE / "en.yaml"
    en.write_text(en.read_text().replace("[@tomita2019", "[@tomita2091"))
    result = run("--project", str(project.root), "build")
    assert result.exit_code == 1
    assert f"content/{SAMPLE}/en.yaml:" in result.output
    assert "unknown citation key 'tomita2091'" in result.output
    assert pdf.read_bytes() == before


def test_usage_error_exits_2():
    assert run("build", "--no-such-option").exit_code == 2


def test_styles_lists_matching_styles_with_class_and_title():
    result = run("styles", "chicago-notes-bib")
    rows = result.output.splitlines()
    row = next(r for r in rows if r.startswith("chicago-notes-bibliography "))
    assert row.split()[1] == "note" and "Chicago Manual of Style" in row
    assert rows[-1].endswith(
        "of 2,851 independent and 7,993 dependent styles; name one as 'style:' in publication.yaml"
    )
    numeric = run("styles", "ieee").output
    assert re.search(r"^ieee +numeric +IEEE", numeric, re.M)
    independent = numeric.index("# independent styles")
    assert independent < numeric.index("# dependent styles")


def test_missing_system_library_names_the_package(project, monkeypatch):
    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    result = run("--project", str(project.root), "build", "--lang", "en")
    assert result.exit_code == 1
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0" in result.output


def test_a_warning_shows_once_above_the_progress_bar(capsys):
    """On a terminal the bar prints warnings above itself; the sink prints nothing more."""
    from pressrun.console import BarReport
    from pressrun.diagnostics import Diagnostic, Location, Warnings

    warnings = Warnings(strict=False)
    report = BarReport(warnings)
    report.planned(["pub/en/handout"], [])
    report.warn(Diagnostic(Location("content/x/en.yaml", 3, 1), "odd", "code", severity="warning"))
    report.close()
    shown = capsys.readouterr()
    assert (shown.out + shown.err).count("content/x/en.yaml:3:1: warning: odd [code]") == 1
    assert warnings.count == 1
    warnings(Diagnostic(None, "after the bar", "code", severity="warning"))
    assert "after the bar" in capsys.readouterr().err  # the sink prints again once it stops
