"""Every change of charger state goes through a function here (`<entity>_<action>`)."""
