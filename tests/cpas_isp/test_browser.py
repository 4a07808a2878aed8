import pytest

from cpas_isp.models import Membership, Role


@pytest.mark.browser
def test_user_logs_in_and_switches_cpas(page, login, make_user, cpas_a, cpas_b):
    user = make_user(Role.COORDINATEUR, cpas_a, first_name="Sophie")
    Membership.objects.create(user=user, cpas=cpas_b, role=Role.AGENT)
    login(user)
    assert page.locator("h1").inner_text() == "Bonjour Sophie"
    assert "CPAS d'Alphaville" in page.locator("#select-cpas option:checked").inner_text()
    page.select_option("#select-cpas", str(cpas_b.pk))
    page.wait_for_selector(".alert-success")
    assert "CPAS de Betaville" in page.locator(".alert-success").inner_text()
    assert "CPAS de Betaville" in page.locator("#select-cpas option:checked").inner_text()
    assert "Agent d'insertion" in page.locator("main").inner_text()


@pytest.mark.browser
def test_bad_password_then_good_one(page, login, make_user, cpas_a):
    user = make_user(Role.AGENT, cpas_a)
    login(user, "not-the-password")
    assert page.url.endswith("/connexion/")
    assert page.locator(".alert-danger, .invalid-feedback, .errorlist").count() >= 1
    login(user)
    assert "Bonjour" in page.locator("h1").inner_text()
