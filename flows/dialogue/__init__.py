"""The turn's plumbing, shared by every mode: names, choices, navigation, free text, files.

The modes themselves (what each one offers, asks and takes) are in ``flows.modes``; the
engine's public face (``Engine``, ``Conversation``) stays in ``flows.engine``.
"""
