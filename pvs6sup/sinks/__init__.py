"""Sinks: every place a reading is delivered beyond the CSVs, each one module of the same shape, one queue each."""
