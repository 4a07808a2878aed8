"""Pages of the trajectory: quick step form, journal, orientation between phases, cellule work
queues, "Mes échéances", PIIS (edit, propose, sign, print, evaluate, amend), article 60
contracts and the occupancy of posts."""

from __future__ import annotations

import datetime
import json

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaires.acces import get_beneficiaire_or_404
from beneficiaires.models import Beneficiaire
from cpas_isp import permissions
from cpas_isp.audit import journaliser_acces, journaliser_liste
from cpas_isp.models import Cellule
from cpas_isp.tenancy import current_membership, get_for_user
from cpas_isp.views import role_required, safe_next
from trajets import forms as f
from trajets import queries, services
from trajets.models import (
    ContratArticle60,
    Etape,
    EvaluationPiis,
    PassagePhase,
    Piis,
    PoolArticle60,
    StatutPiis,
)
from trajets.permissions import (
    peut_modifier_etape,
    peut_voir_file_cellule,
    peut_voir_note_confidentielle,
)

suivi_requis = role_required(permissions.peut_suivre_beneficiaires)


def _personne(request, pk) -> Beneficiaire:
    """The person if the user may see them (need-to-know, the one rule), 404 otherwise."""
    return get_beneficiaire_or_404(
        request.user, pk, Beneficiaire.objects.select_related("referent")
    )


def _url_personne(b):
    from trajets.templatetags.trajets_tags import url_personne

    return url_personne(b)


def _erreurs(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _htmx_trigger(response, event, data=None):
    response["HX-Trigger"] = json.dumps({event: data or {}})
    return response


def masquer_notes(etapes, user):
    """Blank the confidential note of steps the user may not read (never sent to the page)."""
    for e in etapes:
        e.note_confidentielle_visible = peut_voir_note_confidentielle(user, e)
        if not e.note_confidentielle_visible:
            e.a_note_confidentielle = bool(e.note_confidentielle)
            e.note_confidentielle = ""
    return etapes


# --- Journal ----------------------------------------------------------------------------------


def dernieres_etapes(b, user, n=8):
    etapes = list(
        Etape.objects.filter(beneficiaire=b)
        .select_related("type", "auteur", "passage")
        .order_by("-date", "-id")[:n]
    )
    return masquer_notes(etapes, user)


@suivi_requis
def etape_rapide(request, pk):
    """The quick step form, opened in place (htmx) from the caseload or the person's page."""
    b = _personne(request, pk)
    dans = request.GET.get("dans") or request.POST.get("dans") or "fiche"
    if dans not in {"fiche", "ligne", "journal"}:
        dans = "fiche"
    parcours = bool(request.GET.get("parcours") or request.POST.get("parcours"))
    derniers = services.derniers_choix(request.user)
    if request.method == "POST":
        form = f.EtapeForm(request.POST, derniers_choix=derniers, cpas=b.cpas_id)
        if form.is_valid():
            etape = services.noter_etape(b, request.user, **form.cleaned_data)
            if not request.htmx:
                messages.success(request, _("Étape enregistrée."))
                return redirect(_url_personne(b))
            context = {"b": b, "etape": etape, "dans": dans, "parcours": parcours}
            if parcours:
                context["timeline"] = _timeline_personne(request, b)
            html = render_to_string("trajets/_etape_ok.html", context, request=request)
            response = HttpResponse(html)
            return _htmx_trigger(response, "etapeEnregistree", {"beneficiaire": b.pk})
    else:
        form = f.EtapeForm(derniers_choix=derniers, cpas=b.cpas_id)
    journaliser_acces(request, b)
    template = "trajets/_etape_form.html" if request.htmx else "trajets/etape_form_page.html"
    return render(request, template, {"b": b, "form": form, "dans": dans, "parcours": parcours})


def _timeline_personne(request, b):
    """The person page's timeline, with the same filter as the person page."""
    from beneficiaires import hooks
    from beneficiaires.permissions import peut_voir_freins_sensibles

    sensibles = peut_voir_freins_sensibles(request.user, b)
    return [e for e in hooks.timeline(b, request.user) if not e.confidentiel or sensibles]


@suivi_requis
def etape_modifier(request, etape_pk):
    etape = get_for_user(Etape.objects.select_related("beneficiaire"), request.user, pk=etape_pk)
    b = _personne(request, etape.beneficiaire_id)
    if not peut_modifier_etape(request.user, etape):
        raise PermissionDenied(_("Seul l'auteur ou un coordinateur peut modifier cette étape."))
    form = f.EtapeForm(request.POST or None, instance=etape)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            etape = form.save(commit=False)
            etape.passage = services.passage_en_cours(b, etape.date)
            etape.save()
        messages.success(request, _("Étape modifiée."))
        return redirect("trajets:journal", pk=b.pk)
    journaliser_acces(request, b)
    return render(request, "trajets/etape_modifier.html", {"b": b, "form": form, "etape": etape})


@require_POST
@suivi_requis
def action_faite(request, etape_pk):
    etape = get_for_user(
        Etape.objects.select_related("beneficiaire", "type"), request.user, pk=etape_pk
    )
    _personne(request, etape.beneficiaire_id)
    services.marquer_action_faite(etape)
    if request.htmx:
        response = HttpResponse(
            render_to_string("trajets/_action_faite.html", {"etape": etape}, request=request)
        )
        return _htmx_trigger(response, "etapeEnregistree", {"beneficiaire": etape.beneficiaire_id})
    messages.success(request, _("Action marquée comme faite."))
    return redirect(safe_next(request, "trajets:echeances"))


@suivi_requis
def journal(request, pk):
    """The person's whole journal (and the trajectory), filterable by type."""
    b = _personne(request, pk)
    journaliser_acces(request, b)
    qs = (
        Etape.objects.filter(beneficiaire=b)
        .select_related("type", "auteur", "passage", "evaluation_piis")
        .order_by("-date", "-id")
    )
    type_id = request.GET.get("type", "")
    if type_id.isdecimal():
        qs = qs.filter(type_id=int(type_id))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    masquer_notes(page.object_list, request.user)
    from trajets.models import TypeEtape

    context = {
        "b": b,
        "page": page,
        "query": f"type={type_id}" if type_id else "",
        "types": TypeEtape.objects.pour_cpas(b.cpas_id),
        "type_id": type_id,
        "passages": PassagePhase.objects.filter(beneficiaire=b)
        .select_related("agent", "motif_sortie")
        .order_by("-debut"),
    }
    if request.htmx and request.GET.get("partiel"):
        return render(request, "trajets/_journal_liste.html", context)
    return render(request, "trajets/journal.html", context)


@suivi_requis
def journal_recent(request, pk):
    """The section of the person's page listing the last steps (refreshed after a new step)."""
    b = _personne(request, pk)
    journaliser_acces(request, b)
    return render(
        request,
        "trajets/_section_journal.html",
        {"b": b, "etapes": dernieres_etapes(b, request.user)},
    )


@suivi_requis
def seance_collective(request, code):
    """Log one collective session for a group: one step for each participant."""
    cellule = get_for_user(Cellule.objects, request.user, code=code)
    if not peut_voir_file_cellule(request.user, cellule):
        raise Http404  # another cellule's people: not the user's to see, nor to know about
    personnes = Beneficiaire.objects.for_user(request.user).filter(
        pk__in=queries.file_cellule(request.user, cellule).values("beneficiaire_id")
    )
    form = f.SeanceCollectiveForm(
        request.POST or None,
        personnes=personnes.order_by("nom", "prenom"),
        derniers_choix={"type_id": None, "mode": "presentiel"},
        cpas=cellule.cpas_id,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        participants = data.pop("participants")
        etapes = services.noter_seance_collective(participants, request.user, **data)
        messages.success(
            request,
            _("Séance collective notée pour %(n)s personne(s).") % {"n": len(etapes)},
        )
        return redirect("trajets:file_cellule", code=cellule.code)
    journaliser_liste(request, personnes.values_list("pk", flat=True))  # the people offered
    return render(request, "trajets/seance_collective.html", {"form": form, "cellule": cellule})


# --- Phases -----------------------------------------------------------------------------------


@suivi_requis
def orienter(request, pk):
    b = _personne(request, pk)
    courant = PassagePhase.objects.filter(beneficiaire=b, fin__isnull=True).first()
    form = f.OrienterForm(
        request.POST or None,
        cpas_id=b.cpas_id,
        passage_courant=courant,
        user=request.user,
        initial={"phase": request.GET.get("phase", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            passage = services.orienter(
                b,
                data["phase"],
                data["date"],
                agent=data.get("agent"),
                motif_sortie=data.get("motif_sortie"),
                motif_entree=data.get("motif_entree", ""),
                note=data.get("note", ""),
            )
        except ValidationError as exc:
            form.add_error(None, _erreurs(exc))
        else:
            messages.success(
                request,
                _("%(personne)s est orienté(e) vers « %(phase)s » à partir du %(date)s.")
                % {
                    "personne": b,
                    "phase": passage.get_phase_display(),
                    "date": f"{passage.debut:%d/%m/%Y}",
                },
            )
            return redirect(_url_personne(b))
    journaliser_acces(request, b)
    return render(request, "trajets/orienter.html", {"b": b, "form": form, "courant": courant})


@suivi_requis
def passage_modifier(request, passage_pk):
    passage = get_for_user(PassagePhase.objects, request.user, pk=passage_pk)
    b = _personne(request, passage.beneficiaire_id)
    form = f.PassageForm(request.POST or None, instance=passage)
    if request.method == "POST" and form.is_valid():
        try:
            services.enregistrer_passage(form.save(commit=False))
        except ValidationError as exc:
            form.add_error(None, _erreurs(exc))
        else:
            messages.success(
                request, _("Passage corrigé. L'ancienne version reste dans l'historique.")
            )
            return redirect("trajets:journal", pk=b.pk)
    journaliser_acces(request, b)
    historique = passage.events.order_by("-pgh_id")[:20] if hasattr(passage, "events") else []
    return render(
        request,
        "trajets/passage_modifier.html",
        {"b": b, "form": form, "passage": passage, "historique": historique},
    )


@suivi_requis
def terminer_trajet(request, pk):
    b = _personne(request, pk)
    courant = get_object_or_404(PassagePhase, beneficiaire=b, fin__isnull=True)
    form = f.TerminerTrajetForm(
        request.POST or None, initial={"fin": timezone.localdate()}, cpas=b.cpas_id
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.terminer_trajet(
                courant,
                form.cleaned_data["fin"],
                form.cleaned_data["motif"],
                form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, _erreurs(exc))
        else:
            messages.success(request, _("Le passage est clôturé."))
            return redirect(_url_personne(b))
    journaliser_acces(request, b)
    return render(
        request, "trajets/terminer_trajet.html", {"b": b, "form": form, "courant": courant}
    )


# --- Cellule work queues, deadlines ------------------------------------------------------------


@suivi_requis
def mes_files(request):
    """The agent's own cellule queue; coordinators choose among all cellules."""
    membership = current_membership(request.user)
    if membership.cellule_id and not permissions.est_coordinateur(request.user):
        return redirect("trajets:file_cellule", code=membership.cellule.code)
    if not permissions.est_coordinateur(request.user):
        # An agent without a cellule has no queue; their people are in "Mes dossiers".
        return render(request, "trajets/files.html", {"lignes": [], "sans_cellule": True})
    cellules = Cellule.objects.for_user(request.user).filter(active=True)
    today = timezone.localdate()
    lignes = []
    for c in cellules:
        if queries.phases_de_cellule(c):
            lignes.append((c, queries.compteurs_file(request.user, c, today)))
    return render(request, "trajets/files.html", {"lignes": lignes})


@suivi_requis
def file_cellule(request, code):
    cellule = get_for_user(Cellule.objects, request.user, code=code)
    if not peut_voir_file_cellule(request.user, cellule):
        raise Http404  # another cellule's people: not the user's to see, nor to know about
    filtre = request.GET.get("filtre", "")
    if filtre not in {"", "nouveaux", "retard", "miens"}:
        filtre = ""
    today = timezone.localdate()
    qs = queries.file_cellule(request.user, cellule, today, filtre)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    journaliser_liste(request, page.object_list)  # stays: their people (page loaded once)
    return render(
        request,
        "trajets/file_cellule.html",
        {
            "cellule": cellule,
            "page": page,
            "filtre": filtre,
            "query": f"filtre={filtre}" if filtre else "",
            "compteurs": queries.compteurs_file(request.user, cellule, today),
            "aujourd_hui": today,
            "nouveau_depuis": today - datetime.timedelta(days=queries.JOURS_NOUVEAU),
        },
    )


@suivi_requis
def echeances(request):
    donnees = queries.echeances_par_statut(request.user, limite=MAX_ECHEANCES)
    en_retard, a_venir = donnees["en_retard"], donnees["a_venir"]
    journaliser_liste(request, [i.beneficiaire_id for i in en_retard + a_venir])
    _ajouter_liens(en_retard + a_venir)
    return render(
        request,
        "trajets/echeances.html",
        {
            # The oldest first; a very long backlog is cut in SQL (the counts say how many).
            **donnees,
            "max": MAX_ECHEANCES,
            "aujourd_hui": timezone.localdate(),
        },
    )


_MARQUE = 987654321  # a pk no URL contains otherwise: reversed once, then replaced


def _modele_url(name) -> str:
    try:
        return reverse(name, args=[_MARQUE])
    except NoReverseMatch:
        return ""


def _ajouter_liens(items) -> None:
    """The links of every line from one ``reverse`` per kind of link (then a string replace)."""
    personne = _modele_url("beneficiaires:detail") or _modele_url("trajets:journal")
    objets = {
        "evaluation": _modele_url("trajets:evaluation"),
        "signature": _modele_url("trajets:piis_detail"),
        "action": _modele_url("trajets:action_faite"),
    }
    marque = str(_MARQUE)
    for i in items:
        i.url_personne = personne.replace(marque, str(i.beneficiaire_id))
        i.url_objet = objets[i.genre].replace(marque, str(i.objet_id))


MAX_ECHEANCES = 200


# --- PIIS -------------------------------------------------------------------------------------


def _piis(request, piis_pk) -> Piis:
    piis = get_for_user(
        Piis.objects.select_related("beneficiaire", "agent", "avenant_de"), request.user, pk=piis_pk
    )
    _personne(request, piis.beneficiaire_id)
    return piis


def _objectifs_initiaux(piis):
    return [
        {"id": o.pk, "libelle": o.libelle, "echeance": o.echeance, "statut": o.statut}
        for o in piis.objectifs.all()
    ]


def _tiers_initiaux(piis):
    return [
        {"partenaire": t.partenaire_id, "nom": t.nom, "engagements": t.engagements}
        for t in piis.engagements_tiers.all()
    ]


def _donnees_formsets(objectifs_fs, tiers_fs):
    objectifs = [
        {
            "id": d.get("id"),
            "libelle": d["libelle"].strip(),
            "echeance": d.get("echeance"),
            "statut": d.get("statut"),
        }
        for d in objectifs_fs.cleaned_data
        if d and not d.get("DELETE") and (d.get("libelle") or "").strip()
    ]
    tiers = [
        {
            "partenaire": d.get("partenaire"),
            "nom": (d.get("nom") or "").strip(),
            "engagements": d["engagements"].strip(),
        }
        for d in tiers_fs.cleaned_data
        if d and not d.get("DELETE") and (d.get("engagements") or "").strip()
    ]
    return objectifs, tiers


def _derniere_decision_ris(b):
    from beneficiaires.models import DroitAide

    droit = (
        DroitAide.objects.filter(beneficiaire=b, date_decision__isnull=False)
        .order_by("-date_decision")
        .first()
    )
    return droit.date_decision if droit else None


@suivi_requis
def piis_nouveau(request, pk):
    b = _personne(request, pk)
    piis = Piis(cpas_id=b.cpas_id, beneficiaire=b, agent=request.user)
    return _piis_formulaire(request, b, piis)


@suivi_requis
def piis_modifier(request, piis_pk):
    piis = _piis(request, piis_pk)
    if not piis.modifiable:
        messages.warning(
            request,
            _(
                "Ce PIIS est signé et figé. Pour le changer, créez un avenant : "
                "la version signée est conservée."
            ),
        )
        return redirect("trajets:piis_detail", piis_pk=piis.pk)
    return _piis_formulaire(request, piis.beneficiaire, piis)


def _piis_formulaire(request, b, piis):
    creation = piis.pk is None
    conflit = None
    if request.method == "POST":
        form = f.PiisForm(request.POST, instance=piis, cpas_id=b.cpas_id)
        objectifs_fs = f.ObjectifFormSet(request.POST, prefix="obj")
        tiers_fs = f.TiersFormSet(request.POST, prefix="tiers")
        if form.is_valid() and objectifs_fs.is_valid() and tiers_fs.is_valid():
            objectifs, tiers = _donnees_formsets(objectifs_fs, tiers_fs)
            piis = form.save(commit=False)
            try:
                piis = services.enregistrer_piis(
                    piis, form.cleaned_data.get("version"), request.user, objectifs, tiers
                )
            except services.ConflitVersion as exc:
                conflit = exc
                data = request.POST.copy()
                data["version"] = exc.actuel.version
                form = f.PiisForm(data, instance=exc.actuel, cpas_id=b.cpas_id)
                form.is_valid()
                form.add_error(
                    None,
                    _(
                        "Quelqu'un a enregistré ce PIIS pendant que vous le modifiiez. Vos "
                        "changements ne sont PAS enregistrés : vérifiez ci-dessous ce qui a "
                        "changé, "
                        "puis enregistrez à nouveau pour confirmer votre version."
                    ),
                )
            except ValidationError as exc:
                form.add_error(None, _erreurs(exc))
            else:
                messages.success(request, _("PIIS enregistré."))
                return redirect("trajets:piis_detail", piis_pk=piis.pk)
    else:
        initial = {}
        if creation:
            initial["date_decision_ris"] = _derniere_decision_ris(b)
        form = f.PiisForm(instance=piis, cpas_id=b.cpas_id, initial=initial)
        objectifs_fs = f.ObjectifFormSet(
            prefix="obj", initial=[] if creation else _objectifs_initiaux(piis)
        )
        tiers_fs = f.TiersFormSet(prefix="tiers", initial=[] if creation else _tiers_initiaux(piis))
    journaliser_acces(request, b)
    return render(
        request,
        "trajets/piis_form.html",
        {
            "b": b,
            "piis": piis,
            "form": form,
            "objectifs_fs": objectifs_fs,
            "tiers_fs": tiers_fs,
            "creation": creation,
            "conflit": conflit,
        },
    )


@suivi_requis
def piis_detail(request, piis_pk):
    piis = _piis(request, piis_pk)
    journaliser_acces(request, piis.beneficiaire)
    today = timezone.localdate()
    from trajets import delais

    return render(
        request,
        "trajets/piis_detail.html",
        {
            "b": piis.beneficiaire,
            "piis": piis,
            "objectifs": piis.objectifs.all(),
            "tiers": piis.engagements_tiers.select_related("partenaire"),
            "evaluations": piis.evaluations.select_related("auteur").prefetch_related(
                "appreciations__objectif"
            ),
            "avenants": piis.avenants.all(),
            "etat_signature": delais.etat_signature(
                piis.date_decision_ris, piis.date_signature, today
            ),
            "conformite": services.conformite_evaluations(piis, today),
            "proposer_form": f.ProposerForm(initial={"date": today}),
            "signer_form": f.SignerForm(
                initial={"date": today, "debut": piis.debut or today, "fin": piis.fin}
            ),
            "cloturer_form": f.CloturerForm(initial={"date": today}),
            "aujourd_hui": today,
        },
    )


def _action_piis(request, piis, action):
    try:
        action()
    except services.ConflitVersion:
        messages.error(
            request,
            _("Quelqu'un a modifié ce PIIS entre-temps : relisez-le avant de recommencer."),
        )
    except ValidationError as exc:
        messages.error(request, _erreurs(exc))
    return redirect("trajets:piis_detail", piis_pk=piis.pk)


@require_POST
@suivi_requis
def piis_proposer(request, piis_pk):
    piis = _piis(request, piis_pk)
    form = f.ProposerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Date de proposition invalide."))
        return redirect("trajets:piis_detail", piis_pk=piis.pk)

    def action():
        services.proposer_piis(piis, form.cleaned_data["date"], request.user)
        messages.success(request, _("PIIS proposé à la personne."))

    return _action_piis(request, piis, action)


@require_POST
@suivi_requis
def piis_signer(request, piis_pk):
    piis = _piis(request, piis_pk)
    form = f.SignerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Date de signature invalide."))
        return redirect("trajets:piis_detail", piis_pk=piis.pk)
    d = form.cleaned_data

    def action():
        services.signer_piis(
            piis,
            d["date"],
            request.user,
            renonciation=d["renonciation"],
            debut=d["debut"],
            fin=d["fin"],
        )
        messages.success(request, _("PIIS signé. Son contenu est désormais figé."))

    return _action_piis(request, piis, action)


@require_POST
@suivi_requis
def piis_cloturer(request, piis_pk):
    piis = _piis(request, piis_pk)
    form = f.CloturerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez le résultat et la date."))
        return redirect("trajets:piis_detail", piis_pk=piis.pk)

    def action():
        services.cloturer_piis(
            piis, form.cleaned_data["statut"], form.cleaned_data["date"], request.user
        )
        messages.success(request, _("PIIS clôturé."))

    return _action_piis(request, piis, action)


@require_POST
@suivi_requis
def piis_avenant(request, piis_pk):
    piis = _piis(request, piis_pk)
    try:
        avenant = services.creer_avenant(piis, request.user)
    except ValidationError as exc:
        messages.error(request, _erreurs(exc))
        return redirect("trajets:piis_detail", piis_pk=piis.pk)
    messages.success(
        request,
        _("Avenant créé en brouillon. La version signée reste inchangée jusqu'à sa signature."),
    )
    return redirect("trajets:piis_modifier", piis_pk=avenant.pk)


@suivi_requis
def piis_pdf(request, piis_pk):
    """The printable PIIS (A4), in the person's language."""
    piis = _piis(request, piis_pk)
    journaliser_acces(request, piis.beneficiaire)
    from trajets.pdf import piis_pdf as rendre

    pdf = rendre(piis, request)
    response = HttpResponse(pdf, content_type="application/pdf")
    nom = f"piis-{piis.beneficiaire.nom.lower()}-{piis.pk}.pdf".replace(" ", "-")
    response["Content-Disposition"] = f'inline; filename="{nom}"'
    return response


@suivi_requis
def evaluation(request, evaluation_pk):
    ev = get_for_user(
        EvaluationPiis.objects.select_related("piis__beneficiaire", "etape"),
        request.user,
        pk=evaluation_pk,
    )
    piis = ev.piis
    b = _personne(request, piis.beneficiaire_id)
    if ev.date_tenue is None and not request.method == "POST":
        ev.date_tenue = min(timezone.localdate(), max(ev.date_prevue, timezone.localdate()))
    form = f.EvaluationForm(request.POST or None, instance=ev, objectifs=piis.objectifs.all())
    if request.method == "POST" and form.is_valid():
        try:
            services.enregistrer_evaluation(
                form.save(commit=False), request.user, form.appreciations()
            )
        except ValidationError as exc:
            form.add_error(None, _erreurs(exc))
        else:
            messages.success(request, _("Évaluation enregistrée et notée dans le journal."))
            return redirect("trajets:piis_detail", piis_pk=piis.pk)
    journaliser_acces(request, b)
    return render(
        request, "trajets/evaluation.html", {"b": b, "piis": piis, "ev": ev, "form": form}
    )


@require_POST
@suivi_requis
def evaluation_ajouter(request, piis_pk):
    """An extra evaluation (besides the planned ones), e.g. asked by the person."""
    piis = _piis(request, piis_pk)
    if piis.statut != StatutPiis.SIGNE:
        messages.error(request, _("Seul un PIIS signé en cours peut être évalué."))
        return redirect("trajets:piis_detail", piis_pk=piis.pk)
    ev = EvaluationPiis.objects.create(
        cpas_id=piis.cpas_id, piis=piis, date_prevue=timezone.localdate()
    )
    return redirect("trajets:evaluation", evaluation_pk=ev.pk)


# --- Article 60 -------------------------------------------------------------------------------


@suivi_requis
def contrat_nouveau(request, pk):
    b = _personne(request, pk)
    contrat = ContratArticle60(cpas_id=b.cpas_id, beneficiaire=b)
    form = f.ContratForm(
        request.POST or None, instance=contrat, initial={"debut": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        contrat = form.save(commit=False)
        contrat.fin_prevue = form.cleaned_data.get("fin_prevue")
        try:
            contrat = services.ouvrir_contrat(contrat, request.user)
        except ValidationError as exc:
            form.add_error(None, _erreurs(exc))
        else:
            messages.success(
                request,
                _(
                    "Contrat article 60 enregistré ; la personne est en phase Article 60 "
                    "depuis le %(date)s."
                )
                % {"date": f"{contrat.debut:%d/%m/%Y}"},
            )
            occ = queries.occupation_le(b.cpas_id, contrat.debut)
            if occ["pool"] is not None and occ["occupes"] > occ["total"]:
                messages.warning(
                    request,
                    _(
                        "Attention : le pool de postes article 60 est dépassé (%(occ)s postes "
                        "occupés "
                        "pour %(total)s disponibles au %(date)s)."
                    )
                    % {
                        "occ": occ["occupes"],
                        "total": occ["total"],
                        "date": f"{contrat.debut:%d/%m/%Y}",
                    },
                )
            if (
                contrat.economie_sociale
                and occ["pool"] is not None
                and occ["occupes_es"] > occ["total_es"]
            ):
                messages.warning(
                    request,
                    _(
                        "Attention : les postes en économie sociale sont tous occupés "
                        "(%(occ)s pour "
                        "%(total)s)."
                    )
                    % {"occ": occ["occupes_es"], "total": occ["total_es"]},
                )
            return redirect("trajets:contrat_detail", contrat_pk=contrat.pk)
    journaliser_acces(request, b)
    occ = queries.occupation_le(b.cpas_id, timezone.localdate())
    return render(request, "trajets/contrat_form.html", {"b": b, "form": form, "occupation": occ})


@suivi_requis
def fin_prevue_calcul(request, pk):
    """htmx: the planned end the rules propose for a start date and weekly hours."""
    b = _personne(request, pk)
    try:
        debut = datetime.date.fromisoformat(request.GET.get("debut", ""))
    except ValueError:
        debut = None
    try:
        heures = float(request.GET.get("heures_semaine") or 38)
    except ValueError:
        heures = 38
    proposee = services.fin_prevue_proposee(b, debut, heures) if debut else None
    occ = queries.occupation_le(b.cpas_id, debut) if debut else None
    return render(
        request,
        "trajets/_fin_prevue.html",
        {"proposee": proposee, "debut": debut, "occupation": occ, "b": b},
    )


@suivi_requis
def contrat_detail(request, contrat_pk):
    contrat = get_for_user(
        ContratArticle60.objects.select_related(
            "beneficiaire", "partenaire", "motif_fin", "passage"
        ),
        request.user,
        pk=contrat_pk,
    )
    b = _personne(request, contrat.beneficiaire_id)
    form = f.TerminerContratForm(
        request.POST or None,
        initial={"fin_reelle": min(contrat.fin_prevue, timezone.localdate())},
        cpas=contrat.cpas_id,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.terminer_contrat(
                contrat,
                form.cleaned_data["fin_reelle"],
                form.cleaned_data["motif_fin"],
                request.user,
            )
        except ValidationError as exc:
            form.add_error(None, _erreurs(exc))
        else:
            messages.success(
                request, _("Fin du contrat enregistrée ; le passage en Article 60 est clôturé.")
            )
            return redirect("trajets:contrat_detail", contrat_pk=contrat.pk)
    journaliser_acces(request, b)
    return render(
        request, "trajets/contrat_detail.html", {"b": b, "contrat": contrat, "form": form}
    )


def _nommer_visibles(request, contrats):
    """Name on the article 60 lists only the people the user may see (need-to-know: a
    director or functional administrator reads the posts, not who holds them); log them."""
    contrats = list(contrats)
    visibles = set(
        Beneficiaire.objects.visibles_par(request.user)
        .filter(pk__in={c.beneficiaire_id for c in contrats})
        .values_list("pk", flat=True)
    )
    for c in contrats:
        c.personne_visible = c.beneficiaire_id in visibles
    journaliser_liste(request, [c.beneficiaire_id for c in contrats if c.personne_visible])


@role_required(permissions.peut_voir_postes_article60)
def occupation(request):
    """Article 60 posts: the pool, occupancy today and by month, contracts ending soon."""
    cpas = request.cpas
    today = timezone.localdate()
    pool_form = None
    if permissions.est_coordinateur(request.user) or permissions.est_admin_cpas(request.user):
        pool_form = PoolForm(request.POST or None, initial={"valable_du": today})
        if request.method == "POST" and pool_form.is_valid():
            PoolArticle60.objects.update_or_create(
                cpas=cpas,
                valable_du=pool_form.cleaned_data["valable_du"],
                defaults={
                    "postes_total": pool_form.cleaned_data["postes_total"],
                    "postes_economie_sociale": pool_form.cleaned_data["postes_economie_sociale"],
                    "commentaire": pool_form.cleaned_data["commentaire"],
                },
            )
            messages.success(request, _("Pool de postes enregistré."))
            return redirect("trajets:occupation")
    elif request.method == "POST":
        raise PermissionDenied
    finissant = list(queries.contrats_finissant(cpas.pk, today))
    a_cloturer = list(queries.contrats_a_cloturer(cpas.pk, today))
    _nommer_visibles(request, finissant + a_cloturer)
    debut = today.replace(day=1) - relativedelta(months=11)
    par_mois = queries.occupation_par_mois(cpas.pk, debut, 18)
    maxi = max([r["occupes"] for r in par_mois] + [r["total"] or 0 for r in par_mois] + [1])
    for i, r in enumerate(par_mois):
        r["hauteur"] = round(90 * r["occupes"] / maxi, 1)
        r["x"] = i * 10 + 1
        r["y"] = round(100 - r["hauteur"], 1)
        r["y_pool"] = round(100 - 90 * r["total"] / maxi, 1) if r["total"] else None
        r["futur"] = r["mois"] > today
    return render(
        request,
        "trajets/occupation.html",
        {
            "occupation": queries.occupation_le(cpas.pk, today),
            "par_mois": par_mois,
            "largeur_svg": len(par_mois) * 10,
            "finissant": finissant,
            "a_cloturer": a_cloturer,
            "pools": PoolArticle60.objects.filter(cpas=cpas).order_by("-valable_du"),
            "pool_form": pool_form,
            "aujourd_hui": today,
            "jours": queries.JOURS_FIN_PROCHE,
        },
    )


class PoolForm(f.forms.ModelForm):
    class Meta:
        model = PoolArticle60
        fields = ["valable_du", "postes_total", "postes_economie_sociale", "commentaire"]
        widgets = {"valable_du": f.DateInput()}

    def clean(self):
        data = super().clean()
        if (data.get("postes_economie_sociale") or 0) > (data.get("postes_total") or 0):
            self.add_error(
                "postes_economie_sociale",
                _("Les postes en économie sociale font partie du total."),
            )
        return data

    def validate_unique(self):
        pass  # update_or_create on (cpas, valable_du)


@role_required(permissions.peut_voir_postes_article60)
def contrats_liste(request):
    """Contracts running on a date (default today): the list behind the occupancy counts."""
    try:
        date = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        date = timezone.localdate()
    qs = (
        ContratArticle60.objects.for_user(request.user)
        .actifs_le(date)
        .select_related("beneficiaire", "partenaire")
        .order_by("fin_prevue")
    )
    if request.GET.get("es") == "1":
        qs = qs.filter(economie_sociale=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    _nommer_visibles(request, page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "trajets/contrats_liste.html",
        {
            "page": page,
            "date": date,
            "query": query.urlencode(),
            "es": request.GET.get("es") == "1",
        },
    )
