"""Spelling distances for reading medicine names (:mod:`.namematch`): the optimal string
alignment distance (a letter added, dropped or changed, or two neighbours swapped, each one
edit) bounded by a small limit, and the deletion variants the slips are indexed by."""

from __future__ import annotations


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (insert, delete, change, swap two neighbours),
    or ``limit + 1`` when it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if limit <= 2:
        return _within(a, b, limit)
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
    return min(prev[-1], limit + 1)


def _within(a: str, b: str, k: int) -> int:
    """The same distance for a small ``k`` (0 to 2), or ``k + 1``: the common beginning and
    end cost nothing, and at the first difference each of the four edits is tried with one
    edit fewer to spend (at most 4 × 4 branches)."""
    n, m = len(a), len(b)
    i, top = 0, min(n, m)
    while i < top and a[i] == b[i]:
        i += 1
    while n > i and m > i and a[n - 1] == b[m - 1]:
        n -= 1
        m -= 1
    a, b = a[i:n], b[i:m]
    if not a or not b:
        left = len(a) + len(b)
        return left if left <= k else k + 1
    if k == 0 or abs(len(a) - len(b)) > k:
        return k + 1
    best = 1 + _within(a[1:], b[1:], k - 1)  # change
    if best > 1:
        best = min(best, 1 + _within(a[1:], b, k - 1), 1 + _within(a, b[1:], k - 1))
        if best > 1 and len(a) > 1 and len(b) > 1 and a[0] == b[1] and a[1] == b[0]:
            best = min(best, 1 + _within(a[2:], b[2:], k - 1))  # swap
    return best


def deletions(word: str, depth: int) -> set[str]:
    """``word`` and every string made from it by dropping up to ``depth`` (1 or 2) letters."""
    found = {word}
    for i in range(len(word)):
        head, tail = word[:i], word[i + 1 :]
        found.add(head + tail)
        if depth > 1:
            found.update(head + tail[:j] + tail[j + 1 :] for j in range(len(tail)))
    return found


# How many letters of a variant's beginning and end are kept to cut short the variants of a
# written word that no listed word has (a speed and memory trade, not a rule: any number
# gives the same candidates).
_EDGE = 6

Trie = dict[str, "Trie"]


def _trie(pieces: set[str]) -> Trie:
    """Letter by letter: every piece a path from the root (the pieces hold their own
    beginnings, so every path is a piece)."""
    root: Trie = {}
    for piece in pieces:
        node = root
        for letter in piece:
            node = node.setdefault(letter, {})
    return root


class DeletionIndex:
    """Listed words by their deletion variants (each word's own ``budget`` of letters
    dropped), and how every variant begins and ends (its first and last ``_EDGE`` letters,
    letter by letter).

    Symmetric deletion: a written word within ``budget`` edits of a listed word shares a
    variant with it when up to that many letters are dropped from each. A variant of the
    written word is looked up only if the letters before its dropped letters begin, and the
    letters after its last dropped letter end, some listed word's variant: the same
    candidates as looking up every variant, in a few steps for a word that is no slip."""

    def __init__(self, budgets: dict[str, int]) -> None:
        self.near: dict[str, list[str]] = {}
        # (A variant's beginning is a variant of the listed word's beginning, and its end of
        # the listed word's end, so those are made instead: the same sets, sooner.)
        starts: set[str] = set()
        ends: set[str] = set()
        self.two_edit_min = min((len(w) for w, b in budgets.items() if b > 1), default=0)
        for word, budget in budgets.items():
            for variant in deletions(word, budget):
                self.near.setdefault(variant, []).append(word)
            for size in range(min(len(word), _EDGE + budget) + 1):
                starts.update(v for v in deletions(word[:size], budget) if len(v) <= _EDGE)
                tail = word[len(word) - size :]
                ends.update(v[::-1] for v in deletions(tail, budget) if len(v) <= _EDGE)
        self.starts = _trie(starts)
        self.ends = _trie(ends)  # read from the last letter back

    def candidates(self, written: str) -> set[str]:
        """Listed words sharing a deletion variant with ``written`` (up to two letters
        dropped from it: two only where a listed word of two edits could be that close)."""
        near = self.near
        n = len(written)
        found: set[str] = set()
        listed = near.get(written)
        if listed is not None:
            found.update(listed)
        # A letter at ``p`` may be dropped only if written[:p] begins a variant (p <= hi)
        # and written[p + 1:] ends one (p >= lo).
        node = self.starts
        path = [node]  # the nodes of written[:0], written[:1], …
        for letter in written[:_EDGE]:
            child = node.get(letter)
            if child is None:
                break
            path.append(node := child)
        hi = len(path) - 1
        if hi in (_EDGE, n):
            hi = n - 1  # (a longer beginning is read by its first _EDGE letters)
        node, ended = self.ends, 0
        for letter in reversed(written[-_EDGE:]):
            child = node.get(letter)
            if child is None:
                break
            node, ended = child, ended + 1
        lo = 0 if ended == _EDGE or ended >= n - 1 else n - 1 - ended
        for p in range(lo, hi + 1):
            listed = near.get(written[:p] + written[p + 1 :])
            if listed is not None:
                found.update(listed)
        # Two letters dropped from it are needed only to meet a listed word of two edits
        # (its length at least two_edit_min) with up to two dropped: n - 2 >= two_edit_min - 2.
        if n < self.two_edit_min or not self.two_edit_min:
            return found
        if len(path) > _EDGE and ended < _EDGE:
            # It begins as a listed word does ("codeinenausea"): every first dropped letter
            # passes the beginning, so the end, which does not, chooses them.
            self._two_dropped_by_the_end(written, path, lo, found)
            return found
        for i in range(hi + 1 if hi < n - 1 else n - 1):
            # ``written`` without its letter ``i``: its second dropped letter, at q, is
            # written[q + 1], so q + 1 >= lo; and its first q letters must begin a variant.
            first = i if i >= lo - 1 else lo - 1
            if i >= _EDGE:
                last = n - 2  # its first _EDGE letters are written's
            else:
                last, node = i, path[i]
                for letter in written[i + 1 : _EDGE + 1]:
                    child = node.get(letter)
                    if child is None:
                        break
                    last, node = last + 1, child
                if last == _EDGE or last > n - 2:
                    last = n - 2
            if first <= last:
                dropped = written[:i] + written[i + 1 :]
                for q in range(first, last + 1):
                    listed = near.get(dropped[:q] + dropped[q + 1 :])
                    if listed is not None:
                        found.update(listed)
        return found

    def _two_dropped_by_the_end(
        self, written: str, path: list[Trie], lo: int, found: set[str]
    ) -> None:
        """The variants of ``written`` with two letters dropped, at ``i`` < ``j`` (j >= lo),
        looked up only where the variant's end ends a listed variant: walking back from
        the letters after ``j``, the letters before it must go on ending one, so a walk
        stopped at letter ``k`` (before six letters) leaves ``i >= k`` (the letters after ``i``
        are the ones walked). The first ``i`` letters must begin a variant as before."""
        near, n = self.near, len(written)
        tails = [node := self.ends]  # the nodes of written[n:], written[n - 1:], …
        for letter in reversed(written[lo + 1 :]):
            tails.append(node := node[letter])  # (written[lo + 1:] ends a variant)
        reach: dict[int, int] = {}  # i (< _EDGE) -> the last q its beginning allows
        for j in range(max(lo, 1), n):
            kept = n - 1 - j
            node, low = tails[kept], 0
            for k in range(j - 1, max(-1, j - 1 - (_EDGE - kept)), -1):
                child = node.get(written[k])
                if child is None:
                    low = k
                    break
                node = child
            for i in range(low, j):
                if i < _EDGE and self._begun(written, path, i, reach) < j - 1:
                    continue
                listed = near.get(written[:i] + written[i + 1 : j] + written[j + 1 :])
                if listed is not None:
                    found.update(listed)

    @staticmethod
    def _begun(written: str, path: list[Trie], i: int, reach: dict[int, int]) -> int:
        """How far (q) written without its letter ``i`` begins a variant, as the loop in
        :meth:`candidates` reads it (``n - 2`` when its first _EDGE letters do)."""
        last = reach.get(i)
        if last is None:
            n = len(written)
            last, node = i, path[i]
            for letter in written[i + 1 : _EDGE + 1]:
                child = node.get(letter)
                if child is None:
                    break
                last, node = last + 1, child
            if last == _EDGE or last > n - 2:
                last = n - 2
            reach[i] = last
        return last
