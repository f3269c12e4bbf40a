"""Give many chargers new OCPP passwords from a CSV file: `manage.py charger_passwords_import FILE`.

Each line is `charge_point_id,password` (a first line `charge_point_id,password` is a header; `-`
reads standard input). The whole file is checked first, and every problem is reported by line
number, without the password; only a file with none is written, in one transaction.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chargers.services.charger_passwords import charger_passwords_set

HEADER = ["charge_point_id", "password"]


class Command(BaseCommand):
    help = "Set chargers' OCPP passwords from a CSV of charge_point_id,password lines: all of them, or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file, or - for standard input.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["file"]
        try:
            if path == "-":
                passwords, lines, problems = _read(sys.stdin)
            else:
                with open(path, encoding="utf-8-sig", newline="") as file:
                    passwords, lines, problems = _read(file)
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        if not problems:
            try:
                charger_passwords_set(passwords=passwords)
            except ValidationError as error:
                problems = [
                    f"line {lines[cp_id]}: {message}"
                    for cp_id, messages in error.message_dict.items()
                    for message in messages
                ]
        if problems:
            problems.sort(key=lambda problem: int(problem.split(":")[0].removeprefix("line ")))
            raise CommandError(f"Nothing was changed; {len(problems)} problem(s):\n" + "\n".join(problems))
        self.stdout.write(
            self.style.SUCCESS(f"Set the passwords of {len(passwords)} charger(s), from their next connection.")
        )


def _read(file: Iterable[str]) -> tuple[dict[str, str], dict[str, int], list[str]]:
    """The passwords by charge point id, each id's line number, and the problems with the lines' shape."""
    passwords: dict[str, str] = {}
    lines: dict[str, int] = {}
    problems: list[str] = []
    reader = csv.reader(file)
    for row in reader:
        number = reader.line_num
        if not row or row == [""] or (number == 1 and [cell.strip() for cell in row] == HEADER):
            continue
        if len(row) != 2:
            problems.append(f"line {number}: expected 2 fields, charge_point_id,password; found {len(row)}.")
            continue
        charge_point_id, password = row[0].strip(), row[1]
        if not charge_point_id:
            problems.append(f"line {number}: no charge point id.")
        elif charge_point_id in lines:
            problems.append(f"line {number}: {charge_point_id!r} is on line {lines[charge_point_id]} already.")
        else:
            passwords[charge_point_id], lines[charge_point_id] = password, number
    if not passwords and not problems:
        problems.append("line 1: the file has no charge_point_id,password lines.")
    return passwords, lines, problems
