"""Write operations of the partners app, one submodule per sub-domain:

- ``annuaire``: saving a partner's record (the encoding CPAS manages it) and its services
- ``orientations``: the referral workflow (the transition table, enforced and logged), creation,
  messages, attendance, the partner's e-mail notification
- ``echeances``: the daily deadlines of referrals (reminder at half the delay, expiry)
- ``conventions``: saving a convention with its CPAS parties and funding
- ``programmes``: saving a programme and its cohort's participations

The workflow's public names are re-exported here for the callers outside the app."""

from __future__ import annotations

from .echeances import delai_rappel, rappeler_partenaire, traiter_echeances
from .orientations import (
    CPAS,
    LIBELLES_ACTIONS,
    PARTENAIRE,
    STATUTS_OUVERTS,
    SYSTEME,
    TRANSITIONS,
    TransitionInvalide,
    acteur_de,
    ajouter_message,
    creer_orientation,
    destinataires,
    echeance,
    enregistrer_presence,
    notifier_partenaire,
    transition,
    transitions_possibles,
)

__all__ = [
    "CPAS",
    "LIBELLES_ACTIONS",
    "PARTENAIRE",
    "STATUTS_OUVERTS",
    "SYSTEME",
    "TRANSITIONS",
    "TransitionInvalide",
    "acteur_de",
    "ajouter_message",
    "creer_orientation",
    "delai_rappel",
    "destinataires",
    "echeance",
    "enregistrer_presence",
    "notifier_partenaire",
    "rappeler_partenaire",
    "transition",
    "transitions_possibles",
    "traiter_echeances",
]
