"""``python -m publisher``: the same command as the ``publisher`` script."""

from publisher.cli import main

main()
