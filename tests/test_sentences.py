"""Table tests for sentence splitting with offsets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infer.sentences import sentence_key, split_sentences

CASES = [
    ("", []),
    ("   ", []),
    ("Russia invaded Ukraine.", ["Russia invaded Ukraine."]),
    ("The U.S. met China. Talks ended.", ["The U.S. met China.", "Talks ended."]),
    ("Mr. Blinken arrived on Jan. 5. He left.", ["Mr. Blinken arrived on Jan. 5.", "He left."]),
    ("“We are not ready,” the president said. He left.", ["“We are not ready,” the president said.", "He left."]),
    ("Title line\n\nBody sentence one. Body two.", ["Title line", "Body sentence one.", "Body two."]),
    ("Growth was 2.5 per cent in 2023. It fell.", ["Growth was 2.5 per cent in 2023.", "It fell."]),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_split(text: str, expected: list[str]) -> None:
    spans = split_sentences(text)
    assert [s.text for s in spans] == expected
    for i, s in enumerate(spans):
        assert s.index == i and text[s.start:s.end] == s.text


def test_repeated_captions_share_a_key() -> None:
    a = "Russian armor is advancing.  The goal is to take the capital."
    b = "Russian armor is advancing. The goal is to take the capital."
    assert sentence_key(a) == sentence_key(b)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_offsets_inside(text: str) -> None:
    last = 0
    for s in split_sentences(text):
        assert 0 <= s.start < s.end <= len(text)
        assert s.start >= last
        assert text[s.start:s.end] == s.text
        last = s.end
