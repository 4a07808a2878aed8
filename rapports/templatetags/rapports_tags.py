"""Template helpers of the dashboards and the PDF: phase labels, dict lookups, and numbers that
link to the list of people behind them (when the viewer may open that list)."""

from __future__ import annotations

import html
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote_plus

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.base import render_value_in_context
from django.template.defaultfilters import floatformat
from django.urls import get_script_prefix, reverse
from django.utils.formats import date_format, get_format, localize, number_format
from django.utils.html import conditional_escape, escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cpas_isp.graphiques import pour_pdf
from cpas_isp.listes import echapper, echapper_conditionnel
from cpas_isp.memo import Memo
from cpas_isp.templatetags.fige import fige
from trajets.models import ClasseSortie, Phase

register = template.Library()


# --- Constant markup ---------------------------------------------------------------------------

# ``{% fige %}`` lives in cpas_isp (``{% load fige %}``), for every app; re-exported here.
register.tag("fige", fige)


@register.filter
def cle(mapping, key):
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return ""


@register.filter
def graphique_pdf(graphique):
    """A chart as the PDF embeds it (``cpas_isp.graphiques.pour_pdf``)."""
    return pour_pdf(graphique)


@register.filter
def libelle_phase(code):
    try:
        return Phase(code).label
    except ValueError:
        return code


@register.filter
def libelle_classe(code):
    try:
        return ClasseSortie(code).label
    except ValueError:
        return _("Non classée")


_PREFIXES: dict = {}


def _prefixe(liens) -> str | None:
    """The start of every link of a table: ``<a href="<list URL>?<base filters>&indicateur=``,
    built once per set of base filters, language and script prefix (None when a filter value
    cannot be a cache key)."""
    try:
        cle = (get_script_prefix(), get_language(), tuple(liens.items()))
        return _PREFIXES[cle]
    except TypeError:
        return None
    except KeyError:
        pass
    if len(_PREFIXES) > 1000:
        _PREFIXES.clear()
    url = f"{reverse('rapports:personnes')}?{urlencode(liens)}"
    titre = escape(_("Voir les personnes"))
    _PREFIXES[cle] = f'<a title="{titre}" class="lien-nombre" href="{escape(url)}&amp;indicateur='

    return _PREFIXES[cle]


def _valeur(value) -> str:
    if value is None:
        return "aucun"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


#: language -> (NUMBER_GROUPING, THOUSAND_SEPARATOR), read once (``get_format`` per figure
#: was a tenth of the dashboard's rendering)
_GROUPEMENTS: dict = {}


@setting_changed.connect
def _oublier_groupements(**kwargs):
    _GROUPEMENTS.clear()


def _nombre(valeur, langue=None) -> str:
    """``number_format(valeur, force_grouping=True)``, quicker for the integers the
    dashboards show (groups of three: Python's own grouping, then the language's separator).
    ``langue``: the active language when the caller already has it."""
    if type(valeur) is int:
        langue = langue or get_language()
        try:
            groupement, separateur = _GROUPEMENTS[langue]
        except KeyError:
            groupement, separateur = _GROUPEMENTS[langue] = (
                get_format("NUMBER_GROUPING", langue),
                get_format("THOUSAND_SEPARATOR", langue),
            )
        if groupement == 3:
            return f"{valeur:,}".replace(",", separateur)
    return number_format(valeur, force_grouping=True)


@lru_cache(maxsize=4096)
def _quote(texte: str) -> str:
    return quote_plus(texte)


@register.simple_tag
def lien_nombre(valeur, liens, indicateur, **params):
    """The number, as a link to its people when ``liens`` (the base filters dict) is given.

    Dashboards show hundreds of figures: the list URL and the base filters are encoded once
    per table (``_prefixe``), each figure only appends its own few parameters."""
    texte = _nombre(valeur or 0)
    if not liens or not valeur:
        return texte
    prefixe = _prefixe(liens) if not (params.keys() & liens.keys()) else None
    return _lien(texte, liens, indicateur, params, prefixe)


def _lien(texte, liens, indicateur, params, prefixe):
    if prefixe is None:
        query = {**liens, "indicateur": indicateur}
        query.update((key, _valeur(value)) for key, value in params.items())
        url = f"{reverse('rapports:personnes')}?{urlencode(query)}"
        return format_html(
            '<a title="{}" class="lien-nombre" href="{}">{}</a>',
            _("Voir les personnes"),
            url,
            texte,
        )
    suite = "".join(f"&amp;{_quote(k)}={_quote(_valeur(v))}" for k, v in params.items())
    # html.escape: django.utils.html.escape's own work without its lazy-string wrapper
    return mark_safe(f'{prefixe}{_quote(str(indicateur))}{suite}">{html.escape(texte)}</a>')


@register.simple_tag
def cellules_nombres(valeurs, cles, liens, indicateur, cle_param, **params):
    """``<td>`` + ``lien_nombre`` + ``</td>`` for each key of ``cles`` (a table row's cells by
    phase or class), the key passed as the parameter ``cle_param``: one tag per row instead
    of one per figure, the language and the links' start looked up once per row.
    ``cle_param`` keeps its place among ``params`` when it is one of them (``phase=None`` in
    the tag), so the links are the ones ``lien_nombre`` makes."""
    if cle_param not in params:
        params[cle_param] = None
    prefixe = _prefixe(liens) if liens and not (params.keys() & liens.keys()) else None
    return mark_safe(
        _cellules_nombres(
            valeurs, cles, liens, indicateur, cle_param, params, get_language(), prefixe
        )
    )


def _cellules_nombres(valeurs, cles, liens, indicateur, cle_param, params, langue, prefixe):
    """``cellules_nombres``'s cells, the language and the links' start (``_prefixe``) given
    (by a table's tag, once for its rows); ``params`` holds ``cle_param``."""
    if not liens:
        return "".join(
            f"<td>{html.escape(_nombre(cle(valeurs, c) or 0, langue))}</td>" for c in cles
        )
    if prefixe is not None:
        # The links' text before the key's value and after it (the parameters that follow
        # the key's, ``phase=None`` in the middle) is the row's: encoded once.
        avant, apres = [], []
        suite = avant
        for k, v in params.items():
            if k == cle_param:
                suite = apres
            else:
                suite.append(f"&amp;{_quote(k)}={_quote(_valeur(v))}")
        debut = f"{prefixe}{_quote(str(indicateur))}{''.join(avant)}&amp;{_quote(cle_param)}="
        fin = "".join(apres) + '">'
        cellules = []
        for cle_ in cles:
            valeur = cle(valeurs, cle_)
            texte = html.escape(_nombre(valeur or 0, langue))
            if valeur:
                cellules.append(f"<td>{debut}{_quote(_valeur(cle_))}{fin}{texte}</a></td>")
            else:
                cellules.append(f"<td>{texte}</td>")
        return "".join(cellules)
    cellules = []
    for cle_ in cles:
        valeur = cle(valeurs, cle_)
        texte = _nombre(valeur or 0, langue)
        if valeur:
            params[cle_param] = cle_
            texte = _lien(texte, liens, indicateur, params, prefixe)
        if not isinstance(texte, SafeString):
            texte = html.escape(texte)
        cellules.append(f"<td>{texte}</td>")
    return "".join(cellules)


@register.simple_tag(takes_context=True)
def boutons_export(context, table):
    """The CSV and XLSX buttons of one dashboard table: ``export_debut`` + table + "." +
    format + ``export_requete`` (``rapports.views._liens_export``), in the markup the
    ``_export.html`` include gave, without an include per table."""
    debut = conditional_escape(context.get("export_debut", ""))
    requete = conditional_escape(context.get("export_requete", ""))
    table = conditional_escape(table)
    return mark_safe(
        '<div class="btn-group btn-group-sm float-end" role="group" aria-label="'
        f'{conditional_escape(_("Exporter"))}">\n'
        f'  <a class="btn btn-outline-secondary" href="{debut}{table}.csv{requete}">CSV</a>\n'
        f'  <a class="btn btn-outline-secondary" href="{debut}{table}.xlsx{requete}">XLSX</a>\n'
        "</div>\n"
    )


# --- Whole table bodies ----------------------------------------------------------------------
# The dashboards' larger tables: each row built here with the cells ``lien_nombre`` and
# ``cellules_nombres`` give, in the markup (whitespace included) the templates' loops gave,
# instead of a dozen template nodes per row.


def _cellules(liens, *cles):
    """A function giving ``{% lien_nombre valeur liens indicateur **params %}`` as the
    template outputs it (escaped when not a link), for the figures of one table whose
    parameters are ``cles``: the language and the links' start looked up once."""
    langue = get_language()
    prefixe = _prefixe(liens) if liens and not (set(cles) & liens.keys()) else None

    def cellule(valeur, indicateur, **params):
        texte = _nombre(valeur or 0, langue)
        if not liens or not valeur:
            return html.escape(texte)
        return _lien(texte, liens, indicateur, params, prefixe)

    return cellule


#: language -> DECIMAL_SEPARATOR
_SEPARATEURS: dict = {}


@setting_changed.connect
def _oublier_separateurs(**kwargs):
    _SEPARATEURS.clear()


def _deux_decimales(taux) -> str:
    """``floatformat(taux, 2)``, quicker for the rates the dashboards show (``Decimal`` with
    two decimals, from ``taux_pourcent``): their digits with the language's separator."""
    if (
        type(taux) is Decimal
        and taux.as_tuple().exponent == -2
        and taux >= 0
        and not settings.USE_THOUSAND_SEPARATOR  # floatformat would group then
    ):
        langue = get_language()
        try:
            separateur = _SEPARATEURS[langue]
        except KeyError:
            separateur = _SEPARATEURS[langue] = get_format("DECIMAL_SEPARATOR", langue)
        return str(taux).replace(".", separateur)
    return floatformat(taux, 2)


def _une_decimale(valeur) -> str:
    """``floatformat(valeur, 1)``, quicker for the rates per week the dashboards show (a float
    already rounded to one decimal, ``round(x, 1)``): its shortest digits, which are those
    ``floatformat`` rounds, with the language's separator."""
    if type(valeur) is float and valeur >= 0 and not settings.USE_THOUSAND_SEPARATOR:
        texte = repr(valeur)
        entier, point, decimales = texte.partition(".")
        if point and len(decimales) == 1 and entier.isdigit():
            langue = get_language()
            try:
                separateur = _SEPARATEURS[langue]
            except KeyError:
                separateur = _SEPARATEURS[langue] = get_format("DECIMAL_SEPARATOR", langue)
            return f"{entier}{separateur}{decimales}"
    return floatformat(valeur, 1)


@register.filter(name="pourcentage")
def _pourcentage(taux) -> str:
    """``{% if taux is None %}—{% else %}{{ taux|floatformat:2 }} %{% endif %}``"""
    return "—" if taux is None else f"{_deux_decimales(taux)} %"


@register.simple_tag(takes_context=True)
def total_flux(context, total, mode, phases, classes):
    """The total row's cells of ``_table_flux.html`` (``total``: ``Flux.total``), as its
    ``{% if mode %}`` branches and their loops of ``{{ … }}`` gave them."""

    def valeur(v):
        return render_value_in_context(v, context)

    if mode == "classes":
        cellules = "".join(f"<td>{valeur(cle(total.sorties_par_classe, c))}</td>" for c in classes)
        fin = (
            f"\n        <td>{valeur(total.total_sorties)}</td>"
            f"\n        <td>{valeur(_pourcentage(total.taux_sortie_positive))}</td>"
        )
    else:
        par_phase = total.entrees if mode == "entrees" else total.sorties
        somme = total.total_entrees if mode == "entrees" else total.total_sorties
        cellules = "".join(f"<td>{valeur(cle(par_phase, p))}</td>" for p in phases)
        fin = f"\n        <td>{valeur(somme)}</td>"
    return mark_safe(f"\n        {cellules}{fin}\n      ")


#: (table, script prefix, language, its figures and links' filters) -> its rows: a function of
#: these only, the same from one view of a dashboard to the next until the data changes (the
#: larger tables cost 0.1 to 0.4 ms each to write)
_LIGNES: Memo[SafeString] = Memo(512)


def _memorise(cle, ecrire) -> SafeString:
    # A value that cannot be a key is written every time.
    return _LIGNES.obtenir((get_script_prefix(), get_language(), *cle), ecrire)


def _cle_liens(liens):
    return tuple(liens.items()) if liens else liens


@register.simple_tag
def lignes_flux(flux, mode, phases, classes, liens):
    """The rows of ``_table_flux.html`` (``mode``: "entrees", "sorties" or "classes")."""
    mois = tuple(
        (
            m.mois,
            tuple(m.entrees.items()),
            tuple(m.sorties.items()),
            tuple(m.sorties_par_classe.items()),
        )
        for m in flux.mois
    )
    cle = ("flux", mode, tuple(phases), tuple(classes), _cle_liens(liens), mois)
    return _memorise(cle, lambda: _lignes_flux(flux, mode, phases, classes, liens))


def _lignes_flux(flux, mode, phases, classes, liens):
    cellule = _cellules(liens, "mois")
    langue = get_language()
    cle_param = "classe" if mode == "classes" else "phase"
    prefixe = _prefixe(liens) if liens and not ({"mois", cle_param} & liens.keys()) else None

    def cellules_nombres(valeurs, cles, liens, indicateur, cle_param, mois):
        params = {"mois": mois, cle_param: None}
        return _cellules_nombres(
            valeurs, cles, liens, indicateur, cle_param, params, langue, prefixe
        )

    lignes = []
    for m in flux.mois:
        if mode == "classes":
            cellules = cellules_nombres(
                m.sorties_par_classe, classes, liens, "sorties", "classe", mois=m.mois
            )
            total = cellule(m.total_sorties, "sorties", mois=m.mois)
            fin = (
                f'\n        <td class="fw-semibold">{total}</td>'
                f'\n        <td class="fw-semibold">{_pourcentage(m.taux_sortie_positive)}</td>'
            )
        elif mode == "entrees":
            cellules = cellules_nombres(m.entrees, phases, liens, "entrees", "phase", mois=m.mois)
            total = cellule(m.total_entrees, "entrees", mois=m.mois)
            fin = f'\n        <td class="fw-semibold">{total}</td>'
        else:
            cellules = cellules_nombres(m.sorties, phases, liens, "sorties", "phase", mois=m.mois)
            total = cellule(m.total_sorties, "sorties", mois=m.mois)
            fin = f'\n        <td class="fw-semibold">{total}</td>'
        lignes.append(
            f'\n    <tr>\n      <th scope="row" class="text-start">{m.mois:%m/%Y}</th>\n      '
            f"\n        {cellules}{fin}\n      \n    </tr>\n    "
        )
    return mark_safe("".join(lignes))


COLONNES_ORIENTATIONS = (
    "orientees",
    "envoyees",
    "acceptees",
    "refusees",
    "en_attente",
    "terminees",
    "positives",
)


@register.simple_tag
def lignes_orientations(orientations, liens):
    """The rows of the referrals per partner table (``_section_orientations.html``)."""
    lignes = tuple(
        (o.partenaire_id, str(o.partenaire), *(getattr(o, c) for c in COLONNES_ORIENTATIONS))
        for o in orientations
    )
    cle = ("orientations", _cle_liens(liens), lignes)
    return _memorise(cle, lambda: _lignes_orientations(orientations, liens))


def _lignes_orientations(orientations, liens):
    cellule = _cellules(liens, "partenaire")
    langue = get_language()
    prefixe = _prefixe(liens) if liens and "partenaire" not in liens else None
    indicateurs = [(c, _quote(f"orient_{c}")) for c in COLONNES_ORIENTATIONS]
    lignes = []
    for o in orientations:
        if prefixe is None:
            cellules = "".join(
                f"\n        <td>"
                f"{cellule(getattr(o, c), f'orient_{c}', partenaire=o.partenaire_id)}</td>"
                for c in COLONNES_ORIENTATIONS
            )
        else:  # ``cellule``'s links, the partner's parameter encoded once per row
            suite = f'&amp;partenaire={_quote(_valeur(o.partenaire_id))}">'
            cellules = "".join(
                f"\n        <td>{prefixe}{indicateur}{suite}"
                f"{html.escape(_nombre(valeur, langue))}</a></td>"
                if (valeur := getattr(o, c))
                else f"\n        <td>{html.escape(_nombre(0, langue))}</td>"
                for c, indicateur in indicateurs
            )
        lignes.append(
            f'\n      <tr>\n        <th scope="row" class="text-start">'
            f"{conditional_escape(o.partenaire)}</th>{cellules}"
            f"\n        <td>{_pourcentage(o.taux_acceptation)}</td>\n      </tr>\n    "
        )
    return mark_safe("".join(lignes))


@register.simple_tag
def lignes_delais(delais, liens):
    """The rows of the delays to the first appointment (``_section_rendez_vous.html``)."""
    lignes = tuple(
        (
            d.cle,
            d.phase,
            str(d.libelle),
            d.code,
            d.total,
            d.atteints,
            d.mediane,
            d.echus,
            d.dans_delai,
            d.en_attente,
        )
        for d in delais
    )
    cle = ("delais", _cle_liens(liens), lignes)
    return _memorise(cle, lambda: _lignes_delais(delais, liens))


def _lignes_delais(delais, liens):
    cellule = _cellules(liens, "delai", "quoi")
    lignes = []
    for d in delais:
        classe = ' class="fw-semibold"' if d.cle == "phase" and not d.phase else ""
        mediane = (
            "—"
            if d.mediane is None
            else cellule(d.mediane, "rdv_delai", delai=d.code, quoi="atteints")
        )
        cellules = (
            cellule(d.total, "rdv_delai", delai=d.code, quoi="total"),
            cellule(d.atteints, "rdv_delai", delai=d.code, quoi="atteints"),
            mediane,
            cellule(d.echus, "rdv_delai", delai=d.code, quoi="echus"),
            cellule(d.dans_delai, "rdv_delai", delai=d.code, quoi="dans_delai"),
            _pourcentage(d.taux_dans_delai),
            cellule(d.en_attente, "rdv_delai", delai=d.code, quoi="en_attente"),
        )
        lignes.append(
            f'\n      <tr{classe}>\n        <th scope="row" class="text-start">'
            f"{conditional_escape(d.libelle)}</th>"
            + "".join(f"\n        <td>{c}</td>" for c in cellules)
            + "\n      </tr>\n    "
        )
    return mark_safe("".join(lignes))


@register.simple_tag
def lignes_absences(lignes, liens, cle_param):
    """The rows of the no-shows per kind (``cle_param`` "type_rdv") or per origin ("origine")
    of ``_section_rendez_vous.html``."""
    rangees = tuple(
        (
            ligne.type_id if cle_param == "type_rdv" else ligne.origine,
            str(ligne.libelle),
            ligne.vus,
            ligne.absents,
            ligne.excuses,
        )
        for ligne in lignes
    )
    cle = ("absences", cle_param, _cle_liens(liens), rangees)
    return _memorise(cle, lambda: _lignes_absences(lignes, liens, cle_param))


def _lignes_absences(lignes, liens, cle_param):
    cellule = _cellules(liens, "issue", cle_param)
    rangees = []
    for ligne in lignes:
        valeur = ligne.type_id if cle_param == "type_rdv" else ligne.origine
        issues = ((ligne.vus, "vu"), (ligne.absents, "absent"), (ligne.excuses, "excuse"))
        cellules = "".join(
            f"\n        <td>{cellule(n, 'rdv_issue', issue=issue, **{cle_param: valeur})}</td>"
            for n, issue in issues
        )
        rangees.append(
            f'\n      <tr>\n        <th scope="row" class="text-start">'
            f"{conditional_escape(ligne.libelle)}</th>{cellules}"
            f"\n        <td>{conditional_escape(_pourcentage(ligne.taux_absence))}</td>"
            f"\n        <td>{conditional_escape(_pourcentage(ligne.taux_excuse))}</td>"
            "\n      </tr>\n    "
        )
    return mark_safe("".join(rangees))


@register.simple_tag
def lignes_participation(participation, phases, liens):
    """The rows of ``_table_participation.html``."""
    lignes = tuple(
        (ligne.date, ligne.ris_eris, tuple(ligne.phases.items()), ligne.isp)
        for ligne in participation
    )
    cle = ("participation", tuple(phases), _cle_liens(liens), lignes)
    return _memorise(cle, lambda: _lignes_participation(participation, phases, liens))


def _lignes_participation(participation, phases, liens):
    cellule = _cellules(liens, "date")
    langue = get_language()
    prefixe = _prefixe(liens) if liens and not ({"date", "phase"} & liens.keys()) else None
    lignes = []
    for ligne in participation:
        date = ligne.date
        phases_ = _cellules_nombres(
            ligne.phases,
            phases,
            liens,
            "phase",
            "phase",
            {"date": date, "phase": None},
            langue,
            prefixe,
        )
        lignes.append(
            f'\n    <tr>\n      <th scope="row" class="text-start">'
            f"{conditional_escape(date_format(date, 'SHORT_DATE_FORMAT'))}</th>"
            f"\n      <td>{cellule(ligne.ris_eris, 'ris_eris', date=date)}</td>"
            f"\n      {phases_}"
            f'\n      <td class="fw-semibold">{cellule(ligne.isp, "isp", date=date)}</td>'
            f'\n      <td class="fw-semibold">{_pourcentage(ligne.taux)}</td>\n    </tr>\n    '
        )
    return mark_safe("".join(lignes))


@register.simple_tag
def lignes_charge(charge, phases, liens, date):
    """The rows of the workload table (``tableau_de_bord.html``): each agent's name, their
    people per phase and their total, linked to the people on ``date``."""
    cellule = _cellules(liens, "date", "charge_agent")
    langue = get_language()
    prefixe = (
        _prefixe(liens)
        if liens and not ({"date", "phase", "charge_agent"} & liens.keys())
        else None
    )
    lignes = []
    for ligne in charge:
        params = {"date": date, "phase": None, "charge_agent": ligne.agent_id}
        cellules = _cellules_nombres(
            ligne.phases, phases, liens, "charge", "phase", params, langue, prefixe
        )
        total = cellule(ligne.total, "charge", date=date, charge_agent=ligne.agent_id)
        lignes.append(
            f'\n      <tr>\n        <th scope="row" class="text-start">{echapper(ligne.agent)}</th>'
            f'\n        {cellules}\n        <td class="fw-semibold">{total}</td>\n      </tr>\n    '
        )
    return mark_safe("".join(lignes))


@register.simple_tag(takes_context=True)
def lignes_agents_rdv(context, agents, liens):
    """The rows of the agents' appointments (``_section_rendez_vous.html``), with the next 14
    days' columns when the context's ``ecran`` is true (the page, not the PDF), as its
    ``{% if ecran %}`` gave them."""
    ecran = bool(context.get("ecran"))
    lignes = tuple(
        (a.agent_id, str(a.agent), a.rendez_vous, a.par_semaine, a.a_venir, a.creneaux_libres)
        for a in agents
    )
    cle = ("agents_rdv", ecran, _cle_liens(liens), lignes)
    return _memorise(cle, lambda: _lignes_agents_rdv(agents, liens, ecran))


def _lignes_agents_rdv(agents, liens, ecran):
    cellule = _cellules(liens, "charge_agent", "quoi")
    lignes = []
    for a in agents:
        par_semaine = "—" if a.par_semaine is None else _une_decimale(a.par_semaine)
        a_venir = (
            f"<td>{cellule(a.a_venir, 'rdv_agent', charge_agent=a.agent_id, quoi='a_venir')}</td>"
            f"\n        <td>{echapper(localize(a.creneaux_libres))}</td>"
            if ecran
            else ""
        )
        lignes.append(
            f'\n      <tr>\n        <th scope="row" class="text-start">{echapper(a.agent)}</th>'
            f"\n        <td>"
            f"{cellule(a.rendez_vous, 'rdv_agent', charge_agent=a.agent_id, quoi='periode')}</td>"
            f"\n        <td>{par_semaine}</td>\n        {a_venir}\n      </tr>\n    "
        )
    return mark_safe("".join(lignes))


@register.simple_tag
def lignes_cellules_rdv(cellules, liens):
    """The rows of the free slots and pending invitations per cellule
    (``_section_rendez_vous.html``), the cellules short of slots marked."""
    lignes = tuple(
        (str(c.cellule), c.code, c.creneaux_libres, c.invitations, c.alerte) for c in cellules
    )
    cle = ("cellules_rdv", _cle_liens(liens), lignes)
    return _memorise(cle, lambda: _lignes_cellules_rdv(cellules, liens))


def _lignes_cellules_rdv(cellules, liens):
    cellule = _cellules(liens, "cellule")
    # Not escaped: ``{% translate "…" %}`` of a literal string is safe (its apostrophe kept).
    alerte = _("Moins de créneaux que d'invitations")
    badge = f'<span class="badge text-bg-danger">{alerte}</span>'
    lignes = []
    for c in cellules:
        classe = ' class="table-danger"' if c.alerte else ""
        lignes.append(
            f"\n      <tr{classe}>"
            f'\n        <th scope="row" class="text-start">{echapper_conditionnel(c.cellule)}</th>'
            f"\n        <td>{echapper(localize(c.creneaux_libres))}</td>"
            f"\n        <td>{cellule(c.invitations, 'rdv_invitations', cellule=c.code)}</td>"
            f'\n        <td class="text-start">{badge if c.alerte else ""}</td>'
            "\n      </tr>\n    "
        )
    return mark_safe("".join(lignes))


# --- The filters form ------------------------------------------------------------------------

#: (form class, language, every field's rendering inputs) -> the fields' markup: the dashboard's
#: filters are the same from one view to the next (same choices, same values) and their
#: selects hold every agent of the CPAS (~0.5 ms to render)
_CHAMPS: Memo[SafeString] = Memo(256)


def _cle_champ(champ):
    """Everything ``champ`` (a bound field) is rendered from: its name, label, id, value,
    choices, state and errors, its widget's class and attributes."""
    field = champ.field
    valeur = champ.value()
    choix = getattr(field, "choices", None)
    return (
        champ.html_name,
        str(champ.label),
        champ.auto_id,
        champ.id_for_label,
        type(valeur),
        valeur,
        None if choix is None else tuple((type(v), v, str(t)) for v, t in choix),
        field.disabled,
        field.required,
        field.localize,
        str(field.help_text),
        tuple(str(e) for e in champ.errors),
        type(field.widget),
        tuple(field.widget.attrs.items()),
    )


@register.simple_tag
def champs_filtres(form):
    """The dashboard's filter fields, each a label, its widget and its errors, as the
    template's ``{% for field in form %}`` loop wrote them."""
    champs = list(form)
    try:
        cle = (
            type(form),
            get_language(),
            form.use_required_attribute,
            tuple(_cle_champ(c) for c in champs),
        )
    except TypeError:  # a value that cannot be a key
        return _champs_filtres(champs)
    return _CHAMPS.obtenir(cle, lambda: _champs_filtres(champs))


def _champs_filtres(champs):
    blocs = []
    for champ in champs:
        erreurs = "".join(
            f'<div class="text-danger small">{conditional_escape(e)}</div>' for e in champ.errors
        )
        blocs.append(
            '\n  <div class="col-12">\n    <label class="form-label small mb-0" '
            f'for="{conditional_escape(champ.id_for_label)}">'
            f"{conditional_escape(champ.label)}</label>\n    {conditional_escape(champ)}"
            f"\n    {erreurs}\n  </div>\n  "
        )
    return mark_safe("".join(blocs))


# --- Column headers --------------------------------------------------------------------------

_LIBELLES = {"phase": libelle_phase, "classe": libelle_classe}


@register.simple_tag
def entetes(codes, sorte):
    """``<th scope="col">`` + the label of each phase (``sorte`` "phase") or exit class
    ("classe") of ``codes`` + ``</th>``, as ``{% for %}`` loops of ``libelle_phase`` or
    ``libelle_classe`` wrote them; written once per language and codes."""
    libelle = _LIBELLES[sorte]
    return _memorise(
        ("entetes", sorte, tuple(codes)),
        lambda: mark_safe(
            "".join(f'<th scope="col">{conditional_escape(libelle(c))}</th>' for c in codes)
        ),
    )
