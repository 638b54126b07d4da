"""Builds on a Dask cluster: a LocalCluster of two worker processes whose working folders are
empty temporary folders builds the sample; its bytes are the local build's. A worker whose
fonts differ is refused; a worker killed during a build changes nothing; an address where no
scheduler answers is an error within ten seconds."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import (
    HERE_DATA,
    ROOT,
    SAMPLE,
    WORKSHEET,
    build_py,
    copy_project,
    mini_project,
    run_cli,
    snapshot,
)
from pdf import page_texts

from pressrun.diagnostics import PressrunError
from pressrun.pipeline import build
from pressrun.project import Project

distributed = pytest.importorskip("distributed")

# Dask's own noise, not pressrun's: sockets it leaves to the collector, a busy dashboard port.
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore:Port .* is already in use:UserWarning"),
]


def files(folder: Path) -> dict[str, bytes]:
    """The built files of the sample (not pressrun's digests and caches, which start with .)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


def cluster(tmp_path_factory, workers: int = 2, env: dict | None = None):
    return distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        local_directory=str(tmp_path_factory.mktemp("workers")),
        dashboard_address=":0",
        env=env or {},
    )


def english_handout(project, address: str, *more: str):
    """`build --format handout --lang en` on the cluster at `address`."""
    return run_cli(
        project, "build", "--format", "handout", "--lang", "en", *more, "--cluster", address
    )


@pytest.fixture(scope="module")
def local_cluster(tmp_path_factory):
    with cluster(tmp_path_factory) as running:
        yield running


def test_a_cluster_build_gives_the_local_bytes(sample, local_cluster, tmp_path):
    project = copy_project(tmp_path / "project")
    made = build(project, cluster=local_cluster.scheduler_address)
    assert len(made) == 7  # handout, booklet, web in en and es, and the parallel edition
    assert files(project.output / SAMPLE) == files(sample.output / SAMPLE)
    again = build(project, cluster=local_cluster.scheduler_address)
    assert again == []  # recorded as a local build records: nothing to do


def test_a_killed_worker_changes_no_byte(sample, local_cluster, tmp_path):
    project = copy_project(tmp_path / "project")
    client = distributed.Client(local_cluster.scheduler_address, set_as_default=False)
    pids = client.run(os.getpid)
    done = threading.Event()
    killed = []

    def kill_one_while_it_works() -> None:
        while not done.is_set():
            busy = [w for w, tasks in client.processing().items() if tasks]
            if busy:
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(busy[0])
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_while_it_works)
    killer.start()
    try:
        build(project, formats=["handout", "booklet"], cluster=local_cluster.scheduler_address)
    finally:
        done.set()
        killer.join()
        client.close()
    assert killed, "no worker was killed while it worked"
    ours, theirs = files(project.output / SAMPLE), files(sample.output / SAMPLE)
    assert len(ours) == 10 and all(ours[name] == theirs[name] for name in ours)


def test_a_worker_with_other_fonts_is_refused(tmp_path_factory, tmp_path):
    fonts = tmp_path / "fonts.conf"  # a machine without the CJK fonts
    fonts.write_text(
        "<fontconfig><dir>/usr/share/fonts/truetype</dir>"
        f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>"
    )
    project = copy_project(tmp_path / "project")
    with cluster(tmp_path_factory, 1, {"FONTCONFIG_FILE": str(fonts)}) as other:
        result = run_cli(
            project, "build", "--format", "handout", "--cluster", other.scheduler_address
        )
        assert result.exit_code == 1, result.output
        assert "error: worker tcp://127.0.0.1:" in result.output
        assert "differs from this machine: " in result.output
        assert "font Noto Serif CJK JP: DejaVu" in result.output  # its file there, and here:
        assert "NotoSerifCJK-Regular.ttc" in result.output
        assert "[cluster-mismatch]" in result.output
        assert not (project.output / SAMPLE / "en" / "handout.pdf").exists()
        allowed = english_handout(project, other.scheduler_address, "--allow-mismatch")
        assert allowed.exit_code == 0, allowed.output
        assert "warning: worker tcp://127.0.0.1:" in allowed.output


def test_an_unreachable_scheduler_is_an_error_within_ten_seconds(project):
    started = time.perf_counter()
    result = build_py("--project", str(project.root), "build", "--cluster", "tcp://127.0.0.1:9")
    assert time.perf_counter() - started < 15  # ten seconds of waiting, and the start
    assert result.returncode == 1
    assert "error: no Dask scheduler answers at tcp://127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_error_on_a_worker_is_one_clear_message(local_cluster, tmp_path):
    """What fails on a worker (here WeasyPrint refusing a stylesheet's address) comes back
    as the same message a local build gives, exit 1, no traceback, nothing written."""
    project = copy_project(tmp_path / "project")
    css = project.styles / "handout.css"
    css.write_text(css.read_text() + "\nbody { background: url(https://example.com/x.png); }\n")
    result = english_handout(project, local_cluster.scheduler_address)
    assert result.exit_code == 1, result.output
    assert "refused to load 'https://example.com/x.png'" in result.output
    assert "styles/handout.css" in result.output and "Traceback" not in result.output
    assert not (project.output / SAMPLE / "en" / "handout.pdf").exists()


def test_a_killed_client_leaves_no_task_behind(local_cluster, tmp_path):
    """A build killed in mid-run: the scheduler forgets its tasks (they are not built for
    nobody), and the cluster is free for the next build."""
    project = copy_project(tmp_path / "project")
    watcher = distributed.Client(local_cluster.scheduler_address, set_as_default=False)
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "build.py"),
            "--project",
            str(project.root),
            "build",
            "--force",
            "--quiet",
            "--cluster",
            local_cluster.scheduler_address,
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not any(watcher.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(watcher.processing().values()), "the build never started a task"
        process.kill()
        process.wait()

        def tasks(dask_scheduler) -> int:
            return len(dask_scheduler.tasks)

        deadline = time.monotonic() + 30
        while watcher.run_on_scheduler(tasks) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert watcher.run_on_scheduler(tasks) == 0
    finally:
        process.kill()
        watcher.close()


def test_a_release_of_two_publications_on_the_cluster_is_the_local_release(
    released, local_cluster, tmp_path
):
    project = copy_project(tmp_path / "project")
    shutil.copytree(HERE_DATA / "mini", project.content / "mini")
    result = run_cli(
        project, "release", SAMPLE, "mini", "--cluster", local_cluster.scheduler_address
    )
    assert result.exit_code == 0, result.output
    editions = project.output / "editions"
    _, sample_edition = released  # released here, with no cluster
    assert snapshot(editions / SAMPLE / "1.0.0") == snapshot(sample_edition)
    here = mini_project(tmp_path / "here")
    assert run_cli(here, "release", "mini").exit_code == 0
    mini = snapshot(editions / "mini" / "1.0.0")
    assert "en/handout.pdf" in mini
    assert mini == snapshot(here.output / "editions" / "mini" / "1.0.0")


def test_a_class_set_on_the_cluster_is_the_local_one(worksheet, local_cluster, tmp_path):
    """The names are typeset in documents of a few names each, on the workers; the class set
    has the local bytes, each student's name on their own pages, in the roster's order."""
    from pressrun import classset

    project = Project(shutil.copytree(worksheet.root, tmp_path / "project", symlinks=True))
    roster = HERE_DATA / "rosters" / "class-10b.csv"
    targets = {}
    for where in ("here", "cluster"):
        targets[where] = tmp_path / f"{where}.pdf"
        classset.NAMES_PER_DOCUMENT, before = 7, classset.NAMES_PER_DOCUMENT
        try:
            args = ["--cluster", local_cluster.scheduler_address] if where == "cluster" else []
            result = run_cli(
                project,
                "class-set",
                WORKSHEET,
                "--roster",
                str(roster),
                "-o",
                str(targets[where]),
                *args,
            )
        finally:
            classset.NAMES_PER_DOCUMENT = before
        assert result.exit_code == 0, result.output
        assert "30 copies, 120 pages" in result.output
    assert targets["cluster"].read_bytes() == targets["here"].read_bytes()
    expected = [row["name"] for row in csv.DictReader(roster.open(encoding="utf-8"))]
    pages = page_texts(targets["cluster"])
    assert [page.split("·")[0].strip() for page in pages[::4]] == expected


@pytest.mark.parametrize("address", ["foo", "http://x:80", "tcp://:8786", "tcp://h:99999"])
def test_a_malformed_address_is_a_usage_error(project, address, monkeypatch):
    result = run_cli(project, "build", "--cluster", address)
    assert result.exit_code == 2
    assert f"{address!r} is not a Dask scheduler's address: give tcp://HOST:PORT" in result.output
    monkeypatch.setenv("PRESSRUN_CLUSTER", address)
    result = run_cli(project, "class-set", WORKSHEET, "--roster", __file__)
    assert result.exit_code == 2
    assert f"PRESSRUN_CLUSTER={address!r} is not a Dask" in result.output
    assert not project.output.exists()


def test_another_clients_files_do_not_get_into_a_build(sample, local_cluster, tmp_path):
    """Two builds on one cluster at once, of projects whose templates differ: each task gets
    its own build's files (they are sent under keys of their own, not by their paths)."""
    other = distributed.Client(local_cluster.scheduler_address, set_as_default=False)
    try:
        held = other.scatter(  # another project's files, as they would be sent by path
            {"templates/handout.html": b"{{ 1/0 }}", "templates/base.html": b"{{ 1/0 }}"},
            hash=False,
        )
        project = copy_project(tmp_path / "project")
        build(project, None, ["en"], ["handout"], cluster=local_cluster.scheduler_address)
        ours = files(project.output / SAMPLE)
        assert ours["en/handout.pdf"] == files(sample.output / SAMPLE)["en/handout.pdf"]
        del held
    finally:
        other.close()


def test_a_worker_that_differs_is_refused_by_each_task(local_cluster):
    """A worker may join after the check at the start: each task checks its worker again."""
    from pressrun.cluster import Session, fingerprint, results

    client = distributed.Client(local_cluster.scheduler_address, set_as_default=False)
    try:
        expected = {**fingerprint(""), "pandoc": "pandoc 0.0"}  # as if this machine differed
        running = Session(client, "", expected)
        with pytest.raises(PressrunError) as raised:
            list(results(running, [("probe", len, ("abc",))]))
        message = str(raised.value)
        assert "error: worker tcp://127.0.0.1:" in message and "[cluster-mismatch]" in message
        assert "pandoc: pandoc " in message and "there, pandoc 0.0 here" in message
        assert dict(results(Session(client, "", None), [("probe", len, ("abc",))])) == {0: 3}
    finally:
        client.close()


def test_a_file_named_through_dotdot_is_refused(tmp_path):
    """A name with '..' may climb out through a link on one machine and not on another (a
    worker holds no links): it is refused everywhere, before anything is sent."""
    project = mini_project(tmp_path / "project")
    meta = project.content / "mini" / "publication.yaml"
    (project.content / "mini" / "deep").mkdir()
    meta.write_text(meta.read_text() + "references: deep/../references.yaml\n")
    result = run_cli(project, "check")
    assert result.exit_code == 1
    assert "references file 'deep/../references.yaml' is outside the publication folder" in (
        result.output
    )
