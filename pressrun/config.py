"""The project's configuration: its formats (templates/formats.yaml) and label catalogs
(templates/labels/<lang>.yaml), each read once per command and passed down with the project."""

from __future__ import annotations

from dataclasses import dataclass, field

from .formats import Format, read_formats
from .labels import Labels, read_labels
from .project import Project


@dataclass
class Config:
    project: Project
    formats: dict[str, Format]
    catalogs: dict[str, Labels] = field(default_factory=dict)

    def labels(self, lang: str) -> Labels:
        """The label catalog of `lang`, read on first use."""
        if lang not in self.catalogs:
            self.catalogs[lang] = read_labels(self.project, lang)
        return self.catalogs[lang]

    def language_names(self, langs: list[str]) -> dict[str, str]:
        """Each language's name for itself, as its catalog gives it."""
        return {lang: self.labels(lang).words.get("language-name", lang) for lang in langs}


def configure(project: Project) -> Config:
    """Read the project's formats; raise PressrunError with every error of formats.yaml."""
    return Config(project, read_formats(project))
