"""The provider registry: saved options kept, openai loaded only when a client is built, and
``reload`` dropping cached clients."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sora_studio.services.providers import ProviderRegistry
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository


def test_saved_profiles_keep_their_options(tmp_path: Path) -> None:
    repo = Repository(open_db(tmp_path / "studio.sqlite3"))
    try:
        repo.upsert_provider(
            "gateway",
            kind="gateway",
            base_url="http://127.0.0.1:9/v1",
            key_source="env:GATEWAY_KEY",
            concurrency_limit=3,
            options={"timeout_s": 7.5, "max_retries": 1, "retired": True},
        )
        profile = ProviderRegistry(repo, env={}).profile("gateway")
    finally:
        repo.close()
    assert (profile.timeout_s, profile.max_retries, profile.retired) == (7.5, 1, True)
    assert profile.concurrency_limit == 3 and profile.base_url == "http://127.0.0.1:9/v1"


def test_the_registry_reads_profiles_without_loading_openai() -> None:
    code = (
        "import sys\n"
        "from sora_studio.services.providers import ProviderRegistry\n"
        "class Store:\n"
        "    def list_providers(self): return []\n"
        "    def get_setting(self, key, default=None): return default\n"
        "r = ProviderRegistry(Store(), env={})\n"
        "print(r.default_name(), r.catalog('emulator').model_names()[0], 'openai' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out == ["emulator", "sora-2", "False"]


def test_reload_drops_cached_clients(tmp_path: Path, emulator) -> None:
    repo = Repository(open_db(tmp_path / "studio.sqlite3"))
    registry = ProviderRegistry(repo, env={}, emulator_base_url=emulator.base_url)
    try:
        first = registry.client("emulator")
        assert registry.client("emulator") is first
        registry.reload()
        second = registry.client("emulator")
        assert second is not first
        assert registry.batch_client("emulator") is registry.batch_client("emulator")
    finally:
        registry.close()
        repo.close()


def test_warm_builds_the_default_providers_clients_up_front(tmp_path: Path, emulator) -> None:
    repo = Repository(open_db(tmp_path / "studio.sqlite3"))
    registry = ProviderRegistry(repo, env={}, emulator_base_url=emulator.base_url)
    try:
        assert registry.warm() is True
        # Built once: the engine's first calls reuse exactly these clients.
        assert registry.client("emulator") is registry.client("emulator")
        first = registry.submit_client("emulator")
        assert registry.warm("emulator") is True
        assert registry.submit_client("emulator") is first
    finally:
        registry.close()
        repo.close()


def test_warm_answers_false_when_the_provider_cannot_be_used_yet(tmp_path: Path) -> None:
    repo = Repository(open_db(tmp_path / "studio.sqlite3"))
    registry = ProviderRegistry(repo, env={})  # the emulator has not started: no base URL
    try:
        assert registry.warm() is False
        assert registry.warm("no-such-provider") is False
    finally:
        registry.close()
        repo.close()


def test_reload_does_not_cut_a_download_in_flight(tmp_path: Path, emulator) -> None:
    import threading

    from sora_studio.core.models import AssetVariant

    repo = Repository(open_db(tmp_path / "studio.sqlite3"))
    registry = ProviderRegistry(repo, env={}, emulator_base_url=emulator.base_url)
    try:
        client = registry.client("emulator")
        video = client.sdk.videos.create_and_poll(prompt="a calm lake", size="1280x720")
        assert video.status == "completed"
        emulator.settings.slow_download_kbps = 4000.0  # a few hundred KB: about a second
        started = threading.Event()
        result: list[object] = []

        def download() -> None:
            def progress(done: int, total: int | None) -> None:
                started.set()

            try:
                result.append(
                    client.download(
                        video.id, AssetVariant.VIDEO, tmp_path / "v.mp4", on_progress=progress
                    )
                )
            except Exception as exc:  # the assertion below reports it
                result.append(exc)

        worker = threading.Thread(target=download)
        worker.start()
        assert started.wait(10)
        registry.reload()  # Settings accepted while the download streams
        assert registry.client("emulator") is not client
        worker.join(30)
        assert isinstance(result[0], int) and result[0] > 0, result
        assert (tmp_path / "v.mp4").stat().st_size == result[0]
    finally:
        registry.close()
        repo.close()
