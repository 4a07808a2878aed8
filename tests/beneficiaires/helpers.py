"""Helpers shared by the person-file and caseload test modules."""

from django.urls import reverse

from beneficiaires.models import Frein
from tests.beneficiaires.factories import FreinBeneficiaireFactory

LISTE = reverse("beneficiaires:liste")


def detail_url(b):
    return reverse("beneficiaires:detail", args=[b.pk])


def _sensible(b, user):
    return FreinBeneficiaireFactory(
        beneficiaire=b, frein=Frein.objects.get(code="sante_mentale"), note_par=user
    )
