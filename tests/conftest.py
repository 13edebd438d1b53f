pytest_plugins = ["dune_emulator.pytest_plugin"]
