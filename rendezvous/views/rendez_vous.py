"""One appointment: plan it (from a person's page or a free slot of an agenda), see it with
its history, move it, change its status (one click for the outcome, which writes the journal
step)."""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaires.acces import get_beneficiaire_or_404
from beneficiaires.hooks import url_onglet
from cpas_isp.audit import journaliser_liste
from cpas_isp.contraintes import ajouter_au_formulaire
from cpas_isp.listes import cle_demandee
from cpas_isp.models import Membership
from cpas_isp.views import safe_next
from rendezvous import queries, services
from rendezvous.forms import IssueParticipantForm, RendezVousForm, StatutForm
from rendezvous.hooks import ONGLET
from rendezvous.models import STATUTS_A_VENIR, STATUTS_ISSUE, RendezVous
from rendezvous.views.agenda import agenda_visible, suivi_requis


def _rdv(request, pk) -> RendezVous:
    return get_object_or_404(
        RendezVous.objects.visibles_par(request.user).select_related(
            "type__type_etape", "lieu", "agent", "cellule", "agenda"
        ),
        pk=pk,
    )


def _avec_personnes(request, rdv) -> RendezVous:
    (rdv,) = queries.rendez_vous_avec_personnes(RendezVous.objects.filter(pk=rdv.pk), request.user)
    return rdv


def _formulaire(request, rdv, initial, retour, agenda=None):
    form = RendezVousForm(
        request.POST or None,
        instance=rdv,
        initial=initial,
        user=request.user,
        cpas_id=request.cpas.pk,
    )
    if request.method == "POST" and form.is_valid():
        rdv = form.save(commit=False)
        rdv.agenda = _agenda_du_rendez_vous(rdv, agenda)
        rdv.cellule_id = rdv.agenda.cellule_id or _cellule_de(rdv.agent_id, rdv.cpas_id)
        # People of the appointment the user may not see stay in it (a collective session).
        caches = (
            [
                p.beneficiaire
                for p in rdv.participants.exclude(
                    beneficiaire__in=form.fields["participants"].queryset
                ).select_related("beneficiaire")
            ]
            if rdv.pk
            else []
        )
        try:
            services.planifier(rdv, [*form.cleaned_data["participants"], *caches], request.user)
        except ValidationError as erreur:
            ajouter_au_formulaire(form, erreur)
        else:
            messages.success(request, _("Rendez-vous enregistré."))
            return _vers_suivant(request, retour or _url_detail(rdv))
    # The form offers the people the user follows: that list is personal data shown.
    journaliser_liste(request, form.fields["participants"].queryset.values_list("pk", flat=True))
    context = {"form": form, "rdv": rdv, "agenda": agenda, "retour": retour}
    return render(request, "rendezvous/rdv_form.html", context)


def _agenda_du_rendez_vous(rdv, agenda):
    """The agenda a slot was taken in (a cellule's, or the agent's); the agent's own agenda
    when none was given or when the appointment moved to another agent."""
    choisi = agenda or rdv.agenda
    if choisi is None or (choisi.agent_id and choisi.agent_id != rdv.agent_id):
        return queries.agenda_de(rdv.agent, rdv.cpas_id)
    return choisi


def _cellule_de(user_id, cpas_id):
    return (
        Membership.objects.filter(user_id=user_id, cpas_id=cpas_id, actif=True)
        .values_list("cellule_id", flat=True)
        .first()
    )


def _vers_suivant(request, defaut):
    """Back to the page the form was posted from (``next``, a local path), else ``defaut``."""
    suivant = safe_next(request, None)
    return HttpResponseRedirect(suivant if suivant and suivant.startswith("/") else defaut)


def _url_detail(rdv):
    return reverse("rendezvous:detail", kwargs={"rdv_pk": rdv.pk})


def _url_personne(b):
    """The person page's tab of the appointments."""
    return url_onglet(b.pk, ONGLET)


@suivi_requis
def creer(request, pk):
    """Plan an appointment for a person (the action of their page)."""
    b = get_beneficiaire_or_404(request.user, pk)
    rdv = RendezVous(cpas_id=b.cpas_id)
    initial = {"participants": [b.pk], "date": timezone.localdate() + datetime.timedelta(days=1)}
    return _formulaire(request, rdv, initial, _url_personne(b))


def _moment(request, nom):
    try:
        moment = datetime.datetime.fromisoformat(request.GET.get(nom, "")[:32])
    except ValueError:
        return None
    if timezone.is_naive(moment):
        try:
            moment = timezone.make_aware(moment)
        except (OverflowError, ValueError):
            return None
    return timezone.localtime(moment) if datetime.MINYEAR < moment.year < datetime.MAXYEAR else None


@suivi_requis
def creer_dans_agenda(request, agenda_pk):
    """Plan an appointment in a free slot of an agenda (``debut`` and ``fin`` in the query)."""
    agenda = agenda_visible(request, agenda_pk)
    rdv = RendezVous(cpas_id=agenda.cpas_id, agenda=agenda)
    initial = {"agent": agenda.agent_id or request.user.pk}
    debut, fin = _moment(request, "debut"), _moment(request, "fin")
    if debut is not None:
        initial.update(date=debut.date(), heure=debut.time().replace(second=0, microsecond=0))
        if fin is not None and fin > debut:
            initial["duree"] = int((fin - debut).total_seconds() // 60)
    lieu = cle_demandee(request.GET.get("lieu", ""))
    if lieu is not None:
        initial["lieu"] = lieu
    retour = reverse("rendezvous:semaine", kwargs={"agenda_pk": agenda.pk})
    if debut is not None:
        retour += f"?date={debut.date():%Y-%m-%d}"
    return _formulaire(request, rdv, initial, retour, agenda=agenda)


@suivi_requis
def detail(request, rdv_pk):
    rdv = _avec_personnes(request, _rdv(request, rdv_pk))
    journaliser_liste(request, [b.pk for b, visible in rdv.personnes if visible])
    context = {
        "rdv": rdv,
        "changements": rdv.changements.select_related("par", "beneficiaire"),
        "personnes_visibles": {b.pk for b, visible in rdv.personnes if visible},
        "etapes": services.etapes_du_rendez_vous(rdv).select_related("type", "beneficiaire"),
    }
    return render(request, "rendezvous/detail.html", context)


@suivi_requis
def modifier(request, rdv_pk):
    rdv = _rdv(request, rdv_pk)
    if rdv.statut not in STATUTS_A_VENIR:
        messages.error(request, _("Seul un rendez-vous à venir se modifie."))
        return redirect(_url_detail(rdv))
    return _formulaire(request, rdv, {}, _url_detail(rdv))


def _htmx_trigger(response, event, data):
    response["HX-Trigger"] = json.dumps({event: data})
    return response


@suivi_requis
@require_POST
def statut(request, rdv_pk):
    """Change the status: confirm, record the outcome (seen, absent, excused: the journal step
    is written) or cancel. A PIIS evaluation seen opens the evaluation form."""
    rdv = _rdv(request, rdv_pk)
    form = StatutForm(request.POST)
    erreur = None
    if not form.is_valid():
        erreur = _("Statut inconnu.")
    else:
        try:
            rdv = services.changer_statut(
                rdv, form.cleaned_data["statut"], request.user, form.cleaned_data["motif"]
            )
        except ValidationError as exc:
            erreur = " ".join(exc.messages)
    if erreur is None:
        ouvrir = services.evaluation_a_ouvrir(rdv)
        if ouvrir is not None:
            piis, evaluation = ouvrir
            url = (
                reverse("trajets:evaluation", kwargs={"evaluation_pk": evaluation.pk})
                if evaluation
                else reverse("trajets:evaluation_ajouter", kwargs={"piis_pk": piis.pk})
            )
            messages.success(request, _("Rendez-vous noté : complétez l'évaluation du PIIS."))
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    if not request.htmx:
        if erreur:
            messages.error(request, erreur)
        else:
            messages.success(
                request, _("Statut du rendez-vous : %(s)s.") % {"s": rdv.get_statut_display()}
            )
        return _vers_suivant(request, _url_detail(rdv))
    rdv = _avec_personnes(request, rdv)
    html = render_to_string(
        "rendezvous/_rdv.html",
        {"rdv": rdv, "erreur": erreur, "avec_date": request.POST.get("avec_date") == "1"},
        request=request,
    )
    response = HttpResponse(html)
    if erreur is None and rdv.statut in STATUTS_ISSUE:
        ids = [b.pk for b, _v in rdv.personnes]
        return _htmx_trigger(response, "etapeEnregistree", {"beneficiaires": ids})
    return response


@suivi_requis
@require_POST
def issue_participant(request, rdv_pk, beneficiaire_pk):
    """One participant's outcome in a collective session (one click): writes that person's
    journal step; the session's status follows. Only for a person the user may see."""
    rdv = _rdv(request, rdv_pk)
    b = get_beneficiaire_or_404(request.user, beneficiaire_pk)
    form = IssueParticipantForm(request.POST)
    erreur = None
    if not form.is_valid():
        erreur = _("Issue inconnue.")
    else:
        try:
            services.noter_issue_participant(
                rdv, b.pk, form.cleaned_data["issue"], request.user, form.cleaned_data["motif"]
            )
        except ValidationError as exc:
            erreur = " ".join(exc.messages)
    if not request.htmx:
        if erreur:
            messages.error(request, erreur)
        else:
            messages.success(
                request, _("Issue notée pour %(nom)s.") % {"nom": f"{b.nom} {b.prenom}"}
            )
        return redirect(_url_detail(rdv) + "#presences")
    rdv = _avec_personnes(request, _rdv(request, rdv_pk))
    html = render_to_string(
        "rendezvous/_presences.html", {"rdv": rdv, "erreur": erreur}, request=request
    )
    # The appointment's card (its status follows the participants') is redrawn too.
    html += render_to_string(
        "rendezvous/_rdv.html",
        {"rdv": rdv, "avec_date": True, "avec_agent": True, "oob": True},
        request=request,
    )
    response = HttpResponse(html)
    if erreur is None:
        return _htmx_trigger(response, "etapeEnregistree", {"beneficiaires": [b.pk]})
    return response
