"""Tests that run the whole program: main() in-process or pvs6_supervisor.py as a child, against simulators."""
