"""The settings at the bottom of the house: the table, reading and checking it, one record per section, and the
docs rendered from it. Imports nothing above core and errors."""
