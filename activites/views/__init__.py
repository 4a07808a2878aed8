"""Pages of the activities, one module per sub-domain: ``activites`` (list, edit, detail,
sessions), ``inscriptions`` (enrol, withdraw, finish), ``presences`` (attendance grid and
sheet), ``attestations`` (issue, print, public verification), ``fse`` (ESF+ participant data, the
Annex I table, the participant file)."""
