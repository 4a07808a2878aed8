"""Home page figures of the partners app (one aggregate query)."""

from __future__ import annotations

import datetime

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from beneficiaires.acces import objets_visibles
from cpas_isp import permissions

from ..models import Orientation, StatutOrientation

register = template.Library()
S = StatutOrientation


@register.simple_tag
def resume_orientations(user):
    """Counts for the home card: waiting for the partner, refused or expired in the last 30
    days (to re-orient), and for partner users, the referrals waiting for their answer."""
    qs = Orientation.objects.for_user(user)
    if not permissions.est_partenaire(user):
        # The referrals of the people the user may see, as on the referrals page.
        qs = objets_visibles(qs, user)
    depuis = timezone.localdate() - datetime.timedelta(days=30)
    return qs.aggregate(
        en_attente=Count("id", filter=Q(statut=S.ENVOYEE)),
        a_revoir=Count(
            "id",
            filter=Q(statut__in=[S.REFUSEE, S.EXPIREE], modifie_le__date__gte=depuis),
        ),
        en_cours=Count("id", filter=Q(statut__in=[S.ACCEPTEE, S.EN_COURS])),
    )
