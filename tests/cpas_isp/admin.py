"""Helpers shared by the admin security test modules."""

from django.contrib.auth.models import Permission

NOUVEAU_MDP = "Un-Autre-Mot-De-Passe-91"


def _permissions_admin_fonctionnel():
    """What ``demo_data`` gives a CPAS's functional administrator (periodic tasks included:
    the admin must refuse them anyway)."""
    return Permission.objects.filter(
        content_type__app_label__in=[
            "cpas_isp",
            "beneficiaires",
            "partenaires",
            "trajets",
            "rapports",
            "django_celery_beat",
        ]
    ).exclude(codename__startswith="delete_")


def _post_utilisateur(user, memberships, **changes):
    """The admin change form of ``user`` as a browser posts it, with ``changes`` applied."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "langue": user.langue,
        "date_joined_0": user.date_joined.strftime("%d/%m/%Y"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, m in enumerate(memberships):
        data.update(
            {
                f"memberships-{i}-id": str(m.pk),
                f"memberships-{i}-user": str(user.pk),
                f"memberships-{i}-cpas": str(m.cpas_id),
                f"memberships-{i}-role": m.role,
                f"memberships-{i}-cellule": str(m.cellule_id or ""),
            }
        )
        if m.actif:
            data[f"memberships-{i}-actif"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}
