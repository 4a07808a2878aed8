"""Saving the shared directory: a partner's record (managed by the CPAS that encodes it) and its
services. A violated constraint (a name already used) comes back as a ``ValidationError``."""

from __future__ import annotations

from cpas_isp.contraintes import enregistrer

from ..models import Partenaire, ServicePartenaire


def enregistrer_partenaire(partenaire: Partenaire, cpas) -> Partenaire:
    """Save a partner's record; a new one is managed by the CPAS that encodes it."""
    if partenaire.pk is None:
        partenaire.cree_par_cpas = cpas
        partenaire.gere_par = cpas
    return enregistrer(partenaire)


def enregistrer_service(service: ServicePartenaire, partenaire: Partenaire) -> ServicePartenaire:
    """Save a service of ``partenaire``."""
    service.partenaire = partenaire
    return enregistrer(service)
