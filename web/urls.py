from django.contrib.auth import views as auth
from django.urls import path, reverse_lazy

from web import facilitate, invitations, portfolio, respond, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        auth.PasswordResetView.as_view(
            template_name="web/password_reset.html",
            email_template_name="web/password_reset_email.txt",
            subject_template_name="web/password_reset_subject.txt",
            success_url=reverse_lazy("web:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth.PasswordResetDoneView.as_view(template_name="web/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(
            template_name="web/password_reset_confirm.html",
            success_url=reverse_lazy("web:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth.PasswordResetCompleteView.as_view(template_name="web/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("assessments/new/", views.start, name="start"),
    path("assessments/<int:pk>/", views.assessment, name="assessment"),
    path("assessments/<int:pk>/answer/<str:page>/", views.answer_page, name="answer"),
    path(
        "assessments/<int:pk>/answer/<str:page>/<str:question>/",
        views.autosave,
        name="autosave",
    ),
    path("assessments/<int:pk>/submit/", views.submit, name="submit"),
    path("assessments/<int:pk>/result/", views.result, name="result"),
    path("assessments/<int:pk>/compare/", views.compare, name="compare"),
    path("assessments/<int:pk>/report.pdf", views.report_pdf_view, name="report_pdf"),
    path("assessments/<int:pk>/copy/", views.copy, name="copy"),
    path("invitations/accept/<str:key>/", invitations.accept, name="invitation_accept"),
    path(
        "invitations/<uuid:uuid>/accept/",
        invitations.accept_named,
        name="invitation_accept_named",
    ),
    path("organisations/<slug:slug>/portfolio/", portfolio.portfolio, name="portfolio"),
    path("organisations/<slug:slug>/portfolio.pdf", portfolio.portfolio_pdf, name="portfolio_pdf"),
    # facilitators
    path("assessments/<int:pk>/team/", facilitate.team, name="team"),
    path(
        "assessments/<int:pk>/team/<uuid:respondent>/remove/",
        facilitate.remove,
        name="team_remove",
    ),
    path("assessments/<int:pk>/disagreement/", facilitate.disagreement, name="disagreement"),
    path("assessments/<int:pk>/consensus/<str:key>/", facilitate.consensus, name="consensus"),
    path(
        "assessments/<int:pk>/consensus/<str:key>/clear/",
        facilitate.consensus_clear,
        name="consensus_clear",
    ),
    # respondents
    path("assessments/<int:pk>/done/", respond.done, name="done"),
]
