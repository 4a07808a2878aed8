"""Article 60 pages: a new contract (with the planned end the rules propose), its detail and
end, the posts' occupancy and pool, and the list of contracts running on a date."""

from __future__ import annotations

import html

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from beneficiaires.models import Beneficiaire
from beneficiaires.models.personnes import voit_tout_le_cpas
from cpas_isp import permissions
from cpas_isp.audit import journaliser_acces, journaliser_liste
from cpas_isp.context_processors import lecture_cloche
from cpas_isp.contraintes import ajouter_au_formulaire
from cpas_isp.listes import Tri, paginer, url_par_pk
from cpas_isp.lots import executer_ensemble
from cpas_isp.memo import Memo
from cpas_isp.tenancy import current_membership, get_for_user
from cpas_isp.views import role_required
from trajets import queries
from trajets.forms import ContratForm, ContratsFiltre, FinPrevueForm, PoolForm, TerminerContratForm
from trajets.models.article60 import ContratArticle60, PoolArticle60
from trajets.services import article60 as services
from trajets.views.commun import personne, suivi_requis

postes_requis = role_required(permissions.peut_voir_postes_article60)

TRI_CONTRATS = Tri(
    {"fin": ["fin_prevue", "id"], "debut": ["debut", "id"], "fonction": ["fonction", "id"]},
    "fin",
)


@suivi_requis
def contrat_nouveau(request, pk):
    b = personne(request, pk)
    contrat = ContratArticle60(cpas_id=b.cpas_id, beneficiaire=b)
    form = ContratForm(
        request.POST or None, instance=contrat, initial={"debut": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        contrat = form.save(commit=False)
        contrat.fin_prevue = form.cleaned_data.get("fin_prevue")
        try:
            contrat = services.ouvrir_contrat(contrat, request.user)
        except ValidationError as exc:
            ajouter_au_formulaire(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Contrat article 60 enregistré ; la personne est en phase Article 60 "
                    "depuis le %(date)s."
                )
                % {"date": f"{contrat.debut:%d/%m/%Y}"},
            )
            for alerte in services.alertes_pool(contrat):
                messages.warning(request, alerte)
            return redirect("trajets:contrat_detail", contrat_pk=contrat.pk)
    journaliser_acces(request, b)
    occ = queries.occupation_le(b.cpas_id, timezone.localdate())
    return render(request, "trajets/contrat_form.html", {"b": b, "form": form, "occupation": occ})


@suivi_requis
def fin_prevue_calcul(request, pk):
    """htmx: the planned end the rules propose for a start date and weekly hours."""
    b = personne(request, pk)
    form = FinPrevueForm(request.GET)
    debut = proposee = occ = None
    if form.is_valid():
        debut = form.cleaned_data["debut"]
        heures = form.cleaned_data["heures_semaine"] or 38
        proposee = services.fin_prevue_proposee(b, debut, float(heures))
        occ = queries.occupation_le(b.cpas_id, debut)
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
    b = personne(request, contrat.beneficiaire_id)
    form = TerminerContratForm(
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
            ajouter_au_formulaire(form, exc)
        else:
            messages.success(
                request, _("Fin du contrat enregistrée ; le passage en Article 60 est clôturé.")
            )
            return redirect("trajets:contrat_detail", contrat_pk=contrat.pk)
    journaliser_acces(request, b)
    return render(
        request, "trajets/contrat_detail.html", {"b": b, "contrat": contrat, "form": form}
    )


def _cpas_personne(contrat):
    """The CPAS of a contract's person: a row of the posts page (``queries.LigneContrat``) or
    a contract read with its person."""
    if isinstance(contrat, queries.LigneContrat):
        return contrat.personne_cpas_id
    return contrat.beneficiaire.cpas_id


def _nommer_visibles(request, contrats):
    """Name on the article 60 lists only the people the user may see (need-to-know: a
    director or functional administrator reads the posts, not who holds them); log them."""
    contrats = list(contrats)
    if voit_tout_le_cpas(request.user):
        # visibles_par is then every person of the user's current CPAS: no query for it.
        cpas_id = current_membership(request.user).cpas_id
        visibles = {c.beneficiaire_id for c in contrats if _cpas_personne(c) == cpas_id}
    else:
        visibles = set(
            Beneficiaire.objects.visibles_par(request.user)
            .filter(pk__in={c.beneficiaire_id for c in contrats})
            .values_list("pk", flat=True)
        )
    for c in contrats:
        c.personne_visible = c.beneficiaire_id in visibles
    journaliser_liste(request, [c.beneficiaire_id for c in contrats if c.personne_visible])


# The empty pool form as crispy writes it, per (language, day): its only variable parts are
# the labels' language and today's date as the initial "valid from"; rendering it (a dozen
# crispy templates) was a third of the posts page's time.
_FORMULAIRES_POOL: Memo[str] = Memo(8)


def _html_formulaire_pool(form, today):
    """``{{ form|crispy }}``; the unbound form's rendered once a language and a day."""
    if form.is_bound:
        return as_crispy_form(form)
    cle = (get_language(), today)
    return _FORMULAIRES_POOL.obtenir(cle, lambda: as_crispy_form(form))


@postes_requis
def occupation(request):
    """Article 60 posts: the pool, occupancy today and by month, contracts ending soon."""
    cpas = request.cpas
    today = timezone.localdate()
    pool_form = None
    if permissions.est_coordinateur(request.user) or permissions.est_admin_cpas(request.user):
        instance = PoolArticle60(cpas=cpas)
        pool_form = PoolForm(request.POST or None, instance=instance, initial={"valable_du": today})
        if request.method == "POST" and pool_form.is_valid():
            try:
                services.enregistrer_pool(
                    cpas,
                    pool_form.cleaned_data.pop("valable_du"),
                    **pool_form.cleaned_data,
                )
            except ValidationError as exc:
                ajouter_au_formulaire(pool_form, exc)
            else:
                messages.success(request, _("Pool de postes enregistré."))
                return redirect("trajets:occupation")
    elif request.method == "POST":
        raise PermissionDenied
    # One round trip: the contracts' two lists; the CPAS's pools, read once (the list, today's
    # pool and the months' pools); today's occupancy and the months' from one query; the
    # navbar's bell.
    (finissant, a_cloturer, nombre_a_cloturer), (pools, occupation_du_jour, par_mois), *_c = (
        executer_ensemble(
            [
                queries.requete_contrats_de_la_page(cpas.pk, today),
                queries.requetes_occupation_et_barres(cpas.pk, today),
                *lecture_cloche(request),
            ]
        )
    )
    _nommer_visibles(request, finissant + a_cloturer)
    return render(
        request,
        "trajets/occupation.html",
        {
            "occupation": occupation_du_jour,
            "par_mois": par_mois,
            "largeur_svg": len(par_mois) * 10,
            **_html_mois(par_mois),
            "finissant": finissant,
            "lignes_finissant": _lignes_contrats(finissant, "\n  "),
            "a_cloturer": a_cloturer,
            "lignes_a_cloturer": _lignes_contrats(a_cloturer),
            "nombre_a_cloturer": nombre_a_cloturer,
            "pools": pools,
            "pool_form": pool_form,
            "html_pool_form": _html_formulaire_pool(pool_form, today) if pool_form else "",
            "aujourd_hui": today,
            "jours": queries.JOURS_FIN_PROCHE,
        },
    )


def _html_mois(par_mois) -> dict:
    """The chart's bars and the months' table (18 months), written here rather than by two
    template loops of a dozen nodes and three ``{% url %}`` a month. The chart's coordinates
    are written with a dot whatever the language (as ``{% localize off %}``: a number
    formatted for French or Dutch, ``10,0``, is no SVG length and the bar was not drawn)."""
    liste = reverse("trajets:contrats_liste")
    barres, lignes = [], []
    for r in par_mois:
        mois, occupes, total = r["mois"], r["occupes"], r["total"]
        depasse = bool(total) and occupes > total
        couleur = "#9ec5fe" if r["futur"] else "#dc3545" if depasse else "#0d6efd"
        x = r["x"]
        titre = _("%(quoi)s : %(valeur)s") % {"quoi": f"{mois:%m/%Y}", "valeur": occupes}
        barres.append(
            f'<rect x="{x}" y="{r["y"]}" width="8" height="{r["hauteur"]}" '
            f'fill="{couleur}"><title>{titre}</title></rect>\n    '
        )
        if r["y_pool"] is not None:
            y = r["y_pool"]
            barres.append(
                f'<line x1="{x}" x2="{x + 9}" y1="{y}" y2="{y}" stroke="#fd7e14" '
                'stroke-width="0.8"></line>'
            )
        jour = mois.isoformat()
        classe = ("text-muted" if r["futur"] else "") + (" table-warning" if depasse else "")
        prevu = f" ({escape(_('prévu'))})" if r["futur"] else ""
        taux = "" if r["taux"] is None else f"{r['taux']} %"
        lignes.append(
            f'<tr class="{classe}">\n'
            f"    <td>{escape(capfirst(date_format(mois, 'F Y')))}{prevu}</td>\n"
            f'    <td class="text-end"><a href="{liste}?date={jour}">{occupes}</a></td>\n'
            f'    <td class="text-end"><a href="{liste}?date={jour}&es=1">{r["occupes_es"]}'
            "</a></td>\n"
            f'    <td class="text-end">{"—" if total is None else total}</td>'
            '<td class="text-end">'
            f"{taux}</td></tr>"
        )
    return {
        "barres_mois": mark_safe("".join(barres)),  # noqa: S308 - numbers and dates only
        "lignes_mois": mark_safe("".join(lignes)),  # noqa: S308 - escaped texts, numbers
    }


def _lignes_contrats(contrats, apres="") -> str:
    """The rows of a list of contracts (person, function, employer, planned end), each
    followed by ``apres``; the person named only when ``personne_visible``."""
    url = url_par_pk("trajets:contrat_detail", "contrat_pk")
    cache = f'<span class="text-muted">{escape(_("Personne hors de vos dossiers"))}</span>'
    lignes = []
    for c in contrats:
        personne = cache
        if c.personne_visible:
            personne = f'<a href="{url(c.pk)}">{html.escape(str(c.beneficiaire))}</a>'

        lignes.append(
            f"<tr><td>{personne}</td><td>{html.escape(c.fonction)}</td>"
            f"<td>{html.escape(str(c.utilisateur_affiche))}</td><td>{c.fin_prevue:%d/%m/%Y}</td></tr>"
            f"{apres}"
        )
    return mark_safe("".join(lignes))  # noqa: S308 - built from escaped values above


@postes_requis
def contrats_liste(request):
    """Contracts running on a date (default today): the list behind the occupancy counts."""
    filtres = ContratsFiltre(request.GET)
    date = filtres.date_choisie()
    a_cloturer = filtres.valeurs().get("a_cloturer", False)
    qs = ContratArticle60.objects.for_user(request.user)
    # Either the contracts running on the date, or those past their planned end with no
    # actual end recorded (the occupancy page lists only the oldest of them).
    qs = qs.a_cloturer_le(timezone.localdate()) if a_cloturer else qs.actifs_le(date)
    qs = filtres.filter(qs.select_related("beneficiaire", "partenaire"))
    qs, tri = TRI_CONTRATS.appliquer(qs, request)
    page = paginer(request, qs)
    _nommer_visibles(request, page.object_list)
    return render(
        request,
        "trajets/contrats_liste.html",
        {
            "page": page,
            "date": date,
            "filtres": filtres,
            "tri": tri,
            "es": filtres.valeurs().get("es", False),
            "a_cloturer": a_cloturer,
        },
    )
