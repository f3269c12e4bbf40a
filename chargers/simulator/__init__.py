"""A simulated OCPP 1.6J home charger (the client side), for demos, tests and benchmarks of the gateway.

`engine` is the pure physics and smart-charging rules; `charger.SimulatedCharger` puts it on a websocket;
`models` holds the charger presets; `fleet` and `control` run many of them for `manage.py simulate_chargers`.
"""
