"""Pages of the trajectory, by sub-domain:

- ``commun``: the role check, the person (need-to-know, 404), messages shared by every page;
- ``journal``: the quick step form, the person's journal, corrections, collective sessions;
- ``phases``: orienting a person, correcting a stay, ending the trajectory;
- ``files``: the cellules' work queues and "Mes échéances";
- ``piis``: PIIS edit, detail, propose, sign, close, amend, print, evaluations;
- ``article60``: contracts, the planned end, the posts' occupancy and pool, contract lists.

``trajets/urls.py`` imports each view from its submodule."""
