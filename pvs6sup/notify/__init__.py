"""Phone notifications: every alert to each Apprise URL (NOTIFY_URLS), each channel with its own outbox, and what
the watchdog needs to know when alerts are not getting through."""
