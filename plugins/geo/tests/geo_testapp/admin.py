from django.contrib import admin

from geo_testapp.models import Area, Place

admin.site.register(Place)
admin.site.register(Area)
