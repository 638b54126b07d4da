"""How a build shows its progress: a bar on a terminal, plain lines elsewhere, or nothing."""

from __future__ import annotations

import sys

import click

from .diagnostics import Diagnostic, Warnings
from .pipeline import Made, Report


class LineReport(Report):
    """One line per output built; for logs, pipes and CI."""

    def __init__(self, warnings: Warnings, quiet: bool = False):
        self.warnings = warnings
        self.quiet = quiet
        self.to_look_at = 0  # accessibility findings, for the summary line

    def accessibility(self, findings: int) -> None:
        self.to_look_at = findings

    def planned(self, todo: list[str], current: list[str]) -> None:
        if current and not self.quiet:
            click.echo(f"{len(current)} output(s) up to date")

    def finished(self, made: Made) -> None:
        if not self.quiet:
            pdfs = ", ".join(f"output/{made.pub_id}/{name}" for name in made.listed)
            click.echo(f"built {pdfs} ({made.seconds:.2f} s)")

    def warn(self, diagnostic: Diagnostic) -> None:
        self.warnings(diagnostic)

    def close(self) -> None:
        pass


class BarReport(LineReport):
    """A line per output with a spinner until it is written; for a terminal."""

    def planned(self, todo: list[str], current: list[str]) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        super().planned(todo, current)
        self.progress = Progress(
            SpinnerColumn(finished_text="✓"), TextColumn("{task.description}"), TimeElapsedColumn()
        )
        self.tasks = {name: self.progress.add_task(name, total=1) for name in todo}
        self.progress.start()
        # Warnings print above the bar while it runs (once: the sink prints, nothing else).
        self.shown_before = self.warnings.show
        self.warnings.show = lambda text: self.progress.console.print(
            text, markup=False, highlight=False
        )

    def finished(self, made: Made) -> None:
        self.progress.update(
            self.tasks[made.name], completed=1, description=f"{made.name} ({made.seconds:.2f} s)"
        )

    def close(self) -> None:
        if hasattr(self, "progress"):
            self.progress.stop()
            self.warnings.show = self.shown_before


def report_for(warnings: Warnings, quiet: bool) -> LineReport:
    if not quiet and sys.stdout.isatty():
        return BarReport(warnings)
    return LineReport(warnings, quiet)
