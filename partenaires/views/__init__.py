"""Pages of the partners app, one submodule per sub-domain (``urls.py`` imports them):

- ``annuaire``: the shared directory: partners, their services and contacts, notes, suggestions
- ``orientations``: referrals on the CPAS side (list, creation, detail, workflow, messages) and
  their statistics per partner
- ``portail``: the partner users' portal (referrals received, answers, messages, attendance)
- ``conventions``: multi-CPAS conventions and their cost sharing
- ``programmes``: programmes, their cohorts and participants' feedback
- ``commun``: the helpers these share (the people a user may see, links to a person's file)

Every queryset is scoped with ``for_user``; partner users see only the portal and get 404
elsewhere (``cpas_isp.views.role_required``)."""
