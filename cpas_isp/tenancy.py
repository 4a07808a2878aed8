"""The current CPAS of a user: chosen in the session among their active memberships."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.functional import LazyObject, empty

from cpas_isp.models import Membership

SESSION_KEY = "cpas_courant_id"


def deballer(objet):
    """The object a lazy one stands for, evaluated now (``request.user``: django-otp's
    ``SimpleLazyObject`` around Django's; each attribute read through them costs a proxy
    call per wrapper)."""
    while isinstance(objet, LazyObject):
        if objet._wrapped is empty:
            objet._setup()
        objet = objet._wrapped
    return objet


def active_memberships(user):
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, actif=True)
        .select_related("cpas", "cellule")
        .order_by("cpas__nom", "id")
    )


def affiliations_actives(user) -> list:
    """The user's active memberships as ``active_memberships`` lists them: those
    ``activate`` loaded for this request (no query), else read now."""
    affiliations = getattr(user, "_affiliations_actives", None)
    return affiliations if affiliations is not None else list(active_memberships(user))


def current_membership(user):
    """The membership the user works under now.

    Set on the user object by CurrentCpasMiddleware for web requests; elsewhere (commands,
    tests, tasks) the user's first active membership, or the one chosen with ``activate``.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    if hasattr(user, "_membership_courante"):
        return user._membership_courante
    membership = active_memberships(user).first()
    user._membership_courante = membership
    return membership


def activate(user, cpas_id):
    """Make ``cpas_id`` the user's current CPAS (must be one of their active memberships)."""
    memberships = list(active_memberships(user))
    membership = next((m for m in memberships if m.cpas_id == cpas_id), None)
    user._membership_courante = membership
    user._affiliations_actives = memberships  # for the CPAS switch menu, without a query
    return membership


def get_for_user(queryset, user, **lookup):
    """Fetch one object among those the user may see, or answer 404 (never 403)."""
    return get_object_or_404(queryset.for_user(user), **lookup)
