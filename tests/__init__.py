"""The test suite, a package so that its helpers are imported by name: `from tests.support.x import ...`."""
