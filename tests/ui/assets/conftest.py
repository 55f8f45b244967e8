"""Fixtures for the Assets dock tests: a folder of real pictures and clips (and broken files),
a library database, and a shown :class:`AssetsPanel` over them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from sora_studio.services.asset_folders import PREVIEW_FOLDER
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.assets.assets_panel import AssetsPanel
from sora_studio.ui.thumbnail_cache import ThumbnailCache
from tests.media_factory import write_clip


def write_picture(path: Path, width: int, height: int, color: str = "#3d8bfd") -> Path:
    Image.new("RGB", (width, height), color).save(path)
    return path


@pytest.fixture
def media_folder(tmp_path: Path) -> Path:
    """Two pictures (one exactly 1280x720), one short clip, a broken picture and a broken clip."""
    folder = tmp_path / "shoot"
    folder.mkdir()
    write_picture(folder / "wide.png", 1280, 720)
    write_picture(folder / "square.jpg", 400, 400, "#d9912b")
    write_clip(folder / "take.mp4", frames=24)
    (folder / "broken.png").write_bytes(b"\x89PNG not really")
    (folder / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 truncated")
    (folder / "notes.txt").write_text("not media")
    return folder


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data" / "library.db"
    path.parent.mkdir(parents=True)
    repo = Repository(open_db(path))
    repo.close()
    yield path


PanelFactory = Callable[..., AssetsPanel]


@pytest.fixture
def make_panel(qtbot, tmp_path: Path, database: Path) -> Iterator[PanelFactory]:
    made: list[tuple[AssetsPanel, ThumbnailCache]] = []

    def make(folder: Path, *, bookmarks: list[tuple[str, str]] | None = None) -> AssetsPanel:
        cache = ThumbnailCache()
        panel = AssetsPanel(
            bookmarks if bookmarks is not None else [("Shoot", str(folder))],
            cache,
            tmp_path / "library" / PREVIEW_FOLDER,
            database,
        )
        qtbot.addWidget(panel)
        panel.resize(520, 760)
        made.append((panel, cache))
        with qtbot.waitSignal(panel.folder_shown, timeout=10_000):
            panel.show()
        return panel

    yield make
    for panel, cache in made:
        panel.shutdown()
        cache.shutdown()
