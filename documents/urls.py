from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("personne/<int:pk>/ajouter/", views.ajouter, name="ajouter"),
    path("<int:pk>/telecharger/", views.telecharger, name="telecharger"),
    path("<int:pk>/supprimer/", views.supprimer, name="supprimer"),
    path("<int:pk>/partager/<int:orientation_pk>/", views.partager, name="partager"),
    path(
        "portail/<int:orientation_pk>/<int:pk>/",
        views.portail_telecharger,
        name="portail_telecharger",
    ),
]
