"""Moves between phases: orienting a person, ending a trajectory, correcting a stay."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpas_isp.contraintes import contraintes_en_messages, enregistrer
from trajets.models.journal import Etape
from trajets.models.phases import MotifSortie, PassagePhase

MOTIF_REORIENTATION = "reorientation"


def passage_en_cours(beneficiaire, date=None):
    date = date or timezone.localdate()
    return PassagePhase.objects.filter(beneficiaire=beneficiaire).en_cours_le(date).first()


@transaction.atomic
def orienter(
    beneficiaire,
    phase: str,
    date: datetime.date,
    *,
    agent=None,
    motif_sortie: MotifSortie | None = None,
    motif_entree: str = "",
    note: str = "",
) -> PassagePhase:
    """Close the stay running the day before ``date`` and open a stay in ``phase`` from
    ``date``. Back-dating is allowed; overlapping another stay is refused (the constraint's
    message)."""
    passages = list(
        PassagePhase.objects.select_for_update().filter(beneficiaire=beneficiaire).order_by("debut")
    )
    ouvert = next((p for p in passages if p.fin is None), None)
    if ouvert is not None:
        if ouvert.phase == phase:
            raise ValidationError(
                _("Cette personne est déjà en phase « %(phase)s » depuis le %(date)s.")
                % {"phase": ouvert.get_phase_display(), "date": f"{ouvert.debut:%d/%m/%Y}"}
            )
        if ouvert.debut >= date:
            raise ValidationError(
                _(
                    "La date choisie (%(date)s) ne peut pas précéder ni égaler le début du "
                    "passage en cours (%(phase)s depuis le %(debut)s). Corrigez ce passage si "
                    "nécessaire."
                )
                % {
                    "date": f"{date:%d/%m/%Y}",
                    "phase": ouvert.get_phase_display(),
                    "debut": f"{ouvert.debut:%d/%m/%Y}",
                }
            )
        ouvert.fin = date - datetime.timedelta(days=1)
        ouvert.motif_sortie = (
            motif_sortie or MotifSortie.objects.filter(code=MOTIF_REORIENTATION).first()
        )
        ouvert.save(update_fields=["fin", "motif_sortie"])
    nouveau = enregistrer(
        PassagePhase(
            cpas_id=beneficiaire.cpas_id,
            beneficiaire=beneficiaire,
            phase=phase,
            debut=date,
            agent=agent,
            motif_entree=motif_entree,
            note=note,
        )
    )
    # Steps already logged from ``date`` on (a back-dated orientation) move to the new stay.
    relier_etapes(beneficiaire.pk)
    return nouveau


@transaction.atomic
def terminer_trajet(passage: PassagePhase, fin: datetime.date, motif: MotifSortie, note=""):
    """Close a running stay without a next phase (the person leaves the trajectory)."""
    passage.fin = fin
    passage.motif_sortie = motif
    if note:
        passage.note = (passage.note + "\n" + note).strip()
    with contraintes_en_messages():
        passage.save(update_fields=["fin", "motif_sortie", "note"])
    relier_etapes(passage.beneficiaire_id)  # steps after the end leave the stay
    return passage


@transaction.atomic
def enregistrer_passage(passage: PassagePhase) -> PassagePhase:
    """Save a corrected stay and re-link the person's steps, in one transaction; overlaps and
    inverted dates come back as the constraints' messages."""
    enregistrer(passage)
    # Steps follow the stay that runs on their date.
    relier_etapes(passage.beneficiaire_id)
    return passage


def relier_etapes(beneficiaire_id):
    """Re-link every step of the person to the stay running on its date (after corrections)."""
    passages = list(PassagePhase.objects.filter(beneficiaire_id=beneficiaire_id))
    a_changer = []
    for etape in Etape.objects.filter(beneficiaire_id=beneficiaire_id).only(
        "id", "date", "passage_id"
    ):
        trouve = next(
            (
                p.pk
                for p in passages
                if p.debut <= etape.date and (p.fin is None or p.fin >= etape.date)
            ),
            None,
        )
        if trouve != etape.passage_id:
            etape.passage_id = trouve
            a_changer.append(etape)
    if a_changer:
        Etape.objects.bulk_update(a_changer, ["passage"])
