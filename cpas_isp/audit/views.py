"""The audit page of a CPAS (functional administrator): changes (who changed what field when),
consultations of files (the access log), and consultations per user and day with the unusual
ones flagged. Opening the page, or its CSV, is itself written in the access log."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from cpas_isp import permissions
from cpas_isp.audit import consultations as co
from cpas_isp.audit import journal
from cpas_isp.audit.evenements import MASQUE, date_heure, presenter
from cpas_isp.audit.forms import PERIODE_MAX_JOURS, VUES, FiltreAuditForm
from cpas_isp.audit.log import client_ip, journaliser_liste
from cpas_isp.context_processors import lecture_cloche
from cpas_isp.exports import reponse_csv
from cpas_isp.lots import executer_ensemble
from cpas_isp.models import JournalAcces
from cpas_isp.views import role_required

TAILLE_PAGE = 50
CSV_MAX_LIGNES = 100_000
CSV_LOT = 2000


def _journaliser(request, personnes, objet):
    """The audit page is itself in the access log, even when it showed nobody."""
    row = journaliser_liste(request, personnes, objet=objet)
    if row is None:
        row = JournalAcces.objects.create(
            user=request.user,
            cpas=request.cpas,
            personnes=[],
            objet=objet[:300],
            page=request.get_full_path()[:500],
            ip=client_ip(request),
        )
    return row


# --- Changes --------------------------------------------------------------------------------


def _changements_texte(e):
    parts = []
    for label, avant, apres in e.changements:
        if avant is None and apres is None:
            parts.append(f"{label} ({MASQUE})")
        else:
            parts.append(f"{label}: {avant} → {apres}")
    return " ; ".join(parts)


def _csv_journalise(request, nom, objet, header, lignes):
    """Stream ``lignes`` (pairs: CSV row, id of the person it shows or None) as a CSV file. The
    access log row is written first and names, once the file is complete, everyone it showed."""
    row = _journaliser(request, [], objet)

    def rows():
        vus = set()
        for ligne, personne in lignes:
            if personne:
                vus.add(personne)
            yield ligne
        JournalAcces.objects.filter(pk=row.pk).update(personnes=sorted(vus))

    return reponse_csv(nom, header, rows())


def _modifications_csv(request, f):
    cpas = request.cpas

    def lignes():
        curseur, total = None, 0
        while total < CSV_MAX_LIGNES:
            events, curseur = journal.page_evenements(cpas, f, curseur, CSV_LOT)
            presenter(events, request.user, cpas)
            for e in events:
                ligne = (
                    e.quand_texte,
                    e.auteur,
                    e.origine,
                    e.contexte.get("ip") or "",
                    e.objet,
                    e.personne,
                    e.libelle_action,
                    _changements_texte(e),
                )
                yield ligne, e.personne_id
            total += len(events)
            if curseur is None:
                break

    header = [
        _("quand"),
        _("utilisateur"),
        _("origine"),
        _("adresse IP"),
        _("objet"),
        _("personne"),
        _("action"),
        _("champs modifiés"),
    ]
    objet = _("export CSV du journal des modifications")
    return _csv_journalise(request, f"modifications-{cpas.code}.csv", objet, header, lignes())


def _modifications(request, form, contexte):
    cpas = request.cpas
    f = form.filtres()
    if request.GET.get("format") == "csv":
        return _modifications_csv(request, f)
    curseur = journal.Curseur.decoder(request.GET.get("apres"))
    # The user filter's choices (the CPAS's users, read now rather than by the template, in
    # the round trip of the events' keys): the authors' names without a query of their own
    # when they are among them. The navbar's bell counted in the same round trip.
    (events, suivant), utilisateurs, *_cloche = executer_ensemble(
        [
            journal.requetes_page_evenements(cpas, f, curseur, TAILLE_PAGE),
            form.requete_choix_utilisateurs(),
            *lecture_cloche(request),
        ]
    )
    membres = {u.pk: str(u) for u in utilisateurs}
    presenter(events, request.user, cpas, membres)
    _journaliser(
        request,
        [e.personne_id for e in events if e.personne_id],
        _("journal d'audit : modifications"),
    )
    contexte.update(
        events=events,
        suivant=suivant.encoder() if suivant else "",
        premiere=curseur is None,
        personnes_trouvees=f.personnes,
    )
    return render(request, "cpas_isp/audit.html", contexte)


# --- Consultations --------------------------------------------------------------------------


def _consultations(request, form, contexte):
    f = form.filtres()
    qs = co.consultations_qs(request.user, f)
    if request.GET.get("format") == "csv":

        def lignes():
            total, suite = 0, qs
            while total < CSV_MAX_LIGNES:
                lot = co.decrire_consultations(request.user, request.cpas, list(suite[:CSV_LOT]))
                for a in lot:
                    ligne = (
                        date_heure(a.quand),
                        str(a.user),
                        a.nature,
                        a.personne,
                        a.nb_personnes,
                        a.chemin,
                        a.ip or "",
                    )
                    yield ligne, a.personnes[0] if a.nb_personnes == 1 else None
                if len(lot) < CSV_LOT:
                    break
                total += len(lot)
                dernier = lot[-1]  # keyset: the next rows come after the last one written
                suite = qs.filter(
                    Q(quand__lt=dernier.quand) | Q(quand=dernier.quand, id__lt=dernier.pk)
                )

        header = [
            _("quand"),
            _("utilisateur"),
            _("dossier"),
            _("personne"),
            _("nombre de personnes"),
            _("page"),
            _("adresse IP"),
        ]
        objet = _("export CSV du journal des consultations")
        nom = f"consultations-{request.cpas.code}.csv"
        return _csv_journalise(request, nom, objet, header, lignes())
    curseur = co.curseur_consultation(request.GET.get("apres"))
    if curseur is not None:
        quand, pk = curseur
        qs = qs.filter(Q(quand__lt=quand) | Q(quand=quand, id__lt=pk))
    rows = co.decrire_consultations(request.user, request.cpas, list(qs[: TAILLE_PAGE + 1]))
    suivant = ""
    if len(rows) > TAILLE_PAGE:
        rows = rows[:TAILLE_PAGE]
        suivant = f"{rows[-1].quand.isoformat()}~{rows[-1].pk}"
    _journaliser(
        request,
        [r.personnes[0] for r in rows if r.nb_personnes == 1],
        _("journal d'audit : consultations"),
    )
    contexte.update(consultations=rows, suivant=suivant, premiere=curseur is None)
    return render(request, "cpas_isp/audit.html", contexte)


def _utilisateurs(request, form, contexte):
    f = form.filtres()
    au = f.au or timezone.localdate()
    du = f.du or au - datetime.timedelta(days=29)
    if (au - du).days > PERIODE_MAX_JOURS:
        du = au - datetime.timedelta(days=PERIODE_MAX_JOURS)
    lignes = co.consultations_par_utilisateur(request.cpas, du, au, f.utilisateur)
    _journaliser(request, [], _("journal d'audit : consultations par utilisateur"))
    contexte.update(
        lignes=lignes,
        periode=(du, au),
        regle={
            "hors": co.SEUIL_HORS_PORTEFEUILLE,
            "pic": co.SEUIL_PIC,
            "facteur": co.FACTEUR_PIC,
            "jours": co.JOURS_HABITUDE,
        },
    )
    return render(request, "cpas_isp/audit.html", contexte)


@role_required(permissions.peut_voir_audit)
def audit(request):
    form = FiltreAuditForm(request.GET or None, cpas=request.cpas)
    if form.is_bound:
        form.is_valid()  # the valid filters apply; the others show their error
    vue = form.vue_choisie
    contexte = {"form": form, "vue": vue, "vues": VUES}
    if vue == "consultations":
        return _consultations(request, form, contexte)
    if vue == "utilisateurs":
        return _utilisateurs(request, form, contexte)
    return _modifications(request, form, contexte)
