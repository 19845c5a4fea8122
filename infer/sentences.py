"""Split article text into sentences with character offsets (pure, torch-free).

Uses ``syntok``, a rule-based segmenter built for news-like text that runs offline and keeps exact
offsets (NLTK's punkt would need a download at run time).
"""

from __future__ import annotations

import re

from syntok import segmenter

from infer.schema import SentenceSpan

_SPACE = re.compile(r"\s+")


def split_sentences(text: str) -> list[SentenceSpan]:
    """Sentences of ``text`` in order, with offsets such that ``text[s.start:s.end] == s.text``.

    >>> [s.text for s in split_sentences("The U.S. met China. Talks ended.")]
    ['The U.S. met China.', 'Talks ended.']
    """
    spans: list[SentenceSpan] = []
    if not text.strip():
        return spans
    for paragraph in segmenter.analyze(text):
        for sentence in paragraph:
            tokens = list(sentence)
            if not tokens:
                continue
            # syntok's token offset points at the token's value; its spacing precedes it.
            start = tokens[0].offset
            end = tokens[-1].offset + len(tokens[-1].value)
            spans.append(SentenceSpan(len(spans), start, end, text[start:end]))
    return spans


def sentence_key(text: str) -> str:
    """Key under which repeated sentences (scraped captions) count once: whitespace-folded text.

    >>> sentence_key(" Troops  advance. ") == sentence_key("Troops advance.")
    True
    """
    return _SPACE.sub(" ", text).strip()
