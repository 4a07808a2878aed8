"""PIIS pages: edit (with the version conflict shown), detail, propose, sign, close, amend,
print, and the evaluations."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.forms.utils import ErrorDict
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaires.acces import get_objet_or_404
from beneficiaires.hooks import ALignes
from beneficiaires.permissions import memoriser_acces
from cpas_isp import extensions
from cpas_isp.audit import journaliser_acces
from cpas_isp.contraintes import ajouter_au_formulaire
from cpas_isp.tenancy import get_for_user
from trajets import delais, queries
from trajets.forms import (
    CloturerForm,
    EvaluationForm,
    ObjectifForm,
    ObjectifFormSet,
    PiisForm,
    ProposerForm,
    SignerForm,
    TiersFormSet,
)
from trajets.models.piis import EngagementTiers, EvaluationPiis, ObjectifPiis, Piis, StatutPiis
from trajets.pdf import piis_pdf as rendre_pdf
from trajets.services import evaluations
from trajets.services import piis as services
from trajets.views.commun import erreurs, personne, suivi_requis


def _piis(request, piis_pk, queryset=None, cle=None) -> Piis:
    """The PIIS, or 404 (not in the user's CPAS, or its person not visible to the user: the
    need-to-know rule, ``get_objet_or_404``), read with its person and their referent in one
    query (the person was a second one), compiled once per ``cle`` (every input of
    ``queryset``; without a queryset, the plain PIIS's); a write on a closed file is
    refused."""
    if queryset is None:
        queryset, cle = Piis.objects.all(), ("piis",)
    return get_objet_or_404(
        queryset.select_related("agent", "avenant_de", "beneficiaire__referent"),
        request.user,
        cle=cle,
        pk=piis_pk,
    )


def _objectifs_initiaux(piis):
    return [
        {"id": o.pk, "libelle": o.libelle, "echeance": o.echeance, "statut": o.statut}
        for o in piis.objectifs.all()
    ]


def _tiers_initiaux(piis):
    return [
        {"partenaire": t.partenaire_id, "nom": t.nom, "engagements": t.engagements}
        for t in piis.engagements_tiers.all()
    ]


def _donnees_formsets(objectifs_fs, tiers_fs):
    objectifs = [
        {
            "id": d.get("id"),
            "libelle": d["libelle"].strip(),
            "echeance": d.get("echeance"),
            "statut": d.get("statut"),
        }
        for d in objectifs_fs.cleaned_data
        if d and not d.get("DELETE") and (d.get("libelle") or "").strip()
    ]
    tiers = [
        {
            "partenaire": d.get("partenaire"),
            "nom": (d.get("nom") or "").strip(),
            "engagements": d["engagements"].strip(),
        }
        for d in tiers_fs.cleaned_data
        if d and not d.get("DELETE") and (d.get("engagements") or "").strip()
    ]
    return objectifs, tiers


@suivi_requis
def piis_nouveau(request, pk):
    b = personne(request, pk)
    piis = Piis(cpas_id=b.cpas_id, beneficiaire=b, agent=request.user)
    return _piis_formulaire(request, b, piis)


@suivi_requis
def piis_modifier(request, piis_pk):
    piis = _piis(request, piis_pk)
    if not piis.modifiable:
        messages.warning(
            request,
            _(
                "Ce PIIS est signé et figé. Pour le changer, créez un avenant : "
                "la version signée est conservée."
            ),
        )
        return redirect("trajets:piis_detail", piis_pk=piis.pk)
    return _piis_formulaire(request, piis.beneficiaire, piis)


def _lignes_objectifs_modifiees(post):
    """The posted data with an objective row added ("ajouter_objectif") or removed
    ("retirer_objectif" = its index), and the row to focus; None when the form is saved."""
    lignes = ObjectifFormSet.lignes_postees(post)
    vide = dict.fromkeys(ObjectifForm.base_fields, "")
    if "ajouter_objectif" in post:
        if len(lignes) < ObjectifFormSet.max_num:
            lignes.append(vide)
        focus = len(lignes) - 1
    elif "retirer_objectif" in post:
        try:
            del lignes[int(post["retirer_objectif"])]
        except (ValueError, IndexError):
            pass
        if not lignes:
            lignes.append(vide)  # a PIIS has at least one objective: keep one row to fill
        focus = None
    else:
        return None
    return ObjectifFormSet.reconstruire(post, lignes), focus


def _piis_formulaire(request, b, piis):
    creation = piis.pk is None
    conflit = None
    focus_objectif = None
    modifie = _lignes_objectifs_modifiees(request.POST) if request.method == "POST" else None
    if modifie is not None:
        # A row added or removed: the form is shown again as typed, nothing saved, no error
        # for what the user has not finished yet (htmx swaps only the objectives' block).
        data, focus_objectif = modifie
        form = PiisForm(data, instance=piis, cpas_id=b.cpas_id)
        form._errors = ErrorDict()
        objectifs_fs = ObjectifFormSet(data, prefix="obj")
        objectifs_fs.full_clean()
        objectifs_fs._non_form_errors = objectifs_fs.error_class()
        if focus_objectif is not None:  # the new row's text, focused after the swap
            objectifs_fs.forms[focus_objectif].fields["libelle"].widget.attrs["autofocus"] = True
        tiers_fs = TiersFormSet(data, prefix="tiers")
    elif request.method == "POST":
        form = PiisForm(request.POST, instance=piis, cpas_id=b.cpas_id)
        objectifs_fs = ObjectifFormSet(request.POST, prefix="obj")
        tiers_fs = TiersFormSet(request.POST, prefix="tiers")
        if form.is_valid() and objectifs_fs.is_valid() and tiers_fs.is_valid():
            objectifs, tiers = _donnees_formsets(objectifs_fs, tiers_fs)
            piis = form.save(commit=False)
            try:
                piis = services.enregistrer_piis(
                    piis, form.cleaned_data.get("version"), request.user, objectifs, tiers
                )
            except services.ConflitVersion as exc:
                conflit = exc
                data = request.POST.copy()
                data["version"] = exc.actuel.version
                form = PiisForm(data, instance=exc.actuel, cpas_id=b.cpas_id)
                form.is_valid()
                form.add_error(
                    None,
                    _(
                        "Quelqu'un a enregistré ce PIIS pendant que vous le modifiiez. Vos "
                        "changements ne sont PAS enregistrés : vérifiez ci-dessous ce qui a "
                        "changé, "
                        "puis enregistrez à nouveau pour confirmer votre version."
                    ),
                )
            except ValidationError as exc:
                ajouter_au_formulaire(form, exc)
            else:
                messages.success(request, _("PIIS enregistré."))
                return redirect("trajets:piis_detail", piis_pk=piis.pk)
    else:
        initial = {}
        if creation:
            initial["date_decision_ris"] = queries.derniere_decision_ris(b)
        form = PiisForm(instance=piis, cpas_id=b.cpas_id, initial=initial)
        objectifs_fs = ObjectifFormSet(
            prefix="obj", initial=[] if creation else _objectifs_initiaux(piis)
        )
        tiers_fs = TiersFormSet(prefix="tiers", initial=[] if creation else _tiers_initiaux(piis))
    journaliser_acces(request, b)
    return render(
        request,
        "trajets/piis_form.html",
        {
            "b": b,
            "piis": piis,
            "form": form,
            "objectifs_fs": objectifs_fs,
            "tiers_fs": tiers_fs,
            "creation": creation,
            "conflit": conflit,
            "focus_objectif": focus_objectif,
            "ligne_retiree": modifie is not None and focus_objectif is None,
        },
    )


@suivi_requis
def piis_detail(request, piis_pk):
    # Whether its lists have rows, in the query of the PIIS: an empty list costs no query.
    indicateurs = extensions.indicateurs("trajets.piis")  # e.g. whether it has documents
    piis = _piis(
        request,
        piis_pk,
        Piis.objects.annotate(
            a_objectifs=ALignes(ObjectifPiis, "piis"),
            a_tiers=ALignes(EngagementTiers, "piis"),
            a_evaluations=ALignes(EvaluationPiis, "piis"),
            a_avenants=ALignes(Piis, "avenant_de"),
            **indicateurs,
        ),
        cle=("piis_detail", tuple(indicateurs)),
    )
    journaliser_acces(request, piis.beneficiaire)
    # Fetched through the need-to-know rule by this read-only page: the documents block's
    # checks on the person reuse that answer.
    memoriser_acces(request.user, piis.beneficiaire)
    today = timezone.localdate()
    version = {"version": piis.version}
    # Read once for the table and for conformite_evaluations (piis.evaluations.all()). One
    # PIIS: the model orderings of its lists ("piis" first, then the PIIS's own ordering, two
    # joins) are their own columns' order.
    if piis.a_evaluations:
        prefetch_related_objects(
            [piis],
            Prefetch(
                "evaluations",
                queryset=EvaluationPiis.objects.select_related("auteur")
                .prefetch_related("appreciations__objectif")
                .order_by("date_prevue", "id"),
            ),
        )
        liste_evaluations = piis.evaluations.all()
    else:
        liste_evaluations = []  # the template's tests on it compile no query either
        piis._prefetched_objects_cache = {"evaluations": EvaluationPiis.objects.none()}
    return render(
        request,
        "trajets/piis_detail.html",
        {
            "b": piis.beneficiaire,
            "piis": piis,
            "objectifs": list(piis.objectifs.order_by("ordre", "id")) if piis.a_objectifs else [],
            "tiers": list(
                piis.engagements_tiers.select_related("partenaire").order_by("ordre", "id")
            )
            if piis.a_tiers
            else [],
            "evaluations": liste_evaluations,
            "avenants": list(piis.avenants.order_by("-date_decision_ris", "-numero_avenant", "-id"))
            if piis.a_avenants
            else [],
            "etat_signature": delais.etat_signature(
                piis.date_decision_ris, piis.date_signature, today
            ),
            "conformite": evaluations.conformite_evaluations(piis, today),
            # The one form the PIIS's status shows (the template tests the same statuses).
            "proposer_form": ProposerForm(initial={"date": today, **version})
            if piis.statut == StatutPiis.BROUILLON
            else None,
            "signer_form": SignerForm(
                initial={"date": today, "debut": piis.debut or today, "fin": piis.fin, **version}
            )
            if piis.statut == StatutPiis.PROPOSE
            else None,
            "cloturer_form": CloturerForm(initial={"date": today, **version})
            if piis.statut == StatutPiis.SIGNE
            else None,
            "aujourd_hui": today,
        },
    )


def _action_piis(request, piis, form, message_invalide, action):
    """Run a PIIS action posted with ``form``; its outcome becomes a message on the detail."""
    if not form.is_valid():
        messages.error(request, message_invalide)
    else:
        try:
            action(form.cleaned_data)
        except services.ConflitVersion:
            messages.error(
                request,
                _("Quelqu'un a modifié ce PIIS entre-temps : relisez-le avant de recommencer."),
            )
        except ValidationError as exc:
            messages.error(request, erreurs(exc))
    return redirect("trajets:piis_detail", piis_pk=piis.pk)


@require_POST
@suivi_requis
def piis_proposer(request, piis_pk):
    piis = _piis(request, piis_pk)

    def action(d):
        services.proposer_piis(piis, d["date"], request.user, d["version"])
        messages.success(request, _("PIIS proposé à la personne."))

    form = ProposerForm(request.POST)
    return _action_piis(request, piis, form, _("Date de proposition invalide."), action)


@require_POST
@suivi_requis
def piis_signer(request, piis_pk):
    piis = _piis(request, piis_pk)

    def action(d):
        services.signer_piis(
            piis,
            d["date"],
            request.user,
            renonciation=d["renonciation"],
            debut=d["debut"],
            fin=d["fin"],
            version=d["version"],
        )
        messages.success(request, _("PIIS signé. Son contenu est désormais figé."))

    form = SignerForm(request.POST)
    return _action_piis(request, piis, form, _("Date de signature invalide."), action)


@require_POST
@suivi_requis
def piis_cloturer(request, piis_pk):
    piis = _piis(request, piis_pk)

    def action(d):
        services.cloturer_piis(piis, d["statut"], d["date"], request.user, d["version"])
        messages.success(request, _("PIIS clôturé."))

    form = CloturerForm(request.POST)
    return _action_piis(request, piis, form, _("Choisissez le résultat et la date."), action)


@require_POST
@suivi_requis
def piis_avenant(request, piis_pk):
    piis = _piis(request, piis_pk)
    try:
        avenant = services.creer_avenant(piis, request.user)
    except ValidationError as exc:
        messages.error(request, erreurs(exc))
        return redirect("trajets:piis_detail", piis_pk=piis.pk)
    messages.success(
        request,
        _("Avenant créé en brouillon. La version signée reste inchangée jusqu'à sa signature."),
    )
    return redirect("trajets:piis_modifier", piis_pk=avenant.pk)


@suivi_requis
def piis_pdf(request, piis_pk):
    """The printable PIIS (A4), in the person's language."""
    piis = _piis(request, piis_pk)
    journaliser_acces(request, piis.beneficiaire)
    response = HttpResponse(rendre_pdf(piis, request), content_type="application/pdf")
    nom = f"piis-{piis.beneficiaire.nom.lower()}-{piis.pk}.pdf".replace(" ", "-")
    response["Content-Disposition"] = f'inline; filename="{nom}"'
    return response


@suivi_requis
def evaluation(request, evaluation_pk):
    ev = get_for_user(
        EvaluationPiis.objects.select_related("piis__beneficiaire", "etape"),
        request.user,
        pk=evaluation_pk,
    )
    piis = ev.piis
    b = personne(request, piis.beneficiaire_id)
    form = EvaluationForm(request.POST or None, instance=ev, objectifs=piis.objectifs.all())
    if request.method == "POST" and form.is_valid():
        try:
            evaluations.enregistrer_evaluation(
                form.save(commit=False), request.user, form.appreciations()
            )
        except ValidationError as exc:
            ajouter_au_formulaire(form, exc)
        else:
            messages.success(request, _("Évaluation enregistrée et notée dans le journal."))
            return redirect("trajets:piis_detail", piis_pk=piis.pk)
    journaliser_acces(request, b)
    return render(
        request, "trajets/evaluation.html", {"b": b, "piis": piis, "ev": ev, "form": form}
    )


@require_POST
@suivi_requis
def evaluation_ajouter(request, piis_pk):
    """An extra evaluation (besides the planned ones), e.g. asked by the person."""
    piis = _piis(request, piis_pk)
    try:
        ev = evaluations.ajouter_evaluation(piis)
    except ValidationError as exc:
        messages.error(request, erreurs(exc))
        return redirect("trajets:piis_detail", piis_pk=piis.pk)
    return redirect("trajets:evaluation", evaluation_pk=ev.pk)
