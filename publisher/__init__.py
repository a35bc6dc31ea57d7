"""Linked open data publisher for official meetings and the agreements signed at them.

The flow goes one way: sources -> load -> validate -> release -> serve.
"""

__version__ = "0.1.0"
