"""Identity: people, passwords, sign-in sessions, throttling, invites, key ownership and the audit log.

Pure backend: no reflex here. Pages, states and routes call these functions with a database session.
"""
