from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from assessments.api import views
from assessments.api.feed import ScoresView
from assessments.api.portfolio import PortfolioReportView, PortfolioView
from assessments.api.report import RadarView, ReportView
from assessments.api.respondents import (
    ConsensusView,
    DisagreementView,
    MyAnswersView,
    RespondentsView,
    RespondentView,
)
from assessments.api.roadmap import RoadmapView

router = SimpleRouter()
router.register("questionnaires", views.QuestionnaireViewSet, basename="questionnaire")
router.register("assessments", views.AssessmentViewSet, basename="assessment")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="auth-logout-all"),
    path("scores/", ScoresView.as_view(), name="scores"),
    path("assessments/<int:pk>/report/", ReportView.as_view(), name="assessment-report"),
    path("assessments/<int:pk>/radar.svg", RadarView.as_view(), name="assessment-radar"),
    path("assessments/<int:pk>/roadmap/", RoadmapView.as_view(), name="assessment-roadmap"),
    # Assessments answered by several people (assessments/api/respondents.py).
    path(
        "assessments/<int:pk>/respondents/",
        RespondentsView.as_view(),
        name="assessment-respondents",
    ),
    path(
        "assessments/<int:pk>/respondents/<uuid:respondent>/",
        RespondentView.as_view(),
        name="assessment-respondent",
    ),
    path("assessments/<int:pk>/my-answers/", MyAnswersView.as_view(), name="assessment-my-answers"),
    path(
        "assessments/<int:pk>/disagreement/",
        DisagreementView.as_view(),
        name="assessment-disagreement",
    ),
    path(
        "assessments/<int:pk>/consensus/<str:question_key>/",
        ConsensusView.as_view(),
        name="assessment-consensus",
    ),
    # An organisation's results over time (the organisation itself is organisations.api's).
    re_path(
        r"^organisations/(?P<slug>[-a-zA-Z0-9_]+)/history/$",
        views.OrganisationHistoryView.as_view(),
        name="organisation-history",
    ),
    # The portfolio across an organisation's units (slugs as the organisations router takes them).
    re_path(
        r"^organisations/(?P<slug>[-a-zA-Z0-9_]+)/portfolio/$",
        PortfolioView.as_view(),
        name="organisation-portfolio",
    ),
    re_path(
        r"^organisations/(?P<slug>[-a-zA-Z0-9_]+)/portfolio/report/$",
        PortfolioReportView.as_view(),
        name="organisation-portfolio-report",
    ),
]
