from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from assessments.api.urls import router as assessments_router
from catalog.api.urls import router as catalog_router
from organisations.api.urls import root_router as organisations_router

handler404 = "opsassess.core.views.not_found"
handler500 = "opsassess.core.views.server_error"

admin.site.site_header = "opsassess administration"
admin.site.site_title = "opsassess"

# One router, so the browsable root at /api/v1/ lists every resource.
api = DefaultRouter()
api.registry.extend(
    catalog_router.registry + assessments_router.registry + organisations_router.registry
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api.urls)),
    path("api/v1/", include("assessments.api.urls")),
    # Members, units and invitations of an organisation; invitations addressed to the caller.
    path("api/v1/", include("organisations.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    # The pages for people: / is "My assessments", sign-in under /accounts/.
    path("", include("web.urls")),
]
