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
