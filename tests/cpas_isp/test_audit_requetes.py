"""The audit page's queries do not grow with the history, the users of the CPAS or the people
named; its user filter lists the CPAS's users in one plain query (no server-side cursor)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory

pytestmark = pytest.mark.django_db

# Session, user, membership, two-factor check, the events' keys and details, the user filter's
# choices (which name the events' authors, users of the CPAS), the people named, the access
# log, the bell.
REQUETES_AUDIT = 10


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


def test_prepared_keys_query_gives_the_pages_of_the_plain_query(make_user, cpas_a, monkeypatch):
    """The keys query is prepared once per connection (journal._executer_prepare): the first
    call (PREPARE and EXECUTE), the next ones (EXECUTE) and the next page give the rows the
    plain query gives."""
    from cpas_isp.audit import journal

    agent = make_user(Role.AGENT, cpas_a)
    for i in range(7):
        BeneficiaireFactory(cpas=cpas_a, referent=agent, nom=f"Nom{i}")
    f = journal.Filtres()

    def pages():
        premiere, suivant = journal.page_evenements(cpas_a, f, None, 4)
        seconde, _ = journal.page_evenements(cpas_a, f, suivant, 4)
        return [e.pgh_id for e in premiere], [e.pgh_id for e in seconde]

    prepares = [pages() for _ in range(3)]

    def sans_preparer(cursor, sql, params):
        cursor.execute(sql, params)
        return cursor.fetchall()

    monkeypatch.setattr(journal, "_executer_prepare", sans_preparer)
    assert prepares == [pages()] * 3
    assert len(prepares[0][0]) == 4 and prepares[0][1]
