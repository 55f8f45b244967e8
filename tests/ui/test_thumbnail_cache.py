"""The desk's one image cache (grid and queue): off-thread decoding, LIFO order, stale-result
dropping, LRU bounds, crops, sizes by long side or by box."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QImage, QPixmap

from sora_studio.ui.thumbnail_cache import PixmapLru, ThumbnailCache, decode_image


def _image(path: Path, width: int, height: int, color: str) -> str:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    assert image.save(str(path))
    return str(path)


@pytest.fixture
def cache(qtbot) -> Iterator[ThumbnailCache]:  # type: ignore[no-untyped-def]
    made = ThumbnailCache(threads=1)
    yield made
    assert made.shutdown(5000)


def test_decodes_off_thread_and_then_answers_from_memory(qtbot, cache, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _image(tmp_path / "a.jpg", 640, 360, "#336699")
    assert cache.pixmap(path, 320) is None
    assert cache.is_pending(path, 320)
    with qtbot.waitSignal(cache.loaded, timeout=5000) as blocker:
        pass
    assert blocker.args == [path]
    pixmap = cache.pixmap(path, 320)
    assert pixmap is not None and pixmap.size() == QSize(320, 180)  # scaled while decoding
    assert cache.pending_count == 0


def test_unreadable_file_is_reported_once_and_remembered(qtbot, cache, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image")
    with qtbot.waitSignal(cache.failed_to_load, timeout=5000):
        assert cache.pixmap(str(bad)) is None
    assert cache.is_failed(str(bad))
    assert cache.pixmap(str(bad)) is None and not cache.is_pending(str(bad))
    cache.forget(str(bad))
    assert not cache.is_failed(str(bad))
    assert decode_image(str(tmp_path / "absent.jpg")).isNull()


def test_most_recent_request_is_decoded_first(qtbot, cache, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paths = [_image(tmp_path / f"{i}.png", 800, 450, "#884422") for i in range(6)]
    order: list[str] = []
    cache.loaded.connect(order.append)
    for path in paths:
        cache.pixmap(path)
    qtbot.waitUntil(lambda: len(order) == len(paths), timeout=10000)
    # One decoder thread: whatever it took first, everything after comes newest-first.
    rest = [p for p in order if p != order[0]]
    assert rest == sorted(rest, key=paths.index, reverse=True)


def test_clear_drops_results_of_the_old_generation(qtbot, cache, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _image(tmp_path / "late.png", 1600, 900, "#224488")
    loaded: list[str] = []
    cache.loaded.connect(loaded.append)
    cache.pixmap(path)
    cache.clear()
    assert cache.shutdown(5000)
    qtbot.wait(50)  # let a queued delivery (if any) arrive: it must be ignored
    assert loaded == [] and cache.sheet_size(path) is None


def test_frame_crops_are_cut_scaled_and_cached(qtbot, cache, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sheet = QImage(200, 100, QImage.Format.Format_RGB32)
    sheet.fill(QColor("#000000"))
    for x in range(100, 200):
        for y in range(50, 100):
            sheet.setPixelColor(x, y, QColor("#ff0000"))
    path = str(tmp_path / "sheet.png")
    sheet.save(path)
    source, target = QRect(100, 50, 100, 50), QSize(40, 20)
    with qtbot.waitSignal(cache.loaded, timeout=5000):
        assert cache.frame(path, source, target, 3) is None
    crop = cache.frame(path, source, target, 3)
    assert crop is not None and crop.size() == target
    assert crop.toImage().pixelColor(20, 10) == QColor("#ff0000")
    assert cache.frame(path, source, target, 3) is crop  # served from the crop cache


def test_lru_evicts_least_recently_used_beyond_its_byte_budget(qtbot) -> None:  # type: ignore[no-untyped-def]
    one = 10 * 10 * 4
    lru = PixmapLru(max_bytes=3 * one)
    for key in "abc":
        lru.put(key, QPixmap(10, 10))
    assert lru.get("a") is not None  # "a" is now the most recent
    lru.put("d", QPixmap(10, 10))
    assert "b" not in lru and {"a", "c", "d"} <= {k for k in "abcd" if k in lru}
    assert lru.bytes == 3 * one
    lru.put("huge", QPixmap(100, 100))  # bigger than the budget alone: kept, others go
    assert len(lru) == 1 and "huge" in lru
    with pytest.raises(ValueError, match="budget"):
        PixmapLru(0)


def test_a_box_fits_both_sides_and_is_an_entry_of_its_own(qtbot, cache, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The queue's 64x36 cells: a portrait thumbnail fits the box's height, not its long side.
    path = _image(tmp_path / "portrait.png", 720, 1280, "#aa3366")
    box = QSize(64, 36)
    with qtbot.waitSignal(cache.loaded, timeout=5000):
        assert cache.pixmap(path, fit=box) is None
    small = cache.pixmap(path, fit=box)
    assert small is not None and small.size() == QSize(20, 36)
    assert cache.pixmap(path, 64) is None and cache.is_pending(path, 64)  # long side 64: another
    with qtbot.waitSignal(cache.loaded, timeout=5000):
        pass
    side = cache.pixmap(path, 64)
    assert side is not None and side.size() == QSize(36, 64)
    assert decode_image(path, box=(2000, 2000)).size() == QSize(720, 1280)  # never scaled up


def test_after_shutdown_requests_are_refused_not_left_pending(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cache = ThumbnailCache(threads=1)
    assert cache.shutdown(5000)
    path = _image(tmp_path / "late.png", 64, 36, "#123456")
    assert cache.pixmap(path) is None
    assert not cache.is_pending(path) and cache.pending_count == 0


def test_forget_drops_a_decode_of_the_old_file(qtbot, cache, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _image(tmp_path / "changing.png", 1600, 900, "#000000")
    loaded: list[str] = []
    cache.loaded.connect(loaded.append)
    assert cache.pixmap(path) is None
    _image(tmp_path / "changing.png", 1600, 900, "#ffffff")  # replaced (a fresh download)
    cache.forget(path)
    assert not cache.is_pending(path)
    with qtbot.waitSignal(cache.loaded, timeout=5000):
        assert cache.pixmap(path) is None  # asked again: the new file
    qtbot.waitUntil(lambda: cache.pending_count == 0, timeout=5000)
    pixmap = cache.pixmap(path)
    assert loaded == [path] and pixmap is not None
    assert pixmap.toImage().pixelColor(0, 0) == QColor("#ffffff")
