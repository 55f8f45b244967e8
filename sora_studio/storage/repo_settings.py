"""Key/value settings, prompt templates and recently used briefs."""

from __future__ import annotations

import json
from typing import Any

from sora_studio.core.errors import UserError
from sora_studio.core.models import Brief
from sora_studio.storage.repo_base import RepoBase
from sora_studio.storage.rows import brief_from_db, brief_to_db

RECENT_BRIEFS_KEPT = 50


class SettingsRepo(RepoBase):
    """Key/value settings, templates and recent briefs."""

    # --- settings ---------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self._one("SELECT value FROM settings WHERE key = ?", [key])
        return default if row is None else json.loads(row["value"])

    def set_setting(self, key: str, value: Any) -> None:
        """Store any JSON-serialisable value (TypeError otherwise)."""
        text = json.dumps(value)
        self.db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, text],
        )

    def delete_setting(self, key: str) -> None:
        self.db.execute("DELETE FROM settings WHERE key = ?", [key])

    def all_settings(self) -> dict[str, Any]:
        rows = self._all("SELECT key, value FROM settings ORDER BY key")
        return {r["key"]: json.loads(r["value"]) for r in rows}

    # --- templates --------------------------------------------------------------------------

    def save_template(self, name: str, brief: Brief) -> None:
        if not name.strip():
            raise UserError("a template needs a name")
        self.db.execute(
            "INSERT INTO templates (name, brief, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET brief = excluded.brief",
            [name, brief_to_db(brief), self._now()],
        )

    def get_template(self, name: str) -> Brief | None:
        row = self._one("SELECT brief FROM templates WHERE name = ?", [name])
        return None if row is None else brief_from_db(row["brief"])

    def list_templates(self) -> dict[str, Brief]:
        rows = self._all("SELECT name, brief FROM templates ORDER BY name")
        return {r["name"]: brief_from_db(r["brief"]) for r in rows}

    def delete_template(self, name: str) -> None:
        cursor = self.db.execute("DELETE FROM templates WHERE name = ?", [name])
        if cursor.rowcount == 0:
            raise UserError(f"no template named {name!r}")

    # --- recent briefs ----------------------------------------------------------------------

    def add_recent_brief(self, brief: Brief) -> None:
        """Remember a brief as just used; the same brief moves to the top instead of repeating."""
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO recent_briefs (brief, used_at) VALUES (?, ?)"
                " ON CONFLICT (brief) DO UPDATE SET used_at = excluded.used_at",
                [brief_to_db(brief), self._now()],
            )
            self.db.execute(
                "DELETE FROM recent_briefs WHERE id NOT IN"
                " (SELECT id FROM recent_briefs ORDER BY used_at DESC, id DESC LIMIT ?)",
                [RECENT_BRIEFS_KEPT],
            )

    def recent_briefs(self, limit: int = 10) -> list[Brief]:
        """Most recently used first."""
        rows = self._all(
            "SELECT brief FROM recent_briefs ORDER BY used_at DESC, id DESC LIMIT ?", [limit]
        )
        return [brief_from_db(r["brief"]) for r in rows]
