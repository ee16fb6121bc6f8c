import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Create the demo superuser 'admin' if it does not exist. The password comes from "
        "OPSASSESS_DEMO_PASSWORD, or is generated and printed once. Safe to run again."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="admin")

    @transaction.atomic
    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user_model = get_user_model()
        given = os.environ.get("OPSASSESS_DEMO_PASSWORD", "")
        user = user_model.objects.filter(username=username).first()
        if user is not None:
            if given:
                user.set_password(given)
                user.save(update_fields=["password"])
                self.stdout.write(
                    f"Superuser '{username}' exists; password set from OPSASSESS_DEMO_PASSWORD."
                )
            else:
                self.stdout.write(f"Superuser '{username}' already exists; password unchanged.")
            return
        password = given or secrets.token_urlsafe(12)
        user_model.objects.create_superuser(username=username, email="", password=password)
        if given:
            self.stdout.write(
                f"Created superuser '{username}' with the password from OPSASSESS_DEMO_PASSWORD."
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"Created superuser '{username}' with password: {password}\n"
                    "It is shown only this once; set OPSASSESS_DEMO_PASSWORD and run "
                    "`make run` again to change it."
                )
            )
