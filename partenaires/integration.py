"""What the partners app adds to the person's file (beneficiaires.hooks): the referrals section,
their steps on the timeline, and the "refer to a partner" action. Registered from
``PartenairesConfig.ready()``."""

from __future__ import annotations

from django.db.models import OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires import hooks
from cpas_isp import permissions
from cpas_isp.lignes_json import instances, liste_json

from .models import Orientation, Participation, StatutOrientation, TransitionOrientation

S = StatutOrientation


def _orientations(beneficiaire, user):
    """The person's referrals, newest first, each with its transitions (``o.transitions_lues``,
    oldest first) in the same query; shared by the section and the timeline (one query)."""

    def charger():
        orientations = list(
            Orientation.objects.for_user(user)
            .filter(beneficiaire=beneficiaire)
            .select_related("service__partenaire")
            .annotate(
                transitions_json=liste_json(
                    TransitionOrientation.objects.filter(orientation=OuterRef("pk")).order_by(
                        "quand", "id"
                    )
                )
            )
            .order_by("-date_orientation", "-id")
        )
        for o in orientations:
            o.transitions_lues = instances(TransitionOrientation, o.transitions_json)
            for t in o.transitions_lues:
                t.orientation = o
        return orientations

    return hooks.partage(beneficiaire, "partenaires.orientations", charger)


def _participations_qs(user):
    return Participation.objects.for_user(user).select_related("programme")


def annotations_fiche(request):
    """The person's programme participations ride on the person page's query (no query)."""
    if not permissions.peut_suivre_beneficiaires(request.user):
        return {}
    return {
        "participations_json": liste_json(
            _participations_qs(request.user).filter(beneficiaire=OuterRef("pk")),
            relations=("programme",),
        )
    }


def section(request, beneficiaire):
    if not permissions.peut_suivre_beneficiaires(request.user):
        return None
    orientations = _orientations(beneficiaire, request.user)
    if hasattr(beneficiaire, "participations_json"):
        participations = instances(
            Participation, beneficiaire.participations_json, relations=("programme",)
        )
    else:
        participations = list(_participations_qs(request.user).filter(beneficiaire=beneficiaire))
    html = render_to_string(
        "partenaires/_section_beneficiaire.html",
        {
            "beneficiaire": beneficiaire,
            "orientations": orientations,
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
    transitions = sorted(
        (t for o in _orientations(beneficiaire, user) for t in o.transitions_lues),
        key=lambda t: (t.quand, t.pk),
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
                titre=_titre(t),
                detail=detail,
                categorie="orientation",
                url=reverse("partenaires:orientation_detail", args=[t.orientation_id]),
            )
        )
    return events


def actions(request, beneficiaire):
    if not permissions.peut_suivre_beneficiaires(request.user):
        return []
    return [
        hooks.Action(
            libelle=_("Orienter vers un partenaire"),
            url=reverse("partenaires:orientation_creer") + f"?beneficiaire={beneficiaire.pk}",
            ordre=40,
        )
    ]


_registered = False


def register():
    global _registered
    if _registered:
        return
    _registered = True
    hooks.register_section(section)
    hooks.register_timeline(timeline)
    hooks.register_annotation_fiche(annotations_fiche)
    hooks.register_action(actions)
