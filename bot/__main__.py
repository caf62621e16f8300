"""``python -m bot`` is the ``briefbot`` command."""

from bot.cli.app import main

main()
