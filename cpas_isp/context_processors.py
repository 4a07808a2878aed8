from cpas_isp.notifications import CompteurNonLues
from cpas_isp.permissions import UserPermissions, peut_recevoir_notifications
from cpas_isp.tenancy import affiliations_actives, current_membership


def current_cpas(request):
    """The current CPAS, the user's memberships (CPAS switch menu) and permissions.

    Computed once per request: a page rendering several templates with the request (the
    person page's sections, htmx fragments) reuses the first result."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_contexte_cpas_courant", None)
    if cached is not None:
        return cached
    membership = current_membership(user)
    contexte = {
        "membership": membership,
        "cpas_courant": membership.cpas if membership else None,
        "mes_affiliations": affiliations_actives(user),
        "perms_isp": UserPermissions(user),
        # The bell's figure: counted (one query) only when the navbar shows it.
        "notifications_non_lues": (
            CompteurNonLues(user)
            if membership is not None and peut_recevoir_notifications(user)
            else None
        ),
    }
    request._contexte_cpas_courant = contexte
    return contexte


def lecture_cloche(request) -> list:
    """The bell's count as ``cpas_isp.lots`` generators to send with a page's other statements
    (the navbar then shows it without a round trip of its own): none when it shows no bell."""
    compteur = current_cpas(request).get("notifications_non_lues")
    return [compteur.lecture()] if compteur is not None else []
