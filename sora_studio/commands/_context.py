"""Set-up for the headless commands that render: the database, the provider and the engine.

Commands that only touch the library open it with
:func:`sora_studio.commands._repository.open_repository` instead, which loads neither the engine
nor the ``openai`` SDK.

With no provider configured (no saved default, no ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``) the
built-in emulator is started in-process, keeping its state under ``paths.emulator_data`` so a
render started by one command carries on in the next. The commands drive the very same engine
and database as the desk, on the calling thread.

The library folder is the one the desk uses: the ``library_folder`` setting (Settings > Library)
when it is set, else ``paths.library`` (see :func:`library_root`).

``--provider NAME`` (on the commands that send work) replaces the default provider for one
command. A command that acts on one job (``args.job_id``: remix, edit, extend, promote, retry,
delete) works on that job's own provider, where its video lives; ``--provider`` naming another
one is refused rather than silently ignored. The emulator is started whenever the command's
provider, its job's provider or a provider named by ``uses`` is the built-in emulator, so a
command run while another provider is the default still reaches the emulator's jobs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sora_studio.api.provider import EMULATOR_PROFILE
from sora_studio.commands._job_output import job_json
from sora_studio.commands._repository import open_repository
from sora_studio.core.errors import UserError
from sora_studio.core.lifecycle import PollPolicy
from sora_studio.core.models import Job, JobStatus
from sora_studio.paths import AppPaths
from sora_studio.services.engine import JobEngine
from sora_studio.services.providers import ProviderRegistry
from sora_studio.services.setting_keys import LIBRARY_SETTING, library_root
from sora_studio.storage.repository import Repository

__all__ = [
    "LIBRARY_SETTING",
    "CliContext",
    "chosen_provider",
    "cli_context",
    "drive",
    "finished",
    "job_json",
    "library_root",
    "open_repository",
    "sent",
]


@dataclass
class CliContext:
    """Everything a command needs; close it (or use :func:`cli_context`) when done."""

    paths: AppPaths
    repo: Repository
    registry: ProviderRegistry
    engine: JobEngine | None
    emulator: Any | None  # EmulatorServer when started in-process
    library: Path  # the library folder in use (see library_root)
    provider_override: str | None = None  # --provider, checked against the known profiles

    @property
    def provider(self) -> str:
        """The provider new renders go to: ``--provider`` when given, else the default."""
        return self.provider_override or self.registry.default_name()

    def require_engine(self) -> JobEngine:
        assert self.engine is not None, "this command was opened without an engine"
        return self.engine

    def close(self) -> None:
        if self.engine is not None:
            self.engine.shutdown(5.0)
        if self.emulator is not None:
            self.emulator.stop()
        self.repo.close()


def chosen_provider(registry: ProviderRegistry, name: str | None) -> str | None:
    """``name`` when it is a known provider (None stays None); ``UserError`` saying what to do."""
    if name is None:
        return None
    names = registry.names()
    if name not in names:
        raise UserError(
            f"no provider named {name!r}; choose one of {', '.join(names)} "
            "(see 'sora-studio providers list') or add it with 'sora-studio providers add'"
        )
    return name


def _job_provider(repo: Repository, args: argparse.Namespace, override: str | None) -> set[str]:
    """The provider of the job the command acts on (``args.job_id``), if it acts on one."""
    job_id = getattr(args, "job_id", None)
    if not isinstance(job_id, int):
        return set()
    job = repo.require_job(job_id)
    if override is not None and override != job.provider:
        # The engine derives every child from the job's own provider (the video lives there);
        # sending elsewhere is not something --provider may do behind the person's back.
        raise UserError(
            f"job {job_id} was rendered on {job.provider!r}, and its remix, edit, extension, "
            f"promotion or retry is made there too; leave out --provider {override}, or render "
            f"anew there with 'sora-studio render --provider {override} ...'"
        )
    return {job.provider}


@contextmanager
def cli_context(
    args: argparse.Namespace,
    *,
    with_engine: bool = True,
    uses: Callable[[Repository], Iterable[str]] | None = None,
) -> Iterator[CliContext]:
    """Open the library; with ``with_engine`` also the provider (emulator if none) and engine.

    ``uses`` names further providers the command will talk to (``sync``: those of every
    unfinished job), so the built-in emulator is started when one of them is the emulator.
    """
    paths, repo = open_repository(args)
    emulator = None
    try:
        registry = ProviderRegistry(repo, env=os.environ)
        override = chosen_provider(registry, getattr(args, "provider", None))
        library = library_root(repo, paths.library)
        engine = None
        if with_engine:
            needed = {override or registry.default_name(), *_job_provider(repo, args, override)}
            if uses is not None:
                needed.update(uses(repo))
            if EMULATOR_PROFILE in needed and registry.profile(EMULATOR_PROFILE).base_url is None:
                from sora_studio.emulator.server import EmulatorServer

                emulator = EmulatorServer(paths.emulator_data)
                url = emulator.start()
                registry = ProviderRegistry(repo, env=os.environ, emulator_base_url=url)
            # The CLI waits on one person's jobs: poll a little more eagerly than the desk.
            engine = JobEngine(repo, registry, library, policy=PollPolicy(base_interval_s=1.0))
        context = CliContext(paths, repo, registry, engine, emulator, library, override)
    except BaseException:
        if emulator is not None:
            emulator.stop()
        repo.close()
        raise
    try:
        yield context
    finally:
        context.close()


def is_tty() -> bool:
    """Whether progress may be redrawn in place (stderr is a terminal)."""
    return sys.stderr.isatty()


def drive(
    engine: JobEngine,
    job_ids: list[int],
    done: Callable[[Job], bool],
    *,
    timeout_s: float,
    on_step: Callable[[list[Job]], None] | None = None,
) -> list[Job]:
    """Run the engine on this thread until ``done`` holds for every job (or the time is up).

    A headless command has no event loop, so it sleeps between steps for as long as the engine
    says nothing is due (at most a second).
    """
    repo = engine.repository
    deadline = time.monotonic() + timeout_s
    while True:
        report = engine.poll_once()
        jobs = [repo.require_job(job_id) for job_id in job_ids]
        if on_step is not None:
            on_step(jobs)
        if all(done(job) for job in jobs) or time.monotonic() >= deadline:
            return jobs
        time.sleep(min(max(report.next_delay_s, 0.05), 1.0))


def sent(job: Job) -> bool:
    """The job left the local queue (accepted by the provider, or finished either way)."""
    return job.status not in (JobStatus.QUEUED_LOCAL, JobStatus.SUBMITTING, JobStatus.RATE_LIMITED)


def finished(job: Job) -> bool:
    """The job reached a final state (ready, failed, blocked, cancelled, expired, deleted)."""
    return job.status.is_terminal
