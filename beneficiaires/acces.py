"""Need-to-know, fetched: one person, or one object belonging to a person, among those the user
may see (``Beneficiaire.objects.visibles_par``), or 404. Every app fetches people and their
steps, PIIS, stays, referrals, contracts... through these, so that what the user may not see
answers 404 everywhere (never 403: the user must not learn that it exists).

They also hold the one read-only rule of a closed file (``date_cloture``): during a request that
writes (POST, PUT, PATCH, DELETE; ``beneficiaires.middleware.LectureSeuleMiddleware`` says so),
fetching a closed person or one of their objects raises ``DossierCloture`` (403 with its
message), except in the few views marked ``permis_sur_dossier_cloture`` (reopen, legal hold)."""

from __future__ import annotations

from contextvars import ContextVar

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Expression, F, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from .models import Beneficiaire
from .models.personnes import voit_tout_le_cpas

#: True while a request that writes (POST...) is being served by a view not marked
#: ``permis_sur_dossier_cloture``; set by ``beneficiaires.middleware.LectureSeuleMiddleware``.
ECRITURE: ContextVar[bool] = ContextVar("beneficiaires_ecriture", default=False)


class DossierCloture(PermissionDenied):
    """A write on a closed file: refused with its message (403 page) until it is reopened."""

    def __init__(self, beneficiaire):
        super().__init__(
            _(
                "Le dossier de %(personne)s est clôturé depuis le %(date)s : il est en lecture "
                "seule. Un coordinateur ou le référent peut le rouvrir."
            )
            % {"personne": beneficiaire, "date": f"{beneficiaire.date_cloture:%d/%m/%Y}"}
        )


def permis_sur_dossier_cloture(view):
    """Marks a view that may write on a closed file (reopening it, a legal hold): the
    read-only check of ``get_beneficiaire_or_404`` does not apply to it."""
    view.permis_sur_dossier_cloture = True
    return view


def verifier_ecriture(beneficiaire):
    """The one read-only rule: during a writing request, a closed file refuses the write."""
    if ECRITURE.get() and beneficiaire.date_cloture is not None:
        raise DossierCloture(beneficiaire)


def get_beneficiaire_or_404(user, pk, queryset=None):
    """The person ``pk`` if ``user`` may see them, else Http404. ``queryset`` (of
    Beneficiaire) adds select_related/annotations; it is narrowed, never widened."""
    base = queryset if queryset is not None else Beneficiaire.objects.all()
    beneficiaire = get_object_or_404(base.visibles_par(user), pk=pk)
    verifier_ecriture(beneficiaire)
    return beneficiaire


class ParmiLesIds(Expression):
    """``champ = ANY(ARRAY(ids))``: the ids subquery read once into an array (an init plan),
    then ``champ``'s index probed for each, instead of a semi-join whose sizes the planner
    guesses from the rule's UNION (it then probes the person table once per person)."""

    output_field = BooleanField()

    def __init__(self, champ, ids):
        super().__init__()
        self.champ, self.ids = F(champ), Subquery(ids)

    def get_source_expressions(self):
        return [self.champ, self.ids]

    def set_source_expressions(self, exprs):
        self.champ, self.ids = exprs

    def as_sql(self, compiler, connection):
        champ, params_champ = compiler.compile(self.champ)
        ids, params_ids = compiler.compile(self.ids)
        return f"{champ} = ANY(ARRAY{ids})", (*params_champ, *params_ids)


def objets_visibles(queryset, user, champ="beneficiaire", en_tableau=False):
    """Rows of ``queryset`` (a tenant queryset of objects belonging to a person through
    ``champ``) in the user's CPAS whose person the user may see. ``en_tableau``: the people's
    ids read once as an array (``ParmiLesIds``), for counts over the objects of many people
    (the home page's referrals summary).

    A model whose ``personne_du_cpas`` names ``champ`` has a database constraint (a foreign key
    on person and CPAS to ``beneficiaire_id_cpas``) that its rows carry their person's CPAS:
    for a user who sees every person of the CPAS, its rows of the CPAS are those of the
    people they see, without the people's subquery (a join of every row with its person)."""
    qs = queryset.for_user(user)
    if getattr(queryset.model, "personne_du_cpas", None) == champ and voit_tout_le_cpas(user):
        return qs
    ids = Beneficiaire.objects.visibles_par(user).order_by().values("pk")
    if en_tableau:
        return qs.filter(ParmiLesIds(f"{champ}_id", ids))
    return qs.filter(**{f"{champ}__in": ids})


def get_objet_or_404(queryset, user, champ="beneficiaire", **lookup):
    """One object belonging to a person the user may see (see ``objets_visibles``), or 404;
    during a writing request, refused when that person's file is closed."""
    objet = get_object_or_404(objets_visibles(queryset, user, champ), **lookup)
    if ECRITURE.get():
        clos = (
            Beneficiaire.objects.filter(
                pk__in=queryset.model._default_manager.filter(pk=objet.pk).values(champ),
                date_cloture__isnull=False,
            )
            .only("pk", "nom", "prenom", "date_cloture", "anonymise_le")
            .first()
        )
        if clos is not None:
            raise DossierCloture(clos)
    return objet
