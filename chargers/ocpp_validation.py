"""Both ends of our OCPP conversations (the gateway and the simulator) check payloads in line.

The ocpp package checks each payload against its JSON schema in the event loop's default thread
pool: a hop there and back for every message. Under the GIL that buys no parallelism, only a queue
shared by every connection: in a burst of schedules each check waited behind a thousand others, and
one round trip to a charger took a second. In line, a check takes well under a millisecond.
"""

import ocpp.messages

ocpp.messages.ASYNC_VALIDATION = False
