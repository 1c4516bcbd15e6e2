"""``mealplan serve``: the panel's command, contributed to the ``mealplan`` CLI through
the ``mealplan.commands`` entry point (so that mealplan never imports web)."""

from __future__ import annotations

import importlib
import importlib.util

import click

from web import create_app


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0 for every interface: put HTTPS in front).",
)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="waitress threads.")
def serve(host: str, port: int, threads: int) -> None:
    """Run the web panel (waitress if installed, else Flask's development server)."""
    app = create_app()
    if importlib.util.find_spec("waitress") is not None:
        waitress = importlib.import_module("waitress")
        click.echo(f"serving the panel on http://{host}:{port} (waitress)")
        waitress.serve(app, host=host, port=port, threads=threads)
    else:
        click.echo(
            "warning: waitress is not installed; using Flask's development server, "
            "which is not for production (pip install waitress)",
            err=True,
        )
        app.run(host=host, port=port, debug=False, use_reloader=False)
