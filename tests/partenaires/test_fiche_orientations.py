"""The person page's referrals: the section's list and the timeline's transitions come from one
query (the transitions folded into the referrals' query), with the same events, in the same
order, as the straightforward query of the transitions."""

import datetime

from django.urls import reverse
from django.utils import timezone

from beneficiaires import hooks
from cpas_isp.models import Role
from partenaires import integration
from partenaires.models import StatutOrientation, TransitionOrientation
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import OrientationFactory, ServiceFactory

S = StatutOrientation


def _timeline_de_reference(beneficiaire, user):
    """The timeline as the transitions' own query gave it (before the fold)."""
    transitions = (
        TransitionOrientation.objects.for_user(user)
        .filter(orientation__beneficiaire=beneficiaire)
        .select_related("orientation__service__partenaire", "par")
        .order_by("quand", "id")
    )
    events = []
    for t in transitions:
        detail = t.commentaire
        if t.vers_statut == S.REFUSEE:
            detail = t.orientation.motif_refus
        elif t.vers_statut == S.TERMINEE and t.orientation.resultat_detail:
            detail = t.orientation.resultat_detail
        events.append(
            hooks.EvenementTimeline(
                date=timezone.localtime(t.quand).date(),
                titre=integration._titre(t),
                detail=detail,
                categorie="orientation",
                url=reverse("partenaires:orientation_detail", args=[t.orientation_id]),
            )
        )
    return events


def _transition(o, vers, quand, commentaire=""):
    t = TransitionOrientation.objects.create(
        cpas_id=o.cpas_id, orientation=o, de_statut="", vers_statut=vers, commentaire=commentaire
    )
    TransitionOrientation.objects.filter(pk=t.pk).update(quand=quand)  # auto_now_add


def test_timeline_of_referrals_same_events_and_order_as_the_transitions_query(
    cpas_a, cpas_b, make_user
):
    agent = make_user(Role.AGENT, cpas_a)
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    autre = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    service = ServiceFactory()
    tz = timezone.get_current_timezone()
    h = datetime.datetime(2025, 3, 1, 23, 30, tzinfo=datetime.UTC)  # another day in Brussels
    o1 = OrientationFactory(
        beneficiaire=b, service=service, agent=agent, motif_refus="Complet", statut=S.REFUSEE
    )
    o2 = OrientationFactory(
        beneficiaire=b,
        service=service,
        agent=agent,
        statut=S.TERMINEE,
        resultat="emploi",
        resultat_detail="CDI",
        date_orientation=datetime.date(2024, 1, 1),
    )
    o3 = OrientationFactory(beneficiaire=b, service=service, agent=agent)  # no transition
    _transition(o1, S.PROPOSEE, h, "Premier contact")
    _transition(o2, S.PROPOSEE, h)  # same instant: the id decides
    _transition(o1, S.REFUSEE, h + datetime.timedelta(days=2))
    _transition(o2, S.ACCEPTEE, h - datetime.timedelta(days=40, microseconds=1), "Oui")
    _transition(o2, S.TERMINEE, datetime.datetime(2025, 6, 1, 8, 0, tzinfo=tz))
    _transition(OrientationFactory(beneficiaire=autre, service=service), S.PROPOSEE, h)

    attendu = _timeline_de_reference(b, agent)
    assert len(attendu) == 5
    assert integration.timeline(b, agent) == attendu
    # The section lists every referral (with or without transitions), newest first.
    assert [o.pk for o in integration._orientations_de_la_page(b, agent)] == [
        o3.pk,
        o1.pk,
        o2.pk,
    ]
