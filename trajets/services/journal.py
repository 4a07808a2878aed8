"""Writing the journal: single and collective steps, corrections, next actions done."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from trajets.models.journal import Etape, ParametresJournal, TypeEtape
from trajets.models.phases import PassagePhase
from trajets.services.phases import passage_en_cours


def type_par_defaut(cpas_id) -> TypeEtape | None:
    """The step type the quick form starts from: the neutral type the CPAS chose (its journal
    settings), else the first active type offered to the CPAS that no workflow owns. Never a
    workflow type (PIIS evaluation...), whatever the agent logged last."""
    offerts = TypeEtape.objects.pour_cpas(cpas_id).filter(actif=True, workflow=False)
    choisi = (
        ParametresJournal.objects.filter(cpas_id=cpas_id)
        .values_list("type_par_defaut_id", flat=True)
        .first()
    )
    if choisi is not None:
        t = offerts.filter(pk=choisi).first()
        if t is not None:
            return t
    return offerts.order_by("ordre", "code").first()


def derniers_choix(user, cpas_id) -> dict:
    """Where the quick form starts: the CPAS's default type, the mode of the agent's last step."""
    t = type_par_defaut(cpas_id)
    mode = (
        Etape.objects.filter(auteur=user, cpas_id=cpas_id)
        .order_by("-cree_le")
        .values_list("mode", flat=True)
        .first()
    )
    return {"type_id": t.pk if t else None, "mode": mode}


@transaction.atomic
def noter_etape(beneficiaire, auteur, **champs) -> Etape:
    """One step, linked to the stay running on its date. Workflows (PIIS evaluation,
    appointments) call it with their own type; the step form never offers those types."""
    date = champs["date"]
    passage = passage_en_cours(beneficiaire, date)
    return Etape.objects.create(
        cpas_id=beneficiaire.cpas_id,
        beneficiaire=beneficiaire,
        passage=passage,
        auteur=auteur,
        **champs,
    )


@transaction.atomic
def modifier_etape(etape: Etape) -> Etape:
    """Save a corrected step, linked to the stay running on its (maybe new) date."""
    etape.passage = passage_en_cours(etape.beneficiaire_id, etape.date)
    etape.save()
    return etape


@transaction.atomic
def noter_seance_collective(beneficiaires, auteur, **champs) -> list[Etape]:
    """One step for each person of a group session, sharing a group id."""
    groupe = uuid.uuid4()
    beneficiaires = list(beneficiaires)
    date = champs["date"]
    ids = [b.pk for b in beneficiaires]
    passages = {
        p.beneficiaire_id: p
        for p in PassagePhase.objects.filter(beneficiaire_id__in=ids).en_cours_le(date)
    }
    etapes = [
        Etape(
            cpas_id=b.cpas_id,
            beneficiaire=b,
            passage=passages.get(b.pk),
            auteur=auteur,
            groupe=groupe,
            **champs,
        )
        for b in beneficiaires
    ]
    return Etape.objects.bulk_create(etapes)


def marquer_action_faite(etape: Etape, date=None):
    etape.action_faite_le = date or timezone.localdate()
    etape.save(update_fields=["action_faite_le", "modifie_le"])
    return etape


def _passages_aux_dates(dates: dict) -> dict:
    """{person id: the stay running on that person's date} in one query."""
    if not dates:
        return {}
    passages = PassagePhase.objects.filter(
        beneficiaire_id__in=list(dates), debut__lte=max(dates.values())
    ).filter(Q(fin__isnull=True) | Q(fin__gte=min(dates.values())))
    trouves = {}
    for p in passages:
        jour = dates[p.beneficiaire_id]
        if p.debut <= jour and (p.fin is None or p.fin >= jour):
            trouves[p.beneficiaire_id] = p
    return trouves


@transaction.atomic
def noter_etapes(etapes: list[Etape]) -> list[Etape]:
    """Several steps at once, at most one per person (each its own date and text), each
    linked to the stay running on its date: two queries whatever their number (collective
    activities write their weekly summaries this way)."""
    passages = _passages_aux_dates({e.beneficiaire_id: e.date for e in etapes})
    for e in etapes:
        e.passage = passages.get(e.beneficiaire_id)
    return Etape.objects.bulk_create(etapes)


@transaction.atomic
def modifier_etapes(etapes: list[Etape], champs: list[str]) -> list[Etape]:
    """Save corrected ``champs`` of several steps (at most one per person) at once, each
    linked again to the stay running on its (maybe new) date."""
    passages = _passages_aux_dates({e.beneficiaire_id: e.date for e in etapes})
    maintenant = timezone.now()
    for e in etapes:
        e.passage = passages.get(e.beneficiaire_id)
        e.modifie_le = maintenant
    Etape.objects.bulk_update(etapes, [*champs, "passage", "modifie_le"])
    return etapes
