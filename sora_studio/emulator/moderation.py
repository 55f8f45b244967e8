"""``POST /v1/moderations`` in the official response shape, scored by ``core.policy``."""

from __future__ import annotations

from typing import Any

from sora_studio.emulator.errors import bad_request
from sora_studio.emulator.state import new_id

DEFAULT_MODEL = "omni-moderation-latest"


def _texts(raw: Any) -> list[str]:
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw:
        texts: list[str] = []
        for item in raw:
            if isinstance(item, str):
                texts.append(item)
            elif isinstance(item, dict) and item.get("type") == "text":
                texts.append(str(item.get("text", "")))
            elif isinstance(item, dict) and item.get("type") == "image_url":
                raise bad_request(
                    "The emulator moderates text only; send the prompt text as 'input'.",
                    param="input",
                )
            else:
                raise bad_request("Each 'input' item must be a string.", param="input")
        return texts
    raise bad_request("'input' must be a string or a non-empty list of strings.", param="input")


def moderate(body: dict[str, Any]) -> dict[str, Any]:
    """The moderation response for a request body ``{"input": ..., "model": ...}``."""
    from sora_studio.core.policy import (
        MODERATION_CATEGORIES,
        MODERATION_THRESHOLD,
        moderation_scores,
    )

    if "input" not in body:
        raise bad_request("Missing required parameter: 'input'.", param="input")
    results = []
    for text in _texts(body["input"]):
        scores = moderation_scores(text)
        all_scores = {c: float(scores.get(c, 0.0)) for c in MODERATION_CATEGORIES}
        for category, score in scores.items():
            all_scores.setdefault(category, float(score))
        categories = {c: s >= MODERATION_THRESHOLD for c, s in all_scores.items()}
        results.append(
            {
                "flagged": any(categories.values()),
                "categories": categories,
                "category_scores": all_scores,
                "category_applied_input_types": {c: ["text"] for c in all_scores},
            }
        )
    return {
        "id": new_id("modr-", 32),
        "model": str(body.get("model") or DEFAULT_MODEL),
        "results": results,
    }
