"""A local stand-in for Axle Energy's API, so the platform can be developed and demonstrated offline.

It speaks Axle's API as AXLE_API.md documents it (the platform's own client in smartcharging.axle
works against it unchanged), keeps what it is told in memory (optionally in a JSON file), plans with
smartcharging.planner and pushes schedules back to the platform as Axle would. Fault switches under
`/_standin/` make it fail on purpose. Started by `manage.py run_axle_standin`; never in production.
See docs/axle-standin.md.
"""

from .app import StandIn, StandInConfig
from .pusher import PushConfig
from .server import StandInServer, serve
from .state import State

__all__ = ["PushConfig", "StandIn", "StandInConfig", "StandInServer", "State", "serve"]
