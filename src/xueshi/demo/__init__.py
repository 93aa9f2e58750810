"""Demo data: the five seed regions populated with people, organisations, classes and hour
records in every state, so that each role has something to look at and something to do.

The demo is data (``data/*.yaml``: who is in each region, and its story), read strictly by
``spec.read`` and built by ``load.demo_load``, which ``xueshi demo_load`` runs. It is
idempotent: running it twice changes nothing. Writes go through the apps' services wherever
one exists, so the audit trail is the real one.
"""
