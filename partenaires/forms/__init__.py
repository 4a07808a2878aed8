"""Forms of the partners app, one submodule per sub-domain:

- ``annuaire``: the directory's search, partners, services, contacts, notes, suggestions
- ``orientations``: the referral list's filters, referrals, workflow moves, messages, attendance
  (the partner portal uses these too)
- ``conventions``: conventions with their CPAS parties and funding (formsets), the list's filter
- ``programmes``: programmes, participations, participants' feedback

Date order and uniqueness are the models' constraints (Django validates them in the forms)."""
