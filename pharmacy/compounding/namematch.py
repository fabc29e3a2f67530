"""Find listed names in free text the way a careful pharmacist reads it.

Used by the opioid gate (DOMAIN.md §8) and the cautions (§11). A name matches:

- **exactly**: a run of whole words that spells it, case, spaces and punctuation ignored
  ("Oxy Contin", "oxycontin", "OXY-CONTIN");
- **near**: the same, with a spelling slip in a word of the name: one edit (a letter added,
  dropped, changed, or two neighbours swapped) for a listed word of ``one_edit_min`` letters
  or more, two edits from ``two_edit_min``. The length is the listed word's, so "morfene"
  reads as "morphine" and "Pentasa" reads as nothing;
- **contains**: a written word with a listed root inside it ("oxycodoneAPAP",
  "hydromorphine" holds for morphine too);

never inside a look-alike: a run of words that spells a listed look-alike (oxybutynin,
hydroxyzine, "not pregnant"…) is not read as a name, a misspelling or a containing word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

T = TypeVar("T")

_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")

# How many written words' readings an index keeps (memory bound, not a rule).
_SEEN_MAX = 20_000

EXACT = "exact"
NEAR = "near"
CONTAINS = "contains"


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers: ``"Tylenol#3"`` → ``["tylenol", "3"]``."""
    return list(_tokens(text))


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    lowered = _LETTER_DIGIT.sub(" ", text.lower())
    return tuple(t for t in _NON_ALNUM.split(lowered) if t)


def compact(text: str) -> str:
    return "".join(tokens(text))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (insert, delete, change, swap two neighbours),
    or ``limit + 1`` as soon as it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        prev2, prev = prev, row
    return prev[-1]


@lru_cache(maxsize=8192)
def _deletions(word: str, depth: int) -> frozenset[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return frozenset(found)


@dataclass(frozen=True)
class Hit(Generic[T]):
    """A listed name found in a text: the name, its payload, how it matched and the
    written words it matched (for a near spelling, the slip; for contains, the word)."""

    name: str
    payload: T
    how: str  # exact | near | contains
    written: str
    edits: int = 0
    positions: tuple[int, ...] = ()  # the written words' places (exact names)


class NameIndex(Generic[T]):
    """Listed names (each with a payload), look-alikes and roots, indexed once."""

    def __init__(
        self,
        names: Iterable[tuple[str, T]],
        *,
        lookalikes: Iterable[str] = (),
        roots: Iterable[tuple[str, T]] = (),
        one_edit_min: int = 5,
        two_edit_min: int = 8,
    ) -> None:
        self.one_edit_min, self.two_edit_min = one_edit_min, two_edit_min
        # Texts and words already read (dose words and common names repeat on every list), bounded.
        self._seen: dict[str, dict[str, int]] = {}
        self._found: dict[str, tuple[Hit[T], ...]] = {}
        self.prefixes: set[str] = set()
        self.by_compact: dict[str, list[tuple[str, T]]] = {}
        self.by_first_word: dict[str, list[tuple[tuple[str, ...], str, T]]] = {}
        self.lookalikes = {compact(name) for name in lookalikes} - {""}
        self.lookalike_prefixes = {k[:n] for k in self.lookalikes for n in range(1, len(k) + 1)}
        self.roots = [(r, payload) for r, payload in ((compact(n), p) for n, p in roots) if r]
        # One search over every root finds the words worth checking one root at a time.
        self.any_root = re.compile("|".join(re.escape(r) for r, _ in self.roots) or "(?!)")
        self.longest = 1
        words: set[str] = set()
        for name, payload in names:
            parts = tuple(tokens(name))
            if not parts:
                continue
            key = "".join(parts)
            self.by_compact.setdefault(key, []).append((name, payload))
            self.prefixes.update(key[:n] for n in range(1, len(key) + 1))
            self.by_first_word.setdefault(parts[0], []).append((parts, name, payload))
            self.longest = max(self.longest, len(parts) + 2)
            words.update(parts)
            words.add("".join(parts))
        self.near: dict[str, set[str]] = {}
        for word in words:
            budget = self.budget(word)
            if budget and word.isalpha():
                for variant in _deletions(word, budget):
                    self.near.setdefault(variant, set()).add(word)

    def forget(self, *, words: bool = True) -> None:
        """Drop the texts (and the words) already read: a benchmark's cold run."""
        self._found.clear()
        if words:
            self._seen.clear()
            _deletions.cache_clear()
            _tokens.cache_clear()

    def budget(self, listed: str) -> int:
        """Edits a listed word may be misspelt by (its own length decides)."""
        if len(listed) >= self.two_edit_min:
            return 2
        return 1 if len(listed) >= self.one_edit_min else 0

    def _close(self, written: str) -> dict[str, int]:
        """Listed words (or whole names) a written word is a slip of, with the edits."""
        known = self._seen.get(written)
        if known is None:
            known = self._slips(written)
            if len(self._seen) >= _SEEN_MAX:
                self._seen.clear()
            self._seen[written] = known
        return known

    def _slips(self, written: str) -> dict[str, int]:
        if not written.isalpha() or len(written) < self.one_edit_min - 1:
            return {}
        depth = 2 if len(written) >= self.two_edit_min - 2 else 1
        candidates: set[str] = set()
        for variant in _deletions(written, depth):
            candidates |= self.near.get(variant, set())
        close = {}
        for listed in candidates:
            budget = self.budget(listed)
            edits = edit_distance(written, listed, budget)
            if 0 < edits <= budget:
                close[listed] = edits
        return close

    def find(self, text: str) -> list[Hit[T]]:
        """Every listed name in ``text`` (a medication, an allergy, a condition)."""
        known = self._found.get(text)
        if known is None:
            known = tuple(self._read(text))
            if len(self._found) >= _SEEN_MAX:
                self._found.clear()
            self._found[text] = known
        return list(known)

    def _read(self, text: str) -> list[Hit[T]]:
        words = tokens(text)
        guarded = self._guarded(words)
        hits = [h for h in self._exact(words) if not set(h.positions) <= guarded]
        hits += _closest(self._near(words, guarded), {h.written for h in hits})
        exact_words = {w for h in hits if h.how == EXACT for w in tokens(h.written)}
        hits += [
            Hit(root, payload, CONTAINS, word)
            for i, word in enumerate(words)
            if i not in guarded and word not in exact_words and self.any_root.search(word)
            for root, payload in self.roots
            if root in word and root != word
        ]
        return hits

    def _guarded(self, words: Sequence[str]) -> set[int]:
        """Positions inside a run of words that spells a look-alike."""
        guarded: set[int] = set()
        for i in range(len(words)):
            run = ""
            for j in range(i, len(words)):
                run += words[j]
                if run not in self.lookalike_prefixes:
                    break
                if run in self.lookalikes:
                    guarded.update(range(i, j + 1))
        return guarded

    def _exact(self, words: Sequence[str]) -> list[Hit[T]]:
        hits: list[Hit[T]] = []
        for i in range(len(words)):
            run = ""
            for j in range(i, min(len(words), i + self.longest)):
                run += words[j]
                if run not in self.prefixes:
                    break
                for name, payload in self.by_compact.get(run, ()):
                    written = " ".join(words[i : j + 1])
                    hits.append(Hit(name, payload, EXACT, written, 0, tuple(range(i, j + 1))))
        return hits

    def _near(self, words: Sequence[str], guarded: set[int]) -> list[Hit[T]]:
        """Names whose words each match a written word exactly or within their budget, and
        whole names one or two joined written words are a slip of ("oxy cotin")."""
        close = [{} if i in guarded else self._close(w) for i, w in enumerate(words)]
        hits: list[Hit[T]] = []
        for i in range(len(words)):
            for first in {words[i], *close[i]}:
                for parts, name, payload in self.by_first_word.get(first, ()):
                    edits = _sequence_edits(parts, words, close, i)
                    if edits:
                        written = " ".join(words[i : i + len(parts)])
                        hits.append(Hit(name, payload, NEAR, written, edits))
            if i + 1 < len(words) and not {i, i + 1} & guarded:
                joined = words[i] + words[i + 1]
                for listed, edits in self._close(joined).items():
                    for name, payload in self.by_compact.get(listed, ()):
                        hits.append(Hit(name, payload, NEAR, joined, edits))
        return hits


def _sequence_edits(
    parts: Sequence[str], words: Sequence[str], close: Sequence[dict[str, int]], start: int
) -> int:
    """Total edits if ``parts`` match the words from ``start`` (each exact or close), at
    least one of them misspelt; 0 when they do not match or all match exactly."""
    if start + len(parts) > len(words):
        return 0
    edits = 0
    for offset, part in enumerate(parts):
        word = words[start + offset]
        if word == part:
            continue
        slip = close[start + offset].get(part)
        if slip is None:
            return 0
        edits += slip
    return edits


def _closest(near: list[Hit[T]], exact_spans: set[str]) -> list[Hit[T]]:
    """Of the near spellings read from the same written words, only the closest; none where
    those words spell a listed name exactly ("sufentanil" is not a slip of "alfentanil")."""
    fewest: dict[str, int] = {}
    for hit in near:
        fewest[hit.written] = min(hit.edits, fewest.get(hit.written, hit.edits))
    return [h for h in near if h.written not in exact_spans and h.edits == fewest[h.written]]
