"""``sora-studio render``'s model settings: --negative-prompt, --seed, --steps, --guidance travel
as extra body fields, and are refused before anything is queued for a model that lacks them."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from sora_studio.cli import build_parser, main
from sora_studio.commands.render import extras_from_args, refuse_unsupported
from sora_studio.core.catalog import catalog_for_profile, default_catalog
from sora_studio.core.errors import UserError
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["render", "a fox in the snow", *argv])


def test_the_options_become_extras() -> None:
    args = _args(
        "--model",
        "wan-2.2-ti2v-5b",
        "--negative-prompt",
        "blur",
        "--seed",
        "7",
        "--steps",
        "30",
        "--guidance",
        "4.5",
    )
    assert extras_from_args(args) == (
        ("negative_prompt", "blur"),
        ("seed", 7),
        ("num_inference_steps", 30),
        ("guidance_scale", 4.5),
    )
    assert extras_from_args(_args()) == ()


def test_help_names_other_models_and_the_settings(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["render", "--help"])
    text = capsys.readouterr().out
    for needle in ("--negative-prompt", "--seed", "--steps", "--guidance", "veo-3.1", "Wan"):
        assert needle in text, needle


def test_a_model_without_the_setting_refuses_it_naming_one_that_has_it() -> None:
    catalog = catalog_for_profile(default_catalog(), (), ("veo-3.1", "wan-2.2-t2v-a14b"), {})
    with pytest.raises(UserError) as refused:
        refuse_unsupported(catalog, "veo-3.1", "gateway", (("num_inference_steps", 30),))
    assert str(refused.value) == (
        "Veo 3.1 on gateway does not take --steps; leave it out, or choose --model "
        "wan-2.2-t2v-a14b. Nothing was queued."
    )
    with pytest.raises(UserError, match="does not take --steps and --guidance; leave them out"):
        refuse_unsupported(
            catalog,
            "veo-3.1",
            "gateway",
            (("num_inference_steps", 30), ("guidance_scale", 3.0)),
        )
    refuse_unsupported(catalog, "veo-3.1", "gateway", (("seed", 1),))  # Veo takes a seed
    refuse_unsupported(catalog, "wan-2.2-t2v-a14b", "gateway", (("guidance_scale", 3.0),))
    refuse_unsupported(catalog, "unknown", "gateway", (("seed", 1),))  # pre-flight explains it


def test_render_refuses_before_queueing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "lib"
    code = main(["--data-dir", str(data), "render", "a fox", "--steps", "30"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "Sora 2 on emulator does not take --steps; leave it out" in err
    assert "Nothing was queued." in err
    repo = Repository(open_db(data / "studio.sqlite3"))
    try:
        assert repo.list_jobs() == []
    finally:
        repo.close()
