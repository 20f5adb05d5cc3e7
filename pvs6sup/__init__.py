"""pvs6-supervisor: a cron-driven monitor for SunPower PVS6/PVS5 gateways."""

__version__ = "0.1.0"
USER_AGENT = "pvs6-supervisor"  # how every request it makes names it; Home Assistant's origin name too
