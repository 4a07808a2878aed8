"""Home page figures of the partners app (one aggregate query)."""

from __future__ import annotations

import datetime

from django import template
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html

from beneficiaires.acces import objets_visibles
from cpas_isp import permissions

from ..models import Orientation, StatutOrientation

register = template.Library()
S = StatutOrientation

# The colour of a referral's status badge; any other status: light with a border.
CLASSES_STATUT = {
    S.TERMINEE: "text-bg-success",
    S.REFUSEE: "text-bg-secondary",
    S.EXPIREE: "text-bg-secondary",
    S.ANNULEE: "text-bg-secondary",
    S.ACCEPTEE: "text-bg-primary",
    S.EN_COURS: "text-bg-primary",
    S.ENVOYEE: "text-bg-warning",
}


@register.simple_tag
def badge_statut(statut, libelle):
    """A referral's status badge (``partenaires/_statut.html``), without an include per row of
    a list."""
    return format_html(
        '<span class="badge {} statut-{}">{}</span>',
        CLASSES_STATUT.get(statut, "text-bg-light border"),
        statut,
        libelle,
    )


@register.simple_tag
def resume_orientations(user):
    """Counts for the home card: waiting for the partner, refused or expired in the last 30
    days (to re-orient), and for partner users, the referrals waiting for their answer."""
    qs = Orientation.objects.for_user(user)
    if not permissions.est_partenaire(user):
        # The referrals of the people the user may see, as on the referrals page (their ids
        # as an array: a few index probes per person rather than a join planned blind).
        qs = objets_visibles(qs, user, en_tableau=True)
    depuis = timezone.localdate() - datetime.timedelta(days=30)
    # From the start of that day (local time): a range on the indexed timestamp, the same rows
    # as ``modifie_le__date__gte`` but without computing a date for every referral.
    debut = timezone.make_aware(datetime.datetime.combine(depuis, datetime.time.min))
    en_attente = Q(statut=S.ENVOYEE)
    a_revoir = Q(statut__in=[S.REFUSEE, S.EXPIREE], modifie_le__gte=debut)
    en_cours = Q(statut__in=[S.ACCEPTEE, S.EN_COURS])
    # Only the rows counted (index on cpas, statut, modifie_le), not the whole history.
    return qs.filter(en_attente | a_revoir | en_cours).aggregate(
        en_attente=Count("id", filter=en_attente),
        a_revoir=Count("id", filter=a_revoir),
        en_cours=Count("id", filter=en_cours),
    )
