"""The partner portal's account: which organisation a partner user works for."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cpas_isp.historique import suivre
from cpas_isp.models import Role

from .annuaire import Partenaire


@suivre()
class ComptePartenaire(models.Model):
    """Links a partner user (role ``partenaire`` in a CPAS) to the organisation they work for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="compte_partenaire",
        verbose_name=_("utilisateur"),
    )
    partenaire = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        related_name="comptes",
        verbose_name=_("partenaire"),
    )

    class Meta:
        verbose_name = _("compte partenaire")
        verbose_name_plural = _("comptes partenaires")

    def __str__(self):
        return f"{self.user} → {self.partenaire}"

    def clean(self):
        if (
            self.user_id
            and not self.user.memberships.filter(role=Role.PARTENAIRE, actif=True).exists()
        ):
            raise ValidationError(
                {"user": _("Cet utilisateur n'a le rôle « partenaire » dans aucun CPAS.")}
            )
