"""Pure computations on typed records: no file, network or clock."""
