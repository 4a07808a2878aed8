"""Template tags of the partners app: status badges, the home page's referral counts."""

from __future__ import annotations

import datetime

from django import template
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html

from beneficiaires.models.personnes import sql_ids_visibles, voit_tout_le_cpas
from cpas_isp import lots, permissions
from cpas_isp.preparation import litteraux
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


#: The home summary's counts, in the order ``_conditions`` gives them.
NOMS = ("en_attente", "a_revoir", "en_cours")


def _conditions(debut):
    """(SQL condition on a referral, its parameters) of each count: waiting for the partner,
    refused or expired since ``debut``, followed by a partner. The statuses written as
    literals (``litteraux``): an agent's ~5,900 referrals are tested against them."""
    a_revoir = litteraux(S.REFUSEE.value, S.EXPIREE.value)
    return [
        (f"statut = {litteraux(S.ENVOYEE.value)}", []),
        (f"statut IN ({a_revoir}) AND modifie_le >= %s", [debut]),
        (f"statut IN ({litteraux(S.ACCEPTEE.value, S.EN_COURS.value)})", []),
    ]


@register.simple_tag(takes_context=True)
def resume_orientations(context, user):
    """Counts for the home card: waiting for the partner, refused or expired in the last 30
    days (to re-orient), and for partner users, the referrals waiting for their answer.

    Read before the page with the home page's other figures (``prechargement_accueil``), or
    here: one query. On the CPAS side, written in SQL (the ORM spent longer composing the
    counts, ~2 ms, than PostgreSQL running them) and prepared (``cpas_isp.preparation``)."""
    lu = getattr(context.get("request"), "_resume_orientations", None)
    if lu is not None and lu[0] == user.pk:
        return lu[1]
    return lots.executer_ensemble([lecture_resume_orientations(user)])[0]


def prechargement_accueil(request):
    """The home card's counts (``cpas_isp.accueil``), when one of the cards shows them (the
    partner portal's, the partners' for a user who follows people), kept on the request for
    ``resume_orientations``."""
    user = request.user
    if not (
        permissions.peut_utiliser_portail_partenaire(user)
        or (
            permissions.peut_consulter_partenaires(user)
            and permissions.peut_suivre_beneficiaires(user)
        )
    ):
        return None

    def lire():
        resume = yield from lecture_resume_orientations(user)
        request._resume_orientations = (user.pk, resume)

    return lire()


def lecture_resume_orientations(user):
    """``resume_orientations``'s counts as a ``cpas_isp.lots`` generator: on the CPAS side one
    statement (prepared on the connection by ``lots.executer_lot``), a partner's the ORM's."""
    depuis = timezone.localdate() - datetime.timedelta(days=30)
    # From the start of that day (local time): a range on the indexed timestamp, the same rows
    # as ``modifie_le__date__gte`` but without computing a date for every referral.
    debut = timezone.make_aware(datetime.datetime.combine(depuis, datetime.time.min))
    if permissions.est_partenaire(user):
        return _resume_partenaire(user, debut)
    membership = current_membership(user)
    if membership is None or not permissions.peut_suivre_beneficiaires(user):
        return dict.fromkeys(NOMS, 0)  # nobody's referrals (``visibles_par`` is empty)
    table = connection.ops.quote_name(Orientation._meta.db_table)
    conditions = _conditions(debut)
    if voit_tout_le_cpas(user):
        # Every referral of the CPAS (a coordinator; ``objets_visibles`` adds no condition):
        # each count a range of the index on (cpas, statut, modifie_le) read alone
        # (index-only), rather than a scan of the CPAS's referrals testing every row.
        sql = "SELECT " + ", ".join(
            f"(SELECT COUNT(*) FROM {table} WHERE cpas_id = %s AND {c})" for c, _p in conditions
        )
        params = [x for _c, p in conditions for x in (membership.cpas_id, *p)]
    else:
        # The referrals of the people the user may see (``visibles_par``, the one rule, in its
        # ids-only form), as on the referrals page (``objets_visibles(en_tableau=True)``):
        # their ids read once as an array, then a few index probes per person (index-only)
        # rather than a join planned blind. No WHERE on the status besides the counts'
        # FILTERs: the status is not an index condition there (every referral of a person is
        # read either way), and testing the counts' conditions twice on each row cost ~0.3 ms
        # of the ~2.9 (a large caseload's ~5,900 referrals).
        ids, params_ids = sql_ids_visibles(user)
        tous = [x for _c, p in conditions for x in p]
        sql = (
            "SELECT "
            + ", ".join(f"COUNT(*) FILTER (WHERE {c})" for c, _p in conditions)
            + f" FROM {table} WHERE cpas_id = %s AND beneficiaire_id = ANY(ARRAY({ids}))"
        )
        params = [*tous, membership.cpas_id, *params_ids]
    # Prepared once per connection (``executer_lot``): the same text for every user of a shape
    # (the values are parameters), planned once instead of on every home page.
    ((ligne,),) = yield [(sql, params)]
    return dict(zip(NOMS, ligne, strict=True))


def _resume_partenaire(user, debut):
    """The counts of the referrals sent to the partner user's organisation."""
    comptes = {
        "en_attente": Q(statut=S.ENVOYEE),
        "a_revoir": Q(statut__in=[S.REFUSEE, S.EXPIREE], modifie_le__gte=debut),
        "en_cours": Q(statut__in=[S.ACCEPTEE, S.EN_COURS]),
    }
    return (
        Orientation.objects.for_user(user)
        .filter(Q(*comptes.values(), _connector=Q.OR))
        .aggregate(**{nom: Count("cpas", filter=condition) for nom, condition in comptes.items()})
    )
