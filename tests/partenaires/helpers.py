"""Helpers shared by the partner test modules."""

from django.utils import timezone

from partenaires.services import creer_orientation
from tests.beneficiaires.factories import BeneficiaireFactory


def _envoyer(agent, service, cpas, **kw):
    return creer_orientation(
        beneficiaire=BeneficiaireFactory(cpas=cpas, referent=agent),
        service=service,
        agent=agent,
        date_orientation=timezone.localdate(),
        motif="Formation en cuisine",
        informations_partagees="Disponible le matin",
        envoyer=True,
        **kw,
    )
