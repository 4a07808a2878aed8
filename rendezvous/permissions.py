"""Object-level predicates of the agendas, taking (user, obj).

Who opens which agenda is ``rendezvous.queries.agendas_visibles`` (404 for the others); who sees
an appointment is who may see one of its people (``RendezVousQuerySet.visibles_par``)."""

from __future__ import annotations

from cpas_isp import permissions as p
from cpas_isp.tenancy import current_membership


def peut_gerer_agenda(user, agenda) -> bool:
    """Change an agenda's availability, absences and calendar feed: its agent, a coordinator
    of the CPAS, and for a cellule's agenda the members of that cellule."""
    membership = current_membership(user)
    if membership is None or membership.cpas_id != agenda.cpas_id:
        return False
    if p.est_coordinateur(user):
        return True
    if agenda.agent_id:
        return agenda.agent_id == user.pk
    return p.est_agent(user) and membership.cellule_id == agenda.cellule_id
