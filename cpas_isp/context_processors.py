from cpas_isp.permissions import UserPermissions
from cpas_isp.tenancy import active_memberships, current_membership


def current_cpas(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = current_membership(user)
    return {
        "membership": membership,
        "cpas_courant": membership.cpas if membership else None,
        "mes_affiliations": list(active_memberships(user)),
        "perms_isp": UserPermissions(user),
    }
