"""`python -m netverify.cli`: the `netverify` command."""

from netverify.cli import main

main()
