"""The local prompt policy: flags phrases a provider is likely to refuse, before money is spent.

The word lists are data (``policy_rules.json`` beside this module), grouped into rules that match
the provider's published content rules: copyrighted characters, copyrighted music, real people
(public figures included) and content unsuitable for audiences under 18. Each group may name the
OpenAI moderation category it feeds, so the emulator's ``/v1/moderations`` reuses the same lists,
and may be marked non-blocking (a warning the desk shows, not a refusal the emulator makes).

Matching is whole-word, case-insensitive, accent-insensitive and punctuation-tolerant:
"Spider-Man", "spiderman" and "SPIDER MAN" all match, while "class" never matches "ass".
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from sora_studio.core.models import PolicyFlag

#: The OpenAI moderation categories, each mapped to its parent category (or None). Rule groups
#: in ``policy_rules.json`` name the category they feed; a parent scores at least as high as
#: any of its children. ``moderation_scores`` returns exactly these keys.
MODERATION_CATEGORIES: dict[str, str | None] = {
    "harassment": None,
    "harassment/threatening": "harassment",
    "hate": None,
    "hate/threatening": "hate",
    "illicit": None,
    "illicit/violent": "illicit",
    "self-harm": None,
    "self-harm/intent": "self-harm",
    "self-harm/instructions": "self-harm",
    "sexual": None,
    "sexual/minors": "sexual",
    "violence": None,
    "violence/graphic": "violence",
}

#: A moderation score at or above this counts as flagged.
MODERATION_THRESHOLD = 0.5

# Between the words of a phrase: nothing, spaces or joining punctuation ("Spider-Man",
# "spiderman", "R2-D2", "AC/DC"), never other letters.
_SEPARATOR = r"[\s\-_.'’/]*"
# A plural may follow a phrase ("nudes"); a possessive needs nothing, as "'" ends a word.
_SUFFIX = r"s?"


class PolicyRulesError(ValueError):
    """The policy data is malformed; the message names the bad entry."""


@dataclass(frozen=True, slots=True)
class PolicyHit:
    """One match in a prompt, with where it is (for highlighting) and how it counts."""

    start: int
    end: int
    flag: PolicyFlag
    group: str
    category: str | None
    weight: float
    block: bool


@dataclass(frozen=True, slots=True)
class _Group:
    id: str
    rule: str
    category: str | None
    weight: float
    block: bool
    message: str
    regex: re.Pattern[str]


def fold(text: str) -> str:
    """Lower-case ``text`` and drop accents, keeping one character per character (spans stay)."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)
        kept = "".join(c for c in base if not unicodedata.combining(c))
        out.append(kept[0].lower() if len(kept) == 1 else char.lower()[:1] or char)
    return "".join(out)


def _phrase_regex(phrase: str) -> str:
    tokens = [t for t in re.split(r"[^\w]+", fold(phrase)) if t]
    if not tokens:
        raise PolicyRulesError(f"phrase {phrase!r} has no words")
    return _SEPARATOR.join(re.escape(t) for t in tokens)


def _alternation(items: Iterable[str]) -> str:
    # Longest first so "Teenage Mutant Ninja Turtles" wins over "Ninja Turtles".
    return "|".join(sorted(set(items), key=lambda s: (-len(s), s)))


def _str_list(raw: Any, where: str) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise PolicyRulesError(f"{where} must be a list of strings")
    return list(raw)


def _build_group(raw: Mapping[str, Any], rules: Mapping[str, Any]) -> _Group:
    gid = str(raw.get("id", "?"))
    rule_name = str(raw.get("rule"))
    if rule_name not in rules:
        raise PolicyRulesError(f"group {gid}: unknown rule {rule_name!r}")
    rule = rules[rule_name]
    category = raw.get("category")
    if category is not None and category not in MODERATION_CATEGORIES:
        raise PolicyRulesError(f"group {gid}: unknown moderation category {category!r}")
    weight = raw.get("weight", 0.9)
    if not isinstance(weight, int | float) or not 0 <= weight <= 1:
        raise PolicyRulesError(f"group {gid}: weight must be a number from 0 to 1")
    phrases = [_phrase_regex(p) for p in _str_list(raw.get("phrases", []), f"{gid}.phrases")]
    patterns = _str_list(raw.get("patterns", []), f"{gid}.patterns")
    followed_by = _str_list(raw.get("followed_by", []), f"{gid}.followed_by")
    alternatives: list[str] = []
    if phrases and followed_by:
        # Artist names count only next to a music word: "a Queen song", "music by Queen".
        names = _alternation(phrases)
        words = _alternation(_phrase_regex(w) for w in followed_by)
        alternatives.append(rf"(?:{names})(?:['’]s)?[\s\-]+(?:{words})")
        alternatives.append(rf"(?:{words})\s+(?:by|from|of)\s+(?:{names}){_SUFFIX}")
    elif phrases:
        alternatives.append(rf"(?:{_alternation(phrases)}){_SUFFIX}")
    alternatives.extend(f"(?:{p})" for p in patterns)
    if not alternatives:
        raise PolicyRulesError(f"group {gid} has neither phrases nor patterns")
    try:
        regex = re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)", re.IGNORECASE)
    except re.error as exc:
        raise PolicyRulesError(f"group {gid}: bad pattern: {exc}") from exc
    message = raw.get("message", rule.get("message", "Rephrase “{phrase}”."))
    block = raw.get("block", rule.get("block", True))
    if not isinstance(block, bool):
        raise PolicyRulesError(f"group {gid}: block must be true or false")
    return _Group(
        id=gid,
        rule=str(rule_name),
        category=category,
        weight=float(weight),
        block=block,
        message=str(message),
        regex=regex,
    )


class PolicyChecker:
    """Compiled policy rules; tests build one from data, the app uses :func:`default_checker`."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        try:
            rules = data["rules"]
            if not isinstance(rules, dict):
                raise PolicyRulesError("'rules' must be an object")
            self._groups = tuple(_build_group(g, rules) for g in data["groups"])
            minors = _str_list(data.get("minor_terms", []), "minor_terms")
        except (KeyError, TypeError, AttributeError) as exc:
            raise PolicyRulesError(f"policy rules are missing or mistyped: {exc}") from exc
        self._minor_regex = (
            re.compile(
                rf"(?<!\w)(?:{_alternation(_phrase_regex(m) for m in minors)}){_SUFFIX}(?!\w)",
                re.IGNORECASE,
            )
            if minors
            else None
        )
        self.rule_names: tuple[str, ...] = tuple(rules)

    def hits(self, prompt: str) -> tuple[PolicyHit, ...]:
        """Every match in ``prompt`` in reading order; overlaps within a rule keep the longest."""
        folded = fold(prompt)
        found: list[PolicyHit] = []
        for group in self._groups:
            for m in group.regex.finditer(folded):
                phrase = prompt[m.start() : m.end()].strip()
                flag = PolicyFlag(
                    rule=group.rule,
                    phrase=phrase,
                    message=group.message.format(phrase=phrase),
                    block=group.block,
                )
                found.append(
                    PolicyHit(
                        m.start(),
                        m.end(),
                        flag,
                        group.id,
                        group.category,
                        group.weight,
                        group.block,
                    )
                )
        kept: list[PolicyHit] = []
        # Of two equal overlapping hits the blocking one wins: a refusal must not read as a warning.
        for hit in sorted(found, key=lambda h: (-(h.end - h.start), h.start, not h.block)):
            overlaps = any(
                k.flag.rule == hit.flag.rule and k.start < hit.end and hit.start < k.end
                for k in kept
            )
            if not overlaps:
                kept.append(hit)
        return tuple(sorted(kept, key=lambda h: (h.start, h.flag.rule)))

    def precheck(self, prompt: str) -> tuple[PolicyFlag, ...]:
        """One flag per distinct phrase and rule, in reading order; ``block`` tells them apart."""
        seen: set[tuple[str, str]] = set()
        flags: list[PolicyFlag] = []
        for hit in self.hits(prompt):
            key = (hit.flag.rule, fold(hit.flag.phrase))
            if key not in seen:
                seen.add(key)
                flags.append(hit.flag)
        return tuple(flags)

    def is_blocked(self, prompt: str) -> bool:
        """True when a blocking group matches; warnings alone never block."""
        return any(hit.block for hit in self.hits(prompt))

    def moderation_scores(self, text: str) -> dict[str, float]:
        """A score from 0 to 1 for every key of :data:`MODERATION_CATEGORIES`; deterministic.

        Each hit is independent evidence of its weight, so two hits score higher than one.
        """
        hits = self.hits(text)
        weights: dict[str, list[float]] = {c: [] for c in MODERATION_CATEGORIES}
        for hit in hits:
            if hit.category is not None:
                weights[hit.category].append(hit.weight)
        sexual = any(h.category == "sexual" and h.block for h in hits)
        if sexual and self._minor_regex is not None and self._minor_regex.search(fold(text)):
            # Sexual content next to a mention of a minor is the worst case, whatever the words.
            weights["sexual/minors"].append(1.0)
        scores: dict[str, float] = {}
        for category, found in weights.items():
            miss = 1.0
            for weight in found:
                miss *= 1.0 - weight
            scores[category] = round(1.0 - miss, 6)
        for category, parent in MODERATION_CATEGORIES.items():
            if parent is not None:
                scores[parent] = max(scores[parent], scores[category])
        return scores


@cache
def default_checker() -> PolicyChecker:
    """The checker built from the shipped ``policy_rules.json`` (loaded once)."""
    text = resources.files("sora_studio.core").joinpath("policy_rules.json").read_text("utf-8")
    return PolicyChecker(json.loads(text))


def precheck(prompt: str) -> tuple[PolicyFlag, ...]:
    """Phrases in ``prompt`` a provider may refuse, each with what to do instead.

    A flag with ``block`` set is refused outright; one without is a warning the person may accept.
    """
    return default_checker().precheck(prompt)


def policy_hits(prompt: str) -> tuple[PolicyHit, ...]:
    """Like :func:`precheck` but with character spans, for highlighting in the prompt editor."""
    return default_checker().hits(prompt)


def is_blocked(prompt: str) -> bool:
    """True when a rule marked ``"block": true`` matches; the emulator refuses such prompts."""
    return default_checker().is_blocked(prompt)


def moderation_scores(text: str) -> dict[str, float]:
    """Scores for the OpenAI moderation categories, from the same word lists."""
    return default_checker().moderation_scores(text)
