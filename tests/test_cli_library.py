"""The headless library commands: import, verdict, note, export (in-process and as a real process).

Every command prints ``--json`` a pipeline can read, and bad input (unknown id, unreadable or
non-video file, a time beyond the clip's end) exits non-zero with a message that says why.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pypdf
import pytest

from sora_studio import cli
from tests.media_factory import write_clip


def command() -> list[str]:
    """The installed ``sora-studio`` script beside this Python, else ``python -m sora_studio``."""
    script = Path(sys.executable).with_name("sora-studio")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "sora_studio"]


def run_process(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    return subprocess.run(
        [*command(), "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def run_main(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--data-dir", str(data), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def as_json(text: str) -> Any:
    return json.loads(text)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "studio"


@pytest.fixture
def clip_a(tmp_path: Path) -> Path:
    return write_clip(tmp_path / "a.mp4", level=30)


@pytest.fixture
def clip_b(tmp_path: Path) -> Path:
    return write_clip(tmp_path / "b.mp4", level=140)


def test_pipeline_as_real_processes(data: Path, tmp_path: Path, clip_a: Path) -> None:
    imported = run_process(data, "import", str(clip_a), "--json")
    assert imported.returncode == 0, imported.stderr
    (clip,) = as_json(imported.stdout)["imported"]
    job_id = clip["job_id"]
    assert clip["copied"] is True and clip["size"] == "320x180"

    late = run_process(data, "note", str(job_id), "--at", "00:12.500", "too late")
    assert late.returncode == 2
    assert "12.500 s is beyond the clip's end (2.000 s)" in late.stderr
    assert "Traceback" not in late.stderr

    edl = tmp_path / "cut.edl"
    exported = run_process(data, "export", "timeline", str(edl), "--status", "unreviewed", "--json")
    assert exported.returncode == 0, exported.stderr
    assert as_json(exported.stdout)["job_ids"] == [job_id]
    assert "001  AX       V     C        00:00:00:00 00:00:02:00" in edl.read_text()
    assert f"* FROM CLIP NAME:  clip-{job_id:04d}.mp4" in edl.read_text()

    edl.write_text(edl.read_text() + "* LOC: 00:00:01:00 BLUE    GRADE WARMER\n")
    back = run_process(data, "import-markers", str(edl), "--json")
    assert back.returncode == 0, back.stderr
    (note,) = as_json(back.stdout)["added"]
    assert (note["job_id"], note["start_ms"], note["text"]) == (job_id, 1000, "GRADE WARMER")
    again = run_process(data, "import-markers", str(edl))
    assert again.returncode == 0 and "Added 0 notes" in again.stdout


def test_import_reports_duplicates_and_link_mode(
    capsys: pytest.CaptureFixture[str], data: Path, clip_a: Path, clip_b: Path
) -> None:
    code, out, _ = run_main(capsys, data, "import", str(clip_a))
    assert code == 0 and "as clip 1" in out and "copied" in out
    code, out, err = run_main(capsys, data, "import", "--link", str(clip_a), str(clip_b), "--json")
    assert code == 0, err
    result = as_json(out)
    assert [d["duplicate_of"] for d in result["duplicates"]] == [1]
    assert result["imported"][0]["copied"] is False
    assert result["imported"][0]["video_path"] == str(clip_b.resolve())


def test_import_copies_into_the_library_folder_chosen_in_settings(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path, clip_a: Path
) -> None:
    from sora_studio.paths import resolve_paths
    from sora_studio.services.setting_keys import LIBRARY_SETTING
    from sora_studio.storage.db import open_db
    from sora_studio.storage.repository import Repository

    chosen = tmp_path / "chosen-library"
    paths = resolve_paths(data).ensure()
    repo = Repository(open_db(paths.database))
    repo.set_setting(LIBRARY_SETTING, str(chosen))
    repo.close()
    code, out, err = run_main(capsys, data, "import", str(clip_a), "--json")
    assert code == 0, err
    video = Path(as_json(out)["imported"][0]["video_path"])
    assert video.is_file() and video.is_relative_to(chosen)
    assert not paths.library.exists() or not any(paths.library.rglob("*.mp4"))


def test_import_of_bad_files_exits_non_zero_naming_each(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path, clip_a: Path
) -> None:
    text = tmp_path / "script.txt"
    text.write_text("INT. BOAT - NIGHT\n")
    code, out, err = run_main(
        capsys, data, "import", str(text), str(tmp_path / "gone.mp4"), str(clip_a), "--json"
    )
    assert code == 2
    failures = {Path(f["source"]).name: f["message"] for f in as_json(out)["failures"]}
    assert "not a video file" in failures["script.txt"]
    assert "no such file" in failures["gone.mp4"]
    assert len(as_json(out)["imported"]) == 1
    assert "script.txt" in err and "gone.mp4" in err


def test_import_of_an_empty_folder_says_so(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run_main(capsys, data, "import", str(empty))
    assert code == 2 and "no video files found" in err


def test_verdicts_on_several_clips_then_undo(
    capsys: pytest.CaptureFixture[str], data: Path, clip_a: Path, clip_b: Path
) -> None:
    run_main(capsys, data, "import", str(clip_a), str(clip_b))
    code, out, _ = run_main(
        capsys,
        data,
        "verdict",
        "1",
        "2",
        "reject",
        "--reason",
        "soft",
        "--reviewer",
        "kim",
        "--json",
    )
    assert code == 0
    assert [(r["job_id"], r["review_status"], r["reviewer"]) for r in as_json(out)] == [
        (1, "rejected", "kim"),
        (2, "rejected", "kim"),
    ]
    code, out, _ = run_main(capsys, data, "verdict", "2", "undo", "--json")
    assert code == 0 and as_json(out) == [
        {"job_id": 2, "review_status": "unreviewed", "review_id": 3, "undone": True}
    ]
    code, out, _ = run_main(capsys, data, "verdict", "2", "undo")
    assert code == 0 and "no verdict to undo" in out


def test_verdict_on_an_unknown_id_fails_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], data: Path, clip_a: Path
) -> None:
    run_main(capsys, data, "import", str(clip_a))
    code, _, err = run_main(capsys, data, "verdict", "1", "42", "approve")
    assert code == 2 and "no job with id 42" in err
    code, out, _ = run_main(capsys, data, "export", "clips", str(data / "out"), "--json")
    assert as_json(out)["job_ids"] == []  # clip 1 was not approved either


def test_note_errors(capsys: pytest.CaptureFixture[str], data: Path, clip_a: Path) -> None:
    run_main(capsys, data, "import", str(clip_a))
    code, _, err = run_main(capsys, data, "note", "9", "--at", "00:01.000", "hello")
    assert code == 2 and "no job with id 9" in err
    code, _, err = run_main(capsys, data, "note", "1", "--at", "soon", "hello")
    assert code == 2 and "--at: cannot read timecode 'soon'" in err
    code, _, err = run_main(capsys, data, "note", "1", "--at", "00:01", "--to", "00:03", "x")
    assert code == 2 and "3.000 s is beyond the clip's end (2.000 s)" in err
    code, out, _ = run_main(
        capsys, data, "note", "1", "--at", "00:00.250", "--to", "1.5s", "pan", "--json"
    )
    assert code == 0
    assert {k: as_json(out)[k] for k in ("start", "end", "text")} == {
        "start": "00:00.250",
        "end": "00:01.500",
        "text": "pan",
    }


def test_every_export_kind(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path, clip_a: Path, clip_b: Path
) -> None:
    run_main(capsys, data, "import", str(clip_a), str(clip_b))
    run_main(capsys, data, "verdict", "1", "approve")
    run_main(capsys, data, "verdict", "2", "changes", "--reason", "too dark")
    run_main(capsys, data, "note", "2", "--at", "00:00.500", "lift the shadows")

    code, out, _ = run_main(capsys, data, "export", "clips", str(tmp_path / "clips"), "--json")
    assert code == 0 and as_json(out)["job_ids"] == [1]
    assert (tmp_path / "clips" / "clip-0001" / "recipe.json").is_file()

    notes = tmp_path / "notes.csv"
    code, out, _ = run_main(capsys, data, "export", "notes-csv", str(notes))
    assert code == 0 and "wrote 1 notes" in out
    with notes.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["job_id"], r["text"]) for r in rows] == [("2", "lift the shadows")]

    pdf = tmp_path / "report.pdf"
    code, out, _ = run_main(capsys, data, "export", "report-pdf", str(pdf), "--status", "changes")
    assert code == 0 and "wrote 1 pages" in out
    assert "too dark" in pypdf.PdfReader(pdf).pages[0].extract_text()

    cut = tmp_path / "all.xml"
    code, out, _ = run_main(capsys, data, "export", "timeline", str(cut), "--status", "all")
    assert code == 0 and "wrote 2 clips" in out

    code, out, _ = run_main(capsys, data, "export", "timeline", str(cut), "--id", "2", "--json")
    assert code == 0 and as_json(out)["job_ids"] == [2]


def test_export_errors(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path, clip_a: Path
) -> None:
    run_main(capsys, data, "import", str(clip_a))
    code, _, err = run_main(capsys, data, "export", "report-pdf", str(tmp_path / "r.pdf"))
    assert code == 0, err
    code, _, err = run_main(
        capsys, data, "export", "report-pdf", str(tmp_path / "x.pdf"), "--status", "approved"
    )
    assert code == 2 and "no approved clips to report on" in err
    code, _, err = run_main(capsys, data, "export", "notes-csv", str(tmp_path), "--status", "all")
    assert code == 2 and "is a folder" in err
    code, _, err = run_main(
        capsys, data, "export", "timeline", str(tmp_path / "e.edl"), "--id", "5"
    )
    assert code == 2 and "no job with id 5" in err
    code, _, err = run_main(capsys, data, "export", "timeline", str(tmp_path / "e.mov"))
    assert code == 2 and "must be a .otio, .xml" in err
    code, _, err = run_main(capsys, data, "import-markers", str(tmp_path / "missing.otio"))
    assert code == 2 and "does not exist" in err
    assert not (tmp_path / "e.edl").exists() and not (tmp_path / "e.mov").exists()


LIBRARY_COMMANDS_SCRIPT = """
import json, sys
from sora_studio import cli
data, clip, out = sys.argv[1:4]
codes = [
    cli.main(["--data-dir", data, *argv])
    for argv in (
        ["import", clip],
        ["verdict", "1", "approve"],
        ["note", "1", "--at", "00:00.500", "keep"],
        ["export", "notes-csv", out],
        ["spend"],
    )
]
heavy = ["openai", "sora_studio.services.engine", "sora_studio.commands._context"]
print(json.dumps({"codes": codes, "loaded": [m for m in heavy if m in sys.modules]}))
"""


def test_library_commands_never_load_the_engine_or_openai(
    data: Path, tmp_path: Path, clip_a: Path
) -> None:
    """import, verdict, note, export and spend open the library only: no provider SDK to load."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            LIBRARY_COMMANDS_SCRIPT,
            str(data),
            str(clip_a),
            str(tmp_path / "n.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"codes": [0, 0, 0, 0, 0], "loaded": []}


def test_help_does_not_load_opentimelineio() -> None:
    """The timeline commands import OTIO when they run, not when the parser is built."""
    script = (
        "import sys\nfrom sora_studio import cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('opentimelineio' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"
