app_name = "beneficiaires"

urlpatterns: list = []
