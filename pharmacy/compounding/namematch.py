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

The slips are found through a :class:`Lexicon`: every listed word's deletion variants,
indexed once when the rules load, and each written word read once for every table that
shares the lexicon (the opioid gate, naltrexone, the cautions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, NamedTuple, TypeVar

from pharmacy.compounding.spelling import DeletionIndex

# (re-exported: the opioid gate and the tests read them from here)
from pharmacy.compounding.spelling import deletions as deletions
from pharmacy.compounding.spelling import edit_distance as edit_distance

T = TypeVar("T")

# A word is a run of letters or a run of digits: "Tylenol#3" is "tylenol", "3"; "5mg" is
# "5", "mg"; anything else (spaces, punctuation, other scripts) separates words.
_WORD = re.compile(r"[a-z]+|[0-9]+")

# How many written words' readings (and texts' hits) are kept (memory bound, not a rule).
_SEEN_MAX = 20_000
# The reading of a word that is no slip of anything (shared: never changed).
_NO_SLIPS: dict[str, int] = {}
# How many texts' readings are kept for the other tables of the same screen (memory bound).
_TEXTS_MAX = 512

EXACT = "exact"
NEAR = "near"
CONTAINS = "contains"


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers: ``"Tylenol#3"`` → ``["tylenol", "3"]``."""
    return list(_tokens(text))


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower()))


def compact(text: str) -> str:
    return "".join(tokens(text))


def listed_words(names: Iterable[str]) -> tuple[set[str], set[str]]:
    """The words of listed names (each name's words written together among them), and
    the names written together."""
    words: set[str] = set()
    keys: set[str] = set()
    for name in names:
        parts = tokens(name)
        words.update(parts)
        keys.add("".join(parts))
    return (words | keys) - {""}, keys - {""}


class Lexicon:
    """Listed words (of one or more tables) and their deletion variants, indexed once; and
    each written word's reading: the listed words it is a slip of, with the edits.

    Symmetric deletion (:class:`.spelling.DeletionIndex`): a written word within two edits
    of a listed word shares a variant with it when up to two letters are dropped from each,
    so the written word's variants find every candidate, and only candidates are measured."""

    def __init__(
        self,
        words: Iterable[str],
        *,
        keys: Iterable[str] | None = None,
        known: Iterable[str] = (),
        one_edit_min: int = 5,
        two_edit_min: int = 8,
    ):
        self.one_edit_min, self.two_edit_min = one_edit_min, two_edit_min
        self.words: frozenset[str] = frozenset(w for w in words if w)
        # The names written together (``keys``; else every word) and how they begin: a text
        # none of whose runs of words spells one, and with no slip, holds no name.
        self.keys = frozenset(self.words if keys is None else keys)
        self.prefixes = {k[:n] for k in self.keys for n in range(1, len(k) + 1)}
        budgets = {w: self.budget(w) for w in self.words if self.budget(w) and w.isalpha()}
        self.variants = DeletionIndex(budgets)
        # A written word more than two letters longer than every listed word is no slip.
        self.longest = max(map(len, budgets), default=0) + 2
        self._texts: dict[str, Reading] = {}
        # Read now, when the rules load: the listed words themselves and ``known`` (the
        # look-alikes), the words a pharmacy writes most that are nearest the listed ones.
        self._known = {w: self._slips(w) for w in self.words.union(known)}
        self._seen = dict(self._known)  # and every written word read since (bounded)

    def budget(self, listed: str) -> int:
        """Edits a listed word may be misspelt by (its own length decides)."""
        if len(listed) >= self.two_edit_min:
            return 2
        return 1 if len(listed) >= self.one_edit_min else 0

    def close(self, written: str) -> dict[str, int]:
        """Listed words a written word is a slip of, with the edits (never itself). The
        answer is shared: read it, never change it."""
        known = self._seen.get(written)
        if known is None:
            if len(written) < self.one_edit_min - 1 or not written.isalpha():
                return _NO_SLIPS  # a number, or too short to be a slip of any listed word
            known = self._remember(written)
        return known

    def _remember(self, written: str) -> dict[str, int]:
        """The reading of a word of letters not read yet, kept (bounded)."""
        known = self._slips(written)
        if len(self._seen) >= _SEEN_MAX:
            self._seen = dict(self._known)
        self._seen[written] = known
        return known

    def read(self, text: str) -> Reading:
        """A text's words, each one's reading and each two neighbours' read as one: read
        once for every table that shares this lexicon (kept for the last texts only)."""
        reading = self._texts.get(text)
        if reading is None:
            reading = self._read(text)
            if len(self._texts) >= _TEXTS_MAX:
                self._texts.clear()
            self._texts[text] = reading
        return reading

    def _read(self, text: str) -> Reading:
        # One pass. A word of letters (``>= "a"``: a run of digits sorts below) may be a slip
        # when long enough; a number or a short word never is (no look-up, no call). Each
        # two neighbouring words of letters are also read as one.
        words = tuple(_WORD.findall(text.lower()))
        seen, remember, shortest = self._seen.get, self._remember, self.one_edit_min - 1
        close: list[dict[str, int]] = []
        joined: list[dict[str, int]] = []
        before = ""  # the word before, when it is a word of letters
        for word in words:
            if word >= "a":
                slips = _NO_SLIPS
                if len(word) >= shortest:
                    known = seen(word)
                    slips = remember(word) if known is None else known
                if before:
                    pair = before + word
                    together = seen(pair)
                    if together is None:
                        together = remember(pair) if len(pair) >= shortest else _NO_SLIPS
                    joined.append(together)
                elif close:
                    joined.append(_NO_SLIPS)
                before = word
            else:
                slips = _NO_SLIPS
                if close:
                    joined.append(_NO_SLIPS)
                before = ""
            close.append(slips)
        quiet = not (any(close) or any(joined) or self._spells_a_name(words))
        return Reading(words, tuple(close), tuple(joined), quiet)

    def _spells_a_name(self, words: Sequence[str]) -> bool:
        prefixes = self.prefixes
        if prefixes.isdisjoint(words):
            return False  # (most texts: no word begins a name)
        for i, word in enumerate(words):
            if word not in prefixes:
                continue
            run = ""
            for later in words[i:]:
                run += later
                if run not in prefixes:
                    break
                if run in self.keys:
                    return True
        return False

    def forget(self, *, words: bool = True) -> None:
        """Drop the texts (and the written words) already read: a benchmark's cold run. The
        readings made when the rules loaded stay."""
        self._texts.clear()
        if words:
            self._seen = dict(self._known)

    def _slips(self, written: str) -> dict[str, int]:
        size = len(written)
        if size < self.one_edit_min - 1 or size > self.longest or not written.isalpha():
            return _NO_SLIPS
        candidates = self.variants.candidates(written)
        if not candidates:
            return _NO_SLIPS  # (most words: shared, as every reading is)
        close = {}
        for listed in candidates:
            budget = self.budget(listed)
            edits = edit_distance(written, listed, budget)
            if 0 < edits <= budget:
                close[listed] = edits
        # The fewest edits first, then in spelling order: the same reading every run.
        return dict(sorted(close.items(), key=lambda item: (item[1], item[0])))


class Reading(NamedTuple):
    """A text read once: its words, each word's slips (listed word -> edits) and each two
    neighbouring words' slips read as one word ("oxy cotin")."""

    words: tuple[str, ...]
    close: tuple[dict[str, int], ...]
    joined: tuple[dict[str, int], ...]
    quiet: bool  # no word begins a listed word and none is a slip: no table finds a name


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
    """Listed names (each with a payload), look-alikes and roots, indexed once.

    ``lexicon``, when given, is shared with other indexes of the same thresholds and must
    hold every word of these names (its readings of other tables' words are ignored here)."""

    def __init__(
        self,
        names: Iterable[tuple[str, T]],
        *,
        lookalikes: Iterable[str] = (),
        roots: Iterable[tuple[str, T]] = (),
        one_edit_min: int = 5,
        two_edit_min: int = 8,
        lexicon: Lexicon | None = None,
    ) -> None:
        # Texts already read (the same list is read again at each step), bounded.
        self._found: dict[str, tuple[Hit[T], ...]] = {}
        self._roots_seen: dict[str, bool] = {}
        self.prefixes: set[str] = set()
        self.by_compact: dict[str, list[tuple[str, T]]] = {}
        self.by_first_word: dict[str, list[tuple[tuple[str, ...], str, T]]] = {}
        self.lookalikes = {compact(name) for name in lookalikes} - {""}
        self.lookalike_prefixes = {k[:n] for k in self.lookalikes for n in range(1, len(k) + 1)}
        self.roots = [(r, payload) for r, payload in ((compact(n), p) for n, p in roots) if r]
        # One search over every root finds the words worth checking one root at a time.
        self.any_root = re.compile("|".join(re.escape(r) for r, _ in self.roots) or "(?!)")
        self.shortest_root = min((len(r) for r, _ in self.roots), default=0)
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
            words.add(key)
        self.words = frozenset(words)
        if lexicon is None:
            lexicon = Lexicon(
                words, keys=self.by_compact, one_edit_min=one_edit_min, two_edit_min=two_edit_min
            )
        elif not (
            self.words <= lexicon.words
            and self.by_compact.keys() <= lexicon.keys
            and (lexicon.one_edit_min, lexicon.two_edit_min) == (one_edit_min, two_edit_min)
        ):
            raise ValueError("a shared lexicon must hold every listed word, same thresholds")
        self.lexicon = lexicon
        self.one_edit_min, self.two_edit_min = one_edit_min, two_edit_min

    def forget(self, *, words: bool = True) -> None:
        """Drop the texts (and the words) already read: a benchmark's cold run."""
        self._found.clear()
        self.lexicon.forget(words=words)
        if words:
            self._roots_seen.clear()
            _tokens.cache_clear()

    def budget(self, listed: str) -> int:
        """Edits a listed word may be misspelt by (its own length decides)."""
        return self.lexicon.budget(listed)

    def find(self, text: str) -> list[Hit[T]]:
        """Every listed name in ``text`` (a medication, an allergy, a condition)."""
        known = self._found.get(text)
        if known is None:
            lexicon = self.lexicon  # (the reading another table made of this text, if any)
            reading = lexicon._texts.get(text) or lexicon.read(text)
            rooted = bool(self.roots) and self._rooted(reading.words)
            if rooted or (not reading.quiet and self._anything(reading)):
                known = tuple(self._hits(reading, rooted))
            else:
                known = ()  # no listed word, prefix, slip or root: nothing to find
            if len(self._found) >= _SEEN_MAX:
                self._found.clear()
            self._found[text] = known
        return list(known)

    def _hits(self, reading: Reading, rooted: bool) -> list[Hit[T]]:
        words, close, joined = reading.words, reading.close, reading.joined
        guarded = self._guarded(words)
        hits = [h for h in self._exact(words) if not set(h.positions) <= guarded]
        unguarded = [{} if i in guarded else c for i, c in enumerate(close)]
        near = self._near(words, unguarded, joined, guarded)
        hits += _closest(near, {h.written for h in hits})
        if rooted:
            exact_words = {w for h in hits if h.how == EXACT for w in tokens(h.written)}
            hits += [
                Hit(root, payload, CONTAINS, word)
                for i, word in enumerate(words)
                if i not in guarded and word not in exact_words and self.any_root.search(word)
                for root, payload in self.roots
                if root in word and root != word
            ]
        return hits

    def _rooted(self, words: Sequence[str]) -> bool:
        """Whether a listed root is inside any of the words (kept per word, bounded)."""
        seen, shortest = self._roots_seen, self.shortest_root
        for word in words:
            if len(word) < shortest:
                continue  # ("mg", "5", "bid": too short to hold one)
            rooted = seen.get(word)
            if rooted is None:
                rooted = bool(self.any_root.search(word))
                if len(seen) >= _SEEN_MAX:
                    seen.clear()
                seen[word] = rooted
            if rooted:
                return True
        return False

    def _anything(self, reading: Reading) -> bool:
        """Whether any word could begin one of these names, or is (or two joined are) a slip
        of one of their words: if not, the text holds none of them."""
        prefixes, listed = self.prefixes, self.words
        if not prefixes.isdisjoint(reading.words):
            return True
        return any(c and not listed.isdisjoint(c) for c in (*reading.close, *reading.joined))

    def _guarded(self, words: Sequence[str]) -> set[int]:
        """Positions inside a run of words that spells a look-alike."""
        guarded: set[int] = set()
        starts = self.lookalike_prefixes
        for i in range(len(words)):
            if words[i] not in starts:
                continue
            run = ""
            for j in range(i, len(words)):
                run += words[j]
                if run not in starts:
                    break
                if run in self.lookalikes:
                    guarded.update(range(i, j + 1))
        return guarded

    def _exact(self, words: Sequence[str]) -> list[Hit[T]]:
        hits: list[Hit[T]] = []
        for i in range(len(words)):
            if words[i] not in self.prefixes:
                continue
            run = ""
            for j in range(i, min(len(words), i + self.longest)):
                run += words[j]
                if run not in self.prefixes:
                    break
                for name, payload in self.by_compact.get(run, ()):
                    written = " ".join(words[i : j + 1])
                    hits.append(Hit(name, payload, EXACT, written, 0, tuple(range(i, j + 1))))
        return hits

    def _near(
        self,
        words: Sequence[str],
        close: Sequence[dict[str, int]],
        joined: Sequence[dict[str, int]],
        guarded: set[int],
    ) -> list[Hit[T]]:
        """Names whose words each match a written word exactly or within their budget, and
        whole names one or two joined written words are a slip of ("oxy cotin")."""
        hits: list[Hit[T]] = []
        firsts = self.by_first_word
        for i, word in enumerate(words):
            slips = close[i]
            for first in (word, *slips) if slips else (word,):
                for parts, name, payload in firsts.get(first, ()):
                    edits = _sequence_edits(parts, words, close, i)
                    if edits:
                        written = " ".join(words[i : i + len(parts)])
                        hits.append(Hit(name, payload, NEAR, written, edits))
            if i < len(joined) and joined[i] and not {i, i + 1} & guarded:
                for listed, edits in joined[i].items():
                    for name, payload in self.by_compact.get(listed, ()):
                        hits.append(Hit(name, payload, NEAR, word + words[i + 1], edits))
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
