"""The activities: list, create, edit, detail (sessions, participants, waiting list) and the
sessions page (one by one, or a recurrence with exceptions) with the modules."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activites import permissions, queries, services
from activites.forms import (
    ActiviteForm,
    FiltreActivitesForm,
    FinForm,
    ModuleForm,
    RecurrenceForm,
    RetraitForm,
    SeanceForm,
)
from activites.models import Activite, Inscription, Seance, StatutInscription
from activites.views.commun import (
    gestion_requise,
    get_activite,
    get_activite_organisee,
    get_seance,
    voir_requis,
)
from beneficiaires.models import Beneficiaire
from beneficiaires.queries import rechercher
from cpas_isp.audit import journaliser_liste
from cpas_isp.contraintes import ajouter_au_formulaire
from cpas_isp.listes import Tri, paginer

TRI = Tri(
    {
        "debut": ["debut", "id"],
        "titre": ["titre", "id"],
        "type": ["type__ordre", "type__code", "id"],
    },
    "-debut",
)


def _compte(qs):
    return Coalesce(
        Subquery(qs.order_by().values("activite").annotate(n=Count("pk")).values("n")[:1]),
        0,
    )


@voir_requis
def liste(request):
    form = FiltreActivitesForm(request.GET, cpas=request.cpas)
    qs = Activite.objects.for_user(request.user).select_related("type", "cpas", "partenaire")
    # Counts as correlated subqueries (not joins): the page and its paginator's count stay
    # cheap whatever the number of sessions and enrolments.
    qs = qs.annotate(
        places_prises=_compte(
            Inscription.objects.filter(activite=OuterRef("pk"), statut=StatutInscription.INSCRIT)
        ),
        nb_seances=_compte(Seance.objects.filter(activite=OuterRef("pk"))),
    )
    qs, tri = TRI.appliquer(form.filter(qs), request)
    page = paginer(request, qs)
    return render(
        request,
        "activites/liste.html",
        {
            "form": form,
            "page": page,
            "tri": tri,
            "peut_creer": permissions.peut_gerer_activites(request.user),
        },
    )


def _enregistrer_activite(request, form, creation):
    if request.method != "POST" or not form.is_valid():
        return None
    activite = form.save(commit=False)
    if creation:
        activite.cpas_id = request.cpas.pk
        activite.cree_par = request.user
    try:
        promus = services.modifier_capacite(activite)
        form.save_m2m()
    except ValidationError as erreur:
        ajouter_au_formulaire(form, erreur)
        return None
    messages.success(request, _("Activité enregistrée."))
    if promus:
        messages.info(
            request,
            _("%(n)s personne(s) de la liste d'attente ont reçu une place.") % {"n": len(promus)},
        )
    return activite


@gestion_requise
def creer(request):
    form = ActiviteForm(request.POST or None, user=request.user, cpas=request.cpas)
    activite = _enregistrer_activite(request, form, creation=True)
    if activite is not None:
        return redirect("activites:seances", pk=activite.pk)
    return render(
        request,
        "activites/form.html",
        {"form": form, "titre": _("Nouvelle activité collective")},
    )


@gestion_requise
def modifier(request, pk):
    activite = get_activite_organisee(request, pk)
    form = ActiviteForm(
        request.POST or None, instance=activite, user=request.user, cpas=request.cpas
    )
    if _enregistrer_activite(request, form, creation=False) is not None:
        return redirect("activites:detail", pk=activite.pk)
    return render(
        request,
        "activites/form.html",
        {"form": form, "titre": _("Modifier l'activité"), "activite": activite},
    )


@voir_requis
def detail(request, pk):
    activite = get_activite(
        request,
        pk,
        Activite.objects.select_related(
            "type", "cpas", "partenaire", "programme", "convention"
        ).prefetch_related("cpas_participants", "modules"),
    )
    inscriptions = list(
        queries.avec_heures(queries.inscriptions_visibles(request.user, activite))
        .select_related("beneficiaire", "agent")
        .order_by("statut", "demande_le", "id")
    )
    par_statut = {s: [] for s in StatutInscription.values}
    for i in inscriptions:
        par_statut[i.statut].append(i)
    par_statut[StatutInscription.ATTENTE].sort(key=lambda i: (i.demande_le, i.pk))
    for liste_ in (par_statut[StatutInscription.INSCRIT], par_statut[StatutInscription.TERMINE]):
        liste_.sort(key=lambda i: (i.beneficiaire.nom, i.beneficiaire.prenom, i.pk))
    # The rank on the waiting list counts everyone waiting (all CPAS), not only those shown.
    rangs = dict(
        activite.inscriptions.filter(statut=StatutInscription.ATTENTE)
        .order_by("demande_le", "id")
        .values_list("pk", "demande_le")
    )
    ordre_attente = {pk: rang for rang, pk in enumerate(rangs, start=1)}
    for i in par_statut[StatutInscription.ATTENTE]:
        i.rang = ordre_attente.get(i.pk)
    seances = paginer(
        request,
        activite.seances.select_related("module").order_by("date", "heure_debut"),
        taille=50,
        param="seances",
    )
    journaliser_liste(request, inscriptions)
    peut_gerer = permissions.peut_gerer_activites(request.user)
    recherche = request.GET.get("q", "").strip()[:100]
    candidats = []
    if peut_gerer and recherche and activite.fin >= timezone.localdate():
        deja = activite.inscriptions.values("beneficiaire_id")
        candidats = list(
            rechercher(Beneficiaire.objects.visibles_par(request.user), recherche).exclude(
                pk__in=deja
            )[:10]
        )
        journaliser_liste(request, candidats)
    return render(
        request,
        "activites/detail.html",
        {
            "activite": activite,
            "inscrits": par_statut[StatutInscription.INSCRIT],
            "attente": par_statut[StatutInscription.ATTENTE],
            "termines": par_statut[StatutInscription.TERMINE],
            "retires": par_statut[StatutInscription.RETIRE],
            "places_prises": services.places_occupees(activite.pk),
            "autres": queries.autres_participants(request.user, activite),
            "seances": seances,
            "peut_organiser": permissions.peut_organiser(request.user, activite),
            "peut_gerer": peut_gerer,
            "peut_noter": permissions.peut_noter_presences(request.user, activite),
            "recherche": recherche,
            "candidats": candidats,
            "retrait_form": RetraitForm(),
            "fin_form": FinForm(),
            "aujourd_hui": timezone.localdate(),
        },
    )


@gestion_requise
def seances(request, pk):
    """Add sessions (a recurrence or one session) and modules to an activity."""
    activite = get_activite_organisee(request, pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    recurrence = RecurrenceForm(request.POST if action == "recurrence" else None, activite=activite)
    une = SeanceForm(request.POST if action == "seance" else None, activite=activite)
    module = ModuleForm(request.POST if action == "module" else None)
    if action == "recurrence" and recurrence.is_valid():
        c = recurrence.cleaned_data
        try:
            creees = services.creer_seances(
                activite, c["dates"], c["heure_debut"], c["heure_fin"], c.get("module")
            )
        except ValidationError as erreur:
            ajouter_au_formulaire(recurrence, erreur)
        else:
            messages.success(request, _("%(n)s séance(s) créée(s).") % {"n": len(creees)})
            return redirect("activites:seances", pk=activite.pk)
    elif action == "seance" and une.is_valid():
        try:
            services.creer_seances(
                activite,
                [une.cleaned_data["date"]],
                une.cleaned_data["heure_debut"],
                une.cleaned_data["heure_fin"],
                une.cleaned_data.get("module"),
            )
        except ValidationError as erreur:
            ajouter_au_formulaire(une, erreur)
        else:
            messages.success(request, _("Séance ajoutée."))
            return redirect("activites:seances", pk=activite.pk)
    elif action == "module" and module.is_valid():
        objet = module.save(commit=False)
        objet.activite = activite
        try:
            objet.validate_constraints()
            objet.save()
        except ValidationError as erreur:
            ajouter_au_formulaire(module, erreur)
        else:
            messages.success(request, _("Module ajouté."))
            return redirect("activites:seances", pk=activite.pk)
    liste_seances = paginer(
        request,
        activite.seances.select_related("module").order_by("date", "heure_debut"),
        taille=50,
    )
    return render(
        request,
        "activites/seances.html",
        {
            "activite": activite,
            "recurrence": recurrence,
            "une": une,
            "module_form": module,
            "modules": activite.modules.all(),
            "page": liste_seances,
        },
    )


@require_POST
@gestion_requise
def supprimer_seance(request, seance_pk):
    """Remove a session without attendance (a session with marks is kept: it is evidence)."""
    seance = get_seance(request, seance_pk)
    if not permissions.peut_organiser(request.user, seance.activite):
        raise Http404
    if seance.presences.exists():
        messages.error(request, _("Cette séance a des présences notées : elle est conservée."))
    else:
        seance.delete()
        messages.success(request, _("Séance supprimée."))
    return redirect("activites:seances", pk=seance.activite_id)
