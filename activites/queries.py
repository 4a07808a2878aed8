"""Read side of the activities, shared by the pages, the PDFs and the person page: the
enrolments a user may see, hours per enrolment, the rows of an attendance grid."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from activites.models import Inscription, Presence, StatutInscription, StatutPresence
from beneficiaires.models import Beneficiaire
from cpas_isp import permissions as p
from cpas_isp.tenancy import current_membership

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=7, decimal_places=2))


def inscriptions_visibles(user, activite=None):
    """Enrolments whose person ``user`` may see: only their current CPAS's participants (a
    shared activity names each CPAS's own people to that CPAS only); staff see the people of
    their caseload (``Beneficiaire.objects.visibles_par``); a partner user sees the
    participants of its CPAS in the activities its organisation runs."""
    membership = current_membership(user)
    if membership is None:
        return Inscription.objects.none()
    qs = Inscription.objects.filter(cpas_id=membership.cpas_id)
    if activite is not None:
        qs = qs.filter(activite=activite)
    if p.peut_utiliser_portail_partenaire(user):
        from activites.models import Activite

        return qs.filter(activite__in=Activite.objects.for_user(user).values("pk"))
    return qs.filter(beneficiaire__in=Beneficiaire.objects.visibles_par(user).values("pk"))


def avec_heures(qs):
    """Annotate enrolments with the hours attended and the sessions present/absent."""
    return qs.annotate(
        heures_suivies=Coalesce(Sum("presences__heures"), ZERO),
        nb_presents=Count(
            "presences",
            filter=Q(presences__statut__in=[StatutPresence.PRESENT, StatutPresence.RETARD]),
        ),
        nb_absents=Count("presences", filter=Q(presences__statut=StatutPresence.ABSENT)),
        nb_excuses=Count("presences", filter=Q(presences__statut=StatutPresence.EXCUSE)),
    )


def heures_suivies(inscription) -> Decimal:
    return Presence.objects.filter(inscription=inscription).aggregate(
        h=Coalesce(Sum("heures"), ZERO)
    )["h"]


def participants_de_la_seance(user, seance):
    """The grid's rows: enrolments the user may see that still ran on the session's date
    (enrolled, or finished or withdrawn later), with their mark if any. Two queries whatever
    the size. A late enrolment shows in earlier sessions too: entries are often made late."""
    inscriptions = list(
        inscriptions_visibles(user, seance.activite)
        .filter(
            Q(statut=StatutInscription.INSCRIT)
            | Q(statut=StatutInscription.TERMINE, date_fin__gte=seance.date)
            | Q(statut=StatutInscription.RETIRE, date_retrait__gte=seance.date)
        )
        .select_related("beneficiaire")
        .order_by("beneficiaire__nom", "beneficiaire__prenom", "id")
    )
    marques = {
        m.inscription_id: m
        for m in Presence.objects.filter(
            seance=seance, inscription__in=[i.pk for i in inscriptions]
        )
    }
    return [(i, marques.get(i.pk)) for i in inscriptions]


def autres_participants(user, activite) -> int:
    """Seats taken by people the user may not see (other CPAS, other caseloads): a count."""
    visibles = inscriptions_visibles(user, activite).occupant_une_place().count()
    total = Inscription.objects.filter(activite=activite).occupant_une_place().count()
    return total - visibles
