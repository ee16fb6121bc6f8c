from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "opsassess.core"
    label = "core"
    verbose_name = "opsassess core"
