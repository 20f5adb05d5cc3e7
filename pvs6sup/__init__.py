"""pvs6-supervisor: a cron-driven monitor for SunPower PVS6/PVS5 gateways."""

__version__ = "0.1.0"
