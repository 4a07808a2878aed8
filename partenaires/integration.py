"""What the partners app adds to the person's file (beneficiaires.hooks): the referrals section,
their steps on the timeline, and the "refer to a partner" action. Registered from
``PartenairesConfig.ready()``."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.postgres.fields import ArrayField
from django.db.models import F, Func, JSONField
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires import hooks
from cpas_isp import accueil, lots, notifications, permissions
from cpas_isp.listes import echapper_conditionnel, url_fixe, url_par_pk
from cpas_isp.models import Role
from cpas_isp.sql_compile import RequeteCompilee
from cpas_isp.tenancy import current_membership

from . import dossier
from .models import Orientation, Participation, StatutOrientation, TransitionOrientation
from .templatetags import partenaires_tags
from .templatetags.partenaires_tags import badge_statut

S = StatutOrientation


def _orientations(beneficiaire, user):
    return Orientation.objects.for_user(user).filter(beneficiaire=beneficiaire)


class TransitionsJSON(Func):
    """The referral's transitions of its CPAS, oldest first, as JSON objects (id, vers_statut,
    quand, commentaire): what ``ArraySubquery`` of ``TransitionOrientation.objects.filter(
    orientation=OuterRef("pk"), cpas_id=OuterRef("cpas_id")).order_by("quand", "id")
    .values(j=JSONObject(...))`` compiles to, written as text (that ORM subquery costs about
    0.8 ms of Python to build and compile, for one query of the person page)."""

    output_field = ArrayField(JSONField())
    CHAMPS = ("id", "vers_statut", "quand", "commentaire")

    def __init__(self):
        super().__init__(F("pk"), F("cpas_id"))

    def as_sql(self, compiler, connection, **extra_context):
        orientation, params = compiler.compile(self.source_expressions[0])
        cpas, params_cpas = compiler.compile(self.source_expressions[1])
        qn = connection.ops.quote_name
        meta = TransitionOrientation._meta

        def col(name):
            return f'"t".{qn(meta.get_field(name).column)}'

        objet = ", ".join(f"'{name}', {col(name)}" for name in self.CHAMPS)
        sql = (
            f'ARRAY(SELECT JSONB_BUILD_OBJECT({objet}) FROM {qn(meta.db_table)} "t" '
            f"WHERE {col('orientation')} = {orientation} AND {col('cpas')} = {cpas} "
            f"ORDER BY {col('quand')}, {col('id')})"
        )
        return sql, [*params, *params_cpas]


def _orientations_page(orientations):
    return (
        orientations.select_related("service__partenaire")
        .annotate(transitions_page=TransitionsJSON())
        .order_by("-date_orientation", "-id")
    )


# ``Orientation.objects.for_user(user).filter(beneficiaire=...)`` of a user of the CPAS who is
# not a partner, compiled once (cpas_isp.sql_compile): only the CPAS and the person change it.
_ORIENTATIONS_PAGE = RequeteCompilee(
    lambda cpas, personne: _orientations_page(
        Orientation.objects.filter(cpas=cpas, beneficiaire_id=personne)
    ),
    nombre=2,
)


def _lecture_orientations(beneficiaire, user):
    """A ``cpas_isp.lots`` generator of the person's referrals as ``_orientations_de_la_page``
    reads them, kept on the person object; None when they are read already, known to be none
    (no query), or read otherwise (a partner's)."""
    if "_orientations_page" in beneficiaire.__dict__:
        return None
    if hooks.liste_vide(beneficiaire, "fiche_a_orientations"):
        beneficiaire.__dict__["_orientations_page"] = []
        return None
    membership = current_membership(user)
    if membership is None or membership.role == Role.PARTENAIRE:
        return None
    return _lire_orientations(beneficiaire, membership.cpas_id)


def _lire_orientations(beneficiaire, cpas_id):
    # The user's CPAS's referrals of the person (``_orientations``, a role that works on
    # files): the query compiled once.
    lignes = yield from _ORIENTATIONS_PAGE.generateur(cpas_id, beneficiaire.pk)
    beneficiaire.__dict__["_orientations_page"] = lignes
    return lignes


def _orientations_de_la_page(beneficiaire, user) -> list:
    """The person's referrals (newest first), each with its transitions (``transitions_page``:
    id, vers_statut, quand, commentaire, oldest first) in the same query: the section lists the
    referrals, the timeline their transitions, one query for both (fetched once per person
    object; on the person page, with the other apps' lists: ``prechargement``)."""
    lecture = _lecture_orientations(beneficiaire, user)
    if lecture is not None:
        lots.executer_ensemble([lecture])
    cache = beneficiaire.__dict__.get("_orientations_page")
    if cache is None:
        cache = list(_orientations_page(_orientations(beneficiaire, user)))
        beneficiaire.__dict__["_orientations_page"] = cache
    return cache


def prechargement(request, beneficiaire):
    """The person page's reading of the referrals (``hooks.precharger_fiche``), when its
    section and timeline will show them."""
    if not permissions.peut_suivre_beneficiaires(request.user):
        return None
    return _lecture_orientations(beneficiaire, request.user)


def indicateurs_fiche():
    """Whether the person has referrals and programme participations, in the person page's
    query of the person: none, no query."""
    return {
        "fiche_a_orientations": hooks.ALignes(Orientation),
        "fiche_a_participations": hooks.ALignes(Participation),
    }


def lignes_orientations(orientations):
    """The section's table rows, written here rather than by a loop of template nodes per
    referral (its date, partner and service with the link, the status badge, the result or
    the refusal's reason); every value escaped."""
    url = url_par_pk("partenaires:orientation_detail", None)  # no reverse() per row
    morceaux = []
    for o in orientations:
        if o.resultat:
            resultat = echapper_conditionnel(o.get_resultat_display())
            if o.type_qualification:
                qualification = echapper_conditionnel(o.get_type_qualification_display())
                resultat = f"{resultat} ({qualification})"
        elif o.statut == S.REFUSEE:
            motif = echapper_conditionnel(Truncator(o.motif_refus).chars(80))
            resultat = f'<span class="small text-muted">{motif}</span>'
        else:
            resultat = ""
        d = o.date_orientation
        morceaux.append(
            f"\n    <tr><td>{d.day:02d}/{d.month:02d}/{d.year:04d}</td>"
            f'<td><a href="{url(o.pk)}">{echapper_conditionnel(o.service.partenaire.nom)} — '
            f"{echapper_conditionnel(o.service.nom)}</a></td>\n"
            f"      <td>{badge_statut(o.statut, o.get_statut_display())}</td>\n"
            f"      <td>{resultat}</td></tr>\n  "
        )
    return mark_safe("".join(morceaux))  # noqa: S308 - every value escaped above


def section(request, beneficiaire):
    if not permissions.peut_suivre_beneficiaires(request.user):
        return None
    orientations = _orientations_de_la_page(beneficiaire, request.user)
    participations = (
        []
        if hooks.liste_vide(beneficiaire, "fiche_a_participations")
        else list(
            Participation.objects.for_user(request.user)
            .filter(beneficiaire=beneficiaire)
            .select_related("programme")
        )
    )
    html = render_to_string(
        "partenaires/_section_beneficiaire.html",
        {
            "beneficiaire": beneficiaire,
            "orientations": orientations,
            "lignes": lignes_orientations(orientations),
            "participations": participations,
            "peut_orienter": False,  # the page action "Orienter vers un partenaire" does it
        },
        request=request,
    )
    return hooks.Section(
        titre=_("Orientations vers les partenaires"), html=html, ordre=60, ancre="orientations"
    )


def _titre(t):
    partenaire = t.orientation.service.partenaire.nom
    if t.vers_statut == S.PROPOSEE:
        return _("Orientation proposée vers %(p)s") % {"p": partenaire}
    if t.vers_statut == S.TERMINEE:
        o = t.orientation
        resultat = o.get_resultat_display()
        if o.type_qualification:
            resultat = f"{resultat} ({o.get_type_qualification_display()})"
        return _("Orientation %(p)s terminée : %(r)s") % {"p": partenaire, "r": resultat}
    return _("Orientation %(p)s : %(s)s") % {
        "p": partenaire,
        "s": S(t.vers_statut).label.lower(),
    }


def timeline(beneficiaire, user):
    if not permissions.peut_suivre_beneficiaires(user):
        return []
    # The transitions of the user's CPAS of the person's referrals, oldest first (as
    # ``TransitionOrientation.objects.for_user(user).filter(orientation__beneficiaire=...)``),
    # from the referrals the section lists: no query of their own.
    transitions = sorted(
        (
            SimpleNamespace(
                id=t["id"],
                vers_statut=t["vers_statut"],
                quand=parse_datetime(t["quand"]),
                commentaire=t["commentaire"],
                orientation=o,
                orientation_id=o.pk,
            )
            for o in _orientations_de_la_page(beneficiaire, user)
            for t in o.transitions_page
        ),
        key=lambda t: (t.quand, t.id),
    )
    url = url_par_pk("partenaires:orientation_detail", None)
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
                titre=_titre(t),
                detail=detail,
                categorie="orientation",
                url=url(t.orientation_id),
            )
        )
    return events


def actions(request, beneficiaire):
    if not permissions.peut_suivre_beneficiaires(request.user):
        return []
    return [
        hooks.Action(
            libelle=_("Orienter vers un partenaire"),
            url=url_fixe("partenaires:orientation_creer") + f"?beneficiaire={beneficiaire.pk}",
            ordre=40,
        )
    ]


_registered = False
# The person page's tab of the referrals (documents adds its block there too).
ONGLET = "orientations"


def register():
    global _registered
    if _registered:
        return
    _registered = True
    hooks.register_onglet(ONGLET, gettext_lazy("Orientations et documents"), ordre=30)
    hooks.register_section(section, onglet=ONGLET)
    # The referrals: the tab's block and the timeline.
    hooks.register_prechargement_fiche(prechargement, onglets=(ONGLET, hooks.ONGLET_PARCOURS))
    accueil.register_prechargement(partenaires_tags.prechargement_accueil)
    hooks.register_timeline(timeline, categories={"orientation": gettext_lazy("Orientations")})
    hooks.register_action(actions)
    hooks.register_indicateurs_fiche(indicateurs_fiche)
    hooks.register_cloture(dossier.elements_cloture)  # closing the file ends open referrals
    register_donnees()
    notifications.register_detail(Orientation, details_notifications)


def details_notifications(ids) -> dict[int, str]:
    """What a notification about a referral says of it: the service and the current status
    (no person's name: the notification adds it after the need-to-know check)."""
    return {
        pk: f"{service} — {S(statut).label}"
        for pk, service, statut in Orientation.objects.filter(pk__in=list(ids)).values_list(
            "pk", "service__nom", "statut"
        )
    }


def register_donnees():
    """What this app keeps on a person (right of access, anonymisation): ``beneficiaires.registre``.
    Texts written about the person are erased; statuses, dates and results stay (statistics)."""
    from beneficiaires import registre

    from .models import (
        AvisParticipant,
        MessageOrientation,
        Partenaire,
        PresenceOrientation,
        Programme,
        ServicePartenaire,
    )

    registre.enregistrer(
        Orientation,
        personne="beneficiaire",
        titre=gettext_lazy("Orientations vers des partenaires"),
        effacer=[
            "motif",
            "resultat_attendu",
            "informations_partagees",
            "motif_refus",
            "resultat_detail",
        ],
        ordre=30,
    )
    registre.enregistrer(
        TransitionOrientation,
        personne="orientation__beneficiaire",
        titre=gettext_lazy("Étapes des orientations"),
        effacer=["commentaire"],
        ordre=31,
    )
    registre.enregistrer(
        MessageOrientation,
        personne="orientation__beneficiaire",
        titre=gettext_lazy("Messages des orientations"),
        effacer=["texte"],
        ordre=32,
    )
    registre.enregistrer(
        PresenceOrientation,
        personne="orientation__beneficiaire",
        titre=gettext_lazy("Présences chez les partenaires"),
        effacer=["commentaire"],
        ordre=33,
    )
    registre.enregistrer(
        Participation,
        personne="beneficiaire",
        titre=gettext_lazy("Participations aux programmes"),
        ordre=34,
    )
    registre.enregistrer(
        AvisParticipant,
        personne="participation__beneficiaire",
        titre=gettext_lazy("Avis donnés sur les programmes"),
        effacer=["commentaire"],
        ordre=35,
    )
    registre.hors_personne(Partenaire, ServicePartenaire, Programme)
