app_name = "official_forms"

urlpatterns = []
