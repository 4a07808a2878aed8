"""Home page figures of the partners app (one aggregate query)."""

from __future__ import annotations

import datetime

from django import template
from django.db.models import Count, IntegerField, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import format_html

from beneficiaires.acces import objets_visibles
from beneficiaires.models.personnes import voit_tout_le_cpas
from cpas_isp import permissions
from cpas_isp.models import Cpas
from cpas_isp.tenancy import current_membership

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
    depuis = timezone.localdate() - datetime.timedelta(days=30)
    # From the start of that day (local time): a range on the indexed timestamp, the same rows
    # as ``modifie_le__date__gte`` but without computing a date for every referral.
    debut = timezone.make_aware(datetime.datetime.combine(depuis, datetime.time.min))
    comptes = {
        "en_attente": Q(statut=S.ENVOYEE),
        "a_revoir": Q(statut__in=[S.REFUSEE, S.EXPIREE], modifie_le__gte=debut),
        "en_cours": Q(statut__in=[S.ACCEPTEE, S.EN_COURS]),
    }
    if permissions.est_partenaire(user):
        qs = Orientation.objects.for_user(user)
    elif voit_tout_le_cpas(user):
        # Every referral of the CPAS (a coordinator; ``objets_visibles`` adds no condition):
        # each count a range of the index on (cpas, statut, modifie_le) read alone
        # (index-only), rather than a scan of the CPAS's referrals testing every row.
        qs = Orientation.objects.for_user(user)
        return Cpas.objects.filter(pk=current_membership(user).cpas_id).values(
            **{nom: _compte(qs.filter(condition)) for nom, condition in comptes.items()}
        )[0]
    else:
        # The referrals of the people the user may see, as on the referrals page (their ids
        # as an array: a few index probes per person rather than a join planned blind).
        qs = objets_visibles(Orientation.objects.all(), user, en_tableau=True)
    # Only the rows counted, not the whole history. COUNT(cpas_id), not COUNT(id): the
    # column is in every index of the table (an index holding the others answers alone).
    return qs.filter(Q(*comptes.values(), _connector=Q.OR)).aggregate(
        **{nom: Count("cpas", filter=condition) for nom, condition in comptes.items()}
    )


def _compte(qs):
    """``SELECT COUNT(*)`` of ``qs`` as a subquery (0 when no row)."""
    return Coalesce(
        Subquery(qs.order_by().values("cpas").annotate(n=Count("*")).values("n")),
        0,
        output_field=IntegerField(),
    )
