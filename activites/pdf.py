"""The printable attendance sheet and attestations: A4 PDFs (WeasyPrint), the way
trajets/pdf.py prints the PIIS."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def _pdf(html: str, request=None) -> bytes:
    # Lazy: WeasyPrint loads only when a PDF is asked for.
    from weasyprint import HTML

    base_url = request.build_absolute_uri("/") if request is not None else None
    return HTML(string=html, base_url=base_url).write_pdf()


def feuille_pdf(seance, inscriptions, langue: str, request=None) -> bytes:
    """One line per participant with an empty box to sign, in ``langue``."""
    with translation.override(langue):
        html = render_to_string(
            "activites/pdf/feuille.html",
            {
                "seance": seance,
                "activite": seance.activite,
                "inscriptions": inscriptions,
                "lignes_vides": range(3),
                "langue": langue,
            },
        )
    return _pdf(html, request)


def url_verification(attestation, request=None) -> str:
    chemin = reverse("activites:verifier", kwargs={"code": attestation.code})
    return request.build_absolute_uri(chemin) if request is not None else chemin


def attestation_pdf(attestation, request=None) -> bytes:
    """The attestation in the language recorded when it was issued (the person's)."""
    inscription = attestation.inscription
    with translation.override(attestation.langue):
        html = render_to_string(
            "activites/pdf/attestation.html",
            {
                "a": attestation,
                "b": inscription.beneficiaire,
                "activite": inscription.activite,
                "cpas": attestation.cpas,
                "url_verification": url_verification(attestation, request),
                "langue": attestation.langue,
            },
        )
    return _pdf(html, request)
