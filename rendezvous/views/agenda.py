"""Agenda pages: an agent's week and day, a cellule's day, the agenda's settings (recurring
availability, absences, calendar feed token)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpas_isp import permissions
from cpas_isp.audit import journaliser_liste
from cpas_isp.contraintes import ajouter_au_formulaire, enregistrer
from cpas_isp.listes import cle_demandee
from cpas_isp.models import Cellule
from cpas_isp.tenancy import current_membership
from cpas_isp.views import role_required
from rendezvous import queries, services
from rendezvous.forms import AbsenceForm, DisponibiliteForm
from rendezvous.models import Absence, Agenda, Disponibilite
from rendezvous.permissions import peut_gerer_agenda

suivi_requis = role_required(permissions.peut_suivre_beneficiaires)


def date_demandee(request) -> datetime.date:
    """The ``date`` of the query string (ISO), today when missing or impossible."""
    try:
        date = datetime.date.fromisoformat(request.GET.get("date", "")[:10])
    except ValueError:
        return timezone.localdate()
    if not (datetime.date(2000, 1, 1) <= date <= datetime.date(2100, 12, 31)):
        return timezone.localdate()
    return date


def agenda_visible(request, pk) -> Agenda:
    return get_object_or_404(queries.agendas_visibles(request.user), pk=pk)


def _journaliser(request, cals):
    journaliser_liste(
        request,
        [
            b.pk
            for cal in cals
            for jour in cal.jours
            for r in jour.rendez_vous
            for b, visible in r.personnes
            if visible
        ],
    )


def _autres_agendas(request, agenda):
    return [
        a
        for a in queries.agendas_visibles(request.user).order_by("cellule", "agent")
        if a != agenda
    ]


@suivi_requis
def mon_agenda(request):
    """The user's own agenda, or the one chosen in the "other agenda" list."""
    choisi = cle_demandee(request.GET.get("agenda", ""))
    if choisi is not None:
        agenda = agenda_visible(request, choisi)
    else:
        agenda = queries.agenda_de(request.user, request.cpas.pk)
    return redirect("rendezvous:semaine", agenda_pk=agenda.pk)


def _vue(request, agenda_pk, nb_jours, partiel):
    """The week (7 days) or the day (1) of an agenda; only the agenda part for htmx."""
    agenda = agenda_visible(request, agenda_pk)
    date = date_demandee(request)
    premier = queries.semaine_de(date) if nb_jours == 7 else date
    (cal,) = queries.calendriers([agenda], premier, nb_jours, request.user)
    if nb_jours == 7 and not any(j.rendez_vous or j.creneaux for j in cal.jours[5:]):
        cal.jours = cal.jours[:5]  # the weekend only when something happens in it
    _journaliser(request, [cal])
    pas = datetime.timedelta(days=nb_jours)
    context = {
        "agenda": agenda,
        "cal": cal,
        "date": date,
        "precedent": premier - pas,
        "suivant": premier + pas,
        "aujourd_hui": timezone.localdate(),
        "peut_gerer": peut_gerer_agenda(request.user, agenda),
        "autres_agendas": _autres_agendas(request, agenda),
    }
    context["partiel"] = partiel
    return render(request, partiel if request.htmx else "rendezvous/agenda.html", context)


@suivi_requis
def semaine(request, agenda_pk):
    return _vue(request, agenda_pk, 7, "rendezvous/_semaine.html")


@suivi_requis
def jour(request, agenda_pk):
    return _vue(request, agenda_pk, 1, "rendezvous/_jour.html")


@suivi_requis
def cellule_jour(request, code):
    """One day of a cellule: its shared agenda and the agenda of each of its agents."""
    cellule = get_object_or_404(Cellule.objects.for_user(request.user), code=code)
    membership = current_membership(request.user)
    if not (permissions.est_coordinateur(request.user) or membership.cellule_id == cellule.pk):
        raise Http404
    agendas = queries.agendas_de_cellule(cellule)
    date = date_demandee(request)
    cals = queries.calendriers(agendas, date, 1, request.user)
    _journaliser(request, cals)
    context = {
        "cellule": cellule,
        "cals": cals,
        "date": date,
        "precedent": date - datetime.timedelta(days=1),
        "suivant": date + datetime.timedelta(days=1),
        "aujourd_hui": timezone.localdate(),
    }
    template = "rendezvous/_cellule_jour.html" if request.htmx else "rendezvous/cellule_jour.html"
    return render(request, template, context)


def _agenda_gere(request, agenda_pk) -> Agenda:
    agenda = agenda_visible(request, agenda_pk)
    if not peut_gerer_agenda(request.user, agenda):
        raise PermissionDenied(_("Seul l'agent ou un coordinateur règle cet agenda."))
    return agenda


@suivi_requis
def reglages(request, agenda_pk):
    """Recurring availability, absences and the calendar feed of an agenda."""
    agenda = _agenda_gere(request, agenda_pk)
    dispo_form = DisponibiliteForm(prefix="dispo", cpas_id=agenda.cpas_id)
    absence_form = AbsenceForm(prefix="absence")
    if request.method == "POST":
        quoi = request.POST.get("quoi")
        if quoi == "disponibilite":
            instance = Disponibilite(cpas_id=agenda.cpas_id, agenda=agenda)
            dispo_form = DisponibiliteForm(
                request.POST, prefix="dispo", instance=instance, cpas_id=agenda.cpas_id
            )
            form = dispo_form
        elif quoi == "absence":
            instance = Absence(cpas_id=agenda.cpas_id, agenda=agenda)
            absence_form = AbsenceForm(request.POST, prefix="absence", instance=instance)
            form = absence_form
        else:
            form = None
        if form is not None and form.is_valid():
            try:
                enregistrer(form.save(commit=False))
            except ValidationError as erreur:
                ajouter_au_formulaire(form, erreur)
            else:
                messages.success(request, _("Agenda mis à jour."))
                return redirect("rendezvous:reglages", agenda_pk=agenda.pk)
    context = {
        "agenda": agenda,
        "dispo_form": dispo_form,
        "absence_form": absence_form,
        "disponibilites": agenda.disponibilites.select_related("lieu"),
        "absences": agenda.absences.filter(fin__gte=timezone.now()),
        "jeton": request.session.pop(f"jeton_ics_{agenda.pk}", None),
    }
    if context["jeton"]:
        context["url_ics"] = request.build_absolute_uri(
            reverse("rendezvous:ics", kwargs={"jeton": context["jeton"]})
        )
    return render(request, "rendezvous/reglages.html", context)


@suivi_requis
@require_POST
def supprimer_reglage(request, agenda_pk):
    """Remove one recurring availability or one absence of the agenda."""
    agenda = _agenda_gere(request, agenda_pk)
    modele = {"disponibilite": Disponibilite, "absence": Absence}.get(request.POST.get("quoi"))
    pk = cle_demandee(request.POST.get("pk", ""))
    if modele is None or pk is None:
        raise Http404
    get_object_or_404(modele, agenda=agenda, pk=pk).delete()
    messages.success(request, _("Agenda mis à jour."))
    return redirect("rendezvous:reglages", agenda_pk=agenda.pk)


@suivi_requis
@require_POST
def jeton_ics(request, agenda_pk):
    """Create a new secret link to the calendar feed (the old one stops working), or revoke
    it. The new link is shown once."""
    agenda = _agenda_gere(request, agenda_pk)
    if request.POST.get("action") == "revoquer":
        services.revoquer_jeton_ics(agenda)
        messages.success(request, _("Le lien d'abonnement est révoqué."))
    else:
        request.session[f"jeton_ics_{agenda.pk}"] = services.nouveau_jeton_ics(agenda)
        messages.success(
            request, _("Nouveau lien d'abonnement créé : l'ancien ne fonctionne plus.")
        )
    return redirect("rendezvous:reglages", agenda_pk=agenda.pk)
