"""``python -m mealplan`` runs the command line (used by the panel's background jobs).

Guarded: routing worker processes are spawned, and a spawned process imports the main
module again (it must not run the command a second time).
"""

from mealplan.cli import main

if __name__ == "__main__":
    main(prog_name="mealplan")
