app_name = "dossiers"

urlpatterns = []
