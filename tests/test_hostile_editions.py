"""Editions from elsewhere are untrusted data: reproducing one runs no code from it, reads no
huge attachment, follows no path out of it; verify tells damage from forgery only with a
signature; release carries exactly the files the publication uses and no absolute path."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pikepdf
import pytest
from conftest import ROOT, mini_project, rehash
from conftest import run_cli as cli
from test_hostile import every_byte

EDITION = Path("editions") / "mini" / "1.0.0"


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict[str, Path]:
    """Two OpenSSH keys, and an allowed-signers file that trusts only the first."""
    folder = tmp_path_factory.mktemp("keys")
    for name in ("teacher", "stranger"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", folder / name],
            check=True,
        )
    public = (folder / "teacher.pub").read_text().split()
    allowed = folder / "allowed_signers"
    allowed.write_text(f'teacher@school namespaces="pressrun-edition" {public[0]} {public[1]}\n')
    return {"teacher": folder / "teacher", "stranger": folder / "stranger", "allowed": allowed}


@pytest.fixture(scope="module")
def released(tmp_path_factory, keys):
    """The mini publication released, signed by the teacher."""
    project = mini_project(tmp_path_factory.mktemp("release"))
    result = cli(project, "release", "mini", "--sign", str(keys["teacher"]))
    assert result.exit_code == 0, result.output
    assert "released output/editions/mini/1.0.0: 5 files, signed\n" in result.output
    return project, project.output / EDITION


def forged(edition: Path, target: Path, change) -> Path:
    """A copy of the edition whose archival PDFs `change` altered, rehashed to verify."""
    shutil.copytree(edition, target)
    for path in sorted(target.rglob("*.pdf")):
        if not path.name.endswith("-print.pdf"):
            with pikepdf.open(path, allow_overwriting_input=True) as pdf:
                change(pdf)
                pdf.save(path)
    rehash(target)
    return target


def replace_attachment(name: str, data: bytes):
    def change(pdf):
        pdf.attachments[name] = pikepdf.AttachedFileSpec(pdf, data, filename=name)

    return change


def reproduce_fails(project, copy: Path):
    """`reproduce` of a copy of an edition, which must fail as a user error (exit 1)."""
    result = cli(project, "reproduce", str(copy))
    assert result.exit_code == 1
    return result


def with_template_code(edition: Path, target: Path, code: str) -> Path:
    """A forged copy of the edition whose handout template starts its body with `code`."""
    template = (ROOT / "templates" / "handout.html").read_text()
    evil = template.replace("{% block body %}", "{% block body %}" + code, 1)
    return forged(edition, target, replace_attachment("templates/handout.html", evil.encode()))


# -- 1. reproduce runs no code, reads no bomb, trusts no manifest ------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        "{{ cycler.__init__.__globals__.os.system('touch @MARK@') }}",
        "{{ lipsum.__globals__['os'].system('touch @MARK@') }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{% set x = pub.articles.update({'en': 1}) %}",
        # Paths are data to a template, never a way to the file system
        "{{ pub.folder.joinpath('@MARK@').write_text('x') }}",
        "{{ pub.folder.joinpath('/etc/hostname').read_text() }}",
        "{{ pub.folder.cwd() }}",
        "{{ article.title.file.path.read_text() }}",
    ],
)
def test_reproduce_runs_no_code_from_an_edition(released, tmp_path, payload):
    project, edition = released
    mark = tmp_path / "pwned"
    copy = with_template_code(edition, tmp_path / "1.0.0", payload.replace("@MARK@", str(mark)))
    assert cli(project, "verify", str(copy)).exit_code == 0  # a forger rehashes
    result = reproduce_fails(project, copy)
    assert "templates/handout.html:5:1: error: template: access to attribute" in result.output
    assert "is unsafe [template-unsafe]" in result.output
    assert not mark.exists()
    assert Path("/etc/hostname").read_text().strip() not in result.output


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{{ image_url(pub.references_files[0]) }}", "image_url() takes only an image"),
        ("{{ image_url(pub.folder) }}", "image_url() takes only an image"),
        ("{{ long_date('/etc/passwd') }}", "long_date() takes a date"),
        ("{{ 1 / 0 }}", "template: division by zero [template-error]"),
        ("{{ pub.languages[99] }}", "template: list object has no element 99"),
        ("{{ ('x' * 10**12) | length }}", "repetition longer than 1,000,000"),
        ("{{ 7 ** 1000000 }}", "power larger than 64"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "template: it nests too deeply"),
    ],
)
def test_template_helpers_take_only_what_they_are_for(released, tmp_path, payload, message):
    project, edition = released
    copy = with_template_code(edition, tmp_path / "1.0.0", payload)
    result = reproduce_fails(project, copy)
    assert "templates/handout.html:5:1: error: " in result.output
    assert message in result.output
    assert "Traceback" not in result.output


def attachment_bomb(pdf, size=512 * 1024 * 1024):
    """A zero-filled attachment of `size` bytes, stored as a few hundred kilobytes."""
    squeeze = zlib.compressobj(9)
    chunk = bytes(1024 * 1024)
    packed = b"".join(squeeze.compress(chunk) for _ in range(size // len(chunk)))
    packed += squeeze.flush()
    spec = pikepdf.AttachedFileSpec(pdf, b"x", filename="content/mini/en.yaml")
    spec.get_file().obj.write(packed, filter=pikepdf.Name.FlateDecode)
    pdf.attachments["content/mini/en.yaml"] = spec


def test_an_attachment_bomb_is_refused_in_little_memory(released, tmp_path):
    _, edition = released
    copy = forged(edition, tmp_path / "1.0.0", attachment_bomb)
    assert (copy / "en" / "handout.pdf").stat().st_size < 2 * 1024 * 1024
    # A Python of its own runs reproduce and reports the peak memory of its one child.
    measure = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.stderr.write(done.stderr)\n"
        "sys.exit(done.returncode)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", measure, sys.executable, str(ROOT / "build.py"), "reproduce"]
        + [str(copy)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    peak_kib = int(result.stdout.split()[-1])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert (
        "error: carries 'content/mini/en.yaml' of more than 67,108,864 bytes [bad-source]"
        in result.stderr
    )
    assert peak_kib < 400 * 1024, f"reproduce used {peak_kib // 1024} MiB"


@pytest.mark.parametrize(
    "name",
    [
        "output/.cache/templates/0123.cache",  # Jinja2 would load it as compiled code
        "content/other/en.yaml",
        "/etc/passwd",
        "content/mini/../../../../tmp/x",
        "templates/.hidden",
    ],
)
def test_reproduce_refuses_sources_outside_the_publication(released, tmp_path, name):
    project, edition = released
    copy = forged(edition, tmp_path / "1.0.0", replace_attachment(name, b"x"))
    result = reproduce_fails(project, copy)
    assert f"error: carries a file named {name!r}, which is not a source" in result.output


BAD_MANIFESTS = {
    "not-json": (b"{files: ", "manifest.json:1:2: error: manifest.json is not JSON"),
    "a-list": (b"[]", "manifest.json is not valid: the document must be of type object"),
    "no-files": (
        b'{"publication": "mini", "version": "1.0.0", "date": "2026-01-15"}',
        "manifest.json is not valid: the document lacks a required field ('files')",
    ),
    "absolute-path": (
        {"path": "/etc/hostname"},
        "manifest.json is not valid: files[0].path has a form that is not allowed",
    ),
    "parent-path": (
        {"path": "en/../../../etc/hostname"},
        "manifest.json is not valid: files[0].path has a form that is not allowed",
    ),
    "bytes-text": ({"bytes": "12"}, "files[0].bytes must be of type integer"),
    "sha-short": ({"sha256": "abc"}, "files[0].sha256 has a form that is not allowed"),
    "publication-path": (
        {"publication": "../../x"},
        "manifest.json is not valid: publication has a form that is not allowed",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_MANIFESTS))
def test_bad_manifests_are_diagnostics(released, tmp_path, case):
    project, edition = released
    copy = tmp_path / "1.0.0"
    shutil.copytree(edition, copy)
    change, message = BAD_MANIFESTS[case]
    if isinstance(change, bytes):
        (copy / "manifest.json").write_bytes(change)
    else:
        manifest = json.loads((copy / "manifest.json").read_text())
        if "publication" in change:
            manifest |= change
        else:
            manifest["files"][0] |= change
        (copy / "manifest.json").write_text(json.dumps(manifest))
    for command in ("verify", "reproduce", "editions"):
        args = (command,) if command == "editions" else (command, str(copy))
        if command == "editions":
            target = project.output / "editions" / "forged" / "1.0.0"
            shutil.copytree(copy, target)
        result = cli(project, *args)
        if command == "editions":
            shutil.rmtree(target.parent)
        assert result.exit_code == 1, result.output
        assert message in result.output
        assert "Traceback" not in result.output
        assert "hostname" not in result.output.replace("etc/hostname", "")


def test_a_bad_lock_file_is_a_diagnostic(released, tmp_path):
    project, edition = released
    copy = forged(edition, tmp_path / "1.0.0", replace_attachment("pressrun-lock.json", b"[1]"))
    result = reproduce_fails(project, copy)
    assert "pressrun-lock.json is not valid: the document must be of type object" in result.output


# -- 2. verify: intact is not authentic; signatures are ----------------------------------------


def test_verify_says_what_it_proves(released, keys):
    project, edition = released
    plain = cli(project, "verify", str(edition))
    assert plain.exit_code == 0
    assert "intact (signed; give --allowed-signers to check the signature)" in plain.output
    assert "It does not prove who made the edition" in plain.output
    signed = cli(project, "verify", str(edition), "--allowed-signers", str(keys["allowed"]))
    assert signed.exit_code == 0, signed.output
    assert f"{edition}: intact, signed by teacher@school" in signed.output


def test_a_rehashed_forgery_passes_plain_verify_but_not_the_signature(released, tmp_path, keys):
    project, edition = released
    copy = tmp_path / "1.0.0"
    shutil.copytree(edition, copy)
    html = copy / "en" / "handout.html"
    html.write_text(html.read_text().replace("A small test", "A forged text"))
    rehash(copy)
    assert cli(project, "verify", str(copy)).exit_code == 0  # damage-free, but forged
    result = cli(project, "verify", str(copy), "--allowed-signers", str(keys["allowed"]))
    assert result.exit_code == 1
    assert "CHECKSUMS.sha256.sig: error: not signed by an allowed signer" in result.output


def test_a_stranger_signature_and_no_signature_fail(tmp_path, keys):
    project = mini_project(tmp_path / "p")
    assert cli(project, "release", "mini", "--sign", str(keys["stranger"])).exit_code == 0
    edition = project.output / EDITION
    result = cli(project, "verify", str(edition), "--allowed-signers", str(keys["allowed"]))
    assert result.exit_code == 1 and "not signed by an allowed signer" in result.output
    (edition / "CHECKSUMS.sha256.sig").unlink()
    result = cli(project, "verify", str(edition), "--allowed-signers", str(keys["allowed"]))
    assert result.exit_code == 1
    assert "error: not signed: there is no CHECKSUMS.sha256.sig" in result.output
    plain = cli(project, "verify", str(edition))
    assert "intact, not authenticated (unsigned)" in plain.output


def test_signing_with_a_bad_key_is_a_diagnostic(tmp_path):
    project = mini_project(tmp_path / "p")
    key = tmp_path / "not-a-key"
    key.write_text("nothing here\n")
    result = cli(project, "release", "mini", "--sign", str(key))
    assert result.exit_code == 1
    assert "error: cannot sign with this key" in result.output
    assert not (project.output / EDITION).exists()


# -- 5. release carries exactly what the publication uses ---------------------------------------


def test_release_carries_only_the_files_used_and_no_absolute_path(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-passwd-line\n")
    outside = tmp_path / "elsewhere" / "mini"
    outside.parent.mkdir()
    project = mini_project(tmp_path / "project")
    shutil.move(project.content / "mini", outside)  # the content folder through a symlink
    (project.content / "mini").symlink_to(outside)
    (outside / "passwd.png").symlink_to(secret)
    (outside / "draft.yaml").write_text("title: unfinished\n")
    (outside / ".git").mkdir()
    (outside / ".git" / "config").write_text("[remote]\n")
    result = cli(project, "release", "mini")
    assert result.exit_code == 0, result.output
    edition = project.output / EDITION
    manifest = json.loads((edition / "manifest.json").read_text())
    assert [s for s in manifest["sources"] if s.startswith("content/")] == [
        "content/mini/en.yaml",
        "content/mini/publication.yaml",
        "content/mini/references.yaml",
    ]
    with pikepdf.open(edition / "en" / "handout.pdf") as pdf:
        assert sorted(pdf.attachments) == sorted(manifest["sources"])
    for name, data in every_byte(edition):
        assert b"SECRET-passwd" not in data, name
        assert str(tmp_path).encode() not in data, f"{name} holds the build path"


def test_release_refuses_a_template_linked_out_of_its_folder(tmp_path):
    project = mini_project(tmp_path / "project")
    (tmp_path / "secret.txt").write_text("SECRET\n")
    (project.templates / "extra.html").symlink_to(tmp_path / "secret.txt")
    result = cli(project, "release", "mini")
    assert result.exit_code == 1
    assert "templates/extra.html: error: is a link to a file outside templates/" in result.output
    assert "SECRET" not in result.output


def test_verify_reads_no_file_through_a_symlink(released, tmp_path):
    project, edition = released
    copy = tmp_path / "1.0.0"
    shutil.copytree(edition, copy)
    (copy / "en" / "handout.html").unlink()
    (copy / "en" / "handout.html").symlink_to("/etc/hostname")
    result = cli(project, "verify", str(copy))
    assert result.exit_code == 1
    assert f"{copy}/en/handout.html: error: is a symlink, or inside one" in result.output
    assert hashlib.sha256(Path("/etc/hostname").read_bytes()).hexdigest()[:12] not in result.output


def test_a_symlinked_folder_in_an_edition_is_named(released, tmp_path):
    project, edition = released
    copy = tmp_path / "1.0.0"
    shutil.copytree(edition, copy)
    shutil.move(copy / "en", tmp_path / "en-elsewhere")
    (copy / "en").symlink_to(tmp_path / "en-elsewhere")
    result = cli(project, "verify", str(copy))
    assert result.exit_code == 1
    assert f"{copy}/en: error: is a symlink: an edition holds plain files only" in result.output
    assert f"{copy}/en/handout.pdf: error: is a symlink, or inside one" in result.output


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda m: m.symlink_to("/dev/zero"), "manifest.json: error: is not a plain file"),
        (
            lambda m: m.write_bytes(b" " * (5 * 1024 * 1024)),
            "manifest.json is more than 4,194,304 bytes",
        ),
    ],
)
def test_a_manifest_is_read_within_its_cap(released, tmp_path, make, message):
    project, edition = released
    copy = tmp_path / "1.0.0"
    shutil.copytree(edition, copy)
    (copy / "manifest.json").unlink()
    make(copy / "manifest.json")
    result = cli(project, "verify", str(copy))
    assert result.exit_code == 1 and message in result.output


def test_a_trailing_newline_is_not_a_version(released, tmp_path):
    project, edition = released
    copy = tmp_path / "1.0.0"
    shutil.copytree(edition, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["version"] = "1.0.0\n"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    result = cli(project, "verify", str(copy))
    assert result.exit_code == 1
    assert "manifest.json is not valid: version has a form that is not allowed" in result.output


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["content/mini/zz", "content/mini/zz/y"], "cannot be written here"),
        (["content/mini/" + "é" * 150], "cannot be written here"),
    ],
)
def test_sources_that_cannot_be_written_are_named(released, tmp_path, names, message):
    project, edition = released

    def change(pdf):
        for name in names:
            pdf.attachments[name] = pikepdf.AttachedFileSpec(pdf, b"x", filename="x")

    copy = forged(edition, tmp_path / "1.0.0", change)
    result = cli(project, "reproduce", str(copy))
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output


def test_an_edition_with_a_bad_locale_is_a_diagnostic(released, tmp_path):
    project, edition = released
    labels = (ROOT / "templates" / "labels" / "en.yaml").read_text()
    bad = labels.replace("date-locale: en", 'date-locale: "../../../../tmp/x"')
    copy = forged(
        edition, tmp_path / "1.0.0", replace_attachment("templates/labels/en.yaml", bad.encode())
    )
    result = reproduce_fails(project, copy)
    assert "error: date-locale '../../../../tmp/x' is not a locale Babel knows" in result.output


def test_reproduce_refuses_a_damaged_edition(released, tmp_path):
    project, edition = released
    copy = tmp_path / "1.0.0"
    shutil.copytree(edition, copy)
    html = copy / "en" / "handout.html"
    html.write_text(html.read_text() + " ")
    result = reproduce_fails(project, copy)
    assert f"{html}: error: changed since the release" in result.output


def test_a_template_that_loops_is_stopped_at_the_limit(released, tmp_path, monkeypatch):
    import pressrun.editions

    project, edition = released
    monkeypatch.setattr(pressrun.editions, "REPRODUCE_CPU_SECONDS", 3)
    loop = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    copy = with_template_code(edition, tmp_path / "1.0.0", loop)
    result = reproduce_fails(project, copy)
    assert "error: rebuilding it needed more than 3 s of processor time" in result.output


def test_verify_reads_huge_or_linked_files_in_little_memory(released, tmp_path):
    project, edition = released
    copy = tmp_path / "1.0.0"
    shutil.copytree(edition, copy)
    with open(copy / "en" / "handout.html", "r+b") as handle:
        handle.truncate(2 * 1024**4)  # a sparse file of 2 TiB: it costs nothing to ship
    (copy / "CHECKSUMS.sha256").unlink()
    (copy / "CHECKSUMS.sha256").symlink_to("/dev/zero")
    result = cli(project, "verify", str(copy))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "en/handout.html: error: changed since the release (2,199,023,255,552 bytes" in (
        result.output
    )
    assert "CHECKSUMS.sha256: error: missing or changed since the release" in result.output


def test_a_huge_number_in_a_manifest_is_a_diagnostic(released, tmp_path):
    project, edition = released
    copy = tmp_path / "1.0.0"
    shutil.copytree(edition, copy)
    text = (copy / "manifest.json").read_text()
    (copy / "manifest.json").write_text(text.replace('"bytes": ', '"bytes": ' + "9" * 5000, 1))
    for args in (("verify", str(copy)), ("reproduce", str(copy))):
        result = cli(project, *args)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "manifest.json nests too deeply or holds a number too long" in result.output
