#!/usr/bin/env python3
"""pressrun's command line, run from the project folder: python build.py COMMAND …"""

from pressrun.cli import main

main()
