"""Referrals on the CPAS side: the list (filters, sort), creation and changes, the detail page
with its workflow buttons and messages, and the statistics per partner. The detail, move and
message helpers also serve the partner portal (``views.portail``)."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaires.acces import cle_des_visibles, objets_visibles, verifier_ecriture
from beneficiaires.models import Beneficiaire
from cpas_isp import permissions
from cpas_isp.audit import journaliser_acces, journaliser_liste
from cpas_isp.context_processors import lecture_cloche
from cpas_isp.listes import (
    Tri,
    echapper_conditionnel,
    lecture_page,
    lignes_lues_ou_relues,
    numero_demande,
    page_par_cles,
    paginer,
    taille_demandee,
    url_par_pk,
)
from cpas_isp.lots import executer_ensemble
from cpas_isp.preparation import preparees
from cpas_isp.sql_compile import annotations_compilees
from cpas_isp.views import role_required

from .. import queries
from ..forms.orientations import (
    ChoixOrientationForm,
    FiltreOrientationsForm,
    FiltreStatistiquesForm,
    MessageForm,
    OrientationForm,
    OrientationModifierForm,
    PresenceForm,
    TransitionForm,
)
from ..models import (
    Orientation,
    Partenaire,
    ResultatOrientation,
    ServicePartenaire,
    StatutOrientation,
)
from ..services import orientations as services
from ..templatetags.partenaires_tags import badge_statut
from .commun import beneficiaires_visibles, page_formulaire, url_beneficiaire

S = StatutOrientation
User = get_user_model()

TRI = Tri(
    {
        "date": ["date_orientation", "id"],
        "personne": ["beneficiaire__nom", "beneficiaire__prenom", "id"],
        "partenaire": ["service__partenaire__nom", "service__nom", "id"],
        "statut": ["statut", "id"],
    },
    "-date",
)

# The columns the list shows, read as values (no model object per row); the service's, its
# partner's and the agent's names come by sub-selects (``_avec_noms``).
COLONNES_LISTE = (
    "id",
    "date_orientation",
    "statut",
    "resultat",
    "date_envoi",
    "beneficiaire_id",
    "beneficiaire__nom",
    "beneficiaire__prenom",
    "beneficiaire__anonymise_le",
    "agent_id",
)


@functools.cache
def _noms():
    """``_avec_noms``'s sub-selects, compiled once (they depend on nothing of the request):
    their building and compiling was about a tenth of the list's Python time."""
    service = ServicePartenaire.objects.filter(pk=OuterRef("service_id")).order_by()
    # The partner by its key, read from the service in a sub-select of its own: the join of
    # the service to its partner was planned as a hash of every partner for each row.
    partenaire = Partenaire.objects.filter(
        pk=Subquery(
            ServicePartenaire.objects.filter(pk=OuterRef(OuterRef("service_id")))
            .order_by()
            .values("partenaire_id")
        )
    ).order_by()
    agent = User.objects.filter(pk=OuterRef("agent_id")).order_by()
    return annotations_compilees(
        Orientation.objects.annotate(
            service_nom=Subquery(service.values("nom")),
            partenaire_nom=Subquery(partenaire.values("nom")),
            agent_username=Subquery(agent.values("username")),
            agent_first_name=Subquery(agent.values("first_name")),
            agent_last_name=Subquery(agent.values("last_name")),
        )
    )


def _avec_noms(orientations):
    """The names of the service, its partner and the agent by a sub-select each, which
    Postgres reads for the page's rows only, after the sort. Joined instead, they were read
    for every referral before the sort: with an agent's people (their rule's estimate is
    small), a nested loop over the services took hundreds of milliseconds."""
    return orientations.annotate(**_noms())


def nom_personne(ligne):
    """``str()`` of the row's person (anonymised or not) from its values."""
    return str(
        Beneficiaire.from_db(
            None,
            ["id", "nom", "prenom", "anonymise_le"],
            (
                ligne["beneficiaire_id"],
                ligne["beneficiaire__nom"],
                ligne["beneficiaire__prenom"],
                ligne.get("beneficiaire__anonymise_le"),
            ),
        )
    )


def badges_statut():
    """Each status's badge (``badge_statut``) in the current language, for a list's rows."""
    return {code: badge_statut(code, label) for code, label in S.choices}


def date_courte(date):
    """``date|date:"d/m/Y"`` computed once in the view."""
    return f"{date.day:02d}/{date.month:02d}/{date.year:04d}"


def lignes_orientations(request, lignes):
    """The list's rows (dicts of values) with what the template shows, computed once: dates,
    person, agent (``str(User)``, once per agent), status badge and result, answer deadline,
    links (one ``reverse()`` per list)."""
    delai = request.cpas.delai_expiration_orientation
    badges = badges_statut()
    resultats = dict(ResultatOrientation.choices)
    url_personne = url_par_pk("beneficiaires:detail")
    url_detail = url_par_pk("partenaires:orientation_detail")
    agents = {}
    for o in lignes:
        agent = agents.get(o["agent_id"])
        if agent is None:
            agent = agents[o["agent_id"]] = str(
                User(
                    username=o["agent_username"],
                    first_name=o["agent_first_name"],
                    last_name=o["agent_last_name"],
                )
            )
        echeance = services.echeance_de(o["statut"], o["date_envoi"], delai)
        o.update(
            date=date_courte(o["date_orientation"]),
            personne=nom_personne(o),
            url_beneficiaire=url_personne(o["beneficiaire_id"]),
            url=url_detail(o["id"]),
            agent=agent,
            badge=badges[o["statut"]],
            resultat=str(resultats[o["resultat"]]) if o["resultat"] else "",
            echeance=_("expire le %(d)s") % {"d": date_courte(echeance)} if echeance else "",
        )
        o["ligne"] = _ligne_html(o)
    return lignes


def _ligne_html(o):
    """The row of the list's table, as its template wrote it (every value escaped), written
    here for the page's rows at once: a dozen template nodes per row were a large part of the
    page's rendering."""
    e = echapper_conditionnel
    personne = e(o["personne"])
    if o["url_beneficiaire"]:
        personne = f'<a href="{e(o["url_beneficiaire"])}">{personne}</a>'
    resultat = f" {e(o['resultat'])}" if o["resultat"] else ""
    echeance = f' <span class="small text-muted">{e(o["echeance"])}</span>' if o["echeance"] else ""
    return mark_safe(  # noqa: S308 - built from escaped values above
        f"<tr><td>{e(o['date'])}</td>\n"
        f"      <td>{personne}</td>\n"
        f'      <td><a href="{e(o["url"])}">{e(o["partenaire_nom"])} — {e(o["service_nom"])}</a>'
        "</td>\n"
        f"      <td>{e(o['agent'])}</td>\n"
        f"      <td>{e(o['badge'])}{resultat}{echeance}</td></tr>"
    )


# What the agent may still change: the partner has not answered yet.
MODIFIABLES = {S.PROPOSEE, S.ENVOYEE, S.EXPIREE}


def _orientations(request, en_filtre=False):
    """The referrals of the people the user may see (the one need-to-know rule); ``en_filtre``:
    each referral's person tested in a hash of their ids (``objets_visibles``), for the list,
    read newest first and cut."""
    return objets_visibles(Orientation.objects.all(), request.user, en_filtre=en_filtre)


def get_orientation(request, pk, qs=None):
    qs = qs if qs is not None else _orientations(request)
    return get_object_or_404(
        qs.select_related(
            "beneficiaire", "service__partenaire", "service__thematique", "agent", "cpas"
        ),
        pk=pk,
    )


def _cle_des_lignes(user, valeurs, tri, numero):
    """Every input of the SQL of a page of the list's rows, as ``lecture_page``'s key: the
    need-to-know rule's (``cle_des_visibles``), the filters (the partner by its key, "mine"
    by the user's), the sort and the page; None when the rule is empty."""
    try:
        regle = cle_des_visibles(user)
    except EmptyResultSet:
        return None
    partenaire = valeurs.get("partenaire")
    return (
        "orientations",
        regle,
        valeurs.get("statut"),
        partenaire.pk if partenaire is not None else None,
        user.pk if valeurs.get("mes") else None,
        tri,
        numero,
    )


@role_required(permissions.peut_suivre_beneficiaires)
def orientations(request):
    # Read newest first and cut to a page: each referral's person tested in the hash of the
    # people the user may see, in the date index's order until the page is full (an agent's
    # page: 13 -> 1.3 ms on the bench; as a semi-join, each of their ~1,800 people's ~5,900
    # referrals was joined to its person and sorted).
    toutes = _orientations(request, en_filtre=True)
    form = FiltreOrientationsForm(request.GET, orientations=toutes, user=request.user)
    tri = TRI.cle(request)

    # The list's querysets, built only when a statement is compiled from them (the page's
    # rows and counts are kept statements: ``lecture_page``, ``requete_compteurs_de_la_liste``)
    # or run (a page past the end, a list filtered by partner or "mine").
    def liste():
        return TRI.appliquer(form.filter(_avec_noms(toutes.values(*COLONNES_LISTE))), tri)[0]

    def cles():
        # The same referrals' keys, in the same order: the rows of a page past the first one
        # (``page_par_cles``).
        return TRI.appliquer(form.filter(toutes.values("pk")), tri)[0]

    valeurs = form.valeurs()
    # The tabs' counts by status also give the list's length when it is filtered by status
    # only: no second count of every referral of the CPAS. Who sees the whole CPAS's
    # referrals counts them status by status (each from its part of an index). The partners
    # the filter offers (pk, name) come in the same round trip, and so do the rows of the
    # page asked for when the counts give the length (the page then known before the count:
    # its rows are read again only if that page turns out to be past the end).
    par_statut = "partenaire" not in valeurs and not valeurs.get("mes")
    taille = taille_demandee(request, None)  # what paginer uses: the list offers no sizes
    numero = numero_demande(request, taille) if par_statut else None
    requetes = [
        queries.requete_compteurs_de_la_liste(
            request.user,
            # Counts of every referral: the people's ids read once as an array, each person's
            # referrals counted from the (person, status) index (10 -> 3 ms for an agent).
            lambda: objets_visibles(Orientation.objects.all(), request.user, en_tableau=True),
            lambda: form.partenaires().values("pk", "nom"),
        )
    ]
    if numero is not None:
        # Its statement compiled once per rule, filters, sort and page (``lecture_page``).
        requetes.append(
            lecture_page(
                lambda: page_par_cles(liste(), cles(), numero, taille),
                1,
                taille,
                cle=_cle_des_lignes(request.user, valeurs, tri, numero),
            )
        )
    # The navbar's bell counted in the same round trip (its result read by the navbar).
    (compteurs, partenaires), *lues = executer_ensemble([*requetes, *lecture_cloche(request)])[
        : len(requetes)
    ]
    nombre = None
    if par_statut:
        nombre = (
            compteurs.get(valeurs["statut"], 0) if "statut" in valeurs else sum(compteurs.values())
        )
    # Counted already: the paginator needs the length alone (a range of it; the page's rows
    # are read below), else the list itself, which it counts.
    page = paginer(
        request, range(nombre) if nombre is not None else liste(), taille=taille, nombre=nombre
    )

    def relire(numero_servi):
        with preparees():  # the rows' statement: planned once per connection (~0.5 ms a page)
            return list(page_par_cles(liste(), cles(), numero_servi, taille)[:taille])

    lignes = lignes_lues_ou_relues(page, numero, lues[0] if lues else None, relire)
    page.object_list = lignes_orientations(request, lignes)
    journaliser_liste(request, [o["beneficiaire_id"] for o in page.object_list])
    partenaire = str(valeurs["partenaire"].pk) if "partenaire" in valeurs else ""
    return render(
        request,
        "partenaires/orientations.html",
        {
            "page": page,
            "tri": tri,
            "form": form,
            "statuts": [(code, label, compteurs.get(code, 0)) for code, label in S.choices],
            "statut": valeurs.get("statut", ""),
            "partenaire": partenaire,
            "mes": valeurs.get("mes", False),
            # (pk, name, selected) of the partners the filter offers: no object per partner
            "partenaires": [(p["pk"], p["nom"], str(p["pk"]) == partenaire) for p in partenaires],
        },
    )


@role_required(permissions.peut_suivre_beneficiaires)
def orientation_creer(request):
    beneficiaires = beneficiaires_visibles(request)
    choix = ChoixOrientationForm(request.GET).valeurs()
    initial = {}
    if "beneficiaire" in choix:
        initial["beneficiaire"] = get_object_or_404(beneficiaires, pk=choix["beneficiaire"]).pk
    if "service" in choix:
        initial["service"] = choix["service"]
    poste = ChoixOrientationForm(request.POST).valeurs() if request.method == "POST" else {}
    choisi = choix.get("beneficiaire") or poste.get("beneficiaire")
    if choisi:
        # Coming from the person's page: no need to list the whole caseload.
        beneficiaires = beneficiaires.filter(pk=choisi)
    form = OrientationForm(request.POST or None, initial=initial, beneficiaires=beneficiaires)
    if request.method == "POST" and form.is_valid():
        verifier_ecriture(form.cleaned_data["beneficiaire"])  # a closed file is read-only
        data = dict(form.cleaned_data)
        envoyer = data.pop("envoyer")
        orientation = services.creer_orientation(agent=request.user, envoyer=envoyer, **data)
        messages.success(
            request,
            _("Orientation envoyée au partenaire.")
            if envoyer
            else _("Orientation enregistrée (proposée, pas encore envoyée)."),
        )
        return redirect("partenaires:orientation_detail", pk=orientation.pk)
    journaliser_liste(request, beneficiaires.values_list("pk", flat=True))  # people offered
    return render(request, "partenaires/orientation_form.html", {"form": form})


@role_required(permissions.peut_suivre_beneficiaires)
def orientation_modifier(request, pk):
    orientation = get_orientation(request, pk)
    if orientation.statut not in MODIFIABLES:
        messages.error(
            request, _("Une orientation à laquelle le partenaire a répondu ne se modifie plus.")
        )
        return redirect("partenaires:orientation_detail", pk=pk)
    form = OrientationModifierForm(request.POST or None, instance=orientation)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Orientation modifiée."))
        return redirect("partenaires:orientation_detail", pk=pk)
    journaliser_acces(request, orientation)
    return page_formulaire(
        request,
        form,
        _("Modifier l'orientation de %(b)s") % {"b": orientation.beneficiaire},
        reverse("partenaires:orientation_detail", args=[pk]),
    )


def contexte_orientation(request, orientation, *, portail):
    """What a referral's page shows, on the CPAS side or in the partner portal."""
    presences = list(orientation.presences.all())
    return {
        "o": orientation,
        "portail": portail,
        "transitions": orientation.transitions.select_related("par"),
        "messages_orientation": orientation.messages.select_related("auteur"),
        "presences": presences,
        "nb_presents": sum(1 for p in presences if p.present),
        "actions": [
            (vers, services.LIBELLES_ACTIONS.get(vers, S(vers).label))
            for vers in services.transitions_possibles(orientation, request.user)
            if vers != S.EXPIREE
        ],
        "transition_form": TransitionForm(),
        "message_form": MessageForm(),
        "presence_form": PresenceForm(initial={"date": timezone.localdate()}),
        "echeance": services.echeance(orientation, orientation.cpas.delai_expiration_orientation),
        "url_beneficiaire": "" if portail else url_beneficiaire(orientation.beneficiaire_id),
        "modifiable": not portail and orientation.statut in MODIFIABLES,
    }


@role_required(permissions.peut_suivre_beneficiaires)
def orientation_detail(request, pk):
    orientation = get_orientation(request, pk)
    journaliser_acces(request, orientation.beneficiaire)
    return render(
        request,
        "partenaires/orientation_detail.html",
        contexte_orientation(request, orientation, portail=False),
    )


def appliquer_transition(request, orientation, retour):
    """Apply the posted workflow move (``TransitionForm``); errors become messages."""
    form = TransitionForm(request.POST)
    if not form.is_valid():
        if form.has_error("vers", "invalid_choice"):
            messages.error(request, _("Statut demandé inconnu."))
        else:
            messages.error(request, _("Demande incomplète."))
        return redirect(retour)
    d = form.cleaned_data
    try:
        services.transition(
            orientation,
            d["vers"],
            par=request.user,
            commentaire=d["commentaire"],
            motif_refus=d["motif_refus"],
            resultat=d["resultat"],
            type_qualification=d["type_qualification"],
            resultat_detail=d["resultat_detail"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Orientation passée à « %(s)s ».") % {"s": S(d["vers"]).label})
    return redirect(retour)


@require_POST
@role_required(permissions.peut_suivre_beneficiaires)
def orientation_transition(request, pk):
    orientation = get_orientation(request, pk)
    return appliquer_transition(
        request, orientation, reverse("partenaires:orientation_detail", args=[pk])
    )


def ajouter_message(request, orientation, retour):
    """Post a message on the referral (from the CPAS or the partner)."""
    form = MessageForm(request.POST)
    if form.is_valid():
        services.ajouter_message(orientation, request.user, form.cleaned_data["texte"])
        messages.success(request, _("Message envoyé."))
    else:
        messages.error(request, _("Le message est vide."))
    return redirect(retour + "#messages")


@require_POST
@role_required(permissions.peut_suivre_beneficiaires)
def orientation_message(request, pk):
    orientation = get_orientation(request, pk)
    return ajouter_message(
        request, orientation, reverse("partenaires:orientation_detail", args=[pk])
    )


@role_required(permissions.peut_voir_statistiques_partenaires)
def statistiques(request):
    form = FiltreStatistiquesForm(request.GET)
    if form.errors:
        messages.error(request, _("Date invalide."))
    lignes = queries.statistiques_orientations(
        form.filter(Orientation.objects.for_user(request.user))
    )
    return render(
        request,
        "partenaires/statistiques.html",
        {
            "lignes": lignes,
            "du": request.GET.get("du", ""),
            "au": request.GET.get("au", ""),
        },
    )
