"""Google Sheets delivery: exactly-once appends from the sinks queue, cell layout, Google auth."""
