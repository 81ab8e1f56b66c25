from django.urls import path

from transactions_testapp import views

urlpatterns = [
    path("create/", views.create_reporter),
    path("create-non-atomic/", views.create_reporter_non_atomic),
]
