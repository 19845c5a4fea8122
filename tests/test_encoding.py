"""Table tests for the directed pair encoding and the window that keeps both mentions."""

from __future__ import annotations

import pytest

from infer.actors import ActorFinder
from infer.encoding import closest_markers, encode_pair, fit_window

CASES = [
    ("Russia invaded Ukraine.", "RUS", "UKR", False, "[S] Russia [/S] invaded [T] Ukraine [/T]."),
    ("Russia invaded Ukraine.", "UKR", "RUS", False, "[T] Russia [/T] invaded [S] Ukraine [/S]."),
    ("China's envoy met Biden in Beijing.", "CHN", "USA", False,
     "[S] China [/S]'s envoy met [T] Biden [/T] in [S] Beijing [/S]."),
    ("US-China talks.", "USA", "CHN", False, "[S] US [/S]-[T] China [/T] talks."),
    ("Russia invaded Ukraine.", "RUS", "UKR", True, "[S] actor [/S] invaded [T] actor [/T]."),
    ("India urged Russia and China to talk.", "RUS", "CHN", True, "actor urged [S] actor [/S] and [T] actor [/T] to talk."),
]


APPENDED = [
    ("Russia invaded Ukraine.", "RUS", "UKR", False, "Russia invaded Ukraine. [S] Russia [T] Ukraine"),
    ("Moscow said Russia would talk to Kyiv.", "UKR", "RUS", False, "Moscow said Russia would talk to Kyiv. [S] Kyiv [T] Moscow"),
    ("India urged Russia and China to talk.", "RUS", "CHN", True, "actor urged actor and actor to talk. [S] actor [T] actor"),
]


@pytest.mark.parametrize("style,case", [("markers", c) for c in CASES] + [("appended", c) for c in APPENDED])
def test_encode_pair(finder: ActorFinder, style: str, case: tuple) -> None:
    text, source, target, mask, expected = case
    actors = {a.code: a for a in finder.find(text)}
    others = tuple(a for c, a in actors.items() if c not in (source, target))
    assert encode_pair(text, actors[source], actors[target], others, mask_names=mask, style=style) == expected


def test_unknown_style_is_an_error(finder: ActorFinder) -> None:
    a, b = finder.find("Russia invaded Ukraine.")
    with pytest.raises(ValueError, match="unknown pair encoding style"):
        encode_pair("Russia invaded Ukraine.", a, b, style="both")


@pytest.mark.parametrize("length,keep,size,expected", [
    (10, (2, 3), 20, [(0, 10)]),              # fits: whole input
    (100, (50, 60), 20, [(46, 66)]),          # centred on the mentions
    (100, (0, 5), 20, [(0, 20)]),             # at the start
    (100, (95, 98), 20, [(80, 100)]),         # at the end
    (100, (60, 40), 30, [(36, 66)]),          # target before source
    (100, (10, 90), 20, [(5, 15), (85, 95)]),  # farther apart than the window: a half window each
    (100, (2, 99), 20, [(0, 10), (90, 100)]),
])
def test_fit_window(length: int, keep: tuple[int, int], size: int, expected: list[tuple[int, int]]) -> None:
    spans = fit_window(length, keep, size)
    assert spans == expected
    assert sum(end - start for start, end in spans) <= size
    for pos in keep:
        assert any(start <= pos < end for start, end in spans)


def test_closest_markers() -> None:
    assert closest_markers([1, 9, 9, 2, 9, 1], 1, 2) == (5, 3)
    with pytest.raises(ValueError):
        closest_markers([9, 9], 1, 2)


def test_long_sentence_keeps_both_mentions(tiny_encoder) -> None:
    from infer.model import build_model, featurize, marker_ids

    _, tokenizer = build_model(str(tiny_encoder))
    filler = " and the talks " * 80
    marked = f"{filler}[S] china [/S] met {filler}[T] russia [/T] {filler}"
    (feat,) = featurize(tokenizer, [marked], max_length=64)
    s_id, t_id = marker_ids(tokenizer)
    assert len(feat["input_ids"]) <= 64
    assert feat["input_ids"][feat["source_pos"]] == s_id
    assert feat["input_ids"][feat["target_pos"]] == t_id
