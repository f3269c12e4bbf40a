import pytest
from django.core.cache import cache

from smartcharging.axle_standin import PushConfig, StandIn, StandInConfig, serve
from tests.smartcharging.axle_standin.helpers import PASSWORD, USERNAME, point_platform_at


@pytest.fixture
def make_standin():
    """Start stand-ins on free ports, in threads; each is stopped after the test."""
    servers = []

    def start(push: PushConfig | None = None, **config) -> StandIn:
        app = StandIn(StandInConfig(username=USERNAME, password=PASSWORD, push=push or PushConfig(), **config))
        server = serve(app, port=0)
        server.start_in_thread()
        servers.append(server)
        return app

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def standin(make_standin, settings):
    """A stand-in that the platform's own Axle client (smartcharging.axle) calls."""
    app = make_standin()
    point_platform_at(app, settings)
    return app


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    # The platform shares Axle's token through the cache: no test may inherit another stand-in's.
    cache.clear()
    yield
    cache.clear()
