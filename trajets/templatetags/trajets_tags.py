from django import template
from django.urls import NoReverseMatch, reverse

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
