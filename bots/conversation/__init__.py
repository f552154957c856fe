"""The seller's conversation, written once for every messenger.

A messenger's adapter (bots.telegram, bots.viber) turns what a person did into a `Turn` and
shows the `Reply` that comes back; everything in between (the steps of each dialog, the guards,
the texts, the buttons, the commands to publish, the dialog state to keep) lives here, one module
per feature. Nothing here imports aiogram or viberbot (an import-linter contract says so), and
nothing here performs I/O of a messenger: what a messenger cannot do is a flag on the reply,
handled by its adapter. docs/DESIGN.md ("The conversation layer") draws it.
"""
