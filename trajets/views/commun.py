"""What every trajectory page shares: the role check, the person (need-to-know), messages."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError

from beneficiaires.acces import get_beneficiaire_or_404
from beneficiaires.models import Beneficiaire
from cpas_isp import permissions
from cpas_isp.views import role_required

suivi_requis = role_required(permissions.peut_suivre_beneficiaires)


def personne(request, pk) -> Beneficiaire:
    """The person if the user may see them (need-to-know, the one rule), 404 otherwise (its
    query, always the same, compiled once: ``get_beneficiaire_or_404``'s ``cle``)."""
    return get_beneficiaire_or_404(
        request.user, pk, Beneficiaire.objects.select_related("referent"), cle=("trajets",)
    )


def erreurs(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def htmx_trigger(response, event, data=None):
    response["HX-Trigger"] = json.dumps({event: data or {}})
    return response
