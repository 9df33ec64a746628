"""`python -m medunion`: the same command line as the `medunion` script."""

from medunion.cli import main

main()
