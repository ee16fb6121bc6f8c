from django.urls import path
from rest_framework.routers import SimpleRouter

from assessments.api import views

router = SimpleRouter()
router.register("questionnaires", views.QuestionnaireViewSet, basename="questionnaire")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("organisations", views.OrganisationViewSet, basename="organisation")

urlpatterns = [path("auth/token/", views.TokenView.as_view(), name="auth-token")]
