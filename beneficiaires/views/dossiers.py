"""The person's file: the caseload (search, filters, sorting, export), the person page
(identity, rights, obstacles, BSP, timeline), creation and edits, the personal data export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpas_isp import lots
from cpas_isp import permissions as p
from cpas_isp.audit import journaliser_acces, journaliser_liste
from cpas_isp.context_processors import lecture_cloche
from cpas_isp.contraintes import ajouter_au_formulaire
from cpas_isp.listes import paginer, url_par_pk
from cpas_isp.models import Cellule
from cpas_isp.preparation import preparees
from cpas_isp.sql_compile import RequeteCompilee, annotations_compilees
from cpas_isp.tenancy import current_membership
from cpas_isp.views import role_required

from .. import exports, hooks, parcours, queries, services
from .. import permissions as bp
from ..acces import DossierCloture, cle_des_visibles, get_beneficiaire_or_404
from ..forms import (
    BeneficiaireForm,
    BilanForm,
    CaseloadFiltreForm,
    ComparaisonBilansForm,
    DroitForm,
    FreinForm,
    referents_possibles,
)
from ..models import (
    AttributionReferent,
    Beneficiaire,
    BilanSocioProfessionnel,
    ClotureDossier,
    DroitAide,
    Frein,
    FreinBeneficiaire,
)
from ..niss import recherche_niss
from .suivi import historique_suivi

TAILLES_PAGE = [25, 50, 100]


def _beneficiaire(request, pk, *, modifier=False):
    """The person, or 404 when not in the user's current CPAS or caseload (need-to-know)."""
    b = get_beneficiaire_or_404(
        request.user, pk, Beneficiaire.objects.select_related("referent", "cpas")
    )
    if modifier and not bp.peut_modifier_beneficiaire(request.user, b):
        raise Http404
    if modifier and b.date_cloture is not None:
        raise DossierCloture(b)  # its forms are refused too, not only their POST
    return b


# --- Caseload -----------------------------------------------------------------------------------


def _jj_mm_aaaa(date) -> str:
    """The date filter's "d/m/Y" (or "—"), once per row in the view rather than by the filter."""
    return f"{date.day:02d}/{date.month:02d}/{date.year:04d}" if date else "—"


def _colonnes_preparees(aujourd_hui, choix=None, autres=()):
    """The page's rows by their keys: a query planned longer than it runs (its dozen per-row
    columns), compiled once per day and prepared once per connection; ``choix``: the filter
    selects' choices (``queries.ChoixFiltres``) the page shows, and ``autres``: other
    ``cpas_isp.lots`` generators (the bell's count), read in the same round trip."""
    if choix is None and not autres:
        return lambda pks: queries.lignes_caseload(pks, aujourd_hui)
    return lambda pks: lots.executer_ensemble(
        [
            queries.lignes_caseload_generateur(pks, aujourd_hui),
            *([choix.generateur()] if choix is not None else []),
            *autres,
        ]
    )[0]


def _cle_des_cles(user, f, aujourd_hui, tri):
    """Every input of the SQL of the list's keys when only the files' status filters it (the
    list as it opens, "Mes dossiers"), as ``paginer``'s key: the need-to-know rule's
    (``cle_des_visibles``), the status, the sort, the day (a sort by an extension's column
    may read it) and the registered extensions; None otherwise (a search, another filter:
    compiled each time) or when the rule is empty."""
    valeurs = f.valeurs()
    if set(valeurs) - {"statut"}:
        return None
    try:
        regle = cle_des_visibles(user)
    except EmptyResultSet:
        return None
    return (
        "caseload",
        regle,
        valeurs.get("statut"),
        tri,
        aujourd_hui,
        tuple(map(id, hooks.caseload_extensions())),
    )


@role_required(p.peut_suivre_beneficiaires)
def liste(request):
    aujourd_hui = timezone.localdate()
    f = CaseloadFiltreForm(request.GET, user=request.user, aujourd_hui=aujourd_hui)
    tri = queries.tri_caseload(bool(f.recherche)).cle(request)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        if not p.peut_exporter(request.user):
            raise PermissionDenied(_("Votre rôle ne permet pas d'exporter des listes."))
        qs = queries.caseload(request.user, f, aujourd_hui, tri)
        # The export shows every person of the filtered list, NISS included: log them all.
        journaliser_liste(request, qs.values_list("pk", flat=True))
        return exports.exporter_liste(request, qs, fmt)
    coordinateur = p.est_coordinateur(request.user)
    cellules_filtrables = hooks.cellule_filter_registered()
    membership = current_membership(request.user)

    def freins():
        qs = Frein.objects.for_user(request.user).filter(actif=True)
        return qs if coordinateur else qs.filter(sensible=False)

    # What the three querysets depend on: their SQL is compiled once per key.
    choix = queries.ChoixFiltres(
        ("caseload", request.cpas.pk, membership.cpas_id, coordinateur, cellules_filtrables)
        if request.cpas is not None and membership is not None
        else None,
        referents=lambda: referents_possibles(request.cpas),
        cellules=lambda: (
            Cellule.objects.for_user(request.user).filter(active=True)
            if cellules_filtrables
            else Cellule.objects.none()
        ),
        freins=freins,
    )
    partiel = getattr(request, "htmx", False) and not request.htmx.boosted
    peut_reattribuer = bp.peut_reattribuer(request.user)
    # The page's keys and the total in one query, then the shown rows' columns for them only,
    # with the selects' choices when the page shows them (the whole page; the results alone
    # show the referents in the reassignment form, when there are rows): one round trip.
    cle = _cle_des_cles(request.user, f, aujourd_hui, tri)
    page = paginer(
        request,
        (lambda: queries.caseload(request.user, f, aujourd_hui, tri, colonnes=False))
        if cle is not None
        else queries.caseload(request.user, f, aujourd_hui, tri, colonnes=False),
        tailles=TAILLES_PAGE,
        cle=cle,
        # A search by name: the same statement whatever the name (its only parameter), which
        # PostgreSQL planned for each name (~1 ms) to run it no faster than its generic plan.
        generique=bool(f.recherche) and not recherche_niss(f.recherche),
        lignes=_colonnes_preparees(
            aujourd_hui,
            choix if not partiel or peut_reattribuer else None,
            # The whole page's navbar shows the bell: its count in the same round trip.
            () if partiel else lecture_cloche(request),
        ),
    )
    extensions = hooks.caseload_extensions()
    colonnes = [ext for ext in extensions if ext.cellules or ext.column]
    # The extensions' cells given for all the rows at once (None: its template, per row).
    cellules = [
        ext.cellules(page.object_list) if ext.cellules else [None] * len(page.object_list)
        for ext in colonnes
    ]
    # Each row's link from one reversed URL (not one reverse() per row).
    url_fiche = url_par_pk("beneficiaires:detail")
    for i, b in enumerate(page.object_list):
        b.url_fiche = url_fiche(b.pk)
        b.naissance = _jj_mm_aaaa(b.date_naissance)
        b.colonnes_extensions = [(ext, cellules[j][i]) for j, ext in enumerate(colonnes)]
    journaliser_liste(request, [b.pk for b in page.object_list])
    context = {
        "page": page,
        "f": f,
        "tri": tri,
        "taille": page.paginator.per_page,
        "tailles": TAILLES_PAGE,
        "colonnes_extensions": colonnes,
        "extension_filtres": [
            (
                ext,
                ext.choices() if callable(ext.choices) else (ext.choices or []),
                f.extensions.get(ext.filter_name),
            )
            for ext in extensions
            if ext.filter_name
        ],
        "groupes": queries.CHOIX_GROUPES,
        # One query for the three selects' choices, when the page shows one of them.
        "freins": choix["freins"],
        "referents": choix["referents"],
        "cellules": choix["cellules"],
        "tous": p.peut_voir_tous_les_dossiers(request.user),
        "membership": membership,
        "peut_exporter": p.peut_exporter(request.user),
        "peut_reattribuer": peut_reattribuer,
    }
    template = "beneficiaires/_resultats.html" if partiel else "beneficiaires/liste.html"
    return render(request, template, context)


# --- Person page --------------------------------------------------------------------------------


def _requete_fiche(aujourd_hui):
    """The person page's query of the person (before the need-to-know rule and the person's
    key): the person with their target groups, the number of BSP versions and whether they
    have rights, obstacles, a follow-up history and rows in the other apps' lists (no query
    for a list known to be empty). Built once a day (and again when the settings or the
    registered indicators change): ``queries.requete_memorisee``. Returns its memo key (every
    input of the query: ``get_beneficiaire_or_404`` compiles it once per key) and the
    queryset."""
    indicateurs = hooks.indicateurs_fiche()

    # Its annotations (the target groups' conditions and their subqueries above all) compiled
    # once with the memoised query: about 2 ms of Python per page to compile them again.
    def construire():
        annotee = queries.annoter_groupes(Beneficiaire.objects.all(), aujourd_hui).annotate(
            nb_versions_bilan=hooks.NombreLignes(BilanSocioProfessionnel),
            a_droits=hooks.ALignes(DroitAide),
            a_freins=hooks.ALignes(FreinBeneficiaire),
            a_historique_suivi=hooks.ALignes(AttributionReferent) | hooks.ALignes(ClotureDossier),
            **indicateurs,
        )
        return Beneficiaire.objects.select_related("referent", "cpas").annotate(
            **annotations_compilees(annotee)
        )

    cle = ("fiche", aujourd_hui, queries.nouveau_ris_mois(), tuple(indicateurs))
    return cle, queries.requete_memorisee(cle, construire)


# The person's rights, newest first, compiled once (cpas_isp.sql_compile): read with the
# other lists of the person page (``hooks.precharger_fiche``).
_DROITS = RequeteCompilee(
    lambda personne: DroitAide.objects.filter(beneficiaire=personne).order_by("-debut")
)


def _lecture_droits(b):
    droits = yield from _DROITS.generateur(b.pk)
    b.__dict__["_droits_fiche"] = droits
    return droits


@role_required(p.peut_suivre_beneficiaires)
def detail(request, pk, onglet=hooks.ONGLET_DOSSIER):
    """The person page: a header (name, actions, who follows them) and one tab of their file
    (``hooks.onglets``): "Dossier" at the page's plain address (identity, rights, obstacles,
    bilan and the blocks registered there), the other apps' tabs at ``<pk>/<tab>/`` and
    "Parcours" (the timeline). Only the shown tab's lists are read and its blocks built."""
    onglets = hooks.onglets_avec_contenu()
    if onglet not in dict(onglets) or (
        onglet == hooks.ONGLET_DOSSIER and "onglet" in request.resolver_match.kwargs
    ):
        raise Http404
    request.onglet_fiche = onglet
    aujourd_hui = timezone.localdate()
    # One person by id: planned (~1.3 ms) far longer than run (~0.2 ms), prepared once per
    # connection.
    cle, requete = _requete_fiche(aujourd_hui)
    with preparees():
        b = get_beneficiaire_or_404(request.user, pk, requete, cle=cle)
    journaliser_acces(request, b)
    # Fetched through the need-to-know rule: the sections' and timeline's checks on this
    # person reuse that answer (and the sensitive rule's, computed once) instead of a query each.
    bp.memoriser_acces(request.user, b)
    # The other apps' lists of the tab, read in one round trip for its sections and the
    # timeline, with the page's rights ("Dossier" only).
    dossier = onglet == hooks.ONGLET_DOSSIER
    fragment = onglet == hooks.ONGLET_PARCOURS and parcours.est_fragment(request)
    lire_droits = dossier and b.a_droits
    # The bell's count too (the navbar's), but not for the timeline's list alone.
    autres = [_lecture_droits(b)] if lire_droits else []
    hooks.precharger_fiche(request, b, autres if fragment else [*autres, *lecture_cloche(request)])
    sensibles = bp.peut_voir_freins_sensibles(request.user, b)
    contexte = {}
    if onglet == hooks.ONGLET_PARCOURS:
        contexte = parcours.contexte(request, b, sensibles=sensibles, aujourd_hui=aujourd_hui)
        if fragment:  # the timeline's filters or "more": the list only
            response = render(request, "beneficiaires/_parcours_liste.html", contexte)
            response["HX-Replace-Url"] = contexte["parcours_url_filtres"]
            return response
    if dossier:
        freins = FreinBeneficiaire.objects.filter(beneficiaire=b).select_related(
            "frein", "note_par"
        )
        if not sensibles:
            freins = freins.non_sensibles()
        freins = list(freins) if b.a_freins else []
        nb_versions = b.nb_versions_bilan
        droits = b.__dict__["_droits_fiche"] if lire_droits else []
        contexte.update(
            {
                "droits": droits,
                "droit_courant": next(
                    (
                        d
                        for d in droits
                        if d.debut <= aujourd_hui and (not d.fin or d.fin >= aujourd_hui)
                    ),
                    None,
                ),
                "freins_en_cours": [x for x in freins if not x.fin or x.fin >= aujourd_hui],
                "freins_leves": [x for x in freins if x.fin and x.fin < aujourd_hui],
                "bilan": services.bilan_courant(b) if nb_versions else None,
                "nb_versions": nb_versions,
            }
        )
    lecture_seule = b.date_cloture is not None
    libelle_onglet = dict(onglets)[onglet]
    return render(
        request,
        "beneficiaires/detail.html",
        {
            "b": b,
            "groupes": queries.groupes_de(b),
            "age": b.age_le(aujourd_hui),
            "sensibles_visibles": sensibles,
            **contexte,
            "onglet": onglet,
            "libelle_onglet": libelle_onglet,
            "onglets": [(c, libelle, hooks.url_onglet(b.pk, c)) for c, libelle in onglets],
            "sections": hooks.sections(request, b, onglet),
            # A closed file is read-only: no action buttons until it is reopened.
            "actions": [] if lecture_seule else hooks.actions(request, b),
            "lecture_seule": lecture_seule,
            "suivi_cellule": hooks.suivi_cellule(b),
            "historique_suivi": historique_suivi(b) if b.a_historique_suivi else [],
            "peut_reattribuer": bp.peut_reattribuer(request.user),
            "peut_cloturer": bp.peut_cloturer_dossier(request.user, b),
            "peut_exporter_donnees": bp.peut_exporter_donnees_personnelles(request.user, b),
        },
    )


@role_required(p.peut_suivre_beneficiaires)
def creer(request):
    form = BeneficiaireForm(
        request.POST or None,
        cpas=request.cpas,
        initial={"referent": request.user, "date_ouverture": timezone.localdate()},
    )
    if request.method == "POST":
        valide = form.is_valid()
        if form.existant is not None:
            existant = form.existant
            if bp.peut_voir_beneficiaire(request.user, existant):
                messages.info(
                    request,
                    _("Ce NISS est déjà connu du CPAS : voici le dossier existant."),
                )
                return redirect(existant)
            referent = existant.referent or _("aucun référent")
            messages.warning(
                request,
                _(
                    "Ce NISS est déjà connu du CPAS (dossier suivi par %(referent)s). "
                    "Demandez à un coordinateur de vous y donner accès."
                )
                % {"referent": referent},
            )
        elif valide:
            with transaction.atomic():
                b = form.save(commit=False)
                b.cpas = request.cpas
                b.save()
                services.notifier_attribution(b, None, request.user)
            messages.success(request, _("Dossier créé."))
            return redirect(b)
    journaliser_liste(request, form.doublons)  # possible duplicates are shown by name
    return render(
        request,
        "beneficiaires/formulaire_beneficiaire.html",
        {"form": form, "titre": _("Nouveau dossier"), "doublons": form.doublons},
    )


@role_required(p.peut_suivre_beneficiaires)
def modifier(request, pk):
    b = _beneficiaire(request, pk, modifier=True)
    journaliser_acces(request, b)
    # The referent is not on this form: it changes through services.reattribuer (notified there).
    form = BeneficiaireForm(request.POST or None, instance=b, cpas=request.cpas)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Identité enregistrée."))
        return redirect(b)
    return render(
        request,
        "beneficiaires/formulaire_beneficiaire.html",
        {"form": form, "b": b, "titre": _("Modifier l'identité")},
    )


# --- Rights -------------------------------------------------------------------------------------


def _formulaire_de_section(request, b, form, *, enregistrer, succes, ancre, titre, **contexte):
    """A form on one section of the person page (``ancre``): saved through the service
    ``enregistrer`` (a constraint the form could not check becomes a form error), then back to
    that section."""
    retour = f"{b.get_absolute_url()}#{ancre}"
    if request.method == "POST" and form.is_valid():
        try:
            enregistrer(form.save(commit=False))
        except ValidationError as exc:
            ajouter_au_formulaire(form, exc)
        else:
            messages.success(request, succes)
            return redirect(retour)
    journaliser_acces(request, b)
    return render(
        request,
        "beneficiaires/formulaire.html",
        {"form": form, "b": b, "titre": titre, "retour": retour, **contexte},
    )


def _droit_form_view(request, b, droit=None):
    instance = droit or DroitAide(beneficiaire=b, cpas_id=b.cpas_id)
    return _formulaire_de_section(
        request,
        b,
        DroitForm(request.POST or None, instance=instance, beneficiaire=b),
        enregistrer=services.enregistrer_droit,
        succes=_("Droit enregistré."),
        ancre="droits",
        titre=_("Modifier le droit") if droit else _("Ajouter un droit RIS / ERIS"),
        supprimer_url=(
            reverse("beneficiaires:droit_supprimer", args=[b.pk, droit.pk]) if droit else ""
        ),
        supprimer_confirmation=_("Supprimer ce droit ? (encodé par erreur)"),
    )


@role_required(p.peut_suivre_beneficiaires)
def droit_ajouter(request, pk):
    b = _beneficiaire(request, pk, modifier=True)
    return _droit_form_view(request, b)


@role_required(p.peut_suivre_beneficiaires)
def droit_modifier(request, pk, droit_pk):
    b = _beneficiaire(request, pk, modifier=True)
    droit = get_object_or_404(DroitAide, pk=droit_pk, beneficiaire=b)
    return _droit_form_view(request, b, droit)


@require_POST
@role_required(p.peut_suivre_beneficiaires)
def droit_supprimer(request, pk, droit_pk):
    b = _beneficiaire(request, pk, modifier=True)
    droit = get_object_or_404(DroitAide, pk=droit_pk, beneficiaire=b)
    droit.delete()
    messages.success(request, _("Droit supprimé."))
    return redirect(b.get_absolute_url() + "#droits")


# --- Obstacles ----------------------------------------------------------------------------------


@role_required(p.peut_suivre_beneficiaires)
def frein_ajouter(request, pk):
    b = _beneficiaire(request, pk, modifier=True)
    sensibles = bp.peut_voir_freins_sensibles(request.user, b)
    instance = FreinBeneficiaire(beneficiaire=b, cpas_id=b.cpas_id, note_par=request.user)
    return _formulaire_de_section(
        request,
        b,
        FreinForm(request.POST or None, instance=instance, voir_sensibles=sensibles),
        enregistrer=services.noter_frein,
        succes=_("Frein noté."),
        ancre="freins",
        titre=_("Noter un frein"),
    )


@require_POST
@role_required(p.peut_suivre_beneficiaires)
def frein_lever(request, pk, frein_pk):
    b = _beneficiaire(request, pk, modifier=True)
    qs = FreinBeneficiaire.objects.filter(beneficiaire=b)
    if not bp.peut_voir_freins_sensibles(request.user, b):
        qs = qs.non_sensibles()
    fb = get_object_or_404(qs, pk=frein_pk, fin__isnull=True)
    services.lever_frein(fb)
    messages.success(request, _("Frein levé."))
    return redirect(b.get_absolute_url() + "#freins")


# --- BSP ----------------------------------------------------------------------------------------


@role_required(p.peut_suivre_beneficiaires)
def bilan_modifier(request, pk):
    b = _beneficiaire(request, pk, modifier=True)
    courant = services.bilan_courant(b)
    form = BilanForm(request.POST or None, instance=None, initial=_bilan_initial(courant))
    if request.method == "POST" and form.is_valid():
        version = services.enregistrer_bilan(b, form.cleaned_data, request.user)
        if version is None:
            messages.info(request, _("Aucun changement : pas de nouvelle version."))
        else:
            messages.success(
                request,
                _("Bilan enregistré (version %(v)s).") % {"v": version.version},
            )
        return redirect(b.get_absolute_url() + "#bilan")
    journaliser_acces(request, b)
    return render(
        request,
        "beneficiaires/formulaire.html",
        {
            "form": form,
            "b": b,
            "titre": _("Bilan socioprofessionnel")
            + (f" — v{courant.version + 1}" if courant else " — v1"),
            "retour": b.get_absolute_url() + "#bilan",
        },
    )


def _bilan_initial(courant):
    if courant is None:
        return {}
    return {name: getattr(courant, name) for name in BilanForm.Meta.fields}


@role_required(p.peut_suivre_beneficiaires)
def bilan_historique(request, pk):
    b = _beneficiaire(request, pk)
    journaliser_acces(request, b)
    versions = list(
        BilanSocioProfessionnel.objects.filter(beneficiaire=b)
        .select_related("auteur")
        .order_by("-version")
    )
    par_numero = {v.version: v for v in versions}

    choix = ComparaisonBilansForm(request.GET).valeurs()
    # An unknown version number shows the latest version.
    nouveau = par_numero.get(choix.get("b")) or (versions[0] if versions else None)
    ancien = par_numero.get(choix.get("a", nouveau.version - 1 if nouveau else 0))
    comparaison = services.comparer_bilans(ancien, nouveau) if nouveau else []
    return render(
        request,
        "beneficiaires/bilan_historique.html",
        {
            "b": b,
            "versions": versions,
            "ancien": ancien,
            "nouveau": nouveau,
            "comparaison": comparaison,
        },
    )


# --- Personal data export (right of access) -----------------------------------------------------


@role_required(p.peut_exporter)
def donnees_personnelles(request, pk):
    b = get_beneficiaire_or_404(request.user, pk)
    if not bp.peut_exporter_donnees_personnelles(request.user, b):
        raise Http404
    journaliser_acces(request, b)
    fmt = request.GET.get("format", "json")
    if fmt == "pdf":
        return exports.donnees_personnelles_pdf(request, b)
    return exports.donnees_personnelles_json(request, b)
