import pytest


@pytest.fixture(autouse=True)
def en_francais():
    """Messages are asserted in French: do not inherit a language another test activated."""
    from django.utils import translation

    with translation.override("fr"):
        yield
