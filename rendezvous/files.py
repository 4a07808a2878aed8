"""The work queues of invitations (read side), need-to-know scoped:

- people with a running RIS/ERIS right and no first ISP interview planned or held (nor a pending
  invitation to one): who to invite;
- "to convene": people whose invitation expired or who missed an appointment (absent: their own
  outcome, so a no-show at a collective session counts too), with no later appointment or
  invitation.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from beneficiaires.models import Beneficiaire, DroitAide
from beneficiaires.models.suivi import TypeDroit
from rendezvous.models import (
    STATUTS_A_VENIR,
    Invitation,
    Participant,
    StatutInvitation,
    StatutRendezVous,
)

CODE_PREMIER_ENTRETIEN = "premier_entretien_isp"


def sans_premier_entretien(user, date=None):
    """People the user may see with an RIS/ERIS right running on ``date`` (today) and no first
    ISP interview planned, confirmed or held, nor a pending invitation to one. ``depuis``: the
    decision (or start) of their running right."""
    date = date or timezone.localdate()
    droits = (
        DroitAide.objects.filter(beneficiaire=OuterRef("pk"), type__in=TypeDroit.values)
        .actifs_le(date)
        .order_by("debut")
    )
    premier = Participant.objects.filter(
        beneficiaire=OuterRef("pk"),
        rendez_vous__type__code=CODE_PREMIER_ENTRETIEN,
        rendez_vous__statut__in=[*STATUTS_A_VENIR, StatutRendezVous.VU],
    )
    invitee = Invitation.objects.filter(
        beneficiaire=OuterRef("pk"),
        type__code=CODE_PREMIER_ENTRETIEN,
        statut__in=[StatutInvitation.EN_ATTENTE, StatutInvitation.RESERVEE],
    )
    return (
        Beneficiaire.objects.visibles_par(user)
        .filter(Exists(droits), date_cloture__isnull=True)
        .exclude(Exists(premier))
        .exclude(Exists(invitee))
        .annotate(
            depuis=Subquery(droits.values(d=Coalesce("date_decision", "debut"))[:1]),
        )
    )


def a_convoquer(user):
    """People the user may see whose last invitation expired or who were absent, with no later
    appointment (not cancelled) nor later invitation still open (pending or booked).
    ``declencheur`` is when that happened, ``derniere_expiree`` / ``dernier_absent`` which."""
    expiree = (
        Invitation.objects.filter(beneficiaire=OuterRef("pk"), statut=StatutInvitation.EXPIREE)
        .order_by("-expire_le")
        .values("expire_le")[:1]
    )
    # The person's own outcome: at a collective session the appointment is "seen" when anyone
    # came, and each participant's outcome is recorded apart. (An outcome recorded on the
    # appointment alone, participant's copy left empty, still counts.)
    absent = (
        Participant.objects.filter(beneficiaire=OuterRef("pk"), annule=False)
        .filter(
            Q(issue=StatutRendezVous.ABSENT)
            | Q(issue="", rendez_vous__statut=StatutRendezVous.ABSENT)
        )
        .order_by("-debut")
        .values("debut")[:1]
    )
    plus_tard_rdv = Participant.objects.filter(
        beneficiaire=OuterRef("pk"), annule=False, debut__gt=OuterRef("declencheur")
    )
    plus_tard_invitation = Invitation.objects.filter(
        beneficiaire=OuterRef("pk"),
        cree_le__gt=OuterRef("declencheur"),
        statut__in=[StatutInvitation.EN_ATTENTE, StatutInvitation.RESERVEE],
    )
    return (
        Beneficiaire.objects.visibles_par(user)
        .filter(date_cloture__isnull=True)
        .annotate(derniere_expiree=Subquery(expiree), dernier_absent=Subquery(absent))
        .annotate(declencheur=Greatest("derniere_expiree", "dernier_absent"))
        .filter(declencheur__isnull=False)
        .exclude(Exists(plus_tard_rdv))
        .exclude(Exists(plus_tard_invitation))
    )


def filtrer(qs, cellule=None, referent=None):
    from beneficiaires import hooks

    if cellule is not None:
        qs = hooks.filtrer_par_cellule(qs, cellule)
    if referent is not None:
        qs = qs.filter(Q(referent=referent))
    return qs
