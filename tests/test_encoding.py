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


@pytest.mark.parametrize("style,case", [("per_pair", c) for c in CASES] + [("appended", c) for c in APPENDED])
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
    s_id, t_id, _ = marker_ids(tokenizer)
    assert len(feat["input_ids"]) <= 64
    ((_, s_pos, t_pos),) = feat["pairs"]
    assert feat["input_ids"][s_pos] == s_id
    assert feat["input_ids"][t_pos] == t_id


def test_long_sentence_windows_keep_every_pair(tiny_encoder) -> None:
    """Per-sentence: a sentence longer than the window gets one input per distinct window, and every
    pair reads its own two actors' markers."""
    from infer.model import build_model, featurize_sentences, marker_ids

    _, tokenizer = build_model(str(tiny_encoder), pair_encoding="per_sentence")
    filler = " and the talks " * 40
    marked = f"[A] china [/A] met [A] russia [/A]{filler}[A] india [/A] said"
    pairs = [("CHN", "RUS"), ("RUS", "CHN"), ("CHN", "IND"), ("IND", "CHN"), ("RUS", "IND"), ("IND", "RUS")]
    features = featurize_sentences(tokenizer, [(marked, ["CHN", "RUS", "IND"], pairs)], max_length=64)
    _, _, a_id = marker_ids(tokenizer)
    assert sorted(k for f in features for k, _, _ in f["pairs"]) == list(range(6))
    assert len(features) >= 2
    for f in features:
        assert len(f["input_ids"]) <= 64
        for _, s_pos, t_pos in f["pairs"]:
            assert f["input_ids"][s_pos] == a_id and f["input_ids"][t_pos] == a_id
    short = featurize_sentences(tokenizer, [("[A] china [/A] met [A] russia [/A]", ["CHN", "RUS"], pairs[:2])], max_length=64)
    assert len(short) == 1 and len(short[0]["pairs"]) == 2


SENTENCE_CASES = [
    # text, mask, expected marked text, expected marker codes
    ("Russia invaded Ukraine.", False, "[A] Russia [/A] invaded [A] Ukraine [/A].", ["RUS", "UKR"]),
    ("Russia invaded Ukraine.", True, "[A] actor [/A] invaded [A] actor [/A].", ["RUS", "UKR"]),
    ("Beijing said China would back Moscow.", True, "[A] actor [/A] said [A] actor [/A] would back [A] actor [/A].",
     ["CHN", "CHN", "RUS"]),
    ("Sino-Russian ties and US-China talks.", False,
     "[A] Sino [/A]-[A] Russian [/A] ties and [A] US [/A]-[A] China [/A] talks.", ["CHN", "RUS", "USA", "CHN"]),
    ("Nothing here.", True, "Nothing here.", []),
]


@pytest.mark.parametrize("text,mask,expected,codes", SENTENCE_CASES)
def test_encode_sentence(finder: ActorFinder, text: str, mask: bool, expected: str, codes: list[str]) -> None:
    from infer.encoding import encode_sentence

    assert encode_sentence(text, finder.find(text), mask_names=mask) == (expected, codes)


@pytest.mark.parametrize("style", ["per_pair", "appended"])
@pytest.mark.parametrize("mask", [False, True])
@pytest.mark.parametrize("text", ["Russia invaded Ukraine.", "China and Russia signed a deal with India.",
                                  "Beijing said China would back Moscow."])
def test_direction_is_never_erased(finder: ActorFinder, style: str, mask: bool, text: str) -> None:
    """encode(s, t) != encode(t, s) for every style and mask setting the config accepts."""
    from infer.encoding import encode_in_context
    from train.config import ModelConfig

    try:
        ModelConfig(pair_encoding=style, mask_names=mask)  # type: ignore[arg-type]
    except ValueError:
        assert style == "appended" and mask  # the one combination that would erase direction is refused
        return
    actors = {a.code: a for a in finder.find(text)}
    for s in actors:
        for t in actors:
            if s != t:
                assert encode_in_context(text, actors, s, t, mask, style) != encode_in_context(text, actors, t, s, mask, style)
