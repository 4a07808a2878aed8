"""A person's address (``get_absolute_url``), from the route reversed once: what reverse()
gives, under any script prefix."""

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from beneficiaires.models import Beneficiaire


@pytest.mark.parametrize("prefixe", ["/", "/isp/"])
def test_address_is_reverse(prefixe):
    set_script_prefix(prefixe)
    try:
        for pk in (1, 42, 123456):
            b = Beneficiaire(pk=pk)
            assert b.get_absolute_url() == reverse("beneficiaires:detail", kwargs={"pk": pk})
        assert Beneficiaire(pk=7).get_absolute_url().startswith(prefixe)
    finally:
        set_script_prefix("/")


def test_unsaved_person_has_no_address():
    with pytest.raises(NoReverseMatch):
        Beneficiaire().get_absolute_url()
