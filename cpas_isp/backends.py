"""The authentication backend: Django's ModelBackend whose per-request user load also brings
what every page needs next, in the same query.

Each request of a logged-in user loads the user row (``get_user``). That query also carries,
as JSON (``cpas_isp.lignes_json``), the user's active memberships with their CPAS and cellule
(the current CPAS, the CPAS switch menu) and whether they must give a one-time code
(``deux_facteurs.verification_requise``). The middleware and context processor then read them
without a query of their own: the logged-in floor of every page is the session and this query.
Both are read fresh on every request (a membership deactivated, a role changed or an
authenticator enrolled applies from the next request, as before).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef, Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpas_isp.lignes_json import instances, liste_json
from cpas_isp.models import DoubleAuthentification, Membership, Role

RELATIONS = ("cpas", "cellule")


def annotations_utilisateur() -> dict:
    actives = Membership.objects.filter(user=OuterRef("pk"), actif=True)
    return {
        "affiliations_json": liste_json(actives.order_by("cpas__nom", "id"), relations=RELATIONS),
        # deux_facteurs.verification_requise's rule for a user who is not staff.
        "code_requis": Exists(
            actives.filter(
                Q(role=Role.ADMIN) | Q(cpas__double_authentification=DoubleAuthentification.TOUS)
            )
        )
        | Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
    }


def charger_affiliations(user) -> None:
    """Turn the loaded JSON into the user's active memberships (``user._affiliations_chargees``,
    read by ``cpas_isp.tenancy.active_memberships_list``)."""
    memberships = instances(Membership, user.affiliations_json, relations=RELATIONS)
    for m in memberships:
        m.user = user
    user._affiliations_chargees = memberships
    del user.affiliations_json


class UtilisateurBackend(ModelBackend):
    def get_user(self, user_id):
        from django.contrib.auth import get_user_model

        model = get_user_model()
        try:
            user = model._default_manager.annotate(**annotations_utilisateur()).get(pk=user_id)
        except model.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        charger_affiliations(user)
        return user
