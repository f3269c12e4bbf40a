"""Give one charger a new OCPP password: `manage.py charger_password <charge point id> --generate | --stdin`.

--generate prints the new password once (and its OCPP 1.6 AuthorizationKey form); --stdin reads it
from standard input, so it is not in the shell's history or the process list.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chargers.charger_password import authorization_key, password_generate
from chargers.services.charger_passwords import charger_passwords_set


class Command(BaseCommand):
    help = "Give a charger a new OCPP password (HTTP Basic, security profile 1 or 2); the old one stops working."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("charge_point_id", help="The charger's OCPP charge point id.")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--generate", action="store_true", help="Make a random password and print it once.")
        source.add_argument("--stdin", action="store_true", help="Read the password from the first line of stdin.")

    def handle(self, *args: Any, **options: Any) -> None:
        charge_point_id: str = options["charge_point_id"]
        password = password_generate() if options["generate"] else sys.stdin.readline().rstrip("\r\n")
        try:
            charger_passwords_set(passwords={charge_point_id: password})
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if options["generate"]:
            self.stdout.write(f"Password:         {password}")
            self.stdout.write(f"AuthorizationKey: {authorization_key(password)}  (OCPP 1.6: the password in hex)")
            self.stdout.write("Shown only now: only a keyed digest is kept.")
        self.stdout.write(
            self.style.SUCCESS(f"{charge_point_id} must present its new password from its next connection.")
        )
