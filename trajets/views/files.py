"""Work queues: the cellules' queues and "Mes échéances" (the agent's deadlines)."""

from __future__ import annotations

import datetime

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cpas_isp import permissions
from cpas_isp.audit import journaliser_liste
from cpas_isp.context_processors import lecture_cloche
from cpas_isp.listes import echapper, numero_demande, paginer, taille_demandee, url_par_pk
from cpas_isp.models import Cellule
from cpas_isp.tenancy import current_membership, get_for_user
from trajets import queries
from trajets.forms import FileCelluleFiltre
from trajets.permissions import peut_voir_file_cellule
from trajets.templatetags.trajets_tags import url_personne_par_pk
from trajets.views.commun import suivi_requis

# "Mes échéances": each list (overdue, coming) by pages of this many lines, its own page number
# in the query string (``PAGES_ECHEANCES``).
TAILLE_ECHEANCES = 50
PAGES_ECHEANCES = {"en_retard": "retard", "a_venir": "avenir"}


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
    lignes = [
        (c, queries.compteurs_file(request.user, c, today))
        for c in cellules
        if queries.phases_de_cellule(c)
    ]
    return render(request, "trajets/files.html", {"lignes": lignes})


def _cellule(request, code):
    """``get_for_user(Cellule.objects, user, code=code)``: the user's own cellule, read with
    their membership (the middleware's), without a query of its own."""
    membership = current_membership(request.user)
    propre = membership.cellule if membership is not None and membership.cellule_id else None
    if propre is not None and propre.cpas_id == membership.cpas_id and propre.code == code:
        return propre
    return get_for_user(Cellule.objects, request.user, code=code)


@suivi_requis
def file_cellule(request, code):
    cellule = _cellule(request, code)
    if not peut_voir_file_cellule(request.user, cellule):
        raise Http404  # another cellule's people: not the user's to see, nor to know about
    filtres = FileCelluleFiltre(request.GET)
    filtre = filtres.valeurs().get("filtre", "")
    today = timezone.localdate()
    rangees = queries.LignesFile(request.user, cellule, today, filtre)
    # The counters and the rows of the page asked for in one round trip (a number past the
    # end: the paginator's last page is read after them).
    taille = taille_demandee(request, None)
    # Junk, below 1 or past any list: page 1 read now (the paginator serves the last page).
    numero = numero_demande(request, taille) or 1
    compteurs = rangees.compteurs_et_tranche(
        (numero - 1) * taille, numero * taille, avec=lecture_cloche(request)
    )
    # The counters already count the rows of these filters: no second COUNT for the paginator.
    nombre = {"": "total", "nouveaux": "nouveaux", "retard": "retard"}.get(filtre)
    page = paginer(request, rangees, taille=taille, nombre=compteurs[nombre] if nombre else None)
    journaliser_liste(request, page.object_list)  # stays: their people (page loaded once)
    nouveau_depuis = today - datetime.timedelta(days=queries.JOURS_NOUVEAU)
    return render(
        request,
        "trajets/file_cellule.html",
        {
            "cellule": cellule,
            "page": page,
            "lignes": _lignes_file(page.object_list, nouveau_depuis),
            "filtre": filtre,
            "compteurs": compteurs,
            "aujourd_hui": today,
            "nouveau_depuis": nouveau_depuis,
        },
    )


def _lignes_file(lignes, nouveau_depuis):
    """The queue's rows (a page of ``queries.LigneFile``), written here rather than by a
    template loop (two dozen template nodes and three ``{% url %}`` a row were most of the
    page's time). Every text from the data is escaped."""
    url_personne = url_personne_par_pk()
    url_etape = url_par_pk("trajets:etape_rapide")
    url_orienter = url_par_pk("trajets:orienter")
    nouveau = f' <span class="badge text-bg-info">{escape(_("nouveau"))}</span>'
    signature = (
        f'<span class="badge text-bg-danger">{escape(_("PIIS non signé après 3 mois"))}</span>'
    )
    etape, orienter = escape(_("étape")), escape(_("Orienter vers…"))
    html_lignes = []
    for p in lignes:
        pk = p.beneficiaire_id
        a_faire = ""
        if p.actions_en_retard:
            n = p.actions_en_retard
            texte = ngettext("%(n)s action en retard", "%(n)s actions en retard", n) % {"n": n}
            a_faire = f'<span class="badge text-bg-danger">{echapper(texte)}</span> '
        a_faire += "\n      "
        if p.evaluations_en_retard:
            n = p.evaluations_en_retard
            texte = ngettext("%(n)s évaluation en retard", "%(n)s évaluations en retard", n) % {
                "n": n
            }
            a_faire += f'<span class="badge text-bg-danger">{echapper(texte)}</span> '
        a_faire += "\n      "
        if p.signature_piis_en_retard:
            a_faire += signature
        html_lignes.append(
            f'<tr data-personne="{pk}">\n'
            f'    <td><a href="{url_personne(pk)}">{echapper(p.personne)}</a>'
            f"{nouveau if p.debut >= nouveau_depuis else ''}</td>\n"
            f"    <td>{_jour(p.debut)}</td>\n"
            f"    <td>{echapper(p.suivi_par) if p.suivi_par else '—'}</td>\n"
            f"    <td>{_jour(p.derniere_etape) or '—'}</td>\n"
            f"    <td>{a_faire}</td>\n"
            '    <td class="text-end"><button type="button" class="btn btn-outline-primary '
            f'btn-sm" hx-get="{url_etape(pk)}?dans=ligne" hx-target="closest tr" '
            f'hx-swap="afterend" data-etape-ouvrir="{pk}">+ {etape}</button>\n'
            f'      <a class="btn btn-outline-secondary btn-sm" href="{url_orienter(pk)}">'
            f"{orienter}</a></td>\n"
            "  </tr>"
        )
    return mark_safe("".join(html_lignes))  # noqa: S308 - built from escaped values above


@suivi_requis
def echeances(request):
    """The user's items due: the overdue ones (oldest first) and the coming 30 days', each list
    by pages of TAILLE_ECHEANCES (``?retard=`` / ``?avenir=``), ordered and cut in SQL. A
    page past the end is the last one, junk the first (as ``paginer``)."""
    taille = TAILLE_ECHEANCES
    # Each list read up to its page's last line (a number below 1 or too large for a bigint
    # offset: wholly, its last page then taken from it).
    limites = []
    for param in PAGES_ECHEANCES.values():
        numero = numero_demande(request, taille, param)
        limites.append(None if numero is None else numero * taille)
    # The navbar's bell counted in the same round trip.
    donnees = queries.echeances_par_statut(
        request.user, limite=limites, avec=lecture_cloche(request)
    )
    # The lines read start each list: its page is their slice, its count the full one.
    pages = {
        cle: paginer(request, donnees[cle], taille=taille, param=param, nombre=donnees["n_" + cle])
        for cle, param in PAGES_ECHEANCES.items()
    }
    en_retard, a_venir = pages["en_retard"].object_list, pages["a_venir"].object_list
    journaliser_liste(request, [i.beneficiaire_id for i in en_retard + a_venir])
    _ajouter_liens(en_retard + a_venir)
    return render(
        request,
        "trajets/echeances.html",
        {
            "n_en_retard": donnees["n_en_retard"],
            "n_a_venir": donnees["n_a_venir"],
            "page_en_retard": pages["en_retard"],
            "page_a_venir": pages["a_venir"],
            "lignes_en_retard": _lignes(en_retard, "table-danger"),
            "lignes_a_venir": _lignes(a_venir, ""),
        },
    )


def _jour(date) -> str:
    return f"{date:%d/%m/%Y}" if date else ""


def _lignes(items, classe: str):
    """The table's rows, a page of TAILLE_ECHEANCES: written here rather than by a
    template loop (a dozen template nodes a row were half of the page's time). Every text
    from the data is escaped (``cpas_isp.listes.echapper``); each date is formatted once."""
    fait = escape(_("Fait"))
    jours = {}

    def jour(date):
        if date not in jours:
            jours[date] = _jour(date)
        return jours[date]

    # The texts lines repeat (the steps' types, a reference list; the kinds' labels) escaped
    # once each.
    textes = {}

    def texte(valeur):
        if valeur not in textes:
            textes[valeur] = echapper(valeur)
        return textes[valeur]

    lignes = []
    for i in items:
        if i.genre == "action":
            quoi = (
                f'{texte(i.libelle)} <span class="text-muted small">'
                f"({texte(i.type_libelle)} {jour(i.etape_date)})</span>"
            )
            bouton = (
                f'<span id="action-{i.objet_id}"><button class="btn btn-outline-success btn-sm" '
                f'hx-post="{echapper(i.url_objet)}" hx-target="#action-{i.objet_id}">{fait}'
                "</button></span>"
            )
        else:
            quoi = f'<a href="{echapper(i.url_objet)}">{texte(i.libelle)}</a>'
            bouton = ""
        lignes.append(
            f'<tr class="{classe}">\n  <td>{jour(i.date)}</td>\n'
            f'  <td><a href="{i.url_personne}">{echapper(i.personne)}</a></td>\n'
            f"  <td>{quoi}</td>\n"
            f'  <td class="text-end">{bouton}</td>\n</tr>'
        )
    return mark_safe("".join(lignes))  # noqa: S308 - built from escaped values above


def _ajouter_liens(items) -> None:
    """The links of every line from one ``reverse`` per kind of link (``url_par_pk``)."""
    personne = url_personne_par_pk()
    objets = {
        "evaluation": url_par_pk("trajets:evaluation", "evaluation_pk"),
        "signature": url_par_pk("trajets:piis_detail", "piis_pk"),
        "action": url_par_pk("trajets:action_faite", "etape_pk"),
        **{
            g: url_par_pk(src.url_objet, src.cle_url)
            for g, src in queries.SOURCES_ECHEANCES.items()
        },
    }
    for i in items:
        i.url_personne = personne(i.beneficiaire_id)
        i.url_objet = objets[i.genre](i.objet_id)
