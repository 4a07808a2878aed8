"""The calendar feed of an agenda: no login, a secret token in the URL (stored hashed,
regenerated or revoked from the agenda's settings)."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from rendezvous import ics, services
from rendezvous.models import Agenda, Participant, RendezVous

# The feed covers this period around today (calendar clients keep what they already have).
JOURS_PASSES = 60
JOURS_A_VENIR = 366


@require_GET
def flux(request, jeton):
    if not jeton or len(jeton) > 100:
        raise Http404
    agenda = (
        Agenda.objects.select_related("agent", "cellule__cpas")
        .filter(jeton_ics=services.hacher_jeton(jeton))
        .first()
    )
    if agenda is None:
        raise Http404
    maintenant = timezone.now()
    rdvs = RendezVous.objects.filter(
        cpas_id=agenda.cpas_id,
        debut__gte=maintenant - datetime.timedelta(days=JOURS_PASSES),
        debut__lt=maintenant + datetime.timedelta(days=JOURS_A_VENIR),
    )
    rdvs = rdvs.filter(agent_id=agenda.agent_id) if agenda.agent_id else rdvs.filter(agenda=agenda)
    rdvs = (
        rdvs.select_related("type", "lieu")
        .prefetch_related(
            Prefetch("participants", queryset=Participant.objects.select_related("beneficiaire"))
        )
        .order_by("debut", "id")
    )
    langue = agenda.agent.langue if agenda.agent_id else agenda.cellule.cpas.langue
    with translation.override(langue):
        texte = ics.calendrier(str(agenda), rdvs, request.get_host().split(":")[0])
    response = HttpResponse(texte, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
