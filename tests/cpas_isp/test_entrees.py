"""Odd input on the core pages gets a message, never an HTTP 500."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_very_long_user_name_is_a_form_error(client):
    response = client.post(reverse("login"), {"username": "x" * 10_000, "password": "x"})
    assert response.status_code == 200
    assert response.context["form"].has_error("username", "max_length")
