"""`manage.py axle_oauth_client [--rotate]`: issue Axle's OAuth2 client and print its secret once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from smartcharging.api.security import SCHEDULES_SCOPE
from smartcharging.services.axle_client_app import ClientExists, axle_client_issue


class Command(BaseCommand):
    help = "Create Axle's OAuth2 client (client credentials) or, with --rotate, give it a new secret."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rotate", action="store_true", help="New secret; revokes tokens issued so far.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            credentials = axle_client_issue(rotate=options["rotate"])
        except ClientExists as error:
            raise CommandError(str(error)) from error
        verb = "Rotated" if credentials.rotated else "Created"
        self.stdout.write(f"{verb} Axle's client. Give Axle these; the secret is not shown again:")
        self.stdout.write("  token URL:     <this site>/oauth/token/ (grant_type=client_credentials)")
        self.stdout.write(f"  scope:         {SCHEDULES_SCOPE}")
        self.stdout.write(f"  client_id:     {credentials.client_id}")
        self.stdout.write(f"  client_secret: {credentials.client_secret}")
