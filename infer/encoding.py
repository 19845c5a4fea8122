"""Directed pair encoding: tell the encoder which actor is the source and which the target (pure).

Every mention of the source is wrapped in ``[S] ... [/S]`` and every mention of the target in
``[T] ... [/T]``; the four markers are added to the tokenizer as special tokens and saved with it.
The model reads the hidden states at the first ``[S]`` and ``[T]`` markers, so direction is explicit.

>>> from infer.schema import Actor, Mention, MentionKind
>>> rus = Actor("RUS", (Mention(0, 6, "Russia", MentionKind.NAME),))
>>> ukr = Actor("UKR", (Mention(15, 22, "Ukraine", MentionKind.NAME),))
>>> encode_pair("Russia invaded Ukraine.", rus, ukr)
'[S] Russia [/S] invaded [T] Ukraine [/T].'
>>> encode_pair("Russia invaded Ukraine.", rus, ukr, mask_names=True)
'[S] actor [/S] invaded [T] actor [/T].'

The ``appended`` style (an ablation) leaves the sentence unmarked and names the pair after it:

>>> encode_pair("Russia invaded Ukraine.", rus, ukr, style="appended")
'Russia invaded Ukraine. [S] Russia [T] Ukraine'

The ``per_sentence`` strategy encodes a sentence once for all its pairs: every mention of every actor
is wrapped in ``[A] ... [/A]``, and the model scores each ordered pair from the states at the
markers of its two actors (:func:`encode_sentence`, which also says which actor each marker belongs to):

>>> encode_sentence("Russia invaded Ukraine.", [rus, ukr], mask_names=True)
('[A] actor [/A] invaded [A] actor [/A].', ['RUS', 'UKR'])
"""

from __future__ import annotations

from infer.schema import Actor

ENCODING_VERSION = "typed-markers-v1"
# Encoding strategies and the version string a checkpoint records for each.
ENCODINGS = {"per_pair": ENCODING_VERSION, "appended": "appended-pair-v1", "per_sentence": "sentence-markers-v1"}
SOURCE_START, SOURCE_END, TARGET_START, TARGET_END = "[S]", "[/S]", "[T]", "[/T]"
ACTOR_START, ACTOR_END = "[A]", "[/A]"
MARKERS: tuple[str, ...] = (SOURCE_START, SOURCE_END, TARGET_START, TARGET_END, ACTOR_START, ACTOR_END)
MASK_WORD = "actor"


def encode_pair(
    text: str,
    source: Actor,
    target: Actor,
    others: tuple[Actor, ...] = (),
    mask_names: bool = False,
    style: str = "per_pair",
) -> str:
    """Mark the source and target mentions in ``text`` (or, with ``style="appended"``, name the
    pair after the unmarked sentence).

    With ``mask_names`` every actor name (source, target and ``others``) is replaced by a neutral
    word, so the model must judge the act rather than the country.
    """
    if style == "appended":
        masked = encode_pair(text, Actor(source.code, ()), Actor(target.code, ()), (source, target, *others),
                             mask_names=mask_names)
        first = (MASK_WORD, MASK_WORD) if mask_names else (source.mentions[0].surface, target.mentions[0].surface)
        return f"{masked} {SOURCE_START} {first[0]} {TARGET_START} {first[1]}"
    if style != "per_pair":
        raise ValueError(f"unknown pair encoding style {style!r} (known: {', '.join(ENCODINGS)})")
    edits: list[tuple[int, int, str]] = []
    for actor, (open_, close) in ((source, (SOURCE_START, SOURCE_END)), (target, (TARGET_START, TARGET_END))):
        for m in actor.mentions:
            inner = MASK_WORD if mask_names else text[m.start:m.end]
            edits.append((m.start, m.end, f"{open_} {inner} {close}"))
    if mask_names:
        for actor in others:
            edits.extend((m.start, m.end, MASK_WORD) for m in actor.mentions)
    return _apply(text, edits)[0]


def _apply(text: str, edits: list[tuple[int, int, str]]) -> tuple[str, list[int]]:
    """``text`` with non-overlapping ``(start, end, replacement)`` edits applied, and the indices of
    the edits kept (of two overlapping mentions, e.g. a prefix inside a name, the first wins)."""
    out, pos, kept = [], 0, []
    for i, (start, end, replacement) in sorted(enumerate(edits), key=lambda x: x[1]):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
        kept.append(i)
    out.append(text[pos:])
    return "".join(out), kept


def encode_sentence(text: str, actors: list[Actor], mask_names: bool = False) -> tuple[str, list[str]]:
    """Mark every mention of every actor with ``[A] ... [/A]`` (names masked or not) for the
    per-sentence strategy; return the marked text and the actor code of each marker, in text order.

    >>> from infer.schema import Actor, Mention, MentionKind
    >>> cn = Actor("CHN", (Mention(0, 7, "Beijing", MentionKind.CAPITAL), Mention(15, 20, "China", MentionKind.NAME)))
    >>> us = Actor("USA", (Mention(12, 14, "US", MentionKind.NAME),))
    >>> encode_sentence("Beijing and US-China ties", [cn, us])
    ('[A] Beijing [/A] and [A] US [/A]-[A] China [/A] ties', ['CHN', 'USA', 'CHN'])
    """
    mentions = sorted((m.start, m.end, a.code) for a in actors for m in a.mentions)
    edits = [(start, end, f"{ACTOR_START} {MASK_WORD if mask_names else text[start:end]} {ACTOR_END}")
             for start, end, _ in mentions]
    marked, kept = _apply(text, edits)
    return marked, [mentions[i][2] for i in sorted(kept)]


def encode_in_context(text: str, actors: dict[str, Actor], source: str, target: str, mask_names: bool = False,
                      style: str = "per_pair") -> str:
    """:func:`encode_pair` for codes ``source`` and ``target`` among all ``actors`` of the sentence
    (the rest are the ``others`` that name masking hides)."""
    others = tuple(a for code, a in actors.items() if code not in (source, target))
    return encode_pair(text, actors[source], actors[target], others, mask_names, style)


def fit_window(length: int, keep: tuple[int, int], size: int) -> list[tuple[int, int]]:
    """Spans ``[start, end)`` of at most ``size`` tokens in all out of ``length`` that keep positions
    ``keep[0]`` and ``keep[1]`` inside: one window centred on both when they fit in it, else two
    half windows, one around each mention (so both mentions always survive truncation).

    >>> fit_window(10, (2, 3), 20)
    [(0, 10)]
    >>> fit_window(100, (50, 60), 20)
    [(46, 66)]
    >>> fit_window(100, (95, 98), 20)
    [(80, 100)]
    >>> fit_window(100, (10, 90), 20)
    [(5, 15), (85, 95)]
    """
    if length <= size:
        return [(0, length)]
    lo, hi = min(keep), max(keep) + 1
    if hi - lo <= size:
        slack = size - (hi - lo)
        start = max(0, min(lo - slack // 2, length - size))
        return [(start, start + size)]
    half = size // 2
    first = max(0, lo - half // 2)
    second = max(first + half, min(hi - 1 - half // 2, length - (size - half)))
    return [(first, first + half), (second, second + size - half)]


def closest_markers(ids: list[int], source_id: int, target_id: int) -> tuple[int, int]:
    """Positions of the closest pair of source and target start markers in ``ids``.

    >>> closest_markers([7, 1, 5, 5, 2, 1], source_id=1, target_id=2)
    (5, 4)
    """
    sources = [i for i, t in enumerate(ids) if t == source_id]
    targets = [i for i, t in enumerate(ids) if t == target_id]
    if not sources or not targets:
        raise ValueError("encoded pair lacks a source or target marker")
    return closest_pair(sources, targets)


def closest_pair(sources: list[int], targets: list[int]) -> tuple[int, int]:
    """The (source, target) positions closest to each other, the earlier source on ties.

    >>> closest_pair([1, 5], [4, 9])
    (5, 4)
    """
    return min(((s, t) for s in sources for t in targets), key=lambda st: (abs(st[0] - st[1]), st[0]))
