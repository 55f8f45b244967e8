"""What the builder is given from outside: the active provider's catalog, switches and saved
characters (``BuilderEnvironment``), where briefs are kept (``BriefStore``) and how the provider's
moderation is asked (``Moderator``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sora_studio.core.capabilities import Feature, ProviderCapabilities
from sora_studio.core.catalog import Catalog
from sora_studio.core.model_spec import ModelSpec, Support
from sora_studio.core.models import Brief, Character

# A moderation call: the prompt -> (flagged, categories), or None when the provider has none.
Moderator = Callable[[str], "tuple[bool, list[str]] | None"]

# Model abilities that also need the provider's server to offer them.
_PROVIDER_FEATURE = {
    Support.REFERENCE_IMAGE: Feature.REFERENCE_IMAGE,
    Support.CHARACTERS: Feature.CHARACTERS,
}


class BriefStore(Protocol):
    """What the builder needs from the repository for templates and recent briefs."""

    def list_templates(self) -> dict[str, Brief]: ...

    def save_template(self, name: str, brief: Brief) -> None: ...

    def recent_briefs(self, limit: int = 10) -> list[Brief]: ...

    def add_recent_brief(self, brief: Brief) -> None: ...


@dataclass(frozen=True)
class BuilderEnvironment:
    """What the builder offers: the active provider's catalog, its switches, saved characters."""

    provider: str
    catalog: Catalog
    long_durations: bool
    references_dir: Path
    characters: tuple[Character, ...] = ()
    retired: bool = False  # OpenAI's own Videos API: explained in the builder, never sent
    # What the provider's server can do: a reference image, characters or Batch it cannot take
    # are hidden like those the model cannot take.
    capabilities: ProviderCapabilities = field(default_factory=ProviderCapabilities)

    def offers(self, feature: Support, spec: ModelSpec | None) -> bool:
        """Whether the builder shows ``feature`` for the model ``spec`` (None: not known yet)."""
        provider_feature = _PROVIDER_FEATURE.get(feature)
        if provider_feature is not None and not self.capabilities.supports(provider_feature):
            return False
        return spec is None or spec.takes(feature)

    def offers_batch(self, spec: ModelSpec | None) -> bool:
        """Batch needs a Batch price for the model and the Batch API at the provider."""
        has_price = spec is None or spec.has_batch
        return has_price and self.capabilities.supports(Feature.BATCH)

    def own_characters(self) -> list[Character]:
        """The saved characters that live at this provider (the only ones it can use)."""
        return [c for c in self.characters if c.provider == self.provider]
