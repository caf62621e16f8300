"""The ``briefbot`` command line: typer app, actions over the services, output, demo, launcher."""
