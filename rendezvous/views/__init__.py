"""Views of the rendezvous app, by sub-domain:

- ``agenda``: an agent's week and day, a cellule's day, the agenda's settings and feed token;
- ``rendez_vous``: one appointment (plan, detail, move, status and outcome);
- ``ics``: the calendar feed behind a secret token (no login).
"""
