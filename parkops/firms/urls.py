"""URLs of the firms app: the firm autocomplete (/firms/autocomplete/), beside the firm register at /firms/."""
from django.urls import path

from . import views

app_name = "firms"
urlpatterns = [
    path("firms/autocomplete/", views.firm_autocomplete, name="autocomplete"),
]
