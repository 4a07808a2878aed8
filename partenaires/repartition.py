"""Cost sharing of a convention between its CPAS parties, to the cent.

Shares are computed in cents with the largest-remainder method (Hamilton): each party first gets
the floor of its exact share, then the cents left over go one by one to the largest fractional
remainders (ties: larger weight, then the order given). The shares always add up exactly to the
amount to split.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .models import RegleRepartition

CENT = Decimal("0.01")


class RepartitionImpossible(ValueError):
    pass


def en_cents(montant) -> int:
    return int((Decimal(montant) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def depuis_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def plus_forts_restes(total_cents: int, poids: list[int | Fraction]) -> list[int]:
    """Split ``total_cents`` proportionally to ``poids`` (non-negative, not all zero)."""
    if total_cents < 0:
        raise RepartitionImpossible(_("Le montant à répartir est négatif."))
    somme = sum(Fraction(p) for p in poids)
    if not poids or somme <= 0:
        raise RepartitionImpossible(_("Aucune base de répartition (poids nuls)."))
    exacts = [Fraction(total_cents) * Fraction(p) / somme for p in poids]
    parts = [int(e) for e in exacts]  # floor: exacts are non-negative
    reste = total_cents - sum(parts)
    ordre = sorted(
        range(len(poids)),
        key=lambda i: (exacts[i] - parts[i], Fraction(poids[i]), -i),
        reverse=True,
    )
    for i in ordre[:reste]:
        parts[i] += 1
    return parts


@dataclass
class Part:
    partie: object  # PartieCpas
    base: object  # inhabitants, 1, or the fixed amount
    pourcentage: Decimal
    montant: Decimal


@dataclass
class Repartition:
    budget_total: Decimal
    financements: Decimal
    solde: Decimal
    parts: list[Part]
    erreur: str = ""

    @property
    def total_parts(self) -> Decimal:
        return sum((p.montant for p in self.parts), Decimal("0.00"))


def repartir(convention, parties=None, financements=None) -> Repartition:
    """Each CPAS party's share of what remains of the budget after the funding sources.

    ``parties`` and ``financements`` may be passed already loaded (prefetched) to save queries.
    """
    parties = list(parties if parties is not None else convention.parties_cpas.all())
    financements = list(financements if financements is not None else convention.financements.all())
    budget = Decimal(convention.budget_total).quantize(CENT)
    finance = sum((Decimal(f.montant) for f in financements), Decimal("0.00")).quantize(CENT)
    solde = budget - finance
    resultat = Repartition(budget, finance, solde, [])
    if not parties:
        resultat.erreur = _("Aucun CPAS partie à la convention.")
        return resultat
    if solde < 0:
        resultat.erreur = _("Les financements dépassent le budget total.")
        return resultat
    total = en_cents(solde)
    regle = convention.regle_repartition
    try:
        if regle == RegleRepartition.PRORATA_HABITANTS:
            manquants = [str(p.cpas) for p in parties if not p.habitants]
            if manquants:
                raise RepartitionImpossible(
                    _("Nombre d'habitants inconnu pour : %(cpas)s.")
                    % {"cpas": ", ".join(manquants)}
                )
            bases = [p.habitants for p in parties]
            cents = plus_forts_restes(total, bases)
        elif regle == RegleRepartition.PARTS_EGALES:
            bases = [1 for _p in parties]
            cents = plus_forts_restes(total, bases)
        else:
            bases = [Decimal(p.montant_fixe or 0).quantize(CENT) for p in parties]
            cents = [en_cents(b) for b in bases]
            if sum(cents) != total:
                raise RepartitionImpossible(
                    _(
                        "Les montants fixes totalisent %(fixes)s €, le solde à répartir est "
                        "de %(solde)s €."
                    )
                    % {
                        "fixes": number_format(depuis_cents(sum(cents)), 2, force_grouping=True),
                        "solde": number_format(solde, 2, force_grouping=True),
                    }
                )
    except RepartitionImpossible as exc:
        resultat.erreur = str(exc)
        return resultat
    for partie, base, c in zip(parties, bases, cents, strict=True):
        pct = (Decimal(c) * 100 / total).quantize(CENT) if total else Decimal("0.00")
        resultat.parts.append(Part(partie, base, pct, depuis_cents(c)))
    return resultat


@dataclass
class PartageMinerval:
    minerval: Decimal
    part_cpas: Decimal
    part_partenaire: Decimal


def partager_minerval(convention) -> PartageMinerval | None:
    """Enrolment fee per participant split between the CPAS and the training centre."""
    if convention.minerval is None:
        return None
    minerval = Decimal(convention.minerval).quantize(CENT)
    cents = en_cents(minerval)
    pct = convention.part_minerval_cpas
    cpas, partenaire = plus_forts_restes(cents, [pct, 100 - pct]) if cents else (0, 0)
    return PartageMinerval(minerval, depuis_cents(cpas), depuis_cents(partenaire))
