app_name = "partenaires"

urlpatterns: list = []
