"""Axle's JSON bodies, read so that what was signed is what is used."""

from __future__ import annotations

import math
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


class Unstorable(ValueError):
    """JSON that parses but cannot be kept as sent: the message says what and where to look."""


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e999: json reads it as infinity, which no database or charger takes
        raise Unstorable(f"the number {text} is too large for a 64-bit float")
    return value


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return f"{text[:40]!r} holds a NUL character (\\u0000), which cannot be stored"
    if any("\ud800" <= char <= "\udfff" for char in text):
        return f"{text[:40]!r} holds a lone surrogate (\\ud800-\\udfff), which is not a character"
    return None


def _check_texts(value: Any) -> None:
    """Every string, keys included, must be storable text (PostgreSQL's jsonb refuses both)."""
    waiting = [value]
    while waiting:  # a loop, not recursion: the parser has already bounded the depth
        item = waiting.pop()
        texts: list[str] = []
        if isinstance(item, dict):
            texts, children = list(item), list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            texts, children = ([item] if isinstance(item, str) else []), []
        for text in texts:
            problem = _text_problem(text)
            if problem:
                raise Unstorable(problem)
        waiting.extend(children)


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
            body = json.loads(
                stream.read().decode(encoding, errors="surrogatepass"),
                parse_constant=json.strict_constant if self.strict else None,
                parse_float=_finite,
                object_pairs_hook=_unique_keys,
            )
            _check_texts(body)
            return body
        except RecursionError:
            raise ParseError(
                "JSON parse error - the body is nested too deeply; a charging profile is a few levels deep."
            ) from None
        except DuplicateKey as duplicate:
            raise ParseError(
                f"JSON parse error - the key {duplicate.key!r} appears more than once in one object; "
                "send each key once."
            ) from None
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None
