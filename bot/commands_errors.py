"""The error a CLI command raises to say, in one line, why it cannot do what was asked."""


class CommandError(Exception):
    """Bad input to a command; the message is shown as it is."""
