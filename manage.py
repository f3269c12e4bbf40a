#!/usr/bin/env python
"""Django's command-line utility."""

import os
import sys


def main() -> None:
    # Production unless a settings module is named (locally the Makefile names smartcharging.settings.base),
    # so a production shell that forgets DJANGO_SETTINGS_MODULE refuses instead of using the local defaults.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcharging.settings.production")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
