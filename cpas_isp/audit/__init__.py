"""The audit: who changed what (pghistory events) and who looked at which personal file (the
access log), and the audit page that shows both.

- ``log``: writing the access log (``journaliser_acces``, ``journaliser_liste``), the client's
  address, the context of scripted changes; re-exported here, every app calls them;
- ``confidentialite``: what the audit withholds (confidential fields) and how it names people;
- ``sources``: the event tables and how each event belongs to a CPAS and a person;
- ``journal``: the changes, a page at a time (keyset over every event table);
- ``evenements``: one change made readable (author, object, changed fields);
- ``consultations``: reading the access log, per file and per user and day (unusual days);
- ``forms``: the audit page's filters; ``views``: the audit page and its CSV exports.
"""

from cpas_isp.audit.log import client_ip, contexte_script, journaliser_acces, journaliser_liste

__all__ = ["client_ip", "contexte_script", "journaliser_acces", "journaliser_liste"]
