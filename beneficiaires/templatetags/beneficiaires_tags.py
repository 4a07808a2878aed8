"""The caseload's rows written in Python (``beneficiaires/_resultats.html``): the same HTML as a
``{% for %}`` over the page's rows, without rendering a dozen template nodes per row."""

from django import template
from django.template.defaulttags import querystring
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from cpas_isp.listes import echapper, echapper_conditionnel
from cpas_isp.memo import Memo

from ..queries import GROUPES_CIBLES

register = template.Library()


def _jj_mm_aaaa(date) -> str:
    """The date filter's "d/m/Y"."""
    return f"{date.day:02d}/{date.month:02d}/{date.year:04d}"


@register.simple_tag(takes_context=True)
def lignes_caseload(context, personnes, colonnes, peut_reattribuer):
    """The ``<tr>`` of the page's people (``liste``'s rows: ``url_fiche``, ``naissance``,
    ``colonnes_extensions``, the target groups annotated). A column an extension gives as a
    template (``column``, no ``cellules``) is rendered per row with ``b`` in the context, as an
    ``{% include %}`` would."""
    # As {% translate %} and {% blocktranslate %}: the translations themselves are not escaped.
    cloture = gettext("clôturé")
    selectionner = gettext("Sélectionner %(nom)s")
    depuis = gettext("depuis %(d)s")
    groupes = [(f"groupe_{code}", echapper(libelle)) for code, libelle in GROUPES_CIBLES]
    lignes = []
    for b in personnes:
        pk = int(b.pk)
        choix = (
            '<td><input class="form-check-input" type="checkbox" form="form-reattribution" '
            f'name="personnes" value="{pk}" id="choix-{pk}" '
            f'aria-label="{selectionner % {"nom": echapper(b)}}"></td>'
            if peut_reattribuer
            else ""
        )
        badge = f' <span class="badge text-bg-secondary">{cloture}</span>' if b.date_cloture else ""
        if b.droit_type:
            droit = echapper(b.droit_type)
            if b.droit_debut:
                droit += (
                    ' <span class="text-muted small">'
                    f"{depuis % {'d': _jj_mm_aaaa(b.droit_debut)}}</span>"
                )
        else:
            droit = '<span class="text-muted">—</span>'
        extensions = "".join(
            f"<td>{_cellule(context, ext, b, cellule)}</td>"
            for ext, cellule in b.colonnes_extensions
        )
        badges = "".join(
            f'<span class="badge rounded-pill text-bg-info me-1">{libelle}</span>'
            for attribut, libelle in groupes
            if getattr(b, attribut, False)
        )
        lignes.append(
            f"\n      <tr>\n        {choix}"
            f'\n        <td><a href="{echapper(b.url_fiche)}" hx-boost="false">'
            f"<strong>{echapper(b.nom.upper())}</strong> {echapper(b.prenom)}</a>{badge}</td>"
            f'\n        <td class="text-nowrap"><code>{echapper(b.niss_affiche)}</code></td>'
            f'\n        <td class="text-nowrap">{echapper(b.naissance)}</td>'
            f"\n        <td>{echapper(b.commune or '—')}</td>"
            f"\n        <td>{echapper(b.referent or '—')}</td>"
            f'\n        <td class="text-nowrap">{droit}</td>'
            f"\n        {extensions}"
            f"\n        <td>{badges}</td>"
            "\n      </tr>\n    "
        )
    return mark_safe("".join(lignes))  # noqa: S308 - built from escaped values above


def _cellule(context, ext, b, cellule):
    if cellule is not None:
        return echapper_conditionnel(cellule)
    gabarit = context.template.engine.get_template(ext.column)
    with context.push(b=b, ext=ext, cellule=None):
        return gabarit.render(context)


@register.simple_tag(takes_context=True)
def entete_tri(context, cle, libelle):
    """``{% include "partials/tri.html" with cle=cle libelle=libelle %}``: a sortable column
    header, the same HTML without an included template."""
    tri = context.get("tri", "")
    if tri == cle:
        aria, lien = ' aria-sort="ascending"', querystring(context, tri=f"-{cle}", page=None)
    else:
        aria = ' aria-sort="descending"' if tri[1:] == cle and tri[:1] == "-" else ""
        lien = querystring(context, tri=cle, page=None)
    lien, libelle = echapper(lien), echapper_conditionnel(libelle)
    return mark_safe(  # noqa: S308 - escaped values
        f'\n<th scope="col"{aria}><a href="{lien}">{libelle}</a></th>\n'
    )


@register.simple_tag
def options(choix, choisi, libelle=""):
    """The ``<option>`` of a filter's select, "selected" on the one whose value (as a string) is
    ``choisi``: ``choix`` gives (value, label) pairs, or objects (their ``pk``, and their
    ``libelle`` attribute or themselves as the label). Choices that say what they were read
    from (``queries.ListeChoix.cle_options``) have their values and labels written once per
    language (the labels may be bilingual) and these rows."""
    cle = getattr(choix, "cle_options", None)
    if cle is None:
        morceaux = _morceaux_options(choix, libelle)
    else:
        morceaux = _OPTIONS.obtenir(
            (cle, libelle, get_language()), lambda: _morceaux_options(choix, libelle)
        )
    return mark_safe(  # noqa: S308 - escaped values
        "".join(
            f'<option value="{valeur}" {"selected" if brute == choisi else ""}>{texte}</option>'
            for brute, valeur, texte in morceaux
        )
    )


def _morceaux_options(choix, libelle) -> tuple:
    """(value as a string, value escaped, label escaped) of each choice."""
    morceaux = []
    for item in choix:
        if isinstance(item, tuple | list):
            valeur, texte = item
        else:
            valeur, texte = item.pk, getattr(item, libelle) if libelle else item
        morceaux.append((str(valeur), echapper_conditionnel(valeur), echapper_conditionnel(texte)))
    return tuple(morceaux)


_OPTIONS: Memo[tuple] = Memo(256)
