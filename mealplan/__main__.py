"""``python -m mealplan`` runs the command line (used by the panel's background jobs)."""

from mealplan.cli import main

main(prog_name="mealplan")
