from django import template
from django.urls import NoReverseMatch, reverse

from cpas_isp.listes import url_par_pk
from trajets.models.phases import Phase

register = template.Library()


@register.simple_tag
def url_personne(beneficiaire_or_pk):
    """The person's page, or their trajectory journal while the person page is not routed."""
    pk = getattr(beneficiaire_or_pk, "pk", beneficiaire_or_pk)
    try:
        return reverse("beneficiaires:detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return reverse("trajets:journal", kwargs={"pk": pk})


def url_personne_par_pk():
    """``pk -> url_personne(pk)`` from a single ``reverse()`` (``cpas_isp.listes.url_par_pk``),
    for a list linking every row to its person."""
    url = url_par_pk("beneficiaires:detail")
    return url if url(0) else url_par_pk("trajets:journal")


@register.filter
def classe_phase(phase):
    return {
        "facilitateur": "text-bg-secondary",
        "alpha": "text-bg-warning",
        "etudes_formations": "text-bg-info",
        "emploi": "text-bg-primary",
        "article60": "text-bg-success",
    }.get(phase, "text-bg-light")


@register.filter
def libelle_phase(phase):
    try:
        return Phase(phase).label
    except ValueError:
        return ""


@register.filter
def classe_sortie(classe):
    return {"positive": "text-success", "neutre": "text-secondary", "negative": "text-danger"}.get(
        classe, ""
    )
