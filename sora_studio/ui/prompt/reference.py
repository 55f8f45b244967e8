"""The reference image control: drop or browse a file, see what it is, fit it to the video size.

GUI thread widget; reading the file (format, size, preview) and "fit to size" run through
:class:`~sora_studio.ui.background_op.BackgroundOps`, so a large or slow file never stalls the
desk. Fitting writes a new PNG under the library's references folder and switches to it; the
user's original is never modified.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.models import ImageInfo, Size
from sora_studio.ui.background_op import BackgroundOps
from sora_studio.ui.icons import make_icon

CHANNEL = "reference"  # a newer read or fit makes the one on its way stale
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp);;All files (*)"
PREVIEW = QSize(96, 54)


def read_reference(path: Path) -> tuple[ImageInfo, QImage]:
    """What the image is, plus a small preview; raises ``MediaError`` for unreadable files.

    Runs on a pool thread (QImage is allowed there). The previews service loads the media
    stack inside its functions, so its heavy dependencies load off the GUI thread, and only
    when a reference is first used.
    """
    from sora_studio.services.previews import probe_image

    info = probe_image(path)
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid():
        reader.setScaledSize(size.scaled(PREVIEW, Qt.AspectRatioMode.KeepAspectRatio))
    return info, reader.read()


def fitted_name(source: Path, size: Size, mode: str) -> str:
    return f"{source.stem}-{size.width}x{size.height}-{mode}.png"


def fit_reference(source: Path, out_dir: Path, size: Size, mode: str) -> Path:
    """Write ``source`` fitted to ``size`` (``"crop"`` or ``"pad"``) as a new PNG; pool thread."""
    from sora_studio.services.previews import fit_image

    out_dir.mkdir(parents=True, exist_ok=True)
    dest = out_dir / fitted_name(source, size, mode)
    return fit_image(source, dest, size.width, size.height, mode)


def dropped_image_path(urls: list[Any]) -> Path | None:
    for url in urls:
        if url.isLocalFile():
            return Path(url.toLocalFile())
    return None


class ReferencePicker(QFrame):
    """Drop zone + Browse / Clear + "Fit to size" with a crop-or-pad choice."""

    changed = Signal()  # path or facts changed; the panel re-runs pre-flight
    fit_failed = Signal(str)

    def __init__(
        self, references_dir: Path, background: BackgroundOps, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setProperty("role", "dropzone")
        self.setAcceptDrops(True)
        self.references_dir = Path(references_dir)
        self._background = background
        self._path: Path | None = None
        self._info: ImageInfo | None = None
        self._reading_error: str | None = None
        self._busy = False
        self._target: Size | None = None

        self.preview = QLabel()
        self.preview.setFixedSize(PREVIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setPixmap(make_icon("image").pixmap(28, 28))
        self.caption = QLabel("Drop a JPEG, PNG or WebP here, or browse. Optional.")
        self.caption.setWordWrap(True)
        self.caption.setProperty("role", "hint")
        self.browse_button = QPushButton(make_icon("folder"), "Browse…")
        self.browse_button.clicked.connect(self.browse)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        self.fit_mode = QComboBox()
        self.fit_mode.addItem("Crop to fill", "crop")
        self.fit_mode.addItem("Pad to fit", "pad")
        self.fit_mode.setToolTip("How “Fit to size” makes the image match the video frame")
        self.fit_button = QPushButton(make_icon("crop"), "Fit to size")
        self.fit_button.setToolTip("Write a copy scaled to exactly the video size and use it")
        self.fit_button.clicked.connect(self.fit_to_size)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.browse_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        fit_row = QHBoxLayout()
        fit_row.setContentsMargins(0, 0, 0, 0)
        fit_row.addWidget(self.fit_mode)
        fit_row.addWidget(self.fit_button)
        fit_row.addStretch(1)
        text = QVBoxLayout()
        text.addWidget(self.caption)
        text.addLayout(buttons)
        text.addLayout(fit_row)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.preview)
        layout.addLayout(text, 1)
        self._sync()

    # --- state the panel reads --------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def info(self) -> ImageInfo | None:
        return self._info

    def pending_problem(self) -> str | None:
        """A reason to hold Render that validation cannot know (reading, or unreadable)."""
        if self._path is None:
            return None
        if self._reading_error:
            return self._reading_error
        if self._busy or self._info is None:
            return "Checking the reference image…"
        return None

    def set_target_size(self, size: Size | None) -> None:
        self._target = size
        self._sync()

    # --- actions ----------------------------------------------------------------------------

    def browse(self) -> None:
        start = str(self._path.parent) if self._path else ""
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Choose a reference image", start, IMAGE_FILTER
        )
        if chosen:
            self.set_path(Path(chosen))

    def clear(self) -> None:
        self._background.cancel(CHANNEL)
        self._path = None
        self._info = None
        self._reading_error = None
        self._busy = False
        self.preview.setPixmap(make_icon("image").pixmap(28, 28))
        self._sync()
        self.changed.emit()

    def set_path(self, path: Path) -> None:
        """Use ``path`` and start reading it off the GUI thread."""
        self._path = Path(path)
        self._info = None
        self._reading_error = None
        self._busy = True
        self._sync()
        self.changed.emit()
        target = self._path
        self._background.submit(
            lambda _context: read_reference(target),
            self._on_read,
            on_error=self._on_read_failed,
            key=CHANNEL,
        )

    def _on_read(self, result: tuple[ImageInfo, QImage]) -> None:
        self._busy = False
        info, image = result
        self._info = info
        if not image.isNull():
            self.preview.setPixmap(QPixmap.fromImage(image))  # GUI thread: QPixmap only here
        self._sync()
        self.changed.emit()

    def _on_read_failed(self, error: BaseException) -> None:
        self._busy = False
        self._reading_error = f"Cannot use this file: {error}"
        self._info = None
        self._sync()
        self.changed.emit()

    def fit_to_size(self) -> None:
        if self._path is None or self._target is None or self._busy:
            return
        source, target, mode = self._path, self._target, str(self.fit_mode.currentData())
        out_dir = self.references_dir
        self._busy = True
        self._sync()
        # The job captures plain values only: a widget must never be released on a pool thread.
        self._background.submit(
            lambda _context: fit_reference(source, out_dir, target, mode),
            self._on_fitted,
            on_error=self._on_fit_failed,
            key=CHANNEL,
        )

    def _on_fitted(self, result: Path) -> None:
        self._busy = False
        self.set_path(Path(result))

    def _on_fit_failed(self, error: BaseException) -> None:
        self._busy = False
        self.fit_failed.emit(f"Could not fit the image: {error}")
        self._sync()

    # --- drag and drop ------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_image_path(event.mimeData().urls()) is not None:
            event.acceptProposedAction()
            self._set_active(True)

    def dragLeaveEvent(self, event: Any) -> None:
        self._set_active(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_active(False)
        path = dropped_image_path(event.mimeData().urls())
        if path is not None:
            event.acceptProposedAction()
            self.set_path(path)

    def _set_active(self, active: bool) -> None:
        self.setProperty("active", "true" if active else "false")
        self.style().unpolish(self)
        self.style().polish(self)

    # --- display ------------------------------------------------------------------------------

    def needs_fit(self) -> bool:
        info, target = self._info, self._target
        return (
            info is not None
            and target is not None
            and (info.width, info.height) != (target.width, target.height)
        )

    def _sync(self) -> None:
        path = self._path
        has = path is not None
        self.clear_button.setEnabled(has)
        self.fit_button.setEnabled(has and not self._busy and self.needs_fit())
        self.fit_mode.setEnabled(has and self.needs_fit())
        if path is None:
            self.caption.setText("Drop a JPEG, PNG or WebP here, or browse. Optional.")
        elif self._busy:
            self.caption.setText(f"{path.name}: reading…")
        elif self._info is not None:
            fmt = self._info.format.upper()
            match = "" if self.needs_fit() else " · matches the video size"
            self.caption.setText(
                f"{path.name} · {fmt} · {self._info.width}x{self._info.height}{match}"
            )
        else:
            self.caption.setText(path.name)
