from django.urls import path

from rapports import views

app_name = "rapports"

urlpatterns = [
    path("", views.tableau_de_bord, name="tableau_de_bord"),
    path("personnes/", views.personnes, name="personnes"),
    path("export/<slug:table>.<str:format>", views.export, name="export"),
    path("mensuels/", views.mensuels, name="mensuels"),
    path("mensuels/demander/", views.demander, name="demander"),
    path("mensuels/<int:pk>/telecharger/", views.telecharger, name="telecharger"),
]
