from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef

from cpas_isp.admin import ListeReferenceAdmin, TenantAdminMixin, cpas_administre
from cpas_isp.models import Membership

from .models import (
    ComptePartenaire,
    ContactPartenaire,
    Partenaire,
    ServicePartenaire,
    Thematique,
    TypePartenaire,
)


@admin.register(TypePartenaire, Thematique)
class LibelleAdmin(ListeReferenceAdmin):
    list_display = ["libelle_fr", "libelle_nl", "code", "ordre", "actif"]


class ContactInline(admin.TabularInline):
    model = ContactPartenaire
    extra = 0


class ServiceInline(admin.TabularInline):
    model = ServicePartenaire
    extra = 0
    fields = ["nom", "thematique", "places_disponibles", "actif"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "thematique" and not request.user.is_superuser:
            field.queryset = field.queryset.pour_cpas(cpas_administre(request.user))
        return field


@admin.register(Partenaire)
class PartenaireAdmin(TenantAdminMixin, admin.ModelAdmin):
    """The directory is shared for reading; a record is edited by the CPAS that manages it
    (``gere_par``), records nobody manages by a national administrator only."""

    cpas_lookup = None  # shared by every CPAS
    list_display = ["nom", "type", "commune", "region", "gere_par", "actif"]
    list_filter = ["type", "region", "actif"]
    search_fields = ["nom", "sigle", "commune"]
    inlines = [ServiceInline, ContactInline]
    exclude = ["cree_par_cpas"]

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["gere_par"]

    def _gere_par_son_cpas(self, request, obj):
        cpas_id = self._cpas_id(request)
        return cpas_id is not None and obj.gere_par_id == cpas_id

    def has_add_permission(self, request):
        return super().has_add_permission(request) and (
            request.user.is_superuser or self._cpas_id(request) is not None
        )

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return request.user.is_superuser or obj is None or self._gere_par_son_cpas(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            if change and not self._gere_par_son_cpas(request, obj):
                raise PermissionDenied
            if not change:
                obj.cree_par_cpas_id = obj.gere_par_id = self._cpas_id(request)
        super().save_model(request, obj, form, change)


@admin.register(ComptePartenaire)
class ComptePartenaireAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Link a partner user (role « partenaire » in this CPAS) to their organisation."""

    list_display = ["user", "partenaire"]
    search_fields = ["user__username", "user__last_name", "partenaire__nom"]
    autocomplete_fields = ["partenaire"]

    def get_queryset(self, request):
        qs = super(TenantAdminMixin, self).get_queryset(request)
        if request.user.is_superuser:
            return qs
        # Accounts of people with an active membership in the administrator's CPAS only.
        return qs.filter(
            Exists(
                Membership.objects.filter(
                    user=OuterRef("user_id"), cpas_id=self._cpas_id(request), actif=True
                )
            )
        )

    # The account is one per user and says what they read in every CPAS they work with: a
    # CPAS's administrator manages it only for users who work with their CPAS alone (as their
    # identity, cpas_isp.admin.UserAdmin); the others' is for a national administrator.
    def _actif_ailleurs(self, request, user_id) -> bool:
        return (
            Membership.objects.filter(user_id=user_id, actif=True)
            .exclude(cpas_id=self._cpas_id(request))
            .exists()
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "user" and not request.user.is_superuser and field is not None:
            field.queryset = field.queryset.exclude(
                Exists(
                    Membership.objects.filter(user=OuterRef("pk"), actif=True).exclude(
                        cpas_id=self._cpas_id(request)
                    )
                )
            )
        return field

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return (
            request.user.is_superuser
            or obj is None
            or not self._actif_ailleurs(request, obj.user_id)
        )

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return (
            request.user.is_superuser
            or obj is None
            or not self._actif_ailleurs(request, obj.user_id)
        )
