"""Request fingerprints: equal for identical requests, different for anything that matters."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from unicodedata import normalize

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sora_studio.core.catalog import default_catalog
from sora_studio.core.fingerprint import request_fingerprint
from sora_studio.core.models import CharacterRef, ImageInfo, Operation, RenderRequest

BASE = RenderRequest(prompt="A paper boat", model="sora-2", size="1280x720", seconds=8)


def fp(request: RenderRequest = BASE, **kwargs: str) -> str:
    provider = kwargs.pop("provider", "emulator")
    return request_fingerprint(request, provider=provider, **kwargs)  # type: ignore[arg-type]


def test_is_sha256_hex() -> None:
    value = fp()
    assert len(value) == 64 and int(value, 16) >= 0


def test_identical_requests_match() -> None:
    copy = RenderRequest(prompt="A paper boat", model="sora-2", size="1280x720", seconds=8)
    assert fp(copy) == fp(BASE)


def test_equivalent_spellings_match() -> None:
    assert fp(replace(BASE, model="sora-2-2025-10-06")) == fp()
    assert fp(replace(BASE, prompt="  A paper boat\n")) == fp()
    assert fp(replace(BASE, size="1280X720")) == fp()
    # The reference image travels with the request but only its hash identifies it.
    assert fp(replace(BASE, reference=ImageInfo("png", 1280, 720, path="/a.png"))) == fp()
    two = (CharacterRef("c1", "Mo"), CharacterRef("c2", "Pip"))
    assert fp(replace(BASE, characters=two)) == fp(replace(BASE, characters=two[::-1]))


@pytest.mark.parametrize(
    "change",
    [
        {"prompt": "A paper plane"},
        {"model": "sora-2-pro"},
        {"size": "720x1280"},
        {"seconds": 12},
        {"operation": Operation.REMIX, "source_remote_id": "video_1"},
        {"source_remote_id": "video_2"},
        {"characters": (CharacterRef("c1", "Mo"),)},
        {"batch": True},
    ],
)
def test_anything_that_matters_changes_it(change: dict[str, object]) -> None:
    assert fp(replace(BASE, **change)) != fp()  # type: ignore[arg-type]


def test_provider_reference_and_nonce_change_it() -> None:
    assert fp(provider="gateway") != fp()
    assert fp(reference_sha256="ab" * 32) != fp()
    assert fp(reference_sha256="AB" * 32) == fp(reference_sha256="ab" * 32)
    assert fp(nonce="variant-2") != fp(nonce="variant-1") != fp()


def test_catalog_aliases_come_from_the_given_catalog() -> None:
    gateway = default_catalog().with_overrides({"models": {"sora-2": {"aliases": ["kite-video"]}}})
    aliased = replace(BASE, model="kite-video")
    assert request_fingerprint(aliased, provider="g", catalog=gateway) == request_fingerprint(
        BASE, provider="g", catalog=gateway
    )
    assert request_fingerprint(aliased, provider="g") != request_fingerprint(BASE, provider="g")


@given(st.text(max_size=50), st.text(max_size=50))
def test_distinct_prompts_distinct_fingerprints(a: str, b: str) -> None:
    fa = fp(replace(BASE, prompt=a))
    fb = fp(replace(BASE, prompt=b))
    same_text = normalize("NFC", a).strip() == normalize("NFC", b).strip()
    assert (fa == fb) == same_text


def test_extras_count_in_any_order_and_leave_plain_requests_as_they_were() -> None:
    seeded = replace(BASE, model="wan-2.2-ti2v-5b", extras=(("num_frames", 121), ("seed", 1)))
    assert fp(seeded) != fp(replace(seeded, extras=(("num_frames", 121), ("seed", 2))))
    assert fp(seeded) == fp(replace(seeded, extras=(("seed", 1), ("num_frames", 121))))
    assert fp(seeded) != fp(replace(seeded, extras=()))
    # A request without extras hashes exactly as before extras existed (stored rows still match).
    legacy = {
        "v": 1,
        "provider": "emulator",
        "operation": "create",
        "prompt": "A paper boat",
        "model": "sora-2",
        "size": "1280x720",
        "seconds": 8,
        "source": None,
        "reference": None,
        "characters": [],
        "batch": False,
        "nonce": "",
    }
    text = json.dumps(legacy, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert fp() == hashlib.sha256(text.encode("utf-8")).hexdigest()
