"""The printable PIIS: an A4 PDF (WeasyPrint) in the person's language."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation


def piis_pdf(piis, request=None) -> bytes:
    # Lazy: WeasyPrint (and its native libraries) loads only when a PDF is asked for, not in
    # every process that imports the URLs.
    from weasyprint import HTML

    langue = piis.beneficiaire.langue if piis.beneficiaire.langue in ("fr", "nl") else "fr"
    with translation.override(langue):
        html = render_to_string(
            "trajets/pdf/piis.html",
            {
                "piis": piis,
                "b": piis.beneficiaire,
                "cpas": piis.cpas,
                "objectifs": list(piis.objectifs.all()),
                "tiers": list(piis.engagements_tiers.select_related("partenaire")),
                "evaluations": list(piis.evaluations.all()),
                "langue": langue,
            },
        )
    base_url = request.build_absolute_uri("/") if request is not None else None
    return HTML(string=html, base_url=base_url).write_pdf()
