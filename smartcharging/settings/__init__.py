"""Settings split as base (shared, safe local defaults) / test / production."""
