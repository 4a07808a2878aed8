"""Pages of the partners app: directory, referrals (CPAS side and partner portal), conventions,
programmes. Every queryset is scoped with ``for_user``; partner users see only the portal and
get 404 elsewhere."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Avg, Case, Count, F, Prefetch, Q, TextField, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaires.acces import get_objet_or_404, objets_visibles
from beneficiaires.models import Beneficiaire
from cpas_isp import permissions
from cpas_isp.audit import journaliser_acces, journaliser_liste
from cpas_isp.tenancy import current_membership, get_for_user

from . import queries, services
from .forms import (
    AvisForm,
    ContactForm,
    ConventionForm,
    FinancementsFormSet,
    MessageForm,
    NoteForm,
    OrientationForm,
    OrientationModifierForm,
    PartenaireForm,
    ParticipationForm,
    PartiesFormSet,
    PresenceForm,
    ProgrammeForm,
    RecherchePartenaireForm,
    ServiceForm,
    SuggestionForm,
    TransitionForm,
)
from .models import (
    AvisParticipant,
    ComptePartenaire,
    Convention,
    NotePartenaire,
    Orientation,
    Partenaire,
    Participation,
    Programme,
    ServicePartenaire,
    StatutOrientation,
    SuggestionPartenaire,
)
from .repartition import partager_minerval, repartir

S = StatutOrientation


def acces(predicate):
    """Logged in with a role in the current CPAS and ``predicate(user)``. Partner users get 404
    on every page that is not their portal (they must not learn what exists)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if current_membership(request.user) is None:
                raise PermissionDenied(_("Vous n'avez aucun rôle actif dans un CPAS."))
            if not predicate(request.user):
                if permissions.est_partenaire(request.user):
                    raise Http404
                raise PermissionDenied(_("Votre rôle ne donne pas accès à cette page."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def url_beneficiaire(beneficiaire_id):
    try:
        return reverse("beneficiaires:detail", kwargs={"pk": beneficiaire_id})
    except NoReverseMatch:
        return ""


def _query_sans_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- Directory ----------------------------------------------------------------------------


@acces(permissions.peut_consulter_partenaires)
def liste(request):
    form = RecherchePartenaireForm(request.GET or None, cpas=request.cpas)
    qs = Partenaire.objects.select_related("type").annotate(
        nb_services=Count("services", filter=Q(services__actif=True), distinct=True)
    )
    if form.is_valid():
        f = form.cleaned_data
        if not f["inactifs"]:
            qs = qs.filter(actif=True)
        qs = queries.recherche_partenaires(
            qs,
            q=f["q"].strip(),
            type_code=f["type"].code if f["type"] else "",
            thematique=f["thematique"].code if f["thematique"] else "",
            commune=f["commune"].strip(),
        )
    else:
        qs = qs.filter(actif=True)
    page = Paginator(qs.order_by("nom", "id"), 30).get_page(request.GET.get("page"))
    template = "partenaires/_liste_resultats.html" if request.htmx else "partenaires/liste.html"
    return render(
        request, template, {"form": form, "page": page, "query": _query_sans_page(request)}
    )


@acces(permissions.peut_consulter_partenaires)
def detail(request, pk):
    partenaire = get_object_or_404(
        Partenaire.objects.select_related("type", "gere_par").prefetch_related(
            "contacts",
            Prefetch(
                "services",
                queryset=ServicePartenaire.objects.select_related("thematique").order_by(
                    "-actif", "nom"
                ),
            ),
        ),
        pk=pk,
    )
    conventions, orientations = queries.resume_partenaire(partenaire, request.user)
    stats = queries.statistiques_orientations(orientations)
    recentes = []
    if permissions.peut_suivre_beneficiaires(request.user):
        recentes = list(
            _visibles(request, orientations)
            .select_related("beneficiaire", "service", "agent")
            .order_by("-date_orientation", "-id")[:20]
        )
        journaliser_liste(request, recentes)
    aujourd_hui = timezone.localdate()
    return render(
        request,
        "partenaires/detail.html",
        {
            "partenaire": partenaire,
            "conventions": queries.annoter_alerte_convention(
                list(conventions.order_by("-fin")), aujourd_hui
            ),
            "stats": stats[0] if stats else None,
            "orientations": recentes,
            "notes": NotePartenaire.objects.for_user(request.user)
            .filter(partenaire=partenaire)
            .select_related("auteur"),
            "note_form": NoteForm(),
            "peut_gerer": partenaire.modifiable_par(request.user),
            "suggestions": (
                partenaire.suggestions.select_related("cpas", "auteur")
                if partenaire.modifiable_par(request.user)
                else SuggestionPartenaire.objects.none()
            ),
            "suggestion_form": SuggestionForm(),
        },
    )


def _partenaire_modifiable(request, pk):
    """A partner's record, for the coordinators and administrators of the CPAS that manages
    it; any other CPAS gets 404 (it may suggest a change on the record's page)."""
    partenaire = get_object_or_404(Partenaire, pk=pk)
    if not partenaire.modifiable_par(request.user):
        raise Http404
    return partenaire


@acces(permissions.peut_gerer_partenaires)
def partenaire_form(request, pk=None):
    instance = _partenaire_modifiable(request, pk) if pk else None
    form = PartenaireForm(request.POST or None, instance=instance, cpas=request.cpas)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                partenaire = form.save(commit=False)
                if instance is None:
                    partenaire.cree_par_cpas = request.cpas
                    partenaire.gere_par = request.cpas
                partenaire.save()
        except IntegrityError:
            form.add_error("nom", _("Un partenaire de ce nom existe déjà dans cette commune."))
        else:
            messages.success(request, _("Partenaire enregistré."))
            return redirect("partenaires:detail", pk=partenaire.pk)
    return render(
        request,
        "partenaires/form.html",
        {
            "form": form,
            "titre": _("Modifier le partenaire") if instance else _("Nouveau partenaire"),
            "retour": reverse("partenaires:detail", args=[pk])
            if pk
            else reverse("partenaires:liste"),
        },
    )


@acces(permissions.peut_gerer_partenaires)
def service_form(request, partenaire_pk, pk=None):
    partenaire = _partenaire_modifiable(request, partenaire_pk)
    instance = get_object_or_404(partenaire.services, pk=pk) if pk else None
    form = ServiceForm(request.POST or None, instance=instance, cpas=request.cpas)
    if request.method == "POST" and form.is_valid():
        service = form.save(commit=False)
        service.partenaire = partenaire
        try:
            with transaction.atomic():
                service.save()
        except IntegrityError:
            form.add_error("nom", _("Ce partenaire a déjà un service de ce nom."))
        else:
            messages.success(request, _("Service enregistré."))
            return redirect("partenaires:detail", pk=partenaire.pk)
    return render(
        request,
        "partenaires/form.html",
        {
            "form": form,
            "titre": _("Service de %(p)s") % {"p": partenaire},
            "retour": reverse("partenaires:detail", args=[partenaire.pk]),
        },
    )


@acces(permissions.peut_gerer_partenaires)
def contact_form(request, partenaire_pk, pk=None):
    partenaire = _partenaire_modifiable(request, partenaire_pk)
    instance = get_object_or_404(partenaire.contacts, pk=pk) if pk else None
    form = ContactForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        contact = form.save(commit=False)
        contact.partenaire = partenaire
        contact.save()
        messages.success(request, _("Contact enregistré."))
        return redirect("partenaires:detail", pk=partenaire.pk)
    return render(
        request,
        "partenaires/form.html",
        {
            "form": form,
            "titre": _("Contact chez %(p)s") % {"p": partenaire},
            "retour": reverse("partenaires:detail", args=[partenaire.pk]),
        },
    )


@require_POST
@acces(permissions.peut_consulter_partenaires)
def note_creer(request, pk):
    partenaire = get_object_or_404(Partenaire, pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        NotePartenaire.objects.create(
            cpas=request.cpas,
            partenaire=partenaire,
            auteur=request.user,
            texte=form.cleaned_data["texte"].strip(),
        )
        messages.success(request, _("Note ajoutée."))
    else:
        messages.error(request, _("La note est vide."))
    return redirect(reverse("partenaires:detail", args=[pk]) + "#notes")


@require_POST
@acces(permissions.peut_consulter_partenaires)
def suggestion_creer(request, pk):
    """Another CPAS suggests a change to the CPAS that manages the record."""
    partenaire = get_object_or_404(Partenaire, pk=pk)
    form = SuggestionForm(request.POST)
    if form.is_valid():
        SuggestionPartenaire.objects.create(
            partenaire=partenaire,
            cpas=request.cpas,
            auteur=request.user,
            texte=form.cleaned_data["texte"].strip(),
        )
        messages.success(
            request, _("Suggestion transmise au CPAS qui gère la fiche de ce partenaire.")
        )
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(reverse("partenaires:detail", args=[pk]) + "#suggestions")


@require_POST
@acces(permissions.peut_gerer_partenaires)
def suggestion_traitee(request, pk, suggestion_pk):
    partenaire = _partenaire_modifiable(request, pk)
    suggestion = get_object_or_404(partenaire.suggestions, pk=suggestion_pk)
    suggestion.traitee = True
    suggestion.save(update_fields=["traitee"])
    messages.success(request, _("Suggestion marquée comme traitée."))
    return redirect(reverse("partenaires:detail", args=[pk]) + "#suggestions")


# --- Referrals, CPAS side -------------------------------------------------------------------


def _visibles(request, qs):
    """Referrals (or other rows belonging to a person) of the people the user may see: the
    one need-to-know rule (``Beneficiaire.objects.visibles_par``)."""
    return objets_visibles(qs, request.user)


def _orientations(request):
    return _visibles(request, Orientation.objects.all())


def _beneficiaires(request):
    return Beneficiaire.objects.visibles_par(request.user).order_by("nom", "prenom")


@acces(permissions.peut_suivre_beneficiaires)
def orientations(request):
    statut = request.GET.get("statut", "")
    partenaire = request.GET.get("partenaire", "")
    qs = _orientations(request).select_related(
        "beneficiaire", "service__partenaire", "service__thematique", "agent"
    )
    if statut in S.values:
        qs = qs.filter(statut=statut)
    if partenaire.isdecimal():
        qs = qs.filter(service__partenaire=int(partenaire))
    if request.GET.get("mes") == "1":
        qs = qs.filter(agent=request.user)
    compteurs = queries.compter_par_statut(_orientations(request))
    page = Paginator(qs.order_by("-date_orientation", "-id"), 30).get_page(request.GET.get("page"))
    delai = request.cpas.delai_expiration_orientation
    for o in page.object_list:
        o.echeance = services.echeance(o, delai)
        o.url_beneficiaire = url_beneficiaire(o.beneficiaire_id)
    journaliser_liste(request, page.object_list)
    return render(
        request,
        "partenaires/orientations.html",
        {
            "page": page,
            "query": _query_sans_page(request),
            "statuts": [(code, label, compteurs.get(code, 0)) for code, label in S.choices],
            "statut": statut,
            "partenaire": partenaire,
            "mes": request.GET.get("mes") == "1",
            "partenaires": Partenaire.objects.filter(
                pk__in=_orientations(request).values("service__partenaire")
            ).only("pk", "nom"),
        },
    )


@acces(permissions.peut_suivre_beneficiaires)
def orientation_creer(request):
    beneficiaires = _beneficiaires(request)
    initial = {}
    choisi = request.GET.get("beneficiaire", "") or request.POST.get("beneficiaire", "")
    if request.GET.get("beneficiaire", "").isdecimal():
        b = get_object_or_404(beneficiaires, pk=int(request.GET["beneficiaire"]))
        initial["beneficiaire"] = b.pk
    if choisi.isdecimal():
        # Coming from the person's page: no need to list the whole caseload.
        beneficiaires = beneficiaires.filter(pk=int(choisi))
    if request.GET.get("service", "").isdecimal():
        initial["service"] = int(request.GET["service"])
    form = OrientationForm(request.POST or None, initial=initial, beneficiaires=beneficiaires)
    if request.method == "POST" and form.is_valid():
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


MODIFIABLES = {S.PROPOSEE, S.ENVOYEE, S.EXPIREE}


@acces(permissions.peut_suivre_beneficiaires)
def orientation_modifier(request, pk):
    orientation = _get_orientation(request, pk)
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
    return render(
        request,
        "partenaires/form.html",
        {
            "form": form,
            "titre": _("Modifier l'orientation de %(b)s") % {"b": orientation.beneficiaire},
            "retour": reverse("partenaires:orientation_detail", args=[pk]),
        },
    )


def _contexte_orientation(request, orientation, *, portail):
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


def _get_orientation(request, pk, qs=None):
    qs = qs if qs is not None else _orientations(request)
    return get_object_or_404(
        qs.select_related(
            "beneficiaire", "service__partenaire", "service__thematique", "agent", "cpas"
        ),
        pk=pk,
    )


@acces(permissions.peut_suivre_beneficiaires)
def orientation_detail(request, pk):
    orientation = _get_orientation(request, pk)
    journaliser_acces(request, orientation.beneficiaire)
    return render(
        request,
        "partenaires/orientation_detail.html",
        _contexte_orientation(request, orientation, portail=False),
    )


def _appliquer_transition(request, orientation, retour):
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
@acces(permissions.peut_suivre_beneficiaires)
def orientation_transition(request, pk):
    orientation = _get_orientation(request, pk)
    return _appliquer_transition(
        request, orientation, reverse("partenaires:orientation_detail", args=[pk])
    )


def _ajouter_message(request, orientation, retour):
    form = MessageForm(request.POST)
    if form.is_valid():
        services.ajouter_message(orientation, request.user, form.cleaned_data["texte"])
        messages.success(request, _("Message envoyé."))
    else:
        messages.error(request, _("Le message est vide."))
    return redirect(retour + "#messages")


@require_POST
@acces(permissions.peut_suivre_beneficiaires)
def orientation_message(request, pk):
    orientation = _get_orientation(request, pk)
    return _ajouter_message(
        request, orientation, reverse("partenaires:orientation_detail", args=[pk])
    )


@acces(permissions.peut_voir_statistiques_partenaires)
def statistiques(request):
    qs = Orientation.objects.for_user(request.user)
    du, au = request.GET.get("du", ""), request.GET.get("au", "")
    try:
        if du:
            qs = qs.filter(date_orientation__gte=du)
        if au:
            qs = qs.filter(date_orientation__lte=au)
        lignes = queries.statistiques_orientations(qs)
    except ValidationError:
        messages.error(request, _("Date invalide."))
        lignes = queries.statistiques_orientations(Orientation.objects.for_user(request.user))
    return render(request, "partenaires/statistiques.html", {"lignes": lignes, "du": du, "au": au})


# --- Partner portal -----------------------------------------------------------------------


def _compte(request):
    compte = ComptePartenaire.objects.select_related("partenaire").filter(user=request.user).first()
    if compte is None:
        raise PermissionDenied(_("Votre compte n'est lié à aucun partenaire. Contactez le CPAS."))
    return compte


@acces(permissions.peut_utiliser_portail_partenaire)
def portail(request):
    compte = _compte(request)
    statut = request.GET.get("statut", "")
    qs = Orientation.objects.for_user(request.user).select_related(
        "beneficiaire", "service", "agent"
    )
    compteurs = queries.compter_par_statut(qs)
    if statut in S.values:
        qs = qs.filter(statut=statut)
    page = Paginator(qs.order_by("-date_envoi", "-id"), 30).get_page(request.GET.get("page"))
    delai = request.cpas.delai_expiration_orientation
    for o in page.object_list:
        o.echeance = services.echeance(o, delai)
    journaliser_liste(request, page.object_list)
    return render(
        request,
        "partenaires/portail.html",
        {
            "compte": compte,
            "page": page,
            "query": _query_sans_page(request),
            "statuts": [
                (code, label, compteurs.get(code, 0))
                for code, label in S.choices
                if code not in (S.PROPOSEE, S.ANNULEE)
            ],
            "statut": statut,
        },
    )


def _get_portail(request, pk):
    _compte(request)
    return _get_orientation(request, pk, Orientation.objects.for_user(request.user))


@acces(permissions.peut_utiliser_portail_partenaire)
def portail_detail(request, pk):
    orientation = _get_portail(request, pk)
    journaliser_acces(request, orientation.beneficiaire)
    return render(
        request,
        "partenaires/portail_detail.html",
        _contexte_orientation(request, orientation, portail=True),
    )


@require_POST
@acces(permissions.peut_utiliser_portail_partenaire)
def portail_transition(request, pk):
    orientation = _get_portail(request, pk)
    return _appliquer_transition(
        request, orientation, reverse("partenaires:portail_detail", args=[pk])
    )


@require_POST
@acces(permissions.peut_utiliser_portail_partenaire)
def portail_message(request, pk):
    orientation = _get_portail(request, pk)
    return _ajouter_message(request, orientation, reverse("partenaires:portail_detail", args=[pk]))


@require_POST
@acces(permissions.peut_utiliser_portail_partenaire)
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
        services.enregistrer_presence(orientation, request.user, **form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Présence enregistrée."))
    return redirect(retour)


# --- Conventions --------------------------------------------------------------------------


@acces(permissions.peut_consulter_partenaires)
def conventions(request):
    aujourd_hui = timezone.localdate()
    qs = (
        Convention.objects.for_user(request.user)
        .select_related("cpas")
        .prefetch_related("partenaires", "parties_cpas__cpas")
    )
    filtre = request.GET.get("filtre", "")
    if filtre == "bientot":
        qs = queries.conventions_bientot_finies(qs, aujourd_hui)
    elif filtre == "en_cours":
        qs = qs.filter(debut__lte=aujourd_hui, fin__gte=aujourd_hui)
    page = Paginator(qs.order_by("fin", "id"), 30).get_page(request.GET.get("page"))
    queries.annoter_alerte_convention(page.object_list, aujourd_hui)
    return render(
        request,
        "partenaires/conventions.html",
        {
            "page": page,
            "query": _query_sans_page(request),
            "filtre": filtre,
            "nb_bientot": queries.conventions_bientot_finies(
                Convention.objects.for_user(request.user), aujourd_hui
            ).count(),
        },
    )


@acces(permissions.peut_consulter_partenaires)
def convention_detail(request, pk):
    convention = get_for_user(
        Convention.objects.select_related("cpas", "cree_par").prefetch_related("partenaires"),
        request.user,
        pk=pk,
    )
    parties = list(convention.parties_cpas.select_related("cpas"))
    financements = list(convention.financements.all())
    queries.annoter_alerte_convention([convention], timezone.localdate())
    return render(
        request,
        "partenaires/convention_detail.html",
        {
            "c": convention,
            "repartition": repartir(convention, parties, financements),
            "financements": financements,
            "minerval": partager_minerval(convention),
            "peut_modifier": permissions.peut_gerer_partenaires(request.user)
            and convention.cpas_id == request.cpas.pk,
        },
    )


@acces(permissions.peut_gerer_partenaires)
def convention_form(request, pk=None):
    instance = None
    if pk:
        instance = get_for_user(Convention.objects.all(), request.user, pk=pk)
        if instance.cpas_id != request.cpas.pk:
            raise PermissionDenied(_("Seul le CPAS gestionnaire modifie cette convention."))
    form = ConventionForm(request.POST or None, instance=instance)
    convention = instance or Convention(cpas=request.cpas)
    initial_parties = [] if instance else [{"cpas": request.cpas.pk}]
    parties = PartiesFormSet(
        request.POST or None,
        instance=convention,
        prefix="parties",
        cpas_courant=request.cpas,
        initial=initial_parties,
    )
    financements = FinancementsFormSet(
        request.POST or None, instance=convention, prefix="financements"
    )
    if request.method == "POST" and form.is_valid():
        # The parties' validation needs the rule chosen in the main form.
        parties.instance.regle_repartition = form.cleaned_data["regle_repartition"]
        if parties.is_valid() and financements.is_valid():
            with transaction.atomic():
                convention = form.save(commit=False)
                if instance is None:
                    convention.cpas = request.cpas
                    convention.cree_par = request.user
                convention.save()
                form.save_m2m()
                parties.instance = convention
                for partie in parties.save(commit=False):
                    partie.habitants = partie.cpas.habitants
                    partie.save()
                for obj in parties.deleted_objects:
                    obj.delete()
                financements.instance = convention
                financements.save()
            messages.success(request, _("Convention enregistrée."))
            return redirect("partenaires:convention_detail", pk=convention.pk)
    return render(
        request,
        "partenaires/convention_form.html",
        {"form": form, "parties": parties, "financements": financements, "instance": instance},
    )


# --- Programmes ---------------------------------------------------------------------------


@acces(permissions.peut_consulter_partenaires)
def programmes(request):
    qs = (
        Programme.objects.for_user(request.user)
        .select_related("cpas", "thematique")
        .annotate(nb_participants=Count("participations", distinct=True))
        .order_by("-debut", "id")
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "partenaires/programmes.html",
        {"page": page, "query": _query_sans_page(request)},
    )


def _get_programme(request, pk):
    return get_for_user(
        Programme.objects.select_related("cpas", "thematique").prefetch_related(
            "partenaires", "cpas_participants"
        ),
        request.user,
        pk=pk,
    )


@acces(permissions.peut_consulter_partenaires)
def programme_detail(request, pk):
    programme = _get_programme(request, pk)
    aujourd_hui = timezone.localdate()
    # Names only of the people the user may see (need-to-know, own CPAS); the figures count
    # every participating CPAS.
    cohorte = list(
        _visibles(request, Participation.objects.all())
        .filter(programme=programme)
        .select_related("beneficiaire")
        .annotate(nb_avis=Count("avis"))
    )
    for p in cohorte:
        p.fin_max = queries.fin_accompagnement(p, programme)
        p.url_beneficiaire = url_beneficiaire(p.beneficiaire_id)
    journaliser_liste(request, cohorte)
    cohorte_masques = Participation.objects.for_user(request.user).filter(
        programme=programme
    ).count() - len(cohorte)
    tous_avis = AvisParticipant.objects.filter(participation__programme=programme)
    stats_avis = tous_avis.aggregate(n=Count("id"), moyenne=Avg("score"))
    # Scores are shared; the free text of a participant's feedback stays with their own CPAS.
    avis = (
        tous_avis.order_by("-date", "-id")
        .annotate(
            texte=Case(
                When(cpas_id=request.cpas.pk, then=F("commentaire")),
                default=Value(""),
                output_field=TextField(),
            )
        )
        .values("date", "score", "texte")[:50]
    )
    return render(
        request,
        "partenaires/programme_detail.html",
        {
            "programme": programme,
            "ind": queries.indicateurs_programme(programme),
            "cohorte": cohorte,
            "cohorte_masques": cohorte_masques,
            "proches": queries.proches_duree_max(cohorte, programme, aujourd_hui),
            "avis": avis,
            "nb_avis": stats_avis["n"],
            "moyenne_avis": stats_avis["moyenne"],
            "peut_modifier": permissions.peut_suivre_beneficiaires(request.user),
            "peut_gerer": permissions.peut_gerer_partenaires(request.user)
            and programme.cpas_id == request.cpas.pk,
        },
    )


@acces(permissions.peut_gerer_partenaires)
def programme_form(request, pk=None):
    instance = _get_programme(request, pk) if pk else None
    if instance is not None and instance.cpas_id != request.cpas.pk:
        raise PermissionDenied(_("Seul le CPAS porteur modifie ce programme."))
    form = ProgrammeForm(request.POST or None, instance=instance, cpas_courant=request.cpas)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            programme = form.save(commit=False)
            if instance is None:
                programme.cpas = request.cpas
            programme.save()
            form.save_m2m()
        messages.success(request, _("Programme enregistré."))
        return redirect("partenaires:programme_detail", pk=programme.pk)
    return render(
        request,
        "partenaires/form.html",
        {
            "form": form,
            "titre": _("Modifier le programme") if instance else _("Nouveau programme"),
            "retour": reverse("partenaires:programme_detail", args=[pk])
            if pk
            else reverse("partenaires:programmes"),
        },
    )


@acces(permissions.peut_suivre_beneficiaires)
def participation_form(request, programme_pk, pk=None):
    programme = _get_programme(request, programme_pk)
    instance = None
    if pk:
        instance = get_objet_or_404(
            Participation.objects.select_related("beneficiaire"),
            request.user,
            pk=pk,
            programme=programme,
        )
    beneficiaires = _beneficiaires(request)
    form = ParticipationForm(request.POST or None, instance=instance, beneficiaires=beneficiaires)
    if request.method == "POST" and form.is_valid():
        participation = form.save(commit=False)
        participation.programme = programme
        if instance is None:
            participation.cpas = request.cpas
        try:
            with transaction.atomic():
                participation.save()
        except IntegrityError:
            form.add_error("beneficiaire", _("Cette personne fait déjà partie de la cohorte."))
        else:
            messages.success(request, _("Participation enregistrée."))
            return redirect(
                reverse("partenaires:programme_detail", args=[programme.pk]) + "#cohorte"
            )
    journaliser_liste(request, beneficiaires.values_list("pk", flat=True))  # people offered
    return render(
        request,
        "partenaires/form.html",
        {
            "form": form,
            "titre": (
                _("Participation de %(b)s") % {"b": instance.beneficiaire}
                if instance
                else _("Inscrire une personne à « %(p)s »") % {"p": programme}
            ),
            "retour": reverse("partenaires:programme_detail", args=[programme.pk]),
        },
    )


@acces(permissions.peut_suivre_beneficiaires)
def avis_creer(request, programme_pk, pk):
    programme = _get_programme(request, programme_pk)
    participation = get_objet_or_404(
        Participation.objects.select_related("beneficiaire"),
        request.user,
        pk=pk,
        programme=programme,
    )
    form = AvisForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        avis = form.save(commit=False)
        avis.participation = participation
        avis.cpas_id = participation.cpas_id
        avis.save()
        messages.success(request, _("Avis enregistré."))
        return redirect(reverse("partenaires:programme_detail", args=[programme.pk]) + "#avis")
    journaliser_acces(request, participation)
    return render(
        request,
        "partenaires/form.html",
        {
            "form": form,
            "titre": _("Avis de %(b)s sur « %(p)s »")
            % {"b": participation.beneficiaire, "p": programme},
            "retour": reverse("partenaires:programme_detail", args=[programme.pk]),
        },
    )
