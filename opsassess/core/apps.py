from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "opsassess.core"
    label = "core"
    verbose_name = "opsassess core"

    def ready(self) -> None:
        from opsassess.core import checks  # noqa: F401  (registers the system checks)
