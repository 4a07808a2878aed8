"""The partner users' portal: the referrals sent to their organisation (filter by status),
a referral's page where they answer, write to the agent and record attendance."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaires.models import Beneficiaire
from cpas_isp import permissions
from cpas_isp.audit import journaliser_acces, journaliser_liste
from cpas_isp.listes import (
    Tri,
    echapper_conditionnel,
    lecture_page,
    lignes_lues_ou_relues,
    numero_demande,
    paginer,
    taille_demandee,
    url_par_pk,
)
from cpas_isp.lots import executer_ensemble
from cpas_isp.sql_compile import RequeteCompilee, annotations_compilees
from cpas_isp.views import role_required

from ..forms.orientations import FiltreStatutForm, PresenceForm
from ..models import ComptePartenaire, Orientation, StatutOrientation
from ..queries import requete_compter_par_statut
from ..services.orientations import echeance_de, enregistrer_presence
from .orientations import (
    ajouter_message,
    appliquer_transition,
    badges_statut,
    contexte_orientation,
    date_courte,
    get_orientation,
)

S = StatutOrientation

TRI = Tri(
    {
        "envoi": ["date_envoi", "id"],
        "personne": ["beneficiaire__nom", "beneficiaire__prenom", "id"],
        "service": ["service__nom", "id"],
        "statut": ["statut", "id"],
    },
    "-envoi",
)

# The columns the list shows, read as values (no model object per row); the person's by
# sub-selects (``_avec_personne``).
COLONNES_LISTE = ("id", "statut", "date_envoi", "beneficiaire_id", "service__nom")


@functools.cache
def _personne():
    """``_avec_personne``'s sub-selects, compiled once (they depend on nothing of the
    request)."""
    personne = Beneficiaire.objects.filter(pk=OuterRef("beneficiaire_id")).order_by()
    return annotations_compilees(
        Orientation.objects.annotate(
            personne_prenom=Subquery(personne.values("prenom")),
            personne_nom=Subquery(personne.values("nom")),
            personne_langue=Subquery(personne.values("langue")),
        )
    )


def _avec_personne(orientations):
    """The person's name and language by a sub-select each: Postgres reads them for the page's
    rows only, after the sort, instead of joining every referral of the partner to its
    person first."""
    return orientations.annotate(**_personne())


def _lignes(request, lignes):
    """The rows with what the template shows, computed once: language, send date, status
    badge, answer deadline, link (one ``reverse()`` per list)."""
    delai = request.cpas.delai_expiration_orientation
    badges = badges_statut()
    # as get_langue_display() (a value outside the choices shows as is)
    langues = {c: str(libelle) for c, libelle in Beneficiaire._meta.get_field("langue").flatchoices}
    url_detail = url_par_pk("partenaires:portail_detail")
    for o in lignes:
        echeance = echeance_de(o["statut"], o["date_envoi"], delai)
        o.update(
            url=url_detail(o["id"]),
            langue=langues.get(o["personne_langue"], o["personne_langue"]),
            envoi=date_courte(o["date_envoi"]) if o["date_envoi"] else "",
            badge=badges[o["statut"]],
            echeance=_("avant le %(d)s") % {"d": date_courte(echeance)} if echeance else "",
        )
        o["ligne"] = _ligne_html(o)
    return lignes


def _ligne_html(o):
    """The row of the list's table, as its template wrote it (every value escaped), written
    here for the page's rows at once rather than by a dozen template nodes per row."""
    e = echapper_conditionnel
    echeance = f' <span class="small text-muted">{e(o["echeance"])}</span>' if o["echeance"] else ""
    return mark_safe(  # noqa: S308 - built from escaped values above
        f'<tr><td><a href="{e(o["url"])}">{e(o["personne_prenom"])} {e(o["personne_nom"])}</a>'
        f"</td><td>{e(o['langue'])}</td><td>{e(o['service__nom'])}</td><td>{e(o['envoi'])}</td>\n"
        f"      <td>{e(o['badge'])}{echeance}</td></tr>"
    )


portail_requis = role_required(permissions.peut_utiliser_portail_partenaire)


# ``ComptePartenaire.objects.select_related("partenaire").filter(user=…).first()``, compiled
# once (cpas_isp.sql_compile): only the user changes its SQL.
_COMPTE = RequeteCompilee(
    lambda user: (
        ComptePartenaire.objects.select_related("partenaire")
        .filter(user_id=user)
        .order_by("pk")[:1]
    )
)


def _compte(request):
    compte = next(iter(_COMPTE.lignes(request.user.pk)), None)
    if compte is None:
        raise PermissionDenied(_("Votre compte n'est lié à aucun partenaire. Contactez le CPAS."))
    return compte


@portail_requis
def portail(request):
    compte = _compte(request)
    recues = Orientation.objects.for_user(request.user, compte=compte)
    form = FiltreStatutForm(request.GET)
    qs, tri = TRI.appliquer(form.filter(_avec_personne(recues.values(*COLONNES_LISTE))), request)
    statut = form.valeurs().get("statut", "")
    # The tabs' counts by status give the list's length too (the status is its only filter):
    # no COUNT of the list. The rows of the page asked for come in the same round trip (kept
    # only if that page is within the list: else the page paginer serves is read after).
    taille = taille_demandee(request, None)  # what paginer uses: the list offers no sizes
    numero = numero_demande(request, taille)
    compteurs, *lues = executer_ensemble(
        [
            requete_compter_par_statut(recues),
            *([lecture_page(qs, numero, taille)] if numero is not None else []),
        ]
    )
    nombre = compteurs.get(statut, 0) if statut else sum(compteurs.values())
    page = paginer(request, range(nombre), taille=taille, nombre=nombre)
    lignes = lignes_lues_ou_relues(
        page,
        numero,
        lues[0] if lues else None,
        lambda n: list(qs[(n - 1) * taille : n * taille]),
    )
    page.object_list = _lignes(request, lignes)
    journaliser_liste(request, [o["beneficiaire_id"] for o in page.object_list])
    return render(
        request,
        "partenaires/portail.html",
        {
            "compte": compte,
            "page": page,
            "tri": tri,
            "statuts": [
                (code, label, compteurs.get(code, 0))
                for code, label in S.choices
                if code not in (S.PROPOSEE, S.ANNULEE)
            ],
            "statut": statut,
        },
    )


def _get_portail(request, pk):
    compte = _compte(request)
    return get_orientation(request, pk, Orientation.objects.for_user(request.user, compte=compte))


@portail_requis
def portail_detail(request, pk):
    orientation = _get_portail(request, pk)
    journaliser_acces(request, orientation.beneficiaire)
    return render(
        request,
        "partenaires/portail_detail.html",
        contexte_orientation(request, orientation, portail=True),
    )


@require_POST
@portail_requis
def portail_transition(request, pk):
    orientation = _get_portail(request, pk)
    return appliquer_transition(
        request, orientation, reverse("partenaires:portail_detail", args=[pk])
    )


@require_POST
@portail_requis
def portail_message(request, pk):
    orientation = _get_portail(request, pk)
    return ajouter_message(request, orientation, reverse("partenaires:portail_detail", args=[pk]))


@require_POST
@portail_requis
def portail_presence(request, pk):
    orientation = _get_portail(request, pk)
    form = PresenceForm(request.POST)
    retour = reverse("partenaires:portail_detail", args=[pk]) + "#presences"
    if not form.is_valid():
        for erreurs in form.errors.values():
            for e in erreurs:
                messages.error(request, e)
        return redirect(retour)
    try:
        enregistrer_presence(orientation, request.user, **form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Présence enregistrée."))
    return redirect(retour)
