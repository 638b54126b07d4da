"""Versioned editions: release, PDF/A with sources inside, manifest, verify, reproduce, index."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLE, build_py, copy_project, mini_project, rehash, snapshot
from pdf import info, run
from pikepdf.pdfa import validate_written

from pressrun import cli as cli_module
from pressrun.tagging import structure

VERSION = "1.0.0"
PDFA = [
    "en/handout.pdf",
    "en/booklet.pdf",
    "es/handout.pdf",
    "es/booklet.pdf",
    "en-es/parallel.pdf",
]


def cli(project, *args):
    return CliRunner().invoke(
        cli_module.cli, ["--project", str(project.root), *args], catch_exceptions=False
    )


def test_edition_holds_every_language_and_format(released):
    _, edition = released
    names = sorted(snapshot(edition))
    assert names == sorted(
        [
            *PDFA,
            "en/handout.html",
            "en/booklet.html",
            "en/booklet-print.pdf",
            "es/handout.html",
            "es/booklet.html",
            "es/booklet-print.pdf",
            "en/index.html",
            "es/index.html",
            "en-es/parallel-print.pdf",
            "en-es/index.html",
            "manifest.json",
            "CHECKSUMS.sha256",
        ]
    )


@pytest.mark.parametrize("name", PDFA)
def test_pdfa_3b_valid_with_sources_inside(released, name):
    _, edition = released
    path = edition / name
    assert validate_written(path, "3b").passed
    with pikepdf.open(path) as pdf:
        meta = pdf.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("3", "B")
        # Tagged as well: a structure tree with its notes, marked as tagged, with a language.
        assert bool(pdf.Root.MarkInfo.Marked) and str(pdf.Root.Lang) in ("en", "es")
        kinds = {kind for _, kind, _ in structure(pdf)}
        assert {"/Document", "/H1", "/Note", "/L", "/LI"} <= kinds
        attached = dict(pdf.attachments.items())
        assert f"content/{SAMPLE}/en.yaml" in attached
        assert f"content/{SAMPLE}/es.yaml" in attached
        assert f"content/{SAMPLE}/references.yaml" in attached
        assert "templates/booklet.html" in attached and "styles/common.css" in attached
        lock = json.loads(attached["pressrun-lock.json"].get_file().read_bytes())
        assert set(lock) >= {"pressrun", "weasyprint", "pandoc", "python"}
        source = (ROOT / "content" / SAMPLE / "publication.yaml").read_bytes()
        spec = attached[f"content/{SAMPLE}/publication.yaml"]
        assert spec.get_file().read_bytes() == source
        assert spec.obj.AFRelationship == pikepdf.Name.Source


def test_pdf_metadata_shows_version_and_release_date(released):
    _, edition = released
    meta = info(edition / "es" / "handout.pdf")
    assert meta["Subject"] == "Edición 1.0.0, 23 de noviembre de 2026"
    assert "Nov 23" in meta["CreationDate"] and "2026" in meta["CreationDate"]


def test_manifest_and_checksums_match_the_files(released):
    _, edition = released
    manifest = json.loads((edition / "manifest.json").read_text())
    assert (manifest["publication"], manifest["version"], manifest["date"]) == (
        SAMPLE,
        VERSION,
        "2026-11-23",
    )
    assert len(manifest["source_digest"]) == 64 and manifest["tools"]["weasyprint"] == "70.0"
    assert len(manifest["files"]) == 15
    result = subprocess.run(
        ["sha256sum", "-c", "CHECKSUMS.sha256"], cwd=edition, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK") == 16  # the fifteen files and the manifest


def test_index_lists_editions(released):
    project, edition = released
    index = (project.output / "editions" / "index.html").read_text()
    assert f"<h2>{SAMPLE}</h2>" in index
    assert "1.0.0\n  <small>(2026-11-23)</small>" in index
    assert "[es] Primera edición" in index
    manifest = json.loads((edition / "manifest.json").read_text())
    assert all(f["sha256"] in index for f in manifest["files"])
    result = cli(project, "editions")
    assert f"{SAMPLE} 1.0.0 (2026-11-23): 15 files" in result.output


def test_a_second_release_is_refused_and_changes_nothing(released):
    project, edition = released
    before = snapshot(project.output / "editions")
    result = cli(project, "release", SAMPLE)
    assert result.exit_code == 1
    assert f"error: edition 1.0.0 of {SAMPLE} exists already" in result.output
    assert snapshot(project.output / "editions") == before


def test_verify_passes_then_names_damage(released, tmp_path):
    project, edition = released
    assert cli(project, "verify").exit_code == 0
    copy = tmp_path / "copy"
    shutil.copytree(edition, copy)
    pdf = copy / "en" / "handout.pdf"
    data = bytearray(pdf.read_bytes())
    data[5000] ^= 1
    pdf.write_bytes(bytes(data))
    (copy / "es" / "booklet.html").unlink()
    (copy / "notes.txt").write_text("extra")
    result = cli(project, "verify", str(copy))
    assert result.exit_code == 1
    assert f"{copy}/en/handout.pdf: error: changed since the release" in result.output
    assert f"{copy}/es/booklet.html: error: missing from the edition" in result.output
    assert f"{copy}/notes.txt: error: not part of the edition" in result.output
    assert "3 errors" in result.output


def test_reproduce_elsewhere_in_another_time_zone(released, tmp_path):
    _, edition = released
    moved = tmp_path / "archive" / VERSION
    shutil.copytree(edition, moved)
    result = build_py("reproduce", str(moved), cwd=tmp_path, TZ="Pacific/Kiritimati")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"reproduced {SAMPLE} 1.0.0: 15 files identical" in result.stdout


def test_verify_an_edition_folder_outside_any_project(released, tmp_path):
    """An edition received from elsewhere is verified where it lies: no project needed."""
    _, edition = released
    moved = tmp_path / "received" / VERSION
    shutil.copytree(edition, moved)
    result = build_py("verify", str(moved), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{moved}: intact, not authenticated (unsigned)" in result.stdout


def test_reproduce_names_a_file_that_differs(released, tmp_path):
    project, edition = released
    copy = tmp_path / VERSION
    shutil.copytree(edition, copy)
    html = copy / "es" / "handout.html"
    html.write_text(html.read_text().replace("Bibliografía", "Referencias"))
    rehash(copy)  # intact, as verify sees it: only the rebuild shows the difference
    result = cli(project, "reproduce", str(copy))
    assert result.exit_code == 1
    assert f"{copy}/es/handout.html: error: differs from the rebuild" in result.output
    assert "3 file(s) of soviet-japanese-basic-convention 1.0.0 differ" in result.output
    assert f"{copy}/manifest.json: error: differs from the rebuild" in result.output


IMAGE_KINDS = [
    ("rgb.png", "RGB", "PNG"),
    ("rgba.png", "RGBA", "PNG"),
    ("grey.png", "L", "PNG"),
    ("palette.png", "P", "PNG"),
    ("photo.jpg", "RGB", "JPEG"),
    ("print.jpg", "CMYK", "JPEG"),
]


def test_release_with_every_image_kind_is_pdfa(tmp_path):
    from PIL import Image

    project = copy_project(tmp_path / "p", ())
    shutil.copytree(ROOT / "tests" / "data" / "mini", project.content / "mini")
    folder = project.content / "mini"
    blocks = []
    for name, mode, kind in IMAGE_KINDS:
        Image.effect_noise((60, 40), 40).convert(mode).save(folder / name, kind)
        blocks.append(f"      - {{figure: {name}, caption: {name}, alt: A {mode} image}}")
    (folder / "map.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10">'
        '<rect width="20" height="10" fill="teal"/></svg>'
    )
    blocks.append("      - {figure: map.svg, caption: An SVG, alt: A map}")
    (folder / "en.yaml").write_text(
        "title: T\nsections:\n  - heading: H\n    blocks:\n      - Text [@doe2020].\n"
        + "\n".join(blocks)
        + "\n"
    )
    meta = folder / "publication.yaml"
    meta.write_text(
        meta.read_text().replace("[handout]", "[handout, booklet, web]")
        + "cover: {image: rgba.png, alt: A cover}\n"
    )
    result = cli(project, "release", "mini")
    assert result.exit_code == 0, result.output
    edition = project.output / "editions" / "mini" / "1.0.0"
    for name in ("en/handout.pdf", "en/booklet.pdf"):
        assert validate_written(edition / name, "3b").passed
        listed = run("pdfimages", "-list", str(edition / name)).splitlines()[2:]
        assert len([row for row in listed if " image " in row]) >= 6
        assert not [row for row in listed if " cmyk " in row]


def test_a_version_without_its_changelog_entry_is_refused(tmp_path):
    project = copy_project(tmp_path / "p")
    result = cli(project, "release", SAMPLE, "--version", "0.2.0")
    assert result.exit_code == 1
    assert "error: edition 0.2.0 has no entry in the changelog, which lists 1.0.0" in result.output
    assert not (project.output / "editions" / SAMPLE / "0.2.0").exists()


def two_minis(target: Path):
    """A project with two small publications, mini and mini-two."""
    project = mini_project(target)
    second = project.content / "mini-two"
    shutil.copytree(project.content / "mini", second)
    meta = second / "publication.yaml"
    meta.write_text(meta.read_text().replace("id: mini", "id: mini-two"))
    return project


def test_a_release_of_several_publications_writes_each_edition(tmp_path):
    project = two_minis(tmp_path / "project")
    result = cli(project, "release", "mini", "mini-two", "mini")
    assert result.exit_code == 0, result.output
    assert "released output/editions/mini/1.0.0: " in result.output
    assert "released output/editions/mini-two/1.0.0: " in result.output
    assert "2 edition(s) in " in result.output
    for pub in ("mini", "mini-two"):
        edition = project.output / "editions" / pub / "1.0.0"
        assert (edition / "en" / "handout.pdf").is_file()
        assert json.loads((edition / "manifest.json").read_text())["publication"] == pub
    assert cli(project, "verify").exit_code == 0


def test_one_edition_that_exists_refuses_the_others_before_anything_is_built(tmp_path):
    project = two_minis(tmp_path / "project")
    assert cli(project, "release", "mini-two").exit_code == 0
    before = snapshot(project.output / "editions")
    result = cli(project, "release", "mini", "mini-two")
    assert result.exit_code == 1
    assert "error: edition 1.0.0 of mini-two exists already" in result.output
    assert snapshot(project.output / "editions") == before  # mini was not released either


def test_one_version_for_several_publications_is_a_usage_error(tmp_path):
    project = two_minis(tmp_path / "project")
    result = cli(project, "release", "mini", "mini-two", "--version", "2.0.0")
    assert result.exit_code == 2
    assert "--version names one publication's edition" in result.output
    assert not (project.output / "editions").exists()
