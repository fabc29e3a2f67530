"""The screen's fast reading is exact (issue 20): the lexicon finds the same slips as
measuring every listed word, and the bounded distance agrees with the full table."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pharmacy.compounding import DEFAULT_RULES as R
from pharmacy.compounding import opioids
from pharmacy.compounding.namematch import (
    Lexicon,
    NameIndex,
    deletions,
    edit_distance,
    tokens,
)
from pharmacy.compounding.opioids import screen_medications
from pharmacy.compounding.spelling import DeletionIndex


def _table_distance(a: str, b: str) -> int:
    """Optimal string alignment by the full table, no early exit."""
    rows = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


@settings(max_examples=1000, deadline=None)
@given(
    a=st.text("abcd", max_size=9),
    b=st.text("abcd", max_size=9),
    limit=st.integers(0, 4),
)
def test_the_bounded_distance_is_the_table_distance(a, b, limit):
    full = _table_distance(a, b)
    assert edit_distance(a, b, limit) == (full if full <= limit else limit + 1)


def _sharing_a_variant(written: str, budgets: dict[str, int]) -> set[str]:
    """The listed words that share a deletion variant with ``written``, every variant made:
    two letters dropped from ``written`` once it is as long as a listed word of two edits."""
    two_edit_min = min((len(w) for w, b in budgets.items() if b > 1), default=0)
    depth = 2 if two_edit_min and len(written) >= two_edit_min else 1
    mine = deletions(written, depth)
    return {word for word, budget in budgets.items() if mine & deletions(word, budget)}


@settings(max_examples=400, deadline=None)
@given(
    letters=st.sampled_from(["ab", "abcd"]),
    data=st.data(),
)
def test_the_deletion_index_cuts_short_only_variants_no_listed_word_has(letters, data):
    # the beginnings and ends it walks never lose a shared variant (words longer than the
    # six letters it keeps of each included)
    budgets = data.draw(
        st.dictionaries(st.text(letters, min_size=1, max_size=12), st.integers(1, 2))
    )
    written = data.draw(st.text(letters, max_size=14))
    assert DeletionIndex(budgets).candidates(written) == _sharing_a_variant(written, budgets)


def test_two_letters_are_dropped_only_where_a_two_edit_word_could_be_that_close():
    index = DeletionIndex({"abcdefgh": 2, "abcde": 1})
    assert index.candidates("xxabcdefgh") == {"abcdefgh"}  # 10 letters: two dropped
    assert index.candidates("abxcdy") == set()  # 6 letters: two dropped would meet nothing
    assert index.candidates("abcdx") == {"abcde"}


@pytest.mark.parametrize(
    "written",
    [
        "abxcdefghiyj",  # one letter added among the first six, one past them
        "axbcdefghiyj",
        "abcdefgxhiyj",  # both past the first six
        "abcdefgxhijy",
        "xabcdefghijy",  # the first and the last letter
        "abcdexfghijy",  # one among the last six, one past them
    ],
)
def test_slips_past_the_six_letters_kept_of_each_end_are_found(written):
    assert DeletionIndex({"abcdefghij": 2}).candidates(written) == {"abcdefghij"}


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_a_word_that_begins_as_a_listed_word_is_read_by_its_end(data):
    # its first six letters begin a listed word's variant ("codeine" + "nausea"), so the
    # two dropped letters are chosen from its end: still every shared variant
    letters = "abcdefgh"
    budgets = data.draw(
        st.dictionaries(st.text(letters, min_size=6, max_size=12), st.integers(1, 2), min_size=1)
    )
    listed = data.draw(st.sampled_from(sorted(budgets)))
    written = listed[:6] + data.draw(st.text(letters, max_size=8))
    assert DeletionIndex(budgets).candidates(written) == _sharing_a_variant(written, budgets)


@pytest.mark.parametrize(
    "written",
    ["abcdefghijxy", "abcdefgxhijy", "abcdefxghxij", "abcdefgij", "abcdefghiyjx", "abcdefxyzw"],
)
def test_slips_after_a_listed_beginning_are_found(written):
    budgets = {"abcdefghij": 2, "abcdefgh": 2, "abcdefzz": 1}
    assert DeletionIndex(budgets).candidates(written) == _sharing_a_variant(written, budgets)


LEXICON = opioids.shared_lexicon(R)
LISTED = sorted(w for w in LEXICON.words if w.isalpha() and len(w) >= 5)


def _every_listed_word(written: str) -> dict[str, int]:
    """The slips found the slow way: every listed word measured."""
    found = {}
    for listed in LEXICON.words:
        budget = LEXICON.budget(listed)
        # (a word more letters longer or shorter than its budget cannot be within it)
        if budget and listed.isalpha() and abs(len(listed) - len(written)) <= budget:
            edits = _table_distance(written, listed)
            if 0 < edits <= budget:
                found[listed] = edits
    return found


def _slip(word: str, data: st.DataObject) -> str:
    for _ in range(data.draw(st.integers(0, 3))):
        if not word:
            break
        place = data.draw(st.integers(0, len(word) - 1))
        letter = data.draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
        edit = data.draw(st.sampled_from(["change", "drop", "add", "swap"]))
        if edit == "change":
            word = word[:place] + letter + word[place + 1 :]
        elif edit == "drop":
            word = word[:place] + word[place + 1 :]
        elif edit == "add":
            word = word[:place] + letter + word[place:]
        elif place + 1 < len(word):
            word = word[:place] + word[place + 1] + word[place] + word[place + 2 :]
    return word


@settings(max_examples=150, deadline=None)
@given(listed=st.sampled_from(LISTED), data=st.data())
def test_the_lexicon_finds_every_slip_a_full_scan_finds(listed, data):
    written = _slip(listed, data)
    LEXICON.forget()
    assert LEXICON.close(written) == _every_listed_word(written), written


@settings(max_examples=80, deadline=None)
@given(written=st.text("abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=14))
def test_the_lexicon_agrees_on_words_that_are_no_slip_of_anything(written):
    LEXICON.forget()
    assert LEXICON.close(written) == _every_listed_word(written), written


# Words every medication list holds (none a listed name), and sig words: each alone and
# each two written together, as the screen reads them; the cut-short reading of a word that
# is no slip of anything must still agree with measuring every listed word.
EVERYDAY = [
    "levothyroxine",
    "metformin",
    "lisinopril",
    "atorvastatin",
    "gabapentin",
    "omeprazole",
    "vitamin",
    "amlodipine",
    "montelukast",
    "trazodone",
    "ozempic",
    "magnesium",
    "glycinate",
    "losartan",
    "escitalopram",
    "hydrochlorothiazide",
    "metoprolol",
    "succinate",
    "warfarin",
    "albuterol",
    "inhaler",
    "famotidine",
    "meloxicam",
    "acetaminophen",
    "cyclobenzaprine",
    "tizanidine",
    "lamotrigine",
    "progesterone",
    "spironolactone",
    "probiotic",
    "melatonin",
    "duloxetine",
    "quetiapine",
    "aripiprazole",
    "contrast",
    "shellfish",
    "penicillin",
]
SIG = ["mg", "mcg", "tab", "cap", "er", "daily", "twice", "weekly", "every", "morning",
       "needed", "bedtime", "with", "food", "at", "as", "bid", "tid", "qhs", "prn"]  # fmt: skip


@pytest.mark.parametrize(
    "written",
    EVERYDAY + [a + b for a in SIG for b in SIG if a != b][::7] + [w + "er" for w in EVERYDAY],
)
def test_everyday_words_and_joined_sig_words_read_as_a_full_scan_does(written):
    LEXICON.forget()
    assert LEXICON.close(written) == _every_listed_word(written), written


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(
        st.one_of(
            st.sampled_from(LISTED[::5] + EVERYDAY[::3] + SIG),
            st.sampled_from(LISTED[::7]).map(lambda w: w[:-1] + "x"),  # a slip
            st.integers(0, 999).map(str),
            st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9),
        ),
        max_size=6,
    ),
    separators=st.lists(st.sampled_from([" ", "-", "/", "", " (", ") ", "#"]), max_size=6),
)
def test_a_text_is_read_as_each_word_and_each_two_neighbours_alone(parts, separators):
    # the one-pass reading of a text gives each word, and each two neighbouring words of
    # letters written together, the reading of that word alone (cold or already read)
    text = "".join(p + (separators[i] if i < len(separators) else " ") for i, p in enumerate(parts))
    LEXICON.forget()
    reading = LEXICON.read(text)
    words = reading.words
    assert list(words) == tokens(text)
    for i, word in enumerate(words):
        assert reading.close[i] == (LEXICON.close(word) if word.isalpha() else {}), word
    for i in range(len(words) - 1):
        pair = words[i] + words[i + 1]
        letters = words[i].isalpha() and words[i + 1].isalpha()
        assert reading.joined[i] == (LEXICON.close(pair) if letters else {}), pair
    assert len(reading.joined) == max(len(words) - 1, 0)
    spelt = any(
        "".join(words[i:j]) in LEXICON.keys
        for i in range(len(words))
        for j in range(i + 1, len(words) + 1)
    )
    assert reading.quiet == (not (any(reading.close) or any(reading.joined) or spelt))


def test_the_close_readings_come_in_a_fixed_order():
    # fewest edits first, then spelling: a tie between equally near names falls one way
    reading = LEXICON.close("hydroget")
    assert list(reading) == sorted(reading, key=lambda w: (reading[w], w))


def test_deletions_are_every_string_with_up_to_two_letters_dropped():
    assert deletions("abc", 1) == {"abc", "bc", "ac", "ab"}
    assert deletions("abc", 2) == {"abc", "bc", "ac", "ab", "a", "b", "c"}


def test_a_shared_lexicon_must_hold_the_index_words():
    lexicon = Lexicon({"morphine"}, keys={"morphine"})
    with pytest.raises(ValueError, match="lexicon"):
        NameIndex([("oxycodone", 1)], lexicon=lexicon)


def test_rules_with_a_new_name_are_read_with_it_and_equal_rules_reuse_the_build():
    term = dataclasses.replace(R.opioid_terms[0], term="Zzyzxadol")
    changed = dataclasses.replace(R, opioid_terms=(*R.opioid_terms, term))
    assert screen_medications(["zzyzxadol 5 mg"], changed)
    assert screen_medications(["zzyzxadl 5 mg"], changed)  # a slip of the new name too
    assert not screen_medications(["zzyzxadol 5 mg"], R)
    built = opioids.shared_lexicon(R)
    assert opioids.shared_lexicon(dataclasses.replace(R)) is built
