app_name = "trajets"

urlpatterns: list = []
