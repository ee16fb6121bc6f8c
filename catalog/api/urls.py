from rest_framework.routers import SimpleRouter

from catalog.api import views

router = SimpleRouter()
router.register("disciplines", views.DisciplineViewSet, basename="discipline")
router.register("phases", views.LifecyclePhaseViewSet, basename="phase")
router.register("hindrances", views.HindranceViewSet, basename="hindrance")
router.register("practices", views.PracticeViewSet, basename="practice")
router.register("tools", views.ToolViewSet, basename="tool")

urlpatterns = router.urls
