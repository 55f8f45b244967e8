"""``/v1/files``: upload, list, retrieve, download and delete, enough for batch input and output
and for ``input_reference.file_id``. Bytes live in ``data_dir/media/<file id>/``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sora_studio.emulator.errors import bad_request, not_found
from sora_studio.emulator.forms import Upload
from sora_studio.emulator.records import FileRecord
from sora_studio.emulator.state import EmulatorState, new_id, now_s, paginate

PURPOSES = ("batch", "vision", "user_data", "assistants", "fine-tune", "evals")
OUTPUT_PURPOSE = "batch_output"


class FileStore:
    """Files as the Files API shows them; safe from any thread."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def add(self, filename: str, purpose: str, data: bytes) -> dict[str, Any]:
        file_id = new_id("file-", 24)
        folder = self.state.media_dir(file_id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "content"
        path.write_bytes(data)
        record = FileRecord(
            id=file_id,
            bytes=len(data),
            created_at=now_s(),
            filename=filename,
            purpose=purpose,
            path=str(path),
        )
        return self.state.files.put(record).public()

    def upload(self, body: dict[str, Any]) -> dict[str, Any]:
        purpose = body.get("purpose")
        if not isinstance(purpose, str) or not purpose:
            raise bad_request("Missing required parameter: 'purpose'.", param="purpose")
        if purpose not in PURPOSES:
            raise bad_request(
                f"Invalid 'purpose': {purpose!r}. Use one of {', '.join(PURPOSES)}.",
                param="purpose",
                code="invalid_value",
            )
        upload = body.get("file")
        if not isinstance(upload, Upload):
            raise bad_request("Missing required file part: 'file'.", param="file")
        return self.add(upload.filename, purpose, upload.data)

    def _get(self, file_id: str) -> FileRecord:
        record = self.state.files.get(file_id)
        if record is None:
            raise not_found("file", file_id, "file_id")
        return record

    def retrieve(self, file_id: str) -> dict[str, Any]:
        return self._get(file_id).public()

    def path(self, file_id: str) -> Path:
        return Path(self._get(file_id).path)

    def list(
        self, *, purpose: str | None, after: str | None, limit: Any, order: Any
    ) -> dict[str, Any]:
        try:
            count = 10000 if limit is None else int(limit)
        except ValueError as exc:
            raise bad_request("'limit' must be a whole number.", param="limit") from exc
        if count < 0:
            raise bad_request("'limit' must not be negative.", param="limit")
        items = [f for f in self.state.files.all() if not purpose or f.purpose == purpose]
        order = order or "desc"
        if order not in ("asc", "desc"):
            raise bad_request("'order' must be 'asc' or 'desc'.", param="order")
        return paginate(items, after=after, limit=count, order=order)

    def delete(self, file_id: str) -> dict[str, Any]:
        if not self.state.files.delete(file_id):
            raise not_found("file", file_id, "file_id")
        shutil.rmtree(self.state.media_dir(file_id), ignore_errors=True)
        return {"id": file_id, "object": "file", "deleted": True}
