"""Demo data: the five seed regions populated with people, organisations, classes and hour
records in every state, so that each role has something to look at and something to do.

``xueshi demo_load`` (``load.demo_load``) is idempotent: running it twice changes nothing.
Writes go through the apps' services wherever one exists, so the audit trail is the real one.
"""
