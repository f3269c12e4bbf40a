"""Every change of smart-charging state goes through a function here (`<entity>_<action>`)."""
