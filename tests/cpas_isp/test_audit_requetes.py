"""The audit page's queries do not grow with the history, the users of the CPAS or the people
named; its user filter lists the CPAS's users in one plain query (no server-side cursor)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory

pytestmark = pytest.mark.django_db

# Session, user, membership, two-factor check, the events' keys and details, their authors,
# the people named, the access log, the bell, the user filter's choices.
REQUETES_AUDIT = 11


def test_audit_page_queries_do_not_grow_with_the_history(make_user, client_for, cpas_a):
    admin = make_user(Role.ADMIN, cpas_a)
    agent = make_user(Role.AGENT, cpas_a, first_name="Ada", last_name="Lovelace")
    client = client_for(admin)
    client.get("/audit/")  # first page of the session
    BeneficiaireFactory(cpas=cpas_a, referent=agent)
    with CaptureQueriesContext(connection) as petit:
        r = client.get("/audit/")
    assert r.status_code == 200
    assert len(petit) == REQUETES_AUDIT
    for i in range(8):
        make_user(Role.AGENT, cpas_a, first_name=f"Agent{i}")
        BeneficiaireFactory(cpas=cpas_a, referent=agent)
    with CaptureQueriesContext(connection) as grand:
        r = client.get("/audit/")
    assert len(grand) == len(petit)
    assert not any("DECLARE" in q["sql"] for q in grand.captured_queries)
    html = r.content.decode()
    options = r.context["form"].fields["utilisateur"].queryset
    assert len(options) == 10  # the admin, Ada and the eight agents
    for user in options:
        assert f'<option value="{user.pk}">{user}</option>' in html
