"""The audit page's queries do not grow with the history, the users of the CPAS or the people
named; its user filter lists the CPAS's users in one plain query (no server-side cursor)."""

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpas_isp.audit.forms import utilisateurs_du_cpas
from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory

pytestmark = pytest.mark.django_db

# Session, user, membership, two-factor check, the events' keys with the user filter's choices
# (which name the events' authors, users of the CPAS) and the bell in one round trip, the
# events' details, the people named, the access log.
REQUETES_AUDIT = 8


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
    # Read with the events' keys, as the form's queryset reads them (same users, same order).
    assert [(u.pk, str(u)) for u in options] == [
        (u.pk, str(u)) for u in utilisateurs_du_cpas(cpas_a).all()
    ]
    for user in options:
        assert f'<option value="{user.pk}">{user}</option>' in html
    # Filtered by a user (read with the columns the label needs): no query more, no field
    # read later one user at a time, and that user selected under their name.
    with CaptureQueriesContext(connection) as filtre:
        r = client.get("/audit/", {"utilisateur": agent.pk})
    assert r.status_code == 200
    assert len(filtre) == len(petit)
    assert f'<option value="{agent.pk}" selected>Ada Lovelace</option>' in r.content.decode()


def test_prepared_keys_query_gives_the_pages_of_the_plain_query(make_user, cpas_a):
    """The keys and details queries are prepared once per connection (``cpas_isp.lots``): the
    first call (PREPARE and EXECUTE), the next ones (EXECUTE) and the next page give the rows
    the plain queries give (``lots.executer``: each statement as it is)."""
    from cpas_isp import lots
    from cpas_isp.audit import journal

    agent = make_user(Role.AGENT, cpas_a)
    for i in range(7):
        BeneficiaireFactory(cpas=cpas_a, referent=agent, nom=f"Nom{i}")
    f = journal.Filtres()

    def pages(page_evenements):
        premiere, suivant = page_evenements(cpas_a, f, None, 4)
        seconde, _ = page_evenements(cpas_a, f, suivant, 4)
        return [dataclasses.astuple(e) for e in premiere], [e.pgh_id for e in seconde]

    prepares = [pages(journal.page_evenements) for _ in range(3)]

    def sans_preparer(*args):
        return lots.executer(journal.requetes_page_evenements(*args))

    assert prepares == [pages(sans_preparer)] * 3
    assert len(prepares[0][0]) == 4 and prepares[0][1]
