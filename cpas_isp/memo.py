"""``Memo``: the one per-process memo of what is built once and reused by every request (SQL
compiled from querysets, fixed markup, charts): bounded, keyed on every input of the value.

The key must hold everything the value depends on (the language, the day, the user, the URL
prefix...): a memo never expires otherwise. When full, it is emptied (days change, and the
keys of a day are few), so that a long-running worker does not grow without bound."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    def __init__(self, taille: int):
        self.taille = taille
        self.valeurs: dict[Hashable, V] = {}

    def obtenir(self, cle: Hashable, calculer: Callable[[], V]) -> V:
        """The value of ``cle``, computed by ``calculer()`` the first time. A key that cannot
        be hashed (a value of an unhashable type among its parts) is computed every time."""
        try:
            return self.valeurs[cle]
        except KeyError:
            pass
        except TypeError:
            return calculer()
        valeur = calculer()
        if len(self.valeurs) >= self.taille:
            self.valeurs.clear()
        self.valeurs[cle] = valeur
        return valeur

    def clear(self) -> None:
        self.valeurs.clear()

    def __len__(self) -> int:
        return len(self.valeurs)
