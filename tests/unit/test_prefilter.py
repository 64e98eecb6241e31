"""The shape scanner: compiled and reference agree on every text, and they find the shapes the recognizers need."""

import random

import pytest

from scanner._fast import COMPILED, KIND_EMAIL, KIND_IBAN, KIND_IPV6, KIND_RUN, PREFILTER_IMPLEMENTATIONS

IMPLS = pytest.mark.parametrize("impl", list(PREFILTER_IMPLEMENTATIONS.values()),
                                ids=list(PREFILTER_IMPLEMENTATIONS))
ARGS = (7, 8, 5, 3, True, True, True)
ALPHABET = "0123456789 -.()+@:xaGBWEST\n\t\u00a0\u0663\uff14\u017f\u212a/_ab"


def test_the_compiled_scanner_is_built() -> None:
    assert COMPILED, "run `python setup.py build_ext --inplace`"


@IMPLS
def test_shapes(impl) -> None:
    text = ("call +1 (212) 555-0173, mail a.b@ex.com; IBAN GB82 WEST 1234 5698 7654 32, "
            "ip fe80::1 and 10.0.0.1 in 2019\n")
    shapes = impl.scan_shapes(text, *ARGS)
    kinds = {(k, text[s:e]) for k, s, e, *_ in shapes}
    assert (KIND_RUN, " +1 (212) 555-0173") in kinds
    assert (KIND_EMAIL, "a.b@ex.com;") in kinds
    assert (KIND_IPV6, "fe80::1") in kinds
    assert any(k == KIND_IBAN and text[s:s + 4] == "GB82" for k, s, *_ in shapes)
    assert any(k == KIND_RUN and text[s:e].strip() == "10.0.0.1" and dots == 3
               for k, s, e, _, _, dots, _ in shapes)
    assert not any(k == KIND_RUN and "2019" in text[s:e] for k, s, e, *_ in shapes)  # 4 digits: no shape


@IMPLS
def test_run_counts(impl) -> None:
    [(kind, s, e, digits, consecutive, dots, plus)] = impl.scan_shapes("id 123-45-6789 ok", *ARGS)
    assert (kind, digits, consecutive, dots, plus) == (KIND_RUN, 9, 4, 0, 0)
    assert impl.scan_shapes("", *ARGS) == []
    # Arabic-Indic digits are digits to \\d and to phonenumbers, so they make runs too.
    assert impl.scan_shapes("\u0663" * 9, *ARGS)[0][3] == 9


@pytest.mark.skipif(not COMPILED, reason="needs the compiled scanner")
def test_compiled_equals_reference_on_random_text() -> None:
    ref, comp = PREFILTER_IMPLEMENTATIONS["reference"], PREFILTER_IMPLEMENTATIONS["compiled"]
    rng = random.Random(4)
    for _ in range(3000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 80)))
        args = (rng.randint(1, 12), rng.randint(1, 10), rng.randint(1, 6), rng.randint(1, 4),
                rng.random() < 0.8, rng.random() < 0.8, rng.random() < 0.8)
        assert comp.scan_shapes(text, *args) == ref.scan_shapes(text, *args), (text, args)


@IMPLS
def test_widen_to_whole_pieces(impl) -> None:
    text = "call 212-555-0173\u2003now, card:4111"
    i = text.index("555")
    assert text[slice(*impl.widen(text, i, i + 3))] == "212-555-0173"
    j = text.index("4111")
    assert text[slice(*impl.widen(text, j, j + 2))] == "card:4111"
    assert impl.widen(text, -3, len(text) + 9) == (0, len(text))
