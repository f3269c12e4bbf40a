from tests.smartcharging.axle.conftest import axle, axle_settings, token_call  # noqa: F401 - shared fixtures
