"""Axle's JSON bodies, read so that what was signed is what is used."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKey(key)
        found[key] = value
    return found


class UniqueKeysJSONParser(JSONParser):
    """DRF's JSON parser, refusing an object that names a key twice (400, naming the key).

    Python's json keeps the last of two equal keys, another reader may keep the first: a signed
    body with `"stackLevel"` twice could mean one plan to whoever checked it and another to us.
    """

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:  # the body is in memory already (its signature was checked), at most AXLE_SCHEDULE_MAX_BYTES
            return json.loads(
                stream.read().decode(encoding),
                parse_constant=json.strict_constant if self.strict else None,
                object_pairs_hook=_unique_keys,
            )
        except DuplicateKey as duplicate:
            raise ParseError(
                f"JSON parse error - the key {duplicate.key!r} appears more than once in one object; "
                "send each key once."
            ) from None
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None
