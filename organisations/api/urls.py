from django.urls import path
from rest_framework.routers import SimpleRouter

from organisations.api import views

ORGANISATION = r"organisations/(?P<slug>[-a-zA-Z0-9_]+)"

# The organisations themselves, in the API root's router (opsassess/urls.py) so /api/v1/ lists them.
root_router = SimpleRouter()
root_router.register("organisations", views.OrganisationViewSet, basename="organisation")

router = SimpleRouter()
router.register(f"{ORGANISATION}/members", views.MemberViewSet, basename="member")
router.register(f"{ORGANISATION}/units", views.UnitViewSet, basename="unit")
router.register(f"{ORGANISATION}/invitations", views.InvitationViewSet, basename="invitation")

urlpatterns = [
    path("keys/", views.StaffKeysView.as_view(), name="staff-keys"),
    path("invitations/", views.MyInvitationsView.as_view(), name="my-invitations"),
    path("invitations/accept/", views.AcceptView.as_view(), name="invitation-accept"),
    *router.urls,
]
