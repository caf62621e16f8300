"""``python -m bot`` is the ``briefbot`` command."""

from bot.cli.app import main

# Guarded: worker processes (feed parsing) import the main module and must not run the CLI.
if __name__ == "__main__":
    main()
