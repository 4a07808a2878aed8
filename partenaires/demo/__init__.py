"""Demo data of the partners app (``charger`` is called by ``manage.py demo_data``):
deterministic and fast.

- ``donnees``: the data themselves (partners, services, contacts, motives, statuses, results)
- ``annuaire``: Brussels and Walloon partners with their services and contacts, partner users
- ``conventions``: two conventions, one shared by three neighbouring CPAS (pro rata split)
- ``orientations``: referrals in every state with their log, messages and attendance
- ``programmes``: a self-employment programme with its cohort and feedback"""

from __future__ import annotations

from ..models import Convention, Orientation, Partenaire, Participation
from .annuaire import creer_comptes, creer_partenaires
from .conventions import creer_conventions
from .donnees import PARTENAIRES_DU_CPAS
from .orientations import creer_orientations
from .programmes import creer_programme


def charger(ctx) -> None:
    partenaires = creer_partenaires()
    # Each CPAS keeps the records of the partners it works with up to date (shared directory).
    for cpas in ctx.cpas:
        Partenaire.objects.filter(nom__in=PARTENAIRES_DU_CPAS.get(cpas.code, [])).update(
            gere_par=cpas, cree_par_cpas=cpas
        )
    creer_comptes(ctx, partenaires)
    creer_conventions(ctx, partenaires)
    for cpas in ctx.cpas:
        creer_orientations(ctx, cpas, partenaires)
    creer_programme(ctx, partenaires)
    if ctx.stdout is not None:
        ctx.stdout.write(
            f"  partenaires : {len(partenaires)} partenaires, "
            f"{Orientation.objects.count()} orientations, {Convention.objects.count()} "
            f"conventions, {Participation.objects.count()} participants à un programme"
        )
