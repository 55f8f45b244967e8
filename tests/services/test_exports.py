"""Every export format written and read back: clip folders, notes CSV, report PDF, spend.

The timeline export (and the markers coming back) has its own tests: ``test_timeline_*.py``."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import pypdf
import pytest

from sora_studio.commands import export as export_command
from sora_studio.core.errors import UserError
from sora_studio.core.models import AssetVariant, JobStatus, ReviewStatus
from sora_studio.services import export_pdf, exports, imports, review
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.job_factory import add_job, add_spent_job
from tests.media_factory import ClipMaker


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Library:
    repo: Repository
    root: Path
    approved: int  # 2 s, two notes (one a range, one resolved), approved after "changes"
    approved_long: int  # 3 s, approved, no notes
    rejected: int  # 2 s, rejected with a reason, one note


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory, make_clip: ClipMaker) -> list[Path]:
    """Three source clips, written once for the module (imports never change them)."""
    src = tmp_path_factory.mktemp("src")
    return [
        make_clip(src / "one.mp4", level=20),
        make_clip(src / "two.mp4", level=100, frames=72),
        make_clip(src / "three.mp4", level=180),
    ]


@pytest.fixture
def lib(tmp_path: Path, sources: list[Path]) -> Iterator[Library]:
    repo = Repository(open_db(tmp_path / "studio.sqlite3"))
    report = imports.import_clips(repo, tmp_path / "library", sources)
    one, two, three = (c.job_id for c in report.imported)
    review.record_verdict(repo, [one], ReviewStatus.CHANGES, "ana", "sky too dark")
    review.record_verdict(repo, [one, two], ReviewStatus.APPROVED, "ben")
    review.record_verdict(repo, [three], ReviewStatus.REJECTED, "ana", "warped hands")
    review.add_note(repo, one, 500, "lens flare — keep it", "ana", end_ms=1250)
    resolved = review.add_note(repo, one, 1500, "cut here, 'please'", "ben")
    repo.resolve_note(resolved.id)
    review.add_note(repo, three, 1000, "hands melt", "ana")
    yield Library(repo, tmp_path / "library", one, two, three)
    repo.close()


# --- clips --------------------------------------------------------------------------------------


def test_export_clips_copies_approved_media_and_recipes(lib: Library, tmp_path: Path) -> None:
    out = tmp_path / "delivery"
    report = exports.export_clips(lib.repo, out)
    assert report.job_ids == (lib.approved, lib.approved_long) and not report.skipped
    assert sorted(p.name for p in out.iterdir()) == [
        f"clip-{lib.approved:04d}",
        f"clip-{lib.approved_long:04d}",
    ]
    folder = out / f"clip-{lib.approved:04d}"
    name = folder.name
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{name}.mp4", f"{name}-thumbnail.webp", f"{name}-spritesheet.jpg", "recipe.json"]
    )
    assets = lib.repo.assets_for(lib.approved)
    assert sha256(folder / f"{name}.mp4") == assets[AssetVariant.VIDEO].sha256
    assert sha256(folder / f"{name}-thumbnail.webp") == assets[AssetVariant.THUMBNAIL].sha256
    recipe = json.loads((folder / "recipe.json").read_text())
    assert recipe["job_id"] == lib.approved
    assert recipe["files"]["video"] == {
        "name": f"{name}.mp4",
        "sha256": assets[AssetVariant.VIDEO].sha256,
    }
    assert recipe["review"]["status"] == "approved"
    assert [h["status"] for h in recipe["review"]["history"]] == ["changes", "approved"]
    assert [n["start"] for n in recipe["review"]["notes"]] == ["00:00.500", "00:01.500"]
    assert not list(out.rglob("*.part"))


def test_export_clips_by_status_and_by_id(lib: Library, tmp_path: Path) -> None:
    rejected = exports.export_clips(lib.repo, tmp_path / "r", ReviewStatus.REJECTED)
    assert rejected.job_ids == (lib.rejected,)
    chosen = exports.export_clips(lib.repo, tmp_path / "id", job_ids=[lib.rejected, lib.approved])
    assert chosen.job_ids == (lib.rejected, lib.approved)
    with pytest.raises(UserError, match="no job with id 999"):
        exports.export_clips(lib.repo, tmp_path / "bad", job_ids=[999])


def test_export_clips_reports_damaged_and_missing_media(lib: Library, tmp_path: Path) -> None:
    damaged = Path(lib.repo.assets_for(lib.approved)[AssetVariant.VIDEO].path)
    damaged.write_bytes(damaged.read_bytes()[:-10] + b"0123456789")
    Path(lib.repo.assets_for(lib.approved_long)[AssetVariant.VIDEO].path).unlink()
    out = tmp_path / "delivery"
    report = exports.export_clips(lib.repo, out)
    assert report.job_ids == ()
    skipped = {s.job_id: s.message for s in report.skipped}
    assert "no longer matches the checksum" in skipped[lib.approved]
    assert "no video file" in skipped[lib.approved_long]
    assert not list(out.rglob("*.mp4")) and not list(out.rglob("*.part"))


def test_export_clips_refuses_a_file_as_folder(lib: Library, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    with pytest.raises(UserError, match="is a file"):
        exports.export_clips(lib.repo, target)


# --- notes CSV ----------------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_notes_csv_has_every_note_with_timecodes(lib: Library, tmp_path: Path) -> None:
    out = tmp_path / "notes.csv"
    report = exports.export_notes_csv(lib.repo, out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # spreadsheets need the BOM for UTF-8
    rows = read_csv(out)
    assert report.items == len(rows) == 3
    assert tuple(rows[0]) == exports.NOTES_CSV_COLUMNS
    first, second, third = rows
    assert first["job_id"] == str(lib.approved) and first["clip"] == f"clip-{lib.approved:04d}"
    assert (first["start"], first["end"], first["start_ms"], first["end_ms"]) == (
        "00:00.500",
        "00:01.250",
        "500",
        "1250",
    )
    assert first["text"] == "lens flare — keep it" and first["resolved"] == "no"
    assert second["text"] == "cut here, 'please'" and second["resolved"] == "yes"
    assert second["end"] == "" and second["author"] == "ben"
    assert third["review_status"] == "rejected" and third["text"] == "hands melt"


def test_notes_csv_filters_by_status(lib: Library, tmp_path: Path) -> None:
    out = tmp_path / "rejected.csv"
    exports.export_notes_csv(lib.repo, out, status=ReviewStatus.REJECTED)
    assert [r["text"] for r in read_csv(out)] == ["hands melt"]
    exports.export_notes_csv(lib.repo, out, status=ReviewStatus.UNREVIEWED)
    assert read_csv(out) == []


# --- report PDF ---------------------------------------------------------------------------------


def test_report_pdf_has_a_page_per_clip_with_verdicts_notes_and_frames(
    lib: Library, tmp_path: Path
) -> None:
    out = tmp_path / "report.pdf"
    report = exports.export_report_pdf(lib.repo, out, tz=UTC)
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == report.items == 3
    first = reader.pages[0].extract_text()
    assert f"Clip {lib.approved}" in first and "APPROVED" in first
    assert "NEEDS CHANGES" in first and "sky too dark" in first and "by ben" in first
    assert "lens flare — keep it" in first and "00:00.500 - 00:01.250" in first
    assert "resolved" in first and "Cost: $0.00" in first
    # The clip's thumbnail and one frame per note.
    assert len(reader.pages[0].images) == 3
    rejected = reader.pages[2].extract_text()
    assert "REJECTED" in rejected and "warped hands" in rejected and "hands melt" in rejected
    assert len(reader.pages[1].images) == 1 and "No notes." in reader.pages[1].extract_text()


def test_report_pdf_of_nothing_is_refused(lib: Library, tmp_path: Path) -> None:
    out = tmp_path / "none.pdf"
    with pytest.raises(UserError, match="no unreviewed clips"):
        exports.export_report_pdf(lib.repo, out, status=ReviewStatus.UNREVIEWED)
    assert not out.exists()


def test_report_pdf_without_a_unicode_font_folds_text(
    lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_pdf, "_UNICODE_FONTS", ())
    out = tmp_path / "latin.pdf"
    exports.export_report_pdf(lib.repo, out, job_ids=[lib.approved])
    text = pypdf.PdfReader(out).pages[0].extract_text()
    assert "lens flare - keep it" in text


@pytest.mark.skipif(
    not any(Path(f).is_file() for f in export_pdf._UNICODE_FONTS)
    or not any(Path(f).is_file() for f in export_pdf._FALLBACK_FONTS),
    reason="no Unicode and CJK fonts on this system",
)
def test_report_pdf_keeps_scripts_beyond_latin(lib: Library, tmp_path: Path) -> None:
    lib.repo.update_job(lib.approved, prompt="港の夜明け — a harbour at dawn")
    out = tmp_path / "cjk.pdf"
    exports.export_report_pdf(lib.repo, out, job_ids=[lib.approved])
    assert "港の夜明け — a harbour at dawn" in pypdf.PdfReader(out).pages[0].extract_text()


# --- spend --------------------------------------------------------------------------------------


def test_spend_report_totals_rejected_money_and_cost_per_approved_second(tmp_path: Path) -> None:
    repo = Repository(open_db(tmp_path / "spend.sqlite3"))
    try:
        spent = []
        for seconds, cents, model in (
            (4, "40", "sora-2"),
            (8, "240", "sora-2-pro"),
            (4, "40", "sora-2"),
        ):
            job = add_spent_job(
                repo,
                cents,
                completed_at=86_400.0 * 3,
                fingerprint=f"fp{len(spent)}",
                model=model,
                seconds=seconds,
            )
            spent.append(job.id)
        add_job(repo, JobStatus.BLOCKED, fingerprint="blocked")
        review.record_verdict(repo, [spent[0], spent[1]], ReviewStatus.APPROVED, "ana")
        review.record_verdict(repo, [spent[2]], ReviewStatus.REJECTED, "ana")
        report = exports.spend_report(repo, tz=UTC)
    finally:
        repo.close()
    data = report.to_dict()
    assert data["total_cents"] == "320"
    assert data["by_model"] == {"sora-2": "80", "sora-2-pro": "240"}
    assert data["by_day"] == {"1970-01-04": "320"}
    assert (data["rejected_jobs"], data["rejected_cents"]) == (1, "40")
    assert data["approved_seconds"] == 12
    assert data["cost_per_approved_second_cents"] == "26.6667"  # 320 cents / 12 s
    assert data["blocked_jobs"] == 1
    text = report.to_text()
    assert "Total spent:              $3.20 on 3 renders" in text
    assert "Spent on rejected takes:  $0.40 (1 rejected)" in text
    assert "Cost per approved second: $0.2667" in text
    assert "sora-2-pro" in text and "1970-01-04" in text
    json.dumps(data)  # JSON-ready as it stands


def test_spend_report_with_nothing_approved(tmp_path: Path) -> None:
    repo = Repository(open_db(tmp_path / "empty.sqlite3"))
    try:
        report = exports.spend_report(repo)
    finally:
        repo.close()
    assert report.to_dict()["cost_per_approved_second_cents"] is None
    assert "n/a (nothing approved yet)" in report.to_text()


def test_spend_report_leaves_imported_clips_out(lib: Library) -> None:
    """The fixture's clips are all imports: approved and rejected, yet nothing was spent."""
    empty = exports.spend_report(lib.repo, tz=UTC).to_dict()
    assert (empty["total_cents"], empty["spent_jobs"]) == ("0", 0)
    assert empty["by_model"] == {} and empty["by_day"] == {}
    assert (empty["approved_jobs"], empty["approved_seconds"]) == (0, 0)
    assert (empty["rejected_jobs"], empty["rejected_cents"]) == (0, "0")
    assert empty["cost_per_approved_second_cents"] is None

    job = add_spent_job(lib.repo, 40, completed_at=86_400.0 * 3, fingerprint="rendered")
    review.record_verdict(lib.repo, [job.id], ReviewStatus.APPROVED, "ana")
    data = exports.spend_report(lib.repo, tz=UTC).to_dict()
    assert (data["total_cents"], data["spent_jobs"]) == ("40", 1)
    assert data["by_model"] == {"sora-2": "40"}
    assert (data["approved_jobs"], data["approved_seconds"]) == (1, 4)
    assert data["cost_per_approved_second_cents"] == "10.0000"  # the imports' 5 s add nothing


# --- one dispatch for the desk and the CLI ------------------------------------------------------


def test_run_export_chooses_each_kinds_clips_unless_told(lib: Library, tmp_path: Path) -> None:
    clips = exports.run_export(lib.repo, "clips", tmp_path / "c")
    assert clips.job_ids == (lib.approved, lib.approved_long)  # approved by default
    notes = exports.run_export(lib.repo, "notes-csv", tmp_path / "n.csv")
    assert set(notes.job_ids) == {lib.approved, lib.rejected}  # every ready clip's notes
    cut = exports.run_export(lib.repo, "timeline", tmp_path / "a.otio")
    assert cut.job_ids == (lib.approved, lib.approved_long)  # approved by default
    rejected = exports.run_export(
        lib.repo, "timeline", tmp_path / "r.otio", status=ReviewStatus.REJECTED
    )
    assert rejected.job_ids == (lib.rejected,)
    every = exports.run_export(lib.repo, "timeline", tmp_path / "all.otio", status=None)
    assert len(every.job_ids) == 3
    with pytest.raises(UserError, match="timeline export only"):
        exports.run_export(lib.repo, "notes-csv", tmp_path / "x.csv", copy_media=tmp_path / "m")
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "m").exists()
    chosen = exports.run_export(lib.repo, "report-pdf", tmp_path / "r.pdf", job_ids=[lib.rejected])
    assert chosen.job_ids == (lib.rejected,) and chosen.items == 1
    assert {kind.key for kind in exports.EXPORT_KINDS.values()} == {*exports.CLIP_EXPORTS, "spend"}
    # The CLI spells its choices itself, to build its parser without the export code.
    assert export_command._KINDS == exports.CLIP_EXPORTS


def test_run_export_writes_the_spend_report_and_refuses_unknown_kinds(
    lib: Library, tmp_path: Path
) -> None:
    report = exports.run_export(lib.repo, "spend", tmp_path / "spend.txt")
    assert report.files == (str(tmp_path / "spend.txt"),)
    assert (tmp_path / "spend.txt").read_text().startswith("Total spent:")
    with pytest.raises(UserError, match="unknown export 'gif'"):
        exports.run_export(lib.repo, "gif", tmp_path / "x.gif")
    with pytest.raises(UserError, match="covers every clip"):
        exports.run_export(lib.repo, "spend", tmp_path / "s.txt", job_ids=[lib.approved])
