"""The per-process memo (cpas_isp.memo.Memo) every reused build goes through."""

from cpas_isp.memo import Memo


def test_a_value_is_built_once_per_key_and_the_memo_stays_bounded():
    memo = Memo(3)
    construits = []

    def construire(valeur):
        construits.append(valeur)
        return valeur * 2

    assert memo.obtenir(("fr", 1), lambda: construire(1)) == 2
    assert memo.obtenir(("fr", 1), lambda: construire(99)) == 2  # not rebuilt
    assert memo.obtenir(("nl", 1), lambda: construire(3)) == 6  # another key, another value
    assert construits == [1, 3]
    for i in range(10):
        memo.obtenir(("x", i), lambda i=i: construire(i))
    assert len(memo) <= 3


def test_an_unhashable_key_is_built_every_time():
    memo = Memo(3)
    construits = []
    for _ in range(2):
        assert memo.obtenir(("fr", [1, 2]), lambda: construits.append(1) or "v") == "v"
    assert construits == [1, 1] and len(memo) == 0
