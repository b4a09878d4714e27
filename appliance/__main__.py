"""`python -m appliance` is the same as the `cartable` command."""

from appliance.cli import main

main()
