from django.urls import path
from rest_framework.routers import SimpleRouter

from organisations.api import views

ORGANISATION = r"organisations/(?P<slug>[-a-zA-Z0-9_]+)"

router = SimpleRouter()
router.register(f"{ORGANISATION}/members", views.MemberViewSet, basename="member")
router.register(f"{ORGANISATION}/units", views.UnitViewSet, basename="unit")
router.register(f"{ORGANISATION}/invitations", views.InvitationViewSet, basename="invitation")

urlpatterns = [
    path("invitations/", views.MyInvitationsView.as_view(), name="my-invitations"),
    path("invitations/accept/", views.AcceptView.as_view(), name="invitation-accept"),
    *router.urls,
]
