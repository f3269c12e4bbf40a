"""The homeowner's pages: home, charging needs, tariff, plan, boost and history.

Views here only read (through `queries`) and call services; what a state or a plan means in words
lives in `status`, chart geometry in `charts`, tariff presets in `presets`.
"""
