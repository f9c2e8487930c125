import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Create the first superuser if the database has none. Its name comes from --username, "
        "else DJANGO_SUPERUSER_USERNAME, else a generated one (never the guessable 'admin'); "
        "its password from DJANGO_SUPERUSER_PASSWORD, or is generated. What was generated is "
        "printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", help="Default: DJANGO_SUPERUSER_USERNAME, or generated.")

    def handle(self, *args: Any, username: str | None, **options: Any) -> None:
        users = get_user_model().objects
        if users.filter(is_superuser=True).exists():
            return
        # A generated name is one more thing a password guesser must know (and axes locks
        # out per name and address): no site shares it.
        username = (
            username
            or os.environ.get("DJANGO_SUPERUSER_USERNAME")
            or f"curator-{secrets.token_hex(3)}"
        )
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or secrets.token_urlsafe(18)
        users.create_superuser(username=username, email="", password=password)
        if "DJANGO_SUPERUSER_PASSWORD" in os.environ:
            self.stdout.write(f"Created superuser {username!r} with DJANGO_SUPERUSER_PASSWORD.")
        else:
            self.stdout.write(
                f"Created superuser {username!r} with password: {password}\n"
                "It is shown only this once; change it in the admin."
            )
