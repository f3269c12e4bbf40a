"""`manage.py charger_password` and `manage.py charger_passwords_import`: one charger, or a CSV of them
checked whole before anything is written."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from chargers.charger_password import Verdict, password_check
from chargers.models import ChargerState
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db
GOOD = "Good-password-16+chars"


@pytest.fixture
def chargers(db):
    return {cp: AssetFactory(ocpp_charge_point_id=cp) for cp in ("cp-1", "cp-2", "cp-3")}


def verdict(charge_point_id: str, password: str) -> Verdict | None:
    state = ChargerState.objects.filter(asset__ocpp_charge_point_id=charge_point_id).first()
    return password_check(password.encode(), state.password_hash) if state and state.password_hash else None


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_generate_prints_the_password_once_and_it_is_the_one_stored(chargers):
    out = run("charger_password", "cp-1", "--generate")
    password = re.search(r"Password:\s+(\S+)", out)[1]
    assert verdict("cp-1", password) is Verdict.MATCH
    assert re.search(r"AuthorizationKey:\s+" + password.encode().hex().upper(), out)


def test_stdin_sets_the_password_read_from_it(chargers, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(GOOD + "\n"))
    out = run("charger_password", "cp-2", "--stdin")
    assert GOOD not in out
    assert verdict("cp-2", GOOD) is Verdict.MATCH


@pytest.mark.parametrize(
    ("charge_point_id", "password", "words"),
    [
        ("nobody", GOOD, "No charger has the charge point id 'nobody'."),
        ("cp-1", "too-short", "The password is 9 characters long; a charger password has 16 to 40."),
        ("cp-1", "spaces are not allowed here", "may only use the letters a-z and A-Z, the digits 0-9 and *-_=:+|@."),
    ],
)
def test_a_bad_id_or_password_is_refused_in_words_and_nothing_is_set(
    chargers, monkeypatch, charge_point_id, password, words
):
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    with pytest.raises(CommandError) as refused:
        run("charger_password", charge_point_id, "--stdin")
    assert words in str(refused.value)
    assert password not in str(refused.value)
    assert not ChargerState.objects.exists()


def test_the_command_needs_generate_or_stdin(chargers):
    with pytest.raises(CommandError, match="one of the arguments --generate --stdin is required"):
        run("charger_password", "cp-1")


def test_import_sets_every_line_in_one_go(chargers, tmp_path):
    csv = tmp_path / "passwords.csv"
    csv.write_text(f"charge_point_id,password\ncp-1,{GOOD}\n\ncp-2,Another:password=2026\n", encoding="utf-8")

    out = run("charger_passwords_import", str(csv))

    assert "Set the passwords of 2 charger(s)" in out
    assert verdict("cp-1", GOOD) is Verdict.MATCH
    assert verdict("cp-2", "Another:password=2026") is Verdict.MATCH
    assert verdict("cp-3", GOOD) is None


def test_import_reads_standard_input_too(chargers, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(f"cp-3,{GOOD}\n"))
    run("charger_passwords_import", "-")
    assert verdict("cp-3", GOOD) is Verdict.MATCH


def test_import_with_any_bad_line_changes_nothing_and_names_every_line_without_the_passwords(chargers, tmp_path):
    short, spaced = "short-one", "has spaces in it, sixteen+"
    csv = tmp_path / "passwords.csv"
    csv.write_text(
        "\n".join(
            [
                f"cp-1,{GOOD}",  # 1: fine, but not written: the file as a whole is refused
                f"cp-2,{short}",  # 2
                f"cp-gone,{GOOD}",  # 3
                f"cp-1,{GOOD}",  # 4: cp-1 again
                f"cp-3,{GOOD},extra",  # 5
                f'cp-3,"{spaced}"',  # 6
            ]
        ),
        encoding="utf-8",
    )

    with pytest.raises(CommandError) as refused:
        run("charger_passwords_import", str(csv))

    message = str(refused.value)
    assert message.startswith("Nothing was changed; ")
    assert "line 4: 'cp-1' is on line 1 already." in message
    assert "line 5: expected 2 fields, charge_point_id,password; found 3." in message
    assert not ChargerState.objects.exists()
    for secret in (GOOD, short, spaced):
        assert secret not in message

    # The shape is right once lines 4 and 5 go: then the charger ids and passwords are checked.
    csv.write_text(f'cp-1,{GOOD}\ncp-2,{short}\ncp-gone,{GOOD}\ncp-3,"{spaced}"\n', encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        run("charger_passwords_import", str(csv))

    lines = str(refused.value).splitlines()[1:]
    assert lines == [
        "line 2: The password is 9 characters long; a charger password has 16 to 40.",
        "line 3: No charger has the charge point id 'cp-gone'.",
        "line 4: The password may only use the letters a-z and A-Z, the digits 0-9 and *-_=:+|@. (OCPP's password set).",
    ]
    assert not ChargerState.objects.exists()


def test_import_of_a_file_that_is_not_there_says_so(chargers, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("charger_passwords_import", str(tmp_path / "missing.csv"))
