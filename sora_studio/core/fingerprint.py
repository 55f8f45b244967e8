"""Request fingerprints: one stable hash per distinct render request.

The engine stores the fingerprint with the job row **before** calling the provider, so after a
crash it can tell whether a request was already sent (and paid for) and never submit it twice.
Identical requests give identical fingerprints; a ``nonce`` makes deliberate variants differ.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from functools import cache

from sora_studio.core.catalog import Catalog, default_catalog
from sora_studio.core.models import RenderRequest

FINGERPRINT_VERSION = 1


@cache
def _shipped_catalog() -> Catalog:
    return default_catalog()


def request_fingerprint(
    request: RenderRequest,
    *,
    provider: str,
    reference_sha256: str | None = None,
    nonce: str = "",
    catalog: Catalog | None = None,
) -> str:
    """The sha256 hex digest of the request's canonical JSON.

    Model aliases are resolved through ``catalog`` (the shipped one by default), so
    ``sora-2-2025-10-06`` and ``sora-2`` give the same fingerprint. Character order does not
    matter; the prompt is compared after Unicode normalisation and trimming. Extra body fields
    (seed, steps, frames, ...) count, in name order; a request without any hashes exactly as
    before they existed, so fingerprints stored earlier still match.
    """
    known = catalog or _shipped_catalog()
    model = request.model.strip()
    payload: dict[str, object] = {
        "v": FINGERPRINT_VERSION,
        "provider": provider.strip(),
        "operation": str(request.operation),
        "prompt": unicodedata.normalize("NFC", request.prompt).strip(),
        "model": known.canonical_model(model) or model,
        "size": request.size.strip().lower(),
        "seconds": int(request.seconds),
        "source": request.source_remote_id or None,
        "reference": reference_sha256.lower() if reference_sha256 else None,
        "characters": sorted(c.remote_id for c in request.characters),
        "batch": bool(request.batch),
        "nonce": nonce,
    }
    if request.extras:
        payload["extras"] = [[str(k), v] for k, v in sorted(request.extras)]
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
