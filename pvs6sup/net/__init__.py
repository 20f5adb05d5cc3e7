"""Network services besides the PVS: the cloud cover, the watchdog ping, and a total deadline for a blocking call."""
