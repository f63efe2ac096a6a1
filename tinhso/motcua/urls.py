app_name = "motcua"

urlpatterns = []
