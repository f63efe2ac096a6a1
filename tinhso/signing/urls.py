app_name = "signing"

urlpatterns = []
