"""Alerts: detectors (pure), incidents and their lifecycle, the state file, email composition, SMTP."""
